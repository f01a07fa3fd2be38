/* layer.c: write a reproducible layer tar in one streaming pass.
 *
 * Writer A (pax_restricted tar, no filter) hands its bytes to a callback
 * that digests them (the diff_id, image-spec config.md rootfs.diff_ids) and
 * feeds them to the compressor (pgzip.c on every core for gzip; pzstd.c,
 * libzstd's workers, for zstd), whose
 * output is digested (the blob digest, descriptor.md) and written to a
 * temp file in the blob directory.  Nothing is held in memory but one
 * directory listing per level of the walk and the hardlink table. */
#include "layer.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "digest.h"
#include "oci.h"
#include "parallel.h"
#include "compressor.h"
#include "util.h"

#define EXPORTS_DIR "exports"

/* Files seen with st_nlink > 1, by (dev, ino): the first archive path
 * stored, so that later paths become tar hardlink entries to it. */
typedef struct link_slot {
  dev_t dev;
  ino_t ino;
  char *path; /* NULL: empty slot */
} link_slot;

typedef struct link_table {
  link_slot *slots;
  size_t cap, count;
} link_table;

typedef struct layer_ctx {
  const sc_layer_options *opts;
  struct archive *tar; /* writer A */
  sc_compressor compressor;
  sc_digest_writer diff;    /* uncompressed bytes */
  sc_digest_writer blob;    /* compressed bytes, into the temp file */
  sc_error cb_err;          /* an error met inside a libarchive callback */
  const char *display_root; /* "rootfs" or "hostfs", for messages */
  const char *archive_root; /* "" or "exports/hostfs/" */
  link_table links;
  uint64_t entries;
  sc_layer_progress progress;
  uint64_t next_progress; /* tar bytes at which to report next */
  char buf[1 << 16];
} layer_ctx;

static size_t link_hash(dev_t dev, ino_t ino, size_t cap)
{
  uint64_t h = (uint64_t)ino * 0x9E3779B97F4A7C15ull ^ (uint64_t)dev;
  return (size_t)(h % cap);
}

static link_slot *link_find(link_table *t, dev_t dev, ino_t ino)
{
  if (t->cap == 0)
    return NULL;
  for (size_t i = link_hash(dev, ino, t->cap);; i = (i + 1) % t->cap) {
    link_slot *s = &t->slots[i];
    if (s->path == NULL || (s->dev == dev && s->ino == ino))
      return s;
  }
}

static void link_add(link_table *t, dev_t dev, ino_t ino, const char *path)
{
  if ((t->count + 1) * 2 > t->cap) {
    link_table bigger = {xcalloc(t->cap ? t->cap * 2 : 64, sizeof(link_slot)),
                         t->cap ? t->cap * 2 : 64, 0};
    for (size_t i = 0; i < t->cap; i++)
      if (t->slots[i].path)
        *link_find(&bigger, t->slots[i].dev, t->slots[i].ino) = t->slots[i];
    bigger.count = t->count;
    free(t->slots);
    *t = bigger;
  }
  link_slot *s = link_find(t, dev, ino);
  *s = (link_slot){dev, ino, xstrdup(path)};
  t->count++;
}

static void link_table_free(link_table *t)
{
  for (size_t i = 0; i < t->cap; i++)
    free(t->slots[i].path);
  free(t->slots);
}

int sc_source_date_epoch_parse(const char *text, int64_t *out, sc_error *err)
{
  *out = 0;
  if (text == NULL || text[0] == '\0')
    return 0;
  char *end = NULL;
  errno = 0;
  long long v = strtoll(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || v < 0 || text[0] == '+' || text[0] == ' ')
    return sc_error_set(err, SC_E_INVALID,
                        "SOURCE_DATE_EPOCH='%s' is not a number of seconds since 1970: set a "
                        "whole non-negative number, or unset it",
                        text);
  *out = v;
  return 0;
}

/* ---- the two writers ---- */

