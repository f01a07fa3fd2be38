/* inroot.c: keep a path inside a root directory (openat2(2) resolve flags,
 * and the same rules walked by hand with O_NOFOLLOW). */
#include "inroot.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

/* The kernel's MAXSYMLINKS (path_resolution(7)): more is ELOOP. */
#define MAX_SYMLINKS 40

bool sc_name_is_valid(const char *name)
{
  return name[0] != '\0' && strcmp(name, ".") != 0 && strcmp(name, "..") != 0 &&
         strchr(name, '/') == NULL;
}

/* ---- an image's tree: no symlink is followed ---- */

static int open_or_make_dir(int dirfd, const char *name, bool create)
{
  int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT && create) {
    if (mkdirat(dirfd, name, 0755) < 0 && errno != EEXIST)
      return -1;
    fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  }
  return fd;
}

/* Whether each of the len first bytes' components is a file name (none
 * empty, "." or ".."), as the walk below checks one at a time. */
static bool components_valid(const char *path, size_t len)
{
  for (size_t start = 0; start <= len;) {
    const char *slash = memchr(path + start, '/', len - start);
    size_t end = slash ? (size_t)(slash - path) : len;
    size_t n = end - start;
    if (n == 0 || (n == 1 && path[start] == '.') ||
        (n == 2 && path[start] == '.' && path[start + 1] == '.'))
      return false;
    start = end + 1;
  }
  return true;
}

/* The directory made of path's len first bytes by openat2(2), a piece
 * of up to PATH_MAX at a time, when every directory on the way is there:
 * RESOLVE_BENEATH and RESOLVE_NO_SYMLINKS refuse what the walk refuses.
 * The walk costs a system call per component for every entry, and so the
 * square of the depth for a deep tree (4.5 million openat() for a
 * 3000-deep layer).  -1 when it cannot (a directory to make, a symlink, an
 * older kernel): the walk then makes what is missing and names what is
 * refused. */
static int open_parent_at_once(int root_fd, const char *path, size_t len)
{
  if (len == 0 || !components_valid(path, len))
    return -1;
  struct open_how how = {.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
                         .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS};
  char piece[PATH_MAX];
  int fd = -1;
  for (size_t start = 0; start < len;) {
    size_t n = len - start;
    if (n >= PATH_MAX) {
      const char *cut = memrchr(path + start, '/', PATH_MAX - 1);
      if (cut == NULL) {
        sc_closep(&fd);
        return -1;
      }
      n = (size_t)(cut - (path + start));
    }
    memcpy(piece, path + start, n);
    piece[n] = '\0';
    int next = (int)syscall(SYS_openat2, fd < 0 ? root_fd : fd, piece, &how, sizeof how);
    sc_closep(&fd);
    if (next < 0)
      return -1;
    fd = next;
    start += n + 1;
  }
  return fd;
}

int sc_open_parent_beneath(int root_fd, const char *path, bool create, const char **base,
                           sc_error *err)
{
  const char *last = strrchr(path, '/');
  if (last) {
    int at_once = open_parent_at_once(root_fd, path, (size_t)(last - path));
    if (at_once >= 0) {
      *base = last + 1;
      return at_once;
    }
  }
  int fd = fcntl(root_fd, F_DUPFD_CLOEXEC, 3);
  if (fd < 0)
    return sc_error_set_errno(err, errno, "cannot duplicate the root directory fd");
  for (const char *p = path;;) {
    const char *slash = strchr(p, '/');
    if (slash == NULL) {
      *base = p;
      return fd;
    }
    _cleanup_free_ char *component = xstrndup(p, (size_t)(slash - p));
    if (!sc_name_is_valid(component)) {
      close(fd);
      return sc_error_set(err, SC_E_INVALID, "refusing %s: '%s' is not a file name", path,
                          component);
    }
    int next = open_or_make_dir(fd, component, create);
    int e = errno;
    close(fd);
    if (next < 0) {
      if (e == ELOOP || e == ENOTDIR)
        return sc_error_set(err, SC_E_INVALID,
                            "refusing %s: '%.*s' is a symlink or not a directory, and an image's "
                            "entry is never written or removed through a symlink",
                            path, (int)(slash - path), path);
      return sc_error_set_errno(err, e, "cannot open the directory of %s", path);
    }
    fd = next;
    p = slash + 1;
  }
}

/* ---- a host's tree: symlinks followed, never above the root ---- */

/* The directories walked so far: dirs[0] is the root (not ours), dirs[depth]
 * the current one; ".." pops, so it cannot climb above the root. */
typedef struct walk {
  int *dirs;
  size_t depth, cap;
  char *path; /* what is being resolved: the path, or a link's target and the rest */
  int links;
} walk;

