/* registry-args.c: registry options shared by commands (registry-args.h). */
#include "registry-args.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "pull.h"
#include "registry.h"
#include "util.h"

int sc_cli_parse_size(const char *text, int64_t *out)
{
  char *end;
  errno = 0;
  long long n = strtoll(text, &end, 10);
  if (errno || end == text || n <= 0)
    return -1;
  int shift = *end == 'k' || *end == 'K' ? 10 : *end == 'm' || *end == 'M' ? 20 : 0;
  if (shift)
    end++;
  if (*end != '\0' || n > (INT64_MAX >> shift))
    return -1;
  *out = (int64_t)n << shift;
  return 0;
}

/* SECONDS, a decimal number above 0 and at most a day: milliseconds. */
static int parse_seconds(const char *option, const char *text, long *out, sc_error *err)
{
  char *end;
  errno = 0;
  double s = strtod(text, &end);
  if (errno || end == text || *end != '\0' || !(s >= 0.001 && s <= 86400))
    return sc_error_set(err, SC_E_USAGE, "%s takes seconds (above 0, at most 86400), not '%s'",
                        option, text);
  *out = (long)(s * 1000 + 0.5);
  return 1;
}

int sc_cli_registry_parse(sc_cli_registry_args *a, int opt, const char *arg, sc_error *err)
{
  switch (opt) {
  case SC_OPT_CONNECT_TIMEOUT:
    return parse_seconds("--connect-timeout", arg, &a->connect_timeout_ms, err);
  case SC_OPT_FIRST_BYTE_TIMEOUT:
    return parse_seconds("--first-byte-timeout", arg, &a->first_byte_timeout_ms, err);
  case SC_OPT_STALL_TIMEOUT:
    return parse_seconds("--stall-timeout", arg, &a->stall_timeout_ms, err);
  case SC_OPT_MAX_RESPONSE_SIZE:
    if (sc_cli_parse_size(arg, &a->max_response_size) < 0)
      return sc_error_set(err, SC_E_USAGE,
                          "--max-response-size takes a size in bytes (or Nk, NM), not '%s'", arg);
    return 1;
  case SC_OPT_CREDS:
    a->creds_arg = arg;
    return 1;
  case SC_OPT_AUTHFILE:
    a->authfile = arg;
    return 1;
  case SC_OPT_TLS_VERIFY:
    if (arg && strcmp(arg, "false") != 0 && strcmp(arg, "true") != 0)
      return sc_error_set(err, SC_E_USAGE, "--tls-verify takes true or false");
    a->tls_verify = arg == NULL || strcmp(arg, "true") == 0;
    return 1;
  case SC_OPT_CERT_DIR:
    a->cert_dir = arg;
    return 1;
  default:
    return 0;
  }
}

int sc_cli_registry_option(sc_cli *cli, const char *command, sc_cli_registry_args *a, int opt,
                           const char *arg)
{
  sc_error err = SC_ERROR_INIT;
  int rc = sc_cli_registry_parse(a, opt, arg, &err);
  if (rc < 0)
    rc = sc_cli_usage_error(cli, command, "%s", err.msg);
  sc_error_clear(&err);
  return rc;
}

int sc_cli_ask_password(const char *username, char **out, sc_error *err)
{
  if (!isatty(STDIN_FILENO))
    return sc_error_set(err, SC_E_USAGE, "no password for %s and stdin is not a terminal",
                        username);
  struct termios old, quiet;
  if (tcgetattr(STDIN_FILENO, &old) < 0)
    return sc_error_set_errno(err, errno, "reading the terminal");
  quiet = old;
  quiet.c_lflag &= ~(tcflag_t)ECHO;
  fprintf(stderr, "Password for %s: ", username);
  tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  char buf[1024];
  bool ok = fgets(buf, sizeof buf, stdin) != NULL;
  tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
  fputc('\n', stderr);
  if (!ok)
    return sc_error_set(err, SC_E_USAGE, "no password given");
  buf[strcspn(buf, "\n")] = '\0';
  *out = xstrdup(buf);
  explicit_bzero(buf, sizeof buf);
  return 0;
}

int sc_cli_registry_creds(sc_cli_registry_args *a, const char *host, const char *repository,
                          sc_error *err)
{
  if (a->creds_arg) {
    bool has_password;
    if (sc_registry_creds_parse(a->creds_arg, &a->creds, &has_password, err) < 0)
      return -1;
    a->have_creds = true;
    if (has_password)
      return 0;
    char *password = NULL;
    if (sc_cli_ask_password(a->creds.username, &password, err) < 0)
      return -1;
    if (a->creds.password)
      explicit_bzero(a->creds.password, strlen(a->creds.password));
    free(a->creds.password);
    a->creds.password = password;
    return 0;
  }
  int rc = sc_registry_creds_find(host, repository, a->authfile, &a->creds, err);
  a->have_creds = rc == 1;
  return rc < 0 ? -1 : 0;
}

