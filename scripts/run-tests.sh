#!/usr/bin/env bash
# run-tests.sh: the whole test suite as CI runs it: dependencies, a build
# with AddressSanitizer, UndefinedBehaviorSanitizer and -Werror in
# build-test/ and every unit and CLI test there; then the libFuzzer targets
# (clang, build-fuzz/), each for a fixed number of runs over its checked-in
# corpus.  Lists every skipped test with its reason, and ends with one line
# "N passed, N failed, N skipped" over both; exits non-zero if any failed.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

build=${BUILD_DIR:-build-test}
fuzz_build=${FUZZ_BUILD_DIR:-build-fuzz}
cmake -S . -B "$build" -DSC_SANITIZE=ON -DSC_WERROR=ON
cmake --build "$build" -j2
cmake -S . -B "$fuzz_build" -DCMAKE_C_COMPILER=clang -DSC_FUZZ=ON -DSC_BUILD_TESTS=OFF
cmake --build "$fuzz_build" -j2 --target fuzz-targets

export ASAN_OPTIONS=detect_leaks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
rc=0
(cd "$build" && ctest --output-on-failure -j2 --output-junit junit.xml) || rc=1
(cd "$fuzz_build" && ctest --output-on-failure -j2 --output-junit junit.xml) || rc=1

python3 scripts/test-summary.py "$build" "$fuzz_build" || rc=1
exit "$rc"
