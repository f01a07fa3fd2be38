/* host-files.c: a host's file list, and what an uninstall left in it
 * (host-files.h). */
#include "host-files.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

typedef struct reader {
  const char *const *skip;
  sc_host_file *files;
  size_t count, cap;
} reader;

static bool is_skipped(const char *const *skip, const char *path)
{
  for (size_t i = 0; skip && skip[i]; i++) {
    size_t n = strlen(skip[i]);
    if (n > 0 && skip[i][n - 1] == '*') {
      if (strncmp(path, skip[i], n - 1) == 0)
        return true;
    } else if (strncmp(path, skip[i], n) == 0 && (path[n] == '\0' || path[n] == '/')) {
      return true;
    }
  }
  return false;
}

static char type_of(mode_t mode)
{
  if (S_ISREG(mode))
    return 'f';
  if (S_ISDIR(mode))
    return 'd';
  return S_ISLNK(mode) ? 'l' : 's';
}

static void add(reader *r, const char *path, char type)
{
  if (r->count == r->cap) {
    r->cap = r->cap ? 2 * r->cap : 1024;
    r->files = xrealloc(r->files, r->cap * sizeof *r->files);
  }
  r->files[r->count++] = (sc_host_file){.path = xstrdup(path), .type = type};
}

/* A live host removes files as it runs: one gone between readdir and
 * lstat or open was never there for this list. */
static bool went_away(int e)
{
  return e == ENOENT || e == ENOTDIR;
}

static int read_dir(reader *r, int dir_fd, const char *prefix, sc_error *err)
{
  DIR *d = fdopendir(dir_fd);
  if (d == NULL) {
    close(dir_fd);
    return sc_error_set_errno(err, errno, "cannot read the host's %s", prefix[0] ? prefix : "/");
  }
  int rc = 0;
  struct dirent *e;
  while (rc == 0 && (e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
      continue;
    _cleanup_free_ char *path = xasprintf("%s/%s", prefix, e->d_name);
    if (is_skipped(r->skip, path))
      continue;
    struct stat st;
    if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
      if (!went_away(errno))
        rc = sc_error_set_errno(err, errno, "cannot stat the host's %s", path);
      continue;
    }
    add(r, path, type_of(st.st_mode));
    if (!S_ISDIR(st.st_mode))
      continue;
    int sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (sub >= 0)
      rc = read_dir(r, sub, path, err);
    else if (!went_away(errno))
      rc = sc_error_set_errno(err, errno, "cannot open the host's %s", path);
  }
  closedir(d);
  return rc;
}

static int compare_paths(const void *a, const void *b)
{
  return strcmp(((const sc_host_file *)a)->path, ((const sc_host_file *)b)->path);
}

int sc_host_files_read(int root_fd, const char *const *skip, sc_host_files *out, sc_error *err)
{
  *out = (sc_host_files){0};
  reader r = {.skip = skip};
  int fd = openat(root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return sc_error_set_errno(err, errno, "cannot open the host's /");
  int rc = read_dir(&r, fd, "", err);
  if (r.count > 0)
    qsort(r.files, r.count, sizeof *r.files, compare_paths);
  *out = (sc_host_files){.files = r.files, .count = r.count};
  if (rc < 0)
    sc_host_files_clear(out);
  return rc;
}

static const sc_host_file *find(const sc_host_files *f, const char *path)
{
  sc_host_file key = {.path = (char *)path};
  return f->count ? bsearch(&key, f->files, f->count, sizeof key, compare_paths) : NULL;
}

static const char *type_name(char type)
{
  switch (type) {
  case 'f':
    return "file";
  case 'd':
    return "directory";
  case 'l':
    return "symlink";
  default:
    return "special file";
  }
}

/* Below a directory that is itself new: reported as part of it. */
static bool parent_is_new(const sc_host_files *before, const char *path)
{
  const char *slash = strrchr(path, '/');
  if (slash == NULL || slash == path)
    return false; /* the host's "/" was there */
  _cleanup_free_ char *parent = xstrndup(path, (size_t)(slash - path));
  return find(before, parent) == NULL;
}

char **sc_host_files_added(const sc_host_files *before, const sc_host_files *after)
{
  char **added = NULL;
  for (size_t i = 0; i < after->count; i++) {
    const sc_host_file *now = &after->files[i];
    const sc_host_file *was = find(before, now->path);
    if (was == NULL && !parent_is_new(before, now->path)) {
      sc_strv_push(&added, now->path);
    } else if (was && was->type != now->type) {
      _cleanup_free_ char *changed = xasprintf("%s (a %s before, now a %s)", now->path,
                                               type_name(was->type), type_name(now->type));
      sc_strv_push(&added, changed);
    }
  }
  return added;
}

void sc_host_files_clear(sc_host_files *f)
{
  for (size_t i = 0; i < f->count; i++)
    free(f->files[i].path);
  free(f->files);
  *f = (sc_host_files){0};
}
