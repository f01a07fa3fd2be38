/* hostfs.c: copy /exports/hostfs onto the host, and take it back. */
#include "hostfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sc/template.h>
#include "inroot.h"
#include "sha256.h"
#include "util.h"

#define HOSTFS_DIR "exports/hostfs"

/* Open a path of the host beneath root_fd: symlinks the admin made on the
 * host are followed but can never leave the root (RESOLVE_IN_ROOT). */
static int open_in_root(int root_fd, const char *path, int flags, mode_t mode)
{
  return sc_open_in_root(root_fd, path, flags, mode, 0);
}

/* The parent directory of a host path, opened in the root; *base points
 * at the last component of path. */
static int open_parent_in_root(int root_fd, const char *path, const char **base, sc_error *err)
{
  _cleanup_free_ char *dir = sc_path_dirname(path);
  const char *slash = strrchr(path, '/');
  *base = slash ? slash + 1 : path;
  int fd = open_in_root(root_fd, dir, O_RDONLY | O_DIRECTORY, 0);
  if (fd < 0)
    return sc_error_set_errno(err, errno, "cannot open %s on the host", dir);
  return fd;
}

int sc_hostfs_open_parent(int root_fd, const char *path, const char **base, sc_error *err)
{
  return open_parent_in_root(root_fd, path, base, err);
}

/* ---- planning ---- */

typedef struct hostfs_entry {
  char *source;      /* relative to exports/hostfs */
  char *destination; /* host path, after renames */
  mode_t mode;       /* type and permission bits */
  bool parent;       /* a missing parent of a destination, not in hostfs/ */
} hostfs_entry;

typedef struct hostfs_entries {
  hostfs_entry *items;
  size_t count, capacity;
} hostfs_entries;

static void entries_clear(hostfs_entries *e)
{
  for (size_t i = 0; i < e->count; i++) {
    free(e->items[i].source);
    free(e->items[i].destination);
  }
  free(e->items);
  *e = (hostfs_entries){0};
}

static char **sorted_children(int dfd, sc_error *err)
{
  char **names = NULL;
  if (sc_list_dir_at(dfd, &names, err) < 0)
    sc_error_prefix(err, "%s", HOSTFS_DIR);
  return names;
}

int sc_hostfs_rename(const sc_values *rename, const sc_values *values, const char *host_path,
                     char **out, sc_error *err)
{
  _cleanup_free_ char *path = xstrdup("");
  for (const char *p = host_path; *p == '/';) {
    size_t len = strcspn(p + 1, "/");
    char *longer = xasprintf("%s/%.*s", path, (int)len, p + 1);
    free(path);
    path = longer;
    p += 1 + len;
    const char *template = rename ? sc_values_get(rename, path) : NULL;
    if (template == NULL)
      continue;
    char *rendered = NULL;
    if (sc_template_render(template, strlen(template), "/exports/manifest.json", values,
                           SC_TEMPLATE_SINGLE_LINE_VALUES, &rendered, NULL, err) < 0) {
      if (err) /* the position was in the value, not in the file */
        err->line = err->col = 0;
      return sc_error_prefix(err, "renameFiles[\"%s\"]", path);
    }
    free(path);
    path = rendered;
  }
  *out = steal_pointer(&path);
  return 0;
}

