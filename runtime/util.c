/* util.c: allocation, strings, string vectors and dirfd-relative file I/O. */
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

void sc_freep(void *p)
{
  free(*(void **)p);
}

/* Scope cleanup only: a file whose writes matter is closed explicitly,
 * close(steal_fd(&fd)) with its result checked, before this runs. */
void sc_closep(int *fd)
{
  if (*fd >= 0) {
    int saved = errno;
    close(*fd);
    errno = saved;
  }
}

void sc_fclosep(FILE **f)
{
  if (*f)
    fclose(*f);
}

void sc_strvfreep(char ***v)
{
  sc_strv_free(*v);
}

static void *check_alloc(void *p)
{
  if (p == NULL)
    abort();
  return p;
}

void *xmalloc(size_t n)
{
  return check_alloc(malloc(n ? n : 1));
}

void *xcalloc(size_t n, size_t size)
{
  return check_alloc(calloc(n ? n : 1, size ? size : 1));
}

void *xrealloc(void *p, size_t n)
{
  return check_alloc(realloc(p, n ? n : 1));
}

char *xstrdup(const char *s)
{
  return check_alloc(strdup(s));
}

char *xstrndup(const char *s, size_t n)
{
  return check_alloc(strndup(s, n));
}

char *xvasprintf(const char *fmt, va_list ap)
{
  char *s = NULL;
  if (vasprintf(&s, fmt, ap) < 0)
    abort();
  return s;
}

char *xasprintf(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  char *s = xvasprintf(fmt, ap);
  va_end(ap);
  return s;
}

/* ---- sc_buf ---- */

static void buf_reserve(sc_buf *b, size_t extra)
{
  if (b->len + extra + 1 <= b->cap)
    return;
  size_t cap = b->cap ? b->cap : 64;
  while (cap < b->len + extra + 1)
    cap *= 2;
  b->data = xrealloc(b->data, cap);
  b->cap = cap;
}

void sc_buf_append(sc_buf *b, const void *data, size_t len)
{
  buf_reserve(b, len);
  if (len)
    memcpy(b->data + b->len, data, len);
  b->len += len;
  b->data[b->len] = '\0';
}

void sc_buf_puts(sc_buf *b, const char *s)
{
  sc_buf_append(b, s, strlen(s));
}

void sc_buf_putc(sc_buf *b, char c)
{
  sc_buf_append(b, &c, 1);
}

void sc_buf_printf(sc_buf *b, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  _cleanup_free_ char *s = xvasprintf(fmt, ap);
  va_end(ap);
  sc_buf_puts(b, s);
}

char *sc_buf_steal(sc_buf *b)
{
  if (b->data == NULL)
    return xstrdup("");
  char *s = b->data;
  *b = (sc_buf)SC_BUF_INIT;
  return s;
}

void sc_buf_free(sc_buf *b)
{
  free(b->data);
  *b = (sc_buf)SC_BUF_INIT;
}

/* ---- string vectors ---- */

size_t sc_strv_length(char *const *v)
{
  size_t n = 0;
  while (v && v[n])
    n++;
  return n;
}

void sc_strv_push(char ***v, const char *s)
{
  size_t n = sc_strv_length(*v);
  *v = xrealloc(*v, (n + 2) * sizeof **v);
  (*v)[n] = xstrdup(s);
  (*v)[n + 1] = NULL;
}

void sc_strv_free(char **v)
{
  for (size_t i = 0; v && v[i]; i++)
    free(v[i]);
  free(v);
}

bool sc_strv_contains(char *const *v, const char *s)
{
  for (size_t i = 0; v && v[i]; i++)
    if (strcmp(v[i], s) == 0)
      return true;
  return false;
}

