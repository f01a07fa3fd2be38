/* test-values.c: the values map, `--set` parsing and how an install
 * computes the values, in atomic's _amend_values order (docs/design.md section
 * 2): saved, then --set; OS defaults; manifest defaults where still absent;
 * UUID; forced values last, with the start and stop lines byte for byte. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sc/install.h>
#include <sc/template.h>
#include <sc/values.h>

#include "diag-internal.h"
#include "util.h"

/* ---- the map ---- */

static void assert_keys(const sc_values *v, const char *const *keys, size_t n)
{
  assert_int_equal(sc_values_count(v), n);
  for (size_t i = 0; i < n; i++)
    assert_string_equal(sc_values_key_at(v, i), keys[i]);
  assert_null(sc_values_key_at(v, n));
  assert_null(sc_values_value_at(v, n));
}

static void test_map_keeps_insertion_order(void **state)
{
  sc_values *v = sc_values_new();
  assert_int_equal(sc_values_count(v), 0);
  assert_null(sc_values_get(v, "A"));
  assert_false(sc_values_has(v, "A"));
  /* More than the first allocation, in an order that is not sorted. */
  char key[16], value[16];
  for (int i = 40; i > 0; i--) {
    snprintf(key, sizeof key, "K%d", i);
    snprintf(value, sizeof value, "v%d", i);
    sc_values_set(v, key, value);
  }
  assert_int_equal(sc_values_count(v), 40);
  for (int i = 0; i < 40; i++) {
    snprintf(key, sizeof key, "K%d", 40 - i);
    snprintf(value, sizeof value, "v%d", 40 - i);
    assert_string_equal(sc_values_key_at(v, (size_t)i), key);
    assert_string_equal(sc_values_value_at(v, (size_t)i), value);
    assert_string_equal(sc_values_get(v, key), value);
  }
  sc_values_free(v);
  sc_values_free(NULL);
}

static void test_map_replace_keeps_position(void **state)
{
  sc_values *v = sc_values_new();
  sc_values_set(v, "A", "1");
  sc_values_set(v, "B", "2");
  sc_values_set(v, "C", "3");
  sc_values_set(v, "B", "two");
  sc_values_set(v, "A", "");
  static const char *const keys[] = {"A", "B", "C"};
  assert_keys(v, keys, 3);
  assert_string_equal(sc_values_get(v, "A"), "");
  assert_true(sc_values_has(v, "A")); /* an empty value is a value */
  assert_string_equal(sc_values_get(v, "B"), "two");
  assert_string_equal(sc_values_value_at(v, 1), "two");
  /* Keys are case-sensitive and stored by copy. */
  char key[] = "c";
  sc_values_set(v, key, "lower");
  key[0] = 'X';
  assert_string_equal(sc_values_get(v, "c"), "lower");
  assert_string_equal(sc_values_get(v, "C"), "3");
  assert_null(sc_values_get(v, "X"));
  sc_values_free(v);
}

static void test_map_copy_and_equal(void **state)
{
  sc_values *a = sc_values_new();
  sc_values_set(a, "A", "1");
  sc_values_set(a, "B", "2");
  sc_values *copy = sc_values_copy(a);
  assert_true(sc_values_equal(a, copy));
  static const char *const keys[] = {"A", "B"};
  assert_keys(copy, keys, 2);
  /* The copy is independent. */
  sc_values_set(copy, "A", "changed");
  assert_string_equal(sc_values_get(a, "A"), "1");
  assert_false(sc_values_equal(a, copy));
  sc_values_set(copy, "A", "1");
  assert_true(sc_values_equal(a, copy));
  sc_values_set(copy, "C", "3");
  assert_false(sc_values_equal(a, copy));
  assert_false(sc_values_equal(copy, a));

  /* Same pairs in another order: equal (a map, compared as one). */
  sc_values *reversed = sc_values_new();
  sc_values_set(reversed, "B", "2");
  sc_values_set(reversed, "A", "1");
  assert_true(sc_values_equal(a, reversed));
  /* Same count, a different key. */
  sc_values *other = sc_values_new();
  sc_values_set(other, "A", "1");
  sc_values_set(other, "Z", "2");
  assert_false(sc_values_equal(a, other));
  assert_false(sc_values_equal(other, a));

  /* NULL is an empty map. */
  sc_values *empty = sc_values_copy(NULL);
  assert_int_equal(sc_values_count(empty), 0);
  assert_true(sc_values_equal(empty, NULL));
  assert_true(sc_values_equal(NULL, NULL));
  assert_false(sc_values_equal(a, NULL));
  assert_int_equal(sc_values_count(NULL), 0);
  assert_null(sc_values_get(NULL, "A"));

  sc_values_free(a);
  sc_values_free(copy);
  sc_values_free(reversed);
  sc_values_free(other);
  sc_values_free(empty);
}

/* ---- --set KEY=VALUE ---- */

