/* image-view.c: a base image's layers and rootfs/ as one tree in memory
 * (image-view.h).  Layer entries are applied as the runtime's unpack.c
 * applies them (image-spec layer.md "Applying Changesets"): an entry
 * replaces what stands at its path unless both are directories, a parent
 * that is a symlink or a file is never written through (the entry is
 * dropped, as an install would refuse it), `.wh.NAME` hides NAME of the
 * layers below and `.wh..wh..opq` everything below in its directory. */
#include "image-view.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "descriptor.h"
#include "dir-walk.h"
#include "layer-reader.h"
#include "parallel.h"
#include "sha256.h"
#include "util.h"

#define WHITEOUT_PREFIX ".wh."
#define WHITEOUT_OPAQUE ".wh..wh..opq"
#define MAX_SYMLINKS 40 /* as Linux (MAXSYMLINKS) */
#define MAX_DEPTH 128
/* ELF files larger than this are taken as present but not parsed. */
#define MAX_ELF_SIZE (256u << 20)
#define MAX_CONFIG_SIZE (64u << 10)

typedef struct view_content {
  int refs; /* shared by hard links */
  unsigned char *head;
  size_t head_len;
  sc_elf_info *elf;
  char *elf_error;
  bool too_large;
  char digest[SC_DIGEST_LEN + 1]; /* recorded layers only, else "" */
  char sha1[SC_SHA1_HEX_LEN + 1];
  uint64_t size;
  unsigned char *whole; /* a kept file (sc_image_view_record_files) */
  size_t whole_len;
  bool whole_too_large;
} view_content;

typedef struct view_node view_node;
struct view_node {
  char *name;
  sc_view_type type;
  mode_t mode;
  char *target;          /* symlink target */
  int layer;             /* the layer that last wrote it */
  char *disk_path;       /* rootfs/ files: the path under rootfs_fd, read on demand */
  view_content *content; /* NULL until known */
  view_node **children;  /* directories: sorted by name */
  size_t count, cap;
};

struct sc_image_view {
  view_node *root;
  int layer;        /* the layer being applied */
  int rootfs_layer; /* rootfs/'s, 0 until add_rootfs */
  int rootfs_fd;    /* -1 until add_rootfs */
  bool record;      /* sc_image_view_record_files */
  const char *const *keep;
  size_t keep_max;
  size_t keep_left;         /* of the total kept files may take (an image holds many) */
  sc_view_entry_fn observe; /* during sc_image_view_add_rootfs_observed */
  void *observe_user;
  unsigned threads; /* of the walk of rootfs/ (sc_image_view_set_threads) */
};

/* ---- nodes ---- */

static void content_unref(view_content *c)
{
  if (c == NULL || --c->refs > 0)
    return;
  free(c->head);
  free(c->whole);
  if (c->elf)
    sc_elf_info_clear(c->elf);
  free(c->elf);
  free(c->elf_error);
  free(c);
}

static void node_free(view_node *n)
{
  if (n == NULL)
    return;
  for (size_t i = 0; i < n->count; i++)
    node_free(n->children[i]);
  free(n->children);
  free(n->name);
  free(n->target);
  free(n->disk_path);
  content_unref(n->content);
  free(n);
}

static view_node *node_new(const char *name, sc_view_type type, mode_t mode, int layer)
{
  view_node *n = xcalloc(1, sizeof *n);
  n->name = xstrdup(name);
  n->type = type;
  n->mode = mode & 07777;
  n->layer = layer;
  return n;
}

/* The index of name among dir's children, or where it would go. */
static size_t child_index(const view_node *dir, const char *name, bool *found)
{
  size_t lo = 0, hi = dir->count;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = strcmp(dir->children[mid]->name, name);
    if (c == 0) {
      *found = true;
      return mid;
    }
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  *found = false;
  return lo;
}

static view_node *child_get(const view_node *dir, const char *name)
{
  bool found;
  size_t i = child_index(dir, name, &found);
  return found ? dir->children[i] : NULL;
}