/* Both compressors' sink: the blob digest and the temp file. */
static int compressed_sink(void *user, const void *buf, size_t len, sc_error *err)
{
  layer_ctx *c = user;
  return sc_digest_writer_write(&c->blob, buf, len, err);
}

#define PROGRESS_STEP (1u << 20)

static void report_progress(layer_ctx *c)
{
  c->progress.entries_done = c->entries;
  c->opts->progress(c->opts->progress_user, &c->progress);
  c->next_progress = (uint64_t)c->diff.size + PROGRESS_STEP;
}

static la_ssize_t tar_write_cb(struct archive *a, void *user, const void *buf, size_t len)
{
  layer_ctx *c = user;
  (void)a;
  sc_digest_writer_write(&c->diff, buf, len, NULL);
  if (c->opts->progress && (uint64_t)c->diff.size >= c->next_progress)
    report_progress(c);
  if (sc_interrupted(c->opts->interrupted)) {
    sc_error_set(&c->cb_err, SC_E_INTERRUPTED, "interrupted");
    return -1;
  }
  const sc_layer_tap *tap = c->opts->tap;
  if (tap && tap->write && tap->write(tap->user, buf, len, &c->cb_err) < 0)
    return -1;
  if (sc_compressor_write(&c->compressor, buf, len, &c->cb_err) < 0)
    return -1;
  return (la_ssize_t)len;
}

static int open_compressor(layer_ctx *c, sc_error *err)
{
  const sc_compressor_kind *kind =
      c->opts->compression == SC_COMPRESSION_ZSTD ? &sc_compressor_zstd : &sc_compressor_gzip;
  return sc_compressor_open(&c->compressor, kind, c->opts->compression_level,
                            sc_threads_or_cpus(c->opts->threads), compressed_sink, c, err);
}

static int open_tar(layer_ctx *c, sc_error *err)
{
  struct archive *a = c->tar = archive_write_new();
  /* pax_restricted: ustar headers, plus pax records only where ustar cannot
   * hold a value (long or non-ASCII names, large sizes).  No writer-wide
   * hdrcharset option: libarchive then puts "hdrcharset=BINARY" in every
   * entry's pax record, which GNU tar warns about once per entry. */
  if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
      archive_write_open2(a, c, NULL, tar_write_cb, NULL, NULL) != ARCHIVE_OK)
    return sc_error_set(err, SC_E_INVALID, "cannot set up tar writer: %s", archive_error_string(a));
  return 0;
}

/* The callback's error when there is one, else libarchive's. */
static int archive_failed(layer_ctx *c, struct archive *a, const char *what, sc_error *err)
{
  if (c->cb_err.code != 0) {
    sc_error_move(err, &c->cb_err);
    return sc_error_prefix(err, "%s", what);
  }
  return sc_error_set(err, SC_E_INVALID, "%s: %s", what, archive_error_string(a));
}

/* ---- entries ---- */

/* Names are bytes on Linux.  sc-build never calls setlocale, so libarchive
 * converts names from the "C" locale on every machine, whatever the
 * user's LANG: an ASCII name is stored as it is (in the ustar header when
 * it fits, else in a pax "path" record), and a name with any other byte
 * keeps its bytes in a pax record marked hdrcharset=BINARY, for that entry
 * alone.  Readers then take the bytes as they are, with no conversion to
 * a locale that could fail (the runtime reads in the "C" locale too). */
static void set_pathname(struct archive_entry *e, const char *path)
{
  archive_entry_copy_pathname(e, path);
}

/* docs/design.md section 3: owners 0/0 without names, a fixed mtime, no atime
 * or ctime, permission bits (setuid, setgid, sticky included) kept. */
