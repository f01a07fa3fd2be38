/* test-unpack.c: layer application on crafted tars (image-spec layer.md
 * whiteouts; entries that try to escape the rootfs). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sha256.h"
#include "unpack.h"
#include "util.h"

typedef struct entry_spec {
  const char *path;
  mode_t type; /* AE_IFREG, AE_IFDIR, AE_IFLNK; 0 with hardlink set */
  const char *content_or_target;
  const char *hardlink;
} entry_spec;

/* Write a gzip-compressed tar of the entries to a temp file; return its fd. */
static int make_layer(const entry_spec *entries, size_t n)
{
  char path[] = "/tmp/sc-test-layer.XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  unlink(path);
  struct archive *a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  archive_write_add_filter_gzip(a);
  assert_int_equal(archive_write_open_fd(a, fd), ARCHIVE_OK);
  for (size_t i = 0; i < n; i++) {
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, entries[i].path);
    if (entries[i].hardlink) {
      archive_entry_set_filetype(e, AE_IFREG);
      archive_entry_set_hardlink(e, entries[i].hardlink);
      archive_entry_set_perm(e, 0644);
      archive_entry_set_size(e, 0);
    } else {
      archive_entry_set_filetype(e, entries[i].type);
      archive_entry_set_perm(e, entries[i].type == AE_IFDIR ? 0755 : 0644);
      if (entries[i].type == AE_IFLNK)
        archive_entry_set_symlink(e, entries[i].content_or_target);
      if (entries[i].type == AE_IFREG)
        archive_entry_set_size(e, (la_int64_t)strlen(entries[i].content_or_target));
    }
    assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
    if (entries[i].type == AE_IFREG && !entries[i].hardlink)
      archive_write_data(a, entries[i].content_or_target, strlen(entries[i].content_or_target));
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
  lseek(fd, 0, SEEK_SET);
  return fd;
}

typedef struct fixture {
  char dir[64];
  int rootfs_fd;
  char outside[64]; /* a directory outside the rootfs */
} fixture;

static int setup(void **state)
{
  fixture *f = xcalloc(1, sizeof *f);
  strcpy(f->dir, "/tmp/sc-test-rootfs.XXXXXX");
  strcpy(f->outside, "/tmp/sc-test-outside.XXXXXX");
  assert_non_null(mkdtemp(f->dir));
  assert_non_null(mkdtemp(f->outside));
  f->rootfs_fd = open(f->dir, O_RDONLY | O_DIRECTORY);
  *state = f;
  return 0;
}

static int teardown(void **state)
{
  fixture *f = *state;
  close(f->rootfs_fd);
  sc_rm_rf_at(AT_FDCWD, f->dir, NULL);
  sc_rm_rf_at(AT_FDCWD, f->outside, NULL);
  free(f);
  return 0;
}

static int apply(fixture *f, const entry_spec *entries, size_t n, sc_error *err)
{
  int fd = make_layer(entries, n);
  sc_unpack_options opts = {0};
  int r = sc_unpack_layer_fd(fd, f->rootfs_fd, "layer", &opts, NULL, err);
  close(fd);
  return r;
}

