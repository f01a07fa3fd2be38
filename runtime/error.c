/* error.c: sc_error, the error value carried up to the CLI. */
#include <sc/error.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static int error_vset(sc_error *err, int code, const char *file, int line, int col, const char *fmt,
                      va_list ap)
{
  if (err == NULL)
    return -1;
  char *msg = xvasprintf(fmt, ap);
  sc_error_clear(err);
  err->code = code;
  err->msg = msg;
  err->file = file ? xstrdup(file) : NULL;
  err->line = line;
  err->col = col;
  return -1;
}

int sc_error_set(sc_error *err, int code, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  error_vset(err, code, NULL, 0, 0, fmt, ap);
  va_end(ap);
  return -1;
}

int sc_error_set_errno(sc_error *err, int code, const char *fmt, ...)
{
  if (err == NULL)
    return -1;
  va_list ap;
  va_start(ap, fmt);
  _cleanup_free_ char *msg = xvasprintf(fmt, ap);
  va_end(ap);
  return sc_error_set(err, code, "%s: %s", msg, strerror(code));
}

int sc_error_set_at(sc_error *err, int code, const char *file, int line, int col, const char *fmt,
                    ...)
{
  va_list ap;
  va_start(ap, fmt);
  error_vset(err, code, file, line, col, fmt, ap);
  va_end(ap);
  return -1;
}

int sc_error_prefix(sc_error *err, const char *fmt, ...)
{
  if (err == NULL || err->msg == NULL)
    return -1;
  va_list ap;
  va_start(ap, fmt);
  _cleanup_free_ char *prefix = xvasprintf(fmt, ap);
  va_end(ap);
  char *msg = xasprintf("%s: %s", prefix, err->msg);
  free(err->msg);
  err->msg = msg;
  return -1;
}

void sc_error_clear(sc_error *err)
{
  if (err == NULL)
    return;
  free(err->msg);
  free(err->file);
  *err = (sc_error)SC_ERROR_INIT;
}

void sc_error_move(sc_error *dst, sc_error *src)
{
  sc_error_clear(dst);
  *dst = *src;
  *src = (sc_error)SC_ERROR_INIT;
}
