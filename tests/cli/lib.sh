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

test_cleanup_add() { TEST_CLEANUPS+=("$1"); }
test_run_cleanups() {
  local c
  for c in "${TEST_CLEANUPS[@]}"; do eval "$c" || true; done
  rm -rf "$TEST_TMP"
}
trap test_run_cleanups EXIT
cd "$TEST_TMP"

sc_build() { "$SC_BUILD" "$@"; }

# Skip the whole script (ctest SKIP_RETURN_CODE 77) when a tool is missing.
test_require() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || { echo "skip: $tool not installed"; exit 77; }
  done
}

test_expect_success() {
  local desc=$1 body=$2 log="$TEST_TMP/.log"
  if (set -e; eval "$body") >"$log" 2>&1; then
    TEST_PASSED=$((TEST_PASSED + 1))
    echo "ok - $desc"
  else
    TEST_FAILED=$((TEST_FAILED + 1))
    echo "not ok - $desc"
    sed 's/^/#   /' "$log"
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

# grep that prints what it searched on failure.
expect_grep() {
  local pattern=$1 file=$2
  if ! grep -E -q -- "$pattern" "$file"; then
    echo "expected /$pattern/ in $file:"
    cat "$file"
    return 1
  fi
}

test_done() {
  echo "$TEST_PASSED passed, $TEST_FAILED failed"
  [ "$TEST_FAILED" -eq 0 ]
}

# Make a small valid project in $1 (image name $2, default "svc") around the
# static hello-server CMake builds: PORT and RECEIVER defaults, a tmpfiles
# line and a hostfs file rendered at install.
test_make_project() {
  local dir=$1 name=${2:-svc}
  mkdir -p "$dir/rootfs/usr/bin" "$dir/hostfs/etc/$name"
  cp "$SC_BUILD_DIR/services/hello-server" "$dir/rootfs/usr/bin/hello-server"
  cat >"$dir/config.json.template" <<'JSON'
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
  cat >"$dir/manifest.json" <<'JSON'
{
  "version": "1.0",
  "defaultValues": {"PORT": "8081", "RECEIVER": "World"},
  "installedFilesTemplate": ["/etc/${NAME}/greeting.conf"]
}
JSON
  cat >"$dir/service.template" <<'UNIT'
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
  printf 'd    ${STATE_DIRECTORY}/${NAME}   0700 - - - -\n' >"$dir/tmpfiles.template"
  printf 'receiver=$RECEIVER\nport=$PORT\n' >"$dir/hostfs/etc/$name/greeting.conf"
  printf '{"name": "%s", "tag": "latest"}\n' "$name" >"$dir/sc-build.json"
}

# A TCP port nothing listens on right now, on 127.0.0.1.
test_free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# PIDs of processes whose environment holds the marker string.
test_pids_with_env() {
  local marker=$1 p
  for p in /proc/[0-9]*; do
    if tr '\0' '\n' <"$p/environ" 2>/dev/null | grep -qx -- "$marker"; then
      echo "${p#/proc/}"
    fi
  done
}
