/* fuzz-template.c: libFuzzer target for the template engine.
 *
 * Scans and renders arbitrary bytes with a small fixed value set and every
 * combination of flags, and checks that scan and render agree: a render
 * succeeds exactly when scan finds no invalid placeholder and no undefined
 * variable, and a failed render reports the line and column of the first
 * such placeholder.  Any crash, leak, sanitizer report or abort() is a
 * finding. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sc/template.h>
#include <sc/values.h>
#include "template-internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sc_values *fuzz_values(void)
{
  static sc_values *values;
  if (values == NULL) {
    /* Built once and kept for the whole run (not a leak: still reachable). */
    values = sc_values_new();
    sc_values_set(values, "X", "x");
    sc_values_set(values, "NAME", "hello-world");
    sc_values_set(values, "EMPTY", "");
    sc_values_set(values, "DOLLAR", "$X ${X} $$");
    sc_values_set(values, "NL", "a\nb");
    sc_values_set(values, "CR", "a\rb");
    sc_values_set(values, "QUOTE", "\", \"k\": \"");
    sc_values_set(values, "BS", "\\");
    sc_values_set(values, "CAPS", "\"CAP_CHOWN\",\n\"CAP_KILL\"\n");
    sc_values_set(values, "UTF8", "h\xc3\xa9llo \xe2\x82\xac");
    /* Unit and tmpfiles.d syntax (SC_TEMPLATE_UNIT_VALUES, _TMPFILES_). */
    sc_values_set(values, "SEMI", "x ; y");
    sc_values_set(values, "PCT", "%h 50% %%");
    sc_values_set(values, "SQ", "'a b'");
    sc_values_set(values, "HASH", "# [S] k=v");
  }
  return values;
}

typedef struct first_problem {
  const sc_values *values;
  size_t count;
  bool found;
  int line, col;
  size_t last_offset;
} first_problem;

static int find_first_problem(const sc_placeholder *ph, void *user)
{
  first_problem *fp = user;
  /* Placeholders come in order, with sane positions. */
  if ((fp->count > 0 && ph->offset <= fp->last_offset) || ph->line < 1 || ph->col < 1)
    abort();
  if (ph->kind == SC_PLACEHOLDER_INVALID ? ph->name_len != 0
                                         : !sc_template_is_identifier(ph->name, ph->name_len))
    abort();
  fp->count++;
  fp->last_offset = ph->offset;
  bool problem = ph->kind == SC_PLACEHOLDER_INVALID;
  if (!problem) {
    char name[256];
    if (ph->name_len >= sizeof name) {
      problem = true; /* no such value in the fixed set */
    } else {
      memcpy(name, ph->name, ph->name_len);
      name[ph->name_len] = '\0';
      problem = !sc_values_has(fp->values, name);
    }
  }
  if (!problem)
    return 0;
  fp->found = true;
  fp->line = ph->line;
  fp->col = ph->col;
  return 1;
}

static int count_all(const sc_placeholder *ph, void *user)
{
  (*(size_t *)user)++;
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *text = (const char *)data;
  const sc_values *values = fuzz_values();

  size_t total = 0;
  if (sc_template_scan(text, size, count_all, &total) != 0)
    abort();
  first_problem fp = {.values = values};
  int r = sc_template_scan(text, size, find_first_problem, &fp);
  if (r != (fp.found ? 1 : 0) || fp.count > total)
    abort();

  for (unsigned flags = 0; flags < 16; flags++) {
    char *out = NULL;
    size_t out_len = 0;
    sc_error err = SC_ERROR_INIT;
    r = sc_template_render(text, size, "fuzz.template", values, flags, &out, &out_len, &err);
    if (r == 0) {
      /* Rendered: no invalid placeholder, no undefined variable. */
      if (fp.found || out == NULL || out[out_len] != '\0')
        abort();
      if (memchr(text, '$', size) == NULL && (out_len != size || memcmp(out, text, size) != 0))
        abort(); /* text without `$` comes out byte for byte */
      free(out);
    } else {
      if (r != -1 || out != NULL || err.msg == NULL || err.code == 0)
        abort();
      /* The first problem found by scan is where render stops, unless a
       * value check (flags) refused an earlier placeholder. */
      if (flags == 0 && (!fp.found || err.line != fp.line || err.col != fp.col))
        abort();
      if (flags != 0 && fp.found &&
          (err.line > fp.line || (err.line == fp.line && err.col > fp.col)))
        abort();
      sc_error_clear(&err);
    }
  }
  return 0;
}