static int collect(const sc_hostfs_plan *plan, int dfd, const char *rel, hostfs_entries *out,
                   sc_error *err)
{
  _cleanup_strv_ char **names = sorted_children(dfd, err);
  if (names == NULL)
    return -1;
  for (size_t i = 0; names[i]; i++) {
    struct stat st;
    if (fstatat(dfd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0)
      return sc_error_set_errno(err, errno, "cannot stat %s/%s", HOSTFS_DIR, names[i]);
    _cleanup_free_ char *source = rel[0] ? xasprintf("%s/%s", rel, names[i]) : xstrdup(names[i]);
    _cleanup_free_ char *host = xasprintf("/%s", source);
    if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode))
      return sc_error_set(err, SC_E_INVALID,
                          "%s/%s: only files, directories and symlinks can "
                          "be installed on the host",
                          HOSTFS_DIR, source);
    if (out->count == out->capacity) {
      out->capacity = out->capacity ? out->capacity * 2 : 16;
      out->items = xrealloc(out->items, out->capacity * sizeof *out->items);
    }
    hostfs_entry *e = &out->items[out->count];
    if (sc_hostfs_rename(plan->rename, plan->values, host, &e->destination, err) < 0)
      return -1;
    e->source = steal_pointer(&source);
    e->mode = st.st_mode;
    e->parent = false;
    out->count++;
    if (S_ISDIR(st.st_mode)) {
      _cleanup_close_ int child =
          openat(dfd, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (child < 0)
        return sc_error_set_errno(err, errno, "cannot open %s/%s", HOSTFS_DIR, e->source);
      if (collect(plan, child, e->source, out, err) < 0)
        return -1;
    }
  }
  return 0;
}

static void push_entry(hostfs_entries *out, char *source, char *destination, mode_t mode,
                       bool parent)
{
  if (out->count == out->capacity) {
    out->capacity = out->capacity ? out->capacity * 2 : 16;
    out->items = xrealloc(out->items, out->capacity * sizeof *out->items);
  }
  out->items[out->count++] = (hostfs_entry){source, destination, mode, parent};
}

static bool listed_dir(const hostfs_entries *list, const char *path)
{
  for (size_t i = 0; i < list->count; i++)
    if (S_ISDIR(list->items[i].mode) && strcmp(list->items[i].destination, path) == 0)
      return true;
  return false;
}

/* As atomic's installer (os.makedirs), the missing parents of a
 * destination are made: a renameFiles target like $CONF_DIRECTORY/$NAME/x
 * lands in a directory no host has yet.  They become directory entries of
 * their own, before what they hold, so that they are planned, recorded and
 * removed at uninstall like the image's own directories. */
static void add_missing_parents(int root_fd, hostfs_entries *entries)
{
  hostfs_entries out = {0};
  for (size_t i = 0; i < entries->count; i++) {
    hostfs_entry *e = &entries->items[i];
    for (const char *p = strchr(e->destination + 1, '/'); p; p = strchr(p + 1, '/')) {
      _cleanup_free_ char *dir = xstrndup(e->destination, (size_t)(p - e->destination));
      if (listed_dir(&out, dir) || listed_dir(entries, dir))
        continue;
      _cleanup_close_ int fd = open_in_root(root_fd, dir, O_PATH, 0);
      if (fd < 0 && errno == ENOENT)
        push_entry(&out, xstrdup(dir + 1), xstrdup(dir), S_IFDIR | 0755, true);
    }
    push_entry(&out, e->source, e->destination, e->mode, e->parent);
  }
  free(entries->items);
  *entries = out;
}

static bool unchanged(int parent, const char *base, const char *checksum);

/* A destination the replaced deployment installed and nobody changed since. */
static bool replaceable(const sc_hostfs_plan *plan, int parent, const char *base,
                        const hostfs_entry *e, const struct stat *st)
{
  const char *checksum = json_string_value(json_object_get(plan->replaceable, e->destination));
  if (checksum == NULL || S_ISDIR(st->st_mode))
    return false;
  return unchanged(parent, base, checksum);
}

/* Refuse before writing anything: a file of the host is never replaced,
 * unless the deployment being replaced installed it unchanged. */
