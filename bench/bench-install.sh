#!/usr/bin/env bash
# bench-install.sh: time `sc-build install` of a synthetic image against peer
# tools doing the same checkout in the same run, and print the ratios.
#
#   usage: bench/bench-install.sh [SIZE_MB=300] [NFILES=20000] [SEED=1] [RUNS=3]
#
# Peers: `ostree checkout -H` of the same layer commit (install from a bare
# OSTree repo hardlinks as it does) and `umoci unpack` of the same OCI layout
# (install from a layout unpacks and checks digests as it does). Needs a
# built tree (build/bin/sc-build) or SC_BUILD=/path/to/sc-build; runs as root.
set -euo pipefail

size_mb=${1:-300}
nfiles=${2:-20000}
seed=${3:-1}
runs=${4:-3}
repo=$(cd "$(dirname "$0")/.." && pwd)
sc_build=${SC_BUILD:-$repo/build/bin/sc-build}
gen=${GEN_ROOTFS:-$repo/../shared/bench/gen-rootfs.py}
for tool in hyperfine umoci ostree python3; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing" >&2; exit 1; }
done
[ -x "$sc_build" ] || { echo "bench: no sc-build at $sc_build: build first" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/var/tmp}/sc-bench-install.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"

echo "== generating ${size_mb} MB / ${nfiles} files (seed $seed)"
"$sc_build" --quiet init hello-world >/dev/null
python3 "$gen" hello-world/rootfs "$size_mb" "$nfiles" "$seed"
"$sc_build" --quiet build hello-world -o hw.oci
"$sc_build" --quiet build hello-world --format ostree --repo repo
layer=$(ostree --repo=repo refs | grep -E '^ociimage/[0-9a-f]{64}$' | while read -r ref; do
  ostree --repo=repo ls "$ref" /usr >/dev/null 2>&1 && echo "$ref"; done | head -n 1)

hyperfine --runs "$runs" --warmup 1 --export-json times.json \
  --prepare 'rm -rf r1' --prepare 'rm -rf co' --prepare 'rm -rf r2' --prepare 'rm -rf bundle' \
  -n 'sc-build install (ostree)' \
  "mkdir r1 && $sc_build --quiet install ostree:hello-world:latest@repo --root r1 --no-systemd-cgroup" \
  -n 'ostree checkout -H' "ostree --repo=repo checkout -H $layer co" \
  -n 'sc-build install (oci)' \
  "mkdir r2 && $sc_build --quiet install oci:hw.oci:hello-world:latest --root r2 --no-systemd-cgroup" \
  -n 'umoci unpack' "umoci unpack --image hw.oci:hello-world:latest bundle >/dev/null"

python3 - <<'PY'
import json
res = {r["command"]: r["median"] for r in json.load(open("times.json"))["results"]}
print("\n%-28s %10s" % ("tool", "median s"))
for name, t in res.items():
    print("%-28s %10.2f" % (name, t))
print("\nratios (peer time / sc-build time; above 1: sc-build is faster):")
print("  ostree checkout -H / sc-build install (ostree): %.2fx"
      % (res["ostree checkout -H"] / res["sc-build install (ostree)"]))
print("  umoci unpack / sc-build install (oci):          %.2fx"
      % (res["umoci unpack"] / res["sc-build install (oci)"]))
PY
