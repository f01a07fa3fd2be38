#!/usr/bin/env bash
# t0900-examples: the projects of examples/ are what they say: hello-world is
# the project `sc-build init hello-world` makes, and the services packaged
# from Debian's binaries validate clean, build, and pass their own probes
# under runc (a real Redis request; a one-shot job whose exit status is its
# check).
. "$SC_SOURCE_DIR/tests/cli/lib.sh"
test_require python3

export TMPDIR=$TEST_TMP/tmp
mkdir -p "$TMPDIR"
# The .debs are kept in the build directory, so a second run of the suite
# downloads nothing (examples/debian-rootfs.sh).
export DEB_CACHE=${SC_BUILD_DIR:-$TEST_TMP}/example-debs

test_lazy_prereq RUNC 'command -v runc'
# apt's lists name the packages (a fresh container needs apt-get update).
test_lazy_prereq DEBIAN_ARCHIVE 'command -v apt-get && command -v dpkg-deb &&
  apt-cache show --no-all-versions redis-server sqlite3 dash'

# A TCP port nothing listens on right now, on 127.0.0.1.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Copy the examples (the Debian ones share examples/debian-rootfs.sh).
test_expect_success 'setup: a copy of examples/' '
  cp -R "$SC_SOURCE_DIR/examples" ex &&
  rm -rf ex/*/rootfs
'

test_expect_success 'examples/hello-world is the project sc-build init hello-world makes' '
  sc_build init hello-world >/dev/null &&
  (cd hello-world && find . -path ./rootfs -prune -o -type f -print | sort) >made.list &&
  (cd ex/hello-world && find . -type f -print | sort) >example.list &&
  diff made.list example.list &&
  while read -r f; do
    cmp "hello-world/$f" "ex/hello-world/$f" || exit 1
  done <made.list
'

test_expect_success 'examples/hello-world with the rootfs init adds: validate, build' '
  cp -R hello-world/rootfs ex/hello-world/rootfs &&
  sc_build validate ex/hello-world >out 2>&1 &&
  expect_grep "^ex/hello-world: 0 errors, 0 warnings" out &&
  sc_build build ex/hello-world -o hw.oci >/dev/null
'

test_expect_success ROOT,RUNC 'examples/hello-world passes its smoke test' '
  sc_build test ex/hello-world --set PORT=$(free_port) >out 2>err &&
  expect_grep "^PASS: 1 of 1 probes passed" out
'

test_expect_success DEBIAN_ARCHIVE 'examples/redis: rootfs from Debian, validates clean, builds' '
  ex/redis/make-rootfs.sh >make.out 2>make.err &&
  expect_grep "^redis-server " ex/redis/rootfs/usr/share/sc-build-example/packages &&
  test -x ex/redis/rootfs/usr/bin/redis-check-rdb &&
  sc_build validate ex/redis >out 2>&1 &&
  expect_grep "^ex/redis: 0 errors, 0 warnings" out &&
  sc_build build ex/redis -o redis.oci >/dev/null
'

test_expect_success DEBIAN_ARCHIVE,ROOT,RUNC 'examples/redis answers PING, SET and GET under runc' '
  sc_build test ex/redis --set PORT=$(free_port) >out 2>err &&
  expect_grep "^PASS tcp 127.0.0.1:" out &&
  expect_grep "^PASS exec /usr/bin/redis-cli -p [0-9]+ ping" out &&
  expect_grep "^PASS exec /bin/sh -c redis-cli -p [0-9]+ set sc-build-probe ok" out &&
  expect_grep "^PASS: 3 of 3 probes passed" out
'

test_expect_success DEBIAN_ARCHIVE 'examples/sqlite-job: rootfs from Debian, validates clean, builds reproducibly' '
  ex/sqlite-job/make-rootfs.sh >make.out 2>make.err &&
  expect_grep "^sqlite3 " ex/sqlite-job/rootfs/usr/share/sc-build-example/packages &&
  sc_build validate ex/sqlite-job >out 2>&1 &&
  expect_grep "^ex/sqlite-job: 0 errors, 0 warnings" out &&
  sc_build --json build ex/sqlite-job -o job1.oci >job1.json &&
  ex/sqlite-job/make-rootfs.sh >make.out 2>make.err &&
  sc_build --json build ex/sqlite-job -o job2.oci >job2.json &&
  python3 -c "
import json
a, b = (json.load(open(f))[\"digest\"] for f in (\"job1.json\", \"job2.json\"))
assert a == b, (a, b)
"
'

test_expect_success DEBIAN_ARCHIVE,ROOT,RUNC 'examples/sqlite-job migrates its database and exits 0' '
  sc_build test ex/sqlite-job >out 2>err &&
  expect_grep "^PASS exit 0" out &&
  expect_grep "^PASS: 1 of 1 probes passed" out
'

test_expect_success DEBIAN_ARCHIVE,ROOT,RUNC 'the exit probe reads the job'"'"'s own check: a wrong schema version fails' '
  expect_exit 1 sc_build test ex/sqlite-job --set SCHEMA_VERSION=3 &&
  expect_grep "^FAIL exit 0 .*exited with status 2, expected 0" "$TEST_TMP/.stdout" &&
  expect_grep "expected version 3 with 2" "$TEST_TMP/.stderr"
'

test_expect_success 'nothing is left in TMPDIR' '
  test -z "$(ls -A "$TMPDIR")"
'

test_done