static struct archive_entry *new_entry(layer_ctx *c, const char *path, mode_t mode)
{
  struct archive_entry *e = archive_entry_new();
  set_pathname(e, path);
  archive_entry_set_mode(e, mode);
  archive_entry_set_uid(e, 0);
  archive_entry_set_gid(e, 0);
  archive_entry_set_mtime(e, (time_t)c->opts->mtime, 0);
  return e;
}

/* The header is out: filter 0's count is where the entry's data starts
 * (libarchive counts what the format wrote, not what its block buffer has
 * passed on yet). */
static void tap_entry(layer_ctx *c, struct archive_entry *e)
{
  bool has_data = archive_entry_filetype(e) == AE_IFREG && archive_entry_hardlink(e) == NULL;
  uint64_t size = has_data ? (uint64_t)archive_entry_size(e) : 0;
  c->opts->tap->entry(c->opts->tap->user, archive_entry_pathname(e),
                      (uint64_t)archive_filter_bytes(c->tar, 0), size);
}

static int write_header(layer_ctx *c, struct archive_entry *e, const char *display, sc_error *err)
{
  c->entries++;
  if (sc_check_interrupted(c->opts->interrupted, NULL, err) < 0)
    return -1;
  const sc_layer_tap *tap = c->opts->tap;
  if (tap && tap->check && tap->check(tap->user, e, err) < 0)
    return sc_error_prefix(err, "%s", display);
  int r = archive_write_header(c->tar, e);
  /* ARCHIVE_WARN: a name not in the charset, written as its bytes (see
   * set_pathname); the entry is complete. */
  if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
    _cleanup_free_ char *what = xasprintf("%s: cannot add to the layer", display);
    return archive_failed(c, c->tar, what, err);
  }
  if (tap && tap->entry)
    tap_entry(c, e);
  return 0;
}

static int write_data(layer_ctx *c, const void *data, size_t len, const char *display,
                      sc_error *err)
{
  if (len && archive_write_data(c->tar, data, len) != (la_ssize_t)len) {
    _cleanup_free_ char *what = xasprintf("%s: cannot add to the layer", display);
    return archive_failed(c, c->tar, what, err);
  }
  c->progress.bytes_done += len;
  return 0;
}

static int write_buffer_file(layer_ctx *c, const char *path, const char *data, size_t len,
                             sc_error *err)
{
  struct archive_entry *e = new_entry(c, path, S_IFREG | 0644);
  archive_entry_set_size(e, (la_int64_t)len);
  int r = write_header(c, e, path, err);
  archive_entry_free(e);
  return r < 0 ? -1 : write_data(c, data, len, path, err);
}

static int changed_while_reading(const char *display, sc_error *err)
{
  return sc_error_set(err, SC_E_INVALID,
                      "%s: changed while it was read (its size, mtime or ctime moved); build "
                      "from a tree nothing else writes to",
                      display);
}

/* A file rewritten in place keeps its size but not its mtime or ctime
 * (ctime moves even when mtime is set back): equal before and after the
 * read, the bytes read are one version of the file, not a torn mix. */
static bool unchanged(const struct stat *before, const struct stat *after)
{
  return before->st_size == after->st_size && before->st_mtim.tv_sec == after->st_mtim.tv_sec &&
         before->st_mtim.tv_nsec == after->st_mtim.tv_nsec &&
         before->st_ctim.tv_sec == after->st_ctim.tv_sec &&
         before->st_ctim.tv_nsec == after->st_ctim.tv_nsec;
}

