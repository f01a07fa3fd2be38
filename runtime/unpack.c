/* unpack.c: apply OCI layer tars under a directory fd (image-spec layer.md). */
#include "unpack.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "inroot.h"
#include "layer-reader.h"
#include "util.h"

#define WHITEOUT_PREFIX ".wh."
#define WHITEOUT_OPAQUE ".wh..wh..opq"

const char *sc_whiteout_victim(const char *name)
{
  if (!sc_str_has_prefix(name, WHITEOUT_PREFIX) || strcmp(name, WHITEOUT_OPAQUE) == 0)
    return NULL;
  return name + strlen(WHITEOUT_PREFIX);
}

/* ---- the paths a layer wrote, for opaque whiteouts ---- */

typedef struct path_set {
  char **slots;
  size_t capacity; /* power of two */
  size_t count;
} path_set;

static uint64_t hash_string(const char *s)
{
  uint64_t h = 1469598103934665603ULL; /* FNV-1a */
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return h;
}

static void path_set_insert_slot(char **slots, size_t capacity, char *path)
{
  size_t i = hash_string(path) & (capacity - 1);
  while (slots[i] && strcmp(slots[i], path) != 0)
    i = (i + 1) & (capacity - 1);
  if (slots[i])
    free(path);
  else
    slots[i] = path;
}

static bool path_set_contains(const path_set *set, const char *path)
{
  if (set->capacity == 0)
    return false;
  for (size_t i = hash_string(path) & (set->capacity - 1); set->slots[i];
       i = (i + 1) & (set->capacity - 1))
    if (strcmp(set->slots[i], path) == 0)
      return true;
  return false;
}

static void path_set_add(path_set *set, const char *path)
{
  if ((set->count + 1) * 2 > set->capacity) {
    size_t capacity = set->capacity ? set->capacity * 2 : 256;
    char **slots = xcalloc(capacity, sizeof(char *));
    for (size_t i = 0; i < set->capacity; i++)
      if (set->slots[i])
        path_set_insert_slot(slots, capacity, set->slots[i]);
    free(set->slots);
    set->slots = slots;
    set->capacity = capacity;
  }
  if (path_set_contains(set, path))
    return;
  path_set_insert_slot(set->slots, set->capacity, xstrdup(path));
  set->count++;
}

static void path_set_clear(path_set *set)
{
  for (size_t i = 0; i < set->capacity; i++)
    free(set->slots[i]);
  free(set->slots);
  *set = (path_set){0};
}

/* ---- paths ---- */

char *sc_unpack_normalize_path(const char *path)
{
  sc_buf out = SC_BUF_INIT;
  const char *p = path;
  while (*p) {
    while (*p == '/')
      p++;
    const char *end = strchrnul(p, '/');
    size_t len = (size_t)(end - p);
    if (len == 2 && p[0] == '.' && p[1] == '.') {
      sc_buf_free(&out);
      return NULL;
    }
    if (len > 0 && !(len == 1 && p[0] == '.')) {
      if (out.len)
        sc_buf_putc(&out, '/');
      sc_buf_append(&out, p, len);
    }
    p = end;
  }
  return sc_buf_steal(&out);
}

/* Remove what stands at parent/base, unless it is a directory and
 * keep_directory is set. */
