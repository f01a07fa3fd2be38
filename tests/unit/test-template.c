/* test-template.c: the template engine against Python's string.Template,
 * the engine atomic renders templates with (docs/design.md section 2): output
 * and errors agree with Python on a generated table, errors carry
 * file:line:col in characters and the variable's name, scan visits every
 * placeholder, and the value checks refuse what would change the syntax of
 * the rendered file. */
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

#include "template-internal.h"
#include "util.h"

/* ---- helpers ---- */

typedef struct template_value {
  const char *key;
  const char *value;
} template_value;

static sc_values *values_of(const template_value *pairs, size_t n)
{
  sc_values *v = sc_values_new();
  for (size_t i = 0; i < n; i++)
    sc_values_set(v, pairs[i].key, pairs[i].value);
  return v;
}

static const template_value basic_values[] = {
    {"X", "x"}, {"Y", "yy"}, {"Xy", "XY"}, {"_a1_B2", "ok"}, {"EMPTY", ""},
};

typedef struct rendered {
  int r;
  char *out;
  size_t out_len;
  sc_error err;
} rendered;

static rendered render_with(const char *text, size_t len, const sc_values *values, unsigned flags)
{
  rendered res = {.err = SC_ERROR_INIT};
  res.r = sc_template_render(text, len, "dir/t.template", values, flags, &res.out, &res.out_len,
                             &res.err);
  return res;
}

static rendered render_basic(const char *text, unsigned flags)
{
  sc_values *v = values_of(basic_values, sizeof basic_values / sizeof basic_values[0]);
  rendered res = render_with(text, strlen(text), v, flags);
  sc_values_free(v);
  return res;
}

static void rendered_free(rendered *res)
{
  free(res->out);
  sc_error_clear(&res->err);
}

static void assert_renders(const char *text, const char *expected)
{
  rendered res = render_basic(text, 0);
  if (res.r != 0)
    fail_msg("'%s' failed: %s", text, res.err.msg);
  assert_string_equal(res.out, expected);
  assert_int_equal(res.out_len, strlen(expected));
  rendered_free(&res);
}

/* The render fails at line:col; the message holds `needle`. */
static void assert_fails_at(const char *text, unsigned flags, int line, int col, const char *needle)
{
  rendered res = render_basic(text, flags);
  if (res.r == 0)
    fail_msg("'%s' rendered as '%s', expected an error", text, res.out);
  assert_int_equal(res.r, -1);
  assert_null(res.out);
  assert_int_equal(res.err.code, SC_E_INVALID);
  assert_non_null(res.err.file);
  assert_string_equal(res.err.file, "dir/t.template");
  assert_int_equal(res.err.line, line);
  assert_int_equal(res.err.col, col);
  assert_non_null(res.err.msg);
  if (strstr(res.err.msg, needle) == NULL)
    fail_msg("message '%s' lacks '%s'", res.err.msg, needle);
  rendered_free(&res);
}

static const char *const invalid_needle = "invalid placeholder";

/* ---- Python's table ---- */

typedef enum { PY_OK, PY_INVALID, PY_UNDEFINED } python_outcome;

typedef struct python_case {
  const char *text;
  size_t len;
  python_outcome outcome;
  const char *output;
  size_t output_len;
  const char *name; /* PY_UNDEFINED */
  int line, col;    /* PY_INVALID, PY_UNDEFINED */
  const char *scan; /* "$NAME@offset:line:col ${NAME}@... $?@..." */
} python_case;

#define S(literal) literal, sizeof(literal) - 1
#include "template-python-cases.h"
#undef S

static int scan_describe(const sc_placeholder *ph, void *user)
{
  sc_buf *b = user;
  if (b->len > 0)
    sc_buf_putc(b, ' ');
  if (ph->kind == SC_PLACEHOLDER_INVALID) {
    assert_int_equal(ph->name_len, 0);
    assert_false(ph->braced);
    sc_buf_puts(b, "$?");
  } else {
    sc_buf_printf(b, ph->braced ? "${%.*s}" : "$%.*s", (int)ph->name_len, ph->name);
  }
  sc_buf_printf(b, "@%zu:%d:%d", ph->offset, ph->line, ph->col);
  return 0;
}

