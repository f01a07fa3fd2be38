/* test-toml.c: the registries.conf subset of TOML (toml.h): what it reads
 * into JSON, and the FILE:LINE:COL of what it refuses. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "toml.h"
#include "util.h"

/* text parses to the JSON document want (compact, sorted keys). */
static void expect_json(const char *text, const char *want)
{
  sc_error err = SC_ERROR_INIT;
  json_t *doc = sc_toml_parse(text, strlen(text), "t.conf", &err);
  if (doc == NULL)
    fail_msg("%s: %s", text, err.msg);
  char *got = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
  if (strcmp(got, want) != 0)
    fail_msg("%s\n got: %s\nwant: %s", text, got, want);
  free(got);
  json_decref(doc);
}

/* text is refused with exactly the message want. */
static void expect_error(const char *text, const char *want)
{
  sc_error err = SC_ERROR_INIT;
  json_t *doc = sc_toml_parse(text, strlen(text), "t.conf", &err);
  if (doc != NULL)
    fail_msg("accepted: %s", text);
  char *got = xasprintf("%s:%d:%d: %s", err.file, err.line, err.col, err.msg);
  sc_error_clear(&err);
  if (strcmp(got, want) != 0)
    fail_msg("%s\n got: %s\nwant: %s", text, got, want);
  free(got);
}

static void test_values(void **state)
{
  (void)state;
  expect_json("", "{}");
  expect_json("# only a comment\n\n", "{}");
  expect_json("a = \"x\"\nb = 'c:\\\\d'\nc = true\nd = false\n",
              "{\"a\":\"x\",\"b\":\"c:\\\\\\\\d\",\"c\":true,\"d\":false}");
  expect_json("s = \"tab\\there \\\"q\\\" \\u00e9 \\U0001F600\"",
              "{\"s\":\"tab\\there \\\"q\\\" \xc3\xa9 \xf0\x9f\x98\x80\"}");
  expect_json("a = [\"x\", 'y',\n  # comment\n  \"z\", ]\nb = []\n",
              "{\"a\":[\"x\",\"y\",\"z\"],\"b\":[]}");
  expect_json("a = [[\"x\"], [true]]", "{\"a\":[[\"x\"],[true]]}");
  expect_json("\"quoted key\" = \"v\" # trailing\r\n'lit.key' = \"w\"",
              "{\"lit.key\":\"w\",\"quoted key\":\"v\"}");
  expect_json("a.b.c = \"v\"\na.b.d = \"w\"", "{\"a\":{\"b\":{\"c\":\"v\",\"d\":\"w\"}}}");
}

static void test_tables(void **state)
{
  (void)state;
  expect_json("top = \"t\"\n[aliases]\n\"busybox\" = \"docker.io/library/busybox\"\n",
              "{\"aliases\":{\"busybox\":\"docker.io/library/busybox\"},\"top\":\"t\"}");
  expect_json("[[registry]]\nprefix = \"a\"\n[[registry.mirror]]\nlocation = \"m1\"\n"
              "[[registry.mirror]]\nlocation = \"m2\"\n[[registry]]\nprefix = \"b\"\n",
              "{\"registry\":[{\"mirror\":[{\"location\":\"m1\"},{\"location\":\"m2\"}],"
              "\"prefix\":\"a\"},{\"prefix\":\"b\"}]}");
  expect_json("[a.b]\nx = true\n[a]\ny = true", "{\"a\":{\"b\":{\"x\":true},\"y\":true}}");
  expect_json("[ \"q\" . r ]\n", "{\"q\":{\"r\":{}}}");
}

static void test_errors(void **state)
{
  (void)state;
  expect_error("a = 1", "t.conf:1:5: numbers and dates are not supported here: registries.conf "
                        "takes strings, booleans and arrays");
  expect_error("\na = {x = \"y\"}", "t.conf:2:5: inline tables are not supported here: write a "
                                    "[table]");
  expect_error("a = \"\"\"x\"\"\"", "t.conf:1:5: multi-line strings are not supported here");
  expect_error("a = \"x\nb = 1", "t.conf:1:5: string not closed on its line");
  expect_error("a = \"x\" b", "t.conf:1:9: expected the end of the line, found 'b'");
  expect_error("a = \"x\"\na = \"y\"", "t.conf:2:1: key 'a' is defined twice");
  expect_error("[t]\n[t]", "t.conf:2:1: table [t] is defined twice");
  expect_error("a = \"x\"\n[a]", "t.conf:2:1: table [a] is defined twice");
  expect_error("a = []\n[[a]]", "t.conf:2:1: 'a' is already defined, not as an array of tables");
  expect_error("a = \"x\"\n[a.b]", "t.conf:2:1: 'a' is already a value, not a table");
  expect_error("[t\nx = true", "t.conf:1:3: expected ']' to close the table header");
  expect_error("[[t]\n", "t.conf:1:4: expected ']]' to close the table header");
  expect_error("a = [\"x\" \"y\"]", "t.conf:1:10: expected ',' or ']' in an array");
  expect_error("a = \"\\q\"", "t.conf:1:7: unknown escape '\\q' in a string");
  expect_error("a = \"\\uD800\"", "t.conf:1:12: \\u escape of U+D800, which is not a Unicode "
                                  "scalar value");
  expect_error("a = \"\\u12\"", "t.conf:1:10: \\u takes 4 hexadecimal digits");
  expect_error("a = \"\xff\"", "t.conf:1:5: string is not valid UTF-8 or holds a NUL");
  expect_error("\xc3\xa9 = \"x\"", "t.conf:1:1: expected a key, found another character");
  expect_error("a = \"\xc3\xa9\" !", "t.conf:1:9: expected the end of the line, found '!'");
  expect_error("a = \"\\u0000\"", "t.conf:1:5: string is not valid UTF-8 or holds a NUL");
  expect_error("= \"x\"", "t.conf:1:1: expected a key, found another character");
  expect_error("a \"x\"", "t.conf:1:3: expected '=' after the key");
  expect_error("a =", "t.conf:1:4: expected a value (a \"string\", true, false or an [array])");
  expect_error("a = truex", "t.conf:1:5: expected a value (a \"string\", true, false or an "
                            "[array])");
  expect_error("# \x01", "t.conf:1:3: control character in a comment");
  expect_error("x = \"a\tb\x02\"", "t.conf:1:9: control character in a string (write it as an "
                                   "escape)");
}

static void test_limits(void **state)
{
  (void)state;
  sc_buf deep = SC_BUF_INIT;
  sc_buf_puts(&deep, "a = ");
  for (int i = 0; i < 100; i++)
    sc_buf_putc(&deep, '[');
  expect_error(deep.data, "t.conf:1:21: arrays nested deeper than 16");
  sc_buf_free(&deep);
  const char nul[] = "a = \"x\"\nb\0 = \"y\"";
  sc_error err = SC_ERROR_INIT;
  assert_null(sc_toml_parse(nul, sizeof nul - 1, "t.conf", &err));
  assert_string_equal(err.msg, "NUL byte in the file");
  assert_int_equal(err.line, 2);
  assert_int_equal(err.col, 2);
  sc_error_clear(&err);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_values),
      cmocka_unit_test(test_tables),
      cmocka_unit_test(test_errors),
      cmocka_unit_test(test_limits),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
