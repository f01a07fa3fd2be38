#!/usr/bin/env bash
# t0620-run: `sc-build run` runs a one-off command in an image with the real
# runc: its exit status becomes sc-build's, signals reach it, stdio is its
# own, and nothing is left behind, not even by a run that was SIGKILLed.
. "$SC_SOURCE_DIR/tests/cli/lib.sh"
test_lazy_prereq RUNC 'command -v runc'

# Every temporary root of these runs is made here, so "nothing left" is
# checkable.
export TMPDIR=$TEST_TMP/tmp
mkdir -p "$TMPDIR"

# The image has hello-server only; the commands come from the host's /usr,
# bound read-only (-v), reached through the merged-/usr links of the rootfs.
# RECEIVER marks this script's containers (in their environment) apart from
# any other run on the machine.
MARK=Run$$
HOSTUSR="-v /usr:/usr:ro --set RECEIVER=$MARK"

test_expect_success 'setup: a project with merged-/usr links, built to a layout' '
  test_make_project proj runme &&
  ln -s usr/bin proj/rootfs/bin && ln -s usr/lib proj/rootfs/lib &&
  ln -s usr/lib64 proj/rootfs/lib64 &&
  sc_build build proj -o run.oci --tag runme:1 >/dev/null 2>&1
'

nothing_left() {
  local marker=$1
  { [ -z "$(ls -A "$TMPDIR")" ] || { echo "left in TMPDIR:"; ls -la "$TMPDIR"; return 1; }; } &&
  { [ -z "$(test_pids_with_env "$marker")" ] || { echo "a process survived"; return 1; }; } &&
  { ! grep -q "$TMPDIR" /proc/self/mountinfo || { echo "a mount survived"; return 1; }; }
}

test_expect_success ROOT,RUNC 'exit statuses 0, 1 and 130 of the command become sc-build'"'"'s' '
  sc_build run oci:run.oci:runme:1 $HOSTUSR -- true &&
  sc_build run $HOSTUSR oci:run.oci:runme:1 true &&
  expect_exit 1 sc_build run $HOSTUSR oci:run.oci:runme:1 false &&
  expect_exit 1 sc_build run oci:run.oci:runme:1 $HOSTUSR -- sh -c "exit 1" &&
  expect_exit 130 sc_build run oci:run.oci:runme:1 $HOSTUSR -- sh -c "exit 130" &&
  nothing_left RECEIVER=$MARK
'

test_expect_success ROOT,RUNC 'a CMD the runtime cannot execute gives the runtime'"'"'s status and message' '
  expect_exit 1 sc_build run oci:run.oci:runme:1 $HOSTUSR -- /no/such/program &&
  expect_grep "/no/such/program" "$TEST_TMP/.stderr" &&
  nothing_left RECEIVER=$MARK
'

test_expect_success ROOT,RUNC 'a project directory is built first; stdin and stdout are the command'"'"'s' '
  echo "through stdin" | sc_build run proj $HOSTUSR -- cat >out &&
  expect_grep "^through stdin$" out &&
  nothing_left RECEIVER=$MARK
'

test_expect_success ROOT,RUNC 'the rendered config: --set values, then the manifest defaults' '
  sc_build run proj $HOSTUSR --set RECEIVER=Given$$ -- sh -c "echo \$RECEIVER \$PORT" >out &&
  expect_grep "^Given$$ 8081$" out
'

test_expect_success ROOT,RUNC 'without CMD the image'"'"'s own process runs; SIGTERM reaches it' '
  port=$(test_free_port) &&
  { "$SC_BUILD" run proj --set PORT=$port --set RECEIVER=Term$$ >out 2>err & pid=$!; } &&
  for i in $(seq 100); do grep -q listening out && break; sleep 0.1; done &&
  expect_grep "listening on 0.0.0.0:$port, greeting Term$$" out &&
  kill -TERM $pid &&
  rc=0 && { wait $pid || rc=$?; } &&
  expect_grep "stopping on signal 15" out &&
  test "$rc" = 0 &&
  nothing_left RECEIVER=Term$$
'

test_expect_success ROOT,RUNC 'SIGINT sent to sc-build is passed on: the trap exits 130' '
  { "$SC_BUILD" run proj $HOSTUSR --set RECEIVER=Int$$ -- \
      sh -c "trap \"echo trapped; exit 130\" INT; echo ready; sleep 60 & wait" >out 2>err & pid=$!; } &&
  for i in $(seq 100); do grep -q ready out && break; sleep 0.1; done &&
  expect_grep "^ready$" out &&
  kill -INT $pid &&
  rc=0 && { wait $pid || rc=$?; } &&
  test "$rc" = 130 &&
  expect_grep "^trapped$" out &&
  nothing_left RECEIVER=Int$$
'

test_expect_success ROOT,RUNC 'a command that ignores SIGINT is killed at the second one (137)' '
  { "$SC_BUILD" run proj $HOSTUSR -- sh -c "echo ready; sleep 60" >out 2>err & pid=$!; } &&
  for i in $(seq 100); do grep -q ready out && break; sleep 0.1; done &&
  expect_grep "^ready$" out &&
  kill -INT $pid && sleep 0.5 &&
  kill -0 $pid &&
  kill -INT $pid &&
  rc=0 && { wait $pid || rc=$?; } &&
  test "$rc" = 137 &&
  nothing_left RECEIVER=$MARK