static void test_python_table(void **state)
{
  sc_values *v = values_of(python_values, sizeof python_values / sizeof python_values[0]);
  for (size_t i = 0; i < sizeof python_cases / sizeof python_cases[0]; i++) {
    const python_case *c = &python_cases[i];
    rendered res = render_with(c->text, c->len, v, 0);
    switch (c->outcome) {
    case PY_OK:
      if (res.r != 0)
        fail_msg("case %zu: Python renders it, sc-build says: %s", i, res.err.msg);
      assert_int_equal(res.out_len, c->output_len);
      assert_memory_equal(res.out, c->output, c->output_len);
      assert_int_equal(res.out[res.out_len], '\0');
      break;
    case PY_INVALID:
    case PY_UNDEFINED:
      if (res.r == 0)
        fail_msg("case %zu: Python refuses it, sc-build rendered '%s'", i, res.out);
      assert_int_equal(res.err.code, SC_E_INVALID);
      assert_string_equal(res.err.file, "dir/t.template");
      if (res.err.line != c->line || res.err.col != c->col)
        fail_msg("case %zu: error at %d:%d, expected %d:%d", i, res.err.line, res.err.col, c->line,
                 c->col);
      if (c->outcome == PY_INVALID) {
        assert_non_null(strstr(res.err.msg, invalid_needle));
      } else {
        char quoted[64];
        snprintf(quoted, sizeof quoted, "'%s'", c->name);
        if (strstr(res.err.msg, "undefined variable") == NULL ||
            strstr(res.err.msg, quoted) == NULL)
          fail_msg("case %zu: message '%s' does not name %s", i, res.err.msg, quoted);
      }
      break;
    }
    rendered_free(&res);

    sc_buf b = SC_BUF_INIT;
    assert_int_equal(sc_template_scan(c->text, c->len, scan_describe, &b), 0);
    if (strcmp(b.data ? b.data : "", c->scan) != 0)
      fail_msg("case %zu: scan gave '%s', expected '%s'", i, b.data ? b.data : "", c->scan);
    sc_buf_free(&b);
  }
  sc_values_free(v);
}

/* ---- substitution ---- */

static void test_substitution(void **state)
{
  assert_renders("$X", "x");
  assert_renders("${X}", "x");
  assert_renders("$$", "$");
  assert_renders("$$X", "$X");
  assert_renders("$$$X", "$x");
  assert_renders("$$$$", "$$");
  assert_renders("$X$Y", "xyy");
  assert_renders("${X}y", "xy");
  assert_renders("$Xy", "XY");   /* the longest identifier: variable Xy */
  assert_renders("$X.y", "x.y"); /* '.' ends an identifier */
  assert_renders("$_a1_B2", "ok");
  assert_renders("${_a1_B2}", "ok");
  assert_renders("a${EMPTY}b$EMPTY", "ab");
  assert_renders("ExecStart=$X\nPIDFile=$$PIDFILE\n", "ExecStart=x\nPIDFile=$PIDFILE\n");
  assert_renders("h\xc3\xa9llo $X \xe2\x82\xac", "h\xc3\xa9llo x \xe2\x82\xac");
}

static void test_value_not_expanded_again(void **state)
{
  static const template_value pairs[] = {{"A", "$B ${B} $$"}, {"B", "b"}};
  sc_values *v = values_of(pairs, 2);
  rendered res = render_with("[$A]", 4, v, 0);
  assert_int_equal(res.r, 0);
  assert_string_equal(res.out, "[$B ${B} $$]");
  rendered_free(&res);
  sc_values_free(v);
}

static void test_lookup_is_case_sensitive(void **state)
{
  assert_fails_at("$x", 0, 1, 1, "'x'");
  assert_fails_at("${xY}", 0, 1, 1, "'xY'");
}

