/* values.c: template values and atomic's _amend_values (docs/design.md section 2). */
#include <sc/values.h>
#include <sc/template.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capabilities.h"
#include "util.h"

struct sc_values {
  char **keys;
  char **vals;
  size_t count;
  size_t capacity;
};

sc_values *sc_values_new(void)
{
  return xcalloc(1, sizeof(sc_values));
}

void sc_values_free(sc_values *values)
{
  if (values == NULL)
    return;
  for (size_t i = 0; i < values->count; i++) {
    free(values->keys[i]);
    free(values->vals[i]);
  }
  free(values->keys);
  free(values->vals);
  free(values);
}

sc_values *sc_values_copy(const sc_values *values)
{
  sc_values *copy = sc_values_new();
  for (size_t i = 0; values && i < values->count; i++)
    sc_values_set(copy, values->keys[i], values->vals[i]);
  return copy;
}

static ssize_t values_index(const sc_values *values, const char *key)
{
  for (size_t i = 0; values && i < values->count; i++)
    if (strcmp(values->keys[i], key) == 0)
      return (ssize_t)i;
  return -1;
}

void sc_values_set(sc_values *values, const char *key, const char *value)
{
  ssize_t i = values_index(values, key);
  if (i >= 0) {
    free(values->vals[i]);
    values->vals[i] = xstrdup(value);
    return;
  }
  if (values->count == values->capacity) {
    values->capacity = values->capacity ? values->capacity * 2 : 16;
    values->keys = xrealloc(values->keys, values->capacity * sizeof(char *));
    values->vals = xrealloc(values->vals, values->capacity * sizeof(char *));
  }
  values->keys[values->count] = xstrdup(key);
  values->vals[values->count] = xstrdup(value);
  values->count++;
}

const char *sc_values_get(const sc_values *values, const char *key)
{
  ssize_t i = values_index(values, key);
  return i >= 0 ? values->vals[i] : NULL;
}

bool sc_values_has(const sc_values *values, const char *key)
{
  return values_index(values, key) >= 0;
}

size_t sc_values_count(const sc_values *values)
{
  return values ? values->count : 0;
}

const char *sc_values_key_at(const sc_values *values, size_t i)
{
  return i < values->count ? values->keys[i] : NULL;
}

const char *sc_values_value_at(const sc_values *values, size_t i)
{
  return i < values->count ? values->vals[i] : NULL;
}

bool sc_values_equal(const sc_values *a, const sc_values *b)
{
  if (sc_values_count(a) != sc_values_count(b))
    return false;
  for (size_t i = 0; i < sc_values_count(a); i++) {
    const char *other = sc_values_get(b, a->keys[i]);
    if (other == NULL || strcmp(other, a->vals[i]) != 0)
      return false;
  }
  return true;
}

int sc_values_parse_assignment(sc_values *values, const char *arg, sc_error *err)
{
  const char *eq = strchr(arg, '=');
  if (eq == NULL)
    return sc_error_set(err, SC_E_USAGE, "invalid value '%s': expected the form NAME=VALUE", arg);
  _cleanup_free_ char *key = xstrndup(arg, (size_t)(eq - arg));
  if (!sc_template_is_identifier(key, strlen(key)))
    return sc_error_set(err, SC_E_USAGE,
                        "invalid variable name '%s' in '%s': a name is letters, digits and "
                        "'_', not starting with a digit",
                        key, arg);
  sc_values_set(values, key, eq + 1);
  return 0;
}

/* ---- built-in variables ---- */

static const char *const forced_variables[] = {
    "DESTDIR",  "NAME",     "EXEC_START", "EXEC_STOP", "EXEC_STARTPRE", "EXEC_STOPPOST", "HOST_UID",
    "HOST_GID", "IMAGE_ID", "IMAGE_NAME", NULL,
};

static const char *const os_default_variables[] = {
    "RUN_DIRECTORY",
    "PIDFILE",
    "CONF_DIRECTORY",
    "STATE_DIRECTORY",
    "ALL_PROCESS_CAPABILITIES",
    "RUNTIME",
    "ATOMIC",
    "UUID",
    NULL,
};

