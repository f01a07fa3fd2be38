/* test-manifest.c: parsing manifest.json: values and defaults, syntax
 * errors with their position, wrong types as errors and unknown keys as
 * warnings, each at the line and column of the key or value. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <sc/manifest.h>
#include "diag-internal.h"
#include "manifest-internal.h"

static sc_manifest *parse_ok(const char *text, sc_diags *diags)
{
  sc_manifest *m = NULL;
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_manifest_parse(text, strlen(text), "p/manifest.json", &m, diags, &err), 0);
  assert_non_null(m);
  return m;
}

static void assert_diag(const sc_diags *diags, size_t i, sc_diag_severity severity, int line,
                        int col, const char *substring)
{
  assert_true(i < diags->count);
  const sc_diag *d = &diags->items[i];
  assert_int_equal(d->severity, severity);
  assert_string_equal(d->file, "p/manifest.json");
  assert_int_equal(d->line, line);
  assert_int_equal(d->col, col);
  if (strstr(d->msg, substring) == NULL)
    fail_msg("'%s' not in '%s'", substring, d->msg);
}

static void test_full(void **state)
{
  sc_diags diags = SC_DIAGS_INIT;
  sc_manifest *m = parse_ok("{\"version\": \"1.0\",\n"
                            " \"defaultValues\": {\"PORT\": \"8081\", \"RECEIVER\": \"World\"},\n"
                            " \"installedFilesTemplate\": [\"/etc/a.conf\", \"/etc/b\"],\n"
                            " \"renameFiles\": {\"/usr/bin/x\": \"/usr/bin/${NAME}\"},\n"
                            " \"useLinks\": false, \"noContainerService\": true}\n",
                            &diags);
  assert_int_equal(diags.count, 0);
  assert_string_equal(m->version, "1.0");
  assert_true(m->has_default_values);
  assert_int_equal(sc_values_count(m->default_values), 2);
  assert_string_equal(sc_values_get(m->default_values, "RECEIVER"), "World");
  assert_int_equal(m->installed_files_count, 2);
  assert_string_equal(m->installed_files_template[1], "/etc/b");
  assert_null(m->installed_files_template[2]);
  assert_string_equal(sc_values_get(m->rename_files, "/usr/bin/x"), "/usr/bin/${NAME}");
  assert_false(m->use_links);
  assert_true(m->no_container_service);
  sc_manifest_free(m);
}

/* atomic's defaults, and the warning for a manifest without defaultValues. */
static void test_defaults_and_missing_default_values(void **state)
{
  sc_diags diags = SC_DIAGS_INIT;
  sc_manifest *m = parse_ok("\n  {\"version\": \"1.0\"}", &diags);
  assert_true(m->use_links);
  assert_false(m->no_container_service);
  assert_false(m->has_default_values);
  assert_int_equal(m->installed_files_count, 0);
  assert_non_null(m->installed_files_template);
  assert_int_equal(diags.count, 1);
  assert_diag(&diags, 0, SC_DIAG_WARNING, 2, 3, "write \"defaultValues\": {}");
  sc_manifest_free(m);
  sc_diags_clear(&diags);
}

static void test_syntax_error(void **state)
{
  const char *text = "{\n  \"version\": \"1.0\",\n  \"defaultValues\": {\"A\": x}\n}\n";
  sc_manifest *m = NULL;
  sc_error err = SC_ERROR_INIT;
  sc_diags diags = SC_DIAGS_INIT;
  assert_int_equal(sc_manifest_parse(text, strlen(text), "p/manifest.json", &m, &diags, &err), -1);
  assert_null(m);
  assert_string_equal(err.file, "p/manifest.json");
  assert_int_equal(err.line, 3);
  assert_int_equal(err.col, 26);
  assert_non_null(strstr(err.msg, "not valid JSON"));
  sc_error_clear(&err);
  assert_int_equal(sc_manifest_parse("[1]", 3, "p/manifest.json", &m, &diags, &err), -1);
  assert_non_null(strstr(err.msg, "must be a JSON object"));
  assert_int_equal(err.line, 1);
  sc_error_clear(&err);
}

static void test_wrong_types(void **state)
{
  sc_diags diags = SC_DIAGS_INIT;
  sc_manifest *m = parse_ok("{\"version\": 1,\n"
                            " \"defaultValues\": {\"A\": \"a\", \"B\": 2},\n"
                            " \"installedFilesTemplate\": [\"/ok\", \"rel/x\", 3],\n"
                            " \"renameFiles\": [],\n"
                            " \"useLinks\": \"yes\",\n"
                            " \"noContainerService\": 0}\n",
                            &diags);
  assert_int_equal(diags.count, 7);
  assert_diag(&diags, 0, SC_DIAG_ERROR, 1, 13, "\"version\" must be a string");
  assert_diag(&diags, 1, SC_DIAG_ERROR, 2, 35, "defaultValues.B must be a string");
  assert_diag(&diags, 2, SC_DIAG_ERROR, 3, 36, "installedFilesTemplate[1] must be an absolute");
  assert_diag(&diags, 3, SC_DIAG_ERROR, 3, 45, "installedFilesTemplate[2]");
  assert_diag(&diags, 4, SC_DIAG_ERROR, 4, 17, "\"renameFiles\" must be an object");
  assert_diag(&diags, 5, SC_DIAG_ERROR, 5, 14, "\"useLinks\" must be true or false");
  assert_diag(&diags, 6, SC_DIAG_ERROR, 6, 24, "\"noContainerService\" must be true or false");
  /* What was wrong is ignored; what was right is kept. */
  assert_null(m->version);
  assert_string_equal(sc_values_get(m->default_values, "A"), "a");
  assert_false(sc_values_has(m->default_values, "B"));
  assert_int_equal(m->installed_files_count, 1);
  assert_true(m->use_links);
  sc_manifest_free(m);
  sc_diags_clear(&diags);
}

static void test_unknown_keys(void **state)
{
  sc_diags diags = SC_DIAGS_INIT;
  sc_manifest *m = parse_ok("{\"defaultValues\": {\"9X\": \"\"},\n   \"labels\": {}}", &diags);
  assert_int_equal(diags.count, 2);
  assert_diag(&diags, 0, SC_DIAG_WARNING, 1, 20, "not a variable name");
  assert_diag(&diags, 1, SC_DIAG_WARNING, 2, 4, "unknown key \"labels\"");
  sc_manifest_free(m);
  sc_diags_clear(&diags);
}

/* A host installer may not want diagnostics. */
static void test_no_diags(void **state)
{
  sc_manifest *m = parse_ok("{\"version\": 2, \"x\": 1}", NULL);
  assert_null(m->version);
  sc_manifest_free(m);
  sc_manifest_free(NULL);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_full),
      cmocka_unit_test(test_defaults_and_missing_default_values),
      cmocka_unit_test(test_syntax_error),
      cmocka_unit_test(test_wrong_types),
      cmocka_unit_test(test_unknown_keys),
      cmocka_unit_test(test_no_diags),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