static bool exists_at(int dirfd, const char *path)
{
  struct stat st;
  return fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static void test_normalize_path(void **state)
{
  (void)state;
  char *p = sc_unpack_normalize_path("./usr//bin/./sh/");
  assert_string_equal(p, "usr/bin/sh");
  free(p);
  p = sc_unpack_normalize_path("/etc/passwd");
  assert_string_equal(p, "etc/passwd");
  free(p);
  p = sc_unpack_normalize_path("./");
  assert_string_equal(p, "");
  free(p);
  assert_null(sc_unpack_normalize_path("../etc/passwd"));
  assert_null(sc_unpack_normalize_path("usr/../../etc"));
  p = sc_unpack_normalize_path("usr/..x/y");
  assert_string_equal(p, "usr/..x/y");
  free(p);
}

static void test_dotdot_entry_refused(void **state)
{
  fixture *f = *state;
  entry_spec layer[] = {{"../escaped", AE_IFREG, "x", NULL}};
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(apply(f, layer, 1, &err), -1);
  assert_non_null(strstr(err.msg, "escape"));
  sc_error_clear(&err);
  _cleanup_free_ char *parent = sc_path_dirname(f->dir);
  _cleanup_free_ char *escaped = sc_path_join(parent, "escaped");
  assert_false(exists_at(AT_FDCWD, escaped));
}

static void test_write_through_absolute_symlink_refused(void **state)
{
  fixture *f = *state;
  /* etc -> /tmp/sc-test-outside.X, then etc/passwd: must not land outside. */
  entry_spec layer[] = {
      {"etc", AE_IFLNK, f->outside, NULL},
      {"etc/passwd", AE_IFREG, "root::0:0::/:/bin/sh\n", NULL},
  };
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(apply(f, layer, 2, &err), -1);
  assert_non_null(strstr(err.msg, "symlink"));
  sc_error_clear(&err);
  _cleanup_free_ char *victim = sc_path_join(f->outside, "passwd");
  assert_false(exists_at(AT_FDCWD, victim));
}

static void test_hardlink_outside_refused(void **state)
{
  fixture *f = *state;
  entry_spec layer[] = {{"shadow", 0, NULL, "../../etc/shadow"}};
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(apply(f, layer, 1, &err), -1);
  assert_non_null(strstr(err.msg, "escapes"));
  sc_error_clear(&err);
  assert_false(exists_at(f->rootfs_fd, "shadow"));
}

static void test_files_dirs_links_extracted(void **state)
{
  fixture *f = *state;
  entry_spec layer[] = {
      {"usr/", AE_IFDIR, NULL, NULL},
      {"usr/bin/", AE_IFDIR, NULL, NULL},
      {"usr/bin/hello", AE_IFREG, "hello\n", NULL},
      {"usr/bin/hi", 0, NULL, "usr/bin/hello"},
      {"bin", AE_IFLNK, "usr/bin", NULL},
  };
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(apply(f, layer, 5, &err), 0);
  struct stat a, b;
  assert_int_equal(fstatat(f->rootfs_fd, "usr/bin/hello", &a, 0), 0);
  assert_int_equal(fstatat(f->rootfs_fd, "usr/bin/hi", &b, 0), 0);
  assert_int_equal(a.st_ino, b.st_ino);
  assert_int_equal(a.st_size, 6);
  char target[64] = {0};
  assert_int_equal(readlinkat(f->rootfs_fd, "bin", target, sizeof target - 1), 7);
  assert_string_equal(target, "usr/bin");
}

static void test_whiteout_removes_lower_file(void **state)
{
  fixture *f = *state;
  entry_spec lower[] = {{"etc/a", AE_IFREG, "a", NULL}, {"etc/b", AE_IFREG, "b", NULL}};
  entry_spec upper[] = {{"etc/.wh.a", AE_IFREG, "", NULL}};
  assert_int_equal(apply(f, lower, 2, NULL), 0);
  assert_int_equal(apply(f, upper, 1, NULL), 0);
  assert_false(exists_at(f->rootfs_fd, "etc/a"));
  assert_false(exists_at(f->rootfs_fd, "etc/.wh.a"));
  assert_true(exists_at(f->rootfs_fd, "etc/b"));
}

static void test_opaque_whiteout_keeps_same_layer_entries(void **state)
{
  fixture *f = *state;
  entry_spec lower[] = {{"data/old", AE_IFREG, "old", NULL}, {"data/sub/x", AE_IFREG, "x", NULL}};
  entry_spec upper[] = {
      {"data/new", AE_IFREG, "new", NULL},
      {"data/.wh..wh..opq", AE_IFREG, "", NULL},
  };
  assert_int_equal(apply(f, lower, 2, NULL), 0);
  assert_int_equal(apply(f, upper, 2, NULL), 0);
  assert_false(exists_at(f->rootfs_fd, "data/old"));
  assert_false(exists_at(f->rootfs_fd, "data/sub"));
  assert_true(exists_at(f->rootfs_fd, "data/new"));
  assert_false(exists_at(f->rootfs_fd, "data/.wh..wh..opq"));
}

static void test_whiteout_through_symlink_refused(void **state)
{
  fixture *f = *state;
  /* A whiteout must not delete outside the rootfs through a symlinked dir. */
  _cleanup_free_ char *keep = sc_path_join(f->outside, "keep");
  assert_int_equal(sc_write_file_at(AT_FDCWD, keep, "k", 1, 0644, NULL), 0);
  entry_spec lower[] = {{"link", AE_IFLNK, f->outside, NULL}};
  entry_spec upper[] = {{"link/.wh.keep", AE_IFREG, "", NULL}};
  assert_int_equal(apply(f, lower, 1, NULL), 0);
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(apply(f, upper, 1, &err), -1);
  sc_error_clear(&err);
  assert_true(exists_at(AT_FDCWD, keep));
}

static void test_upper_file_replaces_lower_dir(void **state)
{
  fixture *f = *state;
  entry_spec lower[] = {{"thing/inside", AE_IFREG, "in", NULL}};
  entry_spec upper[] = {{"thing", AE_IFREG, "now a file", NULL}};
  assert_int_equal(apply(f, lower, 1, NULL), 0);
  assert_int_equal(apply(f, upper, 1, NULL), 0);
  struct stat st;
  assert_int_equal(fstatat(f->rootfs_fd, "thing", &st, AT_SYMLINK_NOFOLLOW), 0);
  assert_true(S_ISREG(st.st_mode));
}

/* ".wh..." names "..": it would empty the directory above the whiteout;
 * ".wh.." names ".": its own directory.  Refused, naming entry and layer. */
static void test_whiteout_of_dot_names_refused(void **state)
{
  fixture *f = *state;
  entry_spec lower[] = {{"keep", AE_IFREG, "k", NULL}, {"d/keep", AE_IFREG, "k", NULL}};
  assert_int_equal(apply(f, lower, 2, NULL), 0);
  const char *bad[] = {"d/.wh...", "d/.wh.."};
  for (size_t i = 0; i < 2; i++) {
    entry_spec upper[] = {{bad[i], AE_IFREG, "", NULL}};
    sc_error err = SC_ERROR_INIT;
    assert_int_equal(apply(f, upper, 1, &err), -1);
    assert_non_null(strstr(err.msg, "layer"));
    assert_non_null(strstr(err.msg, bad[i]));
    assert_non_null(strstr(err.msg, "not a file name"));
    sc_error_clear(&err);
    assert_true(exists_at(f->rootfs_fd, "keep"));
    assert_true(exists_at(f->rootfs_fd, "d/keep"));
  }
}

/* A whiteout of something no lower layer made is no error, with or
 * without an sc_error to fill. */
static void test_whiteout_of_missing_path_is_fine(void **state)
{
  fixture *f = *state;
  entry_spec upper[] = {{"no/such/.wh.thing", AE_IFREG, "", NULL}};
  assert_int_equal(apply(f, upper, 1, NULL), 0);
}

/* fuzz-unpack found it: a symlink entry with an empty target reached
 * symlinkat(NULL, ...) (archive_entry_symlink() is NULL then).  Refused. */
static void test_symlink_without_target_refused(void **state)
{
  fixture *f = *state;
  entry_spec layer[] = {{"empty", AE_IFLNK, "", NULL}};
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(apply(f, layer, 1, &err), -1);
  assert_non_null(strstr(err.msg, "layer"));
  assert_non_null(strstr(err.msg, "'empty'"));
  assert_non_null(strstr(err.msg, "has no target"));
  sc_error_clear(&err);
  assert_false(exists_at(f->rootfs_fd, "empty"));
}

static void test_not_a_tar_fails_clearly(void **state)
{
  fixture *f = *state;
  char path[] = "/tmp/sc-test-garbage.XXXXXX";
  int fd = mkstemp(path);
  unlink(path);
  assert_int_equal(write(fd, "this is not a tar archive at all, not even close....", 52), 52);
  lseek(fd, 0, SEEK_SET);
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_unpack_layer_fd(fd, f->rootfs_fd, "garbage", NULL, NULL, &err), -1);
  assert_non_null(strstr(err.msg, "garbage"));
  sc_error_clear(&err);
  close(fd);
}

