/* lifecycle.c: rollback, uninstall and list (docs/design.md section 4), each
 * change one transaction (txn.h). */
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
#include "install-internal.h"
#include "txn.h"
#include "util.h"

/* With change set, an interrupted change of the name is finished or
 * undone first (and the root locked); reading only, the root is taken as
 * it is. */
static int open_installed(const sc_install_options *options, bool change, sc_root *root,
                          int *active, sc_error *err)
{
  if (!sc_container_name_is_valid(options->name))
    return sc_error_set(err, SC_E_USAGE, "invalid container name '%s'",
                        options->name ? options->name : "");
  if (sc_root_open(options->root, false, root, err) < 0 ||
      (change && sc_txn_recover(root, options, err) < 0))
    return -1;
  *active = sc_deploy_active(root, options->name, err);
  if (*active < -1)
    return -1;
  if (*active == -1)
    return sc_error_set(err, ENOENT, "no container '%s' is installed in %s", options->name,
                        root->path[0] ? root->path : "/");
  return 0;
}

/* The other deployment's host files, unit and tmpfiles file take the place
 * of the active one's, then the link switches, all in one transaction. */
static int switch_deployment(sc_root *root, int other, json_t *info, json_t *current,
                             const sc_install_options *options, sc_install_result *result,
                             sc_error *err)
{
  const char *name = options->name;
  sc_txn txn;
  int r = sc_txn_begin(&txn, root, options, "rollback", other, false, err);
  if (r == 0) {
    _cleanup_free_ char *dir = sc_deploy_dirname(name, other);
    if (sc_deploy_stage_hostfs(&txn, other, info, current, err) < 0 ||
        sc_txn_stage_unit_files(&txn, root->containers_fd, dir, err) < 0) {
      sc_txn_abort(&txn);
      r = -1;
    } else {
      r = sc_txn_commit(&txn, &result->kept_files, err);
    }
  }
  sc_txn_clear(&txn);
  return r;
}

static int rollback_in_root(sc_root *root, int active, const sc_install_options *options,
                            sc_install_result *result, sc_error *err)
{
  const char *name = options->name;
  int other = 1 - active;
  _cleanup_(json_decrefp) json_t *info = NULL;
  if (!sc_deploy_exists(root, name, other))
    return sc_error_set(err, ENOENT, "%s has no previous deployment to roll back to (%s/%s/%s.%d)",
                        name, root->path, SC_CONTAINERS_DIR, name, other);
  if (sc_deploy_read_info(root, name, other, &info, err) < 0)
    return sc_error_prefix(err, "the previous deployment may be corrupted");
  _cleanup_(json_decrefp) json_t *current = NULL;
  int r = sc_deploy_read_info(root, name, active, &current, err);
  if (r == 0)
    r = switch_deployment(root, other, info, current, options, result, err);
  if (r == 0) {
    result->index = other;
    result->deployment = sc_deploy_destdir(root, name, other);
    result->info = json_incref(info);
  }
  return r;
}

int sc_rollback(const sc_install_options *caller_options, sc_install_result *result, sc_error *err)
{
  *result = (sc_install_result){0};
  sc_install_options known;
  if (sc_options_read(caller_options, sizeof known, &known, "install options", err) < 0)
    return -1;
  const sc_install_options *options = &known;
  sc_root root;
  int active = -1;
  int r = open_installed(options, true, &root, &active, err);
  if (r == 0)
    r = rollback_in_root(&root, active, options, result, err);
  sc_root_close(&root);
  return r < 0 ? sc_error_prefix(err, "rolling back %s", options->name) : 0;
}

/* The link, unit, tmpfiles file, host files and both deployments go, in
 * one transaction: once begun, a killed uninstall is finished by the next
 * command. */
static int uninstall_in_root(sc_root *root, int active, const sc_install_options *options,
                             sc_install_result *result, sc_error *err)
{
  json_t *info = NULL;
  if (sc_deploy_read_info(root, options->name, active, &info, err) < 0)
    return -1;
  /* Before anything is removed: the trees can be removed with the fds
   * there are (all or nothing under a low ulimit -n). */
  int r = 0;
  for (int i = 0; r == 0 && i < 2; i++) {
    _cleanup_free_ char *dir = sc_deploy_dirname(options->name, i);
    r = sc_rm_rf_check_at(root->containers_fd, dir, err);
  }
  sc_txn txn = {0};
  if (r == 0)
    r = sc_txn_begin(&txn, root, options, "uninstall", -1, false, err);
  if (r == 0) {
    json_t *files = NULL, *checksums = NULL;
    sc_hostfs_info_files(info, &files, &checksums);
    json_object_set_new(txn.doc, "unit", json_false());
    json_object_set_new(txn.doc, "tmpfiles", json_false());
    json_object_set_new(txn.doc, "remove-deployments", json_true());
    json_object_set_new(txn.doc, "remove-files", files);
    json_object_set_new(txn.doc, "remove-checksums", checksums);
    r = sc_txn_commit(&txn, &result->kept_files, err);
  }
  sc_txn_clear(&txn);
  if (r == 0) {
    result->index = active;
    result->info = json_incref(info);
  }
  json_decref(info);
  return r;
}

int sc_uninstall(const sc_install_options *caller_options, sc_install_result *result, sc_error *err)
{
  *result = (sc_install_result){0};
  sc_install_options known;
  if (sc_options_read(caller_options, sizeof known, &known, "install options", err) < 0)
    return -1;
  const sc_install_options *options = &known;
  sc_root root;
  int active = -1;
  int r = open_installed(options, true, &root, &active, err);
  if (r == 0)
    r = uninstall_in_root(&root, active, options, result, err);
  sc_root_close(&root);
  return r < 0 ? sc_error_prefix(err, "uninstalling %s", options->name) : 0;
}

int sc_recover(const sc_install_options *caller_options, sc_error *err)
{
  sc_install_options known;
  if (sc_options_read(caller_options, sizeof known, &known, "install options", err) < 0)
    return -1;
  const sc_install_options *options = &known;
  if (!sc_container_name_is_valid(options->name))
    return sc_error_set(err, SC_E_USAGE, "invalid container name '%s'",
                        options->name ? options->name : "");
  sc_root root;
  int r = sc_root_open(options->root, false, &root, err);
  if (r == 0)
    r = sc_txn_recover(&root, options, err);
  sc_root_close(&root);
  return r < 0 ? sc_error_prefix(err, "recovering %s", options->name) : 0;
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
  if (sc_root_open(root_path, false, &root, err) < 0 || sc_txn_recover_all(&root, err) < 0) {
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
  sc_install_options options = {.size = sizeof options, .root = root_path, .name = name};
  sc_root root;
  int active = -1;
  int r = open_installed(&options, false, &root, &active, err);
  if (r == 0)
    r = sc_deploy_read_info(&root, name, active, out, err);
  sc_root_close(&root);
  return r;
}
