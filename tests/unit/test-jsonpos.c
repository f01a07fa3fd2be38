/* test-jsonpos.c: locating key paths in JSON-like template text, which is
 * not JSON before rendering (`[${CAPS}]`, `$ADDTL_MOUNTS`). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "jsonpos.h"

static size_t find(const char *text, const sc_jsonpos_step *path, size_t depth, sc_jsonpos *pos)
{
  return sc_jsonpos_find(text, strlen(text), path, depth, pos);
}

static void test_nested_key(void **state)
{
  const char *text = "{\n"
                     "  \"process\": {\"terminal\": false},\n"
                     "  \"root\": {\n"
                     "    \"path\": \"rootfs\",\n"
                     "    \"readonly\": false\n"
                     "  }\n"
                     "}\n";
  sc_jsonpos_step path[] = {SC_JSONPOS_KEY("root"), SC_JSONPOS_KEY("readonly")};
  sc_jsonpos pos;
  assert_int_equal(find(text, path, 2, &pos), 2);
  assert_int_equal(pos.key_line, 5);
  assert_int_equal(pos.key_col, 5);
  assert_int_equal(pos.value_line, 5);
  assert_int_equal(pos.value_col, 17);
  assert_int_equal(pos.value_len, 5);
  assert_memory_equal(text + pos.value_offset, "false", 5);
}

/* Placeholders that are not JSON come before and after the target. */
static void test_template_text(void **state)
{
  const char *text =
      "{\"process\": {\"capabilities\": {\"bounding\": [${ALL_PROCESS_CAPABILITIES}]},\n"
      " \"args\": [\"/x\"]},\n"
      " \"mounts\": [\n"
      "  {\"type\": \"proc\"},\n"
      "  {\"type\": \"bind\", \"source\": \"$RUN_DIRECTORY/a\"},\n"
      "  {\"destination\": \"/d\", \"type\": \"rbind\"}\n"
      "  $ADDTL_MOUNTS\n"
      " ],\n"
      " \"linux\": {\"selinuxProcessLabel\": \"x\"}\n"
      "}\n";
  sc_jsonpos pos;
  sc_jsonpos_step type[] = {SC_JSONPOS_KEY("mounts"), SC_JSONPOS_INDEX(2), SC_JSONPOS_KEY("type")};
  assert_int_equal(find(text, type, 3, &pos), 3);
  assert_int_equal(pos.value_line, 6);
  assert_int_equal(pos.value_col, 33);
  sc_jsonpos_step args[] = {SC_JSONPOS_KEY("process"), SC_JSONPOS_KEY("args"), SC_JSONPOS_INDEX(0)};
  assert_int_equal(find(text, args, 3, &pos), 3);
  assert_int_equal(pos.value_line, 2);
  assert_int_equal(pos.value_col, 11);
  sc_jsonpos_step selinux[] = {SC_JSONPOS_KEY("linux"), SC_JSONPOS_KEY("selinuxProcessLabel")};
  assert_int_equal(find(text, selinux, 2, &pos), 2);
  assert_int_equal(pos.key_line, 9);
  assert_int_equal(pos.key_col, 12);
  sc_jsonpos_step source[] = {SC_JSONPOS_KEY("mounts"), SC_JSONPOS_INDEX(1),
                              SC_JSONPOS_KEY("source")};
  assert_int_equal(find(text, source, 3, &pos), 3);
  assert_int_equal(pos.value_len, strlen("\"$RUN_DIRECTORY/a\""));
}

/* Columns count characters, not bytes; escaped quotes do not end strings. */
static void test_utf8_and_escapes(void **state)
{
  const char *text = "{\"d\": \"h\u00e9\u00e9 \\\"{[\", \"k\": 1}";
  sc_jsonpos_step path[] = {SC_JSONPOS_KEY("k")};
  sc_jsonpos pos;
  assert_int_equal(find(text, path, 1, &pos), 1);
  assert_int_equal(pos.key_line, 1);
  assert_int_equal(pos.key_col, 19);
  assert_int_equal(pos.value_col, 24);
  sc_jsonpos_step escaped[] = {SC_JSONPOS_KEY("a\"b")};
  assert_int_equal(find("{\"a\\\"b\": 2}", escaped, 1, &pos), 1);
  assert_int_equal(pos.value_col, 10);
}

/* A missing key: the deepest part found is described. */
static void test_partial(void **state)
{
  const char *text = "{\n  \"root\": {\"path\": \"rootfs\"}\n}";
  sc_jsonpos_step path[] = {SC_JSONPOS_KEY("root"), SC_JSONPOS_KEY("readonly")};
  sc_jsonpos pos;
  assert_int_equal(find(text, path, 2, &pos), 1);
  assert_int_equal(pos.key_line, 2);
  assert_int_equal(pos.key_col, 3);
  assert_int_equal(pos.value_col, 11);
  sc_jsonpos_step other[] = {SC_JSONPOS_KEY("nothere")};
  assert_int_equal(find(text, other, 1, &pos), 0);
  assert_int_equal(pos.value_line, 1);
  assert_int_equal(pos.value_col, 1);
  sc_jsonpos_step index[] = {SC_JSONPOS_KEY("root"), SC_JSONPOS_INDEX(0)};
  assert_int_equal(find(text, index, 2, &pos), 1); /* not an array */
}

static void test_array_index_past_end(void **state)
{
  sc_jsonpos_step path[] = {SC_JSONPOS_KEY("a"), SC_JSONPOS_INDEX(3)};
  sc_jsonpos pos;
  assert_int_equal(find("{\"a\": [1, [2, 3], {\"x\": 4}]}", path, 2, &pos), 1);
  sc_jsonpos_step third[] = {SC_JSONPOS_KEY("a"), SC_JSONPOS_INDEX(2), SC_JSONPOS_KEY("x")};
  assert_int_equal(find("{\"a\": [1, [2, 3], {\"x\": 4}]}", third, 3, &pos), 3);
  assert_int_equal(pos.value_col, 25);
}

static void test_text_position(void **state)
{
  int line, col;
  const char *text = "ab\n\u00e9x\ny";
  sc_text_position(text, strlen(text), 5, &line, &col);
  assert_int_equal(line, 2);
  assert_int_equal(col, 2);
  sc_text_position(text, strlen(text), 1000, &line, &col);
  assert_int_equal(line, 3);
  assert_int_equal(col, 2);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_nested_key),           cmocka_unit_test(test_template_text),
      cmocka_unit_test(test_utf8_and_escapes),     cmocka_unit_test(test_partial),
      cmocka_unit_test(test_array_index_past_end), cmocka_unit_test(test_text_position),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
