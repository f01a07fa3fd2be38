#!/usr/bin/env bash
# t0640-systemd: `sc-build test --systemd` boots a Debian root with systemd
# as PID 1 in runc, installs the image into it as a host does, starts the
# unit with systemctl, probes it, uninstalls it and checks that nothing is
# left (docs/design.md section 5).
#
# The host is made once by sc-build itself (debootstrap, about a minute and
# 250 MB) into a cache in the build tree, so reruns reuse it; without
# debootstrap or Debian's mirror, and with no cached host, the script is
# skipped.
. "$SC_SOURCE_DIR/tests/cli/lib.sh"
test_require runc python3 curl
. "$SC_SOURCE_DIR/tests/cli/systemd-host.sh"

# The template is read-only to every run: nothing of a container in it.
template_pristine() {
  local found
  found=$(find "$TEMPLATE" -xdev -name '*-test-*' -print -quit) &&
  { [ -z "$found" ] || { echo "the template was written to: $found"; return 1; }; }
}

test_expect_success 'setup: hello-world, and one whose unit runs a missing program' '
  sc_build init hello-world >/dev/null 2>&1 &&
  cp -a hello-world broken &&
  sed -i "s/\"hello-world\"/\"broken\"/" broken/sc-build.json &&
  printf "[Unit]\nDescription=broken \$NAME\n\n[Service]\nExecStart=/usr/bin/no-such-program\n\n[Install]\nWantedBy=multi-user.target\n" \
    >broken/service.template &&
  expect_grep "\"broken\"" broken/sc-build.json
'

test_expect_success 'hello-world passes under systemd, the host made once and cached' '
  port=$(test_free_port) &&
  XDG_CACHE_HOME=$HOST_CACHE PATH=$PATH:/usr/sbin:/sbin \
    sc_build test hello-world --systemd --set PORT=$port --set RECEIVER=Sysd$$ >out 2>err &&
  expect_grep "^PASS http http://127.0.0.1:$port/" out &&
  expect_grep "^PASS: 1 of 1 probes passed" out &&
  expect_grep "^systemctl start hello-world-test-[0-9a-f]+\.service" err &&
  expect_grep "then uninstall" err &&
  expect_grep "the systemd host booted in" err &&
  test -L "$TEMPLATE/sbin/init" &&
  template_pristine &&
  nothing_left RECEIVER=Sysd$$
'

test_expect_success 'the answer comes from the unit (RECEIVER set at install, --host DIR)' '
  port=$(test_free_port) && who=Unit$RANDOM &&
  sc_build test hello-world --systemd --host "$TEMPLATE" --set PORT=$port --set RECEIVER=$who \
    --probe "{\"type\": \"http\", \"url\": \"http://127.0.0.1:\${PORT}/\", \"body\": \"Hello $who\"}" \
    >out 2>err &&
  expect_grep "^PASS http" out &&
  nothing_left RECEIVER=$who
'

test_expect_success 'a unit whose program is missing fails with its status and journal' '
  port=$(test_free_port) &&
  expect_exit 1 sc_build test broken --systemd --host "$TEMPLATE" --set PORT=$port --timeout 5 \
    --set RECEIVER=Broken$$ &&
  expect_grep "broken-test-[0-9a-f]+\.service did not stay up \(ActiveState=failed, SubState=failed\)" \
    "$TEST_TMP/.stderr" &&
  expect_grep "broken-test-[0-9a-f]+\.service" "$TEST_TMP/.stderr" &&
  expect_grep "systemctl status broken-test-" "$TEST_TMP/.stderr" &&
  expect_grep "journalctl --no-pager _SYSTEMD_UNIT=broken-test-[0-9a-f]+\.service \+ UNIT=broken-test-" "$TEST_TMP/.stderr" &&
  expect_grep "203/EXEC" "$TEST_TMP/.stderr" &&
  expect_grep "/usr/bin/no-such-program: No such file or directory" "$TEST_TMP/.stderr" &&
  sed -n "/^\$ journalctl --no-pager _SYSTEMD_UNIT=broken-test-/,\$p" "$TEST_TMP/.stderr" >journal &&
  expect_grep "broken-test-[0-9a-f]+\.service: Failed to locate executable /usr/bin/no-such-program" journal &&
  expect_grep "broken-test-[0-9a-f]+\.service: Main process exited, code=exited, status=203/EXEC" journal &&
  template_pristine &&
  nothing_left RECEIVER=Broken$$
'

