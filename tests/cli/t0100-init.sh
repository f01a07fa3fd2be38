#!/usr/bin/env bash
# t0100-init: `sc-build init` makes a complete project from a skeleton, and
# never touches an existing path.
. "$SC_SOURCE_DIR/tests/cli/lib.sh"
test_require curl python3

# A TCP port nobody listens on (the kernel picks it).
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

test_expect_success 'init hello-world creates the four files, rootfs and sc-build.json' '
  sc_build init hello-world >out &&
  for f in manifest.json config.json.template service.template tmpfiles.template sc-build.json; do
    test -f hello-world/$f || { echo "missing $f"; exit 1; }
  done &&
  for d in proc dev sys tmp etc run var usr/bin; do
    test -d hello-world/rootfs/$d || { echo "missing rootfs/$d"; exit 1; }
  done &&
  test ! -e hello-world/DESCRIPTION &&
  expect_grep "\"PORT\": \"8081\"" hello-world/manifest.json &&
  expect_grep "\"RECEIVER\": \"World\"" hello-world/manifest.json &&
  expect_grep "/usr/bin/hello-server" hello-world/config.json.template &&
  expect_grep "^ExecStart=\\\$EXEC_START$" hello-world/service.template &&
  expect_grep "^WorkingDirectory=\\\$DESTDIR$" hello-world/service.template &&
  expect_grep "sc-build validate hello-world" out &&
  expect_grep "sc-build build hello-world" out
'

test_expect_success 'the server is an executable static binary' '
  test -x hello-world/rootfs/usr/bin/hello-server &&
  test "$(stat -c %a hello-world/rootfs/usr/bin/hello-server)" = 755 &&
  if command -v file >/dev/null; then
    file hello-world/rootfs/usr/bin/hello-server >file.out &&
    expect_grep "statically linked|static-pie linked" file.out
  fi
'

test_expect_success 'the server answers GET with Hello $RECEIVER and stops on SIGTERM' '
  port=$(free_port) &&
  { PORT=$port RECEIVER=Tester hello-world/rootfs/usr/bin/hello-server >server.log 2>&1 & } &&
  pid=$! &&
  trap "kill $pid 2>/dev/null || true" EXIT &&
  for i in $(seq 50); do
    curl -s -o /dev/null "http://127.0.0.1:$port/" && break
    sleep 0.1
  done &&
  curl -sS -D headers -o body "http://127.0.0.1:$port/some/path" &&
  test "$(cat body)" = "Hello Tester" &&
  expect_grep "^HTTP/1\\.[01] 200 OK" headers &&
  expect_grep "^Content-Type: text/plain" headers &&
  expect_grep "^Content-Length: 13" headers &&
  expect_grep "^Connection: close" headers &&
  expect_grep "GET /some/path" server.log &&
  kill -TERM $pid &&
  rc=0 && wait $pid || rc=$? &&
  test "$rc" = 0
'

test_expect_success 'the server refuses an invalid PORT with exit 2' '
  rc=0 && PORT=notaport hello-world/rootfs/usr/bin/hello-server 2>err || rc=$? &&
  test "$rc" = 2 && expect_grep "invalid PORT" err
'

test_expect_success 'sc-build.json names the image after the directory' '
  mkdir sub &&
  sc_build init sub/my-service >/dev/null &&
  expect_grep "\"name\": \"my-service\"" sub/my-service/sc-build.json &&
  expect_grep "\"type\": \"http\"" sub/my-service/sc-build.json &&
  test -x sub/my-service/rootfs/usr/bin/hello-server &&
  test -z "$(ls -A sub | grep -v "^my-service$")"
'

test_expect_success 'init refuses an existing directory with exit 1 and leaves it unchanged' '
  mkdir taken && echo mine >taken/file && chmod 700 taken &&
  before=$(find taken -printf "%p %m %s %T@\n" | sort; cat taken/file) &&
  expect_exit 1 sc_build init taken &&
  expect_grep "taken already exists" "$TEST_TMP/.stderr" &&
  test "$(find taken -printf "%p %m %s %T@\n" | sort; cat taken/file)" = "$before" &&
  expect_exit 1 sc_build init hello-world &&
  test -z "$(ls -A . | grep "sc-init")"
'

test_expect_success 'init refuses a path that is a file or a dangling symlink' '
  echo x >a-file && ln -s /nonexistent dangling &&
  expect_exit 1 sc_build init a-file &&
  expect_exit 1 sc_build init dangling &&
  test "$(cat a-file)" = x && test "$(readlink dangling)" = /nonexistent
'

