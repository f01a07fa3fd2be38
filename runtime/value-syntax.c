/* value-syntax.c: refuse values that would change the structure of a unit
 * or tmpfiles.d file (value-syntax.h; rules in docs/templates.md).
 *
 * The tracker reads the rendered text one character at a time, as
 * systemd 252 (Debian 12) reads it:
 * - both: a line ends at `\n` or `\r` (read_line(), src/basic/fileio.c);
 *   `%` starts a specifier, `%%` is a percent sign (systemd.unit(5)
 *   SPECIFIERS, tmpfiles.d(5) SPECIFIERS): an unknown one makes systemd
 *   drop the directive or the line.
 * - unit (systemd.syntax(7)): a line whose first non-blank character is
 *   `#` or `;` is a comment, also inside a continued line; a line ending in
 *   an unpaired backslash goes on on the next line; a line is `[Section]` or
 *   `Key=value`.  Exec lines (systemd.service(5) COMMAND LINES) split into
 *   words at unquoted whitespace, with quotes and backslash escapes; a word
 *   that is a lone unquoted `;` starts another command; `$NAME` and
 *   `${NAME}` are environment variables, `$$` a dollar sign.
 *   Environment= splits the same way into assignments (systemd.exec(5)).
 * - tmpfiles.d(5): a line whose first non-blank character is `#` is a
 *   comment; the first six fields split at unquoted whitespace with quotes
 *   and backslash escapes (extract_many_words(..., EXTRACT_UNQUOTE |
 *   EXTRACT_CUNESCAPE) in src/tmpfiles/tmpfiles.c); the argument is the
 *   rest of the line; there are no continuation lines. */
#include "value-syntax.h"
#include "template-internal.h"

#include <string.h>

#include "util.h"

enum { TMPFILES_ARGUMENT = 6 };

#define EMPTY_FIELD "it is empty where a field starts, so the fields after it move"

static const char *const exec_keys[] = {
    "ExecCondition", "ExecStartPre", "ExecStart",    "ExecStartPost",
    "ExecReload",    "ExecStop",     "ExecStopPost", NULL,
};

syntax_kind syntax_for_flags(unsigned flags)
{
  if (flags & SC_TEMPLATE_UNIT_VALUES)
    return SYNTAX_UNIT;
  if (flags & SC_TEMPLATE_TMPFILES_VALUES)
    return SYNTAX_TMPFILES;
  return SYNTAX_NONE;
}

void syntax_init(syntax_tracker *t, syntax_kind kind, const char *file)
{
  *t = (syntax_tracker){.kind = kind, .file = file};
}

static bool is_blank(char c)
{
  return c == ' ' || c == '\t';
}

/* What a value may hold in a key or a section name: enough for `X-$NAME`,
 * never `=`, `[`, `]`, a blank or a comment sign. */
static bool is_name_char(char c)
{
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         (c != '\0' && strchr("-_.:@", c) != NULL);
}

/* "the value of 'X' would EFFECT in FILE line N: REASON". */
static int refuse(const syntax_tracker *t, const value_origin *o, const char *effect,
                  const char *reason, sc_error *err)
{
  return sc_error_set_at(err, SC_E_INVALID, t->file, o->line, o->col,
                         "the value of '%.*s' would %s in %s line %d: %s. A value is data, not "
                         "%s syntax: choose another value",
                         (int)o->name_len, o->name, effect, t->file ? t->file : "the file", o->line,
                         reason, t->kind == SYNTAX_UNIT ? "unit file" : "tmpfiles.d");
}

/* `%` and `$` (sign): a pair is the sign itself; a single one followed by
 * a blank or the end of the line stays as it is; followed by anything else
 * it makes a specifier or a variable, which no value may start or finish. */
static int sign_char(syntax_tracker *t, sign_state *s, char sign, char c, bool v,
                     const char *effect, const char *reason, sc_error *err)
{
  if (s->pending) {
    s->pending = false;
    if (c == sign && v == s->from_value && !s->closed)
      return 0;
    if (is_blank(c))
      return 0;
    if (v)
      return refuse(t, &t->current, effect, reason, err);
    if (s->from_value)
      return refuse(t, &s->origin, effect, reason, err);
    return 0; /* the template's own specifier */
  }
  if (c == sign)
    *s = (sign_state){.pending = true, .from_value = v, .origin = t->current};
  return 0;
}