static void walk_pop_to(walk *w, size_t depth)
{
  while (w->depth > depth)
    close(w->dirs[w->depth--]);
}

static void walk_push(walk *w, int fd)
{
  if (w->depth + 1 >= w->cap) {
    w->cap *= 2;
    w->dirs = xrealloc(w->dirs, w->cap * sizeof *w->dirs);
  }
  w->dirs[++w->depth] = fd;
}

/* Continue with the target of the symlink `name`, then `rest`; an absolute
 * target starts again at the root. */
static int follow_link(walk *w, const char *name, const char *rest)
{
  if (++w->links > MAX_SYMLINKS) {
    errno = ELOOP;
    return -1;
  }
  char target[PATH_MAX];
  ssize_t n = readlinkat(w->dirs[w->depth], name, target, sizeof target - 1);
  if (n < 0)
    return -1;
  if (n == 0) {
    errno = ENOENT;
    return -1;
  }
  target[n] = '\0';
  if (target[0] == '/')
    walk_pop_to(w, 0);
  char *next = xasprintf("%s%s", target, rest);
  free(w->path);
  w->path = next;
  return 0;
}

enum step { STEP_NEXT, STEP_RESTART, STEP_DONE };

/* Resolve one component `name`, followed in w->path by `rest`.  *fd is set
 * when the step is STEP_DONE (-1 with errno on failure). */
static enum step walk_step(walk *w, const char *name, const char *rest, int flags, mode_t mode,
                           int *fd)
{
  bool last = rest[strspn(rest, "/")] == '\0';
  int here = w->dirs[w->depth];
  if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
    if (name[1] == '.' && w->depth > 0)
      walk_pop_to(w, w->depth - 1);
    return STEP_NEXT;
  }
  /* openat2 does not follow a final symlink with O_NOFOLLOW, nor with
   * O_CREAT | O_EXCL (EEXIST), as open(2) does not. */
  bool keep_last_link = (flags & O_NOFOLLOW) || (flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL);
  int last_flags = flags | O_NOFOLLOW | (rest[0] == '/' ? O_DIRECTORY : 0);
  struct stat st;
  if (fstatat(here, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
    *fd = errno == ENOENT && last ? openat(here, name, last_flags, mode) : -1;
    return STEP_DONE;
  }
  if (S_ISLNK(st.st_mode) && !(last && keep_last_link)) {
    if (follow_link(w, name, rest) < 0) {
      *fd = -1;
      return STEP_DONE;
    }
    return STEP_RESTART;
  }
  if (last) {
    *fd = openat(here, name, last_flags, mode);
    return STEP_DONE;
  }
  int dir = S_ISDIR(st.st_mode) ? openat(here, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                                : (errno = ENOTDIR, -1);
  if (dir < 0) {
    *fd = -1;
    return STEP_DONE;
  }
  walk_push(w, dir);
  return STEP_NEXT;
}

static int open_in_root_by_hand(int root_fd, const char *path, int flags, mode_t mode)
{
  walk w = {.dirs = xmalloc(16 * sizeof(int)), .cap = 16, .path = xstrdup(path)};
  w.dirs[0] = root_fd;
  int fd = -1;
  const char *p = w.path;
  for (;;) {
    p += strspn(p, "/");
    if (*p == '\0') { /* the path ends at a directory: "", "a/", "a/.." */
      fd = openat(w.dirs[w.depth], ".", flags, mode);
      break;
    }
    const char *end = strchrnul(p, '/');
    _cleanup_free_ char *name = xstrndup(p, (size_t)(end - p));
    enum step step = walk_step(&w, name, end, flags, mode, &fd);
    if (step == STEP_DONE)
      break;
    p = step == STEP_RESTART ? w.path : end;
  }
  int e = errno;
  walk_pop_to(&w, 0);
  free(w.dirs);
  free(w.path);
  errno = e;
  return fd;
}

int sc_open_in_root(int root_fd, const char *path, int flags, mode_t mode, unsigned options)
{
  flags |= O_CLOEXEC;
  if (!(options & SC_IN_ROOT_NO_OPENAT2)) {
    struct open_how how = {
        .flags = (uint64_t)flags,
        .mode = (flags & O_CREAT) ? mode : 0,
        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
    };
    const char *relative = path + strspn(path, "/");
    int fd = (int)syscall(SYS_openat2, root_fd, relative[0] ? relative : ".", &how, sizeof how);
    if (fd >= 0 || errno != ENOSYS)
      return fd;
  }
  return open_in_root_by_hand(root_fd, path, flags, mode);
}
