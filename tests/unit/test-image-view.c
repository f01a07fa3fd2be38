/* test-image-view.c: layers applied in memory as an install applies them
 * (image-view.h): whiteouts and opaque whiteouts hide the layers below
 * only, a directory replaces a file and merges with a directory, hard
 * links share content, an entry under a symlink is dropped, and lookups
 * resolve symlinks inside the image.  rootfs/ read on threads gives what
 * it gives on one, to the order of the observer's calls and the errors. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "elf-builder.h"
#include "image-view.h"
#include "layer-cache.h"
#include "sha256.h"
#include "util.h"

typedef struct tar_entry {
  const char *path;
  mode_t type; /* AE_IFREG, AE_IFDIR, AE_IFLNK; 0: a hard link to `link` */
  const char *link;
  const void *data;
  size_t size;
} tar_entry;

/* Apply one layer made of entries (an in-memory tar), cut to `cut` bytes
 * when non-zero; what sc_image_view_add_layer returns, its error in *err. */
static int add_layer_cut(sc_image_view *view, const tar_entry *entries, size_t n, size_t cut,
                         sc_error *err)
{
  size_t cap = 1 << 20, used = 0;
  unsigned char *buf = malloc(cap);
  struct archive *w = archive_write_new();
  archive_write_set_format_pax_restricted(w);
  assert_int_equal(archive_write_open_memory(w, buf, cap, &used), ARCHIVE_OK);
  for (size_t i = 0; i < n; i++) {
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, entries[i].path);
    if (entries[i].type == 0) {
      archive_entry_set_filetype(e, AE_IFREG);
      archive_entry_set_hardlink(e, entries[i].link);
    } else {
      archive_entry_set_filetype(e, entries[i].type);
      archive_entry_set_perm(e, entries[i].type == AE_IFDIR ? 0755 : 0755);
      if (entries[i].type == AE_IFLNK)
        archive_entry_set_symlink(e, entries[i].link);
      archive_entry_set_size(e, (la_int64_t)entries[i].size);
    }
    assert_int_equal(archive_write_header(w, e), ARCHIVE_OK);
    if (entries[i].size)
      archive_write_data(w, entries[i].data, entries[i].size);
    archive_entry_free(e);
  }
  archive_write_close(w);
  archive_write_free(w);
  struct archive *r = archive_read_new();
  archive_read_support_format_tar(r);
  assert_int_equal(archive_read_open_memory(r, buf, cut ? cut : used), ARCHIVE_OK);
  int ret = sc_image_view_add_layer(view, r, err);
  archive_read_free(r);
  free(buf);
  return ret;
}

static void add_layer(sc_image_view *view, const tar_entry *entries, size_t n)
{
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(add_layer_cut(view, entries, n, 0, &err), 0);
}

#define FILE_ENTRY(p, text)                                                                        \
  {                                                                                                \
    p, AE_IFREG, NULL, text, sizeof text - 1                                                       \
  }
#define DIR_ENTRY(p)                                                                               \
  {                                                                                                \
    p, AE_IFDIR, NULL, NULL, 0                                                                     \
  }
#define LINK_ENTRY(p, target)                                                                      \
  {                                                                                                \
    p, AE_IFLNK, target, NULL, 0                                                                   \
  }

static int exists(sc_image_view *view, const char *path)
{
  sc_view_file st;
  int r = sc_image_view_stat(view, path, &st);
  sc_view_file_clear(&st);
  return r;
}

static void test_whiteouts(void **state)
{
  (void)state;
  sc_image_view *view = sc_image_view_new();
  const tar_entry base[] = {DIR_ENTRY("etc/"),
                            FILE_ENTRY("etc/a", "a"),
                            FILE_ENTRY("etc/b", "b"),
                            DIR_ENTRY("etc/sub/"),
                            FILE_ENTRY("etc/sub/c", "c"),
                            FILE_ENTRY("./usr/bin/x", "#!/bin/sh\n")};
  add_layer(view, base, sizeof base / sizeof base[0]);
  assert_int_equal(exists(view, "/etc/a"), 0);
  assert_int_equal(exists(view, "/usr/bin/x"), 0); /* parents made as tar does */
  /* .wh.a hides a; an opaque etc/sub hides c but keeps d of this layer. */
  const tar_entry upper[] = {FILE_ENTRY("etc/.wh.a", ""), FILE_ENTRY("etc/sub/d", "d"),
                             FILE_ENTRY("etc/sub/.wh..wh..opq", "")};
  add_layer(view, upper, sizeof upper / sizeof upper[0]);
  assert_int_equal(exists(view, "/etc/a"), -ENOENT);
  assert_int_equal(exists(view, "/etc/b"), 0);
  assert_int_equal(exists(view, "/etc/sub/c"), -ENOENT);
  assert_int_equal(exists(view, "/etc/sub/d"), 0);
  _cleanup_strv_ char **names = sc_image_view_list(view, "/etc/sub");
  assert_int_equal(sc_strv_length(names), 1);
  /* A later layer can bring a whited-out name back. */
  const tar_entry again[] = {FILE_ENTRY("etc/a", "new")};
  add_layer(view, again, 1);
  assert_int_equal(exists(view, "/etc/a"), 0);
  sc_image_view_free(view);
}

