/* output.c: how sc-build prints errors, diagnostics and JSON. */
#include "cli.h"
#include "diag-internal.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bool sc_cli_global_option(sc_cli *cli, int opt)
{
  switch (opt) {
  case SC_OPT_JSON:
    cli->json = true;
    return true;
  case 'q':
    cli->quiet = true;
    return true;
  case 'v':
    cli->verbose = true;
    return true;
  default:
    return false;
  }
}

void sc_cli_finish_options(sc_cli *cli)
{
  bool tty = isatty(STDERR_FILENO);
  const char *no_color = getenv("NO_COLOR");
  cli->color = tty && (no_color == NULL || no_color[0] == '\0');
  cli->progress = tty && !cli->json && !cli->quiet;
}

static void print_location(FILE *out, const char *file, int line, int col)
{
  if (file == NULL) {
    fputs("sc-build: ", out);
    return;
  }
  fputs(file, out);
  if (line > 0) {
    fprintf(out, ":%d", line);
    if (col > 0)
      fprintf(out, ":%d", col);
  }
  fputs(": ", out);
}

static void print_severity(sc_cli *cli, FILE *out, const char *severity)
{
  bool is_error = strcmp(severity, "error") == 0;
  if (cli->color)
    fprintf(out, "\033[1;%sm%s:\033[0m ", is_error ? "31" : "35", severity);
  else
    fprintf(out, "%s: ", severity);
}

json_t *sc_cli_error_json(const sc_error *err)
{
  json_t *o = json_pack("{s:s}", "message", err->msg ? err->msg : "unknown error");
  if (err->file)
    json_object_set_new(o, "file", json_string(err->file));
  if (err->line > 0)
    json_object_set_new(o, "line", json_integer(err->line));
  if (err->col > 0)
    json_object_set_new(o, "column", json_integer(err->col));
  return o;
}

void sc_cli_print_json(json_t *doc)
{
  json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
  fputc('\n', stdout);
  fflush(stdout);
  json_decref(doc);
}

int sc_cli_fail(sc_cli *cli, const sc_error *err)
{
  if (cli->json) {
    sc_cli_print_json(json_pack("{s:b,s:o}", "ok", 0, "error", sc_cli_error_json(err)));
  } else {
    print_location(stderr, err->file, err->line, err->col);
    print_severity(cli, stderr, "error");
    fprintf(stderr, "%s\n", err->msg ? err->msg : "unknown error");
  }
  return err->code == SC_E_USAGE ? SC_EXIT_USAGE : SC_EXIT_FAILED;
}

int sc_cli_usage_error(sc_cli *cli, const char *command, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  char *msg = NULL;
  if (vasprintf(&msg, fmt, ap) < 0)
    abort();
  va_end(ap);
  sc_error err = {.code = SC_E_USAGE};
  if (asprintf(&err.msg, "%s (see 'sc-build %s --help')", msg, command) < 0)
    abort();
  free(msg);
  int rc = sc_cli_fail(cli, &err);
  sc_error_clear(&err);
  return rc;
}

void sc_cli_print_diags(sc_cli *cli, const sc_diags *diags)
{
  for (size_t i = 0; i < diags->count; i++) {
    const sc_diag *d = &diags->items[i];
    if (cli->quiet && d->severity != SC_DIAG_ERROR)
      continue;
    print_location(stderr, d->file, d->line, d->col);
    print_severity(cli, stderr, sc_diag_severity_name(d->severity));
    fprintf(stderr, "%s\n", d->msg);
  }
}

json_t *sc_cli_diags_json(const sc_diags *diags)
{
  json_t *a = json_array();
  for (size_t i = 0; i < diags->count; i++) {
    const sc_diag *d = &diags->items[i];
    json_t *o =
        json_pack("{s:s,s:s}", "severity", sc_diag_severity_name(d->severity), "message", d->msg);
    if (d->file)
      json_object_set_new(o, "file", json_string(d->file));
    if (d->line > 0)
      json_object_set_new(o, "line", json_integer(d->line));
    if (d->col > 0)
      json_object_set_new(o, "column", json_integer(d->col));
    json_array_append_new(a, o);
  }
  return a;
}

