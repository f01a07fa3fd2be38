/* deploy.c: deployment slots and the symlink that selects the active one. */
#include "deploy.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sc/install.h>
#include "image-internal.h"
#include "util.h"

bool sc_container_name_is_valid(const char *name)
{
  /* A name becomes a file name, a unit name and a runc container id. */
  if (name == NULL || name[0] == '\0' || strlen(name) > 128 || name[0] == '.' || name[0] == '-')
    return false;
  for (const char *p = name; *p; p++) {
    char c = *p;
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.';
    if (!ok)
      return false;
  }
  return true;
}

char *sc_container_default_name(const sc_image *image)
{
  const char *ref = image->tag ? image->tag : image->layout_path;
  const char *slash = strrchr(ref, '/');
  const char *last = slash ? slash + 1 : ref;
  const char *colon = strchr(last, ':');
  if (colon == NULL)
    return xstrdup(last);
  if (strcmp(colon + 1, "latest") == 0)
    return xstrndup(last, (size_t)(colon - last));
  char *name = xstrdup(last);
  name[colon - last] = '-';
  return name;
}

int sc_root_open(const char *root, bool create, sc_root *out, sc_error *err)
{
  *out = (sc_root){.fd = -1, .containers_fd = -1};
  const char *given = root && root[0] ? root : "/";
  char resolved[PATH_MAX];
  /* An install makes a missing root, as dnf --installroot does; the other
   * commands have nothing to work on there. */
  if (create && mkdir(given, 0755) < 0 && errno != EEXIST)
    return sc_error_set_errno(err, errno, "cannot create the install root %s", given);
  if (realpath(given, resolved) == NULL)
    return sc_error_set_errno(err, errno, "cannot use %s as the install root%s", given,
                              errno == ENOENT ? " (it does not exist: nothing is installed there)"
                                              : "");
  out->path = xstrdup(strcmp(resolved, "/") == 0 ? "" : resolved);
  out->fd = open(resolved, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (out->fd < 0)
    return sc_error_set_errno(err, errno, "cannot open the install root %s", resolved);
  if (create) {
    const char *dirs[] = {SC_CONTAINERS_DIR, SC_UNIT_DIR, SC_TMPFILES_DIR};
    for (size_t i = 0; i < 3; i++)
      if (sc_mkdir_p_at(out->fd, dirs[i], 0755, err) < 0)
        return sc_error_prefix(err, "preparing %s", resolved);
  }
  out->containers_fd = openat(out->fd, SC_CONTAINERS_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (out->containers_fd < 0 && !(errno == ENOENT && !create))
    return sc_error_set_errno(err, errno, "cannot open %s/%s", out->path, SC_CONTAINERS_DIR);
  return 0;
}

void sc_root_close(sc_root *root)
{
  free(root->path);
  /* Directory fds: a close has no write to report. */
  if (root->fd >= 0)
    close(root->fd);
  if (root->containers_fd >= 0)
    close(root->containers_fd);
  *root = (sc_root){.fd = -1, .containers_fd = -1};
}

char *sc_deploy_dirname(const char *name, int index)
{
  return xasprintf("%s.%d", name, index);
}

char *sc_deploy_destdir(const sc_root *root, const char *name, int index)
{
  return xasprintf("%s/%s/%s.%d", root->path, SC_CONTAINERS_DIR, name, index);
}

/* The root is the future "/" (rpm --root, systemctl --root, atomic's
 * prefix: DESTDIR = "/" + relpath(destination, prefix)), so what is
 * written into the deployment names it without the root. */
char *sc_deploy_destdir_in_root(const char *name, int index)
{
  return xasprintf("/%s/%s.%d", SC_CONTAINERS_DIR, name, index);
}

bool sc_deploy_exists(const sc_root *root, const char *name, int index)
{
  if (root->containers_fd < 0)
    return false;
  _cleanup_free_ char *dir = sc_deploy_dirname(name, index);
  struct stat st;
  return fstatat(root->containers_fd, dir, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

int sc_deploy_active(const sc_root *root, const char *name, sc_error *err)
{
  if (root->containers_fd < 0)
    return -1;
  char target[PATH_MAX];
  ssize_t n = readlinkat(root->containers_fd, name, target, sizeof target - 1);
  if (n < 0) {
    if (errno == ENOENT)
      return -1;
    return sc_error_set_errno(err, errno, "cannot read the deployment link %s", name), -2;
  }
  target[n] = '\0';
  /* atomic writes an absolute target, sc-build a relative one: both end in NAME.N. */
  const char *base = strrchr(target, '/');
  base = base ? base + 1 : target;
  _cleanup_free_ char *zero = sc_deploy_dirname(name, 0);
  _cleanup_free_ char *one = sc_deploy_dirname(name, 1);
  if (strcmp(base, zero) == 0)
    return 0;
  if (strcmp(base, one) == 0)
    return 1;
  sc_error_set(err, SC_E_INVALID, "%s points at %s, not at a deployment of %s", name, target, name);
  return -2;
}

int sc_deploy_switch(const sc_root *root, const char *name, int index, sc_error *err)
{
  _cleanup_free_ char *target = sc_deploy_dirname(name, index);
  char rnd[17];
  sc_random_hex(rnd, 16);
  _cleanup_free_ char *tmp = xasprintf(".%s.link-%s", name, rnd);
  if (symlinkat(target, root->containers_fd, tmp) < 0)
    return sc_error_set_errno(err, errno, "cannot create the deployment link for %s", name);
  if (renameat(root->containers_fd, tmp, root->containers_fd, name) < 0) {
    int e = errno;
    unlinkat(root->containers_fd, tmp, 0);
    return sc_error_set_errno(err, e, "cannot switch %s to %s", name, target);
  }
  return sc_fsync_dir(root->containers_fd, SC_CONTAINERS_DIR, err);
}

int sc_deploy_read_info(const sc_root *root, const char *name, int index, json_t **out,
                        sc_error *err)
{
  _cleanup_free_ char *path = xasprintf("%s.%d/info", name, index);
  _cleanup_free_ char *text = NULL;
  size_t len = 0;
  if (sc_read_file_at(root->containers_fd, path, &text, &len, err) < 0)
    return sc_error_prefix(err, "deployment %s.%d", name, index);
  json_error_t jerr;
  *out = json_loadb(text, len, 0, &jerr);
  if (*out == NULL || !json_is_object(*out)) {
    json_decref(*out);
    return sc_error_set_at(err, SC_E_INVALID, path, jerr.line, jerr.column,
                           "%s/%s/%s is not valid JSON: %s", root->path, SC_CONTAINERS_DIR, path,
                           jerr.text);
  }
  return 0;
}
