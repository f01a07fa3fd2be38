/* test-test-bundle.c: the bundle `sc-build test` runs (builder/test-bundle.c)
 * takes the paths an install wrote as seen from inside its root from the
 * root, and the others from the machine; and the tmpfiles file of a test
 * root is applied as systemd-tmpfiles --root does (builder/smoke-tmpfiles.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test-bundle.h"
#include "smoke-tmpfiles.h"
#include "util.h"

typedef struct fixture {
  char root[PATH_MAX];
  int root_fd;
} fixture;

static int setup(void **state)
{
  fixture *f = calloc(1, sizeof *f);
  char template[] = "/tmp/sc-test-bundle.XXXXXX";
  assert_non_null(mkdtemp(template));
  assert_non_null(realpath(template, f->root));
  f->root_fd = open(f->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  assert_true(f->root_fd >= 0);
  assert_int_equal(sc_mkdir_p_at(f->root_fd, "var/lib/app", 0755, NULL), 0);
  assert_int_equal(sc_mkdir_p_at(f->root_fd, "etc", 0755, NULL), 0);
  /* An absolute link in the root means the root's own /var/lib/app. */
  assert_int_equal(symlinkat("/var/lib/app", f->root_fd, "etc/app"), 0);
  *state = f;
  return 0;
}

static int teardown(void **state)
{
  fixture *f = *state;
  close(f->root_fd);
  sc_rm_rf_at(AT_FDCWD, f->root, NULL);
  free(f);
  return 0;
}

static const char *mount_source(json_t *config, size_t i)
{
  return json_string_value(
      json_object_get(json_array_get(json_object_get(config, "mounts"), i), "source"));
}

static void test_relocates_what_the_root_has(void **state)
{
  fixture *f = *state;
  json_t *config = json_pack(
      "{s:{s:s, s:b}, s:[{s:s, s:s, s:s, s:[s]}, {s:s, s:s, s:s, s:[s]}, {s:s, s:s, s:s, s:[s]},"
      " {s:s, s:s, s:s}, {s:s, s:s, s:s, s:[s]}]}",
      "root", "path", "rootfs", "readonly", 1, "mounts",
      /* 0: a path the install made in the root */
      "destination", "/data", "type", "bind", "source", "/var/lib/app", "options", "rbind",
      /* 1: through the root's own absolute symlink */
      "destination", "/conf", "type", "none", "source", "/etc/app", "options", "bind",
      /* 2: a host interface the root lacks */
      "destination", "/host", "type", "bind", "source", "/sc-no-such-dir", "options", "ro",
      /* 3: not a bind: untouched */
      "destination", "/tmp", "type", "tmpfs", "source", "/var/lib/app",
      /* 4: relative: to the deployment */
      "destination", "/rel", "type", "bind", "source", "sub", "options", "ro");
  assert_int_equal(sc_test_bundle_relocate(config, f->root_fd, "/deploy/x.0", NULL), 0);
  _cleanup_free_ char *app = xasprintf("%s/var/lib/app", f->root);
  assert_string_equal(mount_source(config, 0), app);
  assert_string_equal(mount_source(config, 1), app);
  assert_string_equal(mount_source(config, 2), "/sc-no-such-dir");
  assert_string_equal(mount_source(config, 3), "/var/lib/app");
  assert_string_equal(mount_source(config, 4), "/deploy/x.0/sub");
  assert_string_equal(json_string_value(json_object_get(json_object_get(config, "root"), "path")),
                      "/deploy/x.0/rootfs");
  json_decref(config);
}

static void test_tmpfiles_paths_are_inside_the_root(void **state)
{
  fixture *f = *state;
  char **notes = NULL;
  const char *text = "d /run/app 0700 - - - -\n"
                     "f /etc/app.conf 0644 - - - k=v\n"
                     "d relative 0700 - - - -\n"
                     "d /var/../escape 0700 - - - -\n"
                     "d \"/run/with space\" 0750 - - -\n"
                     "f /etc/motd 0644 - - - hello  world \n"
                     "d \"/run/open 0700 - - - -\n";
  assert_int_equal(sc_tmpfiles_apply(f->root, text, &notes, NULL), 0);
  struct stat st;
  assert_int_equal(fstatat(f->root_fd, "run/app", &st, 0), 0);
  assert_int_equal(st.st_mode & 07777, 0700);
  _cleanup_free_ char *conf = NULL;
  assert_int_equal(sc_read_file_at(f->root_fd, "etc/app.conf", &conf, NULL, NULL), 0);
  assert_string_equal(conf, "k=v");
  assert_int_equal(fstatat(f->root_fd, "run/with space", &st, 0), 0);
  assert_int_equal(st.st_mode & 07777, 0750);
  _cleanup_free_ char *motd = NULL;
  assert_int_equal(sc_read_file_at(f->root_fd, "etc/motd", &motd, NULL, NULL), 0);
  assert_string_equal(motd, "hello  world");
  assert_int_equal(sc_strv_length(notes), 3);
  assert_non_null(strstr(notes[0], "relative"));
  assert_non_null(strstr(notes[1], "escape"));
  assert_non_null(strstr(notes[2], "line 7: column 3: the quote"));
  assert_int_not_equal(faccessat(f->root_fd, "escape", F_OK, 0), 0);
  sc_strv_free(notes);
}

