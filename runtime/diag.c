/* diag.c: lists of diagnostics (validation reports every problem). */
#include <sc/diag.h>

#include <stdlib.h>

#include "diag-internal.h"
#include "util.h"

void sc_diags_add(sc_diags *diags, sc_diag_severity severity, const char *file, int line, int col,
                  const char *fmt, ...)
{
  if (diags->count == diags->capacity) {
    diags->capacity = diags->capacity ? diags->capacity * 2 : 8;
    diags->items = xrealloc(diags->items, diags->capacity * sizeof *diags->items);
  }
  va_list ap;
  va_start(ap, fmt);
  diags->items[diags->count++] = (sc_diag){
      .severity = severity,
      .file = file ? xstrdup(file) : NULL,
      .line = line,
      .col = col,
      .msg = xvasprintf(fmt, ap),
  };
  va_end(ap);
}

void sc_diags_add_error(sc_diags *diags, sc_diag_severity severity, const sc_error *err)
{
  sc_diags_add(diags, severity, err->file, err->line, err->col, "%s",
               err->msg ? err->msg : "unknown error");
}

size_t sc_diags_count(const sc_diags *diags, sc_diag_severity severity)
{
  size_t n = 0;
  for (size_t i = 0; i < diags->count; i++)
    n += diags->items[i].severity == severity;
  return n;
}

const char *sc_diag_severity_name(sc_diag_severity severity)
{
  return severity == SC_DIAG_ERROR ? "error" : "warning";
}

void sc_diags_clear(sc_diags *diags)
{
  for (size_t i = 0; i < diags->count; i++) {
    free(diags->items[i].file);
    free(diags->items[i].msg);
  }
  free(diags->items);
  *diags = (sc_diags)SC_DIAGS_INIT;
}

sc_diags *sc_diags_new(void)
{
  return xcalloc(1, sizeof(sc_diags));
}

void sc_diags_free(sc_diags *diags)
{
  if (diags == NULL)
    return;
  sc_diags_clear(diags);
  free(diags);
}

size_t sc_diags_length(const sc_diags *diags)
{
  return diags->count;
}

const sc_diag *sc_diags_at(const sc_diags *diags, size_t i)
{
  return i < diags->count ? &diags->items[i] : NULL;
}

sc_diag_severity sc_diag_severity_of(const sc_diag *diag)
{
  return diag->severity;
}

const char *sc_diag_file(const sc_diag *diag)
{
  return diag->file;
}

int sc_diag_line(const sc_diag *diag)
{
  return diag->line;
}

int sc_diag_col(const sc_diag *diag)
{
  return diag->col;
}

const char *sc_diag_message(const sc_diag *diag)
{
  return diag->msg;
}