static void test_parse_assignment(void **state)
{
  sc_values *v = sc_values_new();
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_values_parse_assignment(v, "K=V", &err), 0);
  assert_int_equal(sc_values_parse_assignment(v, "EMPTY=", &err), 0);
  assert_int_equal(sc_values_parse_assignment(v, "EQ=a=b", &err), 0);
  assert_int_equal(sc_values_parse_assignment(v, "_x1=with space\nand line", &err), 0);
  assert_int_equal(sc_values_parse_assignment(v, "K=again", &err), 0);
  assert_int_equal(err.code, 0);
  static const char *const keys[] = {"K", "EMPTY", "EQ", "_x1"};
  assert_keys(v, keys, 4);
  assert_string_equal(sc_values_get(v, "K"), "again");
  assert_string_equal(sc_values_get(v, "EMPTY"), "");
  assert_string_equal(sc_values_get(v, "EQ"), "a=b"); /* split at the first '=' */
  assert_string_equal(sc_values_get(v, "_x1"), "with space\nand line");
  sc_values_free(v);
}

static void test_parse_assignment_refused(void **state)
{
  static const char *const bad[] = {"NOEQUALS", "",     "=V",   "1K=V",      "K-1=V",
                                    "K K=V",    " K=V", "$K=V", "\xc3\xa9=V"};
  sc_values *v = sc_values_new();
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    sc_error err = SC_ERROR_INIT;
    assert_int_equal(sc_values_parse_assignment(v, bad[i], &err), -1);
    assert_int_equal(err.code, SC_E_USAGE);
    assert_non_null(err.msg);
    /* The message quotes what was given. */
    char quoted[64];
    snprintf(quoted, sizeof quoted, "'%s'", bad[i]);
    if (strstr(err.msg, quoted) == NULL)
      fail_msg("message '%s' does not quote %s", err.msg, quoted);
    sc_error_clear(&err);
  }
  assert_int_equal(sc_values_count(v), 0);
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_values_parse_assignment(v, "NOEQUALS", &err), -1);
  assert_non_null(strstr(err.msg, "NAME=VALUE"));
  sc_error_clear(&err);
  sc_values_free(v);
}

/* ---- built-in names ---- */

static void test_builtin_names(void **state)
{
  static const char *const forced[] = {"DESTDIR",       "NAME",          "EXEC_START", "EXEC_STOP",
                                       "EXEC_STARTPRE", "EXEC_STOPPOST", "HOST_UID",   "HOST_GID",
                                       "IMAGE_ID",      "IMAGE_NAME"};
  static const char *const overridable[] = {"RUN_DIRECTORY",
                                            "PIDFILE",
                                            "CONF_DIRECTORY",
                                            "STATE_DIRECTORY",
                                            "ALL_PROCESS_CAPABILITIES",
                                            "RUNTIME",
                                            "ATOMIC",
                                            "UUID"};
  static const char *const neither[] = {"", "name", "PORT", "DESTDIR_", "EXEC", "CONFIG_DIRECTORY"};
  for (size_t i = 0; i < sizeof forced / sizeof forced[0]; i++) {
    assert_true(sc_values_is_forced(forced[i]));
    assert_true(sc_values_is_builtin(forced[i]));
  }
  for (size_t i = 0; i < sizeof overridable / sizeof overridable[0]; i++) {
    assert_false(sc_values_is_forced(overridable[i]));
    assert_true(sc_values_is_builtin(overridable[i]));
  }
  for (size_t i = 0; i < sizeof neither / sizeof neither[0]; i++) {
    assert_false(sc_values_is_forced(neither[i]));
    assert_false(sc_values_is_builtin(neither[i]));
  }
}

/* ---- sc_values_compute ---- */

typedef struct fixture {
  char caps_path[64]; /* a cap_last_cap file holding "37" */
  sc_values *set;
  sc_values *defaults;
  sc_values *saved;
  sc_values_context ctx;
  sc_diags warnings;
} fixture;

static int fixture_setup(void **state)
{
  fixture *f = calloc(1, sizeof *f);
  assert_non_null(f);
  snprintf(f->caps_path, sizeof f->caps_path, "/tmp/test-values-caps-XXXXXX");
  int fd = mkstemp(f->caps_path);
  assert_true(fd >= 0);
  assert_int_equal(sc_write_all(fd, "37\n", 3), 0);
  close(fd);
  f->set = sc_values_new();
  f->defaults = sc_values_new();
  f->ctx = (sc_values_context){
      .size = sizeof(sc_values_context),
      .name = "hello",
      .destdir = "/var/lib/containers/atomic/hello.0",
      .runtime_path = "/usr/bin/runc",
      .runtime_systemd_cgroup = true,
      .installer_path = "/usr/bin/atomic",
      .image_name = "docker.io/library/hello:1",
      .image_id = "0123abcd",
      .host_uid = 0,
      .host_gid = 0,
      .uuid = "11111111-2222-4333-8444-555555555555",
      .capabilities_path = f->caps_path,
      .set = f->set,
      .defaults = f->defaults,
  };
  f->warnings = (sc_diags)SC_DIAGS_INIT;
  *state = f;
  return 0;
}