/* ---- invalid placeholders, with their position ---- */

static void test_invalid_placeholders(void **state)
{
  assert_fails_at("$", 0, 1, 1, invalid_needle);
  assert_fails_at("abc $", 0, 1, 5, invalid_needle);
  assert_fails_at("line\n$X $", 0, 2, 4, invalid_needle);
  assert_fails_at("$$$", 0, 1, 3, invalid_needle);
  assert_fails_at("${X", 0, 1, 1, invalid_needle);
  assert_fails_at("ok ${X\n}", 0, 1, 4, invalid_needle);
  assert_fails_at("${}", 0, 1, 1, invalid_needle);
  assert_fails_at("${ X}", 0, 1, 1, invalid_needle);
  assert_fails_at("${X }", 0, 1, 1, invalid_needle);
  assert_fails_at("${X:-default}", 0, 1, 1, invalid_needle);
  assert_fails_at("$1", 0, 1, 1, invalid_needle);
  assert_fails_at("$1X", 0, 1, 1, invalid_needle);
  assert_fails_at("x=${1X}", 0, 1, 3, invalid_needle);
  assert_fails_at("$-", 0, 1, 1, invalid_needle);
  assert_fails_at("$ ", 0, 1, 1, invalid_needle);
  assert_fails_at("$\xc3\xa9", 0, 1, 1, invalid_needle); /* $é: identifiers are ASCII */
  assert_fails_at("${\xc3\xa9}", 0, 1, 1, invalid_needle);
}

static void test_positions_count_characters(void **state)
{
  /* h é l l o ' ' $: the `$` is the 7th character (8th byte). */
  assert_fails_at("h\xc3\xa9llo $1", 0, 1, 7, invalid_needle);
  /* 3-byte and 4-byte characters count once. */
  assert_fails_at("\xe2\x82\xac\xe2\x82\xac $", 0, 1, 4, invalid_needle);
  assert_fails_at("\xf0\x9f\x98\x80$-", 0, 1, 2, invalid_needle);
  /* Error on line 3, after non-ASCII text on earlier lines. */
  assert_fails_at("\xc3\xa9\xc3\xa9\n$X\n  \xc3\xa9 $", 0, 3, 5, invalid_needle);
  assert_fails_at("a\nb\nc $UNDEFINED", 0, 3, 3, "'UNDEFINED'");
  /* A tab is one character; a line ends at '\n' only. */
  assert_fails_at("\t$1", 0, 1, 2, invalid_needle);
  assert_fails_at("x\r\n$1", 0, 2, 1, invalid_needle);
}

static void test_first_problem_wins(void **state)
{
  assert_fails_at("$1 $UNDEFINED", 0, 1, 1, invalid_needle);
  assert_fails_at("$UNDEFINED $1", 0, 1, 1, "'UNDEFINED'");
  assert_fails_at("$X ${Y} $A $B", 0, 1, 9, "'A'");
}

static void test_undefined_variable(void **state)
{
  rendered res = render_basic("Description=$X\nExecStart=${MISSING_1} --flag\n", 0);
  assert_int_equal(res.r, -1);
  assert_int_equal(res.err.code, SC_E_INVALID);
  assert_string_equal(res.err.file, "dir/t.template");
  assert_int_equal(res.err.line, 2);
  assert_int_equal(res.err.col, 11);
  assert_non_null(strstr(res.err.msg, "undefined variable 'MISSING_1'"));
  /* It says how to give the variable a value. */
  assert_non_null(strstr(res.err.msg, "--set MISSING_1="));
  rendered_free(&res);

  /* No file name given: the error still carries the position. */
  sc_values *v = sc_values_new();
  sc_error err = SC_ERROR_INIT;
  char *out = NULL;
  assert_int_equal(sc_template_render("  $Z", 4, NULL, v, 0, &out, NULL, &err), -1);
  assert_null(out);
  assert_int_equal(err.line, 1);
  assert_int_equal(err.col, 3);
  assert_non_null(strstr(err.msg, "'Z'"));
  sc_error_clear(&err);
  sc_values_free(v);
}

