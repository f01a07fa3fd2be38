/* validate-binds.c: does anything make the bind-mount sources an install
 * owns?  runc fails ("no such file or directory") on a bind whose source
 * the host lacks.
 *
 * Without tmpfiles.template the install writes a `d` line for every bind
 * source the host lacks, as atomic does (runtime/bind-tmpfiles.c): nothing
 * can be missing.  With one, a source below a directory the install
 * places (${STATE_DIRECTORY}, ${RUN_DIRECTORY}, ${CONF_DIRECTORY}) exists
 * only when a tmpfiles line, a RuntimeDirectory= of the unit or a file of
 * hostfs/ (after renameFiles) makes it or something below it; a source in
 * the deployment (${DESTDIR}/rootfs/...) only when the image has it.  A
 * fixed host path (/etc/resolv.conf, /dev/log) or one shown at the same
 * place inside (${RUN_DIRECTORY}/systemd at /run/systemd) is a host
 * interface, the host's to provide, and so is such a directory itself
 * (${RUN_DIRECTORY} alone): not checked. */
#include <ctype.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sc/template.h>

#include "hostfs.h"
#include "manifest-internal.h"
#include "oci-mount.h"
#include "smoke-tmpfiles.h"
#include "tmpfiles-line.h"
#include "util.h"
#include "validate-checks.h"

/* Deeper hostfs/ trees are not followed (a project's are a few levels). */
#define MAX_HOSTFS_DEPTH 32

static const char *const owned_vars[] = {"STATE_DIRECTORY", "RUN_DIRECTORY", "CONF_DIRECTORY",
                                         "DESTDIR"};

/* The variable a templated source starts with ("${NAME}" or "$NAME"), when
 * it is one the install places; *rest_len is what follows it. */
static const char *owned_prefix(const char *source, size_t len, size_t *rest_len)
{
  for (size_t i = 0; i < sizeof owned_vars / sizeof owned_vars[0]; i++) {
    const char *var = owned_vars[i];
    size_t n = strlen(var), skip = 0;
    if (len > n + 2 && source[1] == '{' && memcmp(source + 2, var, n) == 0 && source[n + 2] == '}')
      skip = n + 3;
    else if (len > n && source[0] == '$' && memcmp(source + 1, var, n) == 0 &&
             (len == n + 1 || !(source[n + 1] == '_' || isalnum((unsigned char)source[n + 1]))))
      skip = n + 1;
    if (skip && source[0] == '$') {
      *rest_len = len - skip;
      return var;
    }
  }
  return NULL;
}

/* The written source holds $NAME or ${NAME}: it is the container's own. */
static bool names_container(const char *source, size_t len)
{
  for (size_t i = 0; i + 5 <= len; i++) {
    if (source[i] != '$')
      continue;
    if (i + 7 <= len && memcmp(source + i, "${NAME}", 7) == 0)
      return true;
    if (memcmp(source + i, "$NAME", 5) == 0 &&
        (i + 5 == len || !(source[i + 5] == '_' || isalnum((unsigned char)source[i + 5]))))
      return true;
  }
  return false;
}

