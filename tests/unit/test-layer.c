/* test-layer.c: the layer writer (layer.h): reproducible tar entries
 * (docs/design.md section 3), hardlinks, symlinks not followed, special files
 * refused, same input gives the same digest. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "digest.h"
#include "layer.h"
#include "util.h"

/* Fault injection: this definition of readdir() takes the place of the C
 * library's for the layer writer linked into this test; it fails with EIO
 * in the directory whose inode is readdir_failing_ino (0: never). */
static ino_t readdir_failing_ino;

struct dirent *readdir(DIR *d)
{
  static struct dirent *(*real_readdir)(DIR *);
  if (real_readdir == NULL)
    real_readdir = (struct dirent * (*)(DIR *)) dlsym(RTLD_NEXT, "readdir");
  struct stat st;
  if (readdir_failing_ino && fstat(dirfd(d), &st) == 0 && st.st_ino == readdir_failing_ino) {
    errno = EIO;
    return NULL;
  }
  return real_readdir(d);
}

typedef struct fixture {
  char root[64];
  int rootfs_fd;
  int blobs_fd;
} fixture;

static void write_at(int dirfd, const char *path, const char *text, mode_t mode)
{
  int fd = openat(dirfd, path, O_WRONLY | O_CREAT | O_TRUNC, mode);
  assert_true(fd >= 0);
  assert_int_equal(sc_write_all(fd, text, strlen(text)), 0);
  fchmod(fd, mode);
  close(fd);
}

static int setup(void **state)
{
  fixture *f = xcalloc(1, sizeof *f);
  strcpy(f->root, "/tmp/sc-test-layer.XXXXXX");
  assert_non_null(mkdtemp(f->root));
  int root = open(f->root, O_RDONLY | O_DIRECTORY);
  assert_int_equal(mkdirat(root, "rootfs", 0755), 0);
  assert_int_equal(mkdirat(root, "blobs", 0755), 0);
  f->rootfs_fd = openat(root, "rootfs", O_RDONLY | O_DIRECTORY);
  f->blobs_fd = openat(root, "blobs", O_RDONLY | O_DIRECTORY);
  close(root);
  /* Created out of order on purpose: the walk sorts. */
  write_at(f->rootfs_fd, "zz", "last\n", 0644);
  assert_int_equal(mkdirat(f->rootfs_fd, "usr", 0755), 0);
  assert_int_equal(mkdirat(f->rootfs_fd, "usr/bin", 0755), 0);
  write_at(f->rootfs_fd, "usr/bin/tool", "#!/bin/sh\necho hi\n", 04755);
  assert_int_equal(mkdirat(f->rootfs_fd, "empty", 0700), 0);
  write_at(f->rootfs_fd, "a name \xc3\xa9", "spaces\n", 0644);
  assert_int_equal(symlinkat("/etc/passwd", f->rootfs_fd, "link"), 0);
  write_at(f->rootfs_fd, "hard1", "shared\n", 0600);
  assert_int_equal(linkat(f->rootfs_fd, "hard1", f->rootfs_fd, "hard2", 0), 0);
  *state = f;
  return 0;
}

static int teardown(void **state)
{
  fixture *f = *state;
  close(f->rootfs_fd);
  close(f->blobs_fd);
  int parent = open("/tmp", O_RDONLY | O_DIRECTORY);
  sc_rm_rf_at(parent, f->root + 5, NULL);
  close(parent);
  free(f);
  unsetenv("SOURCE_DATE_EPOCH");
  return 0;
}

static const sc_layer_file exports[] = {
    {"service.template", "[Service]\n", 10},
    {"config.json.template", "{}", 2},
    {"manifest.json", "{\"defaultValues\":{}}", 20},
    {"tmpfiles.template", "", 0},
};

static sc_layer_options options_for(fixture *f)
{
  sc_layer_options o = {
      .rootfs_fd = f->rootfs_fd, .hostfs_fd = -1, .exports = exports, .export_count = 4};
  return o;
}

typedef struct seen_entry {
  char path[256];
  mode_t mode;
  int64_t uid, gid, mtime;
  bool has_uname, has_atime, has_ctime;
  char link[256];
  char hardlink[256];
} seen_entry;

/* Read back a layer blob: every entry, in order. */
static size_t read_layer(int blobs_fd, const char *digest, seen_entry *out, size_t max)
{
  int fd = openat(blobs_fd, sc_digest_hex(digest), O_RDONLY);
  assert_true(fd >= 0);
  struct archive *r = archive_read_new();
  archive_read_support_filter_gzip(r);
  archive_read_support_format_tar(r);
  assert_int_equal(archive_read_open_fd(r, fd, 4096), ARCHIVE_OK);
  struct archive_entry *e;
  size_t n = 0;
  while (archive_read_next_header(r, &e) == ARCHIVE_OK && n < max) {
    seen_entry *s = &out[n++];
    memset(s, 0, sizeof *s);
    const char *p = archive_entry_pathname_utf8(e);
    snprintf(s->path, sizeof s->path, "%s", p ? p : archive_entry_pathname(e));
    s->mode = archive_entry_mode(e);
    s->uid = archive_entry_uid(e);
    s->gid = archive_entry_gid(e);
    s->mtime = archive_entry_mtime(e);
    const char *un = archive_entry_uname(e), *gn = archive_entry_gname(e);
    s->has_uname = (un && un[0]) || (gn && gn[0]);
    s->has_atime = archive_entry_atime_is_set(e);
    s->has_ctime = archive_entry_ctime_is_set(e);
    if (archive_entry_symlink(e))
      snprintf(s->link, sizeof s->link, "%s", archive_entry_symlink(e));
    if (archive_entry_hardlink(e))
      snprintf(s->hardlink, sizeof s->hardlink, "%s", archive_entry_hardlink(e));
  }
  archive_read_free(r);
  close(fd);
  return n;
}