'

test_expect_success ROOT,RUNC 'after a SIGKILLed run, the next run stops its container and removes its root' '
  { "$SC_BUILD" run proj $HOSTUSR --set RECEIVER=Kill$$ -- sh -c "echo ready; sleep 60" >out 2>err & pid=$!; } &&
  for i in $(seq 100); do grep -q ready out && break; sleep 0.1; done &&
  expect_grep "^ready$" out &&
  kill -KILL $pid &&
  rc=0 && { wait $pid || rc=$?; } && test "$rc" = 137 &&
  test -n "$(test_pids_with_env RECEIVER=Kill$$)" &&
  test -n "$(ls -A "$TMPDIR")" &&
  sc_build run proj $HOSTUSR --set RECEIVER=After$$ -- true &&
  nothing_left RECEIVER=Kill$$
'

test_expect_success ROOT,RUNC 'the root is read-only unless --rw, whose writes are gone afterwards' '
  expect_exit 1 sc_build run proj $HOSTUSR -- touch /scratch &&
  expect_grep "Read-only file system" "$TEST_TMP/.stderr" &&
  sc_build run proj $HOSTUSR --rw -- sh -c "touch /scratch && test -f /scratch" &&
  expect_exit 1 sc_build run proj $HOSTUSR -- test -f /scratch &&
  nothing_left RECEIVER=$MARK
'

test_expect_success ROOT,RUNC '--net none leaves only loopback; --net host shows the host'"'"'s links' '
  sc_build run proj $HOSTUSR --net none -- cat /proc/net/dev >none &&
  test "$(tail -n +3 none | wc -l)" = 1 && expect_grep "^ *lo:" none &&
  sc_build run proj $HOSTUSR --net host -- cat /proc/net/dev >host &&
  test "$(tail -n +3 host | wc -l)" = "$(tail -n +3 /proc/net/dev | wc -l)"
'

test_expect_success ROOT,RUNC '-v binds a host directory, read-only with :ro' '
  mkdir -p shared && echo hello >shared/file &&
  sc_build run proj $HOSTUSR -v "$PWD/shared:/mnt/shared" -- sh -c "cat /mnt/shared/file && echo more >/mnt/shared/new" >out &&
  expect_grep "^hello$" out && expect_grep "^more$" shared/new &&
  expect_exit 1 sc_build run proj $HOSTUSR -v "$PWD/shared:/mnt/shared:ro" -- touch /mnt/shared/x &&
  test ! -e shared/x
'

test_expect_success ROOT,RUNC '--keep leaves the root, which the next run does not take for a leftover' '
  sc_build run proj $HOSTUSR --keep -- true 2>err &&
  kept=$(sed -n "s/.*kept the root \([^ ]*\) .*/\1/p" err) &&
  test -d "$kept/var/lib/containers/atomic" && test -f "$kept/.sc-build-kept" &&
  sc_build run proj $HOSTUSR -- true &&
  test -d "$kept" &&
  rm -rf "$kept" && nothing_left RECEIVER=$MARK
'

test_lazy_prereq SCRIPT 'command -v script'
test_expect_success ROOT,RUNC,SCRIPT '-t gives the command the terminal, whose status still comes back' '
  rc=0 &&
  { script -qec "$SC_BUILD run proj -t $HOSTUSR -- sh -c \"tty; exit 7\"" /dev/null >out 2>&1 || rc=$?; } &&
  test "$rc" = 7 &&
  expect_grep "/dev/pts/[0-9]+" out &&
  expect_exit 2 sc_build run proj -t -- true &&
  expect_grep "stdin is not a terminal" "$TEST_TMP/.stderr" &&
  nothing_left RECEIVER=$MARK
'

test_expect_success 'usage errors: no image, a bad -v, a bad --net (exit 2)' '
  expect_exit 2 sc_build run &&
  expect_exit 2 sc_build run proj -v relative-only &&
  expect_grep "HOST:CONTAINER" "$TEST_TMP/.stderr" &&
  expect_exit 2 sc_build run proj -v "$PWD:/x:rx" &&
  expect_exit 2 sc_build run proj --net bridge &&
  expect_grep "host or none" "$TEST_TMP/.stderr" &&
  expect_exit 2 sc_build run proj true -- false &&
  expect_grep "after .--. only" "$TEST_TMP/.stderr" &&
  expect_exit 2 sc_build run proj --net bridge &&
  expect_grep "host or none" "$TEST_TMP/.stderr"
'

test_expect_success 'an image that cannot be opened is sc-build'"'"'s failure: 125' '
  expect_exit 125 sc_build run oci:does-not-exist.oci -- true
'

# --verbose and --volume both return 'v' from the parser: --verbose, which
# has no value, was taken for a bind of NULL.
test_expect_success '--verbose is the global option, not a -v bind without a value' '
  expect_exit 125 sc_build run --verbose oci:does-not-exist.oci -- true &&
  expect_grep "cannot open image layout" "$TEST_TMP/.stderr" &&
  ! grep_q -e "runtime error" -e "HOST:CONTAINER" "$TEST_TMP/.stderr"
'

test_done
