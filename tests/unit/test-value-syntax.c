/* test-value-syntax.c: values are data (docs/templates.md, "Values are
 * data").  A value substituted into service.template or tmpfiles.template
 * must not change the structure of the rendered file in that file's own
 * syntax: systemd.syntax(7) and systemd.service(5) for the unit,
 * tmpfiles.d(5) for tmpfiles.  Each refusal names the variable and the
 * line:col of its placeholder; honest values render exactly as atomic's
 * string.Template renders them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sc/template.h>
#include <sc/values.h>

typedef struct rendered {
  int r;
  char *out;
  sc_error err;
} rendered;

/* Render text with X = value (and EXEC_START as an install sets it). */
static rendered render_x(const char *text, const char *value, unsigned flags)
{
  sc_values *v = sc_values_new();
  sc_values_set(v, "X", value);
  sc_values_set(v, "Y", "/y");
  sc_values_set(v, "EMPTY", "");
  sc_values_set(v, "EXEC_START", "/usr/bin/runc --systemd-cgroup run 'svc'");
  rendered res = {.err = SC_ERROR_INIT};
  res.r = sc_template_render(text, strlen(text), "t.template", v, flags, &res.out, NULL, &res.err);
  sc_values_free(v);
  return res;
}

static void assert_refused(unsigned flags, const char *text, const char *value, int line, int col,
                           const char *needle)
{
  rendered res = render_x(text, value, flags);
  if (res.r != -1)
    fail_msg("'%s' with X='%s' rendered '%s'", text, value, res.out);
  assert_null(res.out);
  assert_int_equal(res.err.code, SC_E_INVALID);
  assert_string_equal(res.err.file, "t.template");
  if (res.err.line != line || res.err.col != col)
    fail_msg("'%s' with X='%s': at %d:%d, want %d:%d (%s)", text, value, res.err.line, res.err.col,
             line, col, res.err.msg);
  if (strstr(res.err.msg, "'X'") == NULL || strstr(res.err.msg, needle) == NULL)
    fail_msg("'%s' with X='%s': message '%s' lacks 'X' or '%s'", text, value, res.err.msg, needle);
  sc_error_clear(&res.err);
}

static void assert_accepted(unsigned flags, const char *text, const char *value,
                            const char *expected)
{
  rendered res = render_x(text, value, flags);
  if (res.r != 0)
    fail_msg("'%s' with X='%s' refused: %s", text, value, res.err.msg);
  assert_string_equal(res.out, expected);
  free(res.out);
}

#define UNIT SC_TEMPLATE_UNIT_VALUES
#define TMPFILES SC_TEMPLATE_TMPFILES_VALUES

/* ---- service.template ---- */

static void test_unit_line_breaks(void **state)
{
  (void)state;
  const char *t = "[Service]\nExecStart=/bin/echo $X\n";
  assert_refused(UNIT, t, "a\nExecStartPre=/bin/false", 2, 21, "line break");
  assert_refused(UNIT, t, "a\rb", 2, 21, "line break");
  /* A value cannot begin a [Section] without a line break of its own. */
  assert_refused(UNIT, "Description=$X\n", "a\n[Service]", 1, 13, "line break");
}

static void test_unit_trailing_backslash(void **state)
{
  (void)state;
  /* At the end of a line it joins the next line: no ExecStart= left. */
  assert_refused(UNIT, "[Service]\nDescription=$X\nExecStart=/bin/true\n", "a\\", 2, 13,
                 "backslash");
  assert_refused(UNIT, "[Service]\nExecStart=/bin/echo \"$X\" b\n", "a\\", 2, 22, "backslash");
  assert_refused(UNIT, "Description=$X", "\\\\\\", 1, 13, "backslash");
  /* An escaped backslash is data. */
  assert_accepted(UNIT, "Description=$X\n", "a\\\\", "Description=a\\\\\n");
  /* In a comment nothing continues (systemd.syntax(7)). */
  assert_accepted(UNIT, "# $X\nA=b\n", "a\\", "# a\\\nA=b\n");
}

