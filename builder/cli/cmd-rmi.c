/* cmd-rmi.c: sc-build rmi [--force] [--root ROOT] REF... */
#include <stdlib.h>
#include <string.h>

#include "store-args.h"
#include "util.h"

enum { OPT_FORCE = 0x1810 };

static int remove_all(sc_cli *cli, char **refs, const sc_store_args *a, bool force, sc_error *err)
{
  json_t *installed = NULL;
  if (sc_store_args_installed(a, &installed, err) < 0)
    return -1;
  json_t *removed = json_array();
  int r = 0;
  for (size_t i = 0; r == 0 && refs[i]; i++) {
    json_t *one = NULL;
    r = sc_stores_remove(refs[i], installed, force, &one, err);
    if (r == 0 && !cli->json && !cli->quiet)
      printf("untagged %s (%s)\n", json_string_value(json_object_get(one, "reference")),
             json_string_value(json_object_get(one, "digest"))
                 ? json_string_value(json_object_get(one, "digest"))
                 : "unreadable");
    if (one)
      json_array_append_new(removed, one);
  }
  if (r == 0 && cli->json)
    sc_cli_print_json(json_pack("{s:b, s:O}", "ok", 1, "removed", removed));
  json_decref(removed);
  json_decref(installed);
  return r;
}

static const sc_cli_option rmi_options[] = {
    SC_CLI_GLOBAL_OPTIONS,
    {"force", no_argument, OPT_FORCE, NULL,
     "remove a tag even when an installed container uses it"},
    SC_STORE_ROOT_OPTION,
    SC_CLI_OPTIONS_END};
const sc_cli_options sc_cmd_rmi_options = {
    .options = rmi_options,
    .shortopts = SC_CLI_GLOBAL_SHORT,
    .operands = "REF...",
    .about =
        "Remove tags: REF is oci:LAYOUT:TAG or ostree:NAME[:TAG][@REPO]. A tag that a container\n"
        "installed under ROOT (default /) uses is refused unless --force. The blobs and\n"
        "objects stay until 'sc-build prune'.\n",
};

int sc_cmd_rmi(sc_cli *cli, int argc, char **argv)
{
  sc_store_args a = {0};
  bool force = false;
  sc_error err = SC_ERROR_INIT;
  int opt;
  while ((opt = sc_cli_getopt("rmi", argc, argv, &sc_cmd_rmi_options, &err)) != -1) {
    if (opt == '?')
      return sc_cli_fail_clear(cli, &err);
    if (opt == 'h') {
      sc_cli_print_help(stdout, "rmi", &sc_cmd_rmi_options);
      return SC_EXIT_OK;
    }
    if (opt == OPT_FORCE)
      force = true;
    else if (!sc_store_args_option(&a, opt, optarg) && !sc_cli_global_option(cli, opt))
      return sc_cli_usage_error(cli, "rmi", "unknown option");
  }
  sc_cli_finish_options(cli);
  if (optind >= argc)
    return sc_cli_usage_error(cli, "rmi", "rmi takes one REF or more");
  int rc = SC_EXIT_OK;
  if (remove_all(cli, argv + optind, &a, force, &err) < 0)
    rc = sc_cli_fail(cli, &err);
  sc_error_clear(&err);
  sc_store_args_clear(&a);
  return rc;
}
