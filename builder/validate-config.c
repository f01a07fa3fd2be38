/* validate-config.c: checks on the rendered config.json, from atomic's
 * install checks and the atomic-system-containers linter (docs/design.md
 * section 2).  Positions point into config.json.template. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inroot.h"
#include "oci-mount.h"
#include "util.h"
#include "validate-checks.h"

#define config_report(v, severity, path, depth, at_key, ...)                                       \
  sc_validation_report_path(v, severity, (v)->project->config_name,                                \
                            (v)->project->config_template.data, path, depth, at_key, __VA_ARGS__)

static void check_required(sc_validation *v, json_t *config)
{
  sc_jsonpos_step version[] = {SC_JSONPOS_KEY("ociVersion")};
  json_t *oci_version = json_object_get(config, "ociVersion");
  if (!json_is_string(oci_version))
    config_report(v, SC_DIAG_ERROR, version, 1, false,
                  "\"ociVersion\" must be a string (the runtime-spec version, e.g. \"1.0.2\")");
  sc_jsonpos_step root_path[] = {SC_JSONPOS_KEY("root"), SC_JSONPOS_KEY("path")};
  json_t *root = json_object_get(config, "root");
  const char *path = json_string_value(json_object_get(root, "path"));
  if (path == NULL || strcmp(path, "rootfs") != 0)
    config_report(v, SC_DIAG_ERROR, root_path, 2, false,
                  "root.path must be \"rootfs\": atomic checks the image out there");
  sc_jsonpos_step readonly[] = {SC_JSONPOS_KEY("root"), SC_JSONPOS_KEY("readonly")};
  if (!json_is_true(json_object_get(root, "readonly")))
    config_report(v, SC_DIAG_ERROR, readonly, 2, false,
                  "root.readonly must be true: atomic installs only read-only images");
}

/* runtime-spec before 1.0 (and atomic-system-containers' qemu-guest-agent
 * and hello-world templates) gave process.capabilities as one list; runc
 * 1.x refuses that config.json at start ("cannot unmarshal array into Go
 * struct field Process.process.capabilities of type specs.LinuxCapabilities"),
 * so an install that looks fine never runs. */
static void check_capabilities(sc_validation *v, json_t *process)
{
  json_t *caps = json_object_get(process, "capabilities");
  sc_jsonpos_step path[] = {SC_JSONPOS_KEY("process"), SC_JSONPOS_KEY("capabilities")};
  if (json_is_array(caps))
    config_report(v, SC_DIAG_ERROR, path, 2, false,
                  "process.capabilities is a list, the form of runtime-spec before 1.0, which "
                  "runc 1.x refuses: write an object of lists, {\"bounding\": [...], "
                  "\"effective\": [...], \"permitted\": [...], \"inheritable\": [...], "
                  "\"ambient\": [...]}, with this list in each the process needs (bounding, "
                  "effective and permitted at least)");
  else if (caps && !json_is_object(caps))
    config_report(v, SC_DIAG_ERROR, path, 2, false,
                  "process.capabilities must be an object of lists: {\"bounding\": [...], "
                  "\"effective\": [...], \"permitted\": [...], ...}");
}

static void check_process(sc_validation *v, json_t *process)
{
  /* An absent terminal is false in the runtime-spec: only a true (or a
   * non-boolean) one is wrong for a service, which has no terminal. */
  json_t *terminal = json_object_get(process, "terminal");
  sc_jsonpos_step terminal_path[] = {SC_JSONPOS_KEY("process"), SC_JSONPOS_KEY("terminal")};
  if (terminal && !json_is_false(terminal))
    config_report(v, SC_DIAG_ERROR, terminal_path, 2, false,
                  "process.terminal must be false: a systemd service has no terminal");
  json_t *args = json_object_get(process, "args");
  bool ok = json_is_array(args) && json_array_size(args) > 0;
  for (size_t i = 0; ok && i < json_array_size(args); i++)
    ok = json_is_string(json_array_get(args, i));
  sc_jsonpos_step args_path[] = {SC_JSONPOS_KEY("process"), SC_JSONPOS_KEY("args")};
  if (!ok)
    config_report(v, SC_DIAG_ERROR, args_path, 2, false,
                  "process.args must be a non-empty array of strings: the service's command");
  check_capabilities(v, process);
}

