/* lifecycle.c: rollback, uninstall and list (DESIGN.md section 4). */
#include <sc/install.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "deploy.h"
#include "hostfs.h"
#include "util.h"

static int open_installed(const sc_install_options *options, sc_root *root, int *active,
                          sc_error *err)
{
  if (!sc_container_name_is_valid(options->name))
    return sc_error_set(err, SC_E_USAGE, "invalid container name '%s'",
                        options->name ? options->name : "");
  if (sc_root_open(options->root, false, root, err) < 0)
    return -1;
  *active = sc_deploy_active(root, options->name, err);
  if (*active < -1)
    return -1;
  if (*active == -1)
    return sc_error_set(err, ENOENT, "no container '%s' is installed in %s", options->name,
                        root->path[0] ? root->path : "/");
  return 0;
}

/* Copy DEPLOYMENT/src to ROOT/dir/dest, or remove ROOT/dir/dest when the
 * deployment has no such file. */
static int restore_file(sc_root *root, const char *deployment, const char *src, const char *dir,
                        const char *dest, sc_error *err)
{
  _cleanup_free_ char *from = xasprintf("%s/%s", deployment, src);
  _cleanup_free_ char *to = xasprintf("%s/%s", dir, dest);
  _cleanup_free_ char *text = NULL;
  size_t len = 0;
  sc_error local = SC_ERROR_INIT;
  if (sc_read_file_at(root->containers_fd, from, &text, &len, &local) < 0) {
    int code = local.code;
    sc_error_move(err, &local);
    if (code != ENOENT)
      return -1;
    sc_error_clear(err);
    if (unlinkat(root->fd, to, 0) < 0 && errno != ENOENT)
      return sc_error_set_errno(err, errno, "cannot remove %s/%s", root->path, to);
    return 0;
  }
  return sc_write_file_at(root->fd, to, text, len, 0644, err);
}

static int rollback_in_root(sc_root *root, int active, const sc_install_options *options,
                            sc_install_result *result, sc_error *err)
{
  const char *name = options->name;
  int other = 1 - active;
  json_t *info = NULL;
  if (!sc_deploy_exists(root, name, other))
    return sc_error_set(err, ENOENT, "%s has no previous deployment to roll back to (%s/%s/%s.%d)",
                        name, root->path, SC_CONTAINERS_DIR, name, other);
  if (sc_deploy_read_info(root, name, other, &info, err) < 0)
    return sc_error_prefix(err, "the previous deployment may be corrupted");
  json_t *current = NULL;
  if (sc_deploy_read_info(root, name, active, &current, err) < 0) {
    json_decref(info);
    return -1;
  }
  /* The host files follow the deployment: the current one's give way to
   * the other's (files the admin changed are kept and reported). */
  int h = sc_hostfs_remove(root->fd, json_object_get(current, "installed-files"),
                           json_object_get(current, "installed-files-checksum"),
                           &result->kept_files, err);
  json_decref(current);
  if (h == 0)
    h = sc_deploy_reinstall_hostfs(root, name, other, info, err);
  if (h < 0) {
    json_decref(info);
    return -1;
  }
  _cleanup_free_ char *deployment = sc_deploy_dirname(name, other);
  _cleanup_free_ char *unit = xasprintf("%s.service", name);
  _cleanup_free_ char *tmpfiles = xasprintf("tmpfiles-%s.conf", name);
  _cleanup_free_ char *tmpfiles_dest = xasprintf("%s.conf", name);
  int r = restore_file(root, deployment, unit, SC_UNIT_DIR, unit, err);
  if (r == 0)
    r = restore_file(root, deployment, tmpfiles, SC_TMPFILES_DIR, tmpfiles_dest, err);
  if (r == 0)
    r = sc_deploy_switch(root, name, other, err);
  if (r == 0) {
    result->index = other;
    result->deployment = sc_deploy_destdir(root, name, other);
    result->info = json_incref(info);
  }
  json_decref(info);
  return r;
}

int sc_rollback(const sc_install_options *options, sc_install_result *result, sc_error *err)
{
  *result = (sc_install_result){0};
  sc_root root;
  int active = -1;
  int r = open_installed(options, &root, &active, err);
  if (r == 0)
    r = rollback_in_root(&root, active, options, result, err);
  sc_root_close(&root);
  return r < 0 ? sc_error_prefix(err, "rolling back %s", options->name) : 0;
}

static int remove_host_files(sc_root *root, const char *name, sc_error *err)
{
  const char *files[][2] = {{SC_UNIT_DIR, ".service"}, {SC_TMPFILES_DIR, ".conf"}};
  for (size_t i = 0; i < 2; i++) {
    _cleanup_free_ char *path = xasprintf("%s/%s%s", files[i][0], name, files[i][1]);
    if (unlinkat(root->fd, path, 0) < 0 && errno != ENOENT)
      return sc_error_set_errno(err, errno, "cannot remove %s/%s", root->path, path);
  }
  return 0;
}