static int fixture_teardown(void **state)
{
  fixture *f = *state;
  unlink(f->caps_path);
  sc_values_free(f->set);
  sc_values_free(f->defaults);
  sc_values_free(f->saved);
  sc_diags_clear(&f->warnings);
  free(f);
  return 0;
}

static sc_values *compute(fixture *f)
{
  sc_values *v = NULL;
  sc_error err = SC_ERROR_INIT;
  if (sc_values_compute(&f->ctx, &v, &f->warnings, &err) != 0)
    fail_msg("sc_values_compute: %s", err.msg);
  assert_non_null(v);
  return v;
}

static void assert_value(const sc_values *v, const char *key, const char *expected)
{
  const char *value = sc_values_get(v, key);
  if (value == NULL)
    fail_msg("%s has no value, expected '%s'", key, expected);
  if (strcmp(value, expected) != 0)
    fail_msg("%s is '%s', expected '%s'", key, value, expected);
}

static void test_compute_defaults(void **state)
{
  fixture *f = *state;
  sc_values *v = compute(f);
  assert_value(v, "RUN_DIRECTORY", "/run");
  assert_value(v, "PIDFILE", "/run/container-hello.pid");
  assert_value(v, "CONF_DIRECTORY", "/etc");
  assert_value(v, "STATE_DIRECTORY", "/var/lib");
  assert_value(v, "RUNTIME", "/usr/bin/runc");
  assert_value(v, "ATOMIC", "/usr/bin/atomic");
  assert_value(v, "UUID", "11111111-2222-4333-8444-555555555555");
  assert_value(v, "DESTDIR", "/var/lib/containers/atomic/hello.0");
  assert_value(v, "NAME", "hello");
  assert_value(v, "HOST_UID", "0");
  assert_value(v, "HOST_GID", "0");
  assert_value(v, "IMAGE_NAME", "docker.io/library/hello:1");
  assert_value(v, "IMAGE_ID", "0123abcd");
  assert_true(sc_values_has(v, "ALL_PROCESS_CAPABILITIES"));
  assert_int_equal(f->warnings.count, 0);
  /* Every built-in has a value, and nothing else. */
  assert_int_equal(sc_values_count(v), 18);
  for (size_t i = 0; i < sc_values_count(v); i++)
    assert_true(sc_values_is_builtin(sc_values_key_at(v, i)));
  sc_values_free(v);
}

static void test_compute_set_beats_manifest_defaults(void **state)
{
  fixture *f = *state;
  sc_values_set(f->defaults, "PORT", "8080");
  sc_values_set(f->defaults, "MODE", "default");
  sc_values_set(f->set, "PORT", "9090");
  sc_values_set(f->set, "EXTRA", "unused by any template");
  sc_values *v = compute(f);
  assert_value(v, "PORT", "9090");
  assert_value(v, "MODE", "default");
  assert_value(v, "EXTRA", "unused by any template");
  assert_int_equal(f->warnings.count, 0);
  /* --set pairs come first, in their order. */
  assert_string_equal(sc_values_key_at(v, 0), "PORT");
  assert_string_equal(sc_values_key_at(v, 1), "EXTRA");
  sc_values_free(v);
}

static void test_compute_manifest_cannot_change_os_default(void **state)
{
  fixture *f = *state;
  sc_values_set(f->defaults, "RUN_DIRECTORY", "/srv/run");
  sc_values_set(f->defaults, "PORT", "8080");
  sc_values *v = compute(f);
  assert_value(v, "RUN_DIRECTORY", "/run");
  assert_value(v, "PIDFILE", "/run/container-hello.pid");
  assert_value(v, "PORT", "8080");
  assert_int_equal(sc_diags_count(&f->warnings, SC_DIAG_WARNING), 1);
  assert_int_equal(sc_diags_count(&f->warnings, SC_DIAG_ERROR), 0);
  assert_non_null(strstr(f->warnings.items[0].msg, "'RUN_DIRECTORY'"));
  assert_string_equal(f->warnings.items[0].file, "manifest.json");
  sc_values_free(v);
}

static void test_compute_manifest_cannot_change_forced(void **state)
{
  fixture *f = *state;
  sc_values_set(f->defaults, "NAME", "other");
  sc_values_set(f->defaults, "EXEC_START", "/bin/sh -c evil");
  sc_values *v = compute(f);
  assert_value(v, "NAME", "hello");
  assert_value(v, "EXEC_START", "/usr/bin/runc --systemd-cgroup run 'hello'");
  assert_int_equal(sc_diags_count(&f->warnings, SC_DIAG_WARNING), 2);
  assert_non_null(strstr(f->warnings.items[0].msg, "'NAME'"));
  assert_non_null(strstr(f->warnings.items[1].msg, "'EXEC_START'"));
  sc_values_free(v);
}