int sc_cli_registry_creds_for(sc_cli_registry_args *a, const char *reference, sc_error *err)
{
  sc_registry_ref ref;
  if (sc_registry_ref_parse(reference, &ref, err) < 0)
    return -1;
  int rc = sc_cli_registry_creds(a, ref.host, ref.repository, err);
  sc_registry_ref_clear(&ref);
  return rc;
}

void sc_cli_registry_args_clear(sc_cli_registry_args *a)
{
  sc_registry_creds_clear(&a->creds);
  a->have_creds = false;
}

static void on_pull_progress(const char *digest, sc_pull_blob_state state, int64_t done,
                             int64_t total, void *user)
{
  static const char *const names[] = {"cached", "pulling", "pulled"};
  sc_cli_progress_update(user, digest, names[state], done, total);
}

/* Pull options from the registry arguments and the CLI's output settings. */
sc_registry_options sc_cli_registry_options(sc_cli *cli, sc_cli_registry_args *a)
{
  sc_registry_options o = {.creds = a->have_creds ? &a->creds : NULL,
                           .tls_verify = a->tls_verify,
                           .cert_dir = a->cert_dir,
                           .interrupted = sc_cli_catch_interrupts(),
                           .connect_timeout_ms = a->connect_timeout_ms,
                           .first_byte_timeout_ms = a->first_byte_timeout_ms,
                           .stall_timeout_ms = a->stall_timeout_ms,
                           .max_response_size = a->max_response_size,
                           .backoff_ms = sc_cli_backoff_ms()};
  if (cli->verbose)
    o.log = sc_cli_log_request;
  return o;
}

sc_pull_options sc_cli_pull_options(sc_cli *cli, sc_cli_registry_args *a, sc_cli_progress *bars)
{
  sc_pull_options o = {.registry = sc_cli_registry_options(cli, a), .all = a->pull_all};
  if (cli->progress && !cli->verbose) {
    o.progress = on_pull_progress;
    o.progress_user = bars;
  }
  return o;
}

int sc_cli_check_source(sc_cli *cli, const char *command, const char *image)
{
  sc_image_ref ref;
  sc_error err = SC_ERROR_INIT;
  if (sc_image_ref_parse(image, SC_REF_SOURCE | SC_REF_EXPLICIT, &ref, &err) == 0) {
    sc_image_ref_clear(&ref);
    return 0;
  }
  int rc = sc_cli_usage_error(cli, command, SC_CLI_FROM_USAGE, err.msg);
  sc_error_clear(&err);
  return rc;
}

int sc_cli_resolve_source(sc_cli *cli, sc_cli_registry_args *a, const char *image, bool need_layout,
                          sc_image_source *out, sc_error *err)
{
  sc_image_ref ref;
  if (sc_image_ref_parse(image, SC_REF_SOURCE, &ref, err) < 0)
    return -1;
  int rc = ref.transport->transport == SC_TRANSPORT_DOCKER
               ? sc_cli_registry_creds(a, ref.host, ref.repository, err)
               : 0;
  sc_image_ref_clear(&ref);
  if (rc < 0)
    return -1;
  sc_cli_progress bars = {0};
  sc_pull_options pull = sc_cli_pull_options(cli, a, &bars);
  sc_image_source_options options = {.pull = &pull, .need_layout = need_layout};
  rc = sc_image_source_resolve(image, &options, out, err);
  sc_cli_progress_clear(&bars);
  return rc;
}

int sc_cli_resolve_image(sc_cli *cli, sc_cli_registry_args *a, const char *image, char **local,
                         char **name, sc_error *err)
{
  sc_image_source src;
  *name = NULL;
  if (sc_cli_resolve_source(cli, a, image, false, &src, err) < 0)
    return -1;
  *local = steal_pointer(&src.local);
  if (src.name) { /* the last component of the name, without its tag */
    _cleanup_free_ char *base = sc_path_basename(src.name);
    char *at = strchr(base, '@');
    if (at)
      *at = '\0';
    char *colon = strchr(base, ':');
    *name = colon ? xstrndup(base, (size_t)(colon - base)) : xstrdup(base);
  }
  sc_image_source_clear(&src);
  return 0;
}

int sc_cli_open_image(sc_cli *cli, sc_cli_registry_args *a, const char *image, sc_image **out,
                      sc_error *err)
{
  sc_image_ref ref;
  if (sc_image_ref_parse(image, SC_REF_SOURCE, &ref, err) < 0)
    return -1;
  int rc = ref.transport->transport == SC_TRANSPORT_DOCKER
               ? sc_cli_registry_creds(a, ref.host, ref.repository, err)
               : 0;
  sc_image_ref_clear(&ref);
  if (rc < 0)
    return -1;
  sc_cli_progress bars = {0};
  sc_pull_options pull = sc_cli_pull_options(cli, a, &bars);
  sc_image_source_options options = {.pull = &pull};
  rc = sc_image_source_open(image, &options, out, err);
  sc_cli_progress_clear(&bars);
  return rc;
}
