/* value-syntax.h: values are data, in the syntax of the file they land in.
 *
 * sc_template_render feeds a tracker the rendered text as it is produced:
 * the template's own text with syntax_feed_text, each value with
 * syntax_feed_value.  The tracker follows the syntax of a systemd unit
 * (systemd.syntax(7), systemd.service(5)) or a tmpfiles.d(5) file and
 * refuses a value that would change the file's structure: add or remove a
 * line, a field, a directive or an Exec command, continue a line, turn a
 * line into a comment, or form a specifier.  Install and validate both
 * render through sc_template_render, so they refuse the same values.  The
 * rules are listed in docs/templates.md, "Values are data". */
#ifndef SC_VALUE_SYNTAX_H
#define SC_VALUE_SYNTAX_H

#include <stdbool.h>
#include <stddef.h>
#include <sc/error.h>
#include <sc/template.h>

typedef enum { SYNTAX_NONE, SYNTAX_UNIT, SYNTAX_TMPFILES } syntax_kind;

/* The placeholder a value came from, for messages. */
typedef struct value_origin {
  const char *name; /* points into the template, name_len bytes */
  size_t name_len;
  int line, col;
} value_origin;

typedef enum { PHYS_START, PHYS_COMMENT, PHYS_CONTENT } phys_state;
typedef enum { PART_KEY, PART_SECTION, PART_VALUE } unit_part;
typedef enum { WORDS_NONE, WORDS_EXEC, WORDS_ENVIRONMENT, WORDS_TMPFILES } words_kind;

/* A sign that pairs with itself: `%%` is a percent sign, `%n` a specifier
 * (systemd.unit(5)); `$$` is a dollar sign, `$NAME` a variable in Exec
 * lines (systemd.service(5)). */
typedef struct sign_state {
  bool pending;    /* an unpaired sign precedes */
  bool from_value; /* ... and a value wrote it */
  bool closed;     /* ... as its last character */
  value_origin origin;
} sign_state;

typedef struct syntax_tracker {
  syntax_kind kind;
  const char *file;
  phys_state phys; /* of the physical line */
  bool continued;  /* unit: the logical line goes on after this physical line */
  unit_part part;  /* unit: in the key, the value or a [Section] header */
  char key[32];    /* unit: the key, to tell Exec and Environment lines */
  size_t key_len;
  words_kind words; /* how the current text splits into words; NONE: it does not */
  int field;        /* tmpfiles: index of the current field; 6 is the argument */
  char quote;       /* 0, '\'' or '"' */
  bool escaped;     /* an unpaired backslash precedes */
  bool escape_from_value;
  bool in_word;
  size_t word_len;
  bool word_is_semicolon; /* the raw word is an unquoted, unescaped `;` */
  bool word_from_value;   /* a value gave the word a character or its separator */
  value_origin word_origin;
  bool space_from_value; /* the last separator before the word came from a value */
  value_origin space_origin;
  sign_state percent, dollar;
  bool empty_pending; /* tmpfiles: an empty value stood where a field starts */
  value_origin empty_origin;
  value_origin current; /* the value being fed */
} syntax_tracker;

/* The syntax that render flags ask for (SC_TEMPLATE_UNIT_VALUES,
 * SC_TEMPLATE_TMPFILES_VALUES), or SYNTAX_NONE. */
syntax_kind syntax_for_flags(unsigned flags);
void syntax_init(syntax_tracker *t, syntax_kind kind, const char *file);
/* The template's own text (a `$$` as the `$` it renders to). */
int syntax_feed_text(syntax_tracker *t, const char *text, size_t len, sc_error *err);
/* A value substituted at the placeholder ph. */
int syntax_feed_value(syntax_tracker *t, const sc_placeholder *ph, const char *value, size_t len,
                      sc_error *err);
/* The end of the text. */
int syntax_finish(syntax_tracker *t, sc_error *err);

#endif