/* What a bind-mount source written in the template starts with. */
static const char *state_dir_hint(const char *source, size_t len)
{
  static const struct {
    const char *prefix, *hint;
  } dirs[] = {{"/var/lib", "${STATE_DIRECTORY}"},
              {"/var/run", "${RUN_DIRECTORY}"},
              {"/run", "${RUN_DIRECTORY}"}};
  for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
    size_t n = strlen(dirs[i].prefix);
    if (len >= n && memcmp(source, dirs[i].prefix, n) == 0 && (len == n || source[n] == '/'))
      return dirs[i].hint;
  }
  return NULL;
}

/* Whether the bind shows a host directory at the same place inside, as a
 * host interface is shown (/run/systemd for sd_notify and journald,
 * /var/run/secrets, sssd's /var/lib/sss/pipes, kubelet's /var/lib/kubelet)
 * rather than the service's own state, which goes anywhere inside. */
static bool bound_at_same_place(json_t *mount, const char *source, size_t len)
{
  const char *dest = json_string_value(json_object_get(mount, "destination"));
  if (dest == NULL)
    return false;
  while (len > 1 && source[len - 1] == '/')
    len--;
  size_t dest_len = strlen(dest);
  while (dest_len > 1 && dest[dest_len - 1] == '/')
    dest_len--;
  return len == dest_len && memcmp(source, dest, len) == 0;
}

/* The template text, not the rendered value: after rendering,
 * ${STATE_DIRECTORY} is /var/lib too.  Under /run a same-place bind is a
 * host interface (runtime state of the service's own goes through
 * RuntimeDirectory or ${RUN_DIRECTORY}/$NAME): no warning.  Under /var/lib
 * it may be either, and only the author knows: the message says both. */
static void check_bind_source(sc_validation *v, json_t *mount, size_t index)
{
  const char *text = v->project->config_template.data;
  sc_jsonpos pos;
  if (!sc_validation_mount_source(v, index, &pos))
    return;
  const char *source = text + pos.value_offset + 1;
  size_t len = pos.value_len - 2; /* without the quotes */
  const char *hint = state_dir_hint(source, len);
  if (hint == NULL)
    return;
  bool same_place = bound_at_same_place(mount, source, len);
  bool run = strcmp(hint, "${RUN_DIRECTORY}") == 0;
  if (same_place && run)
    return;
  sc_validation_report(v, SC_DIAG_WARNING, v->project->config_name, pos.value_line, pos.value_col,
                       "bind mount source is a fixed host directory: %s %s, which an install "
                       "(or a test install) can move%s",
                       same_place ? "if it is the service's own state, use" : "use", hint,
                       same_place ? "; if the service shares the host's own directory there (as "
                                    "sssd's /var/lib/sss/pipes), keep it and ignore this"
                                  : "");
}

static void check_mounts(sc_validation *v, json_t *mounts)
{
  size_t i;
  json_t *mount;
  json_array_foreach(mounts, i, mount)
  {
    const char *type = json_string_value(json_object_get(mount, "type"));
    sc_jsonpos_step path[] = {SC_JSONPOS_KEY("mounts"), SC_JSONPOS_INDEX(i),
                              SC_JSONPOS_KEY("type")};
    if (type && strcmp(type, "rbind") == 0)
      config_report(v, SC_DIAG_ERROR, path, 3, false,
                    "mount type \"rbind\" is not a mount type: use \"bind\" (with the option "
                    "\"rbind\" for a recursive bind)");
    if (sc_oci_mount_is_bind(mount))
      check_bind_source(v, mount, i);
  }
}

void sc_validate_config(sc_validation *v, json_t *config)
{
  if (!json_is_object(config)) {
    config_report(v, SC_DIAG_ERROR, NULL, 0, false,
                  "after rendering, config.json must be a JSON object");
    return;
  }
  check_required(v, config);
  json_t *process = json_object_get(config, "process");
  check_process(v, process);
  check_mounts(v, json_object_get(config, "mounts"));
  sc_jsonpos_step selinux[] = {SC_JSONPOS_KEY("linux"), SC_JSONPOS_KEY("selinuxProcessLabel")};
  if (json_object_get(json_object_get(config, "linux"), "selinuxProcessLabel"))
    config_report(v, SC_DIAG_ERROR, selinux, 2, true,
                  "linux.selinuxProcessLabel is not in the runtime-spec: use "
                  "process.selinuxLabel");
  sc_validate_exec(v, process, json_object_get(config, "mounts"));
}