/* Copy the bytes of an opened regular file: exactly st->st_size of them. */
static int copy_file_data(layer_ctx *c, int fd, const struct stat *st, const char *display,
                          sc_error *err)
{
  int64_t left = st->st_size;
  for (;;) {
    ssize_t n = read(fd, c->buf, sizeof c->buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return sc_error_set_errno(err, errno, "%s: cannot read", display);
    if (n == 0)
      break;
    if (n > left)
      return changed_while_reading(display, err);
    if (write_data(c, c->buf, (size_t)n, display, err) < 0)
      return -1;
    left -= n;
  }
  struct stat after;
  if (left != 0 || fstat(fd, &after) < 0 || !unchanged(st, &after))
    return changed_while_reading(display, err);
  return 0;
}

static int write_regular(layer_ctx *c, int dirfd, const char *name, const struct stat *st,
                         const char *path, const char *display, sc_error *err)
{
  if (st->st_nlink > 1) {
    link_slot *s = link_find(&c->links, st->st_dev, st->st_ino);
    if (s && s->path) {
      /* POSIX tar: a hardlink entry names the first path stored. */
      struct archive_entry *e = new_entry(c, path, st->st_mode);
      archive_entry_copy_hardlink(e, s->path);
      archive_entry_set_size(e, 0);
      int r = write_header(c, e, display, err);
      archive_entry_free(e);
      return r;
    }
    link_add(&c->links, st->st_dev, st->st_ino, path);
  }
  _cleanup_close_ int fd =
      openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0)
    return sc_error_set_errno(err, errno, "%s: cannot open", display);
  struct stat now;
  if (fstat(fd, &now) < 0)
    return sc_error_set_errno(err, errno, "%s: cannot stat", display);
  if (!S_ISREG(now.st_mode) || now.st_dev != st->st_dev || now.st_ino != st->st_ino ||
      !unchanged(st, &now))
    return changed_while_reading(display, err);
  struct archive_entry *e = new_entry(c, path, st->st_mode);
  archive_entry_set_size(e, (la_int64_t)st->st_size);
  int r = write_header(c, e, display, err);
  archive_entry_free(e);
  return r < 0 ? -1 : copy_file_data(c, fd, st, display, err);
}

static int write_symlink(layer_ctx *c, int dirfd, const char *name, const struct stat *st,
                         const char *path, const char *display, sc_error *err)
{
  /* Stored verbatim, never followed. */
  size_t cap = (size_t)st->st_size + 2;
  _cleanup_free_ char *target = xmalloc(cap);
  ssize_t n = readlinkat(dirfd, name, target, cap);
  if (n < 0)
    return sc_error_set_errno(err, errno, "%s: cannot read link", display);
  if ((size_t)n >= cap - 1)
    return changed_while_reading(display, err);
  target[n] = '\0';
  struct archive_entry *e = new_entry(c, path, S_IFLNK | 0777);
  archive_entry_copy_symlink(e, target);
  int r = write_header(c, e, display, err);
  archive_entry_free(e);
  return r;
}

static int write_special(layer_ctx *c, const struct stat *st, const char *path, const char *display,
                         sc_error *err)
{
  const char *kind = S_ISFIFO(st->st_mode)   ? "FIFOs"
                     : S_ISSOCK(st->st_mode) ? "sockets"
                                             : "device nodes";
  if (!c->opts->allow_special)
    return sc_error_set(err, SC_E_INVALID,
                        "%s: %s are not allowed in a layer; remove it or pass --allow-special",
                        display, kind);
  if (S_ISSOCK(st->st_mode)) {
    /* A socket belongs to a running process; tar cannot hold one. */
    if (c->opts->warnings)
      sc_diags_add(c->opts->warnings, SC_DIAG_WARNING, NULL, 0, 0,
                   "%s: sockets cannot be stored in a layer; skipped", display);
    return 0;
  }
  struct archive_entry *e = new_entry(c, path, st->st_mode);
  archive_entry_set_rdev(e, st->st_rdev);
  int r = write_header(c, e, display, err);
  archive_entry_free(e);
  return r;
}

/* ---- the walk ---- */

/* The names in a directory, sorted bytewise (strcmp), NULL-terminated. */
static int list_sorted(int dirfd, const char *display, char ***out, size_t *count, sc_error *err)
{
  if (sc_list_dir_at(dirfd, out, err) < 0)
    return sc_error_prefix(err, "%s", display);
  *count = sc_strv_length(*out);
  return 0;
}

