/* manifest-internal.h: what sc_manifest holds.  Internal API
 * (docs/design.md section 0): sc/manifest.h has only the name and the
 * accessors; the runtime and libscbuild read the fields directly. */
#ifndef SC_MANIFEST_INTERNAL_H
#define SC_MANIFEST_INTERNAL_H

#include <sc/manifest.h>

struct sc_manifest {
  char *version;                   /* NULL when absent (atomic never reads it) */
  bool has_default_values;         /* the key is present */
  sc_values *default_values;       /* never NULL */
  char **installed_files_template; /* absolute host paths, NULL-terminated, never NULL */
  size_t installed_files_count;
  sc_values *rename_files;   /* host path -> templated host path, never NULL */
  bool use_links;            /* default true */
  bool no_container_service; /* default false */
};

#endif