static void test_replace_link_and_symlinks(void **state)
{
  (void)state;
  sc_image_view *view = sc_image_view_new();
  test_elf e = {.is64 = true, .interp = "/lib/ld.so", .needed = {"libc.so.6"}};
  size_t len;
  _cleanup_free_ unsigned char *elf = test_elf_build(&e, &len);
  const tar_entry base[] = {FILE_ENTRY("opt", "a file"),
                            LINK_ENTRY("bin", "usr/bin"),
                            DIR_ENTRY("usr/bin/"),
                            {"usr/bin/prog", AE_IFREG, NULL, elf, len},
                            {"usr/bin/same", 0, "usr/bin/prog", NULL, 0},
                            LINK_ENTRY("usr/bin/loop", "/usr/bin/loop"),
                            LINK_ENTRY("usr/bin/up", "../../../../etc")};
  add_layer(view, base, sizeof base / sizeof base[0]);
  /* A hard link shares what was read of its target. */
  sc_view_content content;
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_image_view_content(view, "/bin/same", &content, &err), 0);
  assert_non_null(content.elf);
  assert_string_equal(content.elf->needed[0], "libc.so.6");
  sc_view_file st;
  assert_int_equal(sc_image_view_stat(view, "/bin/prog", &st), 0);
  assert_string_equal(st.path, "/usr/bin/prog");
  assert_false(st.from_rootfs);
  sc_view_file_clear(&st);
  assert_int_equal(exists(view, "/bin/loop"), -ELOOP);
  assert_int_equal(exists(view, "/usr/bin/up"), -ENOENT); /* `..` stops at / : /etc */
  /* A directory replaces a file; an entry under a symlink is dropped. */
  const tar_entry upper[] = {DIR_ENTRY("opt/"), FILE_ENTRY("opt/x", "x"),
                             FILE_ENTRY("bin/dropped", "x")};
  add_layer(view, upper, sizeof upper / sizeof upper[0]);
  assert_int_equal(exists(view, "/opt/x"), 0);
  assert_int_equal(exists(view, "/usr/bin/dropped"), -ENOENT);
  assert_int_equal(exists(view, "/opt/x/y"), -ENOTDIR);
  sc_image_view_free(view);
}

/* `umoci insert` (umoci 0.4.7) ends a layer right after the last file's
 * data, without its padding or the end-of-archive blocks: an install
 * cannot unpack it, so reading it fails, saying so and what to do. */
static void test_layer_without_padding(void **state)
{
  (void)state;
  sc_image_view *view = sc_image_view_new();
  const tar_entry layer[] = {FILE_ENTRY("etc/base-file", "from-base\n")};
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(add_layer_cut(view, layer, 1, 512 + 10, &err), -1);
  assert_non_null(strstr(err.msg, "the layer is a truncated tar"));
  assert_non_null(strstr(err.msg, "`umoci unpack` and `umoci repack`"));
  sc_error_clear(&err);
  sc_image_view_free(view);
}

typedef struct seen {
  char *lines[16];
  size_t count;
} seen;

static int collect(const sc_view_entry *e, void *user)
{
  seen *s = user;
  if (e->type == SC_VIEW_REG && s->count < 16)
    s->lines[s->count++] =
        xasprintf("%s %s %llu", e->path, e->digest ? e->digest : "-", (unsigned long long)e->size);
  if (e->type == SC_VIEW_REG && strcmp(e->path, "var/lib/dpkg/status") == 0)
    assert_string_equal(e->sha1, "9a6333811c30a4a39916ff38f5d93a00b8925287"); /* sha1sum */
  return 0;
}