static int walk_dir(layer_ctx *c, int dirfd, sc_buf *rel, bool top, sc_error *err);
static int write_exports(layer_ctx *c, sc_error *err);

static int walk_entry(layer_ctx *c, int dirfd, const char *name, sc_buf *rel, sc_error *err)
{
  size_t saved = rel->len;
  sc_buf_puts(rel, name);
  _cleanup_free_ char *display = xasprintf("%s/%s", c->display_root, rel->data);
  _cleanup_free_ char *path = xasprintf("%s%s", c->archive_root, rel->data);
  struct stat st;
  int r = 0;
  if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
    r = sc_error_set_errno(err, errno, "%s: cannot stat", display);
  } else if (S_ISDIR(st.st_mode)) {
    _cleanup_free_ char *dirpath = xasprintf("%s/", path);
    struct archive_entry *e = new_entry(c, dirpath, st.st_mode);
    r = write_header(c, e, display, err);
    archive_entry_free(e);
    _cleanup_close_ int sub = -1;
    if (r == 0) {
      struct stat now;
      sub = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub < 0)
        r = sc_error_set_errno(err, errno, "%s: cannot open directory", display);
      else if (fstat(sub, &now) < 0 || now.st_dev != st.st_dev || now.st_ino != st.st_ino)
        r = changed_while_reading(display, err);
    }
    if (r == 0) {
      sc_buf_putc(rel, '/');
      r = walk_dir(c, sub, rel, false, err);
    }
  } else if (S_ISREG(st.st_mode)) {
    r = write_regular(c, dirfd, name, &st, path, display, err);
  } else if (S_ISLNK(st.st_mode)) {
    r = write_symlink(c, dirfd, name, &st, path, display, err);
  } else {
    r = write_special(c, &st, path, display, err);
  }
  rel->len = saved;
  rel->data[saved] = '\0';
  return r;
}

/* Depth-first, each directory's entries in strcmp order, so that the same
 * tree gives the same bytes whatever order its files were created in.  At
 * the top of rootfs, /exports is inserted in its sorted place. */
static int walk_dir(layer_ctx *c, int dirfd, sc_buf *rel, bool top, sc_error *err)
{
  _cleanup_strv_ char **names = NULL;
  size_t n = 0;
  _cleanup_free_ char *display = xasprintf("%s/%s", c->display_root, rel->data ? rel->data : "");
  if (list_sorted(dirfd, display, &names, &n, err) < 0)
    return -1;
  /* A rootfs layer of its own (nothing for /exports) still refuses a
   * rootfs/exports, which the /exports layer above would hide. */
  bool exports_done = !top || (c->opts->export_count == 0 && c->opts->hostfs_fd < 0);
  for (size_t i = 0; i < n; i++) {
    if (top && strcmp(names[i], EXPORTS_DIR) == 0)
      return sc_error_set(err, SC_E_INVALID,
                          "%s/exports: sc-build writes /exports from the project's files; "
                          "remove it from %s",
                          c->display_root, c->display_root);
    if (!exports_done && strcmp(names[i], EXPORTS_DIR) > 0) {
      exports_done = true;
      if (write_exports(c, err) < 0)
        return -1;
    }
    if (walk_entry(c, dirfd, names[i], rel, err) < 0)
      return -1;
  }
  if (!exports_done && write_exports(c, err) < 0)
    return -1;
  return 0;
}

static int compare_exports(const void *a, const void *b)
{
  return strcmp(((const sc_layer_file *)a)->name, ((const sc_layer_file *)b)->name);
}

