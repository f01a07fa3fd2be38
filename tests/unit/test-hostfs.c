/* test-hostfs.c: /exports/hostfs files reach the host streamed (a large
 * sparse file with bounded memory, its holes kept), templated files are
 * rendered and capped in size. */
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

#include "hostfs.h"
#include "sha256.h"
#include "util.h"

#define BIG_SIZE (1024LL * 1024 * 1024) /* sparse: costs no disk */
#define RSS_GROWTH_LIMIT_KB (128 * 1024)

typedef struct fixture {
  char dir[64];
  int rootfs_fd, root_fd;
  sc_values *values;
  sc_hostfs_plan plan;
  sc_hostfs_record record;
} fixture;

static int setup(void **state)
{
  fixture *f = xcalloc(1, sizeof *f);
  strcpy(f->dir, "/tmp/sc-test-hostfs.XXXXXX");
  assert_non_null(mkdtemp(f->dir));
  int dir_fd = open(f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  assert_int_equal(sc_mkdir_p_at(dir_fd, "rootfs/exports/hostfs/etc/svc", 0755, NULL), 0);
  assert_int_equal(mkdirat(dir_fd, "root", 0755), 0);
  f->rootfs_fd = openat(dir_fd, "rootfs", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  f->root_fd = openat(dir_fd, "root", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  close(dir_fd);
  f->values = sc_values_new();
  sc_values_set(f->values, "NAME", "svc");
  static char *const templated[] = {"/etc/svc/svc.conf", NULL};
  f->plan = (sc_hostfs_plan){.values = f->values, .templated = templated};
  *state = f;
  return 0;
}

static int teardown(void **state)
{
  fixture *f = *state;
  close(f->rootfs_fd);
  close(f->root_fd);
  sc_rm_rf_at(AT_FDCWD, f->dir, NULL);
  sc_values_free(f->values);
  sc_hostfs_record_clear(&f->record);
  free(f);
  return 0;
}

static void write_at(int dirfd, const char *path, const char *text)
{
  assert_int_equal(sc_write_file_at(dirfd, path, text, strlen(text), 0640, NULL), 0);
}

/* A sparse file with a little data at the start, in the middle and at
 * the end. */
static void make_big_sparse(int dirfd, const char *path)
{
  int fd = openat(dirfd, path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  assert_true(fd >= 0);
  assert_int_equal(ftruncate(fd, BIG_SIZE), 0);
  assert_int_equal(pwrite(fd, "head", 4, 0), 4);
  assert_int_equal(pwrite(fd, "middle", 6, BIG_SIZE / 2 + 3), 6);
  assert_int_equal(pwrite(fd, "tail", 4, BIG_SIZE - 4), 4);
  assert_int_equal(close(fd), 0);
}

static long max_rss_kb(void)
{
  struct rusage ru;
  assert_int_equal(getrusage(RUSAGE_SELF, &ru), 0);
  return ru.ru_maxrss;
}

static void digest_of(int dirfd, const char *path, char out[SC_DIGEST_LEN + 1])
{
  int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
  assert_true(fd >= 0);
  assert_int_equal(sc_sha256_fd(fd, out, NULL), 0);
  close(fd);
}

static void assert_bytes_at(int dirfd, const char *path, off_t offset, const char *want)
{
  char got[16] = {0};
  int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
  assert_true(fd >= 0);
  assert_int_equal(pread(fd, got, strlen(want), offset), (ssize_t)strlen(want));
  close(fd);
  assert_string_equal(got, want);
}

static void test_large_sparse_file_streamed(void **state)
{
  fixture *f = *state;
  make_big_sparse(f->rootfs_fd, "exports/hostfs/etc/svc/big.img");
  write_at(f->rootfs_fd, "exports/hostfs/etc/svc/svc.conf", "name=$NAME\n");
  long before = max_rss_kb();
  sc_error err = SC_ERROR_INIT;
  if (sc_hostfs_install(f->rootfs_fd, f->root_fd, &f->plan, &f->record, &err) < 0)
    fail_msg("install: %s", err.msg);
  long growth = max_rss_kb() - before;
  if (growth > RSS_GROWTH_LIMIT_KB)
    fail_msg("installing a 1 GiB hostfs file grew the RSS by %ld KiB", growth);

  struct stat st;
  assert_int_equal(fstatat(f->root_fd, "etc/svc/big.img", &st, AT_SYMLINK_NOFOLLOW), 0);
  assert_int_equal(st.st_size, BIG_SIZE);
  assert_int_equal(st.st_mode & 07777, 0644);
  assert_true(st.st_blocks * 512 < 64 * 1024 * 1024); /* the holes stay holes */
  assert_bytes_at(f->root_fd, "etc/svc/big.img", 0, "head");
  assert_bytes_at(f->root_fd, "etc/svc/big.img", BIG_SIZE / 2 + 3, "middle");
  assert_bytes_at(f->root_fd, "etc/svc/big.img", BIG_SIZE - 4, "tail");
  char source[SC_DIGEST_LEN + 1];
  digest_of(f->rootfs_fd, "exports/hostfs/etc/svc/big.img", source);
  assert_string_equal(json_string_value(json_object_get(f->record.checksums, "/etc/svc/big.img")),
                      source + 7);

  _cleanup_free_ char *text = NULL;
  assert_int_equal(sc_read_file_at(f->root_fd, "etc/svc/svc.conf", &text, NULL, NULL), 0);
  assert_string_equal(text, "name=svc\n");
}

/* installedFilesTemplate files are rendered in memory: their size is
 * capped, and the error names the file and the limit. */
static void test_large_templated_file_refused(void **state)
{
  fixture *f = *state;
  make_big_sparse(f->rootfs_fd, "exports/hostfs/etc/svc/svc.conf");
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_hostfs_install(f->rootfs_fd, f->root_fd, &f->plan, &f->record, &err), -1);
  assert_non_null(strstr(err.msg, "exports/hostfs/etc/svc/svc.conf"));
  assert_non_null(strstr(err.msg, "installedFilesTemplate"));
  sc_error_clear(&err);
  struct stat st;
  assert_int_equal(fstatat(f->root_fd, "etc/svc/svc.conf", &st, AT_SYMLINK_NOFOLLOW), -1);
}

/* renameFiles as atomic's _do_rename_path applies it: from the root down,
 * on the path as renamed so far.  A renamed directory carries its files
 * (a key under its old name is not consulted), and a key under its new
 * name renames further. */
static void test_renames_applied_from_the_root_down(void **state)
{
  fixture *f = *state;
  assert_int_equal(sc_mkdir_p_at(f->rootfs_fd, "exports/hostfs/etc/app", 0755, NULL), 0);
  write_at(f->rootfs_fd, "exports/hostfs/etc/app/app.conf", "a\n");
  write_at(f->rootfs_fd, "exports/hostfs/etc/app/other.conf", "o\n");
  sc_values *rename = sc_values_new();
  sc_values_set(rename, "/etc/app", "/etc/$NAME-web");
  sc_values_set(rename, "/etc/app/app.conf", "/etc/ignored/app.conf");
  sc_values_set(rename, "/etc/svc-web/other.conf", "/etc/chained.conf");
  f->plan.rename = rename;
  sc_error err = SC_ERROR_INIT;
  if (sc_hostfs_install(f->rootfs_fd, f->root_fd, &f->plan, &f->record, &err) < 0)
    fail_msg("install: %s", err.msg);
  _cleanup_free_ char *text = NULL;
  assert_int_equal(sc_read_file_at(f->root_fd, "etc/svc-web/app.conf", &text, NULL, NULL), 0);
  assert_string_equal(text, "a\n");
  free(text);
  text = NULL;
  assert_int_equal(sc_read_file_at(f->root_fd, "etc/chained.conf", &text, NULL, NULL), 0);
  assert_string_equal(text, "o\n");
  assert_int_equal(faccessat(f->root_fd, "etc/ignored", F_OK, AT_SYMLINK_NOFOLLOW), -1);
  assert_string_equal(json_string_value(json_object_get(f->record.renamed, "/etc/app/other.conf")),
                      "/etc/chained.conf");
  sc_values_free(rename);
}

/* info lists what atomic's installer records (files, and the directories
 * empty in hostfs/); the other directories made, parents included, are
 * kept apart, and read back before the files for an uninstall. */
static void test_made_directories_kept_apart(void **state)
{
  fixture *f = *state;
  write_at(f->rootfs_fd, "exports/hostfs/etc/svc/svc.conf", "x\n");
  assert_int_equal(sc_mkdir_p_at(f->rootfs_fd, "exports/hostfs/var/empty", 0755, NULL), 0);
  sc_values *rename = sc_values_new();
  sc_values_set(rename, "/etc/svc/svc.conf", "/opt/$NAME/svc.conf");
  f->plan.rename = rename;
  sc_error err = SC_ERROR_INIT;
  if (sc_hostfs_install(f->rootfs_fd, f->root_fd, &f->plan, &f->record, &err) < 0)
    fail_msg("install: %s", err.msg);
  json_t *info = json_object();
  sc_hostfs_record_to_info(&f->record, info);
  json_t *want_files = json_pack("[s, s]", "/opt/svc/svc.conf", "/var/empty");
  json_t *want_made = json_pack("[s, s, s, s, s]", "/etc", "/etc/svc", "/opt", "/opt/svc", "/var");
  char *got = json_dumps(info, JSON_SORT_KEYS);
  assert_true(json_equal(json_object_get(info, "installed-files"), want_files) || !puts(got));
  assert_true(json_equal(json_object_get(info, SC_INFO_MADE_DIRECTORIES), want_made) || !puts(got));
  assert_string_equal(json_string_value(json_object_get(
                          json_object_get(info, "installed-files-checksum"), "/var/empty")),
                      "0");
  free(got);
  json_t *files = NULL, *checksums = NULL;
  sc_hostfs_info_files(info, &files, &checksums);
  assert_int_equal(json_array_size(files), 7);
  assert_string_equal(json_string_value(json_array_get(files, 0)), "/etc");
  assert_string_equal(json_string_value(json_array_get(files, 6)), "/var/empty");
  assert_string_equal(json_string_value(json_object_get(checksums, "/opt/svc")), "0");
  assert_int_equal(sc_hostfs_remove(f->root_fd, files, checksums, NULL, &err), 0);
  assert_int_equal(faccessat(f->root_fd, "opt", F_OK, AT_SYMLINK_NOFOLLOW), -1);
  assert_int_equal(faccessat(f->root_fd, "var", F_OK, AT_SYMLINK_NOFOLLOW), -1);
  json_decref(files);
  json_decref(checksums);
  json_decref(want_files);
  json_decref(want_made);
  json_decref(info);
  sc_values_free(rename);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_large_sparse_file_streamed, setup, teardown),
      cmocka_unit_test_setup_teardown(test_large_templated_file_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(test_renames_applied_from_the_root_down, setup, teardown),
      cmocka_unit_test_setup_teardown(test_made_directories_kept_apart, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
