#!/usr/bin/env bash
# update-man.sh: write the SYNOPSIS of docs/sc-build.1 again from the
# option tables: the lines between its GENERATED markers become what
# `sc-build help --man` prints.  t0135 fails until this is run after an
# option or a command changes.
# Usage: scripts/update-man.sh [SC_BUILD] (default: build/bin/sc-build)
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
sc_build=${1:-$src/build/bin/sc-build}
man=$src/docs/sc-build.1
export SC_MAN_BEGIN='.\" BEGIN GENERATED' SC_MAN_END='.\" END GENERATED'
if ! grep -qF "$SC_MAN_BEGIN" "$man" || ! grep -qF "$SC_MAN_END" "$man"; then
  echo "update-man: $man has no GENERATED markers around its SYNOPSIS" >&2
  exit 1
fi
fragment=$(mktemp "$man.fragment.XXXXXX")
tmp=$(mktemp "$man.XXXXXX")
trap 'rm -f "$fragment" "$tmp"' EXIT
"$sc_build" help --man >"$fragment"
# The markers are matched as plain text at the start of a line.
awk -v fragment="$fragment" '
  index($0, ENVIRON["SC_MAN_BEGIN"]) == 1 { print; while ((getline line < fragment) > 0) print line; skip = 1; next }
  index($0, ENVIRON["SC_MAN_END"]) == 1 { skip = 0 }
  !skip { print }
' "$man" >"$tmp"
chmod --reference="$man" "$tmp"
mv "$tmp" "$man"