/* /exports/ (0755), its files (0644) and hostfs/, merged in strcmp order. */
static int write_exports(layer_ctx *c, sc_error *err)
{
  struct archive_entry *e = new_entry(c, EXPORTS_DIR "/", S_IFDIR | 0755);
  int r = write_header(c, e, EXPORTS_DIR, err);
  archive_entry_free(e);
  if (r < 0)
    return -1;
  size_t n = c->opts->export_count;
  _cleanup_free_ sc_layer_file *files = xcalloc(n + 1, sizeof *files);
  memcpy(files, c->opts->exports, n * sizeof *files);
  qsort(files, n, sizeof *files, compare_exports);
  bool hostfs_done = c->opts->hostfs_fd < 0;
  for (size_t i = 0; i <= n; i++) {
    if (!hostfs_done && (i == n || strcmp(files[i].name, "hostfs") > 0)) {
      hostfs_done = true;
      struct stat st;
      if (fstat(c->opts->hostfs_fd, &st) < 0)
        return sc_error_set_errno(err, errno, "hostfs: cannot stat");
      e = new_entry(c, EXPORTS_DIR "/hostfs/", S_IFDIR | (st.st_mode & 07777));
      r = write_header(c, e, "hostfs", err);
      archive_entry_free(e);
      sc_buf rel = SC_BUF_INIT;
      sc_buf_puts(&rel, "");
      c->display_root = "hostfs";
      c->archive_root = EXPORTS_DIR "/hostfs/";
      if (r == 0)
        r = walk_dir(c, c->opts->hostfs_fd, &rel, false, err);
      c->display_root = "rootfs";
      c->archive_root = "";
      sc_buf_free(&rel);
      if (r < 0)
        return -1;
    }
    if (i == n)
      break;
    _cleanup_free_ char *path = xasprintf(EXPORTS_DIR "/%s", files[i].name);
    if (write_buffer_file(c, path, files[i].data, files[i].len, err) < 0)
      return -1;
  }
  return 0;
}