void sc_cli_info(sc_cli *cli, const char *fmt, ...)
{
  if (cli->quiet || cli->json)
    return;
  va_list ap;
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
}

void sc_cli_progress_bar(char bar[SC_CLI_BAR_WIDTH + 1], int64_t done, int64_t total)
{
  int filled = total > 0 ? (int)((done > total ? total : done) * SC_CLI_BAR_WIDTH / total)
                         : SC_CLI_BAR_WIDTH;
  for (int i = 0; i < SC_CLI_BAR_WIDTH; i++)
    bar[i] = i < filled ? '#' : '.';
  bar[SC_CLI_BAR_WIDTH] = '\0';
}

static char *progress_line(const char *digest, const char *state, int64_t done, int64_t total)
{
  char bar[SC_CLI_BAR_WIDTH + 1];
  sc_cli_progress_bar(bar, done, total);
  return xasprintf("%.19s %-9s [%s] %lld/%lld MB", digest, state, bar, (long long)(done >> 20),
                   (long long)(total >> 20));
}

void sc_cli_progress_update(sc_cli_progress *p, const char *digest, const char *state, int64_t done,
                            int64_t total)
{
  _cleanup_free_ char *line = progress_line(digest, state, done, total);
  sc_cli_progress_show(p, digest, line);
}

void sc_cli_progress_show(sc_cli_progress *p, const char *key, const char *line)
{
  size_t i = 0;
  while (i < p->count && strcmp(p->keys[i], key) != 0)
    i++;
  if (i == p->count) { /* a new blob: a new line at the bottom */
    p->keys = xrealloc(p->keys, (p->count + 1) * sizeof *p->keys);
    p->lines = xrealloc(p->lines, (p->count + 1) * sizeof *p->lines);
    p->keys[i] = xstrdup(key);
    p->lines[i] = xstrdup(line);
    p->count++;
    fprintf(stderr, "%s\n", line);
    return;
  }
  if (strcmp(p->lines[i], line) == 0)
    return; /* nothing a reader would see changed */
  free(p->lines[i]);
  p->lines[i] = xstrdup(line);
  size_t up = p->count - i;
  fprintf(stderr, "\033[%zuA\r%s\033[K\033[%zuB\r", up, line, up);
}

void sc_cli_progress_clear(sc_cli_progress *p)
{
  for (size_t i = 0; i < p->count; i++) {
    free(p->keys[i]);
    free(p->lines[i]);
  }
  free(p->keys);
  free(p->lines);
  memset(p, 0, sizeof *p);
}

void sc_cli_log_request(const char *method, const char *path, long status, const char *origin,
                        void *user)
{
  (void)user;
  fprintf(stderr, "%s %s %ld %s\n", method, path, status, origin);
}

int sc_cli_parse_number(sc_cli *cli, const char *command, const char *option, const char *text,
                        long min, long max, long *out)
{
  char *end = NULL;
  errno = 0;
  long v = strtol(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || text[0] == '+' || text[0] == ' ' || v < min ||
      v > max)
    return sc_cli_usage_error(cli, command, "%s takes a number from %ld to %ld, not '%s'", option,
                              min, max, text);
  *out = v;
  return 0;
}

int sc_cli_write_digestfile(const char *path, const char *digest, sc_error *err)
{
  _cleanup_free_ char *text = xasprintf("%s\n", digest);
  return sc_write_file_at(AT_FDCWD, path, text, strlen(text), 0644, err);
}

int sc_cli_check_digestfile(const char *path, sc_error *err)
{
  _cleanup_free_ char *dir = sc_path_dirname(path);
  if (access(dir, W_OK) < 0)
    return sc_error_set_errno(err, errno, "--digestfile %s: cannot write in %s", path, dir);
  return 0;
}
