/* container-root.c: disposable roots for containers that test and run
 * start, and the removal of those dead runs left (container-root.h). */
#include "container-root.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"
#include "test-bundle.h"
#include "smoke-tmpfiles.h"
#include "util.h"

#define KEPT_MARKER ".sc-build-kept"
/* In a root: the runtime that ran its containers, for whoever cleans up
 * after a run that was killed. */
#define RUNTIME_MARKER ".sc-build-runtime"
#define STATE_DIR "run/runc-state"
/* In a root, beside the future "/": the bundle the runtime is given, the
 * deployment's config.json with its paths relocated into the root. */
#define BUNDLE_DIR ".sc-build-bundle"

void sc_container_emit(sc_container_event_fn fn, void *user, const char *kind, const char *fmt, ...)
{
  if (fn == NULL)
    return;
  va_list ap;
  va_start(ap, fmt);
  _cleanup_free_ char *text = xvasprintf(fmt, ap);
  va_end(ap);
  fn(user, kind, text);
}

/* Detach the mount at PATH/SC_CONTAINER_ROOT_MOUNT, if any, so that the
 * removal of the root stays on the root's own file system. */
static void detach_mount(const char *path)
{
  _cleanup_free_ char *mnt = sc_path_join(path, SC_CONTAINER_ROOT_MOUNT);
  umount2(mnt, MNT_DETACH | UMOUNT_NOFOLLOW);
}

static void delete_leftover_containers(int root_fd)
{
  _cleanup_free_ char *runtime = NULL;
  if (sc_read_file_at_max(root_fd, RUNTIME_MARKER, PATH_MAX, &runtime, NULL, NULL) < 0)
    return;
  _cleanup_close_ int state_fd =
      openat(root_fd, STATE_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  _cleanup_strv_ char **ids = NULL;
  if (state_fd < 0 || sc_list_dir_at(state_fd, &ids, NULL) < 0)
    return;
  /* The runtime needs the state directory by name. */
  _cleanup_free_ char *state = sc_fd_path(state_fd);
  if (state == NULL)
    return;
  sc_runtime rt = {.size = sizeof rt, .path = runtime, .state_root = state};
  for (size_t i = 0; ids[i]; i++)
    sc_runtime_delete(&rt, ids[i], true, NULL);
}

/* A root whose run was killed (its lock is free): delete the containers
 * its runtime state holds, which kept running without it, and detach its
 * mount. */
static bool stop_leftover_containers(int root_fd, void *user)
{
  (void)user;
  if (faccessat(root_fd, KEPT_MARKER, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
    return false; /* kept with --keep: the user removes it */
  delete_leftover_containers(root_fd);
  _cleanup_free_ char *path = sc_fd_path(root_fd);
  if (path)
    detach_mount(path);
  return true;
}

int sc_container_root_make(const char *tmpdir, const char *prefix, const char *runtime,
                           sc_container_root *out, sc_error *err)
{
  *out = (sc_container_root){.lock_fd = -1};
  out->lock_fd = sc_store_tmp_dir(tmpdir, prefix, 0755, stop_leftover_containers, &out->path, err);
  if (out->lock_fd < 0)
    return -1;
  out->state_root = xasprintf("%s/" STATE_DIR, out->path);
  return sc_write_file_at(out->lock_fd, RUNTIME_MARKER, runtime, strlen(runtime), 0600, err);
}

static int apply_tmpfiles(const sc_container_root *root, const char *name, char ***notes,
                          sc_error *err)
{
  _cleanup_free_ char *path = xasprintf("%s/etc/tmpfiles.d/%s.conf", root->path, name);
  _cleanup_free_ char *text = NULL;
  if (sc_read_file_at(AT_FDCWD, path, &text, NULL, NULL) < 0)
    return 0; /* the image has no tmpfiles.template */
  return sc_tmpfiles_apply(root->path, text, notes, err);
}

/* What systemd would make as the unit starts, which a test root lacks. */
static int apply_runtime_directories(const sc_container_root *root, const char *name, char ***notes,
                                     sc_error *err)
{
  _cleanup_free_ char *path = xasprintf("%s/etc/systemd/system/%s.service", root->path, name);
  _cleanup_free_ char *unit = NULL;
  if (sc_read_file_at(AT_FDCWD, path, &unit, NULL, NULL) < 0)
    return 0; /* no unit: nothing to stand in for */
  _cleanup_free_ char *lines = sc_unit_runtime_directory_lines(unit, notes);
  return sc_tmpfiles_apply(root->path, lines, notes, err);
}

int sc_container_root_install(sc_container_root *root, const sc_image *image, const char *name,
                              const sc_values *set, const sc_runtime *runtime,
                              volatile const int *interrupted, char ***notes, sc_error *err)
{
  root->name = xstrdup(name);
  root->set = sc_values_copy(set);
  /* The root is the future "/" (sc/install.h): RUN_, STATE_ and
   * CONF_DIRECTORY keep their defaults and name paths inside it; the
   * container is run with them relocated there (test-bundle.h). */
  sc_install_options install = {
      .size = sizeof install,
      .root = root->path,
      .name = name,
      .set = root->set,
      .runtime_path = runtime->path,
      .no_systemd_cgroup = !runtime->systemd_cgroup,
      .interrupted = interrupted,
  };
  if (sc_install(image, &install, &root->install, err) < 0)
    return -1;
  root->installed = true;
  if (sc_check_interrupted(interrupted, NULL, err) < 0)
    return -1;
  if (apply_tmpfiles(root, name, notes, err) < 0 ||
      apply_runtime_directories(root, name, notes, err) < 0)
    return -1;
  root->bundle = xasprintf("%s/" BUNDLE_DIR, root->path);
  sc_machine_security machine;
  sc_machine_security_read(&machine);
  return sc_test_bundle_write(root->path, root->install.deployment, root->bundle, &machine, notes,
                              err);
}

void sc_container_root_keep(sc_container_root *root)
{
  if (root->lock_fd >= 0)
    sc_write_file_at(root->lock_fd, KEPT_MARKER, "", 0, 0600, NULL);
}

static void uninstall(sc_container_root *root)
{
  sc_install_options u = {.size = sizeof u, .root = root->path, .name = root->name};
  sc_install_result result;
  sc_uninstall(&u, &result, NULL);
  sc_install_result_clear(&result);
}

void sc_container_root_close(sc_container_root *root, bool keep)
{
  if (root->path && keep)
    sc_container_root_keep(root);
  if (root->path && !keep) {
    if (root->installed)
      uninstall(root);
    detach_mount(root->path);
    sc_rm_rf_at(AT_FDCWD, root->path, NULL);
  }
  sc_closep(&root->lock_fd); /* after the removal: the root is gone, or kept */
  free(root->path);
  free(root->state_root);
  free(root->bundle);
  free(root->name);
  sc_values_free(root->set);
  sc_install_result_clear(&root->install);
  *root = (sc_container_root){.lock_fd = -1};
}
