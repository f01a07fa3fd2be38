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

#include "tmpfiles-line.h"
#include "util.h"

static mode_t parse_mode(const sc_tmpfiles_line *l, mode_t fallback)
{
  const char *m = sc_tmpfiles_line_value(l, 2);
  if (m == NULL)
    return fallback;
  while (*m == '~' || *m == ':')
    m++;
  char *end = NULL;
  long v = strtol(m, &end, 8);
  return (end && *end == '\0' && v >= 0 && v <= 07777) ? (mode_t)v : fallback;
}

static long parse_id(const sc_tmpfiles_line *l, size_t field)
{
  const char *id = sc_tmpfiles_line_value(l, field);
  if (id == NULL)
    return -1;
  char *end = NULL;
  long v = strtol(id, &end, 10);
  return (end && *end == '\0' && v >= 0) ? v : -1;
}

static int apply_owner_mode(int root_fd, const char *rel, const sc_tmpfiles_line *l, mode_t mode,
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

static int apply_directory(int root_fd, const char *rel, const sc_tmpfiles_line *l, sc_error *err)
{
  if (sc_mkdir_p_at(root_fd, rel, 0755, err) < 0)
    return -1;
  return apply_owner_mode(root_fd, rel, l, parse_mode(l, 0755), err);
}

static int apply_file(int root_fd, const char *rel, const sc_tmpfiles_line *l, sc_error *err)
{
  _cleanup_free_ char *dir = sc_path_dirname(rel);
  if (strcmp(dir, ".") != 0 && sc_mkdir_p_at(root_fd, dir, 0755, err) < 0)
    return -1;
  int flags = O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC;
  if (l->field[0][0] == 'F')
    flags |= O_TRUNC;
  struct stat st;
  bool existed = fstatat(root_fd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0;
  if (l->field[0][0] == 'w' && !existed)
    return 0; /* w writes only to existing files */
  _cleanup_close_ int fd = openat(root_fd, rel, flags, 0644);
  if (fd < 0)
    return sc_error_set_errno(err, errno, "tmpfiles: cannot create /%s", rel);
  const char *arg = sc_tmpfiles_line_value(l, SC_TMPFILES_ARGUMENT);
  if (arg && (!existed || l->field[0][0] != 'f') && sc_write_all(fd, arg, strlen(arg)) < 0)
    return sc_error_set_errno(err, errno, "tmpfiles: cannot write /%s", rel);
  if (close(steal_fd(&fd)) < 0) /* a deferred write error shows here */
    return sc_error_set_errno(err, errno, "tmpfiles: cannot write /%s", rel);
  return apply_owner_mode(root_fd, rel, l, parse_mode(l, 0644), err);
}

static int apply_symlink(int root_fd, const char *rel, const sc_tmpfiles_line *l, sc_error *err)
{
  const char *target = sc_tmpfiles_line_value(l, SC_TMPFILES_ARGUMENT);
  if (target == NULL)
    return 0;
  _cleanup_free_ char *dir = sc_path_dirname(rel);
  if (strcmp(dir, ".") != 0 && sc_mkdir_p_at(root_fd, dir, 0755, err) < 0)
    return -1;
  if (symlinkat(target, root_fd, rel) < 0 && errno != EEXIST)
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

static int apply_line(int root_fd, const sc_tmpfiles_line *l, char ***notes, sc_error *err)
{
  const char *path = l->field[1];
  if (!is_clean_absolute(path)) {
    _cleanup_free_ char *note = xasprintf(
        "tmpfiles: skipped '%s %s': not an absolute path without '..'", l->field[0], path);
    sc_strv_push(notes, note);
    return 0;
  }
  const char *rel = path + strspn(path, "/");
  if (rel[0] == '\0')
    return 0; /* the root itself exists */
  switch (l->field[0][0]) {
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
    _cleanup_free_ char *note = xasprintf(
        "tmpfiles: type '%c' of '%s' is not applied in a test root", l->field[0][0], path);
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
  int number = 1;
  for (const char *line = text; *line; number++) {
    size_t len = strcspn(line, "\n");
    sc_tmpfiles_line l;
    int r = 0;
    if (sc_tmpfiles_line_split(line, len, &l) < 0) {
      _cleanup_free_ char *note =
          xasprintf("tmpfiles: skipped line %d: column %d: %s", number, l.error_col, l.error);
      sc_strv_push(notes, note);
    } else if (l.count >= 2) {
      r = apply_line(root_fd, &l, notes, err);
    }
    sc_tmpfiles_line_clear(&l);
    if (r < 0)
      return -1;
    line += len + (line[len] == '\n');
  }
  return 0;
}

/* ---- RuntimeDirectory= ---- */

/* "KEY=VALUE" (blanks around '=' allowed, as systemd's config parser
 * allows): VALUE, or NULL when the line sets another key. */
static const char *unit_setting(const char *line, size_t len, const char *key, size_t *value_len)
{
  size_t k = strlen(key);
  if (len < k || memcmp(line, key, k) != 0)
    return NULL;
  size_t i = k + strspn(line + k, " \t");
  if (i >= len || line[i] != '=')
    return NULL;
  i++;
  i += strspn(line + i, " \t");
  *value_len = len - i;
  return line + i;
}

static void add_runtime_directories(char ***dirs, const char *value, size_t len, char ***notes)
{
  if (len == 0) {
    sc_strv_free(*dirs); /* an empty assignment resets the list */
    *dirs = NULL;
    return;
  }
  _cleanup_free_ char *copy = xstrndup(value, len);
  char *save = NULL;
  for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
    _cleanup_free_ char *abs = xasprintf("/%s", w);
    if (w[0] == '/' || strchr(w, '%') || !is_clean_absolute(abs) || strspn(w, ".") == strlen(w)) {
      _cleanup_free_ char *note = xasprintf("RuntimeDirectory=%s: skipped in the test root (a "
                                            "relative path below /run without '..' or '%%')",
                                            w);
      sc_strv_push(notes, note);
    } else if (!sc_strv_contains(*dirs, w)) {
      sc_strv_push(dirs, w);
    }
  }
}

static long runtime_directory_mode(const char *value, size_t len)
{
  _cleanup_free_ char *copy = xstrndup(value, len);
  char *end = NULL;
  long mode = strtol(copy, &end, 8);
  return end != copy && *end == '\0' && mode >= 0 && mode <= 07777 ? mode : 0755;
}

char *sc_unit_runtime_directory_lines(const char *unit, char ***notes)
{
  _cleanup_strv_ char **dirs = NULL;
  long mode = 0755;
  bool in_service = false;
  for (const char *line = unit ? unit : ""; *line;) {
    size_t len = strcspn(line, "\n");
    const char *next = line + len + (line[len] == '\n');
    size_t skip = strspn(line, " \t");
    line += skip, len -= skip;
    while (len > 0 && strchr(" \t\r", line[len - 1]))
      len--;
    size_t value_len = 0;
    const char *value;
    if (len > 0 && line[0] == '[')
      in_service = len == 9 && memcmp(line, "[Service]", 9) == 0;
    else if (in_service && (value = unit_setting(line, len, "RuntimeDirectory", &value_len)))
      add_runtime_directories(&dirs, value, value_len, notes);
    else if (in_service && (value = unit_setting(line, len, "RuntimeDirectoryMode", &value_len)))
      mode = runtime_directory_mode(value, value_len);
    line = next;
  }
  sc_buf lines = SC_BUF_INIT;
  sc_buf_puts(&lines, "");
  for (size_t i = 0; dirs && dirs[i]; i++)
    sc_buf_printf(&lines, "d /run/%s %04lo - - - -\n", dirs[i], mode);
  return sc_buf_steal(&lines);
}
