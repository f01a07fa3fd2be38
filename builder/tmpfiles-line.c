/* tmpfiles-line.c: split a tmpfiles.d(5) line into its fields
 * (tmpfiles-line.h). */
#include "tmpfiles-line.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Where the split is: p in [p, end), col the column of *p. */
typedef struct cursor {
  const char *p, *end;
  int col;
} cursor;

static bool is_blank(char c)
{
  return c == ' ' || c == '\t';
}

/* Columns count characters: a UTF-8 continuation byte adds none. */
static void advance(cursor *c)
{
  c->col += ((unsigned char)*c->p & 0xC0) != 0x80;
  c->p++;
}

static void skip_blanks(cursor *c)
{
  while (c->p < c->end && is_blank(*c->p))
    advance(c);
}

static int digit_value(char c, int base)
{
  int v = c >= '0' && c <= '9'   ? c - '0'
          : c >= 'a' && c <= 'f' ? c - 'a' + 10
          : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                 : 99;
  return v < base ? v : -1;
}

/* The byte the escape at p (after its backslash) stands for, and in *used
 * how many bytes it takes: systemd's cunescape_one() for the one-letter
 * escapes, \xHH and \OOO.  -1 for one it does not know or one that makes
 * a NUL byte, which systemd refuses too. */
static int unescape(const char *p, const char *end, size_t *used)
{
  static const char simple[] = "a\ab\bf\fn\nr\rt\tv\v\\\\\"\"''s ";
  for (size_t i = 0; p < end && simple[i]; i += 2)
    if (*p == simple[i]) {
      *used = 1;
      return (unsigned char)simple[i + 1];
    }
  if (end - p < 3)
    return -1;
  int base = *p == 'x' ? 16 : 8;
  const char *digits = base == 16 ? p + 1 : p;
  int hi = digit_value(digits[0], base), lo = digit_value(digits[1], base);
  int v = base == 16 ? hi * 16 + lo : hi * 64 + lo * 8 + digit_value(digits[2], 8);
  if (hi < 0 || lo < 0 || (base == 8 && digit_value(digits[2], 8) < 0) || v <= 0 || v > 255)
    return -1;
  *used = 3;
  return v;
}

static int fail(sc_tmpfiles_line *l, int col, const char *why)
{
  l->error = why;
  l->error_col = col;
  return -1;
}

/* One of the first six fields, from c->p (not a blank) to the next
 * unquoted blank, without its quotes and with its escapes decoded. */
static int read_field(cursor *c, sc_buf *out, sc_tmpfiles_line *l)
{
  char quote = 0;
  int quote_col = 0;
  while (c->p < c->end && (quote || !is_blank(*c->p))) {
    char ch = *c->p;
    if (ch == '\\') {
      int at = c->col;
      advance(c);
      size_t used = 0;
      int v = unescape(c->p, c->end, &used);
      if (v < 0)
        return fail(l, at,
                    c->p == c->end ? "a backslash ends the line: write \\\\ for a backslash"
                                   : "unknown backslash escape (tmpfiles.d knows \\a \\b \\f "
                                     "\\n \\r \\t \\v \\s \\\\ \\\" \\' \\xHH \\OOO)");
      sc_buf_putc(out, (char)v);
      while (used-- > 0)
        advance(c);
      continue;
    }
    if (quote ? ch == quote : (ch == '"' || ch == '\'')) {
      quote_col = c->col;
      quote = quote ? 0 : ch;
    } else {
      sc_buf_putc(out, ch);
    }
    advance(c);
  }
  if (quote)
    return fail(l, quote_col, "the quote that starts here is not closed");
  return 0;
}

int sc_tmpfiles_line_split(const char *line, size_t len, sc_tmpfiles_line *out)
{
  *out = (sc_tmpfiles_line){0};
  cursor c = {line, line + len, 1};
  while (c.end > c.p && (is_blank(c.end[-1]) || c.end[-1] == '\r'))
    c.end--; /* systemd reads lines stripped at both ends */
  skip_blanks(&c);
  if (c.p == c.end || *c.p == '#')
    return 0;
  for (size_t i = 0; c.p < c.end && i < SC_TMPFILES_FIELDS; i++, skip_blanks(&c)) {
    out->col[i] = c.col;
    if (i == SC_TMPFILES_ARGUMENT) {
      out->field[i] = xstrndup(c.p, (size_t)(c.end - c.p));
      c.p = c.end;
    } else {
      sc_buf field = SC_BUF_INIT;
      if (read_field(&c, &field, out) < 0) {
        sc_buf_free(&field);
        sc_tmpfiles_line_clear(out);
        return -1;
      }
      out->field[i] = sc_buf_steal(&field);
    }
    out->count = i + 1;
  }
  return 0;
}

void sc_tmpfiles_line_clear(sc_tmpfiles_line *l)
{
  for (size_t i = 0; i < l->count; i++) {
    free(l->field[i]);
    l->field[i] = NULL;
  }
  l->count = 0;
}

const char *sc_tmpfiles_line_value(const sc_tmpfiles_line *l, size_t i)
{
  return i < l->count && strcmp(l->field[i], "-") != 0 ? l->field[i] : NULL;
}
