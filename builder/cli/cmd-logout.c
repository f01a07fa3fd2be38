/* cmd-logout.c: `sc-build logout [OPTION]... [HOST[:PORT]]`: remove the
 * host's entry from the auth file `sc-build login` writes. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "registry-args.h"
#include "registry-auth.h"
#include "util.h"

enum { OPT_AUTHFILE = 0x1700 };

/* The key `login ARG` wrote: for ARG NULL, the registry login picks then
 * (registries.conf's first unqualified-search-registries entry). */
static int logout_key(sc_cli *cli, const char *arg, char **key, sc_error *err)
{
  sc_cli_registry_args reg = SC_CLI_REGISTRY_ARGS_INIT;
  sc_registry_options options = sc_cli_registry_options(cli, &reg);
  sc_registries_conf conf = SC_REGISTRIES_CONF_INIT;
  int rc = arg ? 0 : sc_registries_conf_load(options.registries, &conf, err);
  const char *registry = rc == 0 ? sc_registries_login_registry(&conf, arg, err) : NULL;
  rc = registry ? sc_auth_key_normalize(registry, key, err) : -1;
  sc_registries_conf_clear(&conf);
  sc_cli_registry_args_clear(&reg);
  return rc;
}

static int logout(sc_cli *cli, const char *authfile, const char *arg, sc_error *err)
{
  sc_auth_env env = sc_cli_auth_env();
  _cleanup_free_ char *path = authfile ? xstrdup(authfile) : sc_auth_file_default_path(&env);
  _cleanup_free_ char *host = NULL;
  if (logout_key(cli, arg, &host, err) < 0)
    return -1;
  int rc = sc_auth_file_store(path, host, NULL, err);
  if (rc < 0)
    return -1;
  if (rc == 1)
    return sc_error_set(err, ENOENT, "not logged in to %s (no entry in %s)", host, path);
  if (cli->json)
    sc_cli_print_json(json_pack("{s:b,s:s,s:s}", "ok", 1, "registry", host, "authfile", path));
  else
    sc_cli_info(cli, "Removed the credentials for %s from %s", host, path);
  return 0;
}

static const sc_cli_option logout_options[] = {
    SC_CLI_GLOBAL_OPTIONS,
    {"authfile", required_argument, OPT_AUTHFILE, "FILE", "the auth file to remove the entry from"},
    SC_CLI_OPTIONS_END,
};
const sc_cli_options sc_cmd_logout_options = {
    .options = logout_options,
    .shortopts = SC_CLI_GLOBAL_SHORT,
    .operands = "[HOST[:PORT]]",
    .about = "Remove HOST's credentials from the auth file (--authfile, else\n"
             "REGISTRY_AUTH_FILE, else $XDG_RUNTIME_DIR/containers/auth.json).\n"
             "Other entries are kept.  Fails when there was no entry for HOST.  Without HOST,\n"
             "the registry login picks then: the first of registries.conf's\n"
             "unqualified-search-registries (as podman logout).\n",
};

int sc_cmd_logout(sc_cli *cli, int argc, char **argv)
{
  const char *authfile = NULL;
  sc_error err = SC_ERROR_INIT;
  int opt;
  while ((opt = sc_cli_getopt("logout", argc, argv, &sc_cmd_logout_options, &err)) != -1) {
    if (opt == '?') {
      return sc_cli_fail_clear(cli, &err);
    } else if (opt == 'h') {
      sc_cli_print_help(stdout, "logout", &sc_cmd_logout_options);
      return SC_EXIT_OK;
    } else if (opt == OPT_AUTHFILE) {
      authfile = optarg;
    } else if (!sc_cli_global_option(cli, opt)) {
      return sc_cli_usage_error(cli, "logout", "unknown option '%s'", argv[optind - 1]);
    }
  }
  sc_cli_finish_options(cli);
  if (optind < argc - 1)
    return sc_cli_usage_error(cli, "logout", "logout takes one registry HOST[:PORT], or none");
  const char *host = optind < argc ? argv[optind] : NULL;
  int rc = logout(cli, authfile, host, &err) < 0 ? sc_cli_fail(cli, &err) : SC_EXIT_OK;
  sc_error_clear(&err);
  return rc;
}