static int remove_existing(int parent_fd, const char *base, bool keep_directory, bool *is_dir,
                           sc_error *err)
{
  struct stat st;
  *is_dir = false;
  if (fstatat(parent_fd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return errno == ENOENT ? 0 : sc_error_set_errno(err, errno, "cannot stat %s", base);
  if (S_ISDIR(st.st_mode) && keep_directory) {
    *is_dir = true;
    return 0;
  }
  return sc_rm_rf_at(parent_fd, base, err);
}

/* ---- entries ---- */

/* The blob's digest (compressed bytes, as stored) and, when the config is
 * known, its diff_id (the uncompressed tar) against what was promised. */
static int check_sums(const sc_layer_sums *sums, const sc_unpack_options *options, const char *what,
                      sc_error *err)
{
  if (options->expected_digest && strcmp(sums->digest, options->expected_digest) != 0)
    return sc_error_set(err, SC_E_INVALID,
                        "%s: content digest %s does not match the expected %s: the blob is "
                        "corrupt or was tampered with",
                        what, sums->digest, options->expected_digest);
  if (options->expected_diff_id && strcmp(sums->diff_id, options->expected_diff_id) != 0)
    return sc_error_set(err, SC_E_INVALID,
                        "%s: uncompressed digest %s does not match the config's diff_id %s", what,
                        sums->diff_id, options->expected_diff_id);
  return 0;
}

typedef struct unpack_ctx {
  struct archive *archive;
  int rootfs_fd;
  const char *what;
  const sc_unpack_options *options;
  sc_unpack_stats *stats;
  path_set written;
} unpack_ctx;

static int set_owner_and_mode(const unpack_ctx *ctx, int parent_fd, const char *base,
                              struct archive_entry *entry, bool is_symlink, sc_error *err)
{
  if (ctx->options->keep_owners &&
      fchownat(parent_fd, base, (uid_t)archive_entry_uid(entry), (gid_t)archive_entry_gid(entry),
               AT_SYMLINK_NOFOLLOW) < 0)
    return sc_error_set_errno(err, errno, "cannot set the owner of %s", base);
  /* chown clears setuid/setgid bits: set the mode after it. */
  if (!is_symlink && fchmodat(parent_fd, base, archive_entry_perm(entry) & 07777, 0) < 0)
    return sc_error_set_errno(err, errno, "cannot set the mode of %s", base);
  struct timespec times[2] = {
      {.tv_sec = archive_entry_mtime(entry), .tv_nsec = archive_entry_mtime_nsec(entry)},
      {.tv_sec = archive_entry_mtime(entry), .tv_nsec = archive_entry_mtime_nsec(entry)},
  };
  if (utimensat(parent_fd, base, times, AT_SYMLINK_NOFOLLOW) < 0)
    return sc_error_set_errno(err, errno, "cannot set the modification time of %s", base);
  return 0;
}

/* libarchive says only "Truncated input file" of a tar that ends early,
 * and the layer's digest matched: its writer cut it.  Debian 12's umoci
 * 0.4.7 (`umoci insert`) leaves out the last entry's padding and the end
 * blocks; say so, and what to do. */
static const char *truncation_hint(struct archive *archive)
{
  const char *msg = archive_error_string(archive);
  return msg && strstr(msg, "Truncated")
             ? " (the layer is a truncated tar, which no install unpacks; Debian 12's umoci "
               "0.4.7 writes such layers with `umoci insert`: build the image again on a base "
               "made with `umoci unpack` and `umoci repack`)"
             : "";
}

static int write_file_data(unpack_ctx *ctx, int fd, const char *path, sc_error *err)
{
  const void *block;
  size_t size;
  la_int64_t offset;
  int r;
  while ((r = archive_read_data_block(ctx->archive, &block, &size, &offset)) == ARCHIVE_OK) {
    for (size_t done = 0; done < size;) {
      ssize_t n = pwrite(fd, (const char *)block + done, size - done, offset + (off_t)done);
      if (n < 0) {
        if (errno == EINTR)
          continue;
        return sc_error_set_errno(err, errno, "cannot write %s", path);
      }
      done += (size_t)n;
    }
    ctx->stats->bytes += size;
  }
  if (r != ARCHIVE_EOF)
    return sc_error_set(err, SC_E_INVALID, "%s: reading %s: %s%s", ctx->what, path,
                        archive_error_string(ctx->archive), truncation_hint(ctx->archive));
  return 0;
}

static int extract_regular(unpack_ctx *ctx, int parent_fd, const char *base, const char *path,
                           struct archive_entry *entry, sc_error *err)
{
  _cleanup_close_ int fd =
      openat(parent_fd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    return sc_error_set_errno(err, errno, "cannot create %s", path);
  if (write_file_data(ctx, fd, path, err) < 0)
    return -1;
  /* Sparse tails: the file is as long as the entry says. */
  if (ftruncate(fd, archive_entry_size(entry)) < 0)
    return sc_error_set_errno(err, errno, "cannot size %s", path);
  if (close(steal_fd(&fd)) < 0) /* a deferred write error shows here */
    return sc_error_set_errno(err, errno, "cannot write %s", path);
  return set_owner_and_mode(ctx, parent_fd, base, entry, false, err);
}

static int extract_hardlink(unpack_ctx *ctx, int parent_fd, const char *base, const char *path,
                            const char *link, sc_error *err)
{
  _cleanup_free_ char *target = sc_unpack_normalize_path(link);
  if (target == NULL || target[0] == '\0')
    return sc_error_set(err, SC_E_INVALID, "%s: refusing hardlink %s -> %s: target escapes",
                        ctx->what, path, link);
  const char *target_base;
  _cleanup_close_ int target_parent =
      sc_open_parent_beneath(ctx->rootfs_fd, target, false, &target_base, err);
  if (target_parent < 0)
    return sc_error_prefix(err, "%s: hardlink %s", ctx->what, path);
  if (linkat(target_parent, target_base, parent_fd, base, 0) < 0)
    return sc_error_set_errno(err, errno, "%s: cannot link %s to %s", ctx->what, path, target);
  return 0;
}

static int extract_special(unpack_ctx *ctx, int parent_fd, const char *base, const char *path,
                           struct archive_entry *entry, sc_error *err)
{
  mode_t type = archive_entry_filetype(entry);
  if (type != AE_IFIFO && !ctx->options->allow_devices)
    return 0; /* device nodes need root; a rootless checkout goes without them */
  dev_t dev = makedev(archive_entry_rdevmajor(entry), archive_entry_rdevminor(entry));
  if (mknodat(parent_fd, base, type | (archive_entry_perm(entry) & 0777), dev) < 0)
    return sc_error_set_errno(err, errno, "cannot create %s", path);
  return set_owner_and_mode(ctx, parent_fd, base, entry, false, err);
}

static int extract_directory(unpack_ctx *ctx, int parent_fd, const char *base, bool exists,
                             const char *path, struct archive_entry *entry, sc_error *err)
{
  if (!exists && mkdirat(parent_fd, base, 0700) < 0)
    return sc_error_set_errno(err, errno, "cannot create directory %s", path);
  return set_owner_and_mode(ctx, parent_fd, base, entry, false, err);
}

static int extract_entry(unpack_ctx *ctx, struct archive_entry *entry, const char *path,
                         sc_error *err)
{
  const char *base;
  _cleanup_close_ int parent_fd = sc_open_parent_beneath(ctx->rootfs_fd, path, true, &base, err);
  if (parent_fd < 0)
    return sc_error_prefix(err, "%s", ctx->what);
  mode_t type = archive_entry_filetype(entry);
  const char *link = archive_entry_hardlink(entry);
  bool exists = false;
  if (remove_existing(parent_fd, base, type == AE_IFDIR && link == NULL, &exists, err) < 0)
    return -1;
  path_set_add(&ctx->written, path);
  if (link)
    return extract_hardlink(ctx, parent_fd, base, path, link, err);
  switch (type) {
  case AE_IFREG:
    return extract_regular(ctx, parent_fd, base, path, entry, err);
  case AE_IFDIR:
    return extract_directory(ctx, parent_fd, base, exists, path, entry, err);
  case AE_IFLNK:
    if (symlinkat(archive_entry_symlink(entry), parent_fd, base) < 0)
      return sc_error_set_errno(err, errno, "cannot create symlink %s", path);
    return set_owner_and_mode(ctx, parent_fd, base, entry, true, err);
  case AE_IFCHR:
  case AE_IFBLK:
  case AE_IFIFO:
    return extract_special(ctx, parent_fd, base, path, entry, err);
  default:
    return sc_error_set(err, SC_E_INVALID, "%s: %s has an unsupported file type", ctx->what, path);
  }
}

/* Open the directory at `path` (relative, normalized; "" is the rootfs)
 * without following symlinks. */
static int open_dir_beneath(int rootfs_fd, const char *path, sc_error *err)
{
  if (path[0] == '\0')
    return fcntl(rootfs_fd, F_DUPFD_CLOEXEC, 3);
  const char *base;
  _cleanup_close_ int parent = sc_open_parent_beneath(rootfs_fd, path, true, &base, err);
  if (parent < 0)
    return -1;
  int fd = openat(parent, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 && errno != ENOENT)
    return sc_error_set_errno(err, errno, "cannot open directory %s", path);
  return fd < 0 ? -2 : fd;
}

/* `.wh..wh..opq` in DIR: remove what lower layers put in DIR, keeping what
 * this layer wrote there already. */
static int apply_opaque(unpack_ctx *ctx, const char *dir_path, sc_error *err)
{
  int dfd = open_dir_beneath(ctx->rootfs_fd, dir_path, err);
  if (dfd == -2)
    return 0; /* nothing below */
  if (dfd < 0)
    return -1;
  DIR *d = fdopendir(dfd);
  if (d == NULL) {
    close(dfd);
    return sc_error_set_errno(err, errno, "cannot read %s", dir_path);
  }
  int ret = 0;
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    _cleanup_free_ char *child =
        dir_path[0] ? xasprintf("%s/%s", dir_path, de->d_name) : xstrdup(de->d_name);
    if (!path_set_contains(&ctx->written, child) && sc_rm_rf_at(dirfd(d), de->d_name, err) < 0) {
      ret = -1;
      break;
    }
  }
  closedir(d);
  return ret;
}

static int apply_whiteout(unpack_ctx *ctx, const char *path, const char *base, sc_error *err)
{
  size_t dir_len = base > path ? (size_t)(base - path) - 1 : 0;
  _cleanup_free_ char *dir_path = xstrndup(path, dir_len);
  const char *victim = sc_whiteout_victim(base); /* a name: sc_unpack_check_entry */
  if (victim == NULL)
    return apply_opaque(ctx, dir_path, err);
  _cleanup_free_ char *victim_path =
      dir_path[0] ? xasprintf("%s/%s", dir_path, victim) : xstrdup(victim);
  const char *vbase;
  sc_error local = SC_ERROR_INIT;
  _cleanup_close_ int parent =
      sc_open_parent_beneath(ctx->rootfs_fd, victim_path, false, &vbase, &local);
  if (parent < 0) {
    if (local.code == ENOENT) {
      sc_error_clear(&local);
      return 0; /* nothing below to delete */
    }
    if (err)
      sc_error_move(err, &local);
    sc_error_clear(&local);
    return sc_error_prefix(err, "%s: whiteout %s", ctx->what, path);
  }
  return sc_rm_rf_at(parent, vbase, err);
}

int sc_unpack_check_entry(struct archive_entry *entry, char **path, sc_error *err)
{
  const char *raw = archive_entry_pathname(entry);
  *path = NULL;
  if (raw == NULL)
    return sc_error_set(err, SC_E_INVALID, "an entry has no name");
  _cleanup_free_ char *normal = sc_unpack_normalize_path(raw);
  if (normal == NULL)
    return sc_error_set(err, SC_E_INVALID,
                        "refusing entry '%s': a '..' component would escape the rootfs", raw);
  const char *slash = strrchr(normal, '/');
  const char *base = slash ? slash + 1 : normal;
  const char *victim = sc_whiteout_victim(base);
  /* ".wh..." would remove "..", the directory above; ".wh.." its own. */
  if (victim && !sc_name_is_valid(victim))
    return sc_error_set(err, SC_E_INVALID, "refusing whiteout '%s': '%s' is not a file name", raw,
                        victim);
  /* libarchive gives NULL for an empty target, which symlinkat(2) and
   * libostree would be handed. */
  const char *symlink = archive_entry_symlink(entry);
  if (archive_entry_filetype(entry) == AE_IFLNK && (symlink == NULL || symlink[0] == '\0'))
    return sc_error_set(err, SC_E_INVALID, "refusing symlink '%s': it has no target", raw);
  const char *link = archive_entry_hardlink(entry);
  _cleanup_free_ char *target = link ? sc_unpack_normalize_path(link) : NULL;
  if (link && (target == NULL || target[0] == '\0'))
    return sc_error_set(err, SC_E_INVALID,
                        "refusing hard link '%s' -> '%s': the target escapes the rootfs", raw,
                        link);
  *path = steal_pointer(&normal);
  return 0;
}

static int unpack_next(unpack_ctx *ctx, struct archive_entry *entry, sc_error *err)
{
  _cleanup_free_ char *path = NULL;
  if (sc_unpack_check_entry(entry, &path, err) < 0)
    return sc_error_prefix(err, "%s", ctx->what);
  if (path[0] == '\0')
    return 0; /* the root directory itself */
  const char *slash = strrchr(path, '/');
  const char *base = slash ? slash + 1 : path;
  ctx->stats->entries++;
  if (sc_str_has_prefix(base, WHITEOUT_PREFIX))
    return apply_whiteout(ctx, path, base, err);
  return extract_entry(ctx, entry, path, err);
}

int sc_unpack_layer_fd(int fd, int rootfs_fd, const char *what, const sc_unpack_options *options,
                       sc_unpack_stats *stats, sc_error *err)
{
  sc_unpack_stats local = {0};
  sc_unpack_options defaults = {0};
  options = options ? options : &defaults;
  int own_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  if (own_fd < 0)
    return sc_error_set_errno(err, errno, "%s: cannot read", what);
  sc_layer_reader *reader = NULL;
  if (sc_layer_reader_open(own_fd, options->media_type, options->interrupted, &reader, err) < 0) {
    sc_layer_reader_free(reader);
    return sc_error_prefix(err, "%s", what);
  }
  unpack_ctx ctx = {
      .archive = sc_layer_reader_tar(reader),
      .rootfs_fd = rootfs_fd,
      .what = what,
      .options = options,
      .stats = stats ? stats : &local,
  };
  int ret = 0;
  for (;;) {
    struct archive_entry *entry;
    int r = archive_read_next_header(ctx.archive, &entry);
    if (r == ARCHIVE_EOF)
      break;
    if (r < ARCHIVE_WARN) {
      ret = sc_error_set(err, SC_E_INVALID, "%s: %s%s", what, archive_error_string(ctx.archive),
                         truncation_hint(ctx.archive));
      break;
    }
    if ((ret = sc_check_interrupted(options->interrupted, what, err)) < 0)
      break;
    if ((ret = unpack_next(&ctx, entry, err)) < 0)
      break;
  }
  if (ret == 0) {
    sc_layer_sums sums;
    int finished = sc_layer_reader_finish(reader, &sums, err);
    if (finished < 0)
      sc_error_prefix(err, "%s", what);
    /* A wrong digest says more than the decompressor's error. */
    ret = check_sums(&sums, options, what, err) < 0 ? -1 : finished;
  }
  path_set_clear(&ctx.written);
  sc_layer_reader_free(reader);
  return ret;
}
