/* suggest.c: nearest names for "did you mean" (suggest.h). */
#include "suggest.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static size_t min3(size_t a, size_t b, size_t c)
{
  size_t m = a < b ? a : b;
  return m < c ? m : c;
}

/* One row of the dynamic-programming table at a time: names are short,
 * but nothing bounds what a user types. */
size_t sc_edit_distance(const char *a, const char *b)
{
  size_t la = strlen(a), lb = strlen(b);
  size_t *row = xcalloc(lb + 1, sizeof *row);
  for (size_t j = 0; j <= lb; j++)
    row[j] = j;
  for (size_t i = 1; i <= la; i++) {
    size_t diagonal = row[0]; /* row i-1, column j-1 */
    row[0] = i;
    for (size_t j = 1; j <= lb; j++) {
      size_t above = row[j];
      size_t substitute = diagonal + (a[i - 1] != b[j - 1]);
      row[j] = min3(above + 1, row[j - 1] + 1, substitute);
      diagonal = above;
    }
  }
  size_t d = row[lb];
  free(row);
  return d;
}

static bool is_beginning(const char *word, const char *candidate)
{
  return strncmp(word, candidate, strlen(word)) == 0;
}

/* How far word is from candidate for a suggestion, or SIZE_MAX when too
 * far to offer: a typo of a couple of bytes that leaves some of the name,
 * or the beginning of the name (an abbreviation), which counts as two
 * edits at most so that "insp" offers "inspect" beside "init". */
static size_t rank(const char *word, const char *candidate)
{
  size_t d = sc_edit_distance(word, candidate);
  if (is_beginning(word, candidate))
    return d < 2 ? d : 2;
  return d <= 2 && d < strlen(candidate) ? d : SIZE_MAX;
}

static void add(sc_suggestions *out, const char *name)
{
  if (out->count < SC_SUGGEST_MAX)
    out->names[out->count++] = name;
}

void sc_suggest(const char *word, const char *const *candidates, size_t count, sc_suggestions *out)
{
  out->count = 0;
  size_t best = SIZE_MAX;
  for (size_t i = 0; i < count && word[0] != '\0'; i++) {
    size_t r = rank(word, candidates[i]);
    if (strcmp(word, candidates[i]) == 0)
      return; /* the word is a name: nothing to suggest */
    best = r < best ? r : best;
  }
  if (best == SIZE_MAX)
    return;
  /* The beginnings first: what the word abbreviates before its typos. */
  for (int pass = 0; pass < 2; pass++)
    for (size_t i = 0; i < count; i++)
      if (rank(word, candidates[i]) == best && is_beginning(word, candidates[i]) == (pass == 0))
        add(out, candidates[i]);
}

char *sc_suggest_phrase(const sc_suggestions *s, const char *prefix)
{
  if (s->count == 0)
    return xstrdup("");
  char *text = xasprintf("; did you mean '%s%s'", prefix, s->names[0]);
  for (size_t i = 1; i < s->count; i++) {
    char *longer =
        xasprintf("%s%s '%s%s'", text, i + 1 == s->count ? " or" : ",", prefix, s->names[i]);
    free(text);
    text = longer;
  }
  char *done = xasprintf("%s?", text);
  free(text);
  return done;
}