# Before the install the host's file list is taken, after the uninstall
# again: what is new is reported whatever its name (a unit's ExecStartPre, a
# tmpfiles f line, in /run too, the host's tmpfs), but for the directories
# d lines keep as data.
test_expect_success 'every path the uninstall leaves is reported, whatever its name' '
  cp -a hello-world leaky &&
  sed -i "s/\"hello-world\"/\"leaky\"/" leaky/sc-build.json &&
  sed -i "s|^ExecStart=|ExecStartPre=/usr/bin/touch /var/lib/unrelated-marker\nExecStart=|" \
    leaky/service.template &&
  printf "f /etc/unrelated.conf 0644 - - - hi\nf /run/unrelated.pid\nd /var/lib/leaky-data 0755 - - -\n" \
    >>leaky/tmpfiles.template &&
  port=$(test_free_port) &&
  expect_exit 1 sc_build test leaky --systemd --host "$TEMPLATE" --set PORT=$port \
    --set RECEIVER=Leak$$ --probe alive:1 &&
  expect_grep "^PASS alive" "$TEST_TMP/.stdout" &&
  expect_grep "after the uninstall, the host holds 3 path\(s\) it did not have before" \
    "$TEST_TMP/.stderr" &&
  expect_grep "^  /etc/unrelated.conf$" "$TEST_TMP/.stderr" &&
  expect_grep "^  /run/unrelated.pid$" "$TEST_TMP/.stderr" &&
  expect_grep "^  /var/lib/unrelated-marker$" "$TEST_TMP/.stderr" &&
  ! grep_q "leaky-data" "$TEST_TMP/.stderr" &&
  template_pristine &&
  nothing_left RECEIVER=Leak$$
'

test_expect_success 'an exec probe runs in the service container, inside the host' '
  port=$(test_free_port) &&
  expect_exit 1 sc_build test hello-world --systemd --host "$TEMPLATE" --set PORT=$port \
    --set RECEIVER=Exec$$ --timeout 5 --probe "exec:/usr/bin/hello-server-is-not-here" &&
  expect_grep "^FAIL exec /usr/bin/hello-server-is-not-here" "$TEST_TMP/.stdout" &&
  expect_grep "the unit in the systemd host:" "$TEST_TMP/.stderr" &&
  expect_grep "hello-server listening on 0.0.0.0:$port" "$TEST_TMP/.stderr" &&
  nothing_left RECEIVER=Exec$$
'

json_get() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

# --keep: the host halted and deleted, its overlay's upper and work kept
# (installed as the probes left it) and said where, in the text and --json.
test_expect_success 'test --systemd --keep keeps the host overlay, with no container running' '
  port=$(test_free_port) &&
  sc_build test hello-world --systemd --host "$TEMPLATE" --keep --json --set PORT=$port \
    --set RECEIVER=Keep$$ --probe alive:1 >keep.json &&
  python3 "$SC_SOURCE_DIR/tests/cli/check-schema.py" "$SC_SOURCE_DIR/docs/schemas/test.schema.json" keep.json &&
  kept=$(json_get keep.json "d[\"kept\"][\"root\"]") &&
  upper=$(json_get keep.json "d[\"kept\"][\"upper\"]") &&
  name=$(json_get keep.json "d[\"container\"]") &&
  test "$upper" = "$kept/upper" &&
  test "$(json_get keep.json "d[\"kept\"][\"lower\"]")" = "$(realpath "$TEMPLATE")" &&
  test -f "$kept/.sc-build-kept" &&
  test -f "$upper/etc/systemd/system/$name.service" &&
  test -d "$upper/var/lib/containers/atomic/$name.0/rootfs" &&
  json_get keep.json "\"\\n\".join(d[\"notes\"])" >notes &&
  expect_grep "kept the systemd host.s overlay in $kept" notes &&
  expect_grep "journalctl -D $upper/var/log/journal -u $name.service" notes &&
  test -z "$(test_pids_with_env RECEIVER=Keep$$)" &&
  test -z "$(runc --root "$kept/run/runc-state" list -q)" &&
  ! grep -q "$kept" /proc/self/mountinfo &&
  unshare -m sh -c "mount -t overlay overlay -o lowerdir=$TEMPLATE,upperdir=$upper,workdir=$kept/work $kept/mnt &&
    test -f $kept/mnt/etc/systemd/system/$name.service && test -L $kept/mnt/sbin/init" &&
  sc_build test hello-world --systemd --host "$TEMPLATE" --keep --set PORT=$port \
    --set RECEIVER=Keep2$$ --probe alive:1 >out 2>err &&
  expect_grep "^note: kept the systemd host.s overlay in /[^,]*/sc-build-systemd-host\.[0-9a-f]+, " err &&
  kept2=$(sed -n "s/^note: kept the systemd host.s overlay in \([^,]*\),.*/\1/p" err) &&
  test -d "$kept" && test -f "$kept2/.sc-build-kept" &&
  rm -rf "$kept" "$kept2" &&
  template_pristine &&
  nothing_left RECEIVER=Keep$$ && nothing_left RECEIVER=Keep2$$
'

# Wait (up to 30 s) until a run in the background has started the unit.
# (The unit answers only later: `systemctl start` may still be running.)
wait_unit_started() {
  local i &&
  for i in $(seq 150); do
    if grep -q "^systemctl start" "$1"; then return 0; fi &&
    sleep 0.2 || return 1
  done &&
  echo "the unit never started:" && cat "$1" && return 1
}

