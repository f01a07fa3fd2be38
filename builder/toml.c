/* toml.c: the registries.conf subset of TOML v1.0 (toml.h). */
#include "toml.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

typedef struct parser {
  const char *p, *end;
  const char *line_start;
  int line;
  const char *file;
  sc_error *err;
  json_t *root;
  json_t *current; /* the table key/value lines go into */
  /* Tables a [header] defined, and arrays [[headers]] made (by address):
   * a table is defined once, and only those arrays take more tables. */
  json_t *defined, *table_arrays;
} parser;

static int fail(parser *ps, const char *fmt, ...) SC_PRINTF(2, 3);
static int fail(parser *ps, const char *fmt, ...)
{
  char msg[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  int col = 1; /* in characters: UTF-8 continuation bytes do not count */
  for (const char *q = ps->line_start; q < ps->p; q++)
    col += ((unsigned char)*q & 0xC0) != 0x80;
  return sc_error_set_at(ps->err, SC_E_INVALID, ps->file, ps->line, col, "%s", msg);
}

static bool at_end(const parser *ps)
{
  return ps->p >= ps->end;
}

static char peek(const parser *ps)
{
  return at_end(ps) ? '\0' : *ps->p;
}

static void skip_blanks(parser *ps)
{
  while (!at_end(ps) && (*ps->p == ' ' || *ps->p == '\t'))
    ps->p++;
}

/* A comment runs to the end of the line; control characters other than
 * tab are not allowed in it (TOML v1.0 "Comment"). */
static int skip_comment(parser *ps)
{
  if (peek(ps) != '#')
    return 0;
  for (; !at_end(ps) && *ps->p != '\n'; ps->p++)
    if ((unsigned char)*ps->p < 0x20 && *ps->p != '\t' && *ps->p != '\r')
      return fail(ps, "control character in a comment");
  return 0;
}

/* A newline (LF or CRLF); false when there is none here. */
static bool take_newline(parser *ps)
{
  if (peek(ps) == '\r' && ps->p + 1 < ps->end && ps->p[1] == '\n')
    ps->p++;
  if (peek(ps) != '\n')
    return false;
  ps->p++;
  ps->line++;
  ps->line_start = ps->p;
  return true;
}

/* Blanks, comments and newlines (between lines, inside arrays). */
static int skip_space(parser *ps)
{
  for (;;) {
    skip_blanks(ps);
    if (skip_comment(ps) < 0)
      return -1;
    if (!take_newline(ps))
      return 0;
  }
}

/* After a line's content: blanks, a comment, then a newline or the end. */
static int end_of_line(parser *ps)
{
  skip_blanks(ps);
  if (skip_comment(ps) < 0)
    return -1;
  if (at_end(ps) || take_newline(ps))
    return 0;
  return fail(ps, "expected the end of the line, found '%c'", *ps->p);
}

/* ---- strings ---- */

static void put_utf8(sc_buf *b, unsigned long cp)
{
  if (cp < 0x80) {
    sc_buf_putc(b, (char)cp);
  } else if (cp < 0x800) {
    sc_buf_putc(b, (char)(0xC0 | (cp >> 6)));
    sc_buf_putc(b, (char)(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    sc_buf_putc(b, (char)(0xE0 | (cp >> 12)));
    sc_buf_putc(b, (char)(0x80 | ((cp >> 6) & 0x3F)));
    sc_buf_putc(b, (char)(0x80 | (cp & 0x3F)));
  } else {
    sc_buf_putc(b, (char)(0xF0 | (cp >> 18)));
    sc_buf_putc(b, (char)(0x80 | ((cp >> 12) & 0x3F)));
    sc_buf_putc(b, (char)(0x80 | ((cp >> 6) & 0x3F)));
    sc_buf_putc(b, (char)(0x80 | (cp & 0x3F)));
  }
}

/* \uXXXX or \UXXXXXXXX after the 'u'/'U': a Unicode scalar value. */
static int take_unicode_escape(parser *ps, int digits, sc_buf *b)
{
  unsigned long cp = 0;
  for (int i = 0; i < digits; i++, ps->p++) {
    char c = peek(ps);
    int v = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : -1;
    if (v < 0)
      return fail(ps, "\\%c takes %d hexadecimal digits", digits == 4 ? 'u' : 'U', digits);
    cp = cp * 16 + (unsigned long)v;
  }
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return fail(ps, "\\u escape of U+%lX, which is not a Unicode scalar value", cp);
  put_utf8(b, cp);
  return 0;
}

static int take_escape(parser *ps, sc_buf *b)
{
  static const char from[] = "btnfr\"\\", to[] = "\b\t\n\f\r\"\\";
  char c = peek(ps);
  const char *hit = c ? strchr(from, c) : NULL;
  if (hit) {
    sc_buf_putc(b, to[hit - from]);
    ps->p++;
    return 0;
  }
  if (c == 'u' || c == 'U') {
    ps->p++;
    return take_unicode_escape(ps, c == 'u' ? 4 : 8, b);
  }
  return fail(ps, "unknown escape '\\%c' in a string", c ? c : ' ');
}

/* A "basic" or 'literal' one-line string at ps->p: its value, valid UTF-8. */
static char *take_string(parser *ps)
{
  char quote = *ps->p;
  const char *open = ps->p;
  if (ps->end - ps->p >= 3 && ps->p[1] == quote && ps->p[2] == quote) {
    fail(ps, "multi-line strings are not supported here");
    return NULL;
  }
  ps->p++;
  sc_buf b = SC_BUF_INIT;
  sc_buf_puts(&b, "");
  for (;;) {
    char c = peek(ps);
    if (at_end(ps) || c == '\n' || c == '\r') {
      ps->p = open;
      fail(ps, "string not closed on its line");
      goto bad;
    }
    ps->p++;
    if (c == quote)
      break;
    if ((unsigned char)c < 0x20 && c != '\t') {
      ps->p--;
      fail(ps, "control character in a string (write it as an escape)");
      goto bad;
    }
    if (c == '\\' && quote == '"') {
      if (take_escape(ps, &b) < 0)
        goto bad;
    } else {
      sc_buf_putc(&b, c);
    }
  }
  json_t *check = json_stringn(b.data, b.len);
  if (check == NULL || memchr(b.data, '\0', b.len)) {
    json_decref(check);
    ps->p = open;
    fail(ps, "string is not valid UTF-8 or holds a NUL");
    goto bad;
  }
  json_decref(check);
  return sc_buf_steal(&b);
bad:
  sc_buf_free(&b);
  return NULL;
}

/* ---- keys ---- */

static bool is_bare_key_char(char c)
{
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

/* One key: bare, "basic" or 'literal'. */
static char *take_simple_key(parser *ps)
{
  char c = peek(ps);
  if (c == '"' || c == '\'')
    return take_string(ps);
  const char *start = ps->p;
  while (!at_end(ps) && is_bare_key_char(*ps->p))
    ps->p++;
  if (ps->p == start) {
    fail(ps, "expected a key, found %s", at_end(ps) ? "the end" : "another character");
    return NULL;
  }
  return xstrndup(start, (size_t)(ps->p - start));
}

/* A dotted key ("a.b.\"c d\""): a JSON array of its parts. */
static json_t *take_key(parser *ps)
{
  json_t *parts = json_array();
  for (;;) {
    skip_blanks(ps);
    char *part = take_simple_key(ps);
    if (part == NULL) {
      json_decref(parts);
      return NULL;
    }
    json_array_append_new(parts, json_string(part));
    free(part);
    skip_blanks(ps);
    if (peek(ps) != '.')
      return parts;
    if (json_array_size(parts) >= SC_TOML_MAX_DEPTH) {
      fail(ps, "key nested deeper than %d", SC_TOML_MAX_DEPTH);
      json_decref(parts);
      return NULL;
    }
    ps->p++;
  }
}

/* ---- values ---- */

static json_t *take_value(parser *ps, int depth);

static json_t *take_array(parser *ps, int depth)
{
  if (depth >= SC_TOML_MAX_DEPTH) {
    fail(ps, "arrays nested deeper than %d", SC_TOML_MAX_DEPTH);
    return NULL;
  }
  ps->p++; /* '[' */
  json_t *array = json_array();
  for (;;) {
    if (skip_space(ps) < 0)
      goto bad;
    if (peek(ps) == ']')
      break;
    json_t *v = take_value(ps, depth + 1);
    if (v == NULL)
      goto bad;
    json_array_append_new(array, v);
    if (skip_space(ps) < 0)
      goto bad;
    if (peek(ps) == ',') {
      ps->p++;
      continue;
    }
    if (peek(ps) != ']') {
      fail(ps, "expected ',' or ']' in an array");
      goto bad;
    }
    break;
  }
  ps->p++; /* ']' */
  return array;
bad:
  json_decref(array);
  return NULL;
}

static bool take_word(parser *ps, const char *word)
{
  size_t n = strlen(word);
  if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
    return false;
  if (ps->p + n < ps->end && is_bare_key_char(ps->p[n]))
    return false;
  ps->p += n;
  return true;
}

static json_t *take_value(parser *ps, int depth)
{
  char c = peek(ps);
  if (c == '"' || c == '\'') {
    char *s = take_string(ps);
    json_t *v = s ? json_string(s) : NULL;
    free(s);
    return v;
  }
  if (c == '[')
    return take_array(ps, depth);
  if (take_word(ps, "true"))
    return json_true();
  if (take_word(ps, "false"))
    return json_false();
  if (c == '{')
    fail(ps, "inline tables are not supported here: write a [table]");
  else if ((c >= '0' && c <= '9') || c == '+' || c == '-' || take_word(ps, "inf") ||
           take_word(ps, "nan"))
    fail(ps, "numbers and dates are not supported here: registries.conf takes strings, "
             "booleans and arrays");
  else
    fail(ps, "expected a value (a \"string\", true, false or an [array])");
  return NULL;
}

/* ---- tables ---- */

static bool in_set(json_t *set, const json_t *item)
{
  char key[32];
  snprintf(key, sizeof key, "%p", (const void *)item);
  return json_object_get(set, key) != NULL;
}

static void add_to_set(json_t *set, const json_t *item)
{
  char key[32];
  snprintf(key, sizeof key, "%p", (const void *)item);
  json_object_set_new(set, key, json_true());
}

/* The table the key path leads to from `from`, made when missing; an
 * array of tables on the way stands for its last table. */
static json_t *descend(parser *ps, json_t *from, json_t *parts, size_t count)
{
  json_t *t = from;
  for (size_t i = 0; i < count; i++) {
    const char *name = json_string_value(json_array_get(parts, i));
    json_t *next = json_object_get(t, name);
    if (next == NULL) {
      next = json_object();
      json_object_set_new(t, name, next);
    } else if (json_is_array(next) && in_set(ps->table_arrays, next)) {
      next = json_array_get(next, json_array_size(next) - 1);
    }
    if (!json_is_object(next)) {
      fail(ps, "'%s' is already a value, not a table", name);
      return NULL;
    }
    t = next;
  }
  return t;
}

/* [a.b] or [[a.b]] at ps->p. */
static int take_header(parser *ps)
{
  bool array = ps->end - ps->p >= 2 && ps->p[1] == '[';
  const char *start = ps->p;
  ps->p += array ? 2 : 1;
  json_t *parts = take_key(ps);
  if (parts == NULL)
    return -1;
  int rc = -1;
  if (peek(ps) != ']' || (array && (ps->p + 1 >= ps->end || ps->p[1] != ']'))) {
    fail(ps, "expected '%s' to close the table header", array ? "]]" : "]");
    goto out;
  }
  ps->p += array ? 2 : 1;
  const char *here = ps->p;
  ps->p = start; /* errors point at the header */
  size_t n = json_array_size(parts);
  json_t *parent = descend(ps, ps->root, parts, n - 1);
  if (parent == NULL)
    goto out;
  const char *name = json_string_value(json_array_get(parts, n - 1));
  json_t *t = json_object_get(parent, name);
  if (array) {
    if (t == NULL) {
      t = json_array();
      json_object_set_new(parent, name, t);
      add_to_set(ps->table_arrays, t);
    } else if (!in_set(ps->table_arrays, t)) {
      fail(ps, "'%s' is already defined, not as an array of tables", name);
      goto out;
    }
    if (json_array_size(t) >= 100000) {
      fail(ps, "too many tables in [[%s]]", name);
      goto out;
    }
    ps->current = json_object();
    json_array_append_new(t, ps->current);
  } else {
    if (t == NULL) {
      t = json_object();
      json_object_set_new(parent, name, t);
    } else if (!json_is_object(t) || in_set(ps->defined, t)) {
      fail(ps, "table [%s] is defined twice", name);
      goto out;
    }
    ps->current = t;
  }
  add_to_set(ps->defined, ps->current);
  ps->p = here;
  rc = end_of_line(ps);
out:
  json_decref(parts);
  return rc;
}

/* key = value at ps->p, into the current table. */
static int take_key_value(parser *ps)
{
  const char *start = ps->p;
  json_t *parts = take_key(ps);
  if (parts == NULL)
    return -1;
  int rc = -1;
  if (peek(ps) != '=') {
    fail(ps, "expected '=' after the key");
    goto out;
  }
  ps->p++;
  skip_blanks(ps);
  size_t n = json_array_size(parts);
  json_t *t = descend(ps, ps->current, parts, n - 1);
  json_t *value = t ? take_value(ps, 0) : NULL;
  if (value == NULL)
    goto out;
  const char *name = json_string_value(json_array_get(parts, n - 1));
  if (json_object_get(t, name)) {
    json_decref(value);
    ps->p = start;
    fail(ps, "key '%s' is defined twice", name);
    goto out;
  }
  json_object_set_new(t, name, value);
  rc = end_of_line(ps);
out:
  json_decref(parts);
  return rc;
}

json_t *sc_toml_parse(const char *text, size_t len, const char *file, sc_error *err)
{
  parser ps = {
      .p = text, .end = text + len, .line_start = text, .line = 1, .file = file, .err = err};
  if (len > SC_TOML_MAX_SIZE) {
    sc_error_set(err, SC_E_INVALID, "%s: larger than %d bytes", file, SC_TOML_MAX_SIZE);
    return NULL;
  }
  const char *nul = memchr(text, '\0', len);
  if (nul) {
    ps.p = nul;
    for (const char *q = text; q < nul; q++)
      if (*q == '\n')
        ps.line++, ps.line_start = q + 1;
    fail(&ps, "NUL byte in the file");
    return NULL;
  }
  ps.root = ps.current = json_object();
  ps.defined = json_object();
  ps.table_arrays = json_object();
  int rc = 0;
  while (rc == 0 && skip_space(&ps) == 0 && !at_end(&ps))
    rc = peek(&ps) == '[' ? take_header(&ps) : take_key_value(&ps);
  bool ok = rc == 0 && at_end(&ps);
  json_decref(ps.defined);
  json_decref(ps.table_arrays);
  if (!ok) {
    json_decref(ps.root);
    return NULL;
  }
  return ps.root;
}
