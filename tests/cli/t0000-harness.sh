#!/bin/bash
# t0000-harness: the CLI test harness (lib.sh) sees every failing line,
# refuses bodies whose commands are not chained with &&, and reports
# skips as skips with their reason, never as passes.
. "$SC_SOURCE_DIR/tests/cli/lib.sh"
test_require python3

# Run a test script made of lib.sh and the given lines; its output is left
# in sub.out and its exit status in sub.rc.
run_sub() {
  { printf '. "$SC_SOURCE_DIR/tests/cli/lib.sh"\n' && printf '%s\n' "$@" && printf 'test_done\n'; } >sub.sh &&
  { bash sub.sh >sub.out 2>&1; echo $? >sub.rc; }
}

test_expect_success 'a failing line that is not the last fails the test' '
  run_sub "test_expect_success \"t\" \"false; true\"" &&
  test "$(cat sub.rc)" = 1 &&
  expect_grep "^not ok 1 - t" sub.out &&
  expect_grep "^0 passed, 1 failed, 0 skipped$" sub.out
'

test_expect_success 'a cleanup added inside a test body runs when the script ends' '
  run_sub "test_cleanup_add \"echo top >>$TEST_TMP/cleaned\"" \
    "test_expect_success \"t\" \"test_cleanup_add \\\"echo inner >>$TEST_TMP/cleaned\\\"\"" &&
  test "$(cat sub.rc)" = 0 &&
  test "$(cat cleaned)" = "inner
top"
'

test_expect_success 'a failing command inside a pipeline fails the test' '
  run_sub "test_expect_success \"t\" \"false | cat\"" &&
  test "$(cat sub.rc)" = 1 &&
  expect_grep "^not ok 1 - t" sub.out
'

test_expect_success 'a failure shows the output and the last command run' '
  run_sub "test_expect_success \"t\" \"echo before-the-failure && test 1 = 2\"" &&
  test "$(cat sub.rc)" = 1 &&
  expect_grep "before-the-failure" sub.out &&
  expect_grep "test 1 = 2" sub.out
'

test_expect_success 'a broken && chain is refused before the body runs' '
  run_sub "test_expect_success \"t\" \"touch ran &&
  false
  true\"" &&
  test "$(cat sub.rc)" = 1 &&
  expect_grep "bug in the test script: line 2: false: missing && after this command" sub.out &&
  test ! -e ran
'

test_expect_success 'one lint process answers each body of a script on its own' '
  run_sub "test_expect_success \"t1\" \"true
  true\"" "test_expect_success \"t2\" \"touch $TEST_TMP/ran2 && true\"" \
    "test_expect_success \"t3\" \"false
  true\"" &&
  test "$(cat sub.rc)" = 1 &&
  expect_grep "^not ok 1 - t1" sub.out &&
  expect_grep "^ok 2 - t2" sub.out &&
  expect_grep "^not ok 3 - t3" sub.out &&
  expect_grep "bug in the test script: line 1: true: missing && after this command" sub.out &&
  expect_grep "bug in the test script: line 1: false: missing && after this command" sub.out &&
  test "$(grep -c "bug in the test script" sub.out)" = 2 &&
  test -e ran2
'

test_expect_success 'a loop body that does not exit on failure is refused' '
  run_sub "test_expect_success \"t\" \"for i in 1 2; do
    false
  done\"" &&
  test "$(cat sub.rc)" = 1 &&
  expect_grep "the last command of a loop body needs" sub.out
'

test_expect_success 'chained bodies with keywords, here-documents and quotes pass the lint' '
  cat >body <<-\BODY &&
	cat >f <<-EOF &&
	one
	two ; three
	EOF
	if test -s f; then
	  echo "a; b" | grep_q "a; b"
	else
	  false
	fi &&
	for i in 1 2; do
	  test -n "$i" || exit 1
	done &&
	case x in
	  x) : ;;
	  *) false ;;
	esac &&
	x=$(echo "q
	r") &&
	test -n "$x"
	BODY
  python3 "$SC_SOURCE_DIR/tests/cli/chainlint.py" <body
'

test_expect_success 'the lint refuses grep -q in a pipe and a backgrounded && list' '
  printf "%s\n" "seq 100000 | grep -q 1" >b1 &&
  ! python3 "$SC_SOURCE_DIR/tests/cli/chainlint.py" <b1 >l1 &&
  expect_grep "use grep_q" l1 &&
  printf "%s\n" "x=1 && sleep 1 &" "wait" >b2 &&
  ! python3 "$SC_SOURCE_DIR/tests/cli/chainlint.py" <b2 >l2 &&
  expect_grep "puts the whole && list in the background" l2
'

test_expect_success 'a failure branch may print before it exits' '
  printf "%s\n" "test -s f || { echo why; cat f; exit 1; } &&" "true" >b3 &&
  python3 "$SC_SOURCE_DIR/tests/cli/chainlint.py" <b3
'

test_expect_success 'a missing prerequisite is a skip with its reason, not a pass' '
  run_sub "test_expect_success NOPE \"t\" \"true\"" \
          "test_expect_success \"u\" \"true\"" &&
  test "$(cat sub.rc)" = 0 &&
  expect_grep "^ok 1 - t # SKIP missing prerequisite NOPE$" sub.out &&
  expect_grep "^1 passed, 0 failed, 1 skipped$" sub.out
'

test_expect_success 'a script whose every test was skipped exits 77 (ctest skip)' '
  run_sub "test_expect_success NOPE \"t\" \"true\"" &&
  test "$(cat sub.rc)" = 77
'

test_done
