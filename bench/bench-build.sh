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

. "$(dirname "$0")/lib.sh"
bench_args "$@"
bench_setup build hyperfine umoci pigz python3 /usr/bin/time
"$sc_build" --quiet init hello-world >/dev/null
bench_rootfs hello-world/rootfs

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

bench_report times.json "tar|gzip:sc-build" "tar|pigz:sc-build" "umoci insert:sc-build"
echo "sc-build peak RSS: $((rss_kb / 1024)) MB (one run, $secs s)"
