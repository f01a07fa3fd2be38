/* sc/template.h: the template language of system-container images.
 *
 * Python's string.Template, as atomic renders /exports/ *.template files:
 * `$NAME` and `${NAME}` substitute, `$$` is a literal `$`, and an
 * identifier is [A-Za-z_][A-Za-z0-9_]*.  A `$` followed by anything else is
 * an error ("bad placeholder"), and so is a variable with no value.
 * Positions are 1-based lines and 1-based columns counted in characters
 * (UTF-8 code points), as GCC reports them. */
#ifndef SC_TEMPLATE_H
#define SC_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <sc/error.h>
#include <sc/values.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  SC_PLACEHOLDER_VARIABLE, /* $NAME or ${NAME} */
  SC_PLACEHOLDER_INVALID,  /* a `$` not followed by `$`, an identifier or {identifier} */
} sc_placeholder_kind;

/* A placeholder found by sc_template_scan: an opaque handle (sc/runtime.h)
 * valid during the callback it is passed to. */
typedef struct sc_placeholder sc_placeholder;

SC_PUBLIC sc_placeholder_kind sc_placeholder_kind_of(const sc_placeholder *placeholder);
/* The variable's name: it points into the template, sc_placeholder_name_len
 * bytes long, not NUL-terminated (0 bytes for SC_PLACEHOLDER_INVALID). */
SC_PUBLIC const char *sc_placeholder_name(const sc_placeholder *placeholder);
SC_PUBLIC size_t sc_placeholder_name_len(const sc_placeholder *placeholder);
/* Written ${NAME}. */
SC_PUBLIC bool sc_placeholder_braced(const sc_placeholder *placeholder);
/* The byte offset of the `$` in the template, and its line and column. */
SC_PUBLIC size_t sc_placeholder_offset(const sc_placeholder *placeholder);
SC_PUBLIC int sc_placeholder_line(const sc_placeholder *placeholder);
SC_PUBLIC int sc_placeholder_col(const sc_placeholder *placeholder);

/* Called for each placeholder in order; a non-zero return stops the scan
 * and is returned by sc_template_scan. */
typedef int (*sc_placeholder_fn)(const sc_placeholder *placeholder, void *user);

SC_PUBLIC int sc_template_scan(const char *text, size_t len, sc_placeholder_fn fn, void *user);

enum {
  /* Refuse values that would add a line (newline, carriage return): for
   * one-line texts such as renameFiles paths.  Unit and tmpfiles files take
   * the stricter SC_TEMPLATE_UNIT_VALUES and SC_TEMPLATE_TMPFILES_VALUES. */
  SC_TEMPLATE_SINGLE_LINE_VALUES = 1u << 0,
  /* For config.json.template: a value placed inside a JSON string literal
   * of the template must not end the string or hold control characters
   * (`"`, `\`, below U+0020), so that it cannot add JSON keys.  Values
   * outside strings stay raw: `[${ALL_PROCESS_CAPABILITIES}]`. */
  SC_TEMPLATE_JSON_STRING_VALUES = 1u << 1,
  /* For service.template: a value must not add or remove a line or a
   * directive, continue a line, add a command to an Exec line or an
   * assignment to Environment=, or form a specifier (systemd.syntax(7),
   * systemd.service(5), systemd.unit(5)).  Rules: docs/templates.md. */
  SC_TEMPLATE_UNIT_VALUES = 1u << 2,
  /* For tmpfiles.template: a value must not add or remove a field or a line,
   * turn a line into a comment, or form a specifier (tmpfiles.d(5)). */
  SC_TEMPLATE_TMPFILES_VALUES = 1u << 3,
};

/* Render text (read from `file`, used in messages) with values.  On
 * success *out is a newly allocated NUL-terminated string of *out_len bytes.
 * On the first problem, err names the file, the line and column of the
 * placeholder and the variable. */
SC_PUBLIC int sc_template_render(const char *text, size_t len, const char *file,
                                 const sc_values *values, unsigned flags, char **out,
                                 size_t *out_len, sc_error *err);

/* Where the byte at rendered_offset of text rendered with values comes
 * from: the template offset of the literal text there, or of the
 * placeholder whose value holds it (its name in *variable, newly
 * allocated, else NULL; variable may be NULL).  For messages about the
 * rendered text (a JSON error) that must point into the template. */
SC_PUBLIC size_t sc_template_source_offset(const char *text, size_t len, const sc_values *values,
                                           size_t rendered_offset, char **variable);

/* True when name is a valid template identifier. */
SC_PUBLIC bool sc_template_is_identifier(const char *name, size_t len);

#ifdef __cplusplus
}
#endif
#endif