static bool in_list(const char *const *list, const char *name)
{
  for (size_t i = 0; list[i]; i++)
    if (strcmp(list[i], name) == 0)
      return true;
  return false;
}

bool sc_values_is_forced(const char *name)
{
  return in_list(forced_variables, name);
}

bool sc_values_is_builtin(const char *name)
{
  return in_list(forced_variables, name) || in_list(os_default_variables, name);
}

/* Linux capability names by number (linux/capability.h). */
static const char *const capability_names[] = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};
#define CAPABILITY_COUNT ((int)(sizeof capability_names / sizeof capability_names[0]))

int sc_capability_number(const char *name)
{
  for (int i = 0; name && i < CAPABILITY_COUNT; i++)
    if (strcmp(capability_names[i], name) == 0)
      return i;
  return -1;
}

const char *sc_capability_name(int n)
{
  return n >= 0 && n < CAPABILITY_COUNT ? capability_names[n] : NULL;
}

char *sc_capabilities_value(int last_cap)
{
  if (last_cap < 0 || last_cap >= CAPABILITY_COUNT)
    last_cap = CAPABILITY_COUNT - 1;
  sc_buf b = SC_BUF_INIT;
  for (int i = 0; i <= last_cap; i++)
    sc_buf_printf(&b, "\"%s\"%s", capability_names[i], i < last_cap ? ",\n" : "\n");
  return sc_buf_steal(&b);
}

static int read_last_cap(const char *path)
{
  _cleanup_free_ char *text = NULL;
  if (sc_read_file_at(AT_FDCWD, path ? path : "/proc/sys/kernel/cap_last_cap", &text, NULL, NULL) <
      0)
    return CAPABILITY_COUNT - 1;
  char *end = NULL;
  long n = strtol(text, &end, 10);
  if (end == text || n < 0)
    return CAPABILITY_COUNT - 1;
  return (int)n;
}

bool sc_service_template_uses_pidfile(const char *service_template)
{
  return service_template && strstr(service_template, "$EXEC_STOPPOST") &&
         strstr(service_template, "$PIDFILE");
}

static void set_if_absent(sc_values *v, const char *key, const char *value)
{
  if (!sc_values_has(v, key))
    sc_values_set(v, key, value);
}

static void set_os_defaults(const sc_values_context *ctx, sc_values *v)
{
  set_if_absent(v, "RUN_DIRECTORY", "/run");
  _cleanup_free_ char *pidfile =
      xasprintf("%s/container-%s.pid", sc_values_get(v, "RUN_DIRECTORY"), ctx->name);
  set_if_absent(v, "PIDFILE", pidfile);
  set_if_absent(v, "CONF_DIRECTORY", "/etc");
  set_if_absent(v, "STATE_DIRECTORY", "/var/lib");
  if (!sc_values_has(v, "ALL_PROCESS_CAPABILITIES")) {
    _cleanup_free_ char *caps = sc_capabilities_value(read_last_cap(ctx->capabilities_path));
    sc_values_set(v, "ALL_PROCESS_CAPABILITIES", caps);
  }
  set_if_absent(v, "RUNTIME", ctx->runtime_path ? ctx->runtime_path : "/usr/bin/runc");
  set_if_absent(v, "ATOMIC", ctx->installer_path ? ctx->installer_path : "/usr/bin/sc-build");
}

static void set_manifest_defaults(const sc_values_context *ctx, sc_values *v, sc_diags *warnings)
{
  for (size_t i = 0; i < sc_values_count(ctx->defaults); i++) {
    const char *key = sc_values_key_at(ctx->defaults, i);
    /* atomic fills UUID after the manifest defaults, so a manifest UUID is
     * used, unlike the other built-ins. */
    if (strcmp(key, "UUID") == 0 && warnings)
      sc_diags_add(warnings, SC_DIAG_WARNING, "manifest.json", 0, 0,
                   "defaultValues sets built-in variable 'UUID': every install of the image "
                   "would share one UUID instead of a random one per container");
    else if (sc_values_is_builtin(key) && warnings)
      sc_diags_add(warnings, SC_DIAG_WARNING, "manifest.json", 0, 0,
                   "defaultValues sets built-in variable '%s', which an install sets itself: "
                   "the default is ignored",
                   key);
    set_if_absent(v, key, sc_values_value_at(ctx->defaults, i));
  }
}

