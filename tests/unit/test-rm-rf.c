/* test-rm-rf.c: sc_rm_rf_at removes any depth of tree with a bounded
 * number of file descriptors and never follows a symlink out of it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

#define DEEP_LEVELS 3000
#define LOW_FD_LIMIT 64

typedef struct fixture {
  char dir[64];     /* holds the tree "t" */
  char outside[64]; /* a symlink in the tree points here */
  int dir_fd;
} fixture;

static int setup(void **state)
{
  fixture *f = xcalloc(1, sizeof *f);
  strcpy(f->dir, "/tmp/sc-test-rmrf.XXXXXX");
  strcpy(f->outside, "/tmp/sc-test-rmrf-outside.XXXXXX");
  assert_non_null(mkdtemp(f->dir));
  assert_non_null(mkdtemp(f->outside));
  f->dir_fd = open(f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  assert_true(f->dir_fd >= 0);
  *state = f;
  return 0;
}

static int teardown(void **state)
{
  fixture *f = *state;
  close(f->dir_fd);
  sc_rm_rf_at(AT_FDCWD, f->dir, NULL);
  sc_rm_rf_at(AT_FDCWD, f->outside, NULL);
  free(f);
  return 0;
}

static void touch_at(int dirfd, const char *name)
{
  int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  assert_true(fd >= 0);
  assert_int_equal(close(fd), 0);
}

/* t/d/d/.../d, DEEP_LEVELS deep (far beyond PATH_MAX as a path), with a
 * file, a symlink to the outside directory and a read-only directory on
 * the way; built one fd at a time. */
static void make_deep_tree(fixture *f)
{
  assert_int_equal(mkdirat(f->dir_fd, "t", 0755), 0);
  int fd = openat(f->dir_fd, "t", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  for (int level = 0; level < DEEP_LEVELS; level++) {
    assert_true(fd >= 0);
    if (level % 500 == 0) {
      touch_at(fd, "file");
      assert_int_equal(symlinkat(f->outside, fd, "out"), 0);
      assert_int_equal(mkdirat(fd, "sibling", 0500), 0);
    }
    assert_int_equal(mkdirat(fd, "d", 0755), 0);
    int child = openat(fd, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    close(fd);
    fd = child;
  }
  touch_at(fd, "leaf");
  close(fd);
}

static void test_deep_tree_under_low_fd_limit(void **state)
{
  fixture *f = *state;
  int outside_fd = open(f->outside, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  touch_at(outside_fd, "precious");
  make_deep_tree(f);

  struct rlimit saved, low;
  assert_int_equal(getrlimit(RLIMIT_NOFILE, &saved), 0);
  low = saved;
  low.rlim_cur = LOW_FD_LIMIT;
  assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
  sc_error err = SC_ERROR_INIT;
  int r = sc_rm_rf_at(f->dir_fd, "t", &err);
  assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);
  if (r < 0)
    fail_msg("sc_rm_rf_at: %s", err.msg);

  struct stat st;
  assert_int_equal(fstatat(f->dir_fd, "t", &st, AT_SYMLINK_NOFOLLOW), -1);
  assert_int_equal(fstatat(outside_fd, "precious", &st, AT_SYMLINK_NOFOLLOW), 0);
  close(outside_fd);
}

static void test_symlink_to_directory_is_removed_not_followed(void **state)
{
  fixture *f = *state;
  int outside_fd = open(f->outside, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  touch_at(outside_fd, "precious");
  assert_int_equal(symlinkat(f->outside, f->dir_fd, "link"), 0);
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_rm_rf_at(f->dir_fd, "link", &err), 0);
  struct stat st;
  assert_int_equal(fstatat(f->dir_fd, "link", &st, AT_SYMLINK_NOFOLLOW), -1);
  assert_int_equal(fstatat(outside_fd, "precious", &st, AT_SYMLINK_NOFOLLOW), 0);
  close(outside_fd);
}

/* Many subdirectories in one directory: each is removed once (the walk
 * goes back up and continues where it was, rather than starting over). */
static void test_wide_tree(void **state)
{
  fixture *f = *state;
  assert_int_equal(mkdirat(f->dir_fd, "w", 0755), 0);
  int fd = openat(f->dir_fd, "w", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  for (int i = 0; i < 2000; i++) {
    char name[16];
    snprintf(name, sizeof name, "s%d", i);
    assert_int_equal(mkdirat(fd, name, 0755), 0);
    if (i % 3 == 0) {
      snprintf(name, sizeof name, "f%d", i); /* files between the directories */
      touch_at(fd, name);
    }
  }
  close(fd);
  sc_error err = SC_ERROR_INIT;
  if (sc_rm_rf_at(f->dir_fd, "w", &err) < 0)
    fail_msg("sc_rm_rf_at: %s", err.msg);
  struct stat st;
  assert_int_equal(fstatat(f->dir_fd, "w", &st, AT_SYMLINK_NOFOLLOW), -1);
}

/* The check an uninstall makes before it removes anything: it fails, and
 * says why, when the walk could not get its few descriptors. */
static void test_check_sees_no_free_descriptors(void **state)
{
  fixture *f = *state;
  assert_int_equal(mkdirat(f->dir_fd, "t", 0755), 0);
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_rm_rf_check_at(f->dir_fd, "t", &err), 0);
  int highest = dup(0); /* the lowest free descriptor */
  assert_true(highest >= 0);
  close(highest);
  struct rlimit saved, low;
  assert_int_equal(getrlimit(RLIMIT_NOFILE, &saved), 0);
  low = saved;
  low.rlim_cur = (rlim_t)highest + 1; /* only it can be opened: one, not three */
  assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
  int r = sc_rm_rf_check_at(f->dir_fd, "t", &err);
  assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);
  assert_int_equal(r, -1);
  assert_non_null(strstr(err.msg, "free file descriptors"));
  sc_error_clear(&err);
  assert_int_equal(sc_rm_rf_check_at(f->dir_fd, "missing", &err), 0);
}

static void test_missing_is_success(void **state)
{
  fixture *f = *state;
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_rm_rf_at(f->dir_fd, "nothing-here", &err), 0);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_deep_tree_under_low_fd_limit, setup, teardown),
      cmocka_unit_test_setup_teardown(test_symlink_to_directory_is_removed_not_followed, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_wide_tree, setup, teardown),
      cmocka_unit_test_setup_teardown(test_check_sees_no_free_descriptors, setup, teardown),
      cmocka_unit_test_setup_teardown(test_missing_is_success, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
