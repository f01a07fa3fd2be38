/* test-tmpfiles-line.c: the one tmpfiles.d(5) line splitter
 * (builder/tmpfiles-line.h) that validate and `sc-build test` share:
 * the argument keeps its blanks, quotes and escapes in the first six
 * fields, comments, `-` for unset, short lines, lines that do not split. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "tmpfiles-line.h"

static sc_tmpfiles_line split_ok(const char *text)
{
  sc_tmpfiles_line l;
  if (sc_tmpfiles_line_split(text, strlen(text), &l) < 0)
    fail_msg("'%s' does not split: %s", text, l.error);
  return l;
}

static void test_argument_keeps_its_blanks(void **state)
{
  (void)state;
  sc_tmpfiles_line l = split_ok("f /etc/motd 0644 root root - hello  big\tworld  \r");
  assert_int_equal(l.count, 7);
  assert_string_equal(l.field[0], "f");
  assert_string_equal(l.field[1], "/etc/motd");
  /* the rest of the line, as written, without the blanks around it */
  assert_string_equal(sc_tmpfiles_line_value(&l, SC_TMPFILES_ARGUMENT), "hello  big\tworld");
  assert_int_equal(l.col[SC_TMPFILES_ARGUMENT], 30);
  sc_tmpfiles_line_clear(&l);
  /* quotes and backslashes in the argument are its own */
  l = split_ok("L /a - - - - \"/b c\"\\n");
  assert_string_equal(l.field[SC_TMPFILES_ARGUMENT], "\"/b c\"\\n");
  sc_tmpfiles_line_clear(&l);
}

static void test_quoted_and_escaped_fields(void **state)
{
  (void)state;
  sc_tmpfiles_line l = split_ok("d \"/run/with space\" 0700 'a b' - -");
  assert_int_equal(l.count, 6);
  assert_string_equal(l.field[1], "/run/with space");
  assert_string_equal(l.field[2], "0700");
  assert_int_equal(l.col[2], 21);
  assert_string_equal(l.field[3], "a b");
  sc_tmpfiles_line_clear(&l);
  /* a quote may start inside a field; escapes are decoded in and out of
   * quotes */
  l = split_ok("d /run/a\"b c\"d\\x41\\s\\\\ 0755");
  assert_string_equal(l.field[1], "/run/ab cdA \\");
  assert_string_equal(l.field[2], "0755");
  sc_tmpfiles_line_clear(&l);
  /* columns count characters, not bytes */
  l = split_ok("d /r\xc3\xa9p 0755");
  assert_int_equal(l.col[2], 8);
  sc_tmpfiles_line_clear(&l);
}

static void test_comments_and_blank_lines(void **state)
{
  (void)state;
  const char *empty[] = {"", "   \t", "# d /x", "   # d /x 0755"};
  for (size_t i = 0; i < sizeof empty / sizeof *empty; i++) {
    sc_tmpfiles_line l = split_ok(empty[i]);
    assert_int_equal(l.count, 0);
    sc_tmpfiles_line_clear(&l);
  }
  /* `#` later in a line is text */
  sc_tmpfiles_line l = split_ok("d /a#b");
  assert_string_equal(l.field[1], "/a#b");
  sc_tmpfiles_line_clear(&l);
}

static void test_dash_is_unset(void **state)
{
  (void)state;
  sc_tmpfiles_line l = split_ok("  d /run/x - - 0 - -");
  assert_int_equal(l.count, 7);
  assert_int_equal(l.col[0], 3);
  assert_null(sc_tmpfiles_line_value(&l, 2));
  assert_null(sc_tmpfiles_line_value(&l, 3));
  assert_string_equal(sc_tmpfiles_line_value(&l, 4), "0");
  assert_null(sc_tmpfiles_line_value(&l, SC_TMPFILES_ARGUMENT));
  sc_tmpfiles_line_clear(&l);
}

static void test_too_few_fields(void **state)
{
  (void)state;
  sc_tmpfiles_line l = split_ok("d");
  assert_int_equal(l.count, 1);
  assert_null(sc_tmpfiles_line_value(&l, 1));
  sc_tmpfiles_line_clear(&l);
  l = split_ok("d /x 0755");
  assert_int_equal(l.count, 3);
  assert_null(sc_tmpfiles_line_value(&l, 3));
  assert_null(sc_tmpfiles_line_value(&l, SC_TMPFILES_ARGUMENT));
  sc_tmpfiles_line_clear(&l);
}

static void expect_no_split(const char *text, int col, const char *why)
{
  sc_tmpfiles_line l;
  assert_int_equal(sc_tmpfiles_line_split(text, strlen(text), &l), -1);
  assert_int_equal(l.count, 0);
  assert_int_equal(l.error_col, col);
  if (strstr(l.error, why) == NULL)
    fail_msg("'%s': '%s' does not say '%s'", text, l.error, why);
  sc_tmpfiles_line_clear(&l);
}

static void test_lines_that_do_not_split(void **state)
{
  (void)state;
  expect_no_split("d \"/run/x 0755", 3, "not closed");
  expect_no_split("d /run/'x 0755", 8, "not closed");
  expect_no_split("d /run/x\\", 9, "backslash ends");
  expect_no_split("d /run/\\q 0755", 8, "unknown backslash escape");
  expect_no_split("d /run/\\x00 0755", 8, "unknown backslash escape"); /* a NUL byte */
}

/* The length bounds the line: what follows is not read. */
static void test_length_bounds_the_line(void **state)
{
  (void)state;
  const char text[] = "d /run/x 0755 - - - arg";
  sc_tmpfiles_line l;
  assert_int_equal(sc_tmpfiles_line_split(text, 8, &l), 0);
  assert_int_equal(l.count, 2);
  assert_string_equal(l.field[1], "/run/x");
  sc_tmpfiles_line_clear(&l);
  assert_int_equal(sc_tmpfiles_line_split("d /r\\x41", 7, &l), -1);
  sc_tmpfiles_line_clear(&l);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_argument_keeps_its_blanks),
      cmocka_unit_test(test_quoted_and_escaped_fields),
      cmocka_unit_test(test_comments_and_blank_lines),
      cmocka_unit_test(test_dash_is_unset),
      cmocka_unit_test(test_too_few_fields),
      cmocka_unit_test(test_lines_that_do_not_split),
      cmocka_unit_test(test_length_bounds_the_line),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