static const seen_entry *find(const seen_entry *entries, size_t n, const char *path)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp(entries[i].path, path) == 0)
      return &entries[i];
  fail_msg("no entry %s in the layer", path);
  return NULL;
}

static void test_entries_sorted_and_normalized(void **state)
{
  fixture *f = *state;
  int64_t mtime = 0;
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_source_date_epoch_parse("1700000000", &mtime, &err), 0);
  assert_int_equal(mtime, 1700000000);
  sc_layer_options o = options_for(f);
  o.mtime = mtime;
  sc_layer_result res;
  assert_int_equal(sc_layer_write(&o, f->blobs_fd, &res, &err), 0);
  seen_entry entries[64];
  size_t n = read_layer(f->blobs_fd, res.digest, entries, 64);
  static const char *const want[] = {"a name \xc3\xa9",
                                     "empty/",
                                     "exports/",
                                     "exports/config.json.template",
                                     "exports/manifest.json",
                                     "exports/service.template",
                                     "exports/tmpfiles.template",
                                     "hard1",
                                     "hard2",
                                     "link",
                                     "usr/",
                                     "usr/bin/",
                                     "usr/bin/tool",
                                     "zz"};
  assert_int_equal(n, sizeof want / sizeof want[0]);
  for (size_t i = 0; i < n; i++) {
    assert_string_equal(entries[i].path, want[i]);
    assert_int_equal(entries[i].uid, 0);
    assert_int_equal(entries[i].gid, 0);
    assert_int_equal(entries[i].mtime, 1700000000);
    assert_false(entries[i].has_uname);
    assert_false(entries[i].has_atime);
    assert_false(entries[i].has_ctime);
  }
  assert_int_equal(find(entries, n, "usr/bin/tool")->mode, S_IFREG | 04755);
  assert_int_equal(find(entries, n, "empty/")->mode, S_IFDIR | 0700);
  assert_int_equal(find(entries, n, "exports/")->mode, S_IFDIR | 0755);
  assert_int_equal(find(entries, n, "exports/manifest.json")->mode, S_IFREG | 0644);
  /* The symlink is stored as it is, not followed to /etc/passwd. */
  assert_string_equal(find(entries, n, "link")->link, "/etc/passwd");
  assert_int_equal(find(entries, n, "link")->mode & S_IFMT, S_IFLNK);
  /* The second path of a hardlinked file is a link entry to the first. */
  assert_string_equal(find(entries, n, "hard1")->hardlink, "");
  assert_string_equal(find(entries, n, "hard2")->hardlink, "hard1");
  assert_string_equal(res.media_type, SC_MEDIA_TYPE_LAYER_GZIP);
}

static void test_digest_matches_blob_and_is_stable(void **state)
{
  fixture *f = *state;
  sc_error err = SC_ERROR_INIT;
  sc_layer_options o = options_for(f);
  sc_layer_result a, b;
  assert_int_equal(sc_layer_write(&o, f->blobs_fd, &a, &err), 0);
  assert_int_equal(sc_layer_write(&o, f->blobs_fd, &b, &err), 0);
  assert_string_equal(a.digest, b.digest);
  assert_string_equal(a.diff_id, b.diff_id);
  int fd = openat(f->blobs_fd, sc_digest_hex(a.digest), O_RDONLY);
  char digest[SC_DIGEST_LEN + 1];
  assert_int_equal(sc_sha256_fd(fd, digest, &err), 0);
  close(fd);
  assert_string_equal(digest, a.digest);
  /* A different mtime changes both digests. */
  o.mtime = 1;
  sc_layer_result c;
  assert_int_equal(sc_layer_write(&o, f->blobs_fd, &c, &err), 0);
  assert_string_not_equal(c.digest, a.digest);
  assert_string_not_equal(c.diff_id, a.diff_id);
  /* The gzip header holds no time (bytes 4-7) and no name (FLG bit 3). */
  unsigned char head[10];
  fd = openat(f->blobs_fd, sc_digest_hex(a.digest), O_RDONLY);
  assert_int_equal(read(fd, head, sizeof head), 10);
  close(fd);
  assert_int_equal(head[0], 0x1f);
  assert_int_equal(head[3] & 0x08, 0);
  assert_int_equal(head[4] | head[5] | head[6] | head[7], 0);
}

