/* smoke-tmpfiles.h: apply a rendered tmpfiles.d(5) file inside a test root,
 * for `sc-build test`.  Only paths under the root are touched: a line that
 * names a path outside it is skipped and reported. */
#ifndef SC_SMOKE_TMPFILES_H
#define SC_SMOKE_TMPFILES_H

#include <sc/error.h>

/* Apply text (the rendered tmpfiles file) under root_path (absolute).  Lines
 * skipped (outside the root, or types a test does not need) are added to
 * *notes as messages. */
int sc_tmpfiles_apply(const char *root_path, const char *text, char ***notes, sc_error *err);

#endif
