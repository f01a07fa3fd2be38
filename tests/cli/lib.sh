# lib.sh: shared by the CLI tests (tests/cli/tNNNN-*.sh), in the manner of
# git's test-lib: each test_expect_success runs a snippet and names what it
# shows; the script exits non-zero if any failed.
set -u

: "${SC_BUILD:?run the CLI tests through ctest (SC_BUILD names the sc-build binary)}"
: "${SC_SOURCE_DIR:?}"

TEST_NAME=$(basename "$0" .sh)
TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/sc-$TEST_NAME.XXXXXX")
TEST_PASSED=0
TEST_FAILED=0
TEST_CLEANUPS=()

# A test body runs in a subshell, where adding to TEST_CLEANUPS would be
# lost when it ends: a cleanup added there goes to a file the script's own
# cleanup reads (one command a line), so a registry or proxy a test starts
# is stopped when the script ends.
test_cleanup_add() {
  if [ "$BASH_SUBSHELL" -gt 0 ]; then
    printf '%s\n' "$1" >>"$TEST_TMP/.cleanups"
  else
    TEST_CLEANUPS+=("$1")
  fi
}
# test_gpg_key UID: make a throwaway signing key for UID in $GNUPGHOME
# (ed25519: well under a second; its gpg-agent ends with the test) and
# print its fingerprint.
test_gpg_key() {
  gpg --batch --passphrase '' --quick-gen-key "$1" ed25519 sign never 2>/dev/null &&
    test_cleanup_add "gpgconf --kill gpg-agent" &&
    gpg --list-keys --with-colons "$1" 2>/dev/null | awk -F: '/^fpr/ {print $10; exit}'
}
test_run_cleanups() {
  local c
  if [ -f "$TEST_TMP/.cleanups" ]; then
    while IFS= read -r c; do eval "$c" || true; done <"$TEST_TMP/.cleanups"
  fi
  for c in "${TEST_CLEANUPS[@]}"; do eval "$c" || true; done
  rm -rf "$TEST_TMP"
}
trap test_run_cleanups EXIT
cd "$TEST_TMP"
# Debian's python3, the one whose modules scripts/install-deps.sh installs
# (python3-nacl, python3-jsonschema, ...), ahead of a version manager's
# shim on PATH: pyenv's costs up to a second a call, and the tests call
# python3 hundreds of times (the chain lint of every test body included).
if [ -x /usr/bin/python3 ]; then
  mkdir -p "$TEST_TMP/.bin" && ln -sf /usr/bin/python3 "$TEST_TMP/.bin/python3"
  PATH=$TEST_TMP/.bin:$PATH
fi
# sc-build's caches (pulled bases, layers, registry blobs) stay in the test.
export XDG_CACHE_HOME=$TEST_TMP/.cache

sc_build() { "$SC_BUILD" "$@"; }

# Skip the whole script (ctest SKIP_RETURN_CODE 77) when a tool is missing.
test_require() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || { echo "1..0 # SKIP $tool not installed"; exit 77; }
  done
}

