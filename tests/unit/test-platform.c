/* test-platform.c: platform lists (platform.h) as --platform P1,P2 and
 * sc-build.json "platforms" give them: normalised, each once, in order;
 * and the per-platform tree's name (project.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "platform.h"
#include "project.h"
#include "util.h"

static void test_list(void **state)
{
  (void)state;
  sc_platforms list;
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(
      sc_platforms_parse_list("linux/amd64,linux/aarch64,linux/x86_64,linux/armhf", &list, &err),
      0);
  assert_int_equal(list.count, 3); /* x86_64 is amd64: taken once */
  _cleanup_free_ char *a = sc_platform_format(&list.items[0]);
  _cleanup_free_ char *b = sc_platform_format(&list.items[1]);
  _cleanup_free_ char *c = sc_platform_format(&list.items[2]);
  assert_string_equal(a, "linux/amd64");
  assert_string_equal(b, "linux/arm64");
  assert_string_equal(c, "linux/arm/v7");
  _cleanup_free_ char *tree = sc_project_platform_rootfs_name(&list.items[2]);
  assert_string_equal(tree, "rootfs.linux-arm-v7");
  sc_platforms_clear(&list);
}

static void test_bad_lists(void **state)
{
  (void)state;
  const char *bad[] = {",", "linux", "linux/amd64,linux", "linux/amd64,/arm64", "linux/x 86"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    sc_platforms list;
    sc_error err = SC_ERROR_INIT;
    assert_int_equal(sc_platforms_parse_list(bad[i], &list, &err), -1);
    assert_int_equal(err.code, SC_E_USAGE);
    assert_int_equal(list.count, 0);
    sc_error_clear(&err);
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_list),
      cmocka_unit_test(test_bad_lists),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
