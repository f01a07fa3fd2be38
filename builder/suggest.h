/* suggest.h: "did you mean" for a mistyped name (a command, a long
 * option), as git and cargo offer: the candidates nearest to the word by
 * Levenshtein distance, when they are close enough to be what was meant. */
#ifndef SC_SUGGEST_H
#define SC_SUGGEST_H

#include <stddef.h>

/* At most this many names are offered: several only when they tie. */
#define SC_SUGGEST_MAX 3

typedef struct sc_suggestions {
  const char *names[SC_SUGGEST_MAX]; /* borrowed from the candidates */
  size_t count;
} sc_suggestions;

/* The Levenshtein distance of a and b: insertions, deletions and
 * substitutions of one byte each. */
size_t sc_edit_distance(const char *a, const char *b);

/* The candidates nearest to word, among those close enough: within 2
 * edits while keeping a byte of the candidate (so "xy" is no "os"), or
 * candidates word begins (an abbreviation, ranked as 2 edits at most).
 * Ties are all given, those word begins first, then in their order.  None
 * when word is empty or one of the candidates. */
void sc_suggest(const char *word, const char *const *candidates, size_t count, sc_suggestions *out);

/* "; did you mean 'PREFIXa' or 'PREFIXb'?", or "" when there is none:
 * newly allocated, to append to an error message. */
char *sc_suggest_phrase(const sc_suggestions *s, const char *prefix);

#endif