static void test_unit_exec_commands(void **state)
{
  (void)state;
  const char *t = "[Service]\nExecStart=/bin/echo $X\n";
  assert_refused(UNIT, t, "x ; /bin/touch /tmp/p", 2, 21, "command");
  assert_refused(UNIT, t, ";", 2, 21, "command");
  assert_refused(UNIT, "ExecStop=/bin/echo $X /bin/b\n", "\t;", 1, 20, "command");
  assert_refused(UNIT, "ExecStartPre=/bin/sh -c \"echo $X\"\n", "a\" ; \"b", 1, 31, "command");
  /* Continued on the next line, after a comment line. */
  assert_refused(UNIT, "ExecStart=/bin/a \\\n# c\n $X /bin/b\n", ";", 3, 2, "comment");
  assert_refused(UNIT, "ExecStart=/bin/a \\\n  x $X /bin/b\n", ";", 2, 5, "command");
  /* Not a separator: part of a word, escaped, quoted, or a whole argument. */
  assert_accepted(UNIT, t, "x;", "[Service]\nExecStart=/bin/echo x;\n");
  assert_accepted(UNIT, t, "\\;", "[Service]\nExecStart=/bin/echo \\;\n");
  assert_accepted(UNIT, t, "';'", "[Service]\nExecStart=/bin/echo ';'\n");
  assert_accepted(UNIT, t, "a 'b c' \"d\"", "[Service]\nExecStart=/bin/echo a 'b c' \"d\"\n");
  /* Outside Exec lines a semicolon is text. */
  assert_accepted(UNIT, "Description=$X\n", "a ; b", "Description=a ; b\n");
  /* The command an install writes, as atomic writes it. */
  assert_accepted(UNIT, "[Service]\nExecStart=$EXEC_START\n", "",
                  "[Service]\nExecStart=/usr/bin/runc --systemd-cgroup run 'svc'\n");
  assert_accepted(UNIT, "ExecStartPre=$EMPTY\n", "", "ExecStartPre=\n");
}

static void test_unit_exec_quotes_and_dollars(void **state)
{
  (void)state;
  /* An unbalanced quote swallows or exposes the template's own words. */
  assert_refused(UNIT, "ExecStart=/bin/a $X ; /bin/b\n", "\"", 1, 18, "quote");
  assert_refused(UNIT, "ExecStart=/bin/a '$X' b\n", "it's", 1, 19, "quote");
  /* systemd expands $NAME in Exec lines (systemd.service(5)). */
  assert_refused(UNIT, "ExecStart=/bin/a $X\n", "$HOME", 1, 18, "environment variable");
  assert_refused(UNIT, "ExecStart=/bin/a $X\n", "${A}b", 1, 18, "environment variable");
  assert_accepted(UNIT, "ExecStart=/bin/a $X\n", "$$HOME", "ExecStart=/bin/a $$HOME\n");
  assert_accepted(UNIT, "Description=$X\n", "it's $5", "Description=it's $5\n");
}

static void test_unit_environment(void **state)
{
  (void)state;
  assert_refused(UNIT, "Environment=A=$X\n", "a PATH=/tmp", 1, 15, "assignment");
  assert_refused(UNIT, "Environment=\"A=$X\" B=c\n", "a\" \"PATH=/tmp", 1, 16, "assignment");
  assert_accepted(UNIT, "Environment=\"A=$X\"\n", "a b", "Environment=\"A=a b\"\n");
  assert_accepted(UNIT, "Environment=A=$X B=$Y\n", "x", "Environment=A=x B=/y\n");
}

static void test_unit_specifiers(void **state)
{
  (void)state;
  /* systemd.unit(5) SPECIFIERS: %h is a home directory, an unknown one
   * makes systemd refuse the setting. */
  assert_refused(UNIT, "ExecStart=/bin/a $X\n", "%h", 1, 18, "specifier");
  assert_refused(UNIT, "WorkingDirectory=/x$X\n", "a%Z", 1, 20, "specifier");
  assert_refused(UNIT, "Description=$X%\n", "a%", 1, 13, "specifier");
  assert_refused(UNIT, "Description=%$X\n", "n", 1, 14, "specifier");
  /* A percent sign that forms no specifier stays: CPUQuota=50%. */
  assert_accepted(UNIT, "CPUQuota=$X\n", "50%", "CPUQuota=50%\n");
  assert_accepted(UNIT, "Description=$X\n", "100% sure, 50%%", "Description=100% sure, 50%%\n");
  assert_accepted(UNIT, "# $X\n", "%Z", "# %Z\n");
}

