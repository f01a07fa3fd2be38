/* cmd-prune.c: `sc-build prune [OPTION]...` (the options: the table below). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "store-args.h"
#include "util.h"

#define DEFAULT_KEEP_DAYS 30

enum { OPT_KEEP_DAYS = 0x1820 };

static void print_report(sc_cli *cli, json_t *report)
{
  if (cli->quiet)
    return;
  size_t i;
  json_t *what;
  json_array_foreach(json_object_get(report, "removed"), i, what)
  {
    printf("removed %s\n", json_string_value(what));
  }
  printf("%s: freed %" PRId64 " bytes in %" PRId64 " items\n",
         json_string_value(json_object_get(report, "store")),
         (int64_t)json_integer_value(json_object_get(report, "bytes")),
         (int64_t)json_integer_value(json_object_get(report, "items")));
}

static int prune_all(sc_cli *cli, sc_store_args *a, long keep_days, sc_error *err)
{
  if (sc_store_args_finish(a, err) < 0)
    return -1;
  volatile const int *interrupted = sc_cli_catch_interrupts();
  json_t *reports = json_array();
  int r = 0;
  for (size_t i = 0; r == 0 && i < a->count; i++) {
    json_t *report = NULL;
    r = sc_stores_prune(&a->stores[i], (int)keep_days, interrupted, &report, err);
    if (!cli->json)
      print_report(cli, report); /* what went before a failure went for good */
    json_array_append_new(reports, report);
  }
  if (r == 0 && cli->json)
    sc_cli_print_json(json_pack("{s:b, s:O}", "ok", 1, "stores", reports));
  json_decref(reports);
  return r;
}

static const sc_cli_option prune_options[] = {
    SC_CLI_GLOBAL_OPTIONS,
    SC_STORE_OPTIONS,
    {"keep-days", required_argument, OPT_KEEP_DAYS, "N",
     "keep the cache's entries used in the last N days (default 30)"},
    SC_CLI_OPTIONS_END};
const sc_cli_options sc_cmd_prune_options = {
    .options = prune_options,
    .shortopts = SC_CLI_GLOBAL_SHORT,
    .operands = "",
    .about =
        "Remove what nothing references: the blobs of a layout that no index entry reaches,\n"
        "the OSTree layer branches no image uses and then the objects no ref reaches, the\n"
        "cache's pulled bases and layer-cache entries older than N days (default 30). Without\n"
        "a store option: the cache, and atomic's repository ROOT/ostree/repo when it exists.\n",
};

int sc_cmd_prune(sc_cli *cli, int argc, char **argv)
{
  sc_store_args a = {0};
  long keep_days = DEFAULT_KEEP_DAYS;
  sc_error err = SC_ERROR_INIT;
  int opt, rc = SC_EXIT_OK;
  while (rc == SC_EXIT_OK &&
         (opt = sc_cli_getopt("prune", argc, argv, &sc_cmd_prune_options, &err)) != -1) {
    if (opt == '?') {
      rc = sc_cli_fail(cli, &err);
      break;
    }
    if (opt == 'h') {
      sc_cli_print_help(stdout, "prune", &sc_cmd_prune_options);
      sc_store_args_clear(&a);
      return SC_EXIT_OK;
    }
    if (opt == OPT_KEEP_DAYS)
      rc = sc_cli_parse_number(cli, "prune", "--keep-days", optarg, 0, 100000, &keep_days);
    else if (!sc_store_args_option(&a, opt, optarg) && !sc_cli_global_option(cli, opt))
      rc = sc_cli_usage_error(cli, "prune", "unknown option");
  }
  sc_cli_finish_options(cli);
  if (rc == SC_EXIT_OK && optind != argc)
    rc = sc_cli_usage_error(cli, "prune", "prune takes no arguments");
  if (rc == SC_EXIT_OK && prune_all(cli, &a, keep_days, &err) < 0)
    rc = sc_cli_fail(cli, &err);
  sc_error_clear(&err);
  sc_store_args_clear(&a);
  return rc;
}