static void test_compute_warnings_may_be_null(void **state)
{
  fixture *f = *state;
  sc_values_set(f->defaults, "RUN_DIRECTORY", "/srv/run");
  sc_values *v = NULL;
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_values_compute(&f->ctx, &v, NULL, &err), 0);
  assert_value(v, "RUN_DIRECTORY", "/run");
  sc_values_free(v);
}

/* atomic fills UUID after the manifest defaults, so a manifest UUID is used
 * (and every install of the image would share it: warned). */
static void test_compute_manifest_uuid(void **state)
{
  fixture *f = *state;
  f->ctx.uuid = NULL;
  sc_values_set(f->defaults, "UUID", "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee");
  sc_values *v = compute(f);
  assert_value(v, "UUID", "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee");
  assert_int_equal(sc_diags_count(&f->warnings, SC_DIAG_WARNING), 1);
  const char *msg = f->warnings.items[0].msg;
  assert_non_null(strstr(msg, "'UUID'"));
  if (strstr(msg, "ignored") != NULL)
    fail_msg("the manifest UUID is used, the warning says otherwise: %s", msg);
  sc_values_free(v);
}

static void test_compute_pidfile_follows_run_directory(void **state)
{
  fixture *f = *state;
  sc_values_set(f->set, "RUN_DIRECTORY", "/srv/run");
  f->ctx.service_template =
      "ExecStart=$EXEC_START\nExecStopPost=$EXEC_STOPPOST\nPIDFile=$PIDFILE\n";
  sc_values *v = compute(f);
  assert_value(v, "RUN_DIRECTORY", "/srv/run");
  assert_value(v, "PIDFILE", "/srv/run/container-hello.pid");
  assert_value(v, "EXEC_START",
               "/usr/bin/runc  --systemd-cgroup run -d --pid-file "
               "/srv/run/container-hello.pid 'hello'");
  sc_values_free(v);
}

static void test_compute_set_pidfile(void **state)
{
  fixture *f = *state;
  sc_values_set(f->set, "PIDFILE", "/x/y.pid");
  f->ctx.service_template = "$EXEC_STOPPOST $PIDFILE";
  sc_values *v = compute(f);
  assert_value(v, "RUN_DIRECTORY", "/run");
  assert_value(v, "PIDFILE", "/x/y.pid");
  assert_value(v, "EXEC_START",
               "/usr/bin/runc  --systemd-cgroup run -d --pid-file /x/y.pid 'hello'");
  sc_values_free(v);
}

static void test_compute_overridable_set(void **state)
{
  fixture *f = *state;
  sc_values_set(f->set, "CONF_DIRECTORY", "/cfg");
  sc_values_set(f->set, "STATE_DIRECTORY", "/state");
  sc_values_set(f->set, "ALL_PROCESS_CAPABILITIES", "\"CAP_KILL\"");
  sc_values_set(f->set, "RUNTIME", "/opt/crun");
  sc_values_set(f->set, "ATOMIC", "/opt/atomic");
  sc_values_set(f->set, "UUID", "set-by-hand");
  sc_values *v = compute(f);
  assert_value(v, "CONF_DIRECTORY", "/cfg");
  assert_value(v, "STATE_DIRECTORY", "/state");
  assert_value(v, "ALL_PROCESS_CAPABILITIES", "\"CAP_KILL\"");
  assert_value(v, "RUNTIME", "/opt/crun");
  assert_value(v, "ATOMIC", "/opt/atomic");
  assert_value(v, "UUID", "set-by-hand");
  /* The start line uses the runtime the install runs, not $RUNTIME's text. */
  assert_value(v, "EXEC_START", "/usr/bin/runc --systemd-cgroup run 'hello'");
  sc_values_free(v);
}

static void test_compute_forced_set_refused(void **state)
{
  fixture *f = *state;
  static const char *const forced[] = {"DESTDIR",       "NAME",          "EXEC_START", "EXEC_STOP",
                                       "EXEC_STARTPRE", "EXEC_STOPPOST", "HOST_UID",   "HOST_GID",
                                       "IMAGE_ID",      "IMAGE_NAME"};
  for (size_t i = 0; i < sizeof forced / sizeof forced[0]; i++) {
    sc_values_free(f->set);
    f->set = sc_values_new();
    f->ctx.set = f->set;
    sc_values_set(f->set, "PORT", "1");
    sc_values_set(f->set, forced[i], "x");
    sc_values *v = NULL;
    sc_error err = SC_ERROR_INIT;
    assert_int_equal(sc_values_compute(&f->ctx, &v, &f->warnings, &err), -1);
    assert_null(v);
    assert_int_equal(err.code, SC_E_USAGE);
    char needle[64];
    snprintf(needle, sizeof needle, "cannot --set %s:", forced[i]);
    if (strstr(err.msg, needle) == NULL)
      fail_msg("message '%s' does not name %s", err.msg, forced[i]);
    sc_error_clear(&err);
  }
}

