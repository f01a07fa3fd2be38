/* test-host-files.c: the host file list `sc-build test --systemd` takes
 * before the install and after the uninstall (builder/host-files.c): every
 * new path is reported whatever its name, a new tree once at its top, a
 * changed type too, and the skipped paths are not read at all. */
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

#include "host-files.h"
#include "util.h"

typedef struct fixture {
  char dir[PATH_MAX];
  int dir_fd;
} fixture;

static int setup(void **state)
{
  fixture *f = calloc(1, sizeof *f);
  char template[] = "/tmp/sc-test-host-files.XXXXXX";
  assert_non_null(mkdtemp(template));
  assert_non_null(realpath(template, f->dir));
  f->dir_fd = open(f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  assert_true(f->dir_fd >= 0);
  assert_int_equal(sc_mkdir_p_at(f->dir_fd, "etc/app", 0755, NULL), 0);
  assert_int_equal(sc_mkdir_p_at(f->dir_fd, "var/log/journal", 0755, NULL), 0);
  assert_int_equal(sc_write_file_at(f->dir_fd, "etc/app/conf", "", 0, 0644, NULL), 0);
  *state = f;
  return 0;
}

static int teardown(void **state)
{
  fixture *f = *state;
  close(f->dir_fd);
  sc_rm_rf_at(AT_FDCWD, f->dir, NULL);
  free(f);
  return 0;
}

static void take(const fixture *f, const char *const *skip, sc_host_files *out)
{
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_host_files_read(f->dir_fd, skip, out, &err), 0);
  sc_error_clear(&err);
}

static void test_an_unchanged_tree_has_nothing_added(void **state)
{
  fixture *f = *state;
  sc_host_files before, after;
  take(f, NULL, &before);
  take(f, NULL, &after);
  assert_int_equal(before.count, 6); /* etc etc/app etc/app/conf var var/log var/log/journal */
  assert_null(sc_host_files_added(&before, &after));
  sc_host_files_clear(&before);
  sc_host_files_clear(&after);
}

static void test_every_new_path_is_reported_once_at_its_top(void **state)
{
  fixture *f = *state;
  sc_host_files before, after;
  take(f, NULL, &before);
  assert_int_equal(sc_write_file_at(f->dir_fd, "etc/unrelated.conf", "", 0, 0644, NULL), 0);
  assert_int_equal(sc_mkdir_p_at(f->dir_fd, "var/log/other/deep/er", 0755, NULL), 0);
  assert_int_equal(symlinkat("/nowhere", f->dir_fd, "etc/app/link"), 0);
  /* '-' sorts between "other" and "other/": still below nothing new. */
  assert_int_equal(sc_write_file_at(f->dir_fd, "var/log/other-file", "", 0, 0644, NULL), 0);
  take(f, NULL, &after);
  _cleanup_strv_ char **added = sc_host_files_added(&before, &after);
  assert_int_equal(sc_strv_length(added), 4);
  assert_string_equal(added[0], "/etc/app/link");
  assert_string_equal(added[1], "/etc/unrelated.conf");
  assert_string_equal(added[2], "/var/log/other");
  assert_string_equal(added[3], "/var/log/other-file");
  sc_host_files_clear(&before);
  sc_host_files_clear(&after);
}

static void test_a_changed_type_is_reported(void **state)
{
  fixture *f = *state;
  sc_host_files before, after;
  take(f, NULL, &before);
  assert_int_equal(unlinkat(f->dir_fd, "etc/app/conf", 0), 0);
  assert_int_equal(mkdirat(f->dir_fd, "etc/app/conf", 0755), 0);
  take(f, NULL, &after);
  _cleanup_strv_ char **added = sc_host_files_added(&before, &after);
  assert_int_equal(sc_strv_length(added), 1);
  assert_string_equal(added[0], "/etc/app/conf (a file before, now a directory)");
  sc_host_files_clear(&before);
  sc_host_files_clear(&after);
}

/* What is skipped is not read: neither its entry nor below it. */
static void test_skipped_paths_and_prefixes_are_left_out(void **state)
{
  fixture *f = *state;
  const char *const skip[] = {"/var/log/journal", "/etc/app/c*", NULL};
  sc_host_files before, after;
  take(f, skip, &before);
  assert_int_equal(before.count, 4); /* etc etc/app var var/log */
  assert_int_equal(sc_write_file_at(f->dir_fd, "var/log/journal/x", "", 0, 0644, NULL), 0);
  assert_int_equal(sc_write_file_at(f->dir_fd, "etc/app/cache", "", 0, 0644, NULL), 0);
  assert_int_equal(sc_write_file_at(f->dir_fd, "var/log/journal-not", "", 0, 0644, NULL), 0);
  take(f, skip, &after);
  _cleanup_strv_ char **added = sc_host_files_added(&before, &after);
  assert_int_equal(sc_strv_length(added), 1);
  assert_string_equal(added[0], "/var/log/journal-not");
  sc_host_files_clear(&before);
  sc_host_files_clear(&after);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_an_unchanged_tree_has_nothing_added, setup, teardown),
      cmocka_unit_test_setup_teardown(test_every_new_path_is_reported_once_at_its_top, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_a_changed_type_is_reported, setup, teardown),
      cmocka_unit_test_setup_teardown(test_skipped_paths_and_prefixes_are_left_out, setup,
                                      teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
