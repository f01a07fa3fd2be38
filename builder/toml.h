/* toml.h: the subset of TOML v1.0 (toml.io/en/v1.0.0) that
 * containers-registries.conf(5) files use, read into a jansson tree:
 * comments; keys bare ([A-Za-z0-9_-]+), "basic" or 'literal', dotted;
 * values that are basic or literal strings, true/false, and arrays of those
 * (across lines, with a trailing comma); [tables] and [[arrays of tables]],
 * dotted too.  Anything else (numbers, dates, inline tables, multi-line
 * strings) is refused by name, so a file is never half understood.
 *
 * Debian 12 packages no C TOML parser, hence this one. */
#ifndef SC_TOML_H
#define SC_TOML_H

#include <stddef.h>
#include <jansson.h>
#include <sc/error.h>

/* Bounds on hostile input: the document, and how deep arrays and tables
 * nest. */
#define SC_TOML_MAX_SIZE (4 * 1024 * 1024)
#define SC_TOML_MAX_DEPTH 16

/* Parse len bytes of text: a JSON object (tables are objects, arrays of
 * tables arrays of objects), or NULL with err set to
 * "FILE:LINE:COL: what is wrong" (file names the input in messages). */
json_t *sc_toml_parse(const char *text, size_t len, const char *file, sc_error *err);

#endif