/* ---- SC_TEMPLATE_SINGLE_LINE_VALUES ---- */

static void test_single_line_values(void **state)
{
  static const template_value pairs[] = {
      {"LF", "a\nb"}, {"CR", "a\rb"}, {"CRLF", "a\r\n"}, {"PLAIN", "one line \xc3\xa9"}};
  sc_values *v = values_of(pairs, 4);
  const char *refused[] = {"LF", "CR", "CRLF"};
  for (size_t i = 0; i < 3; i++) {
    char text[64], quoted[16];
    snprintf(text, sizeof text, "[Service]\nExecStart=/bin/x ${%s}\n", refused[i]);
    snprintf(quoted, sizeof quoted, "'%s'", refused[i]);
    rendered res = render_with(text, strlen(text), v, SC_TEMPLATE_SINGLE_LINE_VALUES);
    assert_int_equal(res.r, -1);
    assert_null(res.out);
    assert_int_equal(res.err.code, SC_E_INVALID);
    assert_string_equal(res.err.file, "dir/t.template");
    assert_int_equal(res.err.line, 2);
    assert_int_equal(res.err.col, 18);
    if (strstr(res.err.msg, quoted) == NULL || strstr(res.err.msg, "line break") == NULL)
      fail_msg("message '%s' does not name %s", res.err.msg, quoted);
    rendered_free(&res);

    /* Without the flag the value goes in as it is. */
    res = render_with(text, strlen(text), v, 0);
    assert_int_equal(res.r, 0);
    assert_non_null(strstr(res.out, sc_values_get(v, refused[i])));
    rendered_free(&res);
  }
  rendered res = render_with("x=$PLAIN\n", 9, v, SC_TEMPLATE_SINGLE_LINE_VALUES);
  assert_int_equal(res.r, 0);
  assert_string_equal(res.out, "x=one line \xc3\xa9\n");
  rendered_free(&res);
  /* Line breaks of the template itself are fine. */
  res = render_with("a\r\nb\n$$\n", 8, v, SC_TEMPLATE_SINGLE_LINE_VALUES);
  assert_int_equal(res.r, 0);
  assert_string_equal(res.out, "a\r\nb\n$\n");
  rendered_free(&res);
  sc_values_free(v);
}

/* ---- SC_TEMPLATE_JSON_STRING_VALUES ---- */

static const template_value json_values[] = {
    {"N", "n"},
    {"EMPTY", ""},
    {"QUOTE", "a\", \"evil\": \"x"},
    {"BACKSLASH", "a\\"},
    {"TAB", "a\tb"},
    {"CAPS", "\"CAP_CHOWN\",\n\"CAP_KILL\"\n"},
    {"SAFE", "/var/lib/x \xc3\xa9"},
};

static rendered render_json(const char *text)
{
  sc_values *v = values_of(json_values, sizeof json_values / sizeof json_values[0]);
  rendered res = render_with(text, strlen(text), v, SC_TEMPLATE_JSON_STRING_VALUES);
  sc_values_free(v);
  return res;
}

static void assert_json_renders(const char *text, const char *expected)
{
  rendered res = render_json(text);
  if (res.r != 0)
    fail_msg("'%s' failed: %s", text, res.err.msg);
  assert_string_equal(res.out, expected);
  rendered_free(&res);
}

static void assert_json_refuses(const char *text, int col, const char *name)
{
  rendered res = render_json(text);
  if (res.r == 0)
    fail_msg("'%s' rendered as '%s', expected a refusal", text, res.out);
  assert_int_equal(res.err.line, 1);
  assert_int_equal(res.err.col, col);
  char quoted[32];
  snprintf(quoted, sizeof quoted, "'%s'", name);
  if (strstr(res.err.msg, quoted) == NULL || strstr(res.err.msg, "JSON string") == NULL)
    fail_msg("message '%s' does not name %s", res.err.msg, quoted);
  rendered_free(&res);
}