static int check_destinations_free(int root_fd, const sc_hostfs_plan *plan,
                                   const hostfs_entries *entries, sc_error *err)
{
  for (size_t i = 0; i < entries->count; i++) {
    const hostfs_entry *e = &entries->items[i];
    const char *base;
    _cleanup_close_ int parent = open_parent_in_root(root_fd, e->destination, &base, NULL);
    struct stat st;
    if (parent < 0 || fstatat(parent, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
      continue; /* missing: created on the way */
    if ((S_ISDIR(e->mode) && S_ISDIR(st.st_mode)) || replaceable(plan, parent, base, e, &st))
      continue;
    return sc_error_set(err, SC_E_EXISTS,
                        "%s already exists on the host and would be replaced by the image's "
                        "%s/%s: remove it, or rename it with renameFiles in manifest.json",
                        e->destination, HOSTFS_DIR, e->source);
  }
  return 0;
}

/* ---- writing ---- */

static void record_add(sc_hostfs_record *record, const char *path, const char *checksum)
{
  json_array_append_new(record->files, json_string(path));
  json_object_set_new(record->checksums, path, json_string(checksum));
}

/* installedFilesTemplate names host paths; atomic matches them against
 * the destination after renames.  Entries may use variables themselves
 * ("/etc/${NAME}/x"), so they are rendered first; the path before renames
 * matches too, which is what an author writing it usually means. */
static bool is_templated(const sc_hostfs_plan *plan, const hostfs_entry *e)
{
  _cleanup_free_ char *original = xasprintf("/%s", e->source);
  for (char *const *p = plan->templated; p && *p; p++) {
    const char *entry = *p;
    _cleanup_free_ char *rendered = NULL;
    if (sc_template_render(entry, strlen(entry), NULL, plan->values, 0, &rendered, NULL, NULL) < 0)
      continue;
    if (strcmp(rendered, e->destination) == 0 || strcmp(rendered, original) == 0)
      return true;
  }
  return false;
}

/* The name written in the destination's directory (see temp_suffix). */
static char *written_name(const sc_hostfs_plan *plan, const char *base)
{
  return plan->temp_suffix ? xasprintf(".%s%s", base, plan->temp_suffix) : xstrdup(base);
}

/* ---- file contents ----
 *
 * As atomic's rpm_host_install: a file named in installedFilesTemplate is
 * read whole and rendered (so its size is capped, SC_HOSTFS_TEMPLATE_MAX);
 * every other file is copied as it is, in chunks, keeping its holes, and
 * hashed on the way, so that its size costs no memory. */

#define COPY_CHUNK (1 << 20)

static int read_template_source(int src_fd, const hostfs_entry *e, char **out, size_t *len,
                                sc_error *err)
{
  sc_buf b = SC_BUF_INIT;
  char chunk[65536];
  for (;;) {
    ssize_t n = read(src_fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int saved = errno;
      sc_buf_free(&b);
      return sc_error_set_errno(err, saved, "cannot read %s/%s", HOSTFS_DIR, e->source);
    }
    if (n == 0)
      break;
    sc_buf_append(&b, chunk, (size_t)n);
    if (b.len > SC_HOSTFS_TEMPLATE_MAX) {
      sc_buf_free(&b);
      return sc_error_set(err, SC_E_INVALID,
                          "%s/%s is larger than %d MiB: a file named in installedFilesTemplate is "
                          "rendered in memory and may be at most that; leave it out of "
                          "installedFilesTemplate to copy it as it is",
                          HOSTFS_DIR, e->source, SC_HOSTFS_TEMPLATE_MAX >> 20);
    }
  }
  *len = b.len;
  *out = sc_buf_steal(&b);
  return 0;
}

/* Copy bytes [from, to) of src to the same offsets of dst, hashing them. */
static int copy_range(int src, int dst, off_t from, off_t to, sc_sha256 *h, char *buf)
{
  if (from < to && lseek(dst, from, SEEK_SET) < 0)
    return -1;
  while (from < to) {
    size_t want = to - from < COPY_CHUNK ? (size_t)(to - from) : COPY_CHUNK;
    ssize_t n = pread(src, buf, want, from);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      if (n == 0)
        errno = EIO; /* shorter than its size said: changed while copied */
      return -1;
    }
    if (sc_write_all(dst, buf, (size_t)n) < 0)
      return -1;
    sc_sha256_update(h, buf, (size_t)n);
    from += n;
  }
  return 0;
}

static void hash_zeros(sc_sha256 *h, off_t len, const char *zeros)
{
  for (; len > 0; len -= COPY_CHUNK)
    sc_sha256_update(h, zeros, len < COPY_CHUNK ? (size_t)len : COPY_CHUNK);
}

/* Copy size bytes, data extents only (SEEK_DATA/SEEK_HOLE; all of it where
 * the filesystem cannot tell), so a sparse file stays sparse. */
static int copy_sparse(int src, int dst, off_t size, char checksum[SC_DIGEST_LEN + 1])
{
  _cleanup_free_ char *buf = xmalloc(COPY_CHUNK);
  _cleanup_free_ char *zeros = xcalloc(1, COPY_CHUNK);
  sc_sha256 *h = sc_sha256_new();
  off_t pos = 0;
  int r = 0;
  while (r == 0 && pos < size) {
    off_t data = lseek(src, pos, SEEK_DATA);
    if (data < 0)
      data = errno == ENXIO ? size : pos; /* ENXIO: only a hole is left */
    off_t hole = data < size ? lseek(src, data, SEEK_HOLE) : size;
    if (hole <= data || hole > size) /* cannot tell: the rest is data */
      hole = size;
    if (data > size)
      data = size;
    hash_zeros(h, data - pos, zeros);
    r = copy_range(src, dst, data, hole, h, buf);
    pos = hole;
  }
  if (r == 0 && ftruncate(dst, size) < 0) /* a hole at the end */
    r = -1;
  int saved = errno;
  sc_sha256_finish(h, checksum);
  errno = saved;
  return r;
}

/* Create destination with the rendered text (data) or a copy of src_fd;
 * a file that cannot be written whole is removed. */
static int write_host_file(const sc_hostfs_plan *plan, int root_fd, const hostfs_entry *e,
                           const char *data, size_t len, int src_fd, off_t size,
                           char checksum[SC_DIGEST_LEN + 1], sc_error *err)
{
  const char *base;
  _cleanup_close_ int parent = open_parent_in_root(root_fd, e->destination, &base, err);
  if (parent < 0)
    return -1;
  _cleanup_free_ char *name = written_name(plan, base);
  _cleanup_close_ int fd =
      openat(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    return sc_error_set_errno(err, errno, "cannot create %s on the host", e->destination);
  int r = 0;
  if (data) {
    r = sc_write_all(fd, data, len);
    sc_sha256_digest(data, len, checksum);
  } else {
    r = copy_sparse(src_fd, fd, size, checksum);
  }
  if (r == 0 && (fchmod(fd, e->mode & 07777) < 0 || fsync(fd) < 0))
    r = -1;
  int saved = errno;
  if (close(steal_fd(&fd)) < 0 && r == 0) {
    r = -1;
    saved = errno;
  }
  if (r < 0) {
    unlinkat(parent, name, 0);
    return sc_error_set_errno(err, saved, "cannot copy %s/%s to %s on the host", HOSTFS_DIR,
                              e->source, e->destination);
  }
  return 0;
}

/* Hardlink when asked and possible (same filesystem); false when not. */
static bool try_link(const sc_hostfs_plan *plan, int src_parent, const char *src_base, int root_fd,
                     const char *destination)
{
  if (!plan->use_links || !sc_str_has_prefix(destination, "/usr/"))
    return false;
  const char *base;
  _cleanup_close_ int parent = open_parent_in_root(root_fd, destination, &base, NULL);
  _cleanup_free_ char *name = written_name(plan, base);
  return parent >= 0 && linkat(src_parent, src_base, parent, name, 0) == 0;
}

static int install_templated(int src_fd, const sc_hostfs_plan *plan, const hostfs_entry *e,
                             int root_fd, char checksum[SC_DIGEST_LEN + 1], sc_error *err)
{
  _cleanup_free_ char *data = NULL, *rendered = NULL;
  size_t len = 0;
  if (read_template_source(src_fd, e, &data, &len, err) < 0)
    return -1;
  _cleanup_free_ char *name = xasprintf("/%s/%s", HOSTFS_DIR, e->source);
  if (sc_template_render(data, len, name, plan->values, 0, &rendered, &len, err) < 0)
    return -1;
  return write_host_file(plan, root_fd, e, rendered, len, -1, 0, checksum, err);
}

static int install_file(int hostfs_fd, const sc_hostfs_plan *plan, const hostfs_entry *e,
                        int root_fd, char checksum[SC_DIGEST_LEN + 1], sc_error *err)
{
  _cleanup_close_ int src =
      openat(hostfs_fd, e->source, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  struct stat st;
  if (src < 0 || fstat(src, &st) < 0)
    return sc_error_set_errno(err, errno, "cannot open %s/%s", HOSTFS_DIR, e->source);
  if (!S_ISREG(st.st_mode))
    return sc_error_set(err, SC_E_INVALID, "%s/%s is not a regular file", HOSTFS_DIR, e->source);
  if (is_templated(plan, e))
    return install_templated(src, plan, e, root_fd, checksum, err);
  _cleanup_free_ char *dir = sc_path_dirname(e->source);
  _cleanup_close_ int src_parent =
      strcmp(dir, ".") ? openat(hostfs_fd, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                       : fcntl(hostfs_fd, F_DUPFD_CLOEXEC, 3);
  _cleanup_free_ char *src_base = sc_path_basename(e->source);
  if (src_parent >= 0 && try_link(plan, src_parent, src_base, root_fd, e->destination))
    return sc_sha256_fd(src, checksum, err) < 0
               ? sc_error_prefix(err, "%s/%s", HOSTFS_DIR, e->source)
               : 0;
  return write_host_file(plan, root_fd, e, NULL, 0, src, st.st_size, checksum, err);
}

/* atomic's _copyfile creates (and records) a directory only when it is
 * empty in hostfs/. */
static bool empty_dir(int hostfs_fd, const char *source)
{
  _cleanup_strv_ char **names = NULL;
  _cleanup_close_ int fd =
      openat(hostfs_fd, source, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  return fd >= 0 && sc_list_dir_at(fd, &names, NULL) == 0 && names[0] == NULL;
}

static int install_entry(int hostfs_fd, const sc_hostfs_plan *plan, const hostfs_entry *e,
                         int root_fd, sc_hostfs_record *record, sc_error *err)
{
  char checksum[SC_DIGEST_LEN + 1];
  if (S_ISDIR(e->mode)) {
    const char *base;
    _cleanup_close_ int parent = open_parent_in_root(root_fd, e->destination, &base, err);
    if (parent < 0)
      return -1;
    /* A directory the replaced deployment made passes to the new one. */
    const char *old = json_string_value(json_object_get(plan->replaceable, e->destination));
    if (mkdirat(parent, base, e->mode & 07777) == 0 ||
        (errno == EEXIST && old && strcmp(old, "0") == 0)) {
      record_add(record, e->destination, "0");
      if (e->parent || !empty_dir(hostfs_fd, e->source))
        json_array_append_new(record->made_dirs, json_string(e->destination));
    } else if (errno != EEXIST)
      return sc_error_set_errno(err, errno, "cannot create %s on the host", e->destination);
    return 0;
  }
  if (S_ISLNK(e->mode)) {
    char target[4096];
    ssize_t n = readlinkat(hostfs_fd, e->source, target, sizeof target - 1);
    if (n < 0)
      return sc_error_set_errno(err, errno, "cannot read link %s", e->source);
    target[n] = '\0';
    const char *base;
    _cleanup_close_ int parent = open_parent_in_root(root_fd, e->destination, &base, err);
    _cleanup_free_ char *name = written_name(plan, base);
    if (parent < 0 || symlinkat(target, parent, name) < 0)
      return parent < 0 ? -1 : sc_error_set_errno(err, errno, "cannot create %s", e->destination);
    sc_sha256_digest(target, (size_t)n, checksum);
    record_add(record, e->destination, sc_digest_hex(checksum));
    return 0;
  }
  if (install_file(hostfs_fd, plan, e, root_fd, checksum, err) < 0)
    return -1;
  record_add(record, e->destination, sc_digest_hex(checksum));
  return 0;
}

/* What an install of hostfs/ writes, in order: its entries, renamed, with
 * the missing parents of their destinations, every destination checked
 * free.  No entries (and *hostfs_fd -1) when the image has no hostfs/. */
static int plan_entries(int rootfs_fd, int root_fd, const sc_hostfs_plan *plan, int *hostfs_fd,
                        hostfs_entries *entries, sc_error *err)
{
  *hostfs_fd = openat(rootfs_fd, HOSTFS_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (*hostfs_fd < 0)
    return errno == ENOENT ? 0 : sc_error_set_errno(err, errno, "cannot open %s", HOSTFS_DIR);
  if (collect(plan, *hostfs_fd, "", entries, err) < 0)
    return -1;
  add_missing_parents(root_fd, entries);
  return check_destinations_free(root_fd, plan, entries, err);
}

int sc_hostfs_install(int rootfs_fd, int root_fd, const sc_hostfs_plan *plan,
                      sc_hostfs_record *record, sc_error *err)
{
  record->files = json_array();
  record->checksums = json_object();
  record->renamed = json_object();
  record->made_dirs = json_array();
  _cleanup_close_ int hostfs_fd = -1;
  hostfs_entries entries = {0};
  int r = plan_entries(rootfs_fd, root_fd, plan, &hostfs_fd, &entries, err);
  for (size_t i = 0; r == 0 && i < entries.count; i++) {
    _cleanup_free_ char *original = xasprintf("/%s", entries.items[i].source);
    if (strcmp(original, entries.items[i].destination) != 0)
      json_object_set_new(record->renamed, original, json_string(entries.items[i].destination));
    r = install_entry(hostfs_fd, plan, &entries.items[i], root_fd, record, err);
  }
  entries_clear(&entries);
  /* Staged files are the caller's to discard (it knows their names from
   * sc_hostfs_check before any was written). */
  if (r < 0 && plan->temp_suffix == NULL)
    sc_hostfs_remove(root_fd, record->files, record->checksums, NULL, NULL);
  if (r < 0) {
    json_array_clear(record->files);
    json_object_clear(record->checksums);
    json_array_clear(record->made_dirs);
  }
  return r;
}

int sc_hostfs_check(int rootfs_fd, int root_fd, const sc_hostfs_plan *plan, json_t **files,
                    json_t **new_dirs, sc_error *err)
{
  *files = json_array();
  *new_dirs = json_array();
  _cleanup_close_ int hostfs_fd = -1;
  hostfs_entries entries = {0};
  int r = plan_entries(rootfs_fd, root_fd, plan, &hostfs_fd, &entries, err);
  for (size_t i = 0; r == 0 && i < entries.count; i++) {
    const hostfs_entry *e = &entries.items[i];
    const char *base;
    _cleanup_close_ int parent = open_parent_in_root(root_fd, e->destination, &base, NULL);
    struct stat st;
    bool exists = parent >= 0 && fstatat(parent, base, &st, AT_SYMLINK_NOFOLLOW) == 0;
    if (!S_ISDIR(e->mode))
      json_array_append_new(*files, json_string(e->destination));
    else if (!exists)
      json_array_append_new(*new_dirs, json_string(e->destination));
  }
  entries_clear(&entries);
  return r;
}

/* ---- removal ---- */

static bool unchanged(int parent, const char *base, const char *checksum)
{
  struct stat st;
  if (fstatat(parent, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return false;
  char digest[SC_DIGEST_LEN + 1];
  if (S_ISLNK(st.st_mode)) {
    char target[4096];
    ssize_t n = readlinkat(parent, base, target, sizeof target);
    if (n < 0)
      return false;
    sc_sha256_digest(target, (size_t)n, digest);
  } else {
    _cleanup_close_ int fd = openat(parent, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 || sc_sha256_fd(fd, digest, NULL) < 0)
      return false;
  }
  return strcmp(sc_digest_hex(digest), checksum) == 0;
}

int sc_hostfs_remove(int root_fd, json_t *files, json_t *checksums, char ***kept, sc_error *err)
{
  /* Reverse order: files before the directories that hold them. */
  for (size_t i = json_array_size(files); i-- > 0;) {
    const char *path = json_string_value(json_array_get(files, i));
    const char *checksum = json_string_value(json_object_get(checksums, path));
    if (path == NULL || checksum == NULL)
      continue;
    const char *base;
    _cleanup_close_ int parent = open_parent_in_root(root_fd, path, &base, NULL);
    if (parent < 0)
      continue;
    if (strcmp(checksum, "0") == 0) {
      unlinkat(parent, base, AT_REMOVEDIR); /* kept when not empty */
      continue;
    }
    struct stat st;
    if (fstatat(parent, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
      continue;
    if (!unchanged(parent, base, checksum)) {
      if (kept)
        sc_strv_push(kept, path);
      continue;
    }
    if (unlinkat(parent, base, 0) < 0 && errno != ENOENT)
      return sc_error_set_errno(err, errno, "cannot remove %s", path);
  }
  return 0;
}

static bool listed(json_t *list, const char *path)
{
  size_t i;
  json_t *v;
  json_array_foreach(list, i, v) if (json_is_string(v) &&
                                     strcmp(json_string_value(v), path) == 0) return true;
  return false;
}

void sc_hostfs_record_to_info(const sc_hostfs_record *record, json_t *info)
{
  json_t *files = json_array(), *checksums = json_object();
  size_t i;
  json_t *v;
  json_array_foreach(record->files, i, v)
  {
    const char *path = json_string_value(v);
    if (path == NULL || listed(record->made_dirs, path))
      continue;
    json_array_append(files, v);
    json_t *sum = json_object_get(record->checksums, path);
    if (sum)
      json_object_set(checksums, path, sum);
  }
  json_object_set_new(info, "installed-files", files);
  json_object_set_new(info, "installed-files-checksum", checksums);
  json_object_set_new(info, SC_INFO_MADE_DIRECTORIES,
                      record->made_dirs ? json_deep_copy(record->made_dirs) : json_array());
}

void sc_hostfs_info_files(json_t *info, json_t **files, json_t **checksums)
{
  json_t *recorded = json_object_get(info, "installed-files");
  json_t *sums = json_object_get(info, "installed-files-checksum");
  *files = json_array();
  *checksums = json_is_object(sums) ? json_deep_copy(sums) : json_object();
  size_t i;
  json_t *v;
  json_array_foreach(json_object_get(info, SC_INFO_MADE_DIRECTORIES), i, v)
  {
    if (!json_is_string(v) || json_object_get(*checksums, json_string_value(v)))
      continue;
    json_array_append(*files, v);
    json_object_set_new(*checksums, json_string_value(v), json_string("0"));
  }
  if (json_is_array(recorded))
    json_array_extend(*files, recorded);
}

void sc_hostfs_record_clear(sc_hostfs_record *record)
{
  json_decref(record->files);
  json_decref(record->checksums);
  json_decref(record->renamed);
  json_decref(record->made_dirs);
  *record = (sc_hostfs_record){0};
}
