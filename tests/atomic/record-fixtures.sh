#!/usr/bin/env bash
# record-fixtures.sh [OUT]: record tests/atomic/fixtures (or OUT) from
# atomic's own code: see README.md.  Needs SC_ATOMIC_SRC, a checkout of
# projectatomic/atomic, and SC_BUILD, the sc-build binary that builds the
# test images (default: build/bin/sc-build of this checkout).
set -euo pipefail
SC_SOURCE_DIR=$(cd "$(dirname "$0")/../.." && pwd)
: "${SC_BUILD:=$SC_SOURCE_DIR/build/bin/sc-build}"
: "${SC_ATOMIC_SRC:?set SC_ATOMIC_SRC to a checkout of projectatomic/atomic (tests/atomic/README.md)}"
export SC_BUILD SC_SOURCE_DIR SC_ATOMIC_SRC
out=$(realpath -m "${1:-$SC_SOURCE_DIR/tests/atomic/fixtures}")
work=$(mktemp -d "${TMPDIR:-/tmp}/sc-atomic-record.XXXXXX")
trap 'rm -rf "$work" "$out.new"' EXIT
. "$SC_SOURCE_DIR/tests/atomic/common.sh"
atomic_python >/dev/null || {
  echo "record-fixtures: atomic's code needs python3-gi, gir1.2-ostree-1.0, python3-selinux and python3-yaml (scripts/install-deps.sh)" >&2
  exit 1
}
cd "$work"
rm -rf "$out.new"
atomic_record "$out.new"
# The old fixtures give way only once the new ones are complete.
rm -rf "$out.old" && { [ ! -e "$out" ] || mv "$out" "$out.old"; } && mv "$out.new" "$out" && rm -rf "$out.old"
echo "record-fixtures: recorded $out"