static void test_json_string_values(void **state)
{
  /* Outside a string a value stays raw: the capabilities list. */
  assert_json_renders("{\"bounding\": [${CAPS}]}",
                      "{\"bounding\": [\"CAP_CHOWN\",\n\"CAP_KILL\"\n]}");
  assert_json_renders("{\"path\": \"$SAFE/data\"}", "{\"path\": \"/var/lib/x \xc3\xa9/data\"}");
  assert_json_refuses("{\"a\": \"$QUOTE\"}", 8, "QUOTE");
  assert_json_refuses("{\"a\": \"x$BACKSLASH\"}", 9, "BACKSLASH");
  assert_json_refuses("{\"a\": \"${TAB}\"}", 8, "TAB");
  /* An escaped quote in the template does not end the string. */
  assert_json_refuses("{\"a\": \"\\\" $QUOTE\"}", 11, "QUOTE");
  /* An escaped backslash does not escape the closing quote. */
  assert_json_renders("{\"a\": \"\\\\\", \"b\": [$CAPS]}",
                      "{\"a\": \"\\\\\", \"b\": [\"CAP_CHOWN\",\n\"CAP_KILL\"\n]}");
  /* `$$` is a literal `$` in a string. */
  assert_json_refuses("{\"a\": \"$$ $QUOTE\"}", 11, "QUOTE");
  /* Without the flag nothing is checked. */
  rendered res = render_basic("{\"a\": \"$X\"}", 0);
  assert_int_equal(res.r, 0);
  rendered_free(&res);
}

/* A backslash just before a placeholder escapes the value's first
 * character, not the quote after the placeholder: the string still ends
 * there, and a later placeholder inside a string is still checked. */
static void test_json_escape_before_placeholder(void **state)
{
  assert_json_refuses("{\"a\": \"\\$N\", \"b\": \"$QUOTE\"}", 20, "QUOTE");
  assert_json_refuses("{\"a\": \"\\${N}\", \"b\": \"$QUOTE\"}", 22, "QUOTE");
  /* An empty value leaves the escape to the next literal character. */
  assert_json_refuses("{\"a\": \"\\${EMPTY}\", $QUOTE\"}", 20, "QUOTE");
  /* A raw value outside a string that holds quotes is followed too. */
  assert_json_renders("[$CAPS, \"$SAFE\"]",
                      "[\"CAP_CHOWN\",\n\"CAP_KILL\"\n, \"/var/lib/x \xc3\xa9\"]");
  assert_json_refuses("[$CAPS, \"$QUOTE\"]", 10, "QUOTE");
}

/* ---- bytes in, bytes out ---- */

static void test_empty_template(void **state)
{
  sc_values *v = sc_values_new();
  sc_error err = SC_ERROR_INIT;
  char *out = NULL;
  size_t out_len = 99;
  assert_int_equal(sc_template_render("", 0, "empty", v, 0, &out, &out_len, &err), 0);
  assert_non_null(out);
  assert_int_equal(out_len, 0);
  assert_string_equal(out, "");
  free(out);
  /* NULL values: nothing is defined, a template without placeholders still renders. */
  assert_int_equal(sc_template_render("abc", 3, "t", NULL, 0, &out, &out_len, &err), 0);
  assert_string_equal(out, "abc");
  free(out);
  sc_values_free(v);
}

static void test_no_placeholder_is_byte_identical(void **state)
{
  /* Every byte value but '$', including NUL and invalid UTF-8. */
  char text[255];
  size_t n = 0;
  for (int c = 0; c < 256; c++)
    if (c != '$')
      text[n++] = (char)c;
  assert_int_equal(n, sizeof text);
  sc_values *v = sc_values_new();
  sc_error err = SC_ERROR_INIT;
  char *out = NULL;
  size_t out_len = 0;
  assert_int_equal(
      sc_template_render(text, n, "t", v, SC_TEMPLATE_SINGLE_LINE_VALUES, &out, &out_len, &err), 0);
  assert_int_equal(out_len, n);
  assert_memory_equal(out, text, n);
  assert_int_equal(out[n], '\0');
  free(out);
  sc_values_free(v);
}

