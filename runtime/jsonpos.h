/* jsonpos.h: where a key path sits in JSON-like text, for messages.
 *
 * config.json.template is not JSON before rendering (`[${CAPS}]`, a bare
 * `$ADDTL_MOUNTS` after the last array element), yet a diagnostic about
 * root.readonly must point into it.  This is a tolerant tokenizer (strings
 * with escapes, the punctuation {}[]:, and anything else as a bare token)
 * that walks objects and arrays just far enough to find a path.  It is a
 * locator, not a parser: jansson decides what is valid. */
#ifndef SC_JSONPOS_H
#define SC_JSONPOS_H

#include <stdbool.h>
#include <stddef.h>

/* One step of a path: an object key, or (key == NULL) an array index. */
typedef struct sc_jsonpos_step {
  const char *key;
  size_t index;
} sc_jsonpos_step;

#define SC_JSONPOS_KEY(k) ((sc_jsonpos_step){.key = (k), .index = 0})
#define SC_JSONPOS_INDEX(i) ((sc_jsonpos_step){.key = NULL, .index = (i)})

/* 1-based lines; 1-based columns in characters (UTF-8 code points). */
typedef struct sc_jsonpos {
  int key_line, key_col;     /* the key's opening quote; the value's position for an index */
  int value_line, value_col; /* the first character of the value */
  size_t value_offset;       /* byte offset of the value's first token */
  size_t value_len;          /* bytes of that token (a whole string with its quotes) */
} sc_jsonpos;

/* Look for path (depth steps) in text.  Returns how many steps were found:
 * depth when the whole path is there.  out describes the deepest element
 * found (the top-level value when none was), so that a message about a
 * missing key can still point at its parent. */
size_t sc_jsonpos_find(const char *text, size_t len, const sc_jsonpos_step *path, size_t depth,
                       sc_jsonpos *out);

/* Line and column of a byte offset in text (offset clamped to len). */
void sc_text_position(const char *text, size_t len, size_t offset, int *line, int *col);

#endif
