#!/usr/bin/env bash
# check-abi.sh [--update] LIB: compare the ABI of the built libscruntime.so
# (LIB) with the committed baseline abi/libscruntime.abi.xml, as far as the
# public headers (runtime/include/sc) reach, with abidiff from libabigail
# (Debian's abigail-tools).  Host installers link SOVERSION 1: a change that
# breaks them must not slip in unnoticed.
#
# Types are compared when LIB has debug info (the Debug and RelWithDebInfo
# builds the test suite uses); without it, only the exported symbols.
#
# An intended change: when it only adds (a new function), update the
# baseline in the same commit:
#     scripts/check-abi.sh --update build/lib/libscruntime.so
# When it breaks compatibility (a changed struct, a removed function), also
# raise SOVERSION in runtime/CMakeLists.txt, and say so in the commit.
# A field appended to a versioned option struct (sc/runtime.h: size first,
# SC_X_INIT) is reported too: it is compatible, so update the baseline
# without raising SOVERSION.  A change to an internal struct
# (runtime/*-internal.h) is not reported: no host program sees it.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
baseline=$src/abi/libscruntime.abi.xml
headers=$src/runtime/include/sc

update=false
if [ "${1:-}" = --update ]; then
  update=true
  shift
fi
lib=${1:?usage: check-abi.sh [--update] path/to/libscruntime.so}

if ! command -v abidiff >/dev/null || ! command -v abidw >/dev/null; then
  echo "check-abi: abidiff/abidw not installed (apt-get install abigail-tools)"
  exit 77
fi

if $update; then
  abidw --headers-dir "$headers" --no-corpus-path --out-file "$baseline" "$lib"
  echo "check-abi: wrote $baseline"
  exit 0
fi

rc=0
abidiff --headers-dir2 "$headers" "$baseline" "$lib" || rc=$?
# abidiff's exit status is a bit field: 4 = changes, 8 = incompatible ones.
if [ "$rc" -ne 0 ]; then
  echo "check-abi: $lib differs from $baseline (abidiff status $rc)." >&2
  echo "  Intended? Update the baseline: scripts/check-abi.sh --update $lib" >&2
  echo "  and raise SOVERSION in runtime/CMakeLists.txt if old host programs break." >&2
  exit 1
fi
echo "check-abi: the ABI matches $baseline"