static int uninstall_in_root(sc_root *root, int active, const char *name, sc_install_result *result,
                             sc_error *err)
{
  json_t *info = NULL;
  if (sc_deploy_read_info(root, name, active, &info, err) < 0)
    return -1;
  int r = 0;
  for (int i = 0; r == 0 && i < 2; i++) { /* before the first removal: all or nothing */
    _cleanup_free_ char *dir = sc_deploy_dirname(name, i);
    r = sc_rm_rf_check_at(root->containers_fd, dir, err);
  }
  if (r == 0)
    r = remove_host_files(root, name, err);
  if (r == 0)
    r = sc_hostfs_remove(root->fd, json_object_get(info, "installed-files"),
                         json_object_get(info, "installed-files-checksum"), &result->kept_files,
                         err);
  if (r == 0 && unlinkat(root->containers_fd, name, 0) < 0 && errno != ENOENT)
    r = sc_error_set_errno(err, errno, "cannot remove the link %s", name);
  for (int i = 0; r == 0 && i < 2; i++) {
    _cleanup_free_ char *dir = sc_deploy_dirname(name, i);
    r = sc_rm_rf_at(root->containers_fd, dir, err);
  }
  if (r == 0) {
    result->index = active;
    result->info = json_incref(info);
  }
  json_decref(info);
  return r;
}

int sc_uninstall(const sc_install_options *options, sc_install_result *result, sc_error *err)
{
  *result = (sc_install_result){0};
  sc_root root;
  int active = -1;
  int r = open_installed(options, &root, &active, err);
  if (r == 0)
    r = uninstall_in_root(&root, active, options->name, result, err);
  sc_root_close(&root);
  return r < 0 ? sc_error_prefix(err, "uninstalling %s", options->name) : 0;
}

static json_t *list_entry(sc_root *root, const char *name, int active)
{
  json_t *info = NULL;
  _cleanup_free_ char *path = sc_deploy_destdir(root, name, active);
  json_t *entry = json_pack("{s:s, s:i, s:s}", "name", name, "deployment", active, "path", path);
  if (sc_deploy_read_info(root, name, active, &info, NULL) == 0) {
    const char *keys[] = {"image",          "revision", "created",
                          "values",         "runtime",  "has-container-service",
                          "installed-files"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
      json_t *v = json_object_get(info, keys[i]);
      if (v)
        json_object_set(entry, keys[i], v);
    }
    json_decref(info);
  }
  json_object_set_new(entry, "has-rollback",
                      json_boolean(sc_deploy_exists(root, name, 1 - active)));
  return entry;
}

static int compare_json_names(const void *a, const void *b)
{
  const char *x = json_string_value(json_object_get(*(json_t *const *)a, "name"));
  const char *y = json_string_value(json_object_get(*(json_t *const *)b, "name"));
  return strcmp(x, y);
}

int sc_list(const char *root_path, json_t **out, sc_error *err)
{
  sc_root root;
  if (sc_root_open(root_path, false, &root, err) < 0) {
    sc_root_close(&root);
    return -1;
  }
  json_t *list = json_array();
  int fd = root.containers_fd >= 0 ? fcntl(root.containers_fd, F_DUPFD_CLOEXEC, 3) : -1;
  DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
  struct dirent *de;
  while (d && (de = readdir(d)) != NULL) {
    if (de->d_name[0] == '.' || !sc_container_name_is_valid(de->d_name))
      continue;
    int active = sc_deploy_active(&root, de->d_name, NULL);
    if (active >= 0)
      json_array_append_new(list, list_entry(&root, de->d_name, active));
  }
  if (d)
    closedir(d);
  size_t n = json_array_size(list);
  json_t **items = xcalloc(n, sizeof(json_t *));
  for (size_t i = 0; i < n; i++)
    items[i] = json_incref(json_array_get(list, i));
  qsort(items, n, sizeof *items, compare_json_names);
  json_array_clear(list);
  for (size_t i = 0; i < n; i++)
    json_array_append_new(list, items[i]);
  free(items);
  sc_root_close(&root);
  *out = list;
  return 0;
}

int sc_read_info(const char *root_path, const char *name, json_t **out, sc_error *err)
{
  sc_install_options options = {.root = root_path, .name = name};
  sc_root root;
  int active = -1;
  int r = open_installed(&options, &root, &active, err);
  if (r == 0)
    r = sc_deploy_read_info(&root, name, active, out, err);
  sc_root_close(&root);
  return r;
}