bool sc_str_has_prefix(const char *s, const char *prefix)
{
  return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool sc_str_has_suffix(const char *s, const char *suffix)
{
  size_t ls = strlen(s), lx = strlen(suffix);
  return ls >= lx && memcmp(s + ls - lx, suffix, lx) == 0;
}

/* ---- files ---- */

int sc_write_all(int fd, const void *buf, size_t len)
{
  const char *p = buf;
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return -1;
    }
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

const char *sc_tmp_base(const char *given)
{
  return given && given[0] ? given : "/var/tmp";
}

int sc_read_file_at(int dirfd, const char *path, char **out, size_t *out_len, sc_error *err)
{
  return sc_read_file_at_max(dirfd, path, SIZE_MAX, out, out_len, err);
}

int sc_read_file_at_max(int dirfd, const char *path, size_t max, char **out, size_t *out_len,
                        sc_error *err)
{
  /* O_NONBLOCK: opening a FIFO for reading would wait for a writer; the
   * type is checked right after. */
  _cleanup_close_ int fd =
      openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
  if (fd < 0)
    return sc_error_set_errno(err, errno, "cannot open %s", path);
  struct stat st;
  if (fstat(fd, &st) < 0)
    return sc_error_set_errno(err, errno, "cannot stat %s", path);
  if (!S_ISREG(st.st_mode))
    return sc_error_set(err, SC_E_INVALID, "%s is not a regular file", path);
  if ((uint64_t)st.st_size > max)
    return sc_error_set(err, SC_E_INVALID, "%s is too large (%lld bytes, at most %zu)", path,
                        (long long)st.st_size, max);
  sc_buf b = SC_BUF_INIT;
  char chunk[65536];
  for (;;) {
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      int e = errno;
      sc_buf_free(&b);
      return sc_error_set_errno(err, e, "cannot read %s", path);
    }
    if (n == 0)
      break;
    if ((size_t)n > max - b.len) { /* it grew while read */
      sc_buf_free(&b);
      return sc_error_set(err, SC_E_INVALID, "%s is too large (more than %zu bytes)", path, max);
    }
    sc_buf_append(&b, chunk, (size_t)n);
  }
  if (out_len)
    *out_len = b.len;
  *out = sc_buf_steal(&b);
  return 0;
}

void sc_random_hex(char *out, size_t n)
{
  static const char hex[] = "0123456789abcdef";
  unsigned char bytes[32];
  size_t need = (n + 1) / 2;
  if (need > sizeof bytes)
    need = sizeof bytes;
  size_t got = 0;
  while (got < need) {
    ssize_t r = getrandom(bytes + got, need - got, 0);
    if (r < 0) {
      if (errno == EINTR)
        continue;
      abort();
    }
    got += (size_t)r;
  }
  for (size_t i = 0; i < n && i < 64; i++)
    out[i] = hex[(bytes[i / 2] >> ((i % 2) ? 0 : 4)) & 0xf];
  out[n] = '\0';
}

char *sc_path_dirname(const char *path)
{
  const char *slash = strrchr(path, '/');
  if (slash == NULL)
    return xstrdup(".");
  if (slash == path)
    return xstrdup("/");
  return xstrndup(path, (size_t)(slash - path));
}

char *sc_path_basename(const char *path)
{
  const char *slash = strrchr(path, '/');
  return xstrdup(slash ? slash + 1 : path);
}

char *sc_path_join(const char *a, const char *b)
{
  size_t la = strlen(a);
  while (*b == '/')
    b++;
  if (la > 0 && a[la - 1] == '/')
    return xasprintf("%s%s", a, b);
  return xasprintf("%s/%s", a, b);
}

char *sc_fd_path(int fd)
{
  char link[64], target[PATH_MAX];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, target, sizeof target - 1);
  if (n <= 0)
    return NULL;
  target[n] = '\0';
  return xstrdup(target);
}

bool sc_file_equals_at(int dirfd, const char *path, const void *data, size_t len)
{
  _cleanup_free_ char *text = NULL;
  size_t got = 0;
  if (sc_read_file_at_max(dirfd, path, len, &text, &got, NULL) < 0)
    return false;
  return got == len && (len == 0 || memcmp(text, data, len) == 0);
}

int sc_write_file_at(int dirfd, const char *path, const void *data, size_t len, mode_t mode,
                     sc_error *err)
{
  _cleanup_free_ char *dir = sc_path_dirname(path);
  _cleanup_free_ char *base = sc_path_basename(path);
  char rnd[17];
  sc_random_hex(rnd, 16);
  _cleanup_free_ char *tmp = xasprintf("%s/.%s.tmp-%s", dir, base, rnd);
  _cleanup_close_ int fd =
      openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0)
    return sc_error_set_errno(err, errno, "cannot create %s", tmp);
  if (fchmod(fd, mode) < 0 || sc_write_all(fd, data, len) < 0 || fsync(fd) < 0) {
    int e = errno;
    unlinkat(dirfd, tmp, 0);
    return sc_error_set_errno(err, e, "cannot write %s", tmp);
  }
  if (close(steal_fd(&fd)) < 0) {
    int e = errno;
    unlinkat(dirfd, tmp, 0);
    return sc_error_set_errno(err, e, "cannot write %s", tmp);
  }
  if (renameat(dirfd, tmp, dirfd, path) < 0) {
    int e = errno;
    unlinkat(dirfd, tmp, 0);
    return sc_error_set_errno(err, e, "cannot rename %s to %s", tmp, path);
  }
  return sc_fsync_dir_at(dirfd, dir, err);
}