test_expect_success 'init --skeleton oneshot makes the one-shot project' '
  sc_build init --skeleton oneshot job >/dev/null &&
  expect_grep "^Type=oneshot$" job/service.template &&
  expect_grep "/usr/bin/hello-once" job/config.json.template &&
  expect_grep "\"EXIT_CODE\": \"0\"" job/manifest.json &&
  expect_grep "\"type\": \"exit\"" job/sc-build.json &&
  test -x job/rootfs/usr/bin/hello-once &&
  test ! -e job/rootfs/usr/bin/hello-server &&
  job/rootfs/usr/bin/hello-once >once.out &&
  test "$(cat once.out)" = "Hello World from a one-shot system container" &&
  rc=0 && EXIT_CODE=3 job/rootfs/usr/bin/hello-once >/dev/null || rc=$? &&
  test "$rc" = 3
'

test_expect_success 'a directory named like a skeleton uses that skeleton' '
  sc_build --json init oneshot >json.out &&
  python3 -c "import json,sys; d=json.load(open(\"json.out\")); assert d == {\"ok\": True, \"path\": \"oneshot\", \"skeleton\": \"oneshot\"}, d" &&
  test -x oneshot/rootfs/usr/bin/hello-once
'

test_expect_success 'a name that picks no skeleton says the default was used' '
  sc_build init my-thing >out &&
  expect_grep "^Created my-thing from the hello-world skeleton" out &&
  expect_grep "No skeleton is named my-thing, so the default, hello-world, was used" out &&
  expect_grep "init --list" out &&
  sc_build init --skeleton oneshot my-job >out2 &&
  ! grep_q "No skeleton" out2 &&
  sc_build init hello-world-2 >out3 &&
  expect_grep "No skeleton is named hello-world-2" out3
'

test_expect_success 'init refuses a name that is not a valid image name, and makes nothing' '
  expect_exit 1 sc_build init MyApp &&
  expect_grep "MyApp. is not a valid image name" "$TEST_TMP/.stderr" &&
  expect_grep "for example .myapp." "$TEST_TMP/.stderr" &&
  expect_exit 1 sc_build init "my app" &&
  expect_grep "for example .my-app." "$TEST_TMP/.stderr" &&
  expect_exit 1 sc_build init sub2/-lead &&
  test ! -e MyApp && test ! -e "my app" &&
  test -z "$(ls -A . | grep "sc-init")"
'

test_expect_success 'an unknown skeleton exits 1 naming the available ones' '
  expect_exit 1 sc_build init --skeleton nope x &&
  expect_grep "unknown skeleton .nope." "$TEST_TMP/.stderr" &&
  expect_grep "hello-world" "$TEST_TMP/.stderr" &&
  expect_grep "oneshot" "$TEST_TMP/.stderr" &&
  test ! -e x
'

test_expect_success 'init --list lists the skeletons with a description' '
  sc_build init --list >list.out &&
  expect_grep "^hello-world +[a-zA-Z]" list.out &&
  expect_grep "^oneshot +[a-zA-Z]" list.out &&
  sc_build init --list --json >list.json &&
  python3 -c "import json; d=json.load(open(\"list.json\")); assert d[\"ok\"] and sorted(s[\"name\"] for s in d[\"skeletons\"]) == [\"hello-world\", \"oneshot\"], d"
'

test_expect_success 'usage errors exit 2' '
  expect_exit 2 sc_build init &&
  expect_grep "missing the project directory" "$TEST_TMP/.stderr" &&
  expect_exit 2 sc_build init a b &&
  expect_exit 2 sc_build init --no-such-option x &&
  expect_exit 2 sc_build init --skeleton &&
  expect_exit 2 sc_build init --list somewhere &&
  test ! -e a && test ! -e x && test ! -e somewhere
'

test_expect_success 'the new projects pass sc-build validate' '
  sc_build --json validate hello-world >v1.json &&
  python3 -c "import json; d=json.load(open(\"v1.json\")); assert d[\"ok\"] and d[\"errors\"] == 0 and d[\"warnings\"] == 0, d" &&
  # oneshot: ExecStop=-\$EXEC_STOP (runc has deleted the container when
  # ExecStop runs); only errors are checked until validate accepts the
  # systemd "-" prefix.
  sc_build --json validate job >v2.json &&
  python3 -c "import json; d=json.load(open(\"v2.json\")); assert d[\"ok\"] and d[\"errors\"] == 0, d"
'

test_expect_success 'init --help prints the usage and exits 0' '
  sc_build init --help >help.out &&
  expect_grep "usage: sc-build init" help.out
'

test_expect_success 'a JSON error is one document with ok false' '
  expect_exit 1 sc_build --json init taken &&
  python3 -c "import json; d=json.load(open(\"$TEST_TMP/.stdout\")); assert d[\"ok\"] is False and \"already exists\" in d[\"error\"][\"message\"], d"
'

test_done
