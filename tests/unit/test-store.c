/* test-store.c: shared stores (builder/store.c): a leftover is removed
 * only when no live run holds it; and the reference grammar build names
 * images by (registry-ref.c); and special files are refused, not waited
 * on, by the capped file reader (runtime/util.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "registry.h"
#include "store.h"
#include "util.h"

static int make_tmpdir(char *path)
{
  assert_non_null(mkdtemp(path));
  int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  assert_true(fd >= 0);
  return fd;
}

static bool exists_at(int dirfd, const char *name)
{
  struct stat st;
  return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* A held temporary survives another run's cleanup; once its holder
 * closes it (dies), the next cleanup removes it, directory and all. */
static void test_remove_stale_spares_held_entries(void **state)
{
  (void)state;
  char path[] = "/tmp/sc-test-store.XXXXXX";
  int dir = make_tmpdir(path);
  sc_error err = SC_ERROR_INIT;
  char *held = NULL, *dead = NULL;
  int held_fd = sc_store_tmp_create(dir, ".out.tmp-", NULL, true, &held, &err);
  int dead_fd = sc_store_tmp_create(dir, ".out.tmp-", ".tar", false, &dead, &err);
  assert_true(held_fd >= 0 && dead_fd >= 0);
  assert_int_equal(mkdirat(held_fd, "blobs", 0755), 0);
  int other = open("/dev/null", O_RDONLY);
  assert_true(other >= 0);
  assert_int_equal(mkdirat(dir, "kept", 0755), 0); /* no prefix: not ours */
  close(dead_fd);
  close(other);
  sc_store_remove_stale(dir, ".out.tmp-");
  assert_true(exists_at(dir, held));
  assert_false(exists_at(dir, dead));
  assert_true(exists_at(dir, "kept"));
  close(held_fd);
  sc_store_remove_stale(dir, ".out.tmp-");
  assert_false(exists_at(dir, held));
  free(held);
  free(dead);
  sc_rm_rf_at(AT_FDCWD, path, NULL);
  close(dir);
}

/* The builder's one temporary directory: under the given base, of the
 * asked mode, by its real path; removing it removes the tree, then the
 * lock, and resets both. */
static void test_tmp_dir_mode_and_removal(void **state)
{
  (void)state;
  char base[] = "/tmp/sc-test-store.XXXXXX";
  int base_fd = make_tmpdir(base);
  sc_error err = SC_ERROR_INIT;
  char *path = NULL;
  int lock_fd = sc_store_tmp_dir(base, "sc-x.", 0700, NULL, &path, &err);
  assert_true(lock_fd >= 0);
  assert_true(sc_str_has_prefix(path, base));
  struct stat st;
  assert_int_equal(fstat(lock_fd, &st), 0);
  assert_int_equal(st.st_mode & 07777, 0700);
  assert_int_equal(mkdirat(lock_fd, "blobs", 0755), 0);
  sc_store_tmp_dir_remove(&path, &lock_fd);
  assert_null(path);
  assert_int_equal(lock_fd, -1);
  char **names = NULL;
  assert_int_equal(sc_list_dir_at(base_fd, &names, &err), 0);
  assert_int_equal(sc_strv_length(names), 0);
  sc_strv_free(names);
  sc_rm_rf_at(AT_FDCWD, base, NULL);
  close(base_fd);
}

/* The library reads no environment: TMPDIR is the CLI's to pass in as
 * the base; without one, /var/tmp. */
static void test_tmp_base_ignores_the_environment(void **state)
{
  (void)state;
  assert_int_equal(setenv("TMPDIR", "/nonexistent-sc-tmpdir", 1), 0);
  assert_string_equal(sc_tmp_base(NULL), "/var/tmp");
  assert_string_equal(sc_tmp_base(""), "/var/tmp");
  assert_string_equal(sc_tmp_base("/srv/tmp"), "/srv/tmp");
  sc_error err = SC_ERROR_INIT;
  char *path = NULL;
  int lock_fd = sc_store_tmp_dir(NULL, "sc-test-env.", 0700, NULL, &path, &err);
  unsetenv("TMPDIR");
  if (lock_fd < 0)
    fail_msg("%s", err.msg);
  assert_true(sc_str_has_prefix(path, "/var/tmp/sc-test-env."));
  sc_store_tmp_dir_remove(&path, &lock_fd);
}

/* A store locked by another open file description is waited for; a
 * signal's flag ends the wait with an interrupted error. */
static void test_lock_interrupted_while_waiting(void **state)
{
  (void)state;
  char path[] = "/tmp/sc-test-store.XXXXXX";
  int dir = make_tmpdir(path);
  int holder = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  assert_int_equal(flock(holder, LOCK_EX), 0);
  static volatile int stop = 1;
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_store_lock(dir, "the test store", &stop, &err), -1);
  assert_int_equal(err.code, SC_E_INTERRUPTED);
  sc_error_clear(&err);
  close(holder);
  assert_int_equal(sc_store_lock(dir, "the test store", &stop, &err), 0);
  rmdir(path);
  close(dir);
}

static void test_reference_grammar(void **state)
{
  (void)state;
  const char *good[] = {"hw",
                        "hw:latest",
                        "a/b-c/d__e.f:v1.0_x",
                        "localhost:5000/x:1",
                        "registry.example.com/team/app",
                        "x:_t",
                        "a--b"};
  const char *bad[] = {"sp ace", "UPPER", "..dots", "-dash", "a//b",           "x:",
                       "x:.t",   "a_",    "a/",     "",      "localhost:5000/"};
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
    assert_true(sc_reference_is_valid(good[i]));
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    assert_false(sc_reference_is_valid(bad[i]));
}

/* A FIFO is refused at once (no writer would ever come), and a file over
 * the cap is refused without being read. */
static void test_read_file_refuses_fifo_and_oversize(void **state)
{
  (void)state;
  char path[] = "/tmp/sc-test-store.XXXXXX";
  int dir = make_tmpdir(path);
  assert_int_equal(mkfifoat(dir, "fifo", 0600), 0);
  sc_error err = SC_ERROR_INIT;
  char *data = NULL;
  size_t len = 0;
  assert_int_equal(sc_read_file_at(dir, "fifo", &data, &len, &err), -1);
  assert_non_null(strstr(err.msg, "not a regular file"));
  sc_error_clear(&err);
  assert_int_equal(sc_write_file_at(dir, "big", "0123456789", 10, 0644, &err), 0);
  assert_int_equal(sc_read_file_at_max(dir, "big", 9, &data, &len, &err), -1);
  assert_non_null(strstr(err.msg, "too large"));
  sc_error_clear(&err);
  assert_int_equal(sc_read_file_at_max(dir, "big", 10, &data, &len, &err), 0);
  assert_int_equal(len, 10);
  free(data);
  sc_rm_rf_at(AT_FDCWD, path, NULL);
  close(dir);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_remove_stale_spares_held_entries),
      cmocka_unit_test(test_tmp_dir_mode_and_removal),
      cmocka_unit_test(test_tmp_base_ignores_the_environment),
      cmocka_unit_test(test_lock_interrupted_while_waiting),
      cmocka_unit_test(test_reference_grammar),
      cmocka_unit_test(test_read_file_refuses_fifo_and_oversize),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
