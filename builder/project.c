/* project.c: opening a project directory (docs/design.md section 1).  Reading
 * only: what is wrong with the files is validate.c's business. */
#include "project.h"
#include "imageref-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sc/imageref.h>

#include "util.h"

/* Open a subdirectory; -1 without error when it is missing, or is not a
 * directory (a symlink included): validate reports that. */
static int open_subdir(int dirfd, const char *name, const char *path, int *out, sc_error *err)
{
  *out = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (*out >= 0 || errno == ENOENT || errno == ENOTDIR || errno == ELOOP)
    return 0;
  return sc_error_set_errno(err, errno, "cannot open %s/%s", path, name);
}

/* Read an optional file: data stays NULL when it does not exist. */
static int read_text(const sc_project *p, const char *name, sc_text *out, sc_error *err)
{
  sc_error local = SC_ERROR_INIT;
  if (sc_read_file_at(p->dirfd, name, &out->data, &out->len, &local) == 0)
    return 0;
  if (local.code == ENOENT) {
    sc_error_clear(&local);
    return 0;
  }
  sc_error_move(err, &local);
  return sc_error_prefix(err, "%s", p->path);
}

/* The last component of the directory, resolved so that "." and "x/" name
 * the project as the user would. */
static char *default_image_name(const char *path)
{
  _cleanup_free_ char *real = realpath(path, NULL);
  const char *p = real ? real : path;
  size_t len = strlen(p);
  while (len > 1 && p[len - 1] == '/')
    len--;
  size_t start = len;
  while (start > 0 && p[start - 1] != '/')
    start--;
  return len > start ? xstrndup(p + start, len - start) : xstrdup("image");
}

/* sc-build.json "from" names the base relative to the project directory,
 * so that it means the same from wherever sc-build runs. */
static char *base_reference(const sc_project *p, const char *from)
{
  if (from == NULL || from[0] == '\0')
    return NULL;
  sc_image_ref ref;
  if (sc_image_ref_parse(from, SC_REF_SOURCE, &ref, NULL) < 0)
    return xstrdup(from); /* validate reports it */
  sc_transport t = ref.transport->transport;
  const char *name = ref.transport->name;
  size_t prefix = strlen(name) + 1;
  char *r;
  if (t == SC_TRANSPORT_DOCKER || t == SC_TRANSPORT_OSTREE || ref.path[0] == '/' ||
      !sc_str_has_prefix(from, name) || from[prefix - 1] != ':') {
    r = xstrdup(from);
  } else {
    _cleanup_free_ char *rest = sc_path_join(p->path, from + prefix);
    r = xasprintf("%s:%s", name, rest);
  }
  sc_image_ref_clear(&ref);
  return r;
}

/* "platforms": taken only when every entry is a platform. */
static void load_platforms(sc_project *p)
{
  json_t *list = json_object_get(p->settings, "platforms");
  size_t i;
  json_t *item;
  json_array_foreach(list, i, item)
  {
    sc_platform platform;
    const char *text = json_string_value(item);
    if (text == NULL || sc_platform_parse(text, &platform, NULL) < 0) {
      sc_platforms_clear(&p->platforms);
      return;
    }
    sc_platforms_add(&p->platforms, &platform);
    sc_platform_clear(&platform);
  }
}

/* sc-build.json: kept NULL when unparsable (validate reports why); the
 * fields are taken only when they have the right type. */
static void load_settings(sc_project *p)
{
  if (p->settings_text.data) {
    json_error_t jerr;
    p->settings = json_loadb(p->settings_text.data, p->settings_text.len, 0, &jerr);
    if (p->settings && !json_is_object(p->settings)) {
      json_decref(p->settings);
      p->settings = NULL;
    }
  }
  const char *name = json_string_value(json_object_get(p->settings, "name"));
  const char *tag = json_string_value(json_object_get(p->settings, "tag"));
  p->image_name = name && name[0] ? xstrdup(name) : default_image_name(p->path);
  p->image_tag = xstrdup(tag && tag[0] ? tag : "latest");
  p->from = base_reference(p, json_string_value(json_object_get(p->settings, "from")));
  p->labels = sc_values_new();
  const char *key;
  json_t *value;
  json_object_foreach(json_object_get(p->settings, "labels"), key, value)
  {
    if (key[0] && json_is_string(value))
      sc_values_set(p->labels, key, json_string_value(value));
  }
  load_platforms(p);
}