/* A tar that ends right after the last file's data, as `umoci insert`
 * of umoci 0.4.7 writes it: the error says what the layer is and what to
 * do, not only libarchive's "Truncated input file". */
static void test_truncated_tar_explained(void **state)
{
  fixture *f = *state;
  unsigned char buf[4096];
  size_t used = 0;
  struct archive *a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  assert_int_equal(archive_write_open_memory(a, buf, sizeof buf, &used), ARCHIVE_OK);
  struct archive_entry *e = archive_entry_new();
  archive_entry_set_pathname(e, "etc/start.sh");
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_perm(e, 0755);
  archive_entry_set_size(e, 10);
  assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
  archive_write_data(a, "#!/bin/sh\n", 10);
  archive_entry_free(e);
  archive_write_close(a);
  archive_write_free(a);
  char path[] = "/tmp/sc-test-cut.XXXXXX";
  int fd = mkstemp(path);
  unlink(path);
  assert_int_equal(write(fd, buf, 512 + 10), 512 + 10);
  lseek(fd, 0, SEEK_SET);
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_unpack_layer_fd(fd, f->rootfs_fd, "layer", NULL, NULL, &err), -1);
  assert_non_null(strstr(err.msg, "Truncated"));
  assert_non_null(strstr(err.msg, "the layer is a truncated tar"));
  assert_non_null(strstr(err.msg, "`umoci unpack` and `umoci repack`"));
  sc_error_clear(&err);
  close(fd);
}

