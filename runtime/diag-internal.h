/* diag-internal.h: what sc_diag and sc_diags hold.  Internal API
 * (docs/design.md section 0): sc/diag.h has only the names and accessors;
 * the runtime and libscbuild keep lists on the stack (SC_DIAGS_INIT) and
 * read the fields directly. */
#ifndef SC_DIAG_INTERNAL_H
#define SC_DIAG_INTERNAL_H

#include <sc/diag.h>

struct sc_diag {
  sc_diag_severity severity;
  char *file; /* may be NULL */
  int line;   /* 0 when unknown */
  int col;    /* 0 when unknown */
  char *msg;
};

struct sc_diags {
  sc_diag *items;
  size_t count;
  size_t capacity;
};

#define SC_DIAGS_INIT                                                                              \
  {                                                                                                \
    NULL, 0, 0                                                                                     \
  }

#endif