/* Put n at its name in dir, freeing what was there. */
static void child_put(view_node *dir, view_node *n)
{
  bool found;
  size_t i = child_index(dir, n->name, &found);
  if (found) {
    node_free(dir->children[i]);
    dir->children[i] = n;
    return;
  }
  if (dir->count == dir->cap) {
    dir->cap = dir->cap ? dir->cap * 2 : 8;
    dir->children = xrealloc(dir->children, dir->cap * sizeof *dir->children);
  }
  memmove(dir->children + i + 1, dir->children + i, (dir->count - i) * sizeof *dir->children);
  dir->children[i] = n;
  dir->count++;
}

static void child_remove(view_node *dir, size_t i)
{
  node_free(dir->children[i]);
  memmove(dir->children + i, dir->children + i + 1, (dir->count - i - 1) * sizeof *dir->children);
  dir->count--;
}

sc_image_view *sc_image_view_new(void)
{
  sc_image_view *v = xcalloc(1, sizeof *v);
  v->root = node_new("", SC_VIEW_DIR, 0755, 0);
  v->rootfs_fd = -1;
  return v;
}

void sc_image_view_set_threads(sc_image_view *view, unsigned threads)
{
  view->threads = threads;
}

void sc_image_view_free(sc_image_view *view)
{
  if (view == NULL)
    return;
  node_free(view->root);
  sc_closep(&view->rootfs_fd);
  free(view);
}

/* ---- applying entries ---- */

/* The clean components of a layer path ("./usr//bin/" -> usr, bin); NULL
 * for a path with `..` or none at all, which is never applied. */
static char **split_path(const char *path)
{
  char **parts = NULL;
  _cleanup_free_ char *copy = xstrdup(path);
  char *save = NULL;
  for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
    if (strcmp(c, ".") == 0)
      continue;
    if (strcmp(c, "..") == 0) {
      sc_strv_free(parts);
      return NULL;
    }
    sc_strv_push(&parts, c);
  }
  return parts;
}

static char *join_path(char *const *parts)
{
  sc_buf b = SC_BUF_INIT;
  for (size_t i = 0; parts[i]; i++)
    sc_buf_printf(&b, "%s%s", i ? "/" : "", parts[i]);
  return sc_buf_steal(&b);
}

/* The directory holding the last of parts (created when missing, as tar
 * does), or NULL when a parent is not a directory. */
static view_node *parent_dir(sc_image_view *v, char **parts, size_t n)
{
  view_node *dir = v->root;
  for (size_t i = 0; i + 1 < n; i++) {
    view_node *next = child_get(dir, parts[i]);
    if (next == NULL) {
      next = node_new(parts[i], SC_VIEW_DIR, 0755, v->layer);
      child_put(dir, next);
    }
    if (next->type != SC_VIEW_DIR)
      return NULL;
    dir = next;
  }
  return dir;
}

/* Hide everything the layers below put under dir (an opaque whiteout). */
static void hide_lower(view_node *dir, int layer)
{
  for (size_t i = dir->count; i-- > 0;) {
    view_node *c = dir->children[i];
    if (c->layer < layer)
      child_remove(dir, i);
    else if (c->type == SC_VIEW_DIR)
      hide_lower(c, layer);
  }
}

static void apply_whiteout(sc_image_view *v, view_node *dir, const char *base)
{
  if (strcmp(base, WHITEOUT_OPAQUE) == 0) {
    hide_lower(dir, v->layer);
    return;
  }
  bool found;
  size_t i = child_index(dir, base + strlen(WHITEOUT_PREFIX), &found);
  if (found && dir->children[i]->layer < v->layer)
    child_remove(dir, i);
}

/* Put a new node at its place: a directory over a directory keeps what is
 * below it (its mode is the new one), anything else replaces.  Returns the
 * node now at that place. */
static view_node *place_node(view_node *dir, view_node *n)
{
  view_node *old = child_get(dir, n->name);
  if (old && old->type == SC_VIEW_DIR && n->type == SC_VIEW_DIR) {
    old->mode = n->mode;
    old->layer = n->layer;
    node_free(n);
    return old;
  }
  child_put(dir, n);
  return n;
}

/* The node at a clean path without following any symlink. */
static view_node *lookup_nofollow(sc_image_view *v, const char *path)
{
  _cleanup_strv_ char **parts = split_path(path);
  view_node *n = v->root;
  for (size_t i = 0; n && parts && parts[i]; i++)
    n = n->type == SC_VIEW_DIR ? child_get(n, parts[i]) : NULL;
  return n;
}

