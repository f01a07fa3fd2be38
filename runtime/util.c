/* util.c: allocation, strings, string vectors and dirfd-relative file I/O. */
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

void sc_freep(void *p)
{
  free(*(void **)p);
}

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
  _cleanup_close_ int dfd = openat(dirfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0)
    fsync(dfd);
  return 0;
}

int sc_mkdir_p_at(int dirfd, const char *path, mode_t mode, sc_error *err)
{
  _cleanup_free_ char *copy = xstrdup(path);
  for (char *p = copy + (copy[0] == '/'); ; p++) {
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

static int rm_rf_children(int fd, sc_error *err)
{
  DIR *d = fdopendir(fd);
  if (d == NULL) {
    int e = errno;
    close(fd);
    return sc_error_set_errno(err, e, "cannot read directory");
  }
  int ret = 0;
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    if (sc_rm_rf_at(dirfd(d), de->d_name, err) < 0) {
      ret = -1;
      break;
    }
  }
  closedir(d);
  return ret;
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
  int fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return sc_error_set_errno(err, errno, "cannot open %s", path);
  /* A directory without write permission cannot lose its entries. */
  if ((st.st_mode & 0700) != 0700)
    fchmod(fd, st.st_mode | 0700);
  if (rm_rf_children(fd, err) < 0)
    return sc_error_prefix(err, "removing %s", path);
  if (unlinkat(dirfd, path, AT_REMOVEDIR) < 0 && errno != ENOENT)
    return sc_error_set_errno(err, errno, "cannot remove %s", path);
  return 0;
}