static int read_config(sc_project *p, sc_error *err)
{
  p->config_name = SC_FILE_CONFIG_TEMPLATE;
  if (read_text(p, SC_FILE_CONFIG_TEMPLATE, &p->config_template, err) < 0)
    return -1;
  if (p->config_template.data)
    return 0;
  if (read_text(p, SC_FILE_CONFIG, &p->config_template, err) < 0)
    return -1;
  if (p->config_template.data) {
    p->config_name = SC_FILE_CONFIG;
    p->config_plain = true;
  }
  return 0;
}

static int find_platform_trees(sc_project *p, sc_error *err)
{
  _cleanup_strv_ char **names = NULL;
  if (sc_list_dir_at(p->dirfd, &names, err) < 0)
    return sc_error_prefix(err, "%s", p->path);
  for (size_t i = 0; names[i] && !p->platform_trees; i++)
    p->platform_trees = sc_str_has_prefix(names[i], "rootfs.");
  return 0;
}

static int read_files(sc_project *p, sc_error *err)
{
  if (open_subdir(p->dirfd, "rootfs", p->path, &p->rootfs_fd, err) < 0 ||
      open_subdir(p->dirfd, "hostfs", p->path, &p->hostfs_fd, err) < 0)
    return -1;
  if (read_config(p, err) < 0 || read_text(p, SC_FILE_MANIFEST, &p->manifest, err) < 0 ||
      read_text(p, SC_FILE_SERVICE_TEMPLATE, &p->service_template, err) < 0 ||
      read_text(p, SC_FILE_TMPFILES_TEMPLATE, &p->tmpfiles_template, err) < 0 ||
      read_text(p, SC_FILE_SETTINGS, &p->settings_text, err) < 0)
    return -1;
  load_settings(p);
  return find_platform_trees(p, err);
}

int sc_project_open(const char *path, sc_project **out, sc_error *err)
{
  sc_project *p = xcalloc(1, sizeof *p);
  p->path = xstrdup(path);
  p->rootfs_fd = p->hostfs_fd = -1;
  p->dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (p->dirfd < 0) {
    sc_error_set_errno(err, errno, "cannot open the project directory %s", path);
    sc_project_free(p);
    return -1;
  }
  if (read_files(p, err) < 0) {
    sc_project_free(p);
    return -1;
  }
  *out = p;
  return 0;
}

void sc_project_free(sc_project *project)
{
  if (project == NULL)
    return;
  sc_closep(&project->dirfd);
  sc_closep(&project->rootfs_fd);
  sc_closep(&project->hostfs_fd);
  free(project->config_template.data);
  free(project->manifest.data);
  free(project->service_template.data);
  free(project->tmpfiles_template.data);
  free(project->settings_text.data);
  json_decref(project->settings);
  free(project->image_name);
  free(project->image_tag);
  sc_values_free(project->labels);
  free(project->from);
  sc_platforms_clear(&project->platforms);
  free(project->path);
  free(project);
}

char *sc_project_platform_rootfs_name(const sc_platform *platform)
{
  return xasprintf("rootfs.%s-%s%s%s", platform->os, platform->architecture,
                   platform->variant ? "-" : "", platform->variant ? platform->variant : "");
}

int sc_project_open_platform_rootfs(const sc_project *project, const sc_platform *platform, int *fd,
                                    sc_error *err)
{
  _cleanup_free_ char *name = sc_project_platform_rootfs_name(platform);
  return open_subdir(project->dirfd, name, project->path, fd, err);
}

char *sc_project_file_path(const sc_project *project, const char *name)
{
  return sc_path_join(project->path, name);
}