# Prerequisites, as git's test-lib: `test_set_prereq NAME` declares one,
# `test_lazy_prereq NAME 'script'` one that holds when the script succeeds
# (run once, on first use); `test_expect_success NAME,NAME2 'desc' 'body'`
# runs only when all hold and is otherwise reported as a skip.
declare -A TEST_PREREQ=()
declare -A TEST_LAZY_PREREQ=()
test_set_prereq() { TEST_PREREQ[$1]=1; }
test_lazy_prereq() { TEST_LAZY_PREREQ[$1]=$2; }
test_have_prereq() {
  local p
  for p in ${1//,/ }; do
    if [ -z "${TEST_PREREQ[$p]+x}" ] && [ -n "${TEST_LAZY_PREREQ[$p]+x}" ]; then
      if (eval "${TEST_LAZY_PREREQ[$p]}") >/dev/null 2>&1; then TEST_PREREQ[$p]=1; else TEST_PREREQ[$p]=0; fi
    fi
    [ "${TEST_PREREQ[$p]:-0}" = 1 ] || { TEST_MISSING_PREREQ=$p; return 1; }
  done
}
test_lazy_prereq ROOT '[ "$(id -u)" = 0 ]'

TEST_COUNT=0
TEST_SKIPPED=0
test_ok_() { TEST_PASSED=$((TEST_PASSED + 1)); echo "ok $TEST_COUNT - $1"; }
test_skip_() { TEST_SKIPPED=$((TEST_SKIPPED + 1)); echo "ok $TEST_COUNT - $1 # SKIP $2"; }
test_failure_() {
  TEST_FAILED=$((TEST_FAILED + 1))
  echo "not ok $TEST_COUNT - $1"
  shift
  printf '%s\n' "$@" | sed 's/^/#   /'
}

# A TAP comment before the result of a test that took 5 s or more, so that
# the suite's time can be read test by test from ctest's output.
test_report_slow_() {
  local ms=$(( (${EPOCHREALTIME/./} - ${1/./}) / 1000 ))
  [ "$ms" -lt 5000 ] || echo "# slow: $((ms / 1000)).$(( (ms % 1000) / 100 )) s"
}

# The chain lint of a test body: 0 when chained, else 1 with the problems
# in TEST_LINT_OUT.  One chainlint.py --serve per script answers every
# body (a python per body cost a tenth of a second or more each).  Bash
# does not pass a coprocess's descriptors to the commands it runs.
test_lint_() {
  TEST_LINT_OUT=
  if [ -z "${TEST_LINT_PID:-}" ]; then
    coproc TEST_LINT { exec python3 "$SC_SOURCE_DIR/tests/cli/chainlint.py" --serve 2>&1; }
  fi
  if ! { printf '%s\0' "$1" >&"${TEST_LINT[1]}" && IFS= read -r -d '' TEST_LINT_OUT <&"${TEST_LINT[0]}"; }; then
    TEST_LINT_OUT="tests/cli/chainlint.py --serve did not answer${TEST_LINT_OUT:+: $TEST_LINT_OUT}"
    return 1
  fi
  [ -z "$TEST_LINT_OUT" ]
}

# Run a test body with errexit and pipefail in a subshell that is not the
# condition of an `if` or an operand of `||` (bash ignores errexit there),
# after the chain lint (tests/cli/chainlint.py) has checked that every
# command is joined by && to the next, so that no failing line goes unseen.
# The trace of the commands run is kept, and its tail shown on failure.
test_expect_success() {
  local prereq=
  [ $# = 3 ] && { prereq=$1; shift; }
  local desc=$1 body=$2 log="$TEST_TMP/.log" trace="$TEST_TMP/.trace" lint rc
  TEST_COUNT=$((TEST_COUNT + 1))
  if [ -n "$prereq" ] && ! test_have_prereq "$prereq"; then
    test_skip_ "$desc" "missing prerequisite $TEST_MISSING_PREREQ"
    return 0
  fi
  if ! test_lint_ "$body"; then
    test_failure_ "$desc" "bug in the test script: $TEST_LINT_OUT" "$body"
    return 0
  fi
  local started=$EPOCHREALTIME
  set +e
  (
    exec 9>"$trace"
    BASH_XTRACEFD=9
    set -e -o pipefail -x
    shopt -s inherit_errexit
    eval "$body"
  ) >"$log" 2>&1 </dev/null
  rc=$?
  test_report_slow_ "$started"
  if [ "$rc" = 0 ]; then
    test_ok_ "$desc"
  else
    test_failure_ "$desc" "exit status $rc; output:" "$(cat "$log")" \
      "last commands run:" "$(grep -v '^+* *\(local\|return\|set\) ' "$trace" | tail -n 4)"
  fi
}

# Run a command that must fail with the given exit code; its stderr is left
# in $TEST_TMP/.stderr and stdout in $TEST_TMP/.stdout.
expect_exit() {
  local want=$1; shift
  local rc=0
  "$@" >"$TEST_TMP/.stdout" 2>"$TEST_TMP/.stderr" || rc=$?
  if [ "$rc" != "$want" ]; then
    echo "expected exit $want, got $rc from: $*"
    cat "$TEST_TMP/.stdout" "$TEST_TMP/.stderr"
    return 1
  fi
}

# `grep -q` at the end of a pipe: grep -q exits at the first match, and
# under pipefail the writer's SIGPIPE then fails the pipe (and, negated with
# `!`, hides the match).  This reads all of its input.
grep_q() { grep "$@" >/dev/null; }

# grep that prints what it searched on failure.
expect_grep() {
  local pattern=$1 file=$2
  if ! grep -E -q -- "$pattern" "$file"; then
    echo "expected /$pattern/ in $file:"
    cat "$file"
    return 1
  fi
}

# The summary line; the script's status is 1 when a test failed and 77
# (ctest's skip) when every test was skipped.
test_done() {
  echo "1..$TEST_COUNT"
  echo "$TEST_PASSED passed, $TEST_FAILED failed, $TEST_SKIPPED skipped"
  [ "$TEST_FAILED" -eq 0 ] || exit 1
  [ "$TEST_PASSED" -gt 0 ] || [ "$TEST_SKIPPED" -eq 0 ] || exit 77
  exit 0
}

# Make a small valid project in $1 (image name $2, default "svc") around the
# static hello-server CMake builds: PORT and RECEIVER defaults, a tmpfiles
# line and a hostfs file rendered at install.
test_make_project() {
  local dir=$1 name=${2:-svc}
  mkdir -p "$dir/rootfs/usr/bin" "$dir/hostfs/etc/$name" &&
  cp "$SC_BUILD_DIR/services/hello-server" "$dir/rootfs/usr/bin/hello-server" &&
  cat >"$dir/config.json.template" <<'JSON' &&
{
  "ociVersion": "1.0.2",
  "process": {
    "terminal": false,
    "user": {"uid": 0, "gid": 0},
    "args": ["/usr/bin/hello-server"],
    "env": ["PATH=/usr/bin:/bin", "PORT=$PORT", "RECEIVER=$RECEIVER"],
    "cwd": "/",
    "noNewPrivileges": true
  },
  "root": {"path": "rootfs", "readonly": true},
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc"},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]}
  ],
  "linux": {"namespaces": [{"type": "pid"}, {"type": "ipc"}, {"type": "mount"}]}
}
JSON
  cat >"$dir/manifest.json" <<'JSON' &&
{
  "version": "1.0",
  "defaultValues": {"PORT": "8081", "RECEIVER": "World"},
  "installedFilesTemplate": ["/etc/${NAME}/greeting.conf"]
}
JSON
  cat >"$dir/service.template" <<'UNIT' &&
[Unit]
Description=Test service $NAME

[Service]
ExecStart=$EXEC_START
ExecStop=$EXEC_STOP
Restart=on-failure
WorkingDirectory=$DESTDIR

[Install]
WantedBy=multi-user.target
UNIT
  printf 'd    ${STATE_DIRECTORY}/${NAME}   0700 - - - -\n' >"$dir/tmpfiles.template" &&
  printf 'receiver=$RECEIVER\nport=$PORT\n' >"$dir/hostfs/etc/$name/greeting.conf" &&
  printf '{"name": "%s", "tag": "latest"}\n' "$name" >"$dir/sc-build.json"
}

# A project in $1 (image name $2) as test_make_project makes it, with its
# program per platform instead: rootfs.linux-ARCH/usr/bin/hello-server, a
# tiny ELF of ARCH, for each ARCH after $2, for a multi-platform build.
test_make_multiplatform_project() {
  local dir=$1 name=$2 arch
  shift 2
  test_make_project "$dir" "$name" >/dev/null &&
  rm "$dir/rootfs/usr/bin/hello-server" || return 1
  for arch in "$@"; do
    mkdir -p "$dir/rootfs.linux-$arch/usr/bin" &&
    python3 "$SC_SOURCE_DIR/tests/cli/tiny-elf.py" "$arch" >"$dir/rootfs.linux-$arch/usr/bin/hello-server" &&
    chmod 755 "$dir/rootfs.linux-$arch/usr/bin/hello-server" || return 1
  done
}

# A TCP port nothing listens on right now, on 127.0.0.1.
test_free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# PIDs of processes whose environment holds the marker string.
test_pids_with_env() {
  # One grep over every environ (NUL-separated: -z), not a tr and a grep
  # per process, which took a second or two with a few hundred running.
  # A process gone by now, or one not ours to read, is left out (2>/dev/null).
  grep -lzxF -- "$1" /proc/[0-9]*/environ 2>/dev/null | sed -n 's|^/proc/\([0-9]*\)/environ$|\1|p' || true
}
