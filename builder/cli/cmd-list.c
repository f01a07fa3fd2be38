/* cmd-list.c: `sc-build list [OPTION]...` (the options: the table below). */
#include "install-args.h"

static void print_table(json_t *list)
{
  printf("%-20s %-4s %-14s %s\n", "NAME", "DEPL", "IMAGE ID", "IMAGE");
  size_t i;
  json_t *c;
  json_array_foreach(list, i, c)
  {
    const char *revision = json_string_value(json_object_get(c, "revision"));
    printf("%-20s %-4lld %-14.12s %s\n", json_string_value(json_object_get(c, "name")),
           (long long)json_integer_value(json_object_get(c, "deployment")),
           revision ? revision : "-", json_string_value(json_object_get(c, "image")));
  }
}

static const sc_cli_option list_options[] = {SC_CLI_GLOBAL_OPTIONS, SC_INSTALL_ROOT_OPTION,
                                             SC_CLI_OPTIONS_END};
const sc_cli_options sc_cmd_list_options = {
    .options = list_options,
    .shortopts = SC_CLI_GLOBAL_SHORT,
    .operands = "",
    .about = "List the system containers installed under ROOT (default /).\n",
};

int sc_cmd_list(sc_cli *cli, int argc, char **argv)
{
  const char *root = NULL;
  sc_error err = SC_ERROR_INIT;
  int opt;
  while ((opt = sc_cli_getopt("list", argc, argv, &sc_cmd_list_options, &err)) != -1) {
    if (opt == '?')
      return sc_cli_fail_clear(cli, &err);
    if (opt == 'h') {
      sc_cli_print_help(stdout, "list", &sc_cmd_list_options);
      return SC_EXIT_OK;
    }
    if (opt == SC_OPT_ROOT)
      root = optarg;
    else if (!sc_cli_global_option(cli, opt))
      return sc_cli_usage_error(cli, "list", "unknown option");
  }
  sc_cli_finish_options(cli);
  if (optind != argc)
    return sc_cli_usage_error(cli, "list", "list takes no arguments");
  json_t *list = NULL;
  if (sc_list(root, &list, &err) < 0) {
    int rc = sc_cli_fail(cli, &err);
    sc_error_clear(&err);
    return rc;
  }
  if (cli->json)
    sc_cli_print_json(json_pack("{s:b, s:o}", "ok", 1, "containers", list));
  else {
    print_table(list);
    json_decref(list);
  }
  return SC_EXIT_OK;
}
