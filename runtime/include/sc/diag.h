/* sc/diag.h: a list of diagnostics, for checks that report every problem
 * (like a compiler) instead of stopping at the first one. */
#ifndef SC_DIAG_H
#define SC_DIAG_H

#include <stddef.h>
#include <sc/error.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { SC_DIAG_ERROR, SC_DIAG_WARNING } sc_diag_severity;

typedef struct sc_diag {
  sc_diag_severity severity;
  char *file; /* may be NULL */
  int line;   /* 0 when unknown */
  int col;    /* 0 when unknown */
  char *msg;
} sc_diag;

typedef struct sc_diags {
  sc_diag *items;
  size_t count;
  size_t capacity;
} sc_diags;

#define SC_DIAGS_INIT                                                                              \
  {                                                                                                \
    NULL, 0, 0                                                                                     \
  }

SC_PUBLIC void sc_diags_add(sc_diags *diags, sc_diag_severity severity, const char *file, int line,
                            int col, const char *fmt, ...) SC_PRINTF(6, 7);
/* Record an error value as a diagnostic of the given severity. */
SC_PUBLIC void sc_diags_add_error(sc_diags *diags, sc_diag_severity severity, const sc_error *err);
SC_PUBLIC size_t sc_diags_count(const sc_diags *diags, sc_diag_severity severity);
SC_PUBLIC const char *sc_diag_severity_name(sc_diag_severity severity);
SC_PUBLIC void sc_diags_clear(sc_diags *diags);

#ifdef __cplusplus
}
#endif
#endif