static void test_compute_forced_overwrite_saved(void **state)
{
  fixture *f = *state;
  f->saved = sc_values_new();
  sc_values_set(f->saved, "NAME", "old-name");
  sc_values_set(f->saved, "DESTDIR", "/var/lib/containers/atomic/hello.1");
  sc_values_set(f->saved, "EXEC_START", "old start");
  sc_values_set(f->saved, "EXEC_STOP", "old stop");
  sc_values_set(f->saved, "EXEC_STARTPRE", "old startpre");
  sc_values_set(f->saved, "EXEC_STOPPOST", "old stoppost");
  sc_values_set(f->saved, "HOST_UID", "1000");
  sc_values_set(f->saved, "HOST_GID", "1000");
  sc_values_set(f->saved, "IMAGE_NAME", "old/image");
  sc_values_set(f->saved, "IMAGE_ID", "old-id");
  f->ctx.saved = f->saved;
  sc_values_set(f->defaults, "HOST_UID", "5");
  f->ctx.host_uid = 4294967294u;
  f->ctx.host_gid = 65534;
  sc_values *v = compute(f);
  assert_value(v, "NAME", "hello");
  assert_value(v, "DESTDIR", "/var/lib/containers/atomic/hello.0");
  assert_value(v, "EXEC_START", "/usr/bin/runc --systemd-cgroup run 'hello'");
  assert_value(v, "EXEC_STOP", "/usr/bin/runc --systemd-cgroup kill 'hello'");
  assert_value(v, "EXEC_STARTPRE", "");
  assert_value(v, "EXEC_STOPPOST", "");
  assert_value(v, "HOST_UID", "4294967294");
  assert_value(v, "HOST_GID", "65534");
  assert_value(v, "IMAGE_NAME", "docker.io/library/hello:1");
  assert_value(v, "IMAGE_ID", "0123abcd");
  sc_values_free(v);
}

static void test_compute_update_saved_then_set(void **state)
{
  fixture *f = *state;
  f->saved = sc_values_new();
  sc_values_set(f->saved, "PORT", "8080");
  sc_values_set(f->saved, "MODE", "saved");
  sc_values_set(f->saved, "RUN_DIRECTORY", "/saved/run");
  sc_values_set(f->saved, "PIDFILE", "/saved/run/container-hello.pid");
  sc_values_set(f->saved, "UUID", "saved-uuid");
  f->ctx.saved = f->saved;
  f->ctx.uuid = NULL;
  sc_values_set(f->set, "PORT", "9090");
  sc_values_set(f->defaults, "MODE", "manifest");
  sc_values_set(f->defaults, "NEW", "added by the new image");
  sc_values *v = compute(f);
  assert_value(v, "PORT", "9090");
  assert_value(v, "MODE", "saved");
  assert_value(v, "NEW", "added by the new image");
  assert_value(v, "RUN_DIRECTORY", "/saved/run");
  assert_value(v, "PIDFILE", "/saved/run/container-hello.pid");
  assert_value(v, "UUID", "saved-uuid");
  /* Saved order first. */
  assert_string_equal(sc_values_key_at(v, 0), "PORT");
  assert_string_equal(sc_values_key_at(v, 1), "MODE");
  /* The saved map is not changed. */
  assert_value(f->saved, "PORT", "8080");
  assert_false(sc_values_has(f->saved, "NAME"));
  sc_values_free(v);
}

static bool is_lower_hex(char c)
{
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx, lower-case as Python's uuid4. */
static void assert_uuid_v4(const char *uuid)
{
  if (strlen(uuid) != 36)
    fail_msg("'%s' is not 36 characters", uuid);
  for (size_t i = 0; i < 36; i++) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? uuid[i] != '-' : !is_lower_hex(uuid[i]))
      fail_msg("'%s' has '%c' at %zu", uuid, uuid[i], i);
  }
  if (uuid[14] != '4')
    fail_msg("'%s' is not version 4", uuid);
  if (strchr("89ab", uuid[19]) == NULL)
    fail_msg("'%s' is not the RFC 4122 variant", uuid);
}