static void test_embedded_nul(void **state)
{
  static const char text[] = "a\0$X\0${Y}$$\0";
  static const char expected[] = "a\0x\0yy$\0";
  sc_values *v = values_of(basic_values, sizeof basic_values / sizeof basic_values[0]);
  rendered res = render_with(text, sizeof text - 1, v, 0);
  assert_int_equal(res.r, 0);
  assert_int_equal(res.out_len, sizeof expected - 1);
  assert_memory_equal(res.out, expected, sizeof expected - 1);
  rendered_free(&res);
  /* The length bounds the text: a `$` past len is not read. */
  res = render_with("ab$", 2, v, 0);
  assert_int_equal(res.r, 0);
  assert_string_equal(res.out, "ab");
  rendered_free(&res);
  res = render_with("${X}", 3, v, 0); /* "${X" */
  assert_int_equal(res.r, -1);
  rendered_free(&res);
  res = render_with("$Xy", 2, v, 0); /* "$X", not "$Xy" */
  assert_int_equal(res.r, 0);
  assert_string_equal(res.out, "x");
  rendered_free(&res);
  sc_values_free(v);
}

static void test_large_template(void **state)
{
  /* Many placeholders and a long value: the output grows correctly. */
  char big_value[5000];
  memset(big_value, 'v', sizeof big_value - 1);
  big_value[sizeof big_value - 1] = '\0';
  sc_values *v = sc_values_new();
  sc_values_set(v, "BIG", big_value);
  sc_buf text = SC_BUF_INIT;
  for (int i = 0; i < 200; i++)
    sc_buf_puts(&text, "$BIG$$");
  rendered res = render_with(text.data, text.len, v, 0);
  assert_int_equal(res.r, 0);
  assert_int_equal(res.out_len, 200 * (sizeof big_value - 1 + 1));
  assert_int_equal(strlen(res.out), res.out_len);
  assert_int_equal(res.out[sizeof big_value - 1], '$');
  rendered_free(&res);
  sc_buf_free(&text);
  sc_values_free(v);
}

/* ---- sc_template_scan ---- */

typedef struct scan_log {
  sc_placeholder seen[16];
  size_t count;
  size_t stop_at; /* return non-zero on this visit (1-based), 0: never */
} scan_log;

static int scan_record(const sc_placeholder *ph, void *user)
{
  scan_log *log = user;
  assert_true(log->count < 16);
  log->seen[log->count++] = *ph;
  return log->count == log->stop_at ? 42 : 0;
}

static void assert_placeholder(const sc_placeholder *ph, sc_placeholder_kind kind, const char *name,
                               bool braced, size_t offset, int line, int col)
{
  assert_int_equal(ph->kind, kind);
  if (name) {
    assert_int_equal(ph->name_len, strlen(name));
    assert_memory_equal(ph->name, name, ph->name_len);
  } else {
    assert_int_equal(ph->name_len, 0);
  }
  assert_int_equal(ph->braced, braced);
  assert_int_equal(ph->offset, offset);
  assert_int_equal(ph->line, line);
  assert_int_equal(ph->col, col);
}

