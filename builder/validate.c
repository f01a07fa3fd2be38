/* validate.c: `sc-build validate` (docs/design.md section 2): the project's
 * layout, manifest.json, the values an install would use, and every
 * template's placeholders; the per-file checks are in validate-*.c. */
#include "validate.h"
#include "diag-internal.h"
#include "manifest-internal.h"
#include "template-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sc/template.h>

#include "deploy.h"
#include "exports.h"
#include "hostfs.h"
#include "util.h"
#include "validate-checks.h"

void sc_validation_report(sc_validation *v, sc_diag_severity severity, const char *name, int line,
                          int col, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  _cleanup_free_ char *msg = xvasprintf(fmt, ap);
  va_end(ap);
  _cleanup_free_ char *file = name ? sc_project_file_path(v->project, name) : NULL;
  sc_diags_add(v->diags, severity, file, line, col, "%s", msg);
}

void sc_validation_report_path(sc_validation *v, sc_diag_severity severity, const char *name,
                               const char *text, const sc_jsonpos_step *path, size_t depth,
                               bool at_key, const char *fmt, ...)
{
  sc_jsonpos pos;
  sc_jsonpos_find(text, strlen(text), path, depth, &pos);
  va_list ap;
  va_start(ap, fmt);
  _cleanup_free_ char *msg = xvasprintf(fmt, ap);
  va_end(ap);
  sc_validation_report(v, severity, name, at_key ? pos.key_line : pos.value_line,
                       at_key ? pos.key_col : pos.value_col, "%s", msg);
}

bool sc_validation_mount_source(const sc_validation *v, size_t index, sc_jsonpos *pos)
{
  const char *text = v->project->config_template.data;
  sc_jsonpos_step path[] = {SC_JSONPOS_KEY("mounts"), SC_JSONPOS_INDEX(index),
                            SC_JSONPOS_KEY("source")};
  return text && sc_jsonpos_find(text, strlen(text), path, 3, pos) == 3 &&
         text[pos->value_offset] == '"';
}

/* ---- layout ---- */

