/* template-internal.h: what sc_placeholder holds.  Internal API
 * (docs/design.md section 0): sc/template.h has only the name and the
 * accessors; the runtime and libscbuild read the fields directly. */
#ifndef SC_TEMPLATE_INTERNAL_H
#define SC_TEMPLATE_INTERNAL_H

#include <sc/template.h>

struct sc_placeholder {
  sc_placeholder_kind kind;
  const char *name; /* points into the template; not NUL-terminated */
  size_t name_len;  /* 0 for SC_PLACEHOLDER_INVALID */
  bool braced;      /* written ${NAME} */
  size_t offset;    /* byte offset of the `$` */
  int line;
  int col;
};

#endif
