/* project.h: a project directory (docs/design.md section 1), opened for reading.
 *
 * Opening reads the files and never judges them: content problems are
 * reported by sc_validate_project (validate.h). */
#ifndef SC_PROJECT_H
#define SC_PROJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include <sc/error.h>
#include <sc/values.h>

#include "platform.h"

/* The files of a project, by their names in the project directory. */
#define SC_FILE_CONFIG_TEMPLATE "config.json.template"
/* A plain config.json: installed unchanged, as atomic copies it. */
#define SC_FILE_CONFIG "config.json"
#define SC_FILE_MANIFEST "manifest.json"
#define SC_FILE_SERVICE_TEMPLATE "service.template"
#define SC_FILE_TMPFILES_TEMPLATE "tmpfiles.template"
#define SC_FILE_SETTINGS "sc-build.json"

typedef struct sc_text {
  char *data; /* NUL-terminated; NULL when the file is missing */
  size_t len;
} sc_text;

typedef struct sc_project {
  char *path;    /* the directory as given, used in messages */
  int dirfd;     /* the project directory */
  int rootfs_fd; /* rootfs/, or -1 when missing */
  int hostfs_fd; /* hostfs/, or -1 when missing */
  /* config.json.template, or when there is none a plain config.json
   * (config_plain): config_name says which, for messages and /exports. */
  sc_text config_template;
  const char *config_name;
  bool config_plain;
  sc_text manifest;
  sc_text service_template;
  sc_text tmpfiles_template;
  sc_text settings_text; /* sc-build.json */
  json_t *settings;      /* parsed sc-build.json, NULL when absent or unparsable */
  char *image_name;      /* settings "name", else the directory's base name */
  char *image_tag;       /* settings "tag", else "latest" */
  sc_values *labels;     /* settings "labels" (never NULL) */
  /* settings "from": the base image, an oci: path made relative to the
   * current directory (it is written relative to the project), or NULL */
  char *from;
  /* settings "platforms": what build and validate take without --platform,
   * normalised; none when absent or when any entry is malformed (validate
   * says which). */
  sc_platforms platforms;
  bool platform_trees; /* some rootfs.* entry: the project has per-platform trees */
} sc_project;

/* Open the project at path. Fails when path is not a directory or a file
 * cannot be read; a missing optional file is not a failure. */
int sc_project_open(const char *path, sc_project **out, sc_error *err);
void sc_project_free(sc_project *project);
/* The directory whose tree a platform's image has over rootfs/ (a layer
 * of its own): "rootfs.OS-ARCH[-VARIANT]", e.g. rootfs.linux-arm64. */
char *sc_project_platform_rootfs_name(const sc_platform *platform);
/* Open that directory: *fd is -1 when the project has none. */
int sc_project_open_platform_rootfs(const sc_project *project, const sc_platform *platform, int *fd,
                                    sc_error *err);
/* The path of a project file as the user sees it ("hello-world/manifest.json"),
 * newly allocated. */
char *sc_project_file_path(const sc_project *project, const char *name);

#endif
