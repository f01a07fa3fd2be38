#!/usr/bin/env bash
# t0600-smoke-test: `sc-build test` installs into a temporary root, runs the
# bundle with the real runc, probes it, and leaves nothing behind
# (docs/design.md section 5).
. "$SC_SOURCE_DIR/tests/cli/lib.sh"
test_require runc python3 curl
[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP runc needs root here"; exit 77; }

# Every temporary root of these runs is made here, so "nothing left" is
# checkable.
export TMPDIR=$TEST_TMP/tmp
mkdir -p "$TMPDIR"

# An entrypoint chosen by a value, so a test can name one that is missing.
test_expect_success 'setup: hello-world, oneshot and an entrypoint set by a value' '
  sc_build init hello-world >/dev/null 2>&1 &&
  sc_build init oneshot >/dev/null 2>&1 &&
  cp -a hello-world hw-entry &&
  sed -i "s|\"/usr/bin/hello-server\"|\"\$ENTRYPOINT\"|" hw-entry/config.json.template &&
  expect_grep "\"\\\$ENTRYPOINT\"" hw-entry/config.json.template &&
  python3 -c "
import json, sys
m = json.load(open(sys.argv[1]))
m[\"defaultValues\"][\"ENTRYPOINT\"] = \"/usr/bin/hello-server\"
json.dump(m, open(sys.argv[1], \"w\"), indent=2)
" hw-entry/manifest.json
'

nothing_left() {
  local marker=$1
  { [ -z "$(ls -A "$TMPDIR")" ] || { echo "left in TMPDIR:"; ls -la "$TMPDIR"; return 1; }; } &&
  { [ -z "$(test_pids_with_env "$marker")" ] || { echo "a process survived"; return 1; }; } &&
  { ! runc list 2>/dev/null | grep_q -- "-test-" || { echo "runc state left"; runc list; return 1; }; } &&
  { ! grep -q "$TMPDIR" /proc/self/mountinfo || { echo "a mount survived"; return 1; }; }
}

# Wait (up to 20 s) until a run in the background has started its container.
wait_started() {
  local i &&
  for i in $(seq 100); do
    if grep -q "^starting" "$1"; then return 0; fi &&
    sleep 0.2 || return 1
  done &&
  echo "the container never started:" && cat "$1" && return 1
}

# sc-build test with its stdout into a pipe: stderr to the file err, the
# exit status to the file rc (a pipeline's status is its last command's).
test_into_pipe() {
  "$SC_BUILD" test "$@" 2>err && echo 0 >rc || echo $? >rc
}

test_expect_success 'hello-world from sc-build init passes its own HTTP probe' '
  port=$(test_free_port) &&
  sc_build test hello-world --set PORT=$port --set RECEIVER=Marker$$ >out 2>err &&
  expect_grep "^PASS http http://127.0.0.1:$port/" out &&
  expect_grep "^PASS: 1 of 1 probes passed" out &&
  nothing_left RECEIVER=Marker$$
'

test_expect_success 'the answer really comes from the container (RECEIVER set at install)' '
  port=$(test_free_port) && who=Probe$RANDOM &&
  sc_build test hello-world --set PORT=$port --set RECEIVER=$who \
    --probe "{\"type\": \"http\", \"url\": \"http://127.0.0.1:\${PORT}/\", \"body\": \"Hello $who\"}" >out 2>err &&
  expect_grep "^PASS http" out &&
  nothing_left RECEIVER=$who
'

test_expect_success 'say that systemd is not running and the cgroup flag is dropped' '
  port=$(test_free_port) &&
  sc_build test hello-world --set PORT=$port --probe alive:1 >out 2>err &&
  if [ -d /run/systemd/system ]; then true; else expect_grep "without --systemd-cgroup" err; fi
'

test_expect_success '--json gives one document with each probe' '
  port=$(test_free_port) &&
  sc_build test hello-world --json --set PORT=$port --probe tcp:127.0.0.1:$port --probe alive:1 >out &&
  python3 -c "
import json,sys
d = json.load(open(\"out\"))
assert d[\"ok\"] is True, d
assert [p[\"passed\"] for p in d[\"probes\"]] == [True, True], d
assert d[\"probes\"][0][\"probe\"] == \"tcp 127.0.0.1:$port\"
"
'

test_expect_success 'no tmpfiles.template: a missing bind source is made as atomic makes it, the test passes' '
  cp -a hello-world hw-bind && rm hw-bind/tmpfiles.template &&
  python3 - hw-bind/config.json.template <<-\PY &&
	import json, sys
	c = json.load(open(sys.argv[1]))
	assert not any(m["destination"] == "/data" for m in c["mounts"])
	c["mounts"].append({"destination": "/data", "type": "bind",
	                    "source": "${STATE_DIRECTORY}/${NAME}", "options": ["rbind", "rw"]})
	json.dump(c, open(sys.argv[1], "w"), indent=2)
	PY
  test ! -e hw-bind/rootfs/data &&
  port=$(test_free_port) &&
  sc_build test hw-bind --set PORT=$port --set RECEIVER=Bind$$ >out 2>err &&
  expect_grep "^PASS: 1 of 1 probes passed" out &&
  nothing_left RECEIVER=Bind$$
'

test_expect_success 'a missing entrypoint fails, with the runtime error shown, and leaves nothing' '
  port=$(test_free_port) &&
  expect_exit 1 sc_build test hw-entry --set PORT=$port --set ENTRYPOINT=/usr/bin/missing --set RECEIVER=Entry$$ &&
  expect_grep "/usr/bin/missing" "$TEST_TMP/.stderr" &&
  nothing_left RECEIVER=Entry$$
'

test_expect_success 'a process that exits at once fails the alive probe with its status' '
  expect_exit 1 sc_build test oneshot --set RECEIVER=Once$$ --probe alive:2 &&
  expect_grep "^FAIL alive 2s .*exited with status 0" "$TEST_TMP/.stdout" &&
  expect_grep "Hello Once$$" "$TEST_TMP/.stderr" &&
  nothing_left RECEIVER=Once$$
'

test_expect_success 'a port that never opens fails the tcp probe after the timeout' '
  port=$(test_free_port) && other=$(test_free_port) &&
  expect_exit 1 sc_build test hello-world --set PORT=$port --set RECEIVER=Port$$ --probe tcp:127.0.0.1:$other --timeout 2 &&
  expect_grep "^FAIL tcp 127.0.0.1:$other .*nothing accepted connections" "$TEST_TMP/.stdout" &&
  nothing_left RECEIVER=Port$$
'

test_expect_success 'a wrong HTTP body fails and quotes what came back' '
  port=$(test_free_port) &&
  expect_exit 1 sc_build test hello-world --set PORT=$port --set RECEIVER=Body$$ \
    --probe "{\"type\": \"http\", \"url\": \"http://127.0.0.1:$port/\", \"body\": \"Goodbye\"}" &&
  expect_grep "^FAIL http .*does not contain \"Goodbye\".*Hello Body$$" "$TEST_TMP/.stdout" &&
  nothing_left RECEIVER=Body$$
'

test_expect_success 'a one-shot that exits non-zero fails the exit probe' '
  expect_exit 1 sc_build test oneshot --set EXIT_CODE=3 --set RECEIVER=Three$$ --probe exit:0 &&
  expect_grep "^FAIL exit 0 .*exited with status 3, expected 0" "$TEST_TMP/.stdout" &&
  nothing_left RECEIVER=Three$$
'

test_expect_success 'every probe is rendered before the container starts: a bad last one starts nothing' '
  port=$(test_free_port) &&
  expect_exit 1 sc_build test hello-world --set PORT=$port --set RECEIVER=Early$$ --probe alive:1 \
    --probe "{\"type\": \"http\", \"url\": \"http://127.0.0.1:\${NOPE}/\"}" &&
  expect_grep "probe 2: probe .url.: undefined variable .NOPE." "$TEST_TMP/.stderr" &&
  ! grep "^starting " "$TEST_TMP/.stderr" &&
  ! grep "alive" "$TEST_TMP/.stdout" &&
  nothing_left RECEIVER=Early$$
'

test_expect_success 'once the container has died, the probes after it are not run' '
  expect_exit 1 sc_build test oneshot --set RECEIVER=Dead$$ --probe exit:0 --probe exec:/bin/true \
    --probe tcp:127.0.0.1:1 --timeout 20 &&
  expect_grep "^PASS exit 0" "$TEST_TMP/.stdout" &&
  expect_grep "^FAIL exec /bin/true \(0.0[0-9]s\): not run: the container exited with status 0 before this probe" "$TEST_TMP/.stdout" &&
  expect_grep "^FAIL tcp 127.0.0.1:1 \(0.0[0-9]s\): not run: the container exited" "$TEST_TMP/.stdout" &&
  nothing_left RECEIVER=Dead$$
'

test_expect_success 'the summary gives the probes time apart from build, install and cleanup' '
  port=$(test_free_port) &&
  sc_build test hello-world --set PORT=$port --probe alive:1 >out 2>err &&
  expect_grep "^PASS: 1 of 1 probes passed in 1\.[0-9]s \(build [0-9.]+s, install and start [0-9.]+s, cleanup [0-9.]+s\)$" out &&
  sc_build --json test hello-world --set PORT=$port --probe alive:1 >out.json &&
  python3 -c "
import json
t = json.load(open(\"out.json\"))[\"timings\"]
assert sorted(t) == [\"build\", \"cleanup\", \"install\", \"probes\"], t
assert 1.0 <= t[\"probes\"] < 2.0, t
"
'

test_expect_success 'without sc-build.json or probes, the note says how to add one' '
  cp -R hello-world noprobe &&
  rm noprobe/sc-build.json &&
  port=$(test_free_port) &&
  sc_build test noprobe --set PORT=$port >out 2>err &&
  expect_grep "^note: noprobe has no sc-build.json, so no probes: .*write noprobe/sc-build.json with a probe, for example \{\"test\": \{\"probes\": \[\{\"type\": \"tcp\"" err &&
  echo "{\"name\": \"noprobe\"}" >noprobe/sc-build.json &&
  sc_build test noprobe --set PORT=$port >out 2>err &&
  expect_grep "^note: noprobe/sc-build.json has no test.probes: .*add a probe" err
'

test_expect_success 'the one-shot skeleton passes its own exit probe' '
  sc_build test oneshot --set RECEIVER=Ok$$ >out 2>err &&
  expect_grep "^PASS exit 0" out &&
  nothing_left RECEIVER=Ok$$
'

# The test root is the future "/": CONF_ and STATE_DIRECTORY stay /etc and
# /var/lib, a renameFiles target and a tmpfiles directory land in the root,
# and the container's binds of them are taken from the root.  Its program,
# dash and its libraries, succeeds only when both binds resolve there.
test_expect_success 'renameFiles into $CONF_DIRECTORY/$NAME and a state bind resolve in the test root' '
  cp -a oneshot rooted &&
  mkdir -p rooted/rootfs/etc/app rooted/rootfs/var/lib/app rooted/hostfs/etc/app &&
  for f in /usr/bin/dash $(ldd /usr/bin/dash | grep -o "/[^ ]*"); do
    mkdir -p "rooted/rootfs$(dirname "$f")" && cp -L "$f" "rooted/rootfs$f" || exit 1
  done &&
  echo k=v >rooted/hostfs/etc/app/app.conf &&
  printf "d \${STATE_DIRECTORY}/\${NAME} 0700 - - - -\n" >rooted/tmpfiles.template &&
  python3 -c "
import json, sys
m = json.load(open(sys.argv[1]))
m[\"renameFiles\"] = {\"/etc/app/app.conf\": \"\$CONF_DIRECTORY/\$NAME/app.conf\"}
json.dump(m, open(sys.argv[1], \"w\"), indent=2)
c = json.load(open(sys.argv[2]))
c[\"process\"][\"args\"] = [\"/usr/bin/dash\", \"-c\", \"test -s /etc/app/app.conf && : >/var/lib/app/ok\"]
c[\"mounts\"] += [
  {\"destination\": \"/etc/app\", \"type\": \"bind\", \"source\": \"\${CONF_DIRECTORY}/\${NAME}\", \"options\": [\"bind\", \"ro\"]},
  {\"destination\": \"/var/lib/app\", \"type\": \"bind\", \"source\": \"\${STATE_DIRECTORY}/\${NAME}\", \"options\": [\"bind\", \"rw\"]}]
json.dump(c, open(sys.argv[2], \"w\"), indent=2)
" rooted/manifest.json rooted/config.json.template &&
  sc_build test rooted --set RECEIVER=Rooted$$ --keep >out 2>err &&
  expect_grep "^PASS exit 0" out &&
  root=$(sed -n "s/.*kept the test root //p" err) &&
  test -n "$root" &&
  name=$(ls "$root/etc/systemd/system" | sed -n "s/\.service$//p") &&
  test "$(cat "$root/etc/$name/app.conf")" = k=v &&
  test -f "$root/var/lib/$name/ok" &&
  expect_grep "^WorkingDirectory=/var/lib/containers/atomic/$name.0$" "$root/etc/systemd/system/$name.service" &&
  rm -rf "$root"
'

test_expect_success 'SIGINT during the probe wait still tears everything down' '
  port=$(test_free_port) &&
  { "$SC_BUILD" test hello-world --set PORT=$port --set RECEIVER=Int$$ --probe alive:60 >out 2>err & pid=$!; } &&
  wait_started err &&
  sleep 1 && kill -INT $pid &&
  rc=0 && wait $pid || rc=$? &&
  [ "$rc" -ne 0 ] &&
  expect_grep "interrupted" err &&
  nothing_left RECEIVER=Int$$
'

test_expect_success 'SIGHUP during the probe wait tears everything down, as SIGINT does' '
  port=$(test_free_port) &&
  { "$SC_BUILD" test hello-world --set PORT=$port --set RECEIVER=Hup$$ --probe alive:60 >out 2>err & pid=$!; } &&
  wait_started err &&
  sleep 1 && kill -HUP $pid &&
  rc=0 && wait $pid || rc=$? &&
  [ "$rc" -ne 0 ] &&
  expect_grep "interrupted" err &&
  nothing_left RECEIVER=Hup$$
'

test_expect_success 'after a SIGKILLed test, the next test stops its container and removes its root' '
  port=$(test_free_port) &&
  { "$SC_BUILD" test hello-world --set PORT=$port --set RECEIVER=Kill$$ --probe alive:60 >out 2>err & pid=$!; } &&
  wait_started err &&
  sleep 1 && kill -KILL $pid &&
  rc=0 && { wait $pid || rc=$?; } && test "$rc" = 137 &&
  test -n "$(test_pids_with_env RECEIVER=Kill$$)" &&
  test -n "$(ls -A "$TMPDIR")" &&
  port2=$(test_free_port) &&
  sc_build test hello-world --set PORT=$port2 --set RECEIVER=After$$ --probe alive:1 >out2 2>err2 &&
  nothing_left RECEIVER=Kill$$ &&
  nothing_left RECEIVER=After$$
'

test_expect_success 'a test root kept with --keep is not taken for what a dead run left' '
  port=$(test_free_port) &&
  sc_build test hello-world --keep --set PORT=$port --probe alive:1 >out 2>err &&
  kept=$(sed -n "s/.*kept the test root //p" err) &&
  test -d "$kept" && test -f "$kept/.sc-build-kept" &&
  port2=$(test_free_port) &&
  sc_build test hello-world --set PORT=$port2 --probe alive:1 >out2 2>err2 &&
  test -d "$kept" &&
  rm -rf "$kept"
'

test_expect_success 'an output pipe closed by its reader (| head -1) tears everything down' '
  port=$(test_free_port) &&
  probes="--probe alive:1 --probe alive:1 --probe alive:1" &&
  test_into_pipe hello-world --set PORT=$port --set RECEIVER=Pipe$$ $probes | head -1 >out &&
  expect_grep "^PASS alive" out &&
  [ "$(cat rc)" -ne 0 ] &&
  expect_grep "interrupted" err &&
  nothing_left RECEIVER=Pipe$$
'

test_expect_success 'a probe port something else already answers on fails before the container starts' '
  port=$(test_free_port) &&
  { python3 -m http.server --bind 127.0.0.1 $port >/dev/null 2>&1 & lpid=$!; } &&
  for i in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done &&
  expect_exit 1 sc_build test hello-world --set PORT=$port --set RECEIVER=Taken$$ --probe tcp:127.0.0.1:$port &&
  kill $lpid &&
  expect_grep "already answers on 127.0.0.1:$port before the container starts" "$TEST_TMP/.stderr" &&
  nothing_left RECEIVER=Taken$$
'

test_expect_success 'a runtime that is not installed is named, with what to install' '
  expect_exit 1 sc_build test hello-world --runtime /nonexistent/runc &&
  expect_grep "not found: install runc" "$TEST_TMP/.stderr"
'

test_lazy_prereq CRUN 'command -v crun'
test_expect_success CRUN 'crun: the preflight says why it cannot run here, or hello-world passes with it' '
  port=$(test_free_port) &&
  if sc_build test hello-world --runtime crun --set PORT=$port --set RECEIVER=Crun$$ >out 2>err; then
    expect_grep "^PASS http" out
  else
    expect_grep "crun cannot run containers on this machine" err &&
    ! grep -q "^FAIL" out
  fi &&
  nothing_left RECEIVER=Crun$$
'

test_done
