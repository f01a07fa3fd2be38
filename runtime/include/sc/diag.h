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

/* One diagnostic, and a list of them: opaque handles (sc/runtime.h).  A
 * list is made by sc_diags_new and filled by the functions that take one;
 * a diagnostic belongs to its list. */
typedef struct sc_diag sc_diag;
typedef struct sc_diags sc_diags;

SC_PUBLIC sc_diags *sc_diags_new(void);
SC_PUBLIC void sc_diags_free(sc_diags *diags);
/* The number of diagnostics, and the i-th (NULL when out of range), in
 * the order they were added. */
SC_PUBLIC size_t sc_diags_length(const sc_diags *diags);
SC_PUBLIC const sc_diag *sc_diags_at(const sc_diags *diags, size_t i);
SC_PUBLIC sc_diag_severity sc_diag_severity_of(const sc_diag *diag);
SC_PUBLIC const char *sc_diag_file(const sc_diag *diag); /* may be NULL */
SC_PUBLIC int sc_diag_line(const sc_diag *diag);         /* 0 when unknown */
SC_PUBLIC int sc_diag_col(const sc_diag *diag);          /* 0 when unknown */
SC_PUBLIC const char *sc_diag_message(const sc_diag *diag);

SC_PUBLIC void sc_diags_add(sc_diags *diags, sc_diag_severity severity, const char *file, int line,
                            int col, const char *fmt, ...) SC_PRINTF(6, 7);
/* Record an error value as a diagnostic of the given severity. */
SC_PUBLIC void sc_diags_add_error(sc_diags *diags, sc_diag_severity severity, const sc_error *err);
SC_PUBLIC size_t sc_diags_count(const sc_diags *diags, sc_diag_severity severity);
SC_PUBLIC const char *sc_diag_severity_name(sc_diag_severity severity);
/* Empty the list (it stays usable). */
SC_PUBLIC void sc_diags_clear(sc_diags *diags);

#ifdef __cplusplus
}
#endif
#endif
