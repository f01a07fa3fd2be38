/* validate-checks.h: the checks of `sc-build validate`, split by file
 * (internal to validate*.c). */
#ifndef SC_VALIDATE_CHECKS_H
#define SC_VALIDATE_CHECKS_H

#include <jansson.h>
#include <sc/diag.h>
#include <sc/manifest.h>
#include <sc/values.h>
#include "image-view.h"
#include "jsonpos.h"
#include "validate.h"

typedef struct sc_validation {
  const sc_project *project;
  const sc_validate_options *options;
  sc_diags *diags;
  sc_manifest *manifest; /* NULL when missing or unparsable */
  sc_values *values;     /* what an install would render with; NULL when unknown */
} sc_validation;

/* Add a diagnostic about the project file `name` ("manifest.json"), shown
 * as PROJECT/name. */
void sc_validation_report(sc_validation *v, sc_diag_severity severity, const char *name, int line,
                          int col, const char *fmt, ...) SC_PRINTF(6, 7);
/* The same at a key path of JSON-like text: at the key or at its value. */
void sc_validation_report_path(sc_validation *v, sc_diag_severity severity, const char *name,
                               const char *text, const sc_jsonpos_step *path, size_t depth,
                               bool at_key, const char *fmt, ...) SC_PRINTF(8, 9);

/* Where config.json.template writes mounts[index].source, when it is a
 * string there: the text is at value_offset + 1, value_len - 2 bytes
 * long (without the quotes). */
bool sc_validation_mount_source(const sc_validation *v, size_t index, sc_jsonpos *pos);
/* config.json as rendered (validate-config.c). */
void sc_validate_config(sc_validation *v, json_t *config);
/* service.template and tmpfiles.template (rendered), sc-build.json
 * (validate-files.c). */
void sc_validate_service(sc_validation *v);
void sc_validate_tmpfiles(sc_validation *v, const char *rendered);
void sc_validate_settings(sc_validation *v);
/* process.args[0] and what it needs to start, in rootfs/ over the base
 * image (validate-exec.c). */
void sc_validate_exec(sc_validation *v, json_t *process, json_t *mounts);
/* Mount points runc cannot make: below a non-directory of the image
 * (validate-mounts.c). */
void sc_validate_mount_points(sc_validation *v, sc_image_view *view, const char *image,
                              json_t *mounts);
/* Bind sources under a directory the install places that nothing makes,
 * or in the deployment but not in the image (validate-binds.c). */
void sc_validate_bind_sources(sc_validation *v, sc_image_view *view, const char *image,
                              json_t *mounts);
/* The base image validation reads: --from, else sc-build.json "from". */
const char *sc_validation_base(const sc_validation *v);

#endif
