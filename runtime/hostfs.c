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

/* ---- planning ---- */

typedef struct hostfs_entry {
  char *source;      /* relative to exports/hostfs */
  char *destination; /* host path, after renames */
  mode_t mode;       /* type and permission bits */
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

static int compare_names(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static char **sorted_children(int dfd, sc_error *err)
{
  int fd = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
  DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
  if (d == NULL) {
    sc_error_set_errno(err, errno, "cannot read %s", HOSTFS_DIR);
    if (fd >= 0)
      close(fd);
    return NULL;
  }
  char **names = xcalloc(1, sizeof(char *));
  struct dirent *de;
  while ((de = readdir(d)) != NULL)
    if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
      sc_strv_push(&names, de->d_name);
  closedir(d);
  qsort(names, sc_strv_length(names), sizeof(char *), compare_names);
  return names;
}

/* Longest prefix of the host path that renameFiles names, rendered. */
static int apply_renames(const sc_hostfs_plan *plan, const char *host_path, char **out,
                         sc_error *err)
{
  _cleanup_free_ char *prefix = xstrdup(host_path);
  for (;;) {
    const char *template = json_string_value(json_object_get(plan->rename, prefix));
    if (template) {
      _cleanup_free_ char *rendered = NULL;
      if (sc_template_render(template, strlen(template), "manifest.json", plan->values,
                             SC_TEMPLATE_SINGLE_LINE_VALUES, &rendered, NULL, err) < 0)
        return sc_error_prefix(err, "renameFiles[\"%s\"]", prefix);
      *out = xasprintf("%s%s", rendered, host_path + strlen(prefix));
      return 0;
    }
    char *slash = strrchr(prefix, '/');
    if (slash == NULL || slash == prefix)
      break;
    *slash = '\0';
  }
  *out = xstrdup(host_path);
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
    if (apply_renames(plan, host, &e->destination, err) < 0)
      return -1;
    e->source = steal_pointer(&source);
    e->mode = st.st_mode;
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

/* Refuse before writing anything: a file of the host is never replaced. */
static int check_destinations_free(int root_fd, const hostfs_entries *entries, sc_error *err)
{
  for (size_t i = 0; i < entries->count; i++) {
    const hostfs_entry *e = &entries->items[i];
    const char *base;
    _cleanup_close_ int parent = open_parent_in_root(root_fd, e->destination, &base, NULL);
    struct stat st;
    if (parent < 0 || fstatat(parent, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
      continue; /* missing: created on the way */
    if (S_ISDIR(e->mode) && S_ISDIR(st.st_mode))
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
  size_t i;
  json_t *v;
  json_array_foreach(plan->templated, i, v)
  {
    const char *entry = json_string_value(v);
    _cleanup_free_ char *rendered = NULL;
    if (entry == NULL ||
        sc_template_render(entry, strlen(entry), NULL, plan->values, 0, &rendered, NULL, NULL) < 0)
      continue;
    if (strcmp(rendered, e->destination) == 0 || strcmp(rendered, original) == 0)
      return true;
  }
  return false;
}

static int write_host_file(int root_fd, const char *destination, const char *data, size_t len,
                           mode_t mode, char checksum[SC_DIGEST_LEN + 1], sc_error *err)
{
  const char *base;
  _cleanup_close_ int parent = open_parent_in_root(root_fd, destination, &base, err);
  if (parent < 0)
    return -1;
  _cleanup_close_ int fd =
      openat(parent, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    return sc_error_set_errno(err, errno, "cannot create %s on the host", destination);
  if (sc_write_all(fd, data, len) < 0 || fchmod(fd, mode & 07777) < 0 || fsync(fd) < 0)
    return sc_error_set_errno(err, errno, "cannot write %s on the host", destination);
  sc_sha256_digest(data, len, checksum);
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
  return parent >= 0 && linkat(src_parent, src_base, parent, base, 0) == 0;
}

static int install_file(int hostfs_fd, const sc_hostfs_plan *plan, const hostfs_entry *e,
                        int root_fd, char checksum[SC_DIGEST_LEN + 1], sc_error *err)
{
  _cleanup_free_ char *data = NULL;
  size_t len = 0;
  if (sc_read_file_at(hostfs_fd, e->source, &data, &len, err) < 0)
    return -1;
  if (is_templated(plan, e)) {
    _cleanup_free_ char *rendered = NULL;
    _cleanup_free_ char *name = xasprintf("%s/%s", HOSTFS_DIR, e->source);
    if (sc_template_render(data, len, name, plan->values, 0, &rendered, &len, err) < 0)
      return -1;
    free(data);
    data = steal_pointer(&rendered);
  } else {
    _cleanup_free_ char *dir = sc_path_dirname(e->source);
    _cleanup_close_ int src_parent =
        strcmp(dir, ".") ? openat(hostfs_fd, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                         : fcntl(hostfs_fd, F_DUPFD_CLOEXEC, 3);
    _cleanup_free_ char *src_base = sc_path_basename(e->source);
    if (src_parent >= 0 && try_link(plan, src_parent, src_base, root_fd, e->destination)) {
      sc_sha256_digest(data, len, checksum);
      return 0;
    }
  }
  return write_host_file(root_fd, e->destination, data, len, e->mode, checksum, err);
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
    if (mkdirat(parent, base, e->mode & 07777) == 0)
      record_add(record, e->destination, "0");
    else if (errno != EEXIST)
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
    if (parent < 0 || symlinkat(target, parent, base) < 0)
      return parent < 0 ? -1 : sc_error_set_errno(err, errno, "cannot create %s", e->destination);
    sc_sha256_digest(target, (size_t)n, checksum);
    record_add(record, e->destination, checksum + 7);
    return 0;
  }
  if (install_file(hostfs_fd, plan, e, root_fd, checksum, err) < 0)
    return -1;
  record_add(record, e->destination, checksum + 7);
  return 0;
}

int sc_hostfs_install(int rootfs_fd, int root_fd, const sc_hostfs_plan *plan,
                      sc_hostfs_record *record, sc_error *err)
{
  record->files = json_array();
  record->checksums = json_object();
  record->renamed = json_object();
  _cleanup_close_ int hostfs_fd =
      openat(rootfs_fd, HOSTFS_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (hostfs_fd < 0)
    return errno == ENOENT ? 0 : sc_error_set_errno(err, errno, "cannot open %s", HOSTFS_DIR);
  hostfs_entries entries = {0};
  int r = collect(plan, hostfs_fd, "", &entries, err);
  if (r == 0)
    r = check_destinations_free(root_fd, &entries, err);
  for (size_t i = 0; r == 0 && i < entries.count; i++) {
    _cleanup_free_ char *original = xasprintf("/%s", entries.items[i].source);
    if (strcmp(original, entries.items[i].destination) != 0)
      json_object_set_new(record->renamed, original, json_string(entries.items[i].destination));
    r = install_entry(hostfs_fd, plan, &entries.items[i], root_fd, record, err);
  }
  entries_clear(&entries);
  if (r < 0) {
    sc_hostfs_remove(root_fd, record->files, record->checksums, NULL, NULL);
    json_array_clear(record->files);
    json_object_clear(record->checksums);
  }
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
  return strcmp(digest + 7, checksum) == 0;
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

void sc_hostfs_record_clear(sc_hostfs_record *record)
{
  json_decref(record->files);
  json_decref(record->checksums);
  json_decref(record->renamed);
  *record = (sc_hostfs_record){0};
}
