/* init.c: making a project directory from a skeleton. */
#include "init.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "project.h"
#include "registry.h"
#include "util.h"

/* Deeper trees than this are refused rather than exhausting descriptors. */
#define COPY_MAX_DEPTH 128

/* ---- skeleton list ---- */

static int compare_skeletons(const void *a, const void *b)
{
  return strcmp(((const sc_skeleton *)a)->name, ((const sc_skeleton *)b)->name);
}

/* First line of DESCRIPTION, or "" when there is none. */
static char *read_description(int skeleton_fd)
{
  _cleanup_free_ char *text = NULL;
  sc_error ignored = SC_ERROR_INIT;
  if (sc_read_file_at(skeleton_fd, SC_SKELETON_DESCRIPTION, &text, NULL, &ignored) < 0) {
    sc_error_clear(&ignored);
    return xstrdup("");
  }
  text[strcspn(text, "\r\n")] = '\0';
  return xstrdup(text);
}

int sc_skeleton_list_read(const char *skeletons_dir, sc_skeleton_list *out, sc_error *err)
{
  *out = (sc_skeleton_list){NULL, 0};
  _cleanup_close_ int fd = open(skeletons_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return sc_error_set_errno(err, errno, "cannot open %s", skeletons_dir);
  _cleanup_closedir_ DIR *d = fdopendir(fd);
  if (d == NULL)
    return sc_error_set_errno(err, errno, "cannot read %s", skeletons_dir);
  fd = -1; /* owned by d */
  struct dirent *de;
  while ((errno = 0, de = readdir(d)) != NULL) {
    if (de->d_name[0] == '.')
      continue;
    _cleanup_close_ int skeleton_fd =
        openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (skeleton_fd < 0)
      continue; /* not a directory */
    out->items = xrealloc(out->items, (out->count + 1) * sizeof *out->items);
    out->items[out->count++] =
        (sc_skeleton){.name = xstrdup(de->d_name), .description = read_description(skeleton_fd)};
  }
  if (errno != 0) {
    int e = errno;
    sc_skeleton_list_free(out);
    return sc_error_set_errno(err, e, "cannot read %s", skeletons_dir);
  }
  if (out->count > 1)
    qsort(out->items, out->count, sizeof *out->items, compare_skeletons);
  return 0;
}

void sc_skeleton_list_free(sc_skeleton_list *list)
{
  for (size_t i = 0; i < list->count; i++) {
    free(list->items[i].name);
    free(list->items[i].description);
  }
  free(list->items);
  *list = (sc_skeleton_list){NULL, 0};
}

const sc_skeleton *sc_skeleton_list_find(const sc_skeleton_list *list, const char *name)
{
  for (size_t i = 0; i < list->count; i++)
    if (strcmp(list->items[i].name, name) == 0)
      return &list->items[i];
  return NULL;
}

char *sc_skeleton_list_names(const sc_skeleton_list *list)
{
  sc_buf b = SC_BUF_INIT;
  for (size_t i = 0; i < list->count; i++) {
    if (i > 0)
      sc_buf_puts(&b, ", ");
    sc_buf_puts(&b, list->items[i].name);
  }
  return sc_buf_steal(&b);
}

char *sc_init_project_name(const char *path)
{
  size_t len = strlen(path);
  while (len > 0 && path[len - 1] == '/')
    len--;
  size_t start = len;
  while (start > 0 && path[start - 1] != '/')
    start--;
  return xstrndup(path + start, len - start);
}

int sc_init_choose_skeleton(const sc_skeleton_list *list, const char *requested, const char *path,
                            const char **out, sc_error *err)
{
  if (requested) {
    const sc_skeleton *s = sc_skeleton_list_find(list, requested);
    if (s == NULL) {
      _cleanup_free_ char *names = sc_skeleton_list_names(list);
      return sc_error_set(err, SC_E_INVALID, "unknown skeleton '%s' (available: %s)", requested,
                          list->count ? names : "none installed");
    }
    *out = s->name;
    return 0;
  }
  _cleanup_free_ char *base = sc_init_project_name(path);
  const sc_skeleton *s = sc_skeleton_list_find(list, base);
  if (s == NULL)
    s = sc_skeleton_list_find(list, SC_INIT_DEFAULT_SKELETON);
  if (s == NULL) {
    _cleanup_free_ char *names = sc_skeleton_list_names(list);
    return sc_error_set(err, SC_E_INVALID,
                        "the default skeleton '%s' is not installed (available: %s)",
                        SC_INIT_DEFAULT_SKELETON, list->count ? names : "none");
  }
  *out = s->name;
  return 0;
}

/* ---- copying a tree without following symlinks ---- */

static int copy_file_contents(int src_fd, int dst_fd)
{
  char chunk[65536];
  for (;;) {
    ssize_t n = read(src_fd, chunk, sizeof chunk);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return -1;
    }
    if (n == 0)
      return 0;
    if (sc_write_all(dst_fd, chunk, (size_t)n) < 0)
      return -1;
  }
}

