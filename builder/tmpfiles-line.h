/* tmpfiles-line.h: one line of a tmpfiles.d(5) file, split into its fields
 * as systemd-tmpfiles splits it, for `validate` (validate-files.c) and for
 * `sc-build test`'s test root (smoke-tmpfiles.c).  The text comes from an
 * image, so it is hostile: any bytes split without harm.
 *
 * tmpfiles.d(5) and systemd's parse_line() (src/tmpfiles/tmpfiles.c): blanks
 * around the line are dropped; a line whose first character is then `#` is
 * a comment; the first six fields (type path mode user group age) split at
 * unquoted blanks, with "..." and '...' quoting and C-style backslash
 * escapes (extract_many_words() with EXTRACT_UNQUOTE | EXTRACT_CUNESCAPE);
 * the seventh, the argument, is the rest of the line as written, blanks
 * included.  `-` in a field other than the type and the path leaves it
 * unset. */
#ifndef SC_TMPFILES_LINE_H
#define SC_TMPFILES_LINE_H

#include <stddef.h>

enum { SC_TMPFILES_FIELDS = 7, SC_TMPFILES_ARGUMENT = 6 };

typedef struct sc_tmpfiles_line {
  char *field[SC_TMPFILES_FIELDS]; /* unquoted and unescaped; NULL from count on */
  int col[SC_TMPFILES_FIELDS];     /* where each starts in the line, in characters from 1 */
  size_t count;                    /* 0: a blank or comment line */
  const char *error;               /* why the line does not split, or NULL */
  int error_col;                   /* where, as col */
} sc_tmpfiles_line;

/* Split line (len bytes, without its newline) into *out.  0: split (count
 * 0 for a blank or comment line, else 1 to 7); -1: out->error says why it
 * does not (an unclosed quote, a backslash at the end of a field, an escape
 * tmpfiles.d does not know), out->error_col where, and count is 0.  Clear
 * *out with sc_tmpfiles_line_clear either way. */
int sc_tmpfiles_line_split(const char *line, size_t len, sc_tmpfiles_line *out);
void sc_tmpfiles_line_clear(sc_tmpfiles_line *l);

/* Field i (SC_TMPFILES_ARGUMENT for the argument), or NULL when the line
 * does not have it or it is `-` (unset). */
const char *sc_tmpfiles_line_value(const sc_tmpfiles_line *l, size_t i);

#endif
