#!/usr/bin/env bash
# bench-build.sh: time `sc-build build` of a synthetic rootfs against peer
# tools doing the same job in the same run, and print the ratios.
#
#   usage: bench/bench-build.sh [SIZE_MB=300] [NFILES=20000] [SEED=1] [RUNS=3]
#
# Peers: `tar | gzip` and `tar | pigz` (the layer alone, sorted and
# normalized as sc-build does) and `umoci insert` (a layer into an OCI
# layout). The tree comes from ../shared/bench/gen-rootfs.py, so it is the
# same on every machine. Needs a built tree (build/bin/sc-build) or
# SC_BUILD=/path/to/sc-build.
set -euo pipefail

size_mb=${1:-300}
nfiles=${2:-20000}
seed=${3:-1}
runs=${4:-3}
repo=$(cd "$(dirname "$0")/.." && pwd)
sc_build=${SC_BUILD:-$repo/build/bin/sc-build}
gen=${GEN_ROOTFS:-$repo/../shared/bench/gen-rootfs.py}
for tool in hyperfine umoci pigz python3 /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing (scripts/install-deps.sh --bench)" >&2; exit 1; }
done
[ -x "$sc_build" ] || { echo "bench: no sc-build at $sc_build: build first" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/sc-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"

echo "== generating ${size_mb} MB / ${nfiles} files (seed $seed)"
"$sc_build" --quiet init hello-world >/dev/null
python3 "$gen" hello-world/rootfs "$size_mb" "$nfiles" "$seed"
du -sh hello-world/rootfs

tar_layer="tar -C hello-world/rootfs --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -cf - ."
umoci init --layout base.oci >/dev/null && umoci new --image base.oci:t >/dev/null

# One --prepare per command, in order (hyperfine pairs them up).
hyperfine --runs "$runs" --warmup 1 --export-json times.json \
  --prepare 'rm -rf out.oci' --prepare true --prepare true \
  --prepare 'rm -rf u.oci && cp -a base.oci u.oci' \
  -n sc-build "$sc_build --quiet build hello-world -o out.oci" \
  -n 'tar|gzip' "$tar_layer | gzip -6 > layer.tar.gz" \
  -n 'tar|pigz' "$tar_layer | pigz -6 > layer.tar.gz" \
  -n 'umoci insert' "umoci insert --image u.oci:t hello-world/rootfs / >/dev/null"

rm -rf out.oci
/usr/bin/time -f '%e %M' -o rss.txt "$sc_build" --quiet build hello-world -o out.oci
read -r secs rss_kb < rss.txt

python3 - "$secs" "$rss_kb" <<'PY'
import json, sys
res = {r["command"]: r for r in json.load(open("times.json"))["results"]}
base = res["sc-build"]["median"]
print("\n%-14s %10s %10s" % ("tool", "median s", "ratio"))
for name, r in res.items():
    print("%-14s %10.2f %9.2fx" % (name, r["median"], r["median"] / base))
print("\nratio = tool time / sc-build time (above 1: sc-build is faster)")
print("sc-build peak RSS: %.1f MB (one run, %.2f s)" % (int(sys.argv[2]) / 1024, float(sys.argv[1])))
PY
