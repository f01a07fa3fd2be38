/* test-run.c: what `sc-build run` changes in a rendered config.json
 * (builder/run.c): the command, the terminal and its devpts, a writable
 * root, the network namespace and extra binds; and -v parsing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run.h"
#include "smoke.h"
#include "util.h"

static const char rendered[] =
    "{\"process\": {\"args\": [\"/usr/bin/hello-server\"], \"terminal\": false},"
    " \"root\": {\"path\": \"rootfs\", \"readonly\": true},"
    " \"mounts\": [{\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"}],"
    " \"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"network\"}]}}";

static json_t *adjusted(const sc_run_options *o)
{
  json_t *config = json_loads(rendered, 0, NULL);
  assert_non_null(config);
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_run_adjust_config(config, o, &err), 0);
  return config;
}

static size_t count_type(json_t *array, const char *key, const char *value)
{
  size_t n = 0, i;
  json_t *v;
  json_array_foreach(array, i, v)
  {
    const char *s = json_string_value(json_object_get(v, key));
    n += s && strcmp(s, value) == 0;
  }
  return n;
}

static void test_defaults_keep_the_image_s_process_and_root(void **state)
{
  (void)state;
  sc_run_options o = {0};
  json_t *c = adjusted(&o);
  json_t *args = json_object_get(json_object_get(c, "process"), "args");
  assert_string_equal(json_string_value(json_array_get(args, 0)), "/usr/bin/hello-server");
  assert_true(json_is_true(json_object_get(json_object_get(c, "root"), "readonly")));
  json_t *ns = json_object_get(json_object_get(c, "linux"), "namespaces");
  assert_int_equal(count_type(ns, "type", "network"), 1);
  assert_int_equal(json_array_size(json_object_get(c, "mounts")), 1);
  json_decref(c);
}

static void test_command_terminal_rw_and_net(void **state)
{
  (void)state;
  char *command[] = {"sh", "-c", "exit 3", NULL};
  sc_run_options o = {
      .command = command, .terminal = true, .writable = true, .net = SC_RUN_NET_HOST};
  json_t *c = adjusted(&o);
  json_t *process = json_object_get(c, "process");
  json_t *args = json_object_get(process, "args");
  assert_int_equal(json_array_size(args), 3);
  assert_string_equal(json_string_value(json_array_get(args, 2)), "exit 3");
  assert_true(json_is_true(json_object_get(process, "terminal")));
  assert_true(json_is_false(json_object_get(json_object_get(c, "root"), "readonly")));
  json_t *ns = json_object_get(json_object_get(c, "linux"), "namespaces");
  assert_int_equal(count_type(ns, "type", "network"), 0);
  assert_int_equal(count_type(json_object_get(c, "mounts"), "destination", "/dev/pts"), 1);
  json_decref(c);
  o.net = SC_RUN_NET_NONE;
  c = adjusted(&o);
  ns = json_object_get(json_object_get(c, "linux"), "namespaces");
  assert_int_equal(count_type(ns, "type", "network"), 1);
  json_decref(c);
}

static void test_binds_are_appended_read_only_when_asked(void **state)
{
  (void)state;
  sc_run_bind binds[2];
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_run_bind_parse("/usr:/usr:ro", &binds[0], &err), 0);
  assert_int_equal(sc_run_bind_parse("/tmp/../tmp:/mnt", &binds[1], &err), 0);
  assert_string_equal(binds[1].source, "/tmp");
  assert_false(binds[1].readonly);
  sc_run_options o = {.binds = binds, .bind_count = 2};
  json_t *c = adjusted(&o);
  json_t *mounts = json_object_get(c, "mounts");
  assert_int_equal(json_array_size(mounts), 3);
  json_t *ro = json_object_get(json_array_get(mounts, 1), "options");
  assert_string_equal(json_string_value(json_array_get(ro, 1)), "ro");
  assert_string_equal(json_string_value(json_object_get(json_array_get(mounts, 2), "type")),
                      "bind");
  json_decref(c);
  sc_run_bind_clear(&binds[0]);
  sc_run_bind_clear(&binds[1]);
}

static void test_bad_binds_are_usage_errors(void **state)
{
  (void)state;
  const char *bad[] = {"no-colon", ":/x", "/usr:relative", "/usr:/x:rx"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    sc_run_bind b;
    sc_error err = SC_ERROR_INIT;
    assert_int_equal(sc_run_bind_parse(bad[i], &b, &err), -1);
    assert_int_equal(err.code, SC_E_USAGE);
    sc_error_clear(&err);
  }
  sc_run_bind b;
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_run_bind_parse("/does/not/exist:/x", &b, &err), -1);
  assert_non_null(strstr(err.msg, "/does/not/exist"));
  sc_error_clear(&err);
}

static void test_a_config_without_process_is_refused(void **state)
{
  (void)state;
  json_t *config = json_object();
  sc_run_options o = {0};
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_run_adjust_config(config, &o, &err), -1);
  assert_non_null(strstr(err.msg, "no \"process\""));
  sc_error_clear(&err);
  json_decref(config);
}

/* The runtime named without a '/' is looked for in the search path the
 * caller gives, never in $PATH (the library reads no environment). */
static void test_runtime_is_found_in_the_given_search_path(void **state)
{
  (void)state;
  char dir[] = "/tmp/sc-test-search.XXXXXX";
  assert_non_null(mkdtemp(dir));
  _cleanup_free_ char *fake = xasprintf("%s/fake-runtime", dir);
  int fd = open(fake, O_WRONLY | O_CREAT | O_EXCL, 0755);
  assert_true(fd >= 0);
  assert_int_equal(sc_write_all(fd, "#!/bin/sh\nexit 3\n", 18), 0);
  close(fd);
  _cleanup_free_ char *saved = getenv("PATH") ? xstrdup(getenv("PATH")) : NULL;
  setenv("PATH", dir, 1);
  sc_error err = SC_ERROR_INIT;
  char *resolved = NULL;
  assert_int_equal(sc_smoke_preflight("fake-runtime", NULL, dir, &resolved, &err), -1);
  assert_non_null(strstr(err.msg, "not found"));
  sc_error_clear(&err);
  if (saved)
    setenv("PATH", saved, 1);
  /* found there: the preflight then runs it, and it fails to run a bundle */
  assert_int_equal(sc_smoke_preflight("fake-runtime", dir, dir, &resolved, &err), -1);
  assert_null(strstr(err.msg, "not found"));
  sc_error_clear(&err);
  free(resolved);
  sc_rm_rf_at(AT_FDCWD, dir, NULL);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_defaults_keep_the_image_s_process_and_root),
      cmocka_unit_test(test_command_terminal_rw_and_net),
      cmocka_unit_test(test_binds_are_appended_read_only_when_asked),
      cmocka_unit_test(test_bad_binds_are_usage_errors),
      cmocka_unit_test(test_a_config_without_process_is_refused),
      cmocka_unit_test(test_runtime_is_found_in_the_given_search_path),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
