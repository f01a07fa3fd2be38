#!/usr/bin/env bash
# bench-build.sh: time `sc-build build` of a synthetic rootfs against peer
# tools doing the same job in the same run, and print the ratios.
#
#   usage: bench/bench-build.sh [SIZE_MB=300] [NFILES=20000] [SEED=1] [RUNS=3]
#
# Rows (sc-build's, then its peers'):
#   build gzip (cold)      a new OCI layout, no layer cache
#   build gzip (no-op)     again into the same layout, nothing changed
#   build gzip (template)  again, service.template edited before each run
#   build zstd             a new layout, --compression zstd
#   build ostree           --format ostree into a new bare repository
#   tar|gzip, tar|pigz     the layer alone (sorted, normalized as sc-build's)
#   umoci insert           the rootfs as a layer into an OCI layout
#   tar|zstd -3 -T2        the layer alone, zstd on two threads
#   ostree commit          the rootfs committed into a new bare repository
# The tree comes from ../shared/bench/gen-rootfs.py, so it is the same on
# every machine.  Besides the table, prints "RESULT NAME MEDIAN MIN" and
# "RSS NAME MB" lines for bench/run.  Needs a built tree
# (build/bin/sc-build) or SC_BUILD=/path/to/sc-build.
set -euo pipefail

. "$(dirname "$0")/lib.sh"
bench_args "$@"
bench_setup build hyperfine umoci pigz zstd ostree python3 /usr/bin/time
# The layer cache, this run's alone.
export XDG_CACHE_HOME=$work/cache
"$sc_build" --quiet init hello-world >/dev/null
bench_rootfs hello-world/rootfs

tar_layer="tar -C hello-world/rootfs --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -cf - ."
umoci init --layout base.oci >/dev/null && umoci new --image base.oci:t >/dev/null
build="$sc_build --quiet build hello-world"
# A template-only change, different at every run: a comment in the unit.
edit='printf "# %s\n" "$(date +%s%N)" >>hello-world/service.template'
new_repo="$(aside orepo) && ostree --repo=orepo init --mode=bare"

# One --prepare per command, in order (hyperfine pairs them up).  The
# no-op and template rows follow the cold one: its layout is theirs; the
# warm-up run fills the layer cache they reuse.
# BENCH_NO_GZIP_PEERS=1 (bench/run --scales) leaves out tar|gzip and
# tar|pigz, the slowest rows by far.
gzip_peers=(--prepare true -n 'tar|gzip' "$tar_layer | gzip -6 > layer.tar.gz"
  --prepare true -n 'tar|pigz' "$tar_layer | pigz -6 > layer.tar.gz")
[ -z "${BENCH_NO_GZIP_PEERS:-}" ] || gzip_peers=()
hyperfine --runs "$runs" --warmup 1 --export-json times.json \
  --prepare 'rm -rf out.oci' -n 'build gzip (cold)' "$build -o out.oci --no-cache" \
  --prepare true -n 'build gzip (no-op)' "$build -o out.oci" \
  --prepare "$edit" -n 'build gzip (template)' "$build -o out.oci" \
  "${gzip_peers[@]}" \
  --prepare 'rm -rf u.oci && cp -a base.oci u.oci' \
  -n 'umoci insert' "umoci insert --image u.oci:t hello-world/rootfs / >/dev/null" \
  --prepare 'rm -rf zst.oci' -n 'build zstd' "$build -o zst.oci --compression zstd --no-cache" \
  --prepare true -n 'tar|zstd -3 -T2' "$tar_layer | zstd -q -3 -T2 > layer.tar.zst" \
  --prepare "$(aside repo)" -n 'build ostree' "$build --format ostree --repo repo" \
  --prepare "$new_repo" -n 'ostree commit' \
  "ostree --repo=orepo commit -b t --owner-uid=0 --owner-gid=0 --no-xattrs hello-world/rootfs >/dev/null"

# Peak RSS, one run each, in the states the rows above time.
rss() {
  local name=$1
  shift
  /usr/bin/time -f '%M' -o rss.txt "$@" >/dev/null
  printf 'RSS %s\t%s\n' "$name" "$(($(cat rss.txt) / 1024))"
}
rm -rf out.oci zst.oci repo
rss 'build gzip (cold)' $build -o out.oci --no-cache
$build -o out.oci
rss 'build gzip (no-op)' $build -o out.oci
rss 'build zstd' $build -o zst.oci --compression zstd --no-cache
rss 'build ostree' $build --format ostree --repo repo
eval "$new_repo"
rss 'ostree commit' ostree --repo=orepo commit -b t --owner-uid=0 --owner-gid=0 --no-xattrs hello-world/rootfs

pairs=("tar|gzip:build gzip (cold)" "tar|pigz:build gzip (cold)")
[ -z "${BENCH_NO_GZIP_PEERS:-}" ] || pairs=()
bench_report times.json "${pairs[@]}" "umoci insert:build gzip (cold)" "tar|zstd -3 -T2:build zstd" \
  "build gzip (cold):build gzip (no-op)" "build gzip (cold):build gzip (template)" \
  "ostree commit:build ostree"
# The rootfs layer: the biggest blob of each layout.
ours=$(find out.oci/blobs -type f -printf '%s\n' | sort -n | tail -1)
theirs=$(find u.oci/blobs -type f -printf '%s\n' | sort -n | tail -1)
echo "layer bytes: sc-build $ours, umoci insert $theirs ($((ours * 100 / theirs))% of umoci's)"