test_expect_success 'after a SIGKILLed run, the next one powers its host off and removes it' '
  port=$(test_free_port) &&
  { "$SC_BUILD" test hello-world --systemd --host "$TEMPLATE" --set PORT=$port \
      --set RECEIVER=Kill$$ --probe alive:60 >out 2>err & pid=$!; } &&
  wait_unit_started err &&
  curl -sf --max-time 5 --retry 40 --retry-connrefused --retry-delay 1 --retry-max-time 90 \
    "http://127.0.0.1:$port/" >answer &&
  expect_grep "Hello Kill$$" answer &&
  kill -KILL $pid &&
  rc=0 && { wait $pid || rc=$?; } && test "$rc" = 137 &&
  curl -sf --max-time 5 --retry 5 --retry-connrefused --retry-delay 1 \
    "http://127.0.0.1:$port/" >answer &&
  expect_grep "Hello Kill$$" answer &&
  test -n "$(ls -A "$TMPDIR")" &&
  port2=$(test_free_port) &&
  sc_build test hello-world --systemd --host "$TEMPLATE" --set PORT=$port2 \
    --set RECEIVER=After$$ --probe alive:1 >out2 2>err2 &&
  ! curl -sf --max-time 2 "http://127.0.0.1:$port/" &&
  template_pristine &&
  nothing_left RECEIVER=Kill$$ &&
  nothing_left RECEIVER=After$$
'

# --host-suite and --host-mirror: each pair is cached apart (SUITE for the
# default mirror, else SUITE-HASH of the mirror).  Without downloading a
# second suite: a cache whose trixie-HASH entry is this host boots it, and
# debootstrap's own failures (a suite it has no script for, a mirror that
# is not there) come back in the error, nothing left in the cache.
test_lazy_prereq DEBOOTSTRAP 'PATH=$PATH:/usr/sbin:/sbin command -v debootstrap'
test_expect_success 'the host cache is keyed by --host-suite and --host-mirror' '
  cache=$TEST_TMP/suites/sc-build/systemd-host && mkdir -p "$cache" &&
  hash=$(printf %s file:///srv/no-mirror | sha256sum | cut -c1-12) &&
  ln -s "$(realpath "$TEMPLATE")" "$cache/trixie-$hash" &&
  port=$(test_free_port) &&
  XDG_CACHE_HOME=$TEST_TMP/suites sc_build test hello-world --host-suite trixie \
    --host-mirror file:///srv/no-mirror --set PORT=$port --set RECEIVER=Suite$$ --probe alive:1 \
    >out 2>err &&
  expect_grep "^PASS: 1 of 1 probes passed" out &&
  ! grep_q "making the systemd host" err &&
  nothing_left RECEIVER=Suite$$
'

test_expect_success DEBOOTSTRAP 'a suite debootstrap does not know, a mirror that is not there: its error' '
  cache=$TEST_TMP/suites/sc-build/systemd-host &&
  hash=$(printf %s file:///srv/no-mirror | sha256sum | cut -c1-12) &&
  XDG_CACHE_HOME=$TEST_TMP/suites PATH=$PATH:/usr/sbin:/sbin expect_exit 1 \
    sc_build test hello-world --host-suite no-such-suite --set RECEIVER=NoSuite$$ &&
  expect_grep "debootstrap no-such-suite http://deb.debian.org/debian failed with status 1" \
    "$TEST_TMP/.stderr" &&
  expect_grep "^E: No such script: .*/no-such-suite$" "$TEST_TMP/.stderr" &&
  XDG_CACHE_HOME=$TEST_TMP/suites PATH=$PATH:/usr/sbin:/sbin expect_exit 1 \
    sc_build test hello-world --host-mirror file:///srv/no-mirror --set RECEIVER=NoSuite$$ &&
  expect_grep "making the systemd host .*/bookworm-$hash with debootstrap" "$TEST_TMP/.stderr" &&
  expect_grep "^E: Failed getting release file file:///srv/no-mirror/dists/bookworm/Release" \
    "$TEST_TMP/.stderr" &&
  ls -A "$cache" >entries && ! grep_q -e no-such-suite -e bookworm entries &&
  nothing_left RECEIVER=NoSuite$$
'

test_expect_success 'a bad --host-suite or --host-mirror, or one with --host, is a usage error' '
  expect_exit 2 sc_build test hello-world --host-suite ../etc &&
  expect_grep "is not a suite name" "$TEST_TMP/.stderr" &&
  expect_exit 2 sc_build test hello-world --host-mirror deb.debian.org &&
  expect_grep "is not a mirror URL" "$TEST_TMP/.stderr" &&
  expect_exit 2 sc_build test hello-world --host "$TEMPLATE" --host-suite trixie &&
  expect_grep "give one or the other" "$TEST_TMP/.stderr"
'

test_expect_success 'a --host without /sbin/init is refused before anything starts' '
  mkdir -p not-a-host/etc &&
  expect_exit 1 sc_build test hello-world --host not-a-host --set RECEIVER=NoHost$$ &&
  expect_grep "not-a-host is not a systemd host: it has no /sbin/init" "$TEST_TMP/.stderr" &&
  nothing_left RECEIVER=NoHost$$
'

test_done
