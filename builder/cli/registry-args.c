/* registry-args.c: registry options shared by commands (registry-args.h). */
#include "registry-args.h"
#include "imageref-internal.h"

#include <ctype.h>
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

/* A Go time.Duration as skopeo's --retry-delay takes it: one or more
 * DECIMAL UNIT pairs ("1.5s", "1m30s", "250ms"; units ns us ms s m h),
 * at most a day: milliseconds. */
static int parse_duration(const char *option, const char *text, long *out, sc_error *err)
{
  static const struct {
    const char *unit;
    double ms;
  } units[] = {{"ns", 1e-6}, {"us", 1e-3}, {"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}};
  double total = 0;
  const char *p = text;
  do {
    char *end;
    errno = 0;
    double n = strtod(p, &end);
    size_t i = 0, len = 0;
    if (!errno && end != p && isdigit((unsigned char)*p))
      for (i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strncmp(end, units[i].unit, len = strlen(units[i].unit)) == 0 &&
            !isalpha((unsigned char)end[len]))
          break;
    if (end == p || i == sizeof units / sizeof units[0] || !isdigit((unsigned char)*p))
      return sc_error_set(err, SC_E_USAGE,
                          "%s takes a duration such as 500ms, 2s or 1m30s, not '%s'", option, text);
    total += n * units[i].ms;
    p = end + len;
  } while (*p && total <= 86400000.0);
  if (total > 86400000.0)
    return sc_error_set(err, SC_E_USAGE, "%s: '%s' is longer than a day", option, text);
  *out = (long)(total + 0.5);
  return 1;
}

/* --retry-times N: 0 (no retries) to 100. */
static int parse_retry_times(const char *text, int *out, sc_error *err)
{
  char *end;
  errno = 0;
  long n = strtol(text, &end, 10);
  if (errno || end == text || *end != '\0' || n < 0 || n > 100)
    return sc_error_set(err, SC_E_USAGE, "--retry-times takes a number from 0 to 100, not '%s'",
                        text);
  *out = (int)n;
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
  case SC_OPT_RETRY_TIMES:
    return parse_retry_times(arg, &a->retry_times, err);
  case SC_OPT_RETRY_DELAY:
    return parse_duration("--retry-delay", arg, &a->retry_delay_ms, err);
  case SC_OPT_REGISTRIES_CONF:
    a->registries_conf = arg;
    return 1;
  case SC_OPT_CREDS:
    a->creds_arg = arg;
    return 1;
  case SC_OPT_AUTHFILE:
    a->authfile = arg;
    return 1;
  case SC_OPT_POLICY:
    a->policy = arg;
    return 1;
  case SC_OPT_REGISTRIES_D:
    a->registries_d = arg;
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

int sc_cli_registry_stray_bool(sc_cli *cli, const char *command, int first, int argc, char **argv)
{
  for (int i = first; i < argc; i++)
    if (strcmp(argv[i], "false") == 0 || strcmp(argv[i], "true") == 0)
      return sc_cli_usage_error(cli, command,
                                "'%s' is not an image: --tls-verify takes its "
                                "value after '=' (--tls-verify=false)",
                                argv[i]);
  return 0;
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

/* Credentials for host (and repository) from --authfile, else the auth
 * files the environment names (containers-auth.json(5)). */
static int find_in_auth_files(const sc_cli_registry_args *a, const char *host,
                              const char *repository, sc_registry_creds *out, sc_error *err)
{
  sc_auth_env env = sc_cli_auth_env();
  _cleanup_strv_ char **paths = sc_auth_files(&env, a->authfile);
  return sc_registry_creds_find(host, repository, paths, out, err);
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
  int rc = find_in_auth_files(a, host, repository, &a->creds, err);
  a->have_creds = rc == 1;
  return rc < 0 ? -1 : 0;
}

int sc_cli_registry_creds_for(sc_cli_registry_args *a, const char *image, sc_error *err)
{
  sc_image_ref ref;
  if (sc_image_ref_parse(image, SC_REF_SOURCE, &ref, err) < 0)
    return -1;
  /* A short name's registry is known once registries.conf resolved it:
   * the pull asks creds_for_host then, and --creds are for it. */
  bool short_name = ref.transport->transport == SC_TRANSPORT_DOCKER &&
                    sc_registries_is_short_name(image + strlen("docker://"));
  int rc = ref.transport->transport != SC_TRANSPORT_DOCKER ? 0
           : short_name && a->creds_arg == NULL
               ? 0
               : sc_cli_registry_creds(a, ref.host, ref.repository, err);
  sc_image_ref_clear(&ref);
  return rc;
}

void sc_cli_registry_args_clear(sc_cli_registry_args *a)
{
  for (size_t i = 0; i < sizeof a->cert_roots / sizeof a->cert_roots[0]; i++) {
    free(a->cert_roots[i]);
    a->cert_roots[i] = NULL;
  }
  free(a->registries_file);
  a->registries_file = NULL;
  free(a->bases_cache_dir);
  a->bases_cache_dir = NULL;
  free(a->policy_file);
  free(a->registries_d_dir);
  a->policy_file = a->registries_d_dir = NULL;
  a->signature_paths_filled = false;
  for (size_t i = 0; i < 3; i++) {
    free(a->registries_dirs[i]);
    a->registries_dirs[i] = NULL;
  }
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
/* containers-certs.d(5): $XDG_CONFIG_HOME/containers/certs.d, then the
 * system's. */
static void fill_cert_roots(sc_cli_registry_args *a)
{
  static const char *const system_roots[] = {SC_REGISTRY_CERT_ROOTS};
  if (a->cert_roots[0])
    return;
  size_t n = 0;
  char *user = sc_cli_user_config_path("containers/certs.d");
  if (user)
    a->cert_roots[n++] = user;
  for (size_t i = 0; i < sizeof system_roots / sizeof system_roots[0]; i++)
    a->cert_roots[n++] = xstrdup(system_roots[i]);
}

/* Credentials for a mirror or a registries.conf location on another host:
 * from --authfile or the auth files (--creds are for the registry named). */
static int creds_for_host(const char *host, const char *repository, sc_registry_creds *out,
                          void *user, sc_error *err)
{
  const sc_cli_registry_args *a = user;
  if (a->creds_arg)
    return 0;
  return find_in_auth_files(a, host, repository, out, err);
}

/* registries.conf as containers/image finds it (environment.c). */
static void fill_registries_paths(sc_cli_registry_args *a)
{
  if (a->registries_file)
    return;
  sc_cli_registries_conf_files(a->registries_conf, &a->registries_file, a->registries_dirs);
  a->registries_paths = (sc_registries_conf_paths){
      .file = a->registries_file,
      .file_required = a->registries_conf != NULL,
      .dirs = (const char *const *)a->registries_dirs,
  };
}

static void fill_signature_paths(sc_cli_registry_args *a)
{
  if (a->signature_paths_filled)
    return;
  a->policy_file = a->policy ? xstrdup(a->policy) : sc_cli_user_policy_file();
  a->registries_d_dir = a->registries_d ? xstrdup(a->registries_d) : sc_cli_user_registries_d();
  a->signature_paths_filled = true;
}

const char *sc_cli_registry_policy(sc_cli_registry_args *a)
{
  fill_signature_paths(a);
  return a->policy_file;
}

const char *sc_cli_registry_registries_d(sc_cli_registry_args *a)
{
  fill_signature_paths(a);
  return a->registries_d_dir;
}

sc_registry_options sc_cli_registry_options(sc_cli *cli, sc_cli_registry_args *a)
{
  fill_cert_roots(a);
  fill_registries_paths(a);
  sc_registry_options o = {.creds = a->have_creds ? &a->creds : NULL,
                           .tls_verify = a->tls_verify,
                           .cert_dir = a->cert_dir,
                           .cert_roots = (const char *const *)a->cert_roots,
                           .registries = &a->registries_paths,
                           .creds_for = creds_for_host,
                           .creds_user = a,
                           .interrupted = sc_cli_catch_interrupts(),
                           .connect_timeout_ms = a->connect_timeout_ms,
                           .first_byte_timeout_ms = a->first_byte_timeout_ms,
                           .stall_timeout_ms = a->stall_timeout_ms,
                           .max_response_size = a->max_response_size,
                           .max_attempts = a->retry_times >= 0 ? a->retry_times + 1 : 0,
                           .retry_delay_ms = a->retry_delay_ms,
                           .backoff_ms = sc_cli_backoff_ms()};
  if (cli->verbose)
    o.log = sc_cli_log_request;
  return o;
}

sc_pull_options sc_cli_pull_options(sc_cli *cli, sc_cli_registry_args *a, sc_cli_progress *bars)
{
  sc_pull_options o = {.registry = sc_cli_registry_options(cli, a),
                       .policy = sc_cli_registry_policy(a),
                       .registries_d = sc_cli_registry_registries_d(a),
                       .all = a->pull_all,
                       .tmpdir = sc_cli_tmpdir()};
  if (a->bases_cache_dir == NULL)
    a->bases_cache_dir = sc_cli_cache_path("bases");
  o.cache_dir = a->bases_cache_dir;
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

/* Read IMAGE through the image source (image-source.h) with the registry
 * arguments: resolve it (out_source) or open it (out_image). */
static int read_source(sc_cli *cli, sc_cli_registry_args *a, const char *image, bool need_layout,
                       sc_image_source *out_source, sc_image **out_image, sc_error *err)
{
  if (sc_cli_registry_creds_for(a, image, err) < 0)
    return -1;
  sc_cli_progress bars = {0};
  sc_pull_options pull = sc_cli_pull_options(cli, a, &bars);
  sc_image_source_options options = {
      .pull = &pull, .need_layout = need_layout, .tmpdir = sc_cli_tmpdir()};
  int rc = out_image ? sc_image_source_open(image, &options, out_image, err)
                     : sc_image_source_resolve(image, &options, out_source, err);
  sc_cli_progress_clear(&bars);
  return rc;
}

int sc_cli_resolve_source(sc_cli *cli, sc_cli_registry_args *a, const char *image, bool need_layout,
                          sc_image_source *out, sc_error *err)
{
  return read_source(cli, a, image, need_layout, out, NULL, err);
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
  return read_source(cli, a, image, false, NULL, out, err);
}