static void word_add(syntax_tracker *t, char c, bool v, bool may_separate)
{
  if (!t->in_word) {
    t->in_word = true;
    t->word_len = 0;
    t->word_from_value = t->space_from_value;
    t->word_origin = t->space_origin;
  }
  t->word_len++;
  t->word_is_semicolon = t->word_len == 1 && may_separate && c == ';';
  if (v) {
    t->word_from_value = true;
    t->word_origin = t->current;
  }
}

/* A word ends at a blank (v: a value's) or at the end of the line. */
static int word_end(syntax_tracker *t, bool v, sc_error *err)
{
  if (!t->in_word)
    return 0;
  t->in_word = false;
  if (t->words == WORDS_EXEC && t->word_is_semicolon && (t->word_from_value || v))
    return refuse(t, t->word_from_value ? &t->word_origin : &t->current,
                  "add a command to the Exec line",
                  "a lone `;` word separates commands (systemd.service(5))", err);
  if (t->words == WORDS_TMPFILES && ++t->field >= TMPFILES_ARGUMENT)
    t->words = WORDS_NONE; /* the argument: the rest of the line */
  return 0;
}

static int blank_in_words(syntax_tracker *t, bool v, sc_error *err)
{
  if (v && t->words == WORDS_ENVIRONMENT)
    return refuse(t, &t->current, "add an assignment to Environment=",
                  "unquoted blanks separate assignments (systemd.exec(5))", err);
  if (v && t->words == WORDS_TMPFILES)
    return refuse(t, &t->current, "add a field",
                  "unquoted blanks separate tmpfiles.d fields (tmpfiles.d(5))", err);
  t->space_from_value = v;
  t->space_origin = t->current;
  return word_end(t, v, err);
}

static int words_char(syntax_tracker *t, char c, bool v, sc_error *err)
{
  if (t->escaped) {
    t->escaped = false;
    word_add(t, c, v, false);
  } else if (c == '\\') {
    t->escaped = true;
    t->escape_from_value = v;
    word_add(t, c, v, false);
  } else if (t->quote) {
    if (c == t->quote)
      t->quote = 0;
    word_add(t, c, v, false);
  } else if (is_blank(c)) {
    return blank_in_words(t, v, err);
  } else {
    if (c == '"' || c == '\'')
      t->quote = c;
    word_add(t, c, v, true);
  }
  return 0;
}

/* A unit value, a tmpfiles field or argument. */
static int value_char(syntax_tracker *t, char c, bool v, sc_error *err)
{
  if (sign_char(t, &t->percent, '%', c, v, "form a specifier",
                "systemd replaces `%` and the character after it (systemd.unit(5), "
                "tmpfiles.d(5)); write `%%` for a percent sign",
                err) < 0)
    return -1;
  if (t->words == WORDS_EXEC &&
      sign_char(t, &t->dollar, '$', c, v, "reference an environment variable",
                "systemd replaces `$NAME` in an Exec line (systemd.service(5)); write `$$` for "
                "a dollar sign",
                err) < 0)
    return -1;
  if (t->words != WORDS_NONE)
    return words_char(t, c, v, err);
  if (t->escaped) {
    t->escaped = false;
  } else if (c == '\\') {
    t->escaped = true;
    t->escape_from_value = v;
  }
  return 0;
}

static words_kind words_for_key(const char *key)
{
  for (size_t i = 0; exec_keys[i]; i++)
    if (strcmp(key, exec_keys[i]) == 0)
      return WORDS_EXEC;
  return strcmp(key, "Environment") == 0 ? WORDS_ENVIRONMENT : WORDS_NONE;
}

static int unit_char(syntax_tracker *t, char c, bool v, sc_error *err)
{
  switch (t->part) {
  case PART_SECTION:
    if (v && !is_name_char(c))
      return refuse(t, &t->current, "change the section header",
                    "a value there may hold only letters, digits and `-_.:@`", err);
    return 0;
  case PART_KEY:
    if (v && !is_name_char(c))
      return refuse(t, &t->current, "change the key of the line",
                    "a value there may hold only letters, digits and `-_.:@`", err);
    if (c == '=') {
      t->key[t->key_len] = '\0';
      t->part = PART_VALUE;
      t->words = words_for_key(t->key);
    } else if (!is_blank(c) && t->key_len < sizeof t->key - 1) {
      t->key[t->key_len++] = c;
    }
    return 0;
  case PART_VALUE:
    return value_char(t, c, v, err);
  }
  return 0;
}

