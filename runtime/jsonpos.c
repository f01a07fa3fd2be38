/* jsonpos.c: a tolerant locator of key paths in JSON-like text (jsonpos.h). */
#include "jsonpos.h"

#include <string.h>

typedef enum { TOKEN_END, TOKEN_STRING, TOKEN_PUNCT, TOKEN_BARE } token_kind;

typedef struct token {
  token_kind kind;
  char punct; /* TOKEN_PUNCT: one of {}[]:, */
  size_t offset;
  size_t len;
  int line;
  int col;
} token;

typedef struct scanner {
  const char *text;
  size_t len;
  size_t pos;
  int line; /* of text[pos] */
  int col;
  token cur;
} scanner;

/* Columns count UTF-8 code points, as template.c does. */
static void scanner_advance(scanner *s, size_t n)
{
  for (size_t i = 0; i < n && s->pos < s->len; i++) {
    unsigned char c = (unsigned char)s->text[s->pos++];
    if (c == '\n') {
      s->line++;
      s->col = 1;
    } else if ((c & 0xC0) != 0x80) {
      s->col++;
    }
  }
}

static bool is_space(char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool is_punct(char c)
{
  return c != '\0' && strchr("{}[]:,", c) != NULL;
}

static void scan_string(scanner *s)
{
  scanner_advance(s, 1);
  while (s->pos < s->len && s->text[s->pos] != '"')
    scanner_advance(s, s->text[s->pos] == '\\' ? 2 : 1);
  scanner_advance(s, 1);
}

/* Anything else up to a space, a quote or punctuation; a template's
 * `${NAME}` is one piece, so that its braces are not taken for an object. */
static void scan_bare(scanner *s)
{
  while (s->pos < s->len) {
    char c = s->text[s->pos];
    if (is_space(c) || c == '"' || is_punct(c))
      return;
    if (c == '$' && s->pos + 1 < s->len && s->text[s->pos + 1] == '{') {
      const char *close = memchr(s->text + s->pos, '}', s->len - s->pos);
      const char *newline = memchr(s->text + s->pos, '\n', s->len - s->pos);
      if (close && (newline == NULL || close < newline)) {
        scanner_advance(s, (size_t)(close - (s->text + s->pos)) + 1);
        continue;
      }
    }
    scanner_advance(s, 1);
  }
}

static void scanner_next(scanner *s)
{
  while (s->pos < s->len && is_space(s->text[s->pos]))
    scanner_advance(s, 1);
  token *t = &s->cur;
  *t = (token){.kind = TOKEN_END, .offset = s->pos, .line = s->line, .col = s->col};
  if (s->pos >= s->len)
    return;
  char c = s->text[s->pos];
  if (c == '"') {
    t->kind = TOKEN_STRING;
    scan_string(s);
  } else if (is_punct(c)) {
    t->kind = TOKEN_PUNCT;
    t->punct = c;
    scanner_advance(s, 1);
  } else {
    t->kind = TOKEN_BARE;
    scan_bare(s);
  }
  t->len = s->pos - t->offset;
}

static bool at_punct(const scanner *s, char c)
{
  return s->cur.kind == TOKEN_PUNCT && s->cur.punct == c;
}

/* Move past the value starting at the current token (a whole object or
 * array when it opens one). */
static void skip_value(scanner *s)
{
  int nesting = 0;
  do {
    if (at_punct(s, '{') || at_punct(s, '['))
      nesting++;
    else if (at_punct(s, '}') || at_punct(s, ']'))
      nesting--;
    scanner_next(s);
  } while (nesting > 0 && s->cur.kind != TOKEN_END);
}

/* Move to the `,` or the closing bracket that ends the current member or
 * element, over whatever tolerant input sits there (`$ADDTL_MOUNTS`). */
static void skip_to_separator(scanner *s, char close)
{
  while (s->cur.kind != TOKEN_END && !at_punct(s, ',') && !at_punct(s, close)) {
    if (at_punct(s, '}') || at_punct(s, ']'))
      return; /* unbalanced: let the caller stop */
    skip_value(s);
  }
}

/* The string token's content equals key (simple escapes decoded). */
static bool key_equals(const scanner *s, const token *t, const char *key)
{
  const char *p = s->text + t->offset + 1;
  const char *end = s->text + t->offset + t->len;
  if (end > p && end[-1] == '"')
    end--;
  size_t k = 0;
  while (p < end) {
    char c = *p++;
    if (c == '\\' && p < end) {
      const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
      const char *e = strchr(from, *p++);
      if (e == NULL)
        return false;
      c = to[e - from];
    }
    if (key[k++] != c)
      return false;
  }
  return key[k] == '\0';
}

static void set_value(sc_jsonpos *out, const token *t)
{
  out->value_line = t->line;
  out->value_col = t->col;
  out->value_offset = t->offset;
  out->value_len = t->len;
}

static size_t find_in_value(scanner *s, const sc_jsonpos_step *path, size_t depth, sc_jsonpos *out);

static size_t find_member(scanner *s, const sc_jsonpos_step *path, size_t depth, sc_jsonpos *out)
{
  scanner_next(s);
  while (s->cur.kind != TOKEN_END && !at_punct(s, '}') && !at_punct(s, ']')) {
    if (s->cur.kind == TOKEN_STRING) {
      token key = s->cur;
      scanner_next(s);
      if (at_punct(s, ':')) {
        scanner_next(s);
        if (key_equals(s, &key, path->key)) {
          out->key_line = key.line;
          out->key_col = key.col;
          return 1 + find_in_value(s, path + 1, depth - 1, out);
        }
      }
    }
    skip_to_separator(s, '}');
    if (at_punct(s, ','))
      scanner_next(s);
  }
  return 0;
}

static size_t find_element(scanner *s, const sc_jsonpos_step *path, size_t depth, sc_jsonpos *out)
{
  scanner_next(s);
  for (size_t i = 0; s->cur.kind != TOKEN_END && !at_punct(s, ']') && !at_punct(s, '}');) {
    if (i == path->index && !at_punct(s, ',')) {
      out->key_line = s->cur.line;
      out->key_col = s->cur.col;
      return 1 + find_in_value(s, path + 1, depth - 1, out);
    }
    skip_to_separator(s, ']');
    if (at_punct(s, ',')) {
      scanner_next(s);
      i++;
    }
  }
  return 0;
}

/* The current token starts a value: record it, then descend. */
static size_t find_in_value(scanner *s, const sc_jsonpos_step *path, size_t depth, sc_jsonpos *out)
{
  set_value(out, &s->cur);
  if (depth == 0)
    return 0;
  if (path->key && at_punct(s, '{'))
    return find_member(s, path, depth, out);
  if (path->key == NULL && at_punct(s, '['))
    return find_element(s, path, depth, out);
  return 0;
}

size_t sc_jsonpos_find(const char *text, size_t len, const sc_jsonpos_step *path, size_t depth,
                       sc_jsonpos *out)
{
  scanner s = {.text = text, .len = len, .line = 1, .col = 1};
  scanner_next(&s);
  *out = (sc_jsonpos){.key_line = s.cur.line, .key_col = s.cur.col};
  return find_in_value(&s, path, depth, out);
}

void sc_text_position(const char *text, size_t len, size_t offset, int *line, int *col)
{
  scanner s = {.text = text, .len = len, .line = 1, .col = 1};
  scanner_advance(&s, offset < len ? offset : len);
  *line = s.line;
  *col = s.col;
}
