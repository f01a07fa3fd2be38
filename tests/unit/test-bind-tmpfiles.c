/* test-bind-tmpfiles.c: the tmpfiles.d lines written for missing bind
 * sources when an image has no tmpfiles.template (runtime/bind-tmpfiles.h),
 * byte for byte as atomic's _generate_tmpfiles_data writes them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "bind-tmpfiles.h"
#include "util.h"

static char *lines_of(const char *config_text, sc_error *err)
{
  json_error_t jerr;
  json_t *config = json_loads(config_text, 0, &jerr);
  assert_non_null(config);
  char *out = NULL;
  int r = sc_bind_tmpfiles_lines(config, 12, 34, &out, err);
  json_decref(config);
  return r == 0 ? out : NULL;
}

static void test_missing_bind_sources_in_order(void **state)
{
  (void)state;
  sc_error err = SC_ERROR_INIT;
  char *lines = lines_of(
      "{\"mounts\": ["
      "{\"type\": \"bind\", \"source\": \"/nonexistent/sc-a\", \"destination\": \"/a\"},"
      "{\"type\": \"proc\", \"source\": \"/nonexistent/proc\", \"destination\": \"/proc\"},"
      "{\"type\": \"bind\", \"source\": \"/\", \"destination\": \"/host\"},"
      "{\"source\": \"/nonexistent/untyped\", \"destination\": \"/u\"},"
      "{\"type\": \"rbind\", \"source\": \"/nonexistent/sc-b\", \"destination\": \"/b\"}]}",
      &err);
  assert_non_null(lines);
  assert_string_equal(lines, "d    /nonexistent/sc-a   0700 12 34 - -\n"
                             "d    /nonexistent/sc-b   0700 12 34 - -\n");
  free(lines);
}

static void test_nothing_missing_is_empty(void **state)
{
  (void)state;
  sc_error err = SC_ERROR_INIT;
  const char *configs[] = {"{}", "{\"mounts\": 3}",
                           "{\"mounts\": [{\"type\": \"bind\", \"source\": \"/\"}]}"};
  for (size_t i = 0; i < 3; i++) {
    char *lines = lines_of(configs[i], &err);
    assert_non_null(lines);
    assert_string_equal(lines, "");
    free(lines);
  }
}

static void test_unnameable_source_is_an_error(void **state)
{
  (void)state;
  const char *configs[] = {
      "{\"mounts\": [{\"type\": \"bind\", \"source\": \"/nonexistent/a b\"}]}",
      "{\"mounts\": [{\"type\": \"bind\", \"source\": \"/nonexistent/a\\nL /x\"}]}",
      "{\"mounts\": [{\"type\": \"bind\", \"source\": \"relative/nonexistent\"}]}"};
  for (size_t i = 0; i < 3; i++) {
    sc_error err = SC_ERROR_INIT;
    assert_null(lines_of(configs[i], &err));
    assert_non_null(strstr(err.msg, "mounts[0]"));
    assert_non_null(strstr(err.msg, "tmpfiles.template"));
    sc_error_clear(&err);
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_missing_bind_sources_in_order),
      cmocka_unit_test(test_nothing_missing_is_empty),
      cmocka_unit_test(test_unnameable_source_is_an_error),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