/* ---- content ---- */

static bool is_loader_config(const char *path)
{
  while (*path == '/' || sc_str_has_prefix(path, "./"))
    path += *path == '/' ? 1 : 2;
  return strcmp(path, "etc/ld.so.conf") == 0 || sc_str_has_prefix(path, "etc/ld.so.conf.d/") ||
         fnmatch("etc/ld-musl-*.path", path, FNM_PATHNAME) == 0;
}

/* What validation keeps of a file whose first `len` bytes (of `size`) are
 * data; for an ELF file data must be whole. */
static view_content *content_from(const char *path, const unsigned char *data, size_t len,
                                  uint64_t size)
{
  view_content *c = xcalloc(1, sizeof *c);
  c->refs = 1;
  if (sc_elf_has_magic(data, len)) {
    sc_error err = SC_ERROR_INIT;
    c->elf = xcalloc(1, sizeof *c->elf);
    c->too_large = len < size;
    if (!c->too_large && sc_elf_parse(data, len, c->elf, &err) < 0)
      c->elf_error = xstrdup(err.msg ? err.msg : "unreadable ELF file");
    if (c->elf_error || c->too_large) {
      free(c->elf);
      c->elf = NULL;
    }
    sc_error_clear(&err);
    return c;
  }
  size_t keep = is_loader_config(path) ? len
                : (len >= 2 && data[0] == '#' && data[1] == '!')
                    ? (len < SC_SHEBANG_MAX ? len : SC_SHEBANG_MAX)
                    : 0;
  if (keep > MAX_CONFIG_SIZE)
    keep = MAX_CONFIG_SIZE;
  c->head = xmalloc(keep + 1);
  memcpy(c->head, data, keep);
  c->head[keep] = '\0';
  c->head_len = keep;
  return c;
}

/* Reads up to want bytes of a file's content, or -1. */
typedef ssize_t (*content_read_fn)(void *source, unsigned char *buf, size_t want);

/* From the current entry of a tar (a struct archive). */
static ssize_t tar_read(void *source, unsigned char *buf, size_t want)
{
  size_t got = 0;
  while (got < want) {
    la_ssize_t n = archive_read_data(source, buf + got, want - got);
    if (n < 0)
      return -1;
    if (n == 0)
      break;
    got += (size_t)n;
  }
  return (ssize_t)got;
}

/* From a file descriptor (an int *). */
static ssize_t fd_read(void *source, unsigned char *buf, size_t want)
{
  size_t got = 0;
  while (got < want) {
    ssize_t n = read(*(int *)source, buf + got, want - got);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return -1;
    if (n == 0)
      break;
    got += (size_t)n;
  }
  return (ssize_t)got;
}

/* The content of a file of `size` bytes: its head decides whether the
 * rest is needed (an ELF file not too large to read, a loader config
 * file).  Never reads past size: in a tar that would consume the entry's
 * padding, which a layer written by `umoci insert` lacks at its end. */
static int read_content(content_read_fn read_fn, void *source, const char *path, int64_t size,
                        view_content **out)
{
  unsigned char head[SC_SHEBANG_MAX] = {0};
  uint64_t total = size < 0 ? 0 : (uint64_t)size;
  ssize_t n = read_fn(source, head, total < sizeof head ? (size_t)total : sizeof head);
  if (n < 0)
    return -1;
  bool elf = sc_elf_has_magic(head, (size_t)n);
  size_t limit = elf ? MAX_ELF_SIZE : is_loader_config(path) ? MAX_CONFIG_SIZE : 0;
  if (total < (uint64_t)n)
    total = (uint64_t)n;
  if (limit == 0 || total == (uint64_t)n || (elf && total > limit)) {
    *out = content_from(path, head, (size_t)n, total);
    return 0;
  }
  size_t want = total < limit ? (size_t)total : limit;
  _cleanup_free_ unsigned char *data = xmalloc(want);
  memcpy(data, head, (size_t)n);
  ssize_t rest = read_fn(source, data + n, want - (size_t)n);
  if (rest < 0)
    return -1;
  *out = content_from(path, data, (size_t)n + (size_t)rest, total);
  return 0;
}

/* ---- recording every file (an SBOM) ---- */

