/* cmd-login.c: `sc-build login [OPTION]... [HOST[:PORT]]`:
 * check the credentials against the registry, then store them in the auth
 * file (containers-auth.json(5)) that push and build --from read. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "registry-args.h"
#include "registry.h"
#include "util.h"

enum { OPT_USERNAME = 0x1600, OPT_PASSWORD_STDIN };

/* A host as auth files name it: "HOST[:PORT]", nothing else. */
static int check_host(const char *host, sc_error *err)
{
  _cleanup_free_ char *text = xasprintf("docker://%s/x", host);
  sc_registry_ref ref;
  if (strchr(host, '/') || sc_registry_ref_parse(text, &ref, err) < 0)
    return sc_error_set(err, SC_E_USAGE, "'%s' is not a registry HOST[:PORT]", host);
  sc_registry_ref_clear(&ref);
  return 0;
}

static int read_password_stdin(char **out, sc_error *err)
{
  sc_buf b = SC_BUF_INIT;
  char buf[512];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, stdin)) > 0 && b.len < 8192)
    sc_buf_append(&b, buf, n);
  explicit_bzero(buf, sizeof buf);
  while (b.len > 0 && (b.data[b.len - 1] == '\n' || b.data[b.len - 1] == '\r'))
    b.data[--b.len] = '\0';
  if (b.len == 0) {
    sc_buf_free(&b);
    return sc_error_set(err, SC_E_USAGE, "--password-stdin: no password on stdin");
  }
  *out = sc_buf_steal(&b);
  return 0;
}

/* The user name, asked for on the terminal as podman login does. */
static int ask_username(char **out, sc_error *err)
{
  char buf[256];
  fputs("Username: ", stderr);
  if (fgets(buf, sizeof buf, stdin) == NULL)
    buf[0] = '\0';
  buf[strcspn(buf, "\n")] = '\0';
  if (buf[0] == '\0')
    return sc_error_set(err, SC_E_USAGE, "no user name given");
  *out = xstrdup(buf);
  return 0;
}

typedef struct login_args {
  sc_cli_registry_args reg;
  const char *username;
  bool password_stdin;
  const char *host;
} login_args;

/* The credentials to check, from --creds, --username/--password-stdin or
 * the terminal. */
static int gather_creds(login_args *a, sc_error *err)
{
  if (a->reg.creds_arg)
    return sc_cli_registry_creds(&a->reg, a->host, NULL, err);
  sc_registry_creds *c = &a->reg.creds;
  if (a->username)
    c->username = xstrdup(a->username);
  else if (a->password_stdin || !isatty(STDIN_FILENO))
    return sc_error_set(err, SC_E_USAGE, "give --username USER (or --creds USER[:PASS])");
  else if (ask_username(&c->username, err) < 0)
    return -1;
  c->source = xstrdup(a->password_stdin ? "--password-stdin" : "the terminal");
  a->reg.have_creds = true;
  return a->password_stdin ? read_password_stdin(&c->password, err)
                           : sc_cli_ask_password(c->username, &c->password, err);
}

/* What to log in to: HOST as given, or with none, the first of
 * registries.conf's unqualified-search-registries, as podman login picks
 * it; normalized to the auth file's key (*key) and its registry (*host). */
static int login_target(const char *given, const sc_registries_conf *conf, char **key, char **host,
                        sc_error *err)
{
  const char *registry = sc_registries_login_registry(conf, given, err);
  if (registry == NULL || sc_auth_key_normalize(registry, key, err) < 0)
    return -1;
  *host = xstrndup(*key, strcspn(*key, "/"));
  return check_host(*host, err);
}

/* registries.conf says whether the registry may be asked and whether it is
 * insecure (TLS unverified, plain http allowed), as containers' login reads
 * it: by the [[registry]] of HOST, with no location rewrite (the
 * credentials are stored under the name typed). */
