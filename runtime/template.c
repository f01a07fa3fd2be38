/* template.c: Python string.Template semantics (docs/design.md section 2). */
#include <sc/template.h>

#include <stdlib.h>
#include <string.h>

#include "template-internal.h"
#include "util.h"
#include "value-syntax.h"

typedef enum { TOKEN_TEXT, TOKEN_DOLLAR, TOKEN_PLACEHOLDER, TOKEN_END } token_kind;

typedef struct token {
  token_kind kind;
  const char *start; /* TOKEN_TEXT: the literal text */
  size_t len;
  sc_placeholder placeholder; /* TOKEN_PLACEHOLDER */
} token;

typedef struct lexer {
  const char *text;
  size_t len;
  size_t pos;
  int line; /* of text[pos] */
  int col;
} lexer;

static bool is_ident_start(char c)
{
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool is_ident_char(char c)
{
  return is_ident_start(c) || (c >= '0' && c <= '9');
}

bool sc_template_is_identifier(const char *name, size_t len)
{
  if (len == 0 || !is_ident_start(name[0]))
    return false;
  for (size_t i = 1; i < len; i++)
    if (!is_ident_char(name[i]))
      return false;
  return true;
}

/* Move over n bytes, keeping line and column (columns count UTF-8 code
 * points: continuation bytes 10xxxxxx do not start a character). */
static void lexer_advance(lexer *lx, size_t n)
{
  for (size_t i = 0; i < n && lx->pos < lx->len; i++) {
    unsigned char c = (unsigned char)lx->text[lx->pos++];
    if (c == '\n') {
      lx->line++;
      lx->col = 1;
    } else if ((c & 0xC0) != 0x80) {
      lx->col++;
    }
  }
}

static size_t ident_length(const lexer *lx, size_t at)
{
  if (at >= lx->len || !is_ident_start(lx->text[at]))
    return 0;
  size_t n = 1;
  while (at + n < lx->len && is_ident_char(lx->text[at + n]))
    n++;
  return n;
}

/* Read the `$...` construct at lx->pos into tok. */
static void lex_dollar(lexer *lx, token *tok)
{
  sc_placeholder *ph = &tok->placeholder;
  *ph = (sc_placeholder){
      .kind = SC_PLACEHOLDER_INVALID, .offset = lx->pos, .line = lx->line, .col = lx->col};
  size_t next = lx->pos + 1;
  if (next < lx->len && lx->text[next] == '$') {
    tok->kind = TOKEN_DOLLAR;
    lexer_advance(lx, 2);
    return;
  }
  tok->kind = TOKEN_PLACEHOLDER;
  size_t n = ident_length(lx, next);
  if (n > 0) {
    ph->kind = SC_PLACEHOLDER_VARIABLE;
    ph->name = lx->text + next;
    ph->name_len = n;
    lexer_advance(lx, 1 + n);
    return;
  }
  if (next < lx->len && lx->text[next] == '{') {
    n = ident_length(lx, next + 1);
    if (n > 0 && next + 1 + n < lx->len && lx->text[next + 1 + n] == '}') {
      ph->kind = SC_PLACEHOLDER_VARIABLE;
      ph->name = lx->text + next + 1;
      ph->name_len = n;
      ph->braced = true;
      lexer_advance(lx, 3 + n);
      return;
    }
  }
  /* Invalid: Python stops here; callers stop at the first invalid one
   * when rendering, and skip the lone `$` when scanning. */
  lexer_advance(lx, 1);
}

static void lexer_next(lexer *lx, token *tok)
{
  if (lx->pos >= lx->len) {
    tok->kind = TOKEN_END;
    return;
  }
  if (lx->text[lx->pos] == '$') {
    lex_dollar(lx, tok);
    return;
  }
  const char *dollar = memchr(lx->text + lx->pos, '$', lx->len - lx->pos);
  size_t end = dollar ? (size_t)(dollar - lx->text) : lx->len;
  tok->kind = TOKEN_TEXT;
  tok->start = lx->text + lx->pos;
  tok->len = end - lx->pos;
  lexer_advance(lx, tok->len);
}

int sc_template_scan(const char *text, size_t len, sc_placeholder_fn fn, void *user)
{
  lexer lx = {.text = text, .len = len, .line = 1, .col = 1};
  for (;;) {
    token tok = {0};
    lexer_next(&lx, &tok);
    if (tok.kind == TOKEN_END)
      return 0;
    if (tok.kind != TOKEN_PLACEHOLDER)
      continue;
    int r = fn(&tok.placeholder, user);
    if (r != 0)
      return r;
  }
}

static bool value_adds_line(const char *value)
{
  return strpbrk(value, "\n\r") != NULL;
}

static bool value_breaks_json_string(const char *value)
{
  for (const unsigned char *p = (const unsigned char *)value; *p; p++)
    if (*p == '"' || *p == '\\' || *p < 0x20)
      return true;
  return false;
}

/* Follow whether the rendered text so far ends inside a JSON string.  It is
 * fed the output (literal text and values alike), so that a backslash just
 * before a placeholder escapes the value's first character, not the quote
 * after it, and a raw value holding quotes moves the state as it will for
 * the JSON parser. */
static void track_json_string(const char *text, size_t len, bool *in_string, bool *escaped)
{
  for (size_t i = 0; i < len; i++) {
    if (*escaped)
      *escaped = false;
    else if (*in_string && text[i] == '\\')
      *escaped = true;
    else if (text[i] == '"')
      *in_string = !*in_string;
  }
}

static int render_placeholder(const sc_placeholder *ph, const char *file, const sc_values *values,
                              unsigned flags, bool in_json_string, sc_buf *out, sc_error *err)
{
  if (ph->kind == SC_PLACEHOLDER_INVALID)
    return sc_error_set_at(err, SC_E_INVALID, file, ph->line, ph->col,
                           "invalid placeholder: `$` must be followed by a name, `{name}` or "
                           "`$` (write `$$` for a literal dollar sign)");
  _cleanup_free_ char *name = xstrndup(ph->name, ph->name_len);
  const char *value = sc_values_get(values, name);
  if (value == NULL)
    return sc_error_set_at(err, SC_E_INVALID, file, ph->line, ph->col,
                           "undefined variable '%s': give it a default in manifest.json "
                           "defaultValues or a value with --set %s=VALUE",
                           name, name);
  if ((flags & SC_TEMPLATE_SINGLE_LINE_VALUES) && value_adds_line(value))
    return sc_error_set_at(err, SC_E_INVALID, file, ph->line, ph->col,
                           "the value of '%s' contains a line break, which would add a line "
                           "to %s: values are data, not file syntax",
                           name, file ? file : "the file");
  if ((flags & SC_TEMPLATE_JSON_STRING_VALUES) && in_json_string && value_breaks_json_string(value))
    return sc_error_set_at(err, SC_E_INVALID, file, ph->line, ph->col,
                           "the value of '%s' would break out of its JSON string in %s (it holds "
                           "a quote, a backslash or a control character): values are data, not "
                           "JSON syntax",
                           name, file ? file : "the file");
  sc_buf_puts(out, value);
  return 0;
}

/* Append one token to buf and show it to the syntax tracker. */
static int render_token(const token *tok, const char *file, const sc_values *values, unsigned flags,
                        bool in_json_string, syntax_tracker *syn, sc_buf *buf, sc_error *err)
{
  size_t from = buf->len;
  if (tok->kind == TOKEN_TEXT)
    sc_buf_append(buf, tok->start, tok->len);
  else if (tok->kind == TOKEN_DOLLAR)
    sc_buf_putc(buf, '$');
  else if (render_placeholder(&tok->placeholder, file, values, flags, in_json_string, buf, err) < 0)
    return -1;
  const char *added = buf->len > from ? buf->data + from : "";
  if (tok->kind == TOKEN_PLACEHOLDER)
    return syntax_feed_value(syn, &tok->placeholder, added, buf->len - from, err);
  return syntax_feed_text(syn, added, buf->len - from, err);
}

int sc_template_render(const char *text, size_t len, const char *file, const sc_values *values,
                       unsigned flags, char **out, size_t *out_len, sc_error *err)
{
  lexer lx = {.text = text, .len = len, .line = 1, .col = 1};
  sc_buf buf = SC_BUF_INIT;
  bool in_string = false, escaped = false;
  syntax_tracker syn;
  syntax_init(&syn, syntax_for_flags(flags), file);
  for (;;) {
    token tok = {0};
    lexer_next(&lx, &tok);
    if (tok.kind == TOKEN_END)
      break;
    size_t rendered_from = buf.len;
    if (render_token(&tok, file, values, flags, in_string, &syn, &buf, err) < 0) {
      sc_buf_free(&buf);
      return -1;
    }
    if ((flags & SC_TEMPLATE_JSON_STRING_VALUES) && buf.len > rendered_from)
      track_json_string(buf.data + rendered_from, buf.len - rendered_from, &in_string, &escaped);
  }
  if (syntax_finish(&syn, err) < 0) {
    sc_buf_free(&buf);
    return -1;
  }
  if (out_len)
    *out_len = buf.len;
  *out = sc_buf_steal(&buf);
  return 0;
}

/* ---- from a rendered offset back to the template ---- */

typedef struct offset_map {
  const char *text;
  const sc_values *values;
  size_t target;  /* byte offset in the rendered text */
  size_t tpos;    /* template offset reached */
  size_t rpos;    /* rendered offset reached */
  size_t result;  /* template offset of target */
  char *variable; /* target fell inside this variable's value */
  bool found;
} offset_map;

/* Walk literal template text up to `end`, where `$$` renders as `$`. */
static bool map_literal(offset_map *m, size_t end)
{
  while (m->tpos < end) {
    if (m->rpos == m->target) {
      m->result = m->tpos;
      return m->found = true;
    }
    m->tpos += m->text[m->tpos] == '$' && m->tpos + 1 < end ? 2 : 1;
    m->rpos++;
  }
  return false;
}

static int map_placeholder(const sc_placeholder *ph, void *user)
{
  offset_map *m = user;
  if (map_literal(m, ph->offset))
    return 1;
  _cleanup_free_ char *name = xstrndup(ph->name, ph->name_len);
  const char *value = sc_values_get(m->values, name);
  size_t vlen = value ? strlen(value) : 0;
  if (m->target < m->rpos + vlen) {
    m->result = ph->offset;
    m->variable = steal_pointer(&name);
    m->found = true;
    return 1;
  }
  m->rpos += vlen;
  m->tpos = ph->offset + ph->name_len + (ph->braced ? 3 : 1);
  return 0;
}

size_t sc_template_source_offset(const char *text, size_t len, const sc_values *values,
                                 size_t rendered_offset, char **variable)
{
  offset_map m = {.text = text, .values = values, .target = rendered_offset};
  if (sc_template_scan(text, len, map_placeholder, &m) == 0 && !map_literal(&m, len))
    m.result = len;
  if (variable)
    *variable = m.variable;
  else
    free(m.variable);
  return m.result;
}

/* ---- accessors of the opaque handle (sc/template.h) ---- */

sc_placeholder_kind sc_placeholder_kind_of(const sc_placeholder *placeholder)
{
  return placeholder->kind;
}

const char *sc_placeholder_name(const sc_placeholder *placeholder)
{
  return placeholder->name;
}

size_t sc_placeholder_name_len(const sc_placeholder *placeholder)
{
  return placeholder->name_len;
}

bool sc_placeholder_braced(const sc_placeholder *placeholder)
{
  return placeholder->braced;
}

size_t sc_placeholder_offset(const sc_placeholder *placeholder)
{
  return placeholder->offset;
}

int sc_placeholder_line(const sc_placeholder *placeholder)
{
  return placeholder->line;
}

int sc_placeholder_col(const sc_placeholder *placeholder)
{
  return placeholder->col;
}
