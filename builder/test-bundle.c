/* test-bundle.c: a deployment's config.json relocated into its test root
 * (test-bundle.h). */
#include "test-bundle.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inroot.h"
#include "oci-mount.h"
#include "util.h"

/* The path on this machine of an absolute path as seen inside the root, or
 * NULL when the root has nothing there. */
static char *path_in_root(int root_fd, const char *path)
{
  _cleanup_close_ int fd = sc_open_in_root(root_fd, path, O_PATH | O_CLOEXEC, 0, 0);
  return fd < 0 ? NULL : sc_fd_path(fd);
}

static char *relocate_path(int root_fd, const char *deployment, const char *path)
{
  if (path[0] != '/')
    return sc_path_join(deployment, path);
  return path_in_root(root_fd, path);
}

static void relocate_mounts(json_t *config, int root_fd, const char *deployment)
{
  size_t i;
  json_t *mount;
  json_array_foreach(json_object_get(config, "mounts"), i, mount)
  {
    const char *source = json_string_value(json_object_get(mount, "source"));
    if (source == NULL || !sc_oci_mount_is_bind(mount))
      continue;
    _cleanup_free_ char *moved = relocate_path(root_fd, deployment, source);
    if (moved)
      json_object_set_new(mount, "source", json_string(moved));
  }
}

int sc_test_bundle_relocate(json_t *config, int root_fd, const char *deployment, sc_error *err)
{
  json_t *root = json_object_get(config, "root");
  const char *rootfs = json_string_value(json_object_get(root, "path"));
  if (rootfs == NULL)
    return sc_error_set(err, SC_E_INVALID, "%s/config.json: root.path is not a string", deployment);
  _cleanup_free_ char *moved = relocate_path(root_fd, deployment, rootfs);
  if (moved == NULL)
    return sc_error_set(err, ENOENT, "%s/config.json: root.path %s does not exist in the test root",
                        deployment, rootfs);
  json_object_set_new(root, "path", json_string(moved));
  relocate_mounts(config, root_fd, deployment);
  return 0;
}

static json_t *read_config(const char *deployment, sc_error *err)
{
  _cleanup_free_ char *path = sc_path_join(deployment, "config.json");
  _cleanup_free_ char *text = NULL;
  size_t len = 0;
  if (sc_read_file_at(AT_FDCWD, path, &text, &len, err) < 0)
    return NULL;
  json_error_t jerr;
  json_t *config = json_loadb(text, len, 0, &jerr);
  if (config == NULL || !json_is_object(config)) {
    json_decref(config);
    sc_error_set_at(err, SC_E_INVALID, path, jerr.line, jerr.column, "%s is not a JSON object: %s",
                    path, jerr.text);
    return NULL;
  }
  return config;
}

int sc_test_bundle_write(const char *root_path, const char *deployment, const char *bundle_dir,
                         sc_error *err)
{
  _cleanup_close_ int root_fd = open(root_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0)
    return sc_error_set_errno(err, errno, "cannot open the test root %s", root_path);
  json_t *config = read_config(deployment, err);
  if (config == NULL)
    return -1;
  int r = sc_test_bundle_relocate(config, root_fd, deployment, err);
  _cleanup_free_ char *text = r == 0 ? json_dumps(config, JSON_INDENT(2)) : NULL;
  json_decref(config);
  if (r < 0)
    return -1;
  if (mkdir(bundle_dir, 0700) < 0 && errno != EEXIST)
    return sc_error_set_errno(err, errno, "cannot create the test bundle %s", bundle_dir);
  _cleanup_close_ int dir_fd = open(bundle_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dir_fd < 0)
    return sc_error_set_errno(err, errno, "cannot open the test bundle %s", bundle_dir);
  return sc_write_file_at(dir_fd, "config.json", text, strlen(text), 0600, err);
}