static void test_compute_uuid(void **state)
{
  fixture *f = *state;
  f->ctx.uuid = NULL;
  sc_values *first = compute(f);
  assert_uuid_v4(sc_values_get(first, "UUID"));
  /* Random: two installs differ; the variant nibble takes several values. */
  bool variants[4] = {false};
  char previous[37];
  snprintf(previous, sizeof previous, "%s", sc_values_get(first, "UUID"));
  for (int i = 0; i < 64; i++) {
    sc_values *v = compute(f);
    const char *uuid = sc_values_get(v, "UUID");
    assert_uuid_v4(uuid);
    assert_string_not_equal(uuid, previous);
    snprintf(previous, sizeof previous, "%s", uuid);
    variants[strchr("89ab", uuid[19]) - "89ab"] = true;
    sc_values_free(v);
  }
  assert_true(variants[0] + variants[1] + variants[2] + variants[3] >= 2);

  /* Update: kept from the saved values. */
  f->saved = sc_values_copy(first);
  f->ctx.saved = f->saved;
  sc_values *updated = compute(f);
  assert_value(updated, "UUID", sc_values_get(first, "UUID"));
  sc_values_free(updated);
  sc_values_free(first);
}

/* ---- start and stop lines (atomic's
 * _generate_systemd_runtime_startstop_directives, byte for byte) ---- */

static void assert_exec(fixture *f, const char *start, const char *stop, const char *startpre,
                        const char *stoppost)
{
  sc_values *v = compute(f);
  assert_value(v, "EXEC_START", start);
  assert_value(v, "EXEC_STOP", stop);
  assert_value(v, "EXEC_STARTPRE", startpre);
  assert_value(v, "EXEC_STOPPOST", stoppost);
  sc_values_free(v);
}

static const char pidfile_unit[] = "[Service]\nExecStart=$EXEC_START\nExecStopPost=$EXEC_STOPPOST\n"
                                   "PIDFile=$PIDFILE\n";

static void test_exec_pidfile_mode(void **state)
{
  fixture *f = *state;
  f->ctx.service_template = pidfile_unit;
  assert_exec(f,
              "/usr/bin/runc  --systemd-cgroup run -d --pid-file /run/container-hello.pid 'hello'",
              "", "", "/usr/bin/runc delete 'hello'");
  f->ctx.runtime_systemd_cgroup = false;
  assert_exec(f, "/usr/bin/runc  run -d --pid-file /run/container-hello.pid 'hello'", "", "",
              "/usr/bin/runc delete 'hello'");
}

static void test_exec_plain_mode(void **state)
{
  fixture *f = *state;
  f->ctx.service_template = "[Service]\nExecStart=$EXEC_START\nExecStop=$EXEC_STOP\n";
  assert_exec(f, "/usr/bin/runc --systemd-cgroup run 'hello'",
              "/usr/bin/runc --systemd-cgroup kill 'hello'", "", "");
  f->ctx.runtime_systemd_cgroup = false;
  assert_exec(f, "/usr/bin/runc run 'hello'", "/usr/bin/runc kill 'hello'", "", "");
  /* No service template at all. */
  f->ctx.service_template = NULL;
  assert_exec(f, "/usr/bin/runc run 'hello'", "/usr/bin/runc kill 'hello'", "", "");
  /* Another runtime; the default runtime when none is given. */
  f->ctx.runtime_path = "/usr/bin/crun";
  assert_exec(f, "/usr/bin/crun run 'hello'", "/usr/bin/crun kill 'hello'", "", "");
  f->ctx.runtime_path = NULL;
  f->ctx.runtime_systemd_cgroup = true;
  assert_exec(f, "/usr/bin/runc --systemd-cgroup run 'hello'",
              "/usr/bin/runc --systemd-cgroup kill 'hello'", "", "");
}

static void test_pidfile_mode_detection(void **state)
{
  /* atomic's rule: the literal strings "$EXEC_STOPPOST" and "$PIDFILE". */
  assert_true(sc_service_template_uses_pidfile(pidfile_unit));
  assert_true(sc_service_template_uses_pidfile("$PIDFILE$EXEC_STOPPOST"));
  assert_true(sc_service_template_uses_pidfile("# $EXEC_STOPPOSTX $PIDFILEY"));
  assert_false(sc_service_template_uses_pidfile("ExecStopPost=${EXEC_STOPPOST}\nPIDFile=$PIDFILE"));
  assert_false(sc_service_template_uses_pidfile("ExecStopPost=$EXEC_STOPPOST\nPIDFile=${PIDFILE}"));
  assert_false(sc_service_template_uses_pidfile("ExecStopPost=$EXEC_STOPPOST\n"));
  assert_false(sc_service_template_uses_pidfile("PIDFile=$PIDFILE\n"));
  assert_false(sc_service_template_uses_pidfile(""));
  assert_false(sc_service_template_uses_pidfile(NULL));

  fixture *f = *state;
  f->ctx.service_template = "ExecStart=$EXEC_START\nExecStopPost=${EXEC_STOPPOST}\n"
                            "PIDFile=$PIDFILE\n";
  assert_exec(f, "/usr/bin/runc --systemd-cgroup run 'hello'",
              "/usr/bin/runc --systemd-cgroup kill 'hello'", "", "");
}