void sc_image_view_record_files(sc_image_view *view, const char *const *keep, size_t keep_max,
                                size_t keep_total)
{
  view->record = true;
  view->keep = keep;
  view->keep_max = keep_max;
  view->keep_left = keep_total;
}

/* A tar entry read through a hash, and kept whole when asked. */
typedef struct recording {
  struct archive *tar;
  sc_sha256 *hash, *sha1;
  uint64_t read;
  sc_buf kept;
  bool keep;
} recording;

static ssize_t recording_read(void *source, unsigned char *buf, size_t want)
{
  recording *r = source;
  ssize_t n = tar_read(r->tar, buf, want);
  if (n > 0) {
    sc_sha256_update(r->hash, buf, (size_t)n);
    sc_sha256_update(r->sha1, buf, (size_t)n);
    r->read += (uint64_t)n;
    if (r->keep)
      sc_buf_append(&r->kept, buf, (size_t)n);
  }
  return n;
}

static bool kept_path(const sc_image_view *v, const char *clean)
{
  for (size_t i = 0; v->keep && v->keep[i]; i++)
    if (fnmatch(v->keep[i], clean, FNM_PATHNAME) == 0)
      return true;
  return false;
}

/* read_content through a hash, then the rest of the entry (never past its
 * size, as read_content): the digest and size of every byte. */
static int read_recorded(sc_image_view *v, struct archive *tar, const char *path, const char *clean,
                         int64_t size, view_content **out)
{
  recording r = {.tar = tar, .hash = sc_sha256_new(), .sha1 = sc_sha1_new(), .kept = SC_BUF_INIT};
  uint64_t total = size < 0 ? 0 : (uint64_t)size;
  r.keep = kept_path(v, clean) && total <= v->keep_max && total <= v->keep_left;
  if (r.keep)
    v->keep_left -= (size_t)total;
  int ret = read_content(recording_read, &r, path, size, out);
  unsigned char buf[65536];
  ssize_t n = 1;
  while (ret == 0 && r.read < total && n > 0) {
    uint64_t left = total - r.read;
    n = recording_read(&r, buf, left < sizeof buf ? (size_t)left : sizeof buf);
    ret = n < 0 ? -1 : 0;
  }
  char digest[SC_DIGEST_LEN + 1], sha1[SC_SHA1_HEX_LEN + 1];
  sc_sha256_finish(r.hash, digest);
  sc_sha1_finish(r.sha1, sha1);
  if (ret == 0) {
    memcpy((*out)->digest, digest, sizeof digest);
    memcpy((*out)->sha1, sha1, sizeof sha1);
    (*out)->size = r.read;
    (*out)->whole_too_large = kept_path(v, clean) && !r.keep;
    if (r.keep) {
      (*out)->whole_len = r.kept.len;
      (*out)->whole = (unsigned char *)sc_buf_steal(&r.kept);
    }
  }
  sc_buf_free(&r.kept);
  return ret;
}

static sc_view_type entry_type(mode_t type)
{
  switch (type) {
  case AE_IFDIR:
    return SC_VIEW_DIR;
  case AE_IFREG:
    return SC_VIEW_REG;
  case AE_IFLNK:
    return SC_VIEW_SYMLINK;
  default:
    return SC_VIEW_OTHER;
  }
}

/* The node a tar entry makes (content filled for regular files). */
static int node_from_entry(sc_image_view *v, struct archive *tar, struct archive_entry *e,
                           const char *base, const char *clean, view_node **out, sc_error *err)
{
  const char *path = archive_entry_pathname(e);
  const char *link = archive_entry_hardlink(e);
  if (link) { /* the same file as one already applied */
    view_node *target = lookup_nofollow(v, link);
    if (target == NULL || target->type == SC_VIEW_DIR)
      return 0;
    view_node *n = node_new(base, target->type, target->mode, v->layer);
    n->target = target->target ? xstrdup(target->target) : NULL;
    n->disk_path = target->disk_path ? xstrdup(target->disk_path) : NULL;
    if ((n->content = target->content))
      n->content->refs++;
    *out = n;
    return 0;
  }
  view_node *n =
      node_new(base, entry_type(archive_entry_filetype(e)), archive_entry_perm(e), v->layer);
  if (n->type == SC_VIEW_SYMLINK)
    n->target = xstrdup(archive_entry_symlink(e) ? archive_entry_symlink(e) : "");
  int64_t size = archive_entry_size(e);
  if (n->type == SC_VIEW_REG &&
      (v->record ? read_recorded(v, tar, path, clean, size, &n->content)
                 : read_content(tar_read, tar, path, size, &n->content)) < 0) {
    node_free(n);
    return sc_error_set(err, EIO, "%s: %s", path, archive_error_string(tar));
  }
  *out = n;
  return 0;
}