static json_t *cap_list(json_t *config, const char *set)
{
  return json_object_get(json_object_get(json_object_get(config, "process"), "capabilities"), set);
}

/* net-snmp's template asks for every capability: a machine without
 * CAP_SYS_RESOURCE (bit 24) runs it without, and a name unknown here is
 * left to the runtime. */
static void test_fit_drops_capabilities_the_machine_lacks(void **state)
{
  (void)state;
  json_t *config = json_pack("{s:{s:{s:[sss], s:[ss], s:[s]}}}", "process", "capabilities",
                             "bounding", "CAP_KILL", "CAP_SYS_RESOURCE", "CAP_FUTURE", "effective",
                             "CAP_SYS_RESOURCE", "CAP_KILL", "ambient", "CAP_SYS_RESOURCE");
  sc_machine_security machine = {.capabilities = UINT64_MAX & ~(UINT64_C(1) << 24),
                                 .selinux = true};
  char **notes = NULL;
  sc_test_bundle_fit(config, &machine, &notes);
  assert_int_equal(json_array_size(cap_list(config, "bounding")), 2);
  assert_string_equal(json_string_value(json_array_get(cap_list(config, "bounding"), 0)),
                      "CAP_KILL");
  assert_string_equal(json_string_value(json_array_get(cap_list(config, "bounding"), 1)),
                      "CAP_FUTURE");
  assert_int_equal(json_array_size(cap_list(config, "effective")), 1);
  assert_int_equal(json_array_size(cap_list(config, "ambient")), 0);
  assert_int_equal(sc_strv_length(notes), 1);
  assert_non_null(strstr(notes[0], "cannot grant CAP_SYS_RESOURCE (not in"));
  assert_non_null(strstr(notes[0], "installed config.json is unchanged"));
  sc_strv_free(notes);
  notes = NULL;
  /* Everything there: nothing changes, nothing is said. */
  machine.capabilities = UINT64_MAX;
  sc_test_bundle_fit(config, &machine, &notes);
  assert_int_equal(json_array_size(cap_list(config, "bounding")), 2);
  assert_null(notes);
  json_decref(config);
}

static void test_fit_drops_selinux_labels_without_selinux(void **state)
{
  (void)state;
  json_t *config =
      json_pack("{s:{s:s}, s:{s:s}}", "process", "selinuxLabel", "system_u:system_r:spc_t:s0",
                "linux", "mountLabel", "system_u:object_r:container_file_t:s0");
  sc_machine_security machine = {.capabilities = UINT64_MAX, .selinux = true};
  char **notes = NULL;
  sc_test_bundle_fit(config, &machine, &notes);
  assert_non_null(json_object_get(json_object_get(config, "process"), "selinuxLabel"));
  assert_null(notes);
  machine.selinux = false;
  sc_test_bundle_fit(config, &machine, &notes);
  assert_null(json_object_get(json_object_get(config, "process"), "selinuxLabel"));
  assert_null(json_object_get(json_object_get(config, "linux"), "mountLabel"));
  assert_int_equal(sc_strv_length(notes), 1);
  assert_non_null(strstr(notes[0], "without process.selinuxLabel and linux.mountLabel"));
  sc_strv_free(notes);
  json_decref(config);
}

/* systemd.exec(5): only [Service] counts, an empty assignment resets,
 * entries are blank-separated, the mode applies to all. */
static void test_runtime_directory_lines(void **state)
{
  (void)state;
  char **notes = NULL;
  _cleanup_free_ char *lines =
      sc_unit_runtime_directory_lines("[Unit]\nRuntimeDirectory=unit-section\n"
                                      "[Service]\nRuntimeDirectory=gone\nRuntimeDirectory=\n"
                                      "  RuntimeDirectory = app app/sub  \n"
                                      "RuntimeDirectory=../up /abs %n\n"
                                      "RuntimeDirectoryMode=0750\n[Install]\n"
                                      "RuntimeDirectory=install-section\n",
                                      &notes);
  assert_string_equal(lines, "d /run/app 0750 - - - -\nd /run/app/sub 0750 - - - -\n");
  assert_int_equal(sc_strv_length(notes), 3);
  assert_non_null(strstr(notes[0], "RuntimeDirectory=../up: skipped"));
  sc_strv_free(notes);
  _cleanup_free_ char *none = sc_unit_runtime_directory_lines("[Service]\nExecStart=x\n", NULL);
  assert_string_equal(none, "");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_relocates_what_the_root_has, setup, teardown),
      cmocka_unit_test_setup_teardown(test_tmpfiles_paths_are_inside_the_root, setup, teardown),
      cmocka_unit_test(test_runtime_directory_lines),
      cmocka_unit_test(test_fit_drops_capabilities_the_machine_lacks),
      cmocka_unit_test(test_fit_drops_selinux_labels_without_selinux),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
