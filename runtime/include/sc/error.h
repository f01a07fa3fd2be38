/* sc/error.h: the one error type of libscruntime and libscbuild.
 *
 * Functions that can fail take a `sc_error *err` last, fill it on failure and
 * return -1 (or NULL).  Callers add context on the way up with
 * sc_error_prefix(); the CLI prints the error once.  Library code never
 * prints and never exits. */
#ifndef SC_ERROR_H
#define SC_ERROR_H

#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SC_PUBLIC __attribute__((visibility("default")))
#define SC_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* Error codes beyond errno values (which are all < 4096). */
enum {
  SC_E_INVALID = 4096, /* bad input: a file, a value, an image */
  SC_E_USAGE,          /* bad command-line usage: exit 2 */
  SC_E_CHECK,          /* a check failed (validation, probe) */
  SC_E_EXISTS,         /* refusing to overwrite */
  SC_E_INTERRUPTED,    /* stopped by a signal */
};

/* Transparent and frozen (sc/runtime.h): callers keep it on the stack and
 * read its fields; changing it is an incompatible change (SOVERSION). */
typedef struct sc_error {
  int code;   /* errno value or SC_E_*; 0 when no error */
  char *msg;  /* what went wrong and, where it helps, what to do */
  char *file; /* the file it is about, or NULL */
  int line;   /* 1-based, 0 when unknown */
  int col;    /* 1-based, in characters, 0 when unknown */
} sc_error;

#define SC_ERROR_INIT                                                                              \
  {                                                                                                \
    0, NULL, NULL, 0, 0                                                                            \
  }

/* Set err (replacing what it held) and return -1. err may be NULL. */
SC_PUBLIC int sc_error_set(sc_error *err, int code, const char *fmt, ...) SC_PRINTF(3, 4);
/* Like sc_error_set, with errno's text appended as ": strerror(code)". */
SC_PUBLIC int sc_error_set_errno(sc_error *err, int code, const char *fmt, ...) SC_PRINTF(3, 4);
/* Set err with a location in a file. */
SC_PUBLIC int sc_error_set_at(sc_error *err, int code, const char *file, int line, int col,
                              const char *fmt, ...) SC_PRINTF(6, 7);
/* Prefix the message with context ("building layer: ..."); returns -1. */
SC_PUBLIC int sc_error_prefix(sc_error *err, const char *fmt, ...) SC_PRINTF(2, 3);
SC_PUBLIC void sc_error_clear(sc_error *err);
/* Move src into dst (dst cleared first); src is left empty. */
SC_PUBLIC void sc_error_move(sc_error *dst, sc_error *src);

#ifdef __cplusplus
}
#endif
#endif