/* path is dir or below it. */
static bool at_or_below(const char *path, const char *dir)
{
  size_t n = strlen(dir);
  return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* Every host path an install of hostfs/ writes, renamed, into *made. */
static void add_hostfs(const sc_validation *v, int dfd, const char *rel, int depth, char ***made)
{
  _cleanup_strv_ char **names = NULL;
  if (depth > MAX_HOSTFS_DEPTH || sc_list_dir_at(dfd, &names, NULL) < 0)
    return;
  for (size_t i = 0; names[i]; i++) {
    _cleanup_free_ char *path = xasprintf("%s/%s", rel, names[i]);
    _cleanup_free_ char *dest = NULL;
    if (sc_hostfs_rename(v->manifest ? v->manifest->rename_files : NULL, v->values, path, &dest,
                         NULL) == 0)
      sc_strv_push(made, dest);
    struct stat st;
    if (fstatat(dfd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
      continue;
    _cleanup_close_ int child =
        openat(dfd, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (child >= 0)
      add_hostfs(v, child, path, depth + 1, made);
  }
}

/* The paths of tmpfiles lines that create something (tmpfiles.d(5): also
 * their missing parents). */
static void add_tmpfiles(const char *text, char ***made)
{
  for (const char *line = text; line && *line;) {
    size_t len = strcspn(line, "\n");
    sc_tmpfiles_line l;
    if (sc_tmpfiles_line_split(line, len, &l) == 0 && l.count >= 2 &&
        strchr("fFdDvqQpLcbC", l.field[0][0]))
      sc_strv_push(made, l.field[1]);
    sc_tmpfiles_line_clear(&l);
    line += len + (line[len] == '\n');
  }
}

static char *render_quietly(const sc_validation *v, const sc_text *t, unsigned flags)
{
  char *out = NULL;
  if (t->data == NULL ||
      sc_template_render(t->data, t->len, "", v->values, flags, &out, NULL, NULL) < 0)
    return NULL;
  return out;
}

/* What the install and the unit make on the host; false when that cannot
 * be known (a template that does not render: reported elsewhere). */
static bool host_made(const sc_validation *v, char ***made)
{
  const sc_project *p = v->project;
  _cleanup_free_ char *tmpfiles =
      render_quietly(v, &p->tmpfiles_template, SC_TEMPLATE_TMPFILES_VALUES);
  if (tmpfiles == NULL)
    return false;
  add_tmpfiles(tmpfiles, made);
  _cleanup_free_ char *unit = render_quietly(v, &p->service_template, SC_TEMPLATE_UNIT_VALUES);
  _cleanup_strv_ char **notes = NULL;
  _cleanup_free_ char *runtime_dirs = unit ? sc_unit_runtime_directory_lines(unit, &notes) : NULL;
  add_tmpfiles(runtime_dirs, made);
  if (p->hostfs_fd >= 0)
    add_hostfs(v, p->hostfs_fd, "", 0, made);
  return true;
}

static bool is_made(char **made, const char *source)
{
  for (size_t i = 0; made && made[i]; i++)
    if (at_or_below(made[i], source))
      return true;
  return false;
}

/* A source in the deployment: its rootfs/ is the image (but /exports,
 * which is the project's, not in the view); NULL when it is there, else
 * the path inside the image that is missing. */
static char *missing_in_deployment(sc_image_view *view, const char *destdir, const char *source)
{
  _cleanup_free_ char *rootfs = xasprintf("%s/rootfs", destdir);
  if (!at_or_below(source, rootfs))
    return NULL; /* config.json, info, the unit: the install's own */
  const char *inside = source + strlen(rootfs);
  if (inside[0] == '\0' || at_or_below(inside, "/exports"))
    return NULL;
  sc_view_file st;
  int r = sc_image_view_stat(view, inside, &st);
  sc_view_file_clear(&st);
  return r == 0 ? NULL : xstrdup(inside);
}

static void check_source(sc_validation *v, sc_image_view *view, const char *image, json_t *mount,
                         size_t index, char **made)
{
  const char *text = v->project->config_template.data;
  sc_jsonpos pos;
  if (!sc_validation_mount_source(v, index, &pos))
    return;
  size_t rest = 0;
  const char *var = owned_prefix(text + pos.value_offset + 1, pos.value_len - 2, &rest);
  const char *rendered = json_string_value(json_object_get(mount, "source"));
  if (var == NULL || rest == 0 || rendered == NULL)
    return; /* a host interface, or the directory itself */
  _cleanup_free_ char *source = xstrdup(rendered);
  for (size_t n = strlen(source); n > 1 && source[n - 1] == '/'; n--)
    source[n - 1] = '\0';
  /* Shown at the same place inside, as buildah's ${RUN_DIRECTORY}/systemd
   * at /run/systemd: the host's own directory, a host interface (unless
   * only validate's $NAME put it there: etcd's $CONF_DIRECTORY/$NAME at
   * /etc/etcd). */
  const char *inside = json_string_value(json_object_get(mount, "destination"));
  _cleanup_free_ char *dest = xstrdup(inside ? inside : "");
  for (size_t n = strlen(dest); n > 1 && dest[n - 1] == '/'; n--)
    dest[n - 1] = '\0';
  if (strcmp(source, dest) == 0 && !names_container(text + pos.value_offset + 1, pos.value_len - 2))
    return;
  const char *destdir = sc_values_get(v->values, "DESTDIR");
  if (strcmp(var, "DESTDIR") == 0) {
    _cleanup_free_ char *missing = destdir ? missing_in_deployment(view, destdir, source) : NULL;
    if (missing)
      sc_validation_report(
          v, SC_DIAG_WARNING, v->project->config_name, pos.value_line, pos.value_col,
          "bind mount source \"%.*s\" is %s of the deployment, which %s "
          "does not have, and runc fails on it: add %s to the image, or bind "
          "another source",
          (int)(pos.value_len - 2), text + pos.value_offset + 1, missing, image, missing);
    return;
  }
  if (is_made(made, source))
    return;
  _cleanup_free_ char *written = xstrndup(text + pos.value_offset + 1, pos.value_len - 2);
  for (size_t n = strlen(written); n > 1 && written[n - 1] == '/'; n--)
    written[n - 1] = '\0';
  sc_validation_report(v, SC_DIAG_WARNING, v->project->config_name, pos.value_line, pos.value_col,
                       "nothing an install does makes the bind mount source \"%.*s\" (%s here): "
                       "no line of tmpfiles.template, RuntimeDirectory= of the unit or file of "
                       "hostfs/ (after renameFiles) is there or below it, and runc fails on a "
                       "host without it; add `d %s 0755 root root - -` to tmpfiles.template, "
                       "or leave tmpfiles.template out (the install then makes every missing "
                       "bind source)",
                       (int)(pos.value_len - 2), text + pos.value_offset + 1, source, written);
}

void sc_validate_bind_sources(sc_validation *v, sc_image_view *view, const char *image,
                              json_t *mounts)
{
  if (v->values == NULL || v->project->config_plain || v->project->config_template.data == NULL ||
      v->project->tmpfiles_template.data == NULL)
    return; /* unknown values, no template text, or every source is made */
  _cleanup_strv_ char **made = NULL;
  if (!host_made(v, &made))
    return;
  size_t i;
  json_t *mount;
  json_array_foreach(mounts, i, mount)
  {
    if (sc_oci_mount_is_bind(mount))
      check_source(v, view, image, mount, i, made);
  }
}
