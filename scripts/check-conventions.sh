#!/usr/bin/env bash
# check-conventions.sh: rules of docs/design.md that a grep can hold.
#  - The libraries (runtime/, builder/ but not builder/cli/) read no
#    environment variable: the CLI reads them (builder/cli/environment.c)
#    and passes them down as options, so a host program linking the
#    library decides every input itself.
#  - Nothing runs a shell: no system(3) or popen(3); programs are spawned
#    with argv arrays (runtime/process.c).
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
cd "$src"
status=0
report() { # RULE FIX MATCHES
  [ -z "$3" ] && return 0
  echo "check-conventions: $1:" >&2
  printf '%s\n' "$3" | sed 's/^/  /' >&2
  echo "  fix: $2" >&2
  status=1
}
libs=$(find runtime builder -name '*.[ch]' -not -path 'builder/cli/*' | sort)
# shellcheck disable=SC2086
env_reads=$(grep -nE '\b(secure_)?getenv[[:space:]]*\(' $libs || true)
report "the library reads the environment" \
  "read the variable in builder/cli/environment.c and pass it as an option" "$env_reads"
all=$(find runtime builder tests/unit tests/fuzz -name '*.[ch]' | sort)
# shellcheck disable=SC2086
shells=$(grep -nE '\b(system|popen)\([^0-9]' $all || true)
report "a shell is run" "spawn the program with an argv array (runtime/process.h)" "$shells"
[ $status -eq 0 ] && echo "check-conventions: $(echo "$libs" | wc -l) library files, no environment reads, no shell"
exit $status