static void test_scan_visits_every_placeholder(void **state)
{
  /* Offsets in bytes, columns in characters. */
  static const char text[] = "\xc3\xa9 $A ${B_1}$$ $1\n$\n  ${C $$$D";
  scan_log log = {0};
  assert_int_equal(sc_template_scan(text, sizeof text - 1, scan_record, &log), 0);
  assert_int_equal(log.count, 6);
  assert_placeholder(&log.seen[0], SC_PLACEHOLDER_VARIABLE, "A", false, 3, 1, 3);
  assert_placeholder(&log.seen[1], SC_PLACEHOLDER_VARIABLE, "B_1", true, 6, 1, 6);
  assert_placeholder(&log.seen[2], SC_PLACEHOLDER_INVALID, NULL, false, 15, 1, 15);
  assert_placeholder(&log.seen[3], SC_PLACEHOLDER_INVALID, NULL, false, 18, 2, 1);
  assert_placeholder(&log.seen[4], SC_PLACEHOLDER_INVALID, NULL, false, 22, 3, 3);
  assert_placeholder(&log.seen[5], SC_PLACEHOLDER_VARIABLE, "D", false, 28, 3, 9);
  /* name points into the text */
  assert_ptr_equal(log.seen[1].name, text + 8);
}

static void test_scan_stops_on_nonzero(void **state)
{
  static const char text[] = "$A $1 $B $C";
  scan_log log = {.stop_at = 2};
  assert_int_equal(sc_template_scan(text, sizeof text - 1, scan_record, &log), 42);
  assert_int_equal(log.count, 2);
  assert_placeholder(&log.seen[1], SC_PLACEHOLDER_INVALID, NULL, false, 3, 1, 4);

  log = (scan_log){.stop_at = 1};
  assert_int_equal(sc_template_scan(text, sizeof text - 1, scan_record, &log), 42);
  assert_int_equal(log.count, 1);
}

static void test_scan_nothing(void **state)
{
  scan_log log = {0};
  assert_int_equal(sc_template_scan("", 0, scan_record, &log), 0);
  assert_int_equal(sc_template_scan("no placeholder $$ here", 22, scan_record, &log), 0);
  assert_int_equal(log.count, 0);
  /* A `$` at the very end is reported. */
  assert_int_equal(sc_template_scan("end $", 5, scan_record, &log), 0);
  assert_int_equal(log.count, 1);
  assert_placeholder(&log.seen[0], SC_PLACEHOLDER_INVALID, NULL, false, 4, 1, 5);
}

/* ---- sc_template_is_identifier ---- */

static void test_is_identifier(void **state)
{
  static const char *const good[] = {"X",    "x",          "_",           "_1", "_a1_B2",
                                     "NAME", "EXEC_START", "a0123456789", "Z_z"};
  static const char *const bad[] = {"",   "1",  "1X",  "-",  "X-Y",      "X Y",       " X",
                                    "X ", "$X", "{X}", "X.", "\xc3\xa9", "X\xc3\xa9", "X\n"};
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
    if (!sc_template_is_identifier(good[i], strlen(good[i])))
      fail_msg("'%s' should be an identifier", good[i]);
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    if (sc_template_is_identifier(bad[i], strlen(bad[i])))
      fail_msg("'%s' should not be an identifier", bad[i]);
  /* The length bounds the name. */
  assert_true(sc_template_is_identifier("AB-", 2));
  assert_false(sc_template_is_identifier("AB", 0));
  assert_false(sc_template_is_identifier("A\0B", 3));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_python_table),
      cmocka_unit_test(test_substitution),
      cmocka_unit_test(test_value_not_expanded_again),
      cmocka_unit_test(test_lookup_is_case_sensitive),
      cmocka_unit_test(test_invalid_placeholders),
      cmocka_unit_test(test_positions_count_characters),
      cmocka_unit_test(test_first_problem_wins),
      cmocka_unit_test(test_undefined_variable),
      cmocka_unit_test(test_single_line_values),
      cmocka_unit_test(test_json_string_values),
      cmocka_unit_test(test_json_escape_before_placeholder),
      cmocka_unit_test(test_empty_template),
      cmocka_unit_test(test_no_placeholder_is_byte_identical),
      cmocka_unit_test(test_embedded_nul),
      cmocka_unit_test(test_large_template),
      cmocka_unit_test(test_scan_visits_every_placeholder),
      cmocka_unit_test(test_scan_stops_on_nonzero),
      cmocka_unit_test(test_scan_nothing),
      cmocka_unit_test(test_is_identifier),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