static void test_digest_checked_while_reading(void **state)
{
  fixture *f = *state;
  entry_spec layer[] = {{"file", AE_IFREG, "content", NULL}};
  int fd = make_layer(layer, 1);
  char digest[SC_DIGEST_LEN + 1];
  assert_int_equal(sc_sha256_fd(fd, digest, NULL), 0);
  lseek(fd, 0, SEEK_SET);
  sc_unpack_options opts = {.expected_digest = digest};
  assert_int_equal(sc_unpack_layer_fd(fd, f->rootfs_fd, "layer", &opts, NULL, NULL), 0);

  lseek(fd, 0, SEEK_SET);
  opts.expected_digest = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_unpack_layer_fd(fd, f->rootfs_fd, "layer", &opts, NULL, &err), -1);
  assert_non_null(strstr(err.msg, "does not match"));
  sc_error_clear(&err);

  /* The right blob whose tar is not the one the config promises. */
  lseek(fd, 0, SEEK_SET);
  opts.expected_digest = digest;
  opts.expected_diff_id = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
  assert_int_equal(sc_unpack_layer_fd(fd, f->rootfs_fd, "layer", &opts, NULL, &err), -1);
  assert_non_null(strstr(err.msg, "diff_id"));
  sc_error_clear(&err);
  close(fd);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_normalize_path),
      cmocka_unit_test_setup_teardown(test_dotdot_entry_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(test_write_through_absolute_symlink_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(test_hardlink_outside_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(test_files_dirs_links_extracted, setup, teardown),
      cmocka_unit_test_setup_teardown(test_whiteout_removes_lower_file, setup, teardown),
      cmocka_unit_test_setup_teardown(test_opaque_whiteout_keeps_same_layer_entries, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_whiteout_through_symlink_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(test_upper_file_replaces_lower_dir, setup, teardown),
      cmocka_unit_test_setup_teardown(test_whiteout_of_dot_names_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(test_whiteout_of_missing_path_is_fine, setup, teardown),
      cmocka_unit_test_setup_teardown(test_symlink_without_target_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(test_not_a_tar_fails_clearly, setup, teardown),
      cmocka_unit_test_setup_teardown(test_truncated_tar_explained, setup, teardown),
      cmocka_unit_test_setup_teardown(test_digest_checked_while_reading, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