/* An SBOM's view: every layer file hashed whole (a script longer than the
 * head validation reads included), hard links sharing it, whiteouts hiding
 * it, the package database kept whole unless it is larger than asked. */
static void test_record_files(void **state)
{
  (void)state;
  static const char *const keep[] = {"var/lib/dpkg/status", NULL};
  char script[3000];
  memset(script, 'x', sizeof script);
  memcpy(script, "#!/bin/sh\n", 10);
  const tar_entry lower[] = {FILE_ENTRY("var/lib/dpkg/status", "Package: a\n"),
                             {"bin/script", AE_IFREG, NULL, script, sizeof script},
                             {"bin/same", 0, "bin/script", NULL, 0},
                             FILE_ENTRY("gone", "x")};
  const tar_entry upper[] = {FILE_ENTRY(".wh.gone", "")};
  static const size_t limits[][2] = {{64, 1000}, {4, 1000}, {64, 5}}; /* per file, in all */
  for (size_t k = 0; k < 3; k++) {
    size_t keep_max = limits[k][0];
    sc_image_view *view = sc_image_view_new();
    sc_image_view_record_files(view, keep, keep_max, limits[k][1]);
    add_layer(view, lower, 4);
    add_layer(view, upper, 1);
    seen s = {0};
    assert_int_equal(sc_image_view_walk(view, collect, &s), 0);
    char want[SC_DIGEST_LEN + 1], status[SC_DIGEST_LEN + 1];
    sc_sha256_digest(script, sizeof script, want);
    sc_sha256_digest("Package: a\n", 11, status);
    assert_int_equal(s.count, 3);
    _cleanup_free_ char *line0 = xasprintf("bin/same %s 3000", want);
    _cleanup_free_ char *line2 = xasprintf("var/lib/dpkg/status %s 11", status);
    assert_string_equal(s.lines[0], line0);
    assert_string_equal(s.lines[1] + strlen("bin/script"), line0 + strlen("bin/same"));
    assert_string_equal(s.lines[2], line2);
    sc_view_content c;
    sc_error err = SC_ERROR_INIT;
    assert_int_equal(sc_image_view_content(view, "/var/lib/dpkg/status", &c, &err), 0);
    if (k == 0) {
      assert_int_equal(c.whole_len, 11);
      assert_string_equal((const char *)c.whole, "Package: a\n");
    } else {
      assert_null(c.whole);
      assert_true(c.whole_too_large);
    }
    assert_int_equal(sc_image_view_content(view, "/bin/script", &c, &err), 0);
    assert_null(c.whole);
    for (size_t i = 0; i < s.count; i++)
      free(s.lines[i]);
    sc_image_view_free(view);
  }
}

/* A tree on disk: a few files, a symlink and a chain of `depth` nested
 * directories "d" ending in a file. */
