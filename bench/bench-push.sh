#!/usr/bin/env bash
# bench-push.sh: time `sc-build push` of the synthetic image against
# `skopeo copy` of the same OCI layout to the same local registry, in the
# same run, cold (an empty registry and no caches) and warm (every blob
# already there), and print the ratios.
#
#   usage: bench/bench-push.sh [SIZE_MB=300] [NFILES=20000] [SEED=1] [RUNS=3]
#
# The registry is Debian's docker-registry on 127.0.0.1 over plain http;
# both tools get the same flag (TLS verification off), so both try https
# once and fall back to http.  Cold
# runs start from empty storage; skopeo's blob-info cache and sc-build's
# mount record are removed first, so neither tool can mount.  Runs as root
# (skopeo's cache is then /var/lib/containers/cache).
set -euo pipefail

. "$(dirname "$0")/lib.sh"
bench_args "$@"
bench_setup push hyperfine skopeo docker-registry curl python3
. "$repo/tests/registry/registry.sh"
"$sc_build" --quiet init hello-world >/dev/null
bench_rootfs hello-world/rootfs
"$sc_build" --quiet build hello-world -o hw.oci
du -sh hw.oci

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export XDG_CACHE_HOME=$work/cache
registry_config "$work/reg" "$port"
bench_cleanups+=("registry_stop '$work/reg'")
registry_start "$work/reg" "$port"

# An empty registry and no record of earlier pushes, for a cold run.
cat >reset.sh <<SH
. "$repo/tests/registry/registry.sh"
registry_stop "$work/reg" && rm -rf "$work/reg/storage" "$XDG_CACHE_HOME" &&
rm -f /var/lib/containers/cache/blob-info-cache-v1.boltdb &&
registry_config "$work/reg" "$port" && registry_start "$work/reg" "$port" >/dev/null
SH

dest=docker://127.0.0.1:$port/bench:latest
src=oci:hw.oci:hello-world:latest
ours="$sc_build --quiet push --tls-verify=false $src $dest"
peer="skopeo copy -q --dest-tls-verify=false $src $dest"

echo "== cold: empty registry"
hyperfine --runs "$runs" --export-json cold.json --prepare "bash reset.sh" --prepare "bash reset.sh" \
  -n 'sc-build push (cold)' "$ours" -n 'skopeo copy (cold)' "$peer"
echo "== warm: every blob already in the registry"
hyperfine --runs "$runs" --warmup 1 --export-json warm.json \
  -n 'sc-build push (warm)' "$ours" -n 'skopeo copy (warm)' "$peer"

bench_report cold.json "skopeo copy (cold):sc-build push (cold)"
bench_report warm.json "skopeo copy (warm):sc-build push (warm)"