static void test_unit_keys_and_lines(void **state)
{
  (void)state;
  assert_refused(UNIT, "$X=1\n", "A=b", 1, 1, "key");
  assert_refused(UNIT, "[$X]\n", "Service]\nA", 1, 2, "line break");
  assert_refused(UNIT, "[$X]\n", "a b", 1, 2, "section");
  assert_refused(UNIT, "$X\n", "#", 1, 1, "comment");
  assert_refused(UNIT, "  $X\n", ";ExecStart=/bin/true", 1, 3, "comment");
  assert_accepted(UNIT, "[X-$X]\nX-$X-Key=1\n", "my-name_2.a",
                  "[X-my-name_2.a]\nX-my-name_2.a-Key=1\n");
  /* Values may hold `=`, `[` and `#` after the key. */
  assert_accepted(UNIT, "Description=$X\n", "a=b [c] #d", "Description=a=b [c] #d\n");
}

/* ---- tmpfiles.template ---- */

static void test_tmpfiles_fields(void **state)
{
  (void)state;
  /* The issue's value: six fields where one was, and a mode of 0777. */
  assert_refused(TMPFILES, "d $X 0755 root root -\n", "/etc 0777 - - - - #", 1, 3, "field");
  assert_refused(TMPFILES, "d /var/lib/$X 0755\n", "a\tb", 1, 12, "field");
  assert_refused(TMPFILES, "d $X 0755\n", "", 1, 3, "remove");
  assert_refused(TMPFILES, "d $X$EMPTY 0755\n", "", 1, 3, "remove");
  assert_refused(TMPFILES, "d /a $X\n", "", 1, 6, "remove");
  assert_refused(TMPFILES, "$X /a\n", "", 1, 1, "remove");
  assert_refused(TMPFILES, "d $X 0755\n", "/a\nd /etc 0777", 1, 3, "line break");
  /* A backslash escapes the separator after it: "/a\ 0755" is one path. */
  assert_refused(TMPFILES, "d $X 0755\n", "/a\\", 1, 3, "backslash");
  /* Quotes are removed anywhere in a field (systemd 252). */
  assert_refused(TMPFILES, "d $X 0755 - - -\n", "/a\"b", 1, 3, "quote");
  assert_refused(TMPFILES, "d \"$X\" 0755\n", "a\" \"b", 1, 4, "field");
  assert_accepted(TMPFILES, "d \"$X\" 0700\n", "/a b", "d \"/a b\" 0700\n");
  assert_accepted(TMPFILES, "d $X$Y 0700 - - -\n", "", "d /y 0700 - - -\n");
  assert_accepted(TMPFILES, "d ${X}/$Y 0700 - - -\n", "/var/lib", "d /var/lib//y 0700 - - -\n");
}

static void test_tmpfiles_comments_and_argument(void **state)
{
  (void)state;
  assert_refused(TMPFILES, "$X /a 0755\n", "#d", 1, 1, "comment");
  assert_refused(TMPFILES, "  $X\n", "#", 1, 3, "comment");
  /* `#` after the start of a line is data. */
  assert_accepted(TMPFILES, "d /a$X 0700\n", "#1", "d /a#1 0700\n");
  /* The argument is the rest of the line: spaces, quotes and `#` are data. */
  assert_accepted(TMPFILES, "f /a 0644 - - - $X\n", "hi \"you\" # x",
                  "f /a 0644 - - - hi \"you\" # x\n");
  assert_accepted(TMPFILES, "L /a - - - - $X\n", "", "L /a - - - - \n");
  assert_accepted(TMPFILES, "# $X\n", "a b \"", "# a b \"\n");
  assert_refused(TMPFILES, "f /a 0644 - - - $X\n", "a%Z", 1, 17, "specifier");
  assert_refused(TMPFILES, "d /a$X 0700\n", "%h", 1, 5, "specifier");
  assert_accepted(TMPFILES, "d /a$X 0700\n", "%%h", "d /a%%h 0700\n");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_unit_line_breaks),
      cmocka_unit_test(test_unit_trailing_backslash),
      cmocka_unit_test(test_unit_exec_commands),
      cmocka_unit_test(test_unit_exec_quotes_and_dollars),
      cmocka_unit_test(test_unit_environment),
      cmocka_unit_test(test_unit_specifiers),
      cmocka_unit_test(test_unit_keys_and_lines),
      cmocka_unit_test(test_tmpfiles_fields),
      cmocka_unit_test(test_tmpfiles_comments_and_argument),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