static int copy_regular(int src_dirfd, int dst_dirfd, const char *name, const struct stat *st,
                        sc_error *err)
{
  _cleanup_close_ int in = openat(src_dirfd, name, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
  if (in < 0)
    return sc_error_set_errno(err, errno, "cannot open %s", name);
  _cleanup_close_ int out =
      openat(dst_dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (out < 0)
    return sc_error_set_errno(err, errno, "cannot create %s", name);
  /* fchmod after creation: the umask must not strip the skeleton's modes. */
  if (copy_file_contents(in, out) < 0 || fchmod(out, st->st_mode & 07777) < 0 || fsync(out) < 0)
    return sc_error_set_errno(err, errno, "cannot copy %s", name);
  if (close(steal_fd(&out)) < 0)
    return sc_error_set_errno(err, errno, "cannot write %s", name);
  return 0;
}

static int copy_symlink(int src_dirfd, int dst_dirfd, const char *name, const struct stat *st,
                        sc_error *err)
{
  size_t size = st->st_size > 0 ? (size_t)st->st_size + 1 : 256;
  _cleanup_free_ char *target = xmalloc(size);
  ssize_t n = readlinkat(src_dirfd, name, target, size);
  if (n < 0)
    return sc_error_set_errno(err, errno, "cannot read link %s", name);
  if ((size_t)n >= size)
    return sc_error_set(err, SC_E_INVALID, "link %s changed while being copied", name);
  target[n] = '\0';
  if (symlinkat(target, dst_dirfd, name) < 0)
    return sc_error_set_errno(err, errno, "cannot create link %s", name);
  return 0;
}

static int copy_dir_contents(int src_fd, int dst_fd, const char *const *skip, int depth,
                             sc_error *err);

static int copy_entry(int src_dirfd, int dst_dirfd, const char *name, int depth, sc_error *err)
{
  struct stat st;
  if (fstatat(src_dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return sc_error_set_errno(err, errno, "cannot stat %s", name);
  if (S_ISREG(st.st_mode))
    return copy_regular(src_dirfd, dst_dirfd, name, &st, err);
  if (S_ISLNK(st.st_mode))
    return copy_symlink(src_dirfd, dst_dirfd, name, &st, err);
  if (!S_ISDIR(st.st_mode))
    return sc_error_set(err, SC_E_INVALID, "%s is not a regular file, directory or symbolic link",
                        name);
  if (depth >= COPY_MAX_DEPTH)
    return sc_error_set(err, SC_E_INVALID, "%s: directories nested too deeply", name);
  if (mkdirat(dst_dirfd, name, 0700) < 0)
    return sc_error_set_errno(err, errno, "cannot create directory %s", name);
  _cleanup_close_ int src_fd =
      openat(src_dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (src_fd < 0)
    return sc_error_set_errno(err, errno, "cannot open %s", name);
  _cleanup_close_ int dst_fd =
      openat(dst_dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dst_fd < 0)
    return sc_error_set_errno(err, errno, "cannot open %s", name);
  if (copy_dir_contents(src_fd, dst_fd, NULL, depth + 1, err) < 0)
    return sc_error_prefix(err, "%s", name);
  /* The mode last, so that a read-only directory can still be filled. */
  if (fchmod(dst_fd, st.st_mode & 07777) < 0 || fsync(dst_fd) < 0)
    return sc_error_set_errno(err, errno, "cannot set the mode of %s", name);
  return 0;
}

static int copy_dir_contents(int src_fd, int dst_fd, const char *const *skip, int depth,
                             sc_error *err)
{
  /* fdopendir takes its descriptor, and the caller keeps src_fd. */
  int fd = fcntl(src_fd, F_DUPFD_CLOEXEC, 3);
  if (fd < 0)
    return sc_error_set_errno(err, errno, "cannot read directory");
  _cleanup_closedir_ DIR *d = fdopendir(fd);
  if (d == NULL) {
    int e = errno;
    close(fd);
    return sc_error_set_errno(err, e, "cannot read directory");
  }
  struct dirent *de;
  while ((errno = 0, de = readdir(d)) != NULL) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    if (sc_strv_contains((char *const *)skip, de->d_name))
      continue;
    if (copy_entry(src_fd, dst_fd, de->d_name, depth, err) < 0)
      return -1;
  }
  if (errno != 0)
    return sc_error_set_errno(err, errno, "cannot read directory");
  return 0;
}

int sc_copy_tree_at(int src_dirfd, const char *src, int dst_dirfd, const char *dst,
                    const char *const *skip, sc_error *err)
{
  struct stat st;
  _cleanup_close_ int src_fd =
      openat(src_dirfd, src, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (src_fd < 0 || fstat(src_fd, &st) < 0)
    return sc_error_set_errno(err, errno, "cannot open directory %s", src);
  if (mkdirat(dst_dirfd, dst, 0700) < 0) {
    if (errno == EEXIST)
      return sc_error_set(err, SC_E_EXISTS, "%s already exists", dst);
    return sc_error_set_errno(err, errno, "cannot create directory %s", dst);
  }
  _cleanup_close_ int dst_fd =
      openat(dst_dirfd, dst, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dst_fd < 0)
    return sc_error_set_errno(err, errno, "cannot open directory %s", dst);
  if (copy_dir_contents(src_fd, dst_fd, skip, 0, err) < 0)
    return sc_error_prefix(err, "copying %s", src);
  if (fchmod(dst_fd, st.st_mode & 07777) < 0 || fsync(dst_fd) < 0)
    return sc_error_set_errno(err, errno, "cannot set the mode of %s", dst);
  return 0;
}

/* ---- a new project ---- */

/* Name the image after the project: sc-build.json "name" = base name.  A
 * skeleton without sc-build.json gets none (the image name then defaults
 * to the directory's name anyway). */
static int set_image_name(int project_fd, const char *name, sc_error *err)
{
  struct stat st;
  if (fstatat(project_fd, SC_FILE_SETTINGS, &st, AT_SYMLINK_NOFOLLOW) < 0) {
    if (errno == ENOENT)
      return 0;
    return sc_error_set_errno(err, errno, "cannot stat %s", SC_FILE_SETTINGS);
  }
  _cleanup_free_ char *text = NULL;
  size_t len = 0;
  if (sc_read_file_at(project_fd, SC_FILE_SETTINGS, &text, &len, err) < 0)
    return -1;
  json_error_t jerr;
  _cleanup_(json_decrefp) json_t *settings = json_loadb(text, len, 0, &jerr);
  if (settings == NULL)
    return sc_error_set_at(err, SC_E_INVALID, SC_FILE_SETTINGS, jerr.line, jerr.column,
                           "skeleton's %s is not JSON: %s", SC_FILE_SETTINGS, jerr.text);
  if (!json_is_object(settings))
    return sc_error_set(err, SC_E_INVALID, "skeleton's %s is not a JSON object", SC_FILE_SETTINGS);
  json_object_set_new(settings, "name", json_string(name));
  _cleanup_free_ char *dumped = json_dumps(settings, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
  if (dumped == NULL)
    return sc_error_set(err, SC_E_INVALID, "cannot serialize %s", SC_FILE_SETTINGS);
  _cleanup_free_ char *with_newline = xasprintf("%s\n", dumped);
  return sc_write_file_at(project_fd, SC_FILE_SETTINGS, with_newline, strlen(with_newline),
                          st.st_mode & 07777, err);
}

/* Rename tmp to name in dirfd, never replacing anything at name. */
static int rename_no_replace(int dirfd, const char *tmp, const char *name, const char *path,
                             sc_error *err)
{
  if (renameat2(dirfd, tmp, dirfd, name, RENAME_NOREPLACE) == 0)
    return 0;
  if (errno == EEXIST)
    return sc_error_set(err, SC_E_EXISTS, "%s appeared while it was being created; left as is",
                        path);
  if (errno != EINVAL && errno != ENOSYS)
    return sc_error_set_errno(err, errno, "cannot rename into %s", path);
  /* A filesystem without RENAME_NOREPLACE: check, then rename.  renameat
   * would replace an empty directory, so the check is needed. */
  struct stat st;
  if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
    return sc_error_set(err, SC_E_EXISTS, "%s appeared while it was being created; left as is",
                        path);
  if (renameat(dirfd, tmp, dirfd, name) < 0)
    return sc_error_set_errno(err, errno, "cannot rename into %s", path);
  return 0;
}

static int fill_project(const sc_init_options *options, int parent_fd, const char *tmp,
                        const char *name, sc_error *err)
{
  _cleanup_close_ int skeletons_fd =
      open(options->skeletons_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (skeletons_fd < 0)
    return sc_error_set_errno(err, errno, "cannot open %s", options->skeletons_dir);
  static const char *const skip[] = {SC_SKELETON_DESCRIPTION, NULL};
  if (sc_copy_tree_at(skeletons_fd, options->skeleton, parent_fd, tmp, skip, err) < 0)
    return -1;
  _cleanup_close_ int project_fd =
      openat(parent_fd, tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (project_fd < 0)
    return sc_error_set_errno(err, errno, "cannot open %s", tmp);
  /* Files and directories were synced as they were copied (and
   * sc_write_file_at syncs sc-build.json), so the rename publishes
   * complete content. */
  return set_image_name(project_fd, name, err);
}

/* A name close to `name` that is a valid image name, for the message:
 * lower case, anything else a '-' ("My App" -> "my-app"). */
static char *suggest_image_name(const char *name)
{
  sc_buf b = SC_BUF_INIT;
  for (const char *p = name; *p; p++) {
    char c = (char)tolower((unsigned char)*p);
    bool plain = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (plain || (b.len > 0 && b.data[b.len - 1] != '-'))
      sc_buf_putc(&b, plain ? c : '-');
  }
  while (b.len > 0 && b.data[b.len - 1] == '-')
    b.data[--b.len] = '\0';
  return b.len > 0 ? sc_buf_steal(&b) : (sc_buf_free(&b), xstrdup("my-service"));
}

/* The directory's name becomes the image's name (sc-build.json "name",
 * the tag `build` writes, the repository `push` sends to): refuse it here
 * rather than at the first push (registry-ref.c has the grammar). */
static int check_image_name(const char *name, sc_error *err)
{
  if (sc_registry_repository_is_valid(name))
    return 0;
  _cleanup_free_ char *better = suggest_image_name(name);
  return sc_error_set(err, SC_E_INVALID,
                      "'%s' is not a valid image name, and the project directory's name is "
                      "the image's name: use lower-case letters, digits and the separators "
                      ". _ - (for example '%s')",
                      name, better);
}

int sc_init_project(const sc_init_options *options, sc_error *err)
{
  const char *path = options->path;
  _cleanup_free_ char *name = sc_init_project_name(path);
  if (name[0] == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
    return sc_error_set(err, SC_E_INVALID,
                        "'%s' does not name a new directory (give a path such as ./my-service)",
                        path);
  if (check_image_name(name, err) < 0)
    return -1;
  size_t dir_len = strlen(path);
  while (dir_len > 1 && path[dir_len - 1] == '/')
    dir_len--;
  _cleanup_free_ char *trimmed = xstrndup(path, dir_len);
  _cleanup_free_ char *parent = sc_path_dirname(trimmed);
  _cleanup_close_ int parent_fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (parent_fd < 0)
    return sc_error_set_errno(err, errno, "cannot open the parent directory %s of %s", parent,
                              path);
  struct stat st;
  if (fstatat(parent_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
    return sc_error_set(err, SC_E_EXISTS,
                        "%s already exists; sc-build init never changes an existing path "
                        "(choose another name, or remove it first)",
                        path);
  if (errno != ENOENT)
    return sc_error_set_errno(err, errno, "cannot stat %s", path);

  char random[13];
  sc_random_hex(random, 12);
  _cleanup_free_ char *tmp = xasprintf(".%s.sc-init-%s", name, random);
  if (fill_project(options, parent_fd, tmp, name, err) < 0 ||
      rename_no_replace(parent_fd, tmp, name, path, err) < 0) {
    sc_error ignored = SC_ERROR_INIT;
    sc_rm_rf_at(parent_fd, tmp, &ignored);
    sc_error_clear(&ignored);
    return sc_error_prefix(err, "creating %s from the %s skeleton", path, options->skeleton);
  }
  if (fsync(parent_fd) < 0)
    return sc_error_set_errno(err, errno, "cannot sync %s", parent);
  return 0;
}