static int make_tree(char *dir, int depth)
{
  assert_non_null(mkdtemp(dir));
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  assert_true(fd >= 0);
  assert_int_equal(mkdirat(fd, "etc", 0755), 0);
  assert_int_equal(sc_write_file_at(fd, "etc/b.conf", "b\n", 2, 0644, NULL), 0);
  assert_int_equal(sc_write_file_at(fd, "etc/a.conf", "a\n", 2, 0644, NULL), 0);
  assert_int_equal(symlinkat("etc/a.conf", fd, "link"), 0);
  int cur = dup(fd);
  for (int i = 0; i < depth; i++) {
    assert_int_equal(mkdirat(cur, "d", 0755), 0);
    int next = openat(cur, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    assert_true(next >= 0);
    close(cur);
    cur = next;
  }
  assert_int_equal(sc_write_file_at(cur, "deep", "x", 1, 0644, NULL), 0);
  close(cur);
  return fd;
}

/* Validation's walk of rootfs/ keys the layer cache (layer-cache.h): it
 * must stamp the tree exactly as the cache's own walk does, and say so
 * when it left entries out, or a change there would reuse a stale layer. */
static void test_observed_walk_stamps_as_layer_cache(void **state)
{
  (void)state;
  static const int depths[] = {3, 140}; /* 140: below the view's depth limit */
  static const unsigned threads[] = {1, 2, 4};
  for (size_t k = 0; k < 2; k++) {
    char dir[] = "/tmp/test-image-view-XXXXXX";
    int fd = make_tree(dir, depths[k]);
    sc_error err = SC_ERROR_INIT;
    sc_tree_stamp walked;
    assert_int_equal(sc_tree_stamp_walk(fd, 0, &walked, &err), 0);
    assert_true(walked.done);
    for (size_t t = 0; t < sizeof threads / sizeof threads[0]; t++) {
      sc_tree_stamp observed;
      sc_tree_stamp_begin(&observed, 0);
      sc_image_view *view = sc_image_view_new();
      sc_image_view_set_threads(view, threads[t]);
      assert_int_equal(
          sc_image_view_add_rootfs_observed(view, fd, sc_tree_stamp_add, &observed, &err), 0);
      sc_tree_stamp_finish(&observed);
      if (k == 0) {
        assert_true(observed.done);
        assert_string_equal(observed.hex, walked.hex);
      } else {
        assert_false(observed.done);
        assert_true(observed.incomplete);
      }
      sc_image_view_free(view);
    }
    close(fd);
    assert_int_equal(sc_rm_rf_at(AT_FDCWD, dir, NULL), 0);
  }
}

/* ---- rootfs/ read on threads (dir-walk.h) ---- */

typedef struct walk_log {
  sc_buf text;
  sc_image_view *view;
} walk_log;

/* Every field of lstat's that the layer cache's stamp hashes but st_dev
 * (the same for the whole tree) and the ctime (touched by the test's own
 * chmods between walks). */
static void log_observed(void *user, const char *rel, const struct stat *st)
{
  sc_buf *b = user;
  if (st == NULL) {
    sc_buf_printf(b, "observed %s: left out\n", rel);
    return;
  }
  sc_buf_printf(
      b, "observed %s: mode %o uid %u gid %u size %lld mtime %lld.%09ld ino %llu nlink %llu\n", rel,
      (unsigned)st->st_mode, (unsigned)st->st_uid, (unsigned)st->st_gid, (long long)st->st_size,
      (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec, (unsigned long long)st->st_ino,
      (unsigned long long)st->st_nlink);
}

/* An entry of the view as every lookup sees it. */
static int log_view(const sc_view_entry *e, void *user)
{
  walk_log *l = user;
  _cleanup_free_ char *path = xasprintf("/%s", e->path);
  sc_buf_printf(&l->text, "view %s: type %d mode %o", e->path, (int)e->type, (unsigned)e->mode);
  sc_view_file f;
  int r = sc_image_view_stat(l->view, path, &f);
  sc_buf_printf(&l->text, " stat %d rootfs %d", r, r == 0 && f.from_rootfs);
  sc_view_file_clear(&f);
  if (e->type == SC_VIEW_SYMLINK) {
    _cleanup_free_ char *target = sc_image_view_readlink(l->view, path);
    sc_buf_printf(&l->text, " -> %s", target ? target : "(none)");
  }
  if (e->type == SC_VIEW_REG) {
    sc_view_content c;
    sc_error err = SC_ERROR_INIT;
    if (sc_image_view_content(l->view, path, &c, &err) == 0)
      sc_buf_printf(&l->text, " head [%.*s] elf %d", (int)c.head_len,
                    c.head ? (const char *)c.head : "", c.elf != NULL);
    else
      sc_buf_printf(&l->text, " content: %s", err.msg);
    sc_error_clear(&err);
  }
  sc_buf_putc(&l->text, '\n');
  return 0;
}

/* Everything a walk of rootfs/ with `threads` threads gives, as text: the
 * observer's calls, what it returned and its error, then the view. */
static char *rootfs_log(int rootfs_fd, unsigned threads)
{
  /* A base below, that rootfs/ merges with (etc), replaces a directory of
   * (usr/lib) and replaces a file of with a directory (opt). */
  static const tar_entry base[] = {DIR_ENTRY("etc/"), FILE_ENTRY("etc/base.conf", "base"),
                                   FILE_ENTRY("usr/lib/libx.so", "x"), FILE_ENTRY("opt", "file")};
  walk_log l = {.text = SC_BUF_INIT, .view = sc_image_view_new()};
  sc_image_view_set_threads(l.view, threads);
  add_layer(l.view, base, sizeof base / sizeof base[0]);
  sc_error err = SC_ERROR_INIT;
  int r = sc_image_view_add_rootfs_observed(l.view, rootfs_fd, log_observed, &l.text, &err);
  sc_buf_printf(&l.text, "returned %d code %d: %s\n", r, err.code, err.msg ? err.msg : "");
  if (r == 0)
    assert_int_equal(sc_image_view_walk(l.view, log_view, &l), 0);
  sc_error_clear(&err);
  sc_image_view_free(l.view);
  return sc_buf_steal(&l.text);
}

static void put_file(int dirfd, const char *path, const char *text)
{
  assert_int_equal(sc_write_file_at(dirfd, path, text, strlen(text), 0644, NULL), 0);
}

/* A chain of `depth` directories "d" from dirfd/path; its last one, open. */
static int make_chain(int dirfd, const char *path, int depth)
{
  assert_int_equal(mkdirat(dirfd, path, 0755), 0);
  int cur = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  assert_true(cur >= 0);
  for (int i = 1; i < depth; i++) {
    assert_int_equal(mkdirat(cur, "d", 0755), 0);
    int next = openat(cur, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    assert_true(next >= 0);
    close(cur);
    cur = next;
  }
  return cur;
}

/* Directories of every size around the walk's chunks (up to 90 entries),
 * names in an order a locale would sort otherwise, subdirectories, empty
 * ones, symlinks (one with a long target, one dangling), a FIFO, a hard
 * link, a script and a chain below the view's depth limit followed by
 * more entries. */
static int make_wide_tree(char *dir)
{
  assert_non_null(mkdtemp(dir));
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  assert_true(fd >= 0);
  for (int i = 0; i < 31; i++) {
    char name[32], path[96];
    snprintf(name, sizeof name, "dir%02d", i);
    assert_int_equal(mkdirat(fd, name, 0755), 0);
    for (int j = 0; j < i * 3; j++) {
      snprintf(path, sizeof path, "%s/%s%03d%s", name, j % 2 ? "F" : "f", j, j % 3 ? ".txt" : "");
      put_file(fd, path, j % 4 ? "text\n" : "#!/bin/sh\necho\n");
    }
    if (i % 3 == 0) {
      snprintf(path, sizeof path, "%s/up", name);
      assert_int_equal(symlinkat("../dir00", fd, path), 0);
    }
    if (i % 5 == 1) {
      snprintf(path, sizeof path, "%s/sub", name);
      assert_int_equal(mkdirat(fd, path, 0700), 0);
      snprintf(path, sizeof path, "%s/sub/inner", name);
      assert_int_equal(mkdirat(fd, path, 0755), 0);
      snprintf(path, sizeof path, "%s/sub/inner/leaf", name);
      put_file(fd, path, "leaf\n");
      snprintf(path, sizeof path, "%s/sub/zz", name);
      put_file(fd, path, "zz\n");
    }
  }
  static const char *const odd_names[] = {"B", "a", "a-b", "a.b", "a0", "_x", "\xc3\xa9t\xc3\xa9"};
  for (size_t i = 0; i < sizeof odd_names / sizeof odd_names[0]; i++)
    put_file(fd, odd_names[i], odd_names[i]);
  char target[3001];
  memset(target, 'x', sizeof target - 1);
  target[sizeof target - 1] = '\0';
  assert_int_equal(symlinkat(target, fd, "long"), 0);
  assert_int_equal(symlinkat("/nowhere", fd, "dangling"), 0);
  assert_int_equal(mkfifoat(fd, "fifo", 0600), 0);
  assert_int_equal(linkat(fd, "dir01/f000", fd, "hard", 0), 0);
  assert_int_equal(mkdirat(fd, "empty", 0755), 0);
  assert_int_equal(mkdirat(fd, "etc", 0750), 0);
  put_file(fd, "etc/rootfs.conf", "rootfs\n");
  assert_int_equal(mkdirat(fd, "usr", 0755), 0);
  put_file(fd, "usr/lib", "a file over a directory\n");
  assert_int_equal(mkdirat(fd, "opt", 0755), 0);
  put_file(fd, "opt/x", "x\n");
  /* 135 levels: what is below the 128th is left out, not what follows. */
  int last = make_chain(fd, "deep", 135);
  put_file(last, "bottom", "bottom\n");
  close(last);
  put_file(fd, "deepz", "after the chain\n");
  assert_int_equal(mkdirat(fd, "zz", 0755), 0);
  put_file(fd, "zz/last", "last\n");
  return fd;
}

/* The threads find what one thread finds, in the same order, whatever the
 * scheduling: every count of threads, over and over. */
static void test_threaded_walk_as_serial(void **state)
{
  (void)state;
  char dir[] = "/tmp/test-image-view-XXXXXX";
  int fd = make_wide_tree(dir);
  _cleanup_free_ char *serial = rootfs_log(fd, 1);
  assert_non_null(strstr(serial, "returned 0 code 0: \n"));
  assert_non_null(strstr(serial, "observed deep/d/d/")); /* the chain is walked ... */
  assert_non_null(strstr(serial, ": left out\n"));       /* ... down to the limit */
  assert_non_null(strstr(serial, "observed zz/last: ")); /* and what follows it */
  assert_non_null(strstr(serial, "view dir30/F089.txt: type"));
  assert_non_null(strstr(serial, "view etc/base.conf: type"));
  static const unsigned threads[] = {2, 3, 4, 8, 0};
  for (size_t t = 0; t < sizeof threads / sizeof threads[0]; t++) {
    for (int round = 0; round < (threads[t] == 2 ? 20 : 5); round++) {
      _cleanup_free_ char *threaded = rootfs_log(fd, threads[t]);
      assert_string_equal(threaded, serial);
    }
  }
  close(fd);
  assert_int_equal(sc_rm_rf_at(AT_FDCWD, dir, NULL), 0);
}

/* As root, permission bits stop nothing: drop the capabilities that pass
 * them by from this thread (and the threads it starts), or take them
 * back.  False when that cannot be done. */
static bool set_dac_override(bool on)
{
  if (geteuid() != 0)
    return true;
  struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
  struct __user_cap_data_struct d[2];
  if (syscall(SYS_capget, &h, d) != 0)
    return false;
  unsigned bits = (1u << CAP_DAC_OVERRIDE) | (1u << CAP_DAC_READ_SEARCH);
  if (on)
    d[0].effective |= bits & d[0].permitted;
  else
    d[0].effective &= ~bits;
  return syscall(SYS_capset, &h, d) == 0;
}

/* A directory that cannot be opened or read ends the walk at the same
 * entry, with the same error, whatever the threads: one in the middle of
 * the tree, and one too deep to be read but opened all the same. */
static void test_threaded_walk_errors(void **state)
{
  (void)state;
  char dir[] = "/tmp/test-image-view-XXXXXX";
  int fd = make_wide_tree(dir);
  put_file(fd, "dir07/sub-x", "after the locked one\n");
  assert_int_equal(mkdirat(fd, "dir07/locked", 0755), 0);
  put_file(fd, "dir07/locked/f", "f\n");
  assert_int_equal(mkdirat(fd, "dir09/unlisted", 0755), 0);
  put_file(fd, "dir09/unlisted/f", "f\n");
  int last = make_chain(fd, "deeper", 129); /* the last is the first left out */
  close(last);
  _cleanup_free_ char *chain = xstrdup("deeper");
  for (int i = 1; i < 129; i++) {
    char *longer = xasprintf("%s/d", chain);
    free(chain);
    chain = longer;
  }
  static const struct {
    const char *path;
    mode_t mode;
    const char *error;
  } cases[] = {
      {"dir07/locked", 0, "cannot open rootfs/dir07/locked: Permission denied\n"},
      {"dir09/unlisted", 0444,
       "cannot read rootfs/dir09/unlisted: cannot read directory: "
       "Permission denied\n"},
      {NULL, 0, "cannot open rootfs/deeper/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/"},
  };
  bool checked = false;
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    const char *path = cases[k].path ? cases[k].path : chain;
    assert_int_equal(fchmodat(fd, path, cases[k].mode, 0), 0);
    assert_true(set_dac_override(false));
    int probe = openat(fd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (probe >= 0) { /* permission bits do not hold here */
      close(probe);
    } else {
      _cleanup_free_ char *serial = rootfs_log(fd, 1);
      assert_non_null(strstr(serial, cases[k].error));
      for (unsigned threads = 2; threads <= 4; threads++) {
        for (int round = 0; round < 5; round++) {
          _cleanup_free_ char *threaded = rootfs_log(fd, threads);
          assert_string_equal(threaded, serial);
        }
      }
      checked = true;
    }
    assert_true(set_dac_override(true));
    assert_int_equal(fchmodat(fd, path, 0755, 0), 0);
  }
  close(fd);
  assert_int_equal(sc_rm_rf_at(AT_FDCWD, dir, NULL), 0);
  if (!checked)
    skip();
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_whiteouts),
      cmocka_unit_test(test_replace_link_and_symlinks),
      cmocka_unit_test(test_layer_without_padding),
      cmocka_unit_test(test_record_files),
      cmocka_unit_test(test_observed_walk_stamps_as_layer_cache),
      cmocka_unit_test(test_threaded_walk_as_serial),
      cmocka_unit_test(test_threaded_walk_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