int sc_fsync_dir(int fd, const char *display, sc_error *err)
{
  /* EINVAL: a filesystem that cannot sync a directory has nothing to wait
   * for (fsync(2)). */
  if (fsync(fd) < 0 && errno != EINVAL)
    return sc_error_set_errno(err, errno, "cannot sync the directory %s", display);
  return 0;
}

int sc_fsync_dir_at(int dirfd, const char *path, sc_error *err)
{
  _cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return sc_error_set_errno(err, errno, "cannot open the directory %s", path);
  return sc_fsync_dir(fd, path, err); /* its close, read-only, has nothing to report */
}

int sc_mkdir_p_at(int dirfd, const char *path, mode_t mode, sc_error *err)
{
  _cleanup_free_ char *copy = xstrdup(path);
  for (char *p = copy + (copy[0] == '/');; p++) {
    bool end = *p == '\0';
    if (*p != '/' && !end)
      continue;
    char saved = *p;
    *p = '\0';
    if (copy[0] != '\0' && mkdirat(dirfd, copy, mode) < 0 && errno != EEXIST)
      return sc_error_set_errno(err, errno, "cannot create directory %s", copy);
    struct stat st;
    if (copy[0] != '\0') {
      if (fstatat(dirfd, copy, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return sc_error_set_errno(err, errno, "cannot stat %s", copy);
      if (!S_ISDIR(st.st_mode))
        return sc_error_set(err, SC_E_INVALID, "%s exists and is not a directory", copy);
    }
    *p = saved;
    if (end)
      break;
  }
  return 0;
}

static int compare_strings(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int sc_list_dir_at(int dirfd, char ***out, sc_error *err)
{
  int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
  if (d == NULL) {
    int e = errno;
    if (fd >= 0)
      close(fd);
    return sc_error_set_errno(err, e, "cannot read directory");
  }
  char **names = xcalloc(1, sizeof *names);
  size_t n = 0, cap = 1;
  for (;;) {
    /* NULL is both "end" and "error", errno telling them apart: reset it
     * before each call, or an error would pass for the end of the list. */
    errno = 0;
    struct dirent *de = readdir(d);
    if (de == NULL && errno != 0) {
      int e = errno;
      closedir(d);
      sc_strv_free(names);
      return sc_error_set_errno(err, e, "cannot read directory");
    }
    if (de == NULL)
      break;
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    if (n + 2 > cap) {
      cap *= 2;
      names = xrealloc(names, cap * sizeof *names);
    }
    names[n++] = xstrdup(de->d_name);
    names[n] = NULL;
  }
  closedir(d); /* read-only: nothing to report */
  qsort(names, n, sizeof *names, compare_strings);
  *out = names;
  return 0;
}

/* ---- rm -rf with a bounded number of file descriptors ----
 *
 * A recursive walk keeps one directory open per level, so a deep enough
 * tree (an image can hold one) exhausts RLIMIT_NOFILE half-way.  This walk
 * keeps open only the directory it is in: it goes down by name (O_NOFOLLOW,
 * so never through a symlink) and back up through "..", which it checks is
 * the directory it came from (device and inode) so that a directory moved
 * away meanwhile cannot lead the walk out of the tree.  Each level
 * remembers where its listing stopped (telldir) to continue there. */

typedef struct rm_level {
  char *name; /* of this directory in its parent (NULL at the top) */
  dev_t dev;  /* identity of this directory */
  ino_t ino;
  bool resume; /* the listing continues at pos, not at the start */
  long pos;    /* from telldir() */
} rm_level;

typedef struct rm_walk {
  rm_level *levels;
  size_t depth, capacity;
  DIR *dir; /* the directory at levels[depth] */
} rm_walk;

/* Open a directory for removal, by name under parent, never through a
 * symlink; make it writable (a directory without write permission cannot
 * lose its entries) and record its identity. */
static int rm_open_dir(int parent, const char *name, rm_level *level, sc_error *err)
{
  int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return sc_error_set_errno(err, errno, "cannot open %s", name);
  struct stat st;
  if (fstat(fd, &st) < 0 || ((st.st_mode & 0700) != 0700 && fchmod(fd, st.st_mode | 0700) < 0)) {
    int e = errno;
    close(fd);
    return sc_error_set_errno(err, e, "cannot make %s writable", name);
  }
  level->dev = st.st_dev;
  level->ino = st.st_ino;
  level->resume = false;
  return fd;
}

static int rm_set_dir(rm_walk *w, int fd, sc_error *err)
{
  w->dir = fdopendir(fd);
  if (w->dir == NULL) {
    int e = errno;
    close(fd);
    return sc_error_set_errno(err, e, "cannot read directory");
  }
  if (w->levels[w->depth].resume)
    seekdir(w->dir, w->levels[w->depth].pos);
  return 0;
}

/* Remove the entries of the current directory that are not directories;
 * stop at the first directory and give its name (1), or 0 when the
 * directory is empty.  A listing continued from a saved position reads it
 * once more from the start before calling it empty, as positions need not
 * survive removals on every filesystem. */
static int rm_next_subdir(rm_walk *w, char **subdir, sc_error *err)
{
  bool from_start = !w->levels[w->depth].resume;
  for (;;) {
    errno = 0;
    struct dirent *de = readdir(w->dir);
    if (de == NULL) {
      if (errno != 0)
        return sc_error_set_errno(err, errno, "cannot read directory");
      if (from_start)
        return 0;
      rewinddir(w->dir);
      from_start = true;
      continue;
    }
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    if (de->d_type == DT_DIR || de->d_type == DT_UNKNOWN) {
      struct stat st;
      if (fstatat(dirfd(w->dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
        if (errno == ENOENT)
          continue;
        return sc_error_set_errno(err, errno, "cannot stat %s", de->d_name);
      }
      if (S_ISDIR(st.st_mode)) {
        *subdir = xstrdup(de->d_name);
        w->levels[w->depth].pos = telldir(w->dir);
        w->levels[w->depth].resume = true;
        return 1;
      }
    }
    if (unlinkat(dirfd(w->dir), de->d_name, 0) < 0 && errno != ENOENT)
      return sc_error_set_errno(err, errno, "cannot remove %s", de->d_name);
  }
}

static int rm_go_down(rm_walk *w, char *name, sc_error *err)
{
  if (w->depth + 1 == w->capacity) {
    w->capacity *= 2;
    w->levels = xrealloc(w->levels, w->capacity * sizeof *w->levels);
  }
  rm_level *child = &w->levels[w->depth + 1];
  child->name = name;
  int fd = rm_open_dir(dirfd(w->dir), name, child, err);
  if (fd < 0) {
    free(name);
    return -1;
  }
  closedir(w->dir); /* read-only: nothing to report */
  w->depth++;
  return rm_set_dir(w, fd, err);
}

/* Back to the parent, checked to be the directory the walk came down
 * from, and remove the (now empty) child there. */
static int rm_go_up(rm_walk *w, sc_error *err)
{
  rm_level *child = &w->levels[w->depth], *parent = &w->levels[w->depth - 1];
  int fd = openat(dirfd(w->dir), "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return sc_error_set_errno(err, errno, "cannot open the parent of %s", child->name);
  struct stat st;
  if (fstat(fd, &st) < 0 || st.st_dev != parent->dev || st.st_ino != parent->ino) {
    close(fd);
    return sc_error_set(err, SC_E_INVALID,
                        "%s was moved while it was being removed: stopped, to stay inside the "
                        "tree; run the command again",
                        child->name);
  }
  closedir(w->dir);
  w->dir = NULL;
  int r = 0;
  if (unlinkat(fd, child->name, AT_REMOVEDIR) < 0 && errno != ENOENT)
    r = sc_error_set_errno(err, errno, "cannot remove %s", child->name);
  free(child->name);
  child->name = NULL;
  w->depth--;
  if (r < 0) {
    close(fd);
    return -1;
  }
  return rm_set_dir(w, fd, err);
}

/* Empty the directory fd (consumed) and everything under it. */
static int rm_tree_contents(int fd, const rm_level *top, sc_error *err)
{
  rm_walk w = {.capacity = 16};
  w.levels = xcalloc(w.capacity, sizeof *w.levels);
  w.levels[0] = *top;
  int r = rm_set_dir(&w, fd, err);
  while (r == 0) {
    char *subdir = NULL;
    r = rm_next_subdir(&w, &subdir, err);
    if (r == 1)
      r = rm_go_down(&w, subdir, err);
    else if (r == 0 && w.depth == 0)
      break;
    else if (r == 0)
      r = rm_go_up(&w, err);
  }
  if (w.dir)
    closedir(w.dir);
  for (size_t i = 1; i <= w.depth; i++)
    free(w.levels[i].name);
  free(w.levels);
  return r;
}

int sc_rm_rf_at(int dirfd, const char *path, sc_error *err)
{
  struct stat st;
  if (fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return errno == ENOENT ? 0 : sc_error_set_errno(err, errno, "cannot stat %s", path);
  if (!S_ISDIR(st.st_mode)) {
    if (unlinkat(dirfd, path, 0) < 0 && errno != ENOENT)
      return sc_error_set_errno(err, errno, "cannot remove %s", path);
    return 0;
  }
  rm_level top = {0};
  int fd = rm_open_dir(dirfd, path, &top, err);
  if (fd < 0)
    return -1;
  if (rm_tree_contents(fd, &top, err) < 0)
    return sc_error_prefix(err, "removing %s", path);
  if (unlinkat(dirfd, path, AT_REMOVEDIR) < 0 && errno != ENOENT)
    return sc_error_set_errno(err, errno, "cannot remove %s", path);
  return 0;
}

/* The walk above holds at most three descriptors at a time (the directory
 * it is in, the one it opens next, and the DIR it leaves). */
#define RM_FDS_NEEDED 3

int sc_rm_rf_check_at(int dirfd, const char *path, sc_error *err)
{
  struct stat st;
  if (fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return errno == ENOENT ? 0 : sc_error_set_errno(err, errno, "cannot stat %s", path);
  _cleanup_free_ char *parent = sc_path_dirname(path);
  /* EROFS and EACCES show here, before anything is removed. */
  if (faccessat(dirfd, parent, W_OK, AT_EACCESS) < 0)
    return sc_error_set_errno(err, errno, "cannot remove %s", path);
  int fds[RM_FDS_NEEDED];
  int r = 0;
  size_t n = 0;
  for (; n < RM_FDS_NEEDED; n++) {
    fds[n] = n == 0 ? openat(dirfd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_PATH)
                    : fcntl(fds[0], F_DUPFD_CLOEXEC, 3);
    if (fds[n] < 0) {
      r = sc_error_set_errno(err, errno, "cannot remove %s: %zu free file descriptors needed", path,
                             (size_t)RM_FDS_NEEDED);
      break;
    }
  }
  while (n-- > 0)
    close(fds[n]); /* O_PATH descriptors: nothing to report */
  return r;
}

static bool bytes_are_zero(const unsigned char *bytes, size_t len)
{
  for (size_t i = 0; i < len; i++)
    if (bytes[i] != 0)
      return false;
  return true;
}

int sc_options_read(const void *options, size_t known_size, void *known, const char *what,
                    sc_error *err)
{
  memset(known, 0, known_size);
  memcpy(known, &known_size, sizeof known_size);
  if (options == NULL)
    return 0;
  size_t size;
  memcpy(&size, options, sizeof size);
  if (size < sizeof size)
    return sc_error_set(err, SC_E_INVALID,
                        "%s: size %zu is too small: initialise them with their SC_..._INIT macro",
                        what, size);
  if (size > known_size &&
      !bytes_are_zero((const unsigned char *)options + known_size, size - known_size))
    return sc_error_set(err, SC_E_INVALID,
                        "%s: fields this libscruntime does not know are set (the caller's "
                        "struct is %zu bytes, this library's %zu): the program was built against "
                        "a newer libscruntime; install that version",
                        what, size, known_size);
  size_t common = size < known_size ? size : known_size;
  memcpy((unsigned char *)known + sizeof size, (const unsigned char *)options + sizeof size,
         common - sizeof size);
  return 0;
}

int sc_check_interrupted(volatile const int *interrupted, const char *what, sc_error *err)
{
  if (!sc_interrupted(interrupted))
    return 0;
  if (what == NULL)
    return sc_error_set(err, SC_E_INTERRUPTED, "interrupted");
  return sc_error_set(err, SC_E_INTERRUPTED, "%s: interrupted", what);
}