/* The start line renders into a unit as atomic writes it. */
static void test_exec_renders_in_unit(void **state)
{
  fixture *f = *state;
  f->ctx.service_template = pidfile_unit;
  sc_values *v = compute(f);
  char *out = NULL;
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_template_render(pidfile_unit, strlen(pidfile_unit), "service.template", v,
                                      SC_TEMPLATE_SINGLE_LINE_VALUES, &out, NULL, &err),
                   0);
  assert_string_equal(out, "[Service]\nExecStart=/usr/bin/runc  --systemd-cgroup run -d "
                           "--pid-file /run/container-hello.pid 'hello'\n"
                           "ExecStopPost=/usr/bin/runc delete 'hello'\n"
                           "PIDFile=/run/container-hello.pid\n");
  free(out);
  sc_values_free(v);
}

/* ---- ALL_PROCESS_CAPABILITIES ---- */

static size_t count_lines(const char *s)
{
  size_t n = 0;
  for (; *s; s++)
    n += *s == '\n';
  return n;
}

/* "\"CAP_A\",\n\"CAP_B\",\n...\"CAP_Z\"\n": every line a quoted name,
 * a comma on all but the last. */
static void assert_capabilities_format(const char *caps, size_t lines)
{
  assert_int_equal(count_lines(caps), lines);
  assert_true(sc_str_has_prefix(caps, "\"CAP_CHOWN\""));
  const char *line = caps;
  for (size_t i = 0; i < lines; i++) {
    const char *end = strchr(line, '\n');
    assert_non_null(end);
    size_t len = (size_t)(end - line);
    bool last = i == lines - 1;
    assert_true(len > 6);
    assert_memory_equal(line, "\"CAP_", 5);
    if (last) {
      assert_int_equal(line[len - 1], '"');
    } else {
      assert_int_equal(line[len - 2], '"');
      assert_int_equal(line[len - 1], ',');
    }
    for (const char *p = line + 5; p < end - (last ? 1 : 2); p++)
      assert_true(isupper((unsigned char)*p) || *p == '_');
    line = end + 1;
  }
  assert_int_equal(*line, '\0');
}

static void test_capabilities_from_file(void **state)
{
  fixture *f = *state;
  sc_values *v = compute(f);
  const char *caps = sc_values_get(v, "ALL_PROCESS_CAPABILITIES");
  assert_non_null(caps);
  assert_capabilities_format(caps, 38);
  assert_true(sc_str_has_prefix(caps, "\"CAP_CHOWN\",\n\"CAP_DAC_OVERRIDE\",\n"));
  assert_true(sc_str_has_suffix(caps, "\"CAP_BLOCK_SUSPEND\",\n\"CAP_AUDIT_READ\"\n"));
  sc_values_free(v);
}

static void write_caps_file(fixture *f, const char *text)
{
  FILE *fp = fopen(f->caps_path, "w");
  assert_non_null(fp);
  fputs(text, fp);
  assert_int_equal(fclose(fp), 0);
}

static void test_capabilities_fallback(void **state)
{
  fixture *f = *state;
  /* Every capability sc-build knows when the file cannot be used. */
  char *all = sc_capabilities_value(-1);
  size_t known = count_lines(all);
  assert_true(known >= 38);
  assert_capabilities_format(all, known);

  static const char *const unusable[] = {"", "abc", "-1", "\n"};
  for (size_t i = 0; i < sizeof unusable / sizeof unusable[0]; i++) {
    write_caps_file(f, unusable[i]);
    sc_values *v = compute(f);
    assert_value(v, "ALL_PROCESS_CAPABILITIES", all);
    sc_values_free(v);
  }
  f->ctx.capabilities_path = "/nonexistent/cap_last_cap";
  sc_values *v = compute(f);
  assert_value(v, "ALL_PROCESS_CAPABILITIES", all);
  sc_values_free(v);
  /* A newer kernel than the table: the names known. */
  f->ctx.capabilities_path = f->caps_path;
  write_caps_file(f, "63");
  v = compute(f);
  assert_value(v, "ALL_PROCESS_CAPABILITIES", all);
  sc_values_free(v);
  write_caps_file(f, "40");
  v = compute(f);
  assert_value(v, "ALL_PROCESS_CAPABILITIES", all);
  sc_values_free(v);
  free(all);
}

static void test_capabilities_value(void **state)
{
  char *one = sc_capabilities_value(0);
  assert_string_equal(one, "\"CAP_CHOWN\"\n");
  free(one);
  char *three = sc_capabilities_value(2);
  assert_string_equal(three, "\"CAP_CHOWN\",\n\"CAP_DAC_OVERRIDE\",\n\"CAP_DAC_READ_SEARCH\"\n");
  free(three);
  char *v = sc_capabilities_value(37);
  assert_capabilities_format(v, 38);
  free(v);
  /* Renders as a JSON array, as config.json.template uses it. */
  sc_values *values = sc_values_new();
  char *caps = sc_capabilities_value(1);
  sc_values_set(values, "ALL_PROCESS_CAPABILITIES", caps);
  static const char text[] = "\"bounding\": [${ALL_PROCESS_CAPABILITIES}],";
  char *out = NULL;
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_template_render(text, sizeof text - 1, "config.json.template", values,
                                      SC_TEMPLATE_JSON_STRING_VALUES, &out, NULL, &err),
                   0);
  assert_string_equal(out, "\"bounding\": [\"CAP_CHOWN\",\n\"CAP_DAC_OVERRIDE\"\n],");
  free(out);
  free(caps);
  sc_values_free(values);
}