static int login_with(sc_cli *cli, login_args *a, const sc_registries_conf *conf,
                      sc_registry_options *options, sc_error *err)
{
  sc_auth_env env = sc_cli_auth_env();
  _cleanup_free_ char *path =
      a->reg.authfile ? xstrdup(a->reg.authfile) : sc_auth_file_default_path(&env);
  _cleanup_free_ char *key = NULL, *host = NULL;
  bool insecure = false;
  if (login_target(a->host, conf, &key, &host, err) < 0 ||
      sc_registries_host_target(conf, host, &insecure, err) < 0)
    return -1;
  a->host = key; /* the key written; the registry is its HOST[:PORT] */
  if (insecure)
    options->tls_verify = false;
  if (gather_creds(a, err) < 0)
    return -1;
  options->creds = a->reg.have_creds ? &a->reg.creds : NULL;
  sc_registry *registry = NULL;
  if (sc_registry_open(host, options, &registry, err) < 0)
    return -1;
  bool needs_auth = sc_registry_auth_scheme(registry) != SC_AUTH_NONE;
  int rc = sc_registry_check_login(registry, err);
  sc_registry_free(registry);
  if (rc < 0 || sc_auth_file_store(path, a->host, &a->reg.creds, err) < 0)
    return -1;
  if (cli->json)
    sc_cli_print_json(json_pack("{s:b,s:s,s:s,s:s,s:b}", "ok", 1, "registry", a->host, "username",
                                a->reg.creds.username, "authfile", path, "registry_asks_for_auth",
                                needs_auth));
  else
    sc_cli_info(cli, "Login to %s as %s succeeded%s; credentials stored in %s", a->host,
                a->reg.creds.username, needs_auth ? "" : " (the registry asks for no credentials)",
                path);
  return 0;
}

static int login(sc_cli *cli, login_args *a, sc_error *err)
{
  sc_registry_options options = sc_cli_registry_options(cli, &a->reg);
  sc_registries_conf conf = SC_REGISTRIES_CONF_INIT;
  if (sc_registries_conf_load(options.registries, &conf, err) < 0)
    return -1;
  int rc = login_with(cli, a, &conf, &options, err);
  sc_registries_conf_clear(&conf);
  return rc;
}

static const sc_cli_option login_options[] = {
    SC_CLI_GLOBAL_OPTIONS,
    SC_CLI_REGISTRY_OPTIONS,
    {"username", required_argument, 'u', "USER",
     "the user name (asked for on the terminal without it or --creds)"},
    {"password-stdin", no_argument, OPT_PASSWORD_STDIN, NULL,
     "read the password from stdin (for CI)"},
    SC_CLI_OPTIONS_END,
};
const sc_cli_options sc_cmd_login_options = {
    .options = login_options,
    .shortopts = "u:" SC_CLI_GLOBAL_SHORT,
    .operands = "[HOST[:PORT]]",
    .about = "Check credentials against the registry at HOST and store them in the auth file:\n"
             "--authfile, else REGISTRY_AUTH_FILE, else $XDG_RUNTIME_DIR/containers/auth.json\n"
             "(written with mode 0600; other entries are kept).  The password comes from\n"
             "--creds USER:PASS, from stdin with --password-stdin (for CI), or is asked for on\n"
             "the terminal (the user name too, without --username).  `sc-build push` and a\n"
             "docker:// base of `sc-build build` then find it.  Without HOST, the first of\n"
             "registries.conf's unqualified-search-registries (as podman login); its blocked\n"
             "and insecure apply.\n",
};

int sc_cmd_login(sc_cli *cli, int argc, char **argv)
{
  login_args a = {.reg = SC_CLI_REGISTRY_ARGS_INIT};
  int opt, taken;
  sc_error err = SC_ERROR_INIT;
  while ((opt = sc_cli_getopt("login", argc, argv, &sc_cmd_login_options, &err)) != -1) {
    if (opt == '?') {
      return sc_cli_fail_clear(cli, &err);
    } else if (opt == 'h') {
      sc_cli_print_help(stdout, "login", &sc_cmd_login_options);
      return SC_EXIT_OK;
    } else if ((taken = sc_cli_registry_option(cli, "login", &a.reg, opt, optarg)) != 0) {
      if (taken != 1)
        return taken;
    } else if (opt == OPT_USERNAME || opt == 'u') {
      a.username = optarg;
    } else if (opt == OPT_PASSWORD_STDIN) {
      a.password_stdin = true;
    } else if (!sc_cli_global_option(cli, opt)) {
      return sc_cli_usage_error(cli, "login", "unknown option '%s'", argv[optind - 1]);
    }
  }
  sc_cli_finish_options(cli);
  if (optind < argc - 1)
    return sc_cli_usage_error(cli, "login", "login takes one registry HOST[:PORT], or none");
  if (a.password_stdin && a.reg.creds_arg)
    return sc_cli_usage_error(cli, "login", "--password-stdin and --creds do not go together");
  a.host = optind < argc ? argv[optind] : NULL;
  int rc = login(cli, &a, &err) < 0 ? sc_cli_fail(cli, &err) : SC_EXIT_OK;
  sc_error_clear(&err);
  sc_cli_registry_args_clear(&a.reg);
  return rc;
}
