#!/usr/bin/env bash
# run-tests.sh: the whole test suite as CI runs it: dependencies, a build
# with AddressSanitizer, UndefinedBehaviorSanitizer and -Werror in
# build-test/, then every unit and CLI test.  Exits with ctest's status.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

build=${BUILD_DIR:-build-test}
cmake -S . -B "$build" -DSC_SANITIZE=ON -DSC_WERROR=ON
cmake --build "$build" -j2

export ASAN_OPTIONS=detect_leaks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
cd "$build"
rc=0
ctest --output-on-failure -j2 || rc=$?
exit "$rc"
