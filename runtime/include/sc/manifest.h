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

typedef struct sc_manifest {
  char *version;                   /* NULL when absent (atomic never reads it) */
  bool has_default_values;         /* the key is present */
  sc_values *default_values;       /* never NULL */
  char **installed_files_template; /* absolute host paths, NULL-terminated, never NULL */
  size_t installed_files_count;
  sc_values *rename_files;   /* host path -> templated host path, never NULL */
  bool use_links;            /* default true */
  bool no_container_service; /* default false */
} sc_manifest;

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

#ifdef __cplusplus
}
#endif
#endif
