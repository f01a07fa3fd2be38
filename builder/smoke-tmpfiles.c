/* smoke-tmpfiles.c: the tmpfiles.d(5) types a service's first start needs
 * (d D e v q Q: directories; f F w: files; L: symlinks), inside a root. */
#include "smoke-tmpfiles.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

typedef struct tmpfiles_line {
  char type;
  char *fields[7]; /* type path mode user group age argument */
  size_t count;
} tmpfiles_line;

static void line_clear(tmpfiles_line *l)
{
  for (size_t i = 0; i < l->count; i++)
    free(l->fields[i]);
}

/* Split on blanks; the 7th field (argument) keeps its inner blanks. */
static void split_line(const char *line, tmpfiles_line *out)
{
  *out = (tmpfiles_line){0};
  const char *p = line;
  while (out->count < 7) {
    while (*p == ' ' || *p == '\t')
      p++;
    if (*p == '\0')
      break;
    const char *end = p;
    if (out->count == 6)
      end = p + strlen(p);
    else
      while (*end && *end != ' ' && *end != '\t')
        end++;
    out->fields[out->count++] = xstrndup(p, (size_t)(end - p));
    p = end;
  }
  out->type = out->count ? out->fields[0][0] : 0;
}

static mode_t parse_mode(const tmpfiles_line *l, mode_t fallback)
{
  if (l->count < 3 || strcmp(l->fields[2], "-") == 0)
    return fallback;
  const char *m = l->fields[2];
  while (*m == '~' || *m == ':')
    m++;
  char *end = NULL;
  long v = strtol(m, &end, 8);
  return (end && *end == '\0' && v >= 0 && v <= 07777) ? (mode_t)v : fallback;
}

static long parse_id(const tmpfiles_line *l, size_t field)
{
  if (l->count <= field || strcmp(l->fields[field], "-") == 0)
    return -1;
  char *end = NULL;
  long v = strtol(l->fields[field], &end, 10);
  return (end && *end == '\0' && v >= 0) ? v : -1;
}

static int apply_owner_mode(int root_fd, const char *rel, const tmpfiles_line *l, mode_t mode,
                            sc_error *err)
{
  long uid = parse_id(l, 3), gid = parse_id(l, 4);
  if ((uid >= 0 || gid >= 0) &&
      fchownat(root_fd, rel, (uid_t)uid, (gid_t)gid, AT_SYMLINK_NOFOLLOW) < 0)
    return sc_error_set_errno(err, errno, "tmpfiles: cannot set the owner of /%s", rel);
  if (fchmodat(root_fd, rel, mode, 0) < 0)
    return sc_error_set_errno(err, errno, "tmpfiles: cannot set the mode of /%s", rel);
  return 0;
}

static int apply_directory(int root_fd, const char *rel, const tmpfiles_line *l, sc_error *err)
{
  if (sc_mkdir_p_at(root_fd, rel, 0755, err) < 0)
    return -1;
  return apply_owner_mode(root_fd, rel, l, parse_mode(l, 0755), err);
}

static int apply_file(int root_fd, const char *rel, const tmpfiles_line *l, sc_error *err)
{
  _cleanup_free_ char *dir = sc_path_dirname(rel);
  if (strcmp(dir, ".") != 0 && sc_mkdir_p_at(root_fd, dir, 0755, err) < 0)
    return -1;
  int flags = O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC;
  if (l->type == 'F')
    flags |= O_TRUNC;
  struct stat st;
  bool existed = fstatat(root_fd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0;
  if (l->type == 'w' && !existed)
    return 0; /* w writes only to existing files */
  _cleanup_close_ int fd = openat(root_fd, rel, flags, 0644);
  if (fd < 0)
    return sc_error_set_errno(err, errno, "tmpfiles: cannot create /%s", rel);
  const char *arg = l->count > 6 && strcmp(l->fields[6], "-") ? l->fields[6] : NULL;
  if (arg && (!existed || l->type != 'f') && sc_write_all(fd, arg, strlen(arg)) < 0)
    return sc_error_set_errno(err, errno, "tmpfiles: cannot write /%s", rel);
  if (close(steal_fd(&fd)) < 0) /* a deferred write error shows here */
    return sc_error_set_errno(err, errno, "tmpfiles: cannot write /%s", rel);
  return apply_owner_mode(root_fd, rel, l, parse_mode(l, 0644), err);
}

static int apply_symlink(int root_fd, const char *rel, const tmpfiles_line *l, sc_error *err)
{
  if (l->count < 7 || strcmp(l->fields[6], "-") == 0)
    return 0;
  _cleanup_free_ char *dir = sc_path_dirname(rel);
  if (strcmp(dir, ".") != 0 && sc_mkdir_p_at(root_fd, dir, 0755, err) < 0)
    return -1;
  if (symlinkat(l->fields[6], root_fd, rel) < 0 && errno != EEXIST)
    return sc_error_set_errno(err, errno, "tmpfiles: cannot create link /%s", rel);
  return 0;
}

/* A tmpfiles path names a file of the root as seen from inside it, as for
 * systemd-tmpfiles --root: "/run/x" is ROOT/run/x. */
static bool is_clean_absolute(const char *path)
{
  return path[0] == '/' && strstr(path, "/../") == NULL &&
         !(strlen(path) >= 3 && strcmp(path + strlen(path) - 3, "/..") == 0);
}

static int apply_line(int root_fd, const tmpfiles_line *l, char ***notes, sc_error *err)
{
  const char *path = l->fields[1];
  if (!is_clean_absolute(path)) {
    _cleanup_free_ char *note = xasprintf(
        "tmpfiles: skipped '%s %s': not an absolute path without '..'", l->fields[0], path);
    sc_strv_push(notes, note);
    return 0;
  }
  const char *rel = path + strspn(path, "/");
  if (rel[0] == '\0')
    return 0; /* the root itself exists */
  switch (l->type) {
  case 'd':
  case 'D':
  case 'e':
  case 'v':
  case 'q':
  case 'Q':
    return apply_directory(root_fd, rel, l, err);
  case 'f':
  case 'F':
  case 'w':
    return apply_file(root_fd, rel, l, err);
  case 'L':
    return apply_symlink(root_fd, rel, l, err);
  default: {
    _cleanup_free_ char *note =
        xasprintf("tmpfiles: type '%c' of '%s' is not applied in a test root", l->type, path);
    sc_strv_push(notes, note);
    return 0;
  }
  }
}

int sc_tmpfiles_apply(const char *root_path, const char *text, char ***notes, sc_error *err)
{
  _cleanup_close_ int root_fd = open(root_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0)
    return sc_error_set_errno(err, errno, "cannot open %s", root_path);
  _cleanup_free_ char *copy = xstrdup(text);
  char *save = NULL;
  for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    tmpfiles_line l;
    split_line(line, &l);
    int r = 0;
    if (l.count >= 2 && l.fields[0][0] != '#')
      r = apply_line(root_fd, &l, notes, err);
    line_clear(&l);
    if (r < 0)
      return -1;
  }
  return 0;
}
