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

. "$(dirname "$0")/lib.sh"
bench_args "$@"
bench_setup install hyperfine umoci ostree python3
"$sc_build" --quiet init hello-world >/dev/null
bench_rootfs hello-world/rootfs
"$sc_build" --quiet build hello-world -o hw.oci
"$sc_build" --quiet build hello-world --format ostree --repo repo
# The layer commit holding the rootfs (the other branch is the config's).
layer=
for ref in $(ostree --repo=repo refs | grep -E '^ociimage/[0-9a-f]{64}$'); do
  if ostree --repo=repo ls "$ref" /usr >/dev/null 2>&1; then layer=$ref; break; fi
done

hyperfine --runs "$runs" --warmup 1 --export-json times.json \
  --prepare "$(aside r1)" --prepare "$(aside co)" --prepare "$(aside r2)" --prepare "$(aside bundle)" \
  -n 'sc-build install (ostree)' \
  "mkdir r1 && $sc_build --quiet install ostree:hello-world:latest@repo --root r1 --no-systemd-cgroup" \
  -n 'ostree checkout -H' "ostree --repo=repo checkout -H $layer co" \
  -n 'sc-build install (oci)' \
  "mkdir r2 && $sc_build --quiet install oci:hw.oci:hello-world:latest --root r2 --no-systemd-cgroup" \
  -n 'umoci unpack' "umoci unpack --image hw.oci:hello-world:latest bundle >/dev/null"

bench_report times.json "ostree checkout -H:sc-build install (ostree)" \
  "umoci unpack:sc-build install (oci)"