static int apply_entry(sc_image_view *v, struct archive *tar, struct archive_entry *e,
                       sc_error *err)
{
  _cleanup_strv_ char **parts = split_path(archive_entry_pathname(e));
  size_t n = sc_strv_length(parts);
  if (n == 0)
    return 0; /* "./" itself, or a path with `..`, which an install refuses */
  view_node *dir = parent_dir(v, parts, n);
  if (dir == NULL)
    return 0;
  const char *base = parts[n - 1];
  if (sc_str_has_prefix(base, WHITEOUT_PREFIX)) {
    apply_whiteout(v, dir, base);
    return 0;
  }
  view_node *node = NULL;
  _cleanup_free_ char *clean = v->record ? join_path(parts) : NULL;
  if (node_from_entry(v, tar, e, base, clean, &node, err) < 0)
    return -1;
  if (node)
    place_node(dir, node);
  return 0;
}

int sc_image_view_add_layer(sc_image_view *view, struct archive *tar, sc_error *err)
{
  struct archive_entry *e;
  int r;
  size_t entries = 0;
  view->layer++;
  while ((r = archive_read_next_header(tar, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
    if (apply_entry(view, tar, e, err) < 0)
      return -1;
    entries++;
  }
  /* Debian 12's umoci 0.4.7 (`umoci insert`) writes layers that end right
   * after the last file's data, without its padding or the end-of-archive
   * blocks.  The digest matches, but every reader an install uses refuses
   * the tar ("Truncated input file"): said here, with what to do, rather
   * than after the image is built and pushed. */
  const char *msg = archive_error_string(tar);
  if (r == ARCHIVE_FATAL && msg && strstr(msg, "Truncated"))
    return sc_error_set(err, SC_E_INVALID,
                        "the layer is a truncated tar (%s, after %zu entries), which an install "
                        "cannot unpack; Debian 12's umoci 0.4.7 writes such layers with `umoci "
                        "insert`: make the base again with `umoci unpack` and `umoci repack` "
                        "(docs/image.md)",
                        msg, entries);
  if (r != ARCHIVE_EOF)
    return sc_error_set(err, SC_E_INVALID, "reading the layer: %s", msg ? msg : "unreadable");
  return 0;
}

int sc_image_view_add_image(sc_image_view *view, const sc_image *image,
                            volatile const int *interrupted, sc_error *err)
{
  for (size_t i = 0; i < image->layer_count; i++) {
    const sc_descriptor *layer = &image->layers[i];
    const char *digest = layer->digest;
    int fd = sc_image_open_layer(image, layer, err);
    if (fd < 0)
      return sc_error_prefix(err, "layer %s", digest);
    sc_layer_reader *reader = NULL;
    sc_layer_sums sums;
    int r = sc_layer_reader_open(fd, layer->media_type, interrupted, &reader, err);
    if (r == 0)
      r = sc_image_view_add_layer(view, sc_layer_reader_tar(reader), err);
    if (r == 0) {
      /* The rules every reader of images applies (runtime/image.c). */
      int finished = sc_layer_reader_finish(reader, &sums, err);
      r = sc_image_check_layer_sums(image, i, &sums, err) < 0 ? -1 : finished;
    }
    sc_layer_reader_free(reader);
    if (r < 0 && err && err->code != SC_E_INTERRUPTED)
      sc_image_blame_blob(image, layer, err);
    if (r < 0)
      return sc_error_prefix(err, "layer %s", digest);
  }
  return 0;
}

/* ---- rootfs/ ---- */

static sc_view_type stat_type(mode_t mode)
{
  return S_ISDIR(mode)   ? SC_VIEW_DIR
         : S_ISREG(mode) ? SC_VIEW_REG
         : S_ISLNK(mode) ? SC_VIEW_SYMLINK
                         : SC_VIEW_OTHER;
}

/* One rootfs/ entry, name in dirfd, placed in dir; rel holds its path
 * from rootfs/ and is the same again on return. */
static int add_disk_entry(sc_image_view *v, int dirfd, const char *name, view_node *dir,
                          sc_buf *rel, int depth, sc_error *err);

/* What is below rel is not in the view: an observer is told so. */
static void left_out(sc_image_view *v, const char *rel)
{
  if (v->observe)
    v->observe(v->observe_user, rel, NULL);
}

static int add_disk_dir(sc_image_view *v, int fd, view_node *dir, sc_buf *rel, int depth,
                        sc_error *err)
{
  /* A lookup never goes deeper (resolve stops at MAX_DEPTH too): what is
   * below is left out of the view, and the tree stays valid to build. */
  if (depth > MAX_DEPTH) {
    left_out(v, rel->data);
    return 0;
  }
  /* Sorted, as sc_layer_stat_walk walks: an observer sees the entries in
   * the order the layer's cache key hashes them (layer-cache.h). */
  _cleanup_strv_ char **names = NULL;
  if (sc_list_dir_at(fd, &names, err) < 0)
    return sc_error_prefix(err, "cannot read rootfs/%s", rel->data);
  size_t at = rel->len;
  for (size_t i = 0; names[i]; i++) {
    if (at > 0)
      sc_buf_putc(rel, '/');
    sc_buf_puts(rel, names[i]);
    int r = add_disk_entry(v, fd, names[i], dir, rel, depth, err);
    rel->len = at;
    rel->data[at] = '\0';
    if (r < 0)
      return -1;
  }
  return 0;
}

/* The node of an entry lstat() described (after telling the observer),
 * placed in dir; the one now at its place. */
static view_node *place_disk_entry(sc_image_view *v, view_node *dir, const char *name,
                                   const char *rel, const struct stat *st, char *target)
{
  if (v->observe)
    v->observe(v->observe_user, rel, st);
  view_node *node = node_new(name, stat_type(st->st_mode), st->st_mode, v->layer);
  if (node->type == SC_VIEW_SYMLINK)
    node->target = target;
  else
    free(target);
  if (node->type == SC_VIEW_REG)
    node->disk_path = xstrdup(rel);
  return place_node(dir, node);
}

static int add_disk_entry(sc_image_view *v, int dirfd, const char *name, view_node *dir,
                          sc_buf *rel, int depth, sc_error *err)
{
  struct stat st;
  char *target = NULL;
  int e = sc_dir_walk_lstat(dirfd, name, &st, &target);
  if (e != 0)
    return sc_error_set_errno(err, e, "cannot stat rootfs/%s", rel->data);
  view_node *node = place_disk_entry(v, dir, name, rel->data, &st, target);
  if (node->type != SC_VIEW_DIR)
    return 0;
  _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return sc_error_set_errno(err, errno, "cannot open rootfs/%s", rel->data);
  return add_disk_dir(v, fd, node, rel, depth + 1, err);
}

/* add_disk_dir with the system calls made ahead on other threads
 * (dir-walk.h): the same nodes, observer calls and errors, in the same
 * order.  The walker's next directory is the one this call is about. */
static int take_disk_dir(sc_image_view *v, sc_dir_walk *w, view_node *dir, sc_buf *rel,
                         sc_error *err)
{
  sc_dir_walk_dir *d = sc_dir_walk_next(w);
  if (d == NULL) /* cannot be: the walker stops only where this walk does */
    return sc_error_set(err, EIO, "cannot read rootfs/%s", rel->data);
  int r = 0;
  switch (d->state) {
  case SC_DIR_WALK_OPEN_FAILED:
    r = sc_error_set_errno(err, d->error, "cannot open rootfs/%s", rel->data);
    break;
  case SC_DIR_WALK_TOO_DEEP:
    left_out(v, rel->data);
    break;
  case SC_DIR_WALK_LIST_FAILED:
    if (err)
      sc_error_move(err, &d->list_error);
    r = sc_error_prefix(err, "cannot read rootfs/%s", rel->data);
    break;
  case SC_DIR_WALK_LISTED: {
    size_t at = rel->len;
    for (size_t i = 0; r == 0 && i < d->count; i++) {
      sc_dir_walk_entry *e = &d->entries[i];
      if (at > 0)
        sc_buf_putc(rel, '/');
      sc_buf_puts(rel, e->name);
      if (e->error != 0) {
        r = sc_error_set_errno(err, e->error, "cannot stat rootfs/%s", rel->data);
      } else {
        view_node *node = place_disk_entry(v, dir, e->name, rel->data, &e->st, e->target);
        e->target = NULL; /* the node's, or freed */
        if (node->type == SC_VIEW_DIR)
          r = take_disk_dir(v, w, node, rel, err);
      }
      rel->len = at;
      rel->data[at] = '\0';
    }
    break;
  }
  }
  sc_dir_walk_release(w, d);
  return r;
}

int sc_image_view_add_rootfs_observed(sc_image_view *view, int rootfs_fd, sc_view_entry_fn observe,
                                      void *user, sc_error *err)
{
  view->rootfs_layer = ++view->layer;
  sc_closep(&view->rootfs_fd);
  view->rootfs_fd = fcntl(rootfs_fd, F_DUPFD_CLOEXEC, 3);
  if (view->rootfs_fd < 0)
    return sc_error_set_errno(err, errno, "cannot use rootfs/");
  view->observe = observe;
  view->observe_user = user;
  sc_buf rel = SC_BUF_INIT;
  sc_buf_puts(&rel, "");
  sc_dir_walk *w = NULL;
  unsigned threads = sc_threads_or_cpus(view->threads); /* this one counted */
  int r;
  if (threads > 1 && sc_dir_walk_start(view->rootfs_fd, MAX_DEPTH, threads, &w, NULL) == 0) {
    r = take_disk_dir(view, w, view->root, &rel, err);
    sc_dir_walk_free(w);
  } else { /* one thread, or none to be had */
    r = add_disk_dir(view, view->rootfs_fd, view->root, &rel, 0, err);
  }
  sc_buf_free(&rel);
  view->observe = NULL;
  view->observe_user = NULL;
  return r;
}

int sc_image_view_add_rootfs(sc_image_view *view, int rootfs_fd, sc_error *err)
{
  return sc_image_view_add_rootfs_observed(view, rootfs_fd, NULL, NULL, err);
}

/* ---- looking up ---- */

typedef struct walk {
  view_node *stack[MAX_DEPTH + 1]; /* stack[0] is the root */
  size_t depth;
  int links;
} walk;

/* One component of *rest; returns 1 to go on, 0 at the end, or -errno.
 * A symlink's target replaces it in *path (an absolute one from the root). */
static int walk_step(walk *w, char **path, char **rest, bool follow_last)
{
  char *p = *rest + strspn(*rest, "/");
  if (*p == '\0')
    return 0;
  char *end = strchrnul(p, '/');
  _cleanup_free_ char *name = xstrndup(p, (size_t)(end - p));
  *rest = end;
  if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
    if (name[1] == '.' && w->depth > 0) /* `..` stops at the root, like chroot */
      w->depth--;
    return 1;
  }
  view_node *dir = w->stack[w->depth];
  if (dir->type != SC_VIEW_DIR)
    return -ENOTDIR;
  view_node *child = child_get(dir, name);
  if (child == NULL)
    return -ENOENT;
  bool last = end[strspn(end, "/")] == '\0';
  if (child->type == SC_VIEW_SYMLINK && (!last || follow_last)) {
    if (++w->links > MAX_SYMLINKS)
      return -ELOOP;
    if (child->target[0] == '/')
      w->depth = 0;
    char *joined = xasprintf("%s/%s", child->target, end);
    free(*path);
    *path = *rest = joined;
    return 1;
  }
  if (w->depth >= MAX_DEPTH)
    return -ENAMETOOLONG;
  w->stack[++w->depth] = child;
  return 1;
}

static int resolve(sc_image_view *v, const char *path, bool follow_last, view_node **node,
                   char **resolved)
{
  walk w = {.stack = {v->root}};
  char *copy = xstrdup(path), *rest = copy;
  int r;
  while ((r = walk_step(&w, &copy, &rest, follow_last)) == 1)
    ;
  free(copy);
  if (r < 0)
    return r;
  *node = w.stack[w.depth];
  if (resolved) {
    sc_buf b = SC_BUF_INIT;
    for (size_t i = 1; i <= w.depth; i++)
      sc_buf_printf(&b, "/%s", w.stack[i]->name);
    *resolved = b.len ? sc_buf_steal(&b) : (sc_buf_free(&b), xstrdup("/"));
  }
  return 0;
}

int sc_image_view_stat(sc_image_view *view, const char *path, sc_view_file *out)
{
  *out = (sc_view_file){0};
  view_node *n;
  int r = resolve(view, path, true, &n, &out->path);
  if (r < 0)
    return r;
  out->type = n->type;
  out->mode = n->mode;
  out->from_rootfs = view->rootfs_fd >= 0 && n->layer == view->rootfs_layer;
  return 0;
}

char *sc_image_view_readlink(sc_image_view *view, const char *path)
{
  view_node *n;
  if (resolve(view, path, false, &n, NULL) < 0 || n->type != SC_VIEW_SYMLINK)
    return NULL;
  return xstrdup(n->target);
}

void sc_view_file_clear(sc_view_file *file)
{
  free(file->path);
  *file = (sc_view_file){0};
}

/* Read a rootfs/ file (never through a symlink: disk_path has real
 * directories only, as the walk found them). */
static int read_disk_content(sc_image_view *v, view_node *n, sc_error *err)
{
  _cleanup_close_ int fd = openat(v->rootfs_fd, n->disk_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) < 0 ||
      read_content(fd_read, &fd, n->disk_path, st.st_size, &n->content) < 0)
    return sc_error_set_errno(err, errno, "cannot read rootfs/%s", n->disk_path);
  return 0;
}