/* The first character that is not blank on a physical line. */
static int line_start(syntax_tracker *t, char c, bool v, sc_error *err)
{
  if (c == '#' || (t->kind == SYNTAX_UNIT && c == ';')) {
    if (v)
      return refuse(t, &t->current, "turn the line into a comment",
                    t->kind == SYNTAX_UNIT
                        ? "a line beginning with `#` or `;` is one (systemd.syntax(7))"
                        : "a line beginning with `#` is one (tmpfiles.d(5))",
                    err);
    t->phys = PHYS_COMMENT;
    return 0;
  }
  t->phys = PHYS_CONTENT;
  if (t->kind == SYNTAX_TMPFILES) {
    t->words = WORDS_TMPFILES;
    t->field = 0;
  } else if (!t->continued) {
    t->part = c == '[' ? PART_SECTION : PART_KEY;
    t->key_len = 0;
  }
  return 0;
}

static int end_line(syntax_tracker *t, sc_error *err)
{
  if (t->empty_pending)
    return refuse(t, &t->empty_origin, "remove a field", EMPTY_FIELD, err);
  if (t->phys == PHYS_COMMENT) {
    t->phys = PHYS_START; /* a comment neither continues nor ends a continued line */
    return 0;
  }
  bool continues =
      t->kind == SYNTAX_UNIT && t->phys == PHYS_CONTENT && t->part == PART_VALUE && t->escaped;
  t->escaped = false; /* the backslash becomes a blank, which ends a word */
  if (word_end(t, false, err) < 0)
    return -1;
  t->percent.pending = t->dollar.pending = false;
  t->space_from_value = false;
  t->phys = PHYS_START;
  t->continued = continues;
  if (!continues) {
    t->words = WORDS_NONE;
    t->quote = 0;
  }
  return 0;
}

static int feed_char(syntax_tracker *t, char c, bool v, sc_error *err)
{
  if (c == '\n' || c == '\r')
    return end_line(t, err);
  if (t->empty_pending) {
    if (is_blank(c))
      return refuse(t, &t->empty_origin, "remove a field", EMPTY_FIELD, err);
    t->empty_pending = false;
  }
  if (t->phys == PHYS_COMMENT || (t->phys == PHYS_START && is_blank(c)))
    return 0;
  if (t->phys == PHYS_START && line_start(t, c, v, err) < 0)
    return -1;
  if (t->phys == PHYS_COMMENT)
    return 0;
  return t->kind == SYNTAX_UNIT ? unit_char(t, c, v, err) : value_char(t, c, v, err);
}

int syntax_feed_text(syntax_tracker *t, const char *text, size_t len, sc_error *err)
{
  for (size_t i = 0; t->kind != SYNTAX_NONE && i < len; i++)
    if (feed_char(t, text[i], false, err) < 0)
      return -1;
  return 0;
}

/* Where an empty value would leave a tmpfiles field out. */
static bool at_field_start(const syntax_tracker *t)
{
  if (t->kind != SYNTAX_TMPFILES)
    return false;
  return t->phys == PHYS_START ||
         (t->phys == PHYS_CONTENT && t->words == WORDS_TMPFILES && !t->in_word && !t->quote);
}

int syntax_feed_value(syntax_tracker *t, const sc_placeholder *ph, const char *value, size_t len,
                      sc_error *err)
{
  if (t->kind == SYNTAX_NONE)
    return 0;
  t->current = (value_origin){ph->name, ph->name_len, ph->line, ph->col};
  if (memchr(value, '\n', len) || memchr(value, '\r', len))
    return refuse(t, &t->current, "add a line", "it contains a line break", err);
  if (len == 0 && at_field_start(t) && !t->empty_pending) {
    t->empty_pending = true;
    t->empty_origin = t->current;
  }
  char quote = t->quote; /* quotes change only where the line splits into words */
  for (size_t i = 0; i < len; i++)
    if (feed_char(t, value[i], true, err) < 0)
      return -1;
  if (t->escaped && t->escape_from_value)
    return refuse(t, &t->current,
                  t->kind == SYNTAX_UNIT ? "continue the line or escape the character after it"
                                         : "escape the character after it",
                  "it ends in a backslash", err);
  if (t->quote != quote)
    return refuse(t, &t->current, "change how the rest of the line splits into words",
                  "it opens or closes a quote", err);
  t->percent.closed = t->percent.pending && t->percent.from_value;
  t->dollar.closed = t->dollar.pending && t->dollar.from_value;
  return 0;
}

int syntax_finish(syntax_tracker *t, sc_error *err)
{
  return t->kind == SYNTAX_NONE ? 0 : end_line(t, err);
}
