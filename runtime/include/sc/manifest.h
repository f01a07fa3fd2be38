/* sc/manifest.h: an image's /exports/manifest.json, the keys atomic reads
 * (as Atomic/syscontainers.py reads them): version, defaultValues, installedFilesTemplate,
 * renameFiles, useLinks, noContainerService. */
#ifndef SC_MANIFEST_H
#define SC_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <sc/diag.h>
#include <sc/error.h>
#include <sc/values.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A parsed manifest: an opaque handle (sc/runtime.h) made by
 * sc_manifest_parse; what the accessors return belongs to it. */
typedef struct sc_manifest sc_manifest;

/* Parse manifest.json text; `file` names it in diagnostics and errors.
 * A JSON syntax error, or a document that is not an object, fails with err
 * holding the file, line and column.  Otherwise *out is filled and every
 * other problem goes to diags (may be NULL) with the line and column of the
 * key or value: a known key of the wrong type is an error (the key is then
 * ignored, as if absent), an unknown key and a missing defaultValues are
 * warnings. */
SC_PUBLIC int sc_manifest_parse(const char *text, size_t len, const char *file, sc_manifest **out,
                                sc_diags *diags, sc_error *err);
SC_PUBLIC void sc_manifest_free(sc_manifest *manifest);

/* "version", or NULL when absent (atomic never reads it). */
SC_PUBLIC const char *sc_manifest_version(const sc_manifest *manifest);
/* Whether the defaultValues key is present. */
SC_PUBLIC bool sc_manifest_has_default_values(const sc_manifest *manifest);
/* defaultValues; never NULL (empty when absent). */
SC_PUBLIC const sc_values *sc_manifest_default_values(const sc_manifest *manifest);
/* installedFilesTemplate: absolute host paths, NULL-terminated, never NULL. */
SC_PUBLIC char *const *sc_manifest_installed_files_template(const sc_manifest *manifest);
SC_PUBLIC size_t sc_manifest_installed_files_count(const sc_manifest *manifest);
/* renameFiles: host path -> templated host path; never NULL. */
SC_PUBLIC const sc_values *sc_manifest_rename_files(const sc_manifest *manifest);
/* useLinks (default true), noContainerService (default false). */
SC_PUBLIC bool sc_manifest_use_links(const sc_manifest *manifest);
SC_PUBLIC bool sc_manifest_no_container_service(const sc_manifest *manifest);

#ifdef __cplusplus
}
#endif
#endif