int sc_image_view_content(sc_image_view *view, const char *path, sc_view_content *out,
                          sc_error *err)
{
  *out = (sc_view_content){0};
  view_node *n;
  int r = resolve(view, path, true, &n, NULL);
  if (r < 0)
    return sc_error_set_errno(err, -r, "%s", path);
  if (n->type != SC_VIEW_REG)
    return sc_error_set(err, SC_E_INVALID, "%s is not a regular file", path);
  if (n->content == NULL && n->disk_path && read_disk_content(view, n, err) < 0)
    return -1;
  if (n->content) {
    out->head = n->content->head;
    out->head_len = n->content->head_len;
    out->elf = n->content->elf;
    out->elf_error = n->content->elf_error;
    out->too_large = n->content->too_large;
    out->whole = n->content->whole;
    out->whole_len = n->content->whole_len;
    out->whole_too_large = n->content->whole_too_large;
  }
  return 0;
}

char **sc_image_view_list(sc_image_view *view, const char *path)
{
  view_node *n;
  if (resolve(view, path, true, &n, NULL) < 0 || n->type != SC_VIEW_DIR)
    return NULL;
  char **names = NULL;
  for (size_t i = 0; i < n->count; i++)
    sc_strv_push(&names, n->children[i]->name);
  return names;
}