static bool exists_at(int dirfd, const char *path)
{
  struct stat st;
  return dirfd >= 0 && fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* Every platform validated has a tree of its own (rootfs.OS-ARCH/), so
 * that no rootfs/ is needed. */
static bool platforms_have_trees(const sc_validation *v)
{
  const sc_platforms *ps = v->options ? v->options->platforms : NULL;
  for (size_t i = 0; ps && i < ps->count; i++) {
    int fd = -1;
    sc_project_open_platform_rootfs(v->project, &ps->items[i], &fd, NULL);
    if (fd < 0)
      return false;
    close(fd);
  }
  return ps && ps->count > 0;
}

/* A rootfs.X/ for no platform of the build is never in any image: a typo
 * (rootfs.arm64/ for rootfs.linux-arm64/) or a platform left out. */
static void check_platform_trees(sc_validation *v)
{
  const sc_platforms *ps = v->options ? v->options->platforms : NULL;
  _cleanup_strv_ char **names = NULL;
  if (sc_list_dir_at(v->project->dirfd, &names, NULL) < 0)
    return;
  for (size_t i = 0; names && names[i]; i++) {
    if (!sc_str_has_prefix(names[i], "rootfs."))
      continue;
    bool used = false;
    for (size_t j = 0; ps && j < ps->count && !used; j++) {
      _cleanup_free_ char *name = sc_project_platform_rootfs_name(&ps->items[j]);
      used = strcmp(name, names[i]) == 0;
    }
    if (!used)
      sc_validation_report(v, SC_DIAG_WARNING, names[i], 0, 0,
                           "%s is in no image: it holds a platform's tree over rootfs/ "
                           "(rootfs.OS-ARCH[-VARIANT], e.g. rootfs.linux-arm64) only when that "
                           "platform is built: give --platform (one or several) or list it in "
                           "\"platforms\" of sc-build.json",
                           names[i]);
  }
}

static void check_rootfs(sc_validation *v)
{
  const sc_project *p = v->project;
  check_platform_trees(v);
  /* Every program may come from the base image (sc-build.json "from" or
   * --from): then the project has nothing of its own to put at /. */
  if (p->rootfs_fd < 0 && (platforms_have_trees(v) ||
                           (sc_validation_base(v) != NULL && !exists_at(p->dirfd, "rootfs"))))
    return;
  if (p->rootfs_fd < 0) {
    sc_validation_report(v, SC_DIAG_ERROR, "rootfs", 0, 0,
                         exists_at(p->dirfd, "rootfs")
                             ? "rootfs is not a directory: it holds the image's filesystem"
                             : "missing rootfs/: the image's filesystem, as seen at / in the "
                               "container (a project whose programs all come from a base image "
                               "needs none: name the base with --from or \"from\" in "
                               "sc-build.json)");
    return;
  }
  if (exists_at(p->rootfs_fd, "exports/config.json"))
    sc_validation_report(v, SC_DIAG_ERROR, "rootfs/exports/config.json", 1, 1,
                         "a plain config.json does not support template substitutions: use "
                         "config.json.template in the project directory");
  if (exists_at(p->rootfs_fd, "exports"))
    sc_validation_report(v, SC_DIAG_ERROR, "rootfs/exports", 0, 0,
                         "rootfs/exports exists, but sc-build writes /exports itself from the "
                         "project's files: move them to the project directory");
}

static void check_layout(sc_validation *v)
{
  const sc_project *p = v->project;
  if (!p->config_plain && exists_at(p->dirfd, SC_FILE_CONFIG))
    sc_validation_report(v, SC_DIAG_ERROR, SC_FILE_CONFIG, 1, 1,
                         "both config.json and config.json.template: an install copies "
                         "config.json unchanged and ignores the template (as atomic does); "
                         "remove one");
  if (p->config_template.data == NULL)
    sc_validation_report(v, SC_DIAG_ERROR, SC_FILE_CONFIG_TEMPLATE, 0, 0,
                         "missing: every system container needs its runc configuration "
                         "(config.json.template, or a plain config.json installed unchanged)");
  if (p->service_template.data == NULL)
    sc_validation_report(v, SC_DIAG_WARNING, SC_FILE_SERVICE_TEMPLATE, 0, 0,
                         "missing: an install writes atomic's default unit (PIDFile=$PIDFILE, "
                         "runc run -d); write service.template to choose the unit yourself");
  check_rootfs(v);
}

/* ---- manifest and values ---- */

static void load_manifest(sc_validation *v)
{
  const sc_text *t = &v->project->manifest;
  if (t->data == NULL)
    return;
  _cleanup_free_ char *file = sc_project_file_path(v->project, SC_FILE_MANIFEST);
  sc_error err = SC_ERROR_INIT;
  if (sc_manifest_parse(t->data, t->len, file, &v->manifest, v->diags, &err) < 0) {
    sc_diags_add_error(v->diags, SC_DIAG_ERROR, &err);
    sc_error_clear(&err);
  }
}

/* The values an install of the built image would render with: the image
 * named as sc-build names it, the first deployment, runc at its usual path. */
static void compute_values(sc_validation *v)
{
  const sc_project *p = v->project;
  _cleanup_free_ char *destdir = sc_deploy_destdir_in_root(p->image_name, 0);
  _cleanup_free_ char *image_name = xasprintf("%s:%s", p->image_name, p->image_tag);
  sc_values_context ctx = {
      .size = sizeof ctx,
      .name = p->image_name,
      .destdir = destdir,
      .runtime_path = "/usr/bin/runc",
      .runtime_systemd_cgroup = true,
      .installer_path = "/usr/bin/atomic",
      .image_name = image_name,
      .image_id = "0000000000000000000000000000000000000000000000000000000000000000",
      .service_template =
          p->service_template.data ? p->service_template.data : sc_default_service_template,
      .uuid = "00000000-0000-4000-8000-000000000000",
      .set = v->options ? v->options->set : NULL,
      .defaults = v->manifest ? v->manifest->default_values : NULL,
  };
  sc_error err = SC_ERROR_INIT;
  /* Built-in defaults are reported below with their position instead. */
  if (sc_values_compute(&ctx, &v->values, NULL, &err) < 0) {
    sc_diags_add_error(v->diags, SC_DIAG_ERROR, &err);
    sc_error_clear(&err);
    v->values = NULL;
  }
}

/* Without manifest.json an install has only the built-in values: worth
 * a word when a template uses another variable (atomic installs an image
 * without one, so a project that needs none is fine). */
static void check_missing_manifest(sc_validation *v, const sc_values *used)
{
  if (v->project->manifest.data != NULL)
    return;
  for (size_t i = 0; i < sc_values_count(used); i++) {
    const char *key = sc_values_key_at(used, i);
    if (sc_values_is_builtin(key))
      continue;
    sc_validation_report(v, SC_DIAG_WARNING, SC_FILE_MANIFEST, 0, 0,
                         "missing, and the templates use '%s', which is not a built-in "
                         "variable: without a default every install needs --set %s=...; write "
                         "{\"version\": \"1.0\", \"defaultValues\": {\"%s\": \"...\"}}",
                         key, key, key);
    return;
  }
}

static void check_defaults(sc_validation *v, const sc_values *used)
{
  check_missing_manifest(v, used);
  if (v->manifest == NULL)
    return;
  const sc_values *defaults = v->manifest->default_values;
  const char *text = v->project->manifest.data;
  for (size_t i = 0; i < sc_values_count(defaults); i++) {
    const char *key = sc_values_key_at(defaults, i);
    sc_jsonpos_step path[] = {SC_JSONPOS_KEY("defaultValues"), SC_JSONPOS_KEY(key)};
    if (sc_values_is_builtin(key)) {
      /* etcd's manifest writes CONF_DIRECTORY "/etc", the value an install
       * uses anyway: a default that changes nothing is not worth a word. */
      const char *actual = v->values ? sc_values_get(v->values, key) : NULL;
      if (actual && strcmp(actual, sc_values_value_at(defaults, i)) == 0)
        continue;
      sc_validation_report_path(v, SC_DIAG_WARNING, SC_FILE_MANIFEST, text, path, 2, true,
                                "default value '%s' names a built-in variable, which an install "
                                "sets itself (to '%s' here): this default is never used; give "
                                "another value with --set at install",
                                key, actual ? actual : "");
    } else if (!sc_values_has(used, key))
      sc_validation_report_path(v, SC_DIAG_WARNING, SC_FILE_MANIFEST, text, path, 2, true,
                                "default value '%s' is not used by any template", key);
  }
}

/* ---- placeholders ---- */

typedef struct scan_state {
  sc_validation *v;
  const char *name; /* project file */
  const char *text;
  unsigned flags;
  sc_values *used;
  size_t errors;
} scan_state;

/* The text of an invalid placeholder, for the message: `${PORT:-8081}`. */
static char *placeholder_excerpt(const char *text, size_t offset)
{
  size_t n = 1;
  if (text[offset + 1] == '{') {
    while (n < 40 && text[offset + n] && text[offset + n] != '}' && text[offset + n] != '\n')
      n++;
    if (text[offset + n] == '}')
      n++;
  } else if (text[offset + 1] && !strchr(" \t\n", text[offset + 1])) {
    n = 2;
  }
  return xstrndup(text + offset, n);
}

static int check_placeholder(const sc_placeholder *ph, void *user)
{
  scan_state *s = user;
  if (ph->kind == SC_PLACEHOLDER_INVALID) {
    _cleanup_free_ char *bad = placeholder_excerpt(s->text, ph->offset);
    sc_validation_report(s->v, SC_DIAG_ERROR, s->name, ph->line, ph->col,
                         "invalid placeholder '%s': `$` must be followed by a name, `{name}` "
                         "or `$` (write `$$` for a literal dollar sign)",
                         bad);
    s->errors++;
    return 0;
  }
  _cleanup_free_ char *name = xstrndup(ph->name, ph->name_len);
  sc_values_set(s->used, name, "");
  if (s->v->values == NULL)
    return 0;
  const char *value = sc_values_get(s->v->values, name);
  /* docs/design.md section 2 calls a variable with neither a default nor a
   * built-in value a warning, "it must then be given with --set".  But an
   * install without that --set fails (atomic refuses to render), so it is an
   * error unless this validation was given the --set: then it is fine. */
  if (value == NULL) {
    sc_validation_report(s->v, SC_DIAG_ERROR, s->name, ph->line, ph->col,
                         "undefined variable '%s': an install would fail; give it a default in "
                         "manifest.json defaultValues or pass --set %s=...",
                         name, name);
    s->errors++;
  } else if ((s->flags & SC_TEMPLATE_SINGLE_LINE_VALUES) && strpbrk(value, "\n\r")) {
    sc_validation_report(s->v, SC_DIAG_ERROR, s->name, ph->line, ph->col,
                         "the value of '%s' contains a line break, which would add a line to "
                         "%s: values are data, not file syntax",
                         name, s->name);
    s->errors++;
  }
  return 0;
}

/* Report every bad placeholder and undefined variable; returns how many. */
static size_t scan_template(sc_validation *v, const char *name, const char *text, size_t len,
                            unsigned flags, sc_values *used)
{
  scan_state s = {v, name, text, flags, used, 0};
  sc_template_scan(text, len, check_placeholder, &s);
  return s.errors;
}

/* hostfs files rendered at install, and renameFiles values. */
static void scan_hostfs(sc_validation *v, sc_values *used)
{
  const sc_manifest *m = v->manifest;
  if (m == NULL)
    return;
  for (size_t i = 0; i < sc_values_count(m->rename_files); i++) {
    const char *value = sc_values_value_at(m->rename_files, i);
    sc_diags ignored = SC_DIAGS_INIT;
    sc_validation quiet = {v->project, v->options, &ignored, NULL, NULL};
    scan_template(&quiet, SC_FILE_MANIFEST, value, strlen(value), 0, used);
    sc_diags_clear(&ignored);
  }
  for (size_t i = 0; v->project->hostfs_fd >= 0 && i < m->installed_files_count; i++) {
    const char *path = m->installed_files_template[i];
    _cleanup_free_ char *text = NULL;
    size_t len = 0;
    _cleanup_free_ char *name = sc_path_join("hostfs", path);
    struct stat st;
    if (fstatat(v->project->hostfs_fd, path + 1, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        st.st_size > SC_HOSTFS_TEMPLATE_MAX) {
      sc_validation_report(v, SC_DIAG_ERROR, name, 0, 0,
                           "%lld bytes: a file named in installedFilesTemplate is rendered in "
                           "memory at install and may be at most %d MiB; leave it out of "
                           "installedFilesTemplate to install it as it is",
                           (long long)st.st_size, SC_HOSTFS_TEMPLATE_MAX >> 20);
      continue;
    }
    /* A renamed file is matched after renaming: it may not be found here. */
    if (sc_read_file_at(v->project->hostfs_fd, path + 1, &text, &len, NULL) < 0)
      continue;
    scan_template(v, name, text, len, 0, used);
  }
}

/* ---- rendering ---- */

/* Where a JSON error in the rendered config.json comes from in the
 * template: the literal text there, or the placeholder whose value holds it. */
static void report_config_json_error(sc_validation *v, const char *text, size_t len,
                                     const json_error_t *jerr)
{
  _cleanup_free_ char *variable = NULL;
  size_t offset = sc_template_source_offset(
      text, len, v->values, jerr->position > 0 ? (size_t)jerr->position - 1 : 0, &variable);
  int line, col;
  sc_text_position(text, len, offset, &line, &col);
  sc_validation_report(v, SC_DIAG_ERROR, SC_FILE_CONFIG_TEMPLATE, line, col,
                       "after rendering with the values an install would use, config.json is "
                       "not JSON: %s (rendered line %d, column %d%s%s%s)",
                       jerr->text, jerr->line, jerr->column, variable ? ", in the value of '" : "",
                       variable ? variable : "", variable ? "'" : "");
}

/* A plain config.json is installed as it is: `$NAME` stays `$NAME`. */
static int note_unrendered(const sc_placeholder *ph, void *user)
{
  sc_validation *v = user;
  if (ph->kind != SC_PLACEHOLDER_VARIABLE)
    return 0;
  sc_validation_report(v, SC_DIAG_WARNING, SC_FILE_CONFIG, ph->line, ph->col,
                       "'$%.*s' stays as it is: an install copies a plain config.json "
                       "unchanged; rename it config.json.template to have values substituted",
                       (int)ph->name_len, ph->name);
  return 1; /* once is enough to make the point */
}

static void check_plain_config(sc_validation *v)
{
  const sc_text *t = &v->project->config_template;
  sc_template_scan(t->data, t->len, note_unrendered, v);
  json_error_t jerr;
  json_t *config = json_loadb(t->data, t->len, 0, &jerr);
  if (config == NULL) {
    sc_validation_report(v, SC_DIAG_ERROR, SC_FILE_CONFIG, jerr.line, jerr.column,
                         "config.json is not JSON: %s", jerr.text);
    return;
  }
  sc_validate_config(v, config);
  json_decref(config);
}

static void render_config(sc_validation *v)
{
  const sc_text *t = &v->project->config_template;
  _cleanup_free_ char *file = sc_project_file_path(v->project, SC_FILE_CONFIG_TEMPLATE);
  _cleanup_free_ char *rendered = NULL;
  size_t len = 0;
  sc_error err = SC_ERROR_INIT;
  /* As the install renders it (runtime/install.c). */
  if (sc_template_render(t->data, t->len, file, v->values, SC_TEMPLATE_JSON_STRING_VALUES,
                         &rendered, &len, &err) < 0) {
    sc_diags_add_error(v->diags, SC_DIAG_ERROR, &err);
    sc_error_clear(&err);
    return;
  }
  json_error_t jerr;
  json_t *config = json_loadb(rendered, len, 0, &jerr);
  if (config == NULL) {
    report_config_json_error(v, t->data, t->len, &jerr);
    return;
  }
  sc_validate_config(v, config);
  json_decref(config);
}

/* Render a unit or tmpfiles template with the flags the install renders it
 * with (runtime/install.c), so that validate refuses the values an install
 * refuses; a refusal becomes a diagnostic at the value's placeholder. */
static char *render_as_install(sc_validation *v, const sc_text *t, const char *name, unsigned flags)
{
  _cleanup_free_ char *file = sc_project_file_path(v->project, name);
  char *rendered = NULL;
  sc_error err = SC_ERROR_INIT;
  if (sc_template_render(t->data, t->len, file, v->values, flags, &rendered, NULL, &err) < 0) {
    sc_diags_add_error(v->diags, SC_DIAG_ERROR, &err);
    sc_error_clear(&err);
    return NULL;
  }
  return rendered;
}

static void render_tmpfiles(sc_validation *v)
{
  _cleanup_free_ char *rendered = render_as_install(
      v, &v->project->tmpfiles_template, SC_FILE_TMPFILES_TEMPLATE, SC_TEMPLATE_TMPFILES_VALUES);
  if (rendered)
    sc_validate_tmpfiles(v, rendered);
}

/* Scan every template, then render those whose placeholders all resolve. */
static void check_templates(sc_validation *v)
{
  const sc_project *p = v->project;
  _cleanup_(sc_values_freep) sc_values *used = sc_values_new();
  size_t config_errors = 0, service_errors = 0, tmpfiles_errors = 0;
  if (p->config_template.data && !p->config_plain)
    config_errors = scan_template(v, SC_FILE_CONFIG_TEMPLATE, p->config_template.data,
                                  p->config_template.len, 0, used);
  if (p->service_template.data)
    service_errors = scan_template(v, SC_FILE_SERVICE_TEMPLATE, p->service_template.data,
                                   p->service_template.len, SC_TEMPLATE_SINGLE_LINE_VALUES, used);
  if (p->tmpfiles_template.data)
    tmpfiles_errors = scan_template(v, SC_FILE_TMPFILES_TEMPLATE, p->tmpfiles_template.data,
                                    p->tmpfiles_template.len, SC_TEMPLATE_SINGLE_LINE_VALUES, used);
  scan_hostfs(v, used);
  check_defaults(v, used);
  if (p->config_plain)
    check_plain_config(v);
  else if (v->values && p->config_template.data && config_errors == 0)
    render_config(v);
  if (p->service_template.data)
    sc_validate_service(v);
  if (v->values && p->service_template.data && service_errors == 0)
    free(render_as_install(v, &p->service_template, SC_FILE_SERVICE_TEMPLATE,
                           SC_TEMPLATE_UNIT_VALUES));
  if (v->values && p->tmpfiles_template.data && tmpfiles_errors == 0)
    render_tmpfiles(v);
}

const sc_platforms *sc_validate_platforms(const sc_project *project, const sc_platforms *given)
{
  if (given && given->count > 1)
    return given;
  bool opted_in = project->platforms.count > 0 || project->platform_trees;
  if (given)
    return opted_in ? given : NULL;
  return project->platforms.count > 0 ? &project->platforms : NULL;
}

int sc_validate_project(const sc_project *project, const sc_validate_options *options,
                        sc_diags *diags, sc_error *err)
{
  if (project == NULL || diags == NULL)
    return sc_error_set(err, EINVAL, "validate: no project");
  sc_validation v = {.project = project, .options = options, .diags = diags};
  check_layout(&v);
  load_manifest(&v);
  compute_values(&v);
  check_templates(&v);
  sc_validate_settings(&v);
  sc_manifest_free(v.manifest);
  sc_values_free(v.values);
  return 0;
}

int sc_validate_before_build(const sc_project *project, const sc_validate_options *options,
                             sc_diags *diags, sc_error *err)
{
  if (sc_validate_project(project, options, diags, err) < 0)
    return -1;
  size_t errors = sc_diags_count(diags, SC_DIAG_ERROR);
  for (size_t i = 0; i < diags->count; i++) {
    const sc_diag *d = &diags->items[i];
    if (d->severity == SC_DIAG_ERROR)
      return sc_error_set_at(err, SC_E_CHECK, d->file, d->line, d->col,
                             "%s (%zu error%s in all: run 'sc-build validate %s')", d->msg, errors,
                             errors == 1 ? "" : "s", project->path);
  }
  return 0;
}
