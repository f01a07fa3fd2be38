/* test-bundle.c: a deployment's config.json relocated into its test root
 * (test-bundle.h). */
#include "test-bundle.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capabilities.h"
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

void sc_machine_security_read(sc_machine_security *out)
{
  *out = (sc_machine_security){.capabilities = UINT64_MAX};
  /* runc's selinux.GetEnabled looks for the selinuxfs mount too. */
  out->selinux = access("/sys/fs/selinux/enforce", F_OK) == 0;
  _cleanup_free_ char *status = NULL;
  if (sc_read_file_at(AT_FDCWD, "/proc/self/status", &status, NULL, NULL) < 0)
    return;
  const char *line = strstr(status, "\nCapBnd:");
  char *end = NULL;
  unsigned long long mask = line ? strtoull(line + strlen("\nCapBnd:"), &end, 16) : 0;
  if (line && end != line + strlen("\nCapBnd:"))
    out->capabilities = (uint64_t)mask;
}

/* Remove from list the capabilities the machine lacks, adding their names
 * to *dropped once each. */
static void drop_capabilities(json_t *list, uint64_t have, char ***dropped)
{
  for (size_t i = json_array_size(list); i-- > 0;) {
    const char *name = json_string_value(json_array_get(list, i));
    int n = sc_capability_number(name);
    if (n < 0 || n >= 64 || (have >> n & 1))
      continue;
    if (!sc_strv_contains(*dropped, name))
      sc_strv_push(dropped, name);
    json_array_remove(list, i);
  }
}

static void fit_capabilities(json_t *config, uint64_t have, char ***notes)
{
  static const char *const sets[] = {"bounding", "effective", "permitted", "inheritable",
                                     "ambient"};
  json_t *caps = json_object_get(json_object_get(config, "process"), "capabilities");
  _cleanup_strv_ char **dropped = NULL;
  for (size_t i = 0; json_is_object(caps) && i < sizeof sets / sizeof *sets; i++)
    drop_capabilities(json_object_get(caps, sets[i]), have, &dropped);
  if (dropped == NULL)
    return;
  sc_buf names = SC_BUF_INIT;
  for (size_t i = 0; dropped[i]; i++)
    sc_buf_printf(&names, "%s%s", i ? " " : "", dropped[i]);
  _cleanup_free_ char *note = xasprintf("this machine cannot grant %s (not in sc-build's "
                                        "capability bounding set): the test runs without, the "
                                        "installed config.json is unchanged",
                                        names.data);
  sc_buf_free(&names);
  sc_strv_push(notes, note);
}

/* Remove a label; true when there was one to remove. */
static bool drop_label(json_t *object, const char *key)
{
  const char *label = json_string_value(json_object_get(object, key));
  bool had = label && label[0];
  json_object_del(object, key);
  return had;
}

static void fit_selinux(json_t *config, char ***notes)
{
  bool process = drop_label(json_object_get(config, "process"), "selinuxLabel");
  bool mount = drop_label(json_object_get(config, "linux"), "mountLabel");
  if (!process && !mount)
    return;
  _cleanup_free_ char *note =
      xasprintf("SELinux is not enabled here, and runc refuses a label "
                "without it: the test runs without %s%s%s, the installed "
                "config.json is unchanged",
                process ? "process.selinuxLabel" : "", process && mount ? " and " : "",
                mount ? "linux.mountLabel" : "");
  sc_strv_push(notes, note);
}

/* After relocation, an absolute bind source that is not in the root names
 * the machine's: one the machine lacks too (/dev/log without a syslog
 * daemon) makes runc fail with a bare "no such file or directory". */
static void note_missing_sources(json_t *config, char ***notes)
{
  size_t i;
  json_t *mount;
  json_array_foreach(json_object_get(config, "mounts"), i, mount)
  {
    const char *source = json_string_value(json_object_get(mount, "source"));
    struct stat st;
    if (source == NULL || source[0] != '/' || !sc_oci_mount_is_bind(mount) ||
        lstat(source, &st) == 0)
      continue;
    _cleanup_free_ char *note = xasprintf(
        "mounts[%zu]: the bind source %s is neither in the test root nor on this machine, so "
        "runc cannot start the container: create it here (on a host, the service it belongs "
        "to provides it) or make it with tmpfiles.template",
        i, source);
    sc_strv_push(notes, note);
  }
}

void sc_test_bundle_fit(json_t *config, const sc_machine_security *machine, char ***notes)
{
  note_missing_sources(config, notes);
  fit_capabilities(config, machine->capabilities, notes);
  if (!machine->selinux)
    fit_selinux(config, notes);
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
                         const sc_machine_security *machine, char ***notes, sc_error *err)
{
  _cleanup_close_ int root_fd = open(root_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0)
    return sc_error_set_errno(err, errno, "cannot open the test root %s", root_path);
  json_t *config = read_config(deployment, err);
  if (config == NULL)
    return -1;
  int r = sc_test_bundle_relocate(config, root_fd, deployment, err);
  if (r == 0)
    sc_test_bundle_fit(config, machine, notes);
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
