#!/usr/bin/env bash
# t0120-did-you-mean: a mistyped command or long option is a usage error
# (exit 2) that offers the nearest names, and no command takes an
# abbreviation of a long option, which getopt_long would otherwise read as
# the option it begins ("--ost" as "--ostree-mode").
. "$SC_SOURCE_DIR/tests/cli/lib.sh"
test_require python3

# stderr, whole, is the one line given.
expect_stderr() {
  printf '%s\n' "$1" >want.err &&
  diff -u want.err "$TEST_TMP/.stderr"
}

test_expect_success 'an unknown command offers the nearest one' '
  expect_exit 2 sc_build biuld &&
  expect_stderr "sc-build: error: unknown command '\''biuld'\''; did you mean '\''build'\''?" &&
  test ! -s "$TEST_TMP/.stdout" &&
  expect_exit 2 sc_build valdate . &&
  expect_stderr "sc-build: error: unknown command '\''valdate'\''; did you mean '\''validate'\''?" &&
  expect_exit 2 sc_build ins &&
  expect_stderr "sc-build: error: unknown command '\''ins'\''; did you mean '\''inspect'\'', '\''install'\'' or '\''init'\''?"
'

test_expect_success 'an unknown command nothing is near sends to --help' '
  expect_exit 2 sc_build frobnicate &&
  expect_stderr "sc-build: error: unknown command '\''frobnicate'\'' (see '\''sc-build --help'\'')"
'

test_expect_success 'an unknown long option offers the nearest ones, and nothing is built' '
  sc_build init hello-world >/dev/null &&
  expect_exit 2 sc_build build hello-world --formt oci -o out.oci &&
  expect_stderr "sc-build: error: unknown option '\''--formt'\''; did you mean '\''--format'\''?" &&
  expect_exit 2 sc_build validate hello-world --plattform linux/amd64 &&
  expect_stderr "sc-build: error: unknown option '\''--plattform'\''; did you mean '\''--platform'\''?" &&
  expect_exit 2 sc_build list --rooot /nonexistent &&
  expect_stderr "sc-build: error: unknown option '\''--rooot'\''; did you mean '\''--root'\''?" &&
  expect_exit 2 sc_build list --zzzzzz &&
  expect_stderr "sc-build: error: unknown option '\''--zzzzzz'\'' (see '\''sc-build list --help'\'')" &&
  test ! -e out.oci
'

test_expect_success 'an abbreviation is refused, offering the option it begins' '
  expect_exit 2 sc_build build hello-world --form oci -o out.oci &&
  expect_stderr "sc-build: error: unknown option '\''--form'\'' (options are not abbreviated); did you mean '\''--format'\'' or '\''--from'\''?" &&
  expect_exit 2 sc_build build hello-world --ost archive &&
  expect_stderr "sc-build: error: unknown option '\''--ost'\'' (options are not abbreviated); did you mean '\''--ostree-mode'\''?" &&
  expect_exit 2 sc_build build hello-world --ostree=archive &&
  expect_stderr "sc-build: error: unknown option '\''--ostree'\'' (options are not abbreviated); did you mean '\''--ostree-mode'\''?" &&
  expect_exit 2 sc_build --verb list --root . &&
  expect_stderr "sc-build: error: unknown option '\''--verb'\'' (options are not abbreviated); did you mean '\''--verbose'\''?" &&
  test ! -e out.oci
'

# Last on the line, an abbreviation of an option that takes a value is
# still an unknown option, not that option without its value.
test_expect_success 'an abbreviation last on the line is refused too, not missing its value' '
  expect_exit 2 sc_build build hello-world --ostree &&
  expect_stderr "sc-build: error: unknown option '\''--ostree'\'' (options are not abbreviated); did you mean '\''--ostree-mode'\''?" &&
  expect_exit 2 sc_build push oci:hw.oci --cred &&
  expect_stderr "sc-build: error: unknown option '\''--cred'\'' (options are not abbreviated); did you mean '\''--creds'\''?" &&
  expect_exit 2 sc_build build hello-world --output &&
  expect_stderr "sc-build: error: option '\''--output'\'' needs a value: --output DEST (see '\''sc-build build --help'\'')"
'

# Every command parses through the shared check: --jso, an abbreviation
# of the global --json every command takes, is refused by each.
test_expect_success 'no command takes an abbreviation' '
  for cmd in init validate build inspect sbom import install update rollback uninstall \
             list test run images rmi prune pull push login logout; do
    expect_exit 2 sc_build $cmd --jso x &&
    expect_stderr "sc-build: error: unknown option '\''--jso'\'' (options are not abbreviated); did you mean '\''--json'\''?" ||
    { echo "command: $cmd"; exit 1; }
  done
'

test_expect_success 'an option without its value, or with one it does not take' '
  expect_exit 2 sc_build list --root &&
  expect_stderr "sc-build: error: option '\''--root'\'' needs a value: --root ROOT (see '\''sc-build list --help'\'')" &&
  expect_exit 2 sc_build list --json=yes &&
  expect_stderr "sc-build: error: option '\''--json'\'' takes no value (see '\''sc-build list --help'\'')" &&
  expect_exit 2 sc_build init -s &&
  expect_stderr "sc-build: error: option '\''-s'\'' needs a value: -s SKELETON (see '\''sc-build init --help'\'')" &&
  expect_exit 2 sc_build list -x &&
  expect_stderr "sc-build: error: unknown option '\''-x'\'' (see '\''sc-build list --help'\'')"
'

test_expect_success 'options written in full still work' '
  mkdir root &&
  sc_build list --root root --json >list.json &&
  sc_build list --root=root >list.txt &&
  expect_grep "\"ok\": true" list.json &&
  expect_grep "^NAME" list.txt
'

test_expect_success 'with --json the usage error is the one JSON document' '
  expect_exit 2 sc_build --json biuld &&
  test ! -s "$TEST_TMP/.stderr" &&
  python3 -c "
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc == {\"ok\": False, \"error\": {\"message\": \"unknown command '\''biuld'\''; did you mean '\''build'\''?\"}}, doc
" "$TEST_TMP/.stdout" &&
  expect_exit 2 sc_build list --json --rooot x &&
  test ! -s "$TEST_TMP/.stderr" &&
  expect_grep "did you mean .--root.\\?" "$TEST_TMP/.stdout"
'

test_done