static char *random_uuid(void)
{
  char hex[33];
  sc_random_hex(hex, 32);
  /* RFC 4122 version 4: version nibble 4, variant bits 10xx. */
  hex[12] = '4';
  hex[16] = "89ab"[strtol((char[]){hex[16], 0}, NULL, 16) & 3];
  return xasprintf("%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
}

static void set_exec_lines(const sc_values_context *ctx, sc_values *v)
{
  const char *runtime = ctx->runtime_path ? ctx->runtime_path : "/usr/bin/runc";
  const char *cgroup = ctx->runtime_systemd_cgroup ? " --systemd-cgroup" : "";
  _cleanup_free_ char *start = NULL, *stop = NULL, *stoppost = NULL;
  /* Byte for byte as atomic formats them, two spaces included in pidfile mode. */
  if (sc_service_template_uses_pidfile(ctx->service_template)) {
    start = xasprintf("%s %s run -d --pid-file %s '%s'", runtime, cgroup,
                      sc_values_get(v, "PIDFILE"), ctx->name);
    stop = xstrdup("");
    stoppost = xasprintf("%s delete '%s'", runtime, ctx->name);
  } else {
    start = xasprintf("%s%s run '%s'", runtime, cgroup, ctx->name);
    stop = xasprintf("%s%s kill '%s'", runtime, cgroup, ctx->name);
    stoppost = xstrdup("");
  }
  sc_values_set(v, "EXEC_START", start);
  sc_values_set(v, "EXEC_STOP", stop);
  sc_values_set(v, "EXEC_STARTPRE", "");
  sc_values_set(v, "EXEC_STOPPOST", stoppost);
}

static void set_forced(const sc_values_context *ctx, sc_values *v)
{
  char num[32];
  sc_values_set(v, "DESTDIR", ctx->destdir);
  sc_values_set(v, "NAME", ctx->name);
  set_exec_lines(ctx, v);
  snprintf(num, sizeof num, "%u", ctx->host_uid);
  sc_values_set(v, "HOST_UID", num);
  snprintf(num, sizeof num, "%u", ctx->host_gid);
  sc_values_set(v, "HOST_GID", num);
  sc_values_set(v, "IMAGE_NAME", ctx->image_name ? ctx->image_name : "");
  sc_values_set(v, "IMAGE_ID", ctx->image_id ? ctx->image_id : "");
}

int sc_values_compute(const sc_values_context *caller_ctx, sc_values **out, sc_diags *warnings,
                      sc_error *err)
{
  sc_values_context known;
  if (sc_options_read(caller_ctx, sizeof known, &known, "values context", err) < 0)
    return -1;
  const sc_values_context *ctx = &known;
  for (size_t i = 0; i < sc_values_count(ctx->set); i++) {
    const char *key = sc_values_key_at(ctx->set, i);
    if (sc_values_is_forced(key))
      return sc_error_set(err, SC_E_USAGE,
                          "cannot --set %s: the installer sets it (forced variables: DESTDIR, "
                          "NAME, EXEC_START, EXEC_STOP, EXEC_STARTPRE, EXEC_STOPPOST, HOST_UID, "
                          "HOST_GID, IMAGE_ID, IMAGE_NAME)",
                          key);
  }
  if (ctx->name == NULL || ctx->destdir == NULL)
    return sc_error_set(err, EINVAL, "values need a container name and a deployment directory");
  sc_values *v = ctx->saved ? sc_values_copy(ctx->saved) : sc_values_new();
  for (size_t i = 0; i < sc_values_count(ctx->set); i++)
    sc_values_set(v, sc_values_key_at(ctx->set, i), sc_values_value_at(ctx->set, i));
  set_os_defaults(ctx, v);
  set_manifest_defaults(ctx, v, warnings);
  if (!sc_values_has(v, "UUID")) {
    _cleanup_free_ char *uuid = ctx->uuid ? xstrdup(ctx->uuid) : random_uuid();
    sc_values_set(v, "UUID", uuid);
  }
  set_forced(ctx, v);
  *out = v;
  return 0;
}