/* ---- walking ---- */

static int walk_node(const view_node *dir, sc_buf *path, int depth, sc_view_visit_fn fn, void *user)
{
  if (depth >= MAX_DEPTH)
    return 0; /* as deep as a lookup goes (resolve) */
  size_t len = path->len;
  for (size_t i = 0; i < dir->count; i++) {
    const view_node *n = dir->children[i];
    path->len = len;
    if (len)
      sc_buf_putc(path, '/');
    sc_buf_puts(path, n->name);
    bool hashed = n->content && n->content->digest[0];
    sc_view_entry entry = {.path = path->data,
                           .type = n->type,
                           .mode = n->mode,
                           .digest = hashed ? n->content->digest : NULL,
                           .sha1 = hashed ? n->content->sha1 : NULL,
                           .size = hashed ? n->content->size : 0};
    int r = fn(&entry, user);
    if (r == 0 && n->type == SC_VIEW_DIR)
      r = walk_node(n, path, depth + 1, fn, user);
    if (r != 0)
      return r;
  }
  path->len = len;
  return 0;
}

int sc_image_view_walk(sc_image_view *view, sc_view_visit_fn fn, void *user)
{
  sc_buf path = SC_BUF_INIT;
  sc_buf_puts(&path, "");
  int r = walk_node(view->root, &path, 0, fn, user);
  sc_buf_free(&path);
  return r;
}