/* ---- inputs compute refuses ---- */

static void test_compute_needs_name_and_destdir(void **state)
{
  fixture *f = *state;
  sc_values *v = NULL;
  sc_error err = SC_ERROR_INIT;
  f->ctx.name = NULL;
  assert_int_equal(sc_values_compute(&f->ctx, &v, NULL, &err), -1);
  assert_null(v);
  assert_non_null(err.msg);
  sc_error_clear(&err);
  f->ctx.name = "hello";
  f->ctx.destdir = NULL;
  assert_int_equal(sc_values_compute(&f->ctx, &v, NULL, &err), -1);
  assert_null(v);
  sc_error_clear(&err);
}

static void test_compute_minimal_context(void **state)
{
  /* Only what is required; the rest defaults. */
  sc_values_context ctx = {
      .size = sizeof ctx, .name = "n", .destdir = "/d", .capabilities_path = "/nonexistent"};
  sc_values *v = NULL;
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_values_compute(&ctx, &v, NULL, &err), 0);
  assert_value(v, "RUNTIME", "/usr/bin/runc");
  assert_value(v, "EXEC_START", "/usr/bin/runc run 'n'");
  assert_value(v, "IMAGE_NAME", "");
  assert_value(v, "IMAGE_ID", "");
  assert_value(v, "PIDFILE", "/run/container-n.pid");
  assert_uuid_v4(sc_values_get(v, "UUID"));
  assert_true(sc_values_has(v, "ATOMIC"));
  sc_values_free(v);
}

#define FIXTURE_TEST(t) cmocka_unit_test_setup_teardown(t, fixture_setup, fixture_teardown)

/* atomic writes HOST_UID and HOST_GID as numbers: read back as the
 * strings templates take; a value of another type is no value. */
static void test_values_from_info_take_numbers(void **state)
{
  (void)state;
  json_t *info = json_pack("{s:{s:s, s:i, s:i, s:b, s:[]}}", "values", "NAME", "svc", "HOST_UID", 0,
                           "HOST_GID", 1000, "FLAG", 1, "LIST");
  sc_values *values = sc_values_from_info(info);
  assert_string_equal(sc_values_get(values, "NAME"), "svc");
  assert_string_equal(sc_values_get(values, "HOST_UID"), "0");
  assert_string_equal(sc_values_get(values, "HOST_GID"), "1000");
  assert_false(sc_values_has(values, "FLAG"));
  assert_false(sc_values_has(values, "LIST"));
  sc_values_free(values);
  json_decref(info);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_map_keeps_insertion_order),
      cmocka_unit_test(test_map_replace_keeps_position),
      cmocka_unit_test(test_map_copy_and_equal),
      cmocka_unit_test(test_parse_assignment),
      cmocka_unit_test(test_parse_assignment_refused),
      cmocka_unit_test(test_builtin_names),
      FIXTURE_TEST(test_compute_defaults),
      FIXTURE_TEST(test_compute_set_beats_manifest_defaults),
      FIXTURE_TEST(test_compute_manifest_cannot_change_os_default),
      FIXTURE_TEST(test_compute_manifest_cannot_change_forced),
      FIXTURE_TEST(test_compute_warnings_may_be_null),
      FIXTURE_TEST(test_compute_manifest_uuid),
      FIXTURE_TEST(test_compute_pidfile_follows_run_directory),
      FIXTURE_TEST(test_compute_set_pidfile),
      FIXTURE_TEST(test_compute_overridable_set),
      FIXTURE_TEST(test_compute_forced_set_refused),
      FIXTURE_TEST(test_compute_forced_overwrite_saved),
      FIXTURE_TEST(test_compute_update_saved_then_set),
      FIXTURE_TEST(test_compute_uuid),
      FIXTURE_TEST(test_exec_pidfile_mode),
      FIXTURE_TEST(test_exec_plain_mode),
      FIXTURE_TEST(test_pidfile_mode_detection),
      FIXTURE_TEST(test_exec_renders_in_unit),
      FIXTURE_TEST(test_capabilities_from_file),
      FIXTURE_TEST(test_capabilities_fallback),
      cmocka_unit_test(test_capabilities_value),
      FIXTURE_TEST(test_compute_needs_name_and_destdir),
      cmocka_unit_test(test_compute_minimal_context),
      cmocka_unit_test(test_values_from_info_take_numbers),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