static int stat_walk(int dir_fd, const char *rel, sc_layer_stat_fn fn, void *user, sc_error *err)
{
  _cleanup_strv_ char **names = NULL;
  if (sc_list_dir_at(dir_fd, &names, err) < 0)
    return sc_error_prefix(err, "%s", rel[0] ? rel : ".");
  for (size_t i = 0; names[i]; i++) {
    _cleanup_free_ char *path = rel[0] ? xasprintf("%s/%s", rel, names[i]) : xstrdup(names[i]);
    struct stat st;
    if (fstatat(dir_fd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0)
      return sc_error_set_errno(err, errno, "%s: cannot stat", path);
    fn(user, path, &st);
    if (!S_ISDIR(st.st_mode))
      continue;
    _cleanup_close_ int sub =
        openat(dir_fd, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (sub < 0)
      return sc_error_set_errno(err, errno, "%s: cannot open directory", path);
    if (stat_walk(sub, path, fn, user, err) < 0)
      return -1;
  }
  return 0;
}

int sc_layer_stat_walk(int dir_fd, sc_layer_stat_fn fn, void *user, sc_error *err)
{
  return stat_walk(dir_fd, "", fn, user, err);
}

static void count_entry(void *user, const char *rel, const struct stat *st)
{
  sc_layer_progress *p = user;
  (void)rel;
  p->entries_total++;
  if (S_ISREG(st->st_mode))
    p->bytes_total += (uint64_t)st->st_size;
}

/* Sizes and entries below dir_fd, for progress totals.  Best effort: a
 * tree that cannot be read leaves smaller totals (the walk that writes the
 * layer reports the error, and the last report is exact). */
static void measure_tree(int dir_fd, sc_layer_progress *p)
{
  sc_error ignored = SC_ERROR_INIT;
  sc_layer_stat_walk(dir_fd, count_entry, p, &ignored);
  sc_error_clear(&ignored);
}

static void measure_layer(layer_ctx *c)
{
  if (c->opts->rootfs_fd >= 0)
    measure_tree(c->opts->rootfs_fd, &c->progress);
  if (c->opts->hostfs_fd >= 0)
    measure_tree(c->opts->hostfs_fd, &c->progress);
  for (size_t i = 0; i < c->opts->export_count; i++) {
    c->progress.entries_total++;
    c->progress.bytes_total += c->opts->exports[i].len;
  }
}

/* image-spec layer.md: a whiteout applies to the layers below only, so
 * this layer's /exports, written after it, stays (".wh.exports" also
 * sorts first, for readers that apply entries in order, as libostree's
 * checkout with process_whiteouts does for atomic). */
static int write_exports_whiteout(layer_ctx *c, sc_error *err)
{
  static const char name[] = ".wh." EXPORTS_DIR;
  return write_buffer_file(c, name, "", 0, err);
}

static int write_all_entries(layer_ctx *c, sc_error *err)
{
  if (c->opts->rootfs_fd < 0 && c->opts->hide_lower_exports && write_exports_whiteout(c, err) < 0)
    return -1;
  if (c->opts->rootfs_fd < 0)
    return write_exports(c, err);
  sc_buf rel = SC_BUF_INIT;
  sc_buf_puts(&rel, "");
  int r = walk_dir(c, c->opts->rootfs_fd, &rel, !c->opts->plain_tree, err);
  sc_buf_free(&rel);
  return r;
}

static int finish_archives(layer_ctx *c, sc_error *err)
{
  if (archive_write_close(c->tar) != ARCHIVE_OK)
    return archive_failed(c, c->tar, "finishing the layer tar", err);
  if (sc_compressor_finish(&c->compressor, err) < 0)
    return sc_error_prefix(err, "compressing the layer");
  if (c->cb_err.code != 0) {
    sc_error_move(err, &c->cb_err);
    return -1;
  }
  return 0;
}

int sc_layer_write(const sc_layer_options *options, int blobs_fd, sc_layer_result *result,
                   sc_error *err)
{
  _cleanup_free_ char *tmp = NULL;
  _cleanup_close_ int fd =
      options->digest_only ? -1 : sc_oci_blob_create(blobs_fd, ".tmp-layer-", &tmp, err);
  if (fd < 0 && !options->digest_only)
    return -1;
  layer_ctx *c = xcalloc(1, sizeof *c);
  c->opts = options;
  c->display_root = "rootfs";
  c->archive_root = "";
  sc_digest_writer_init(&c->diff, -1);
  sc_digest_writer_init(&c->blob, fd);
  int r = open_compressor(c, err);
  if (r == 0)
    r = open_tar(c, err);
  if (r == 0 && options->progress)
    measure_layer(c);
  if (r == 0)
    r = write_all_entries(c, err);
  if (r == 0)
    r = finish_archives(c, err);
  if (r == 0 && options->progress) {
    /* The totals were an estimate (directory entries of /exports). */
    c->progress.entries_total = c->progress.entries_done = c->entries;
    c->progress.bytes_total = c->progress.bytes_done;
    c->opts->progress(c->opts->progress_user, &c->progress);
  }
  if (r == 0) {
    sc_digest_writer_finish(&c->diff, result->diff_id);
    sc_digest_writer_finish(&c->blob, result->digest);
    result->uncompressed_size = c->diff.size;
    result->size = c->blob.size;
    result->entries = c->entries;
    result->media_type = options->compression == SC_COMPRESSION_ZSTD ? SC_MEDIA_TYPE_LAYER_ZSTD
                                                                     : SC_MEDIA_TYPE_LAYER_GZIP;
    if (!options->digest_only)
      r = sc_oci_blob_store(blobs_fd, fd, tmp, result->digest, err);
  }
  if (r < 0 && tmp)
    unlinkat(blobs_fd, tmp, 0);
  archive_write_free(c->tar);
  sc_compressor_close(&c->compressor);
  sc_digest_writer_clear(&c->diff);
  sc_digest_writer_clear(&c->blob);
  sc_error_clear(&c->cb_err);
  link_table_free(&c->links);
  free(c);
  return r;
}