static void test_fifo_refused_unless_allowed(void **state)
{
  fixture *f = *state;
  assert_int_equal(mkfifoat(f->rootfs_fd, "pipe", 0644), 0);
  sc_error err = SC_ERROR_INIT;
  sc_layer_options o = options_for(f);
  sc_layer_result res;
  assert_int_equal(sc_layer_write(&o, f->blobs_fd, &res, &err), -1);
  assert_non_null(strstr(err.msg, "rootfs/pipe"));
  assert_non_null(strstr(err.msg, "--allow-special"));
  sc_error_clear(&err);
  o.allow_special = true;
  assert_int_equal(sc_layer_write(&o, f->blobs_fd, &res, &err), 0);
  seen_entry entries[64];
  size_t n = read_layer(f->blobs_fd, res.digest, entries, 64);
  assert_int_equal(find(entries, n, "pipe")->mode & S_IFMT, S_IFIFO);
  /* No temp file is left behind by the failed run. */
  int count = 0;
  DIR *d = fdopendir(dup(f->blobs_fd));
  rewinddir(d);
  struct dirent *de;
  while ((de = readdir(d)) != NULL)
    if (de->d_name[0] != '.')
      count++;
    else
      assert_true(strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0);
  closedir(d);
  assert_int_equal(count, 1);
}

static void test_rootfs_exports_refused(void **state)
{
  fixture *f = *state;
  assert_int_equal(mkdirat(f->rootfs_fd, "exports", 0755), 0);
  sc_error err = SC_ERROR_INIT;
  sc_layer_options o = options_for(f);
  sc_layer_result res;
  assert_int_equal(sc_layer_write(&o, f->blobs_fd, &res, &err), -1);
  assert_non_null(strstr(err.msg, "rootfs/exports"));
  sc_error_clear(&err);
}

/* A directory that cannot be read fails the layer, naming it, rather than
 * leaving its files out. */
static void test_readdir_error_fails_the_layer(void **state)
{
  fixture *f = *state;
  struct stat st;
  assert_int_equal(fstatat(f->rootfs_fd, "usr/bin", &st, 0), 0);
  readdir_failing_ino = st.st_ino;
  sc_error err = SC_ERROR_INIT;
  sc_layer_options o = options_for(f);
  sc_layer_result res;
  int r = sc_layer_write(&o, f->blobs_fd, &res, &err);
  readdir_failing_ino = 0;
  assert_int_equal(r, -1);
  assert_non_null(strstr(err.msg, "usr/bin"));
  assert_non_null(strstr(err.msg, strerror(EIO)));
  sc_error_clear(&err);
}

static void test_bad_source_date_epoch(void **state)
{
  (void)state;
  sc_error err = SC_ERROR_INIT;
  int64_t v = -1;
  static const char *const bad[] = {"12abc", "+1", "-1", " 1", "1.5", "99999999999999999999"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    assert_int_equal(sc_source_date_epoch_parse(bad[i], &v, &err), -1);
    assert_non_null(strstr(err.msg, "SOURCE_DATE_EPOCH"));
    sc_error_clear(&err);
  }
  assert_int_equal(sc_source_date_epoch_parse(NULL, &v, &err), 0);
  assert_int_equal(v, 0);
  assert_int_equal(sc_source_date_epoch_parse("", &v, &err), 0);
  assert_int_equal(v, 0);
}

static void test_hostfs_under_exports(void **state)
{
  fixture *f = *state;
  char path[128];
  snprintf(path, sizeof path, "%s/hostfs", f->root);
  assert_int_equal(mkdir(path, 0755), 0);
  int hostfs = open(path, O_RDONLY | O_DIRECTORY);
  assert_int_equal(mkdirat(hostfs, "etc", 0755), 0);
  write_at(hostfs, "etc/app.conf", "x=1\n", 0644);
  sc_error err = SC_ERROR_INIT;
  sc_layer_options o = options_for(f);
  o.hostfs_fd = hostfs;
  sc_layer_result res;
  assert_int_equal(sc_layer_write(&o, f->blobs_fd, &res, &err), 0);
  close(hostfs);
  seen_entry entries[64];
  size_t n = read_layer(f->blobs_fd, res.digest, entries, 64);
  /* "hostfs" sorts between config.json.template and manifest.json. */
  size_t i = (size_t)(find(entries, n, "exports/config.json.template") - entries);
  assert_string_equal(entries[i + 1].path, "exports/hostfs/");
  assert_string_equal(entries[i + 2].path, "exports/hostfs/etc/");
  assert_string_equal(entries[i + 3].path, "exports/hostfs/etc/app.conf");
  assert_string_equal(entries[i + 4].path, "exports/manifest.json");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_entries_sorted_and_normalized, setup, teardown),
      cmocka_unit_test_setup_teardown(test_digest_matches_blob_and_is_stable, setup, teardown),
      cmocka_unit_test_setup_teardown(test_fifo_refused_unless_allowed, setup, teardown),
      cmocka_unit_test_setup_teardown(test_rootfs_exports_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(test_readdir_error_fails_the_layer, setup, teardown),
      cmocka_unit_test_setup_teardown(test_bad_source_date_epoch, setup, teardown),
      cmocka_unit_test_setup_teardown(test_hostfs_under_exports, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
