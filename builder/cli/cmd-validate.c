/* cmd-validate.c: `sc-build validate [DIR] [--set K=V]... [--json]`. */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "project.h"
#include "util.h"
#include "validate.h"

static const char validate_usage[] =
    "usage: sc-build validate [DIR] [--set K=V]... [--json]\n"
    "\n"
    "Check the project in DIR (default: the current directory) and report every\n"
    "problem as FILE:LINE:COL, like a compiler.  Templates are rendered with the\n"
    "values an install would use.  Exit 0 when there is no error, 1 otherwise.\n"
    "\n"
    "      --set K=V   a value an install would be given with --set (repeatable)\n"
    "      --json      print one JSON document on stdout\n"
    "  -q, --quiet     print errors only\n"
    "  -v, --verbose   more detail\n"
    "  -h, --help      show this help\n";

enum { OPT_SET = 0x2001 };

typedef struct validate_args {
  const char *dir;
  sc_values *set;
} validate_args;

/* Returns -1 to go on, else the exit code. */
static int parse_args(sc_cli *cli, int argc, char **argv, validate_args *a)
{
  static const struct option options[] = {
      {"set", required_argument, NULL, OPT_SET},
      SC_CLI_GLOBAL_OPTIONS,
      {NULL, 0, NULL, 0},
  };
  int opt;
  opterr = 0;
  while ((opt = getopt_long(argc, argv, SC_CLI_GLOBAL_SHORT, options, NULL)) != -1) {
    if (opt == 'h') {
      fputs(validate_usage, stdout);
      return SC_EXIT_OK;
    }
    if (opt == OPT_SET) {
      sc_error err = SC_ERROR_INIT;
      if (sc_values_parse_assignment(a->set, optarg, &err) < 0) {
        int rc = sc_cli_usage_error(cli, "validate", "--set: %s", err.msg);
        sc_error_clear(&err);
        return rc;
      }
    } else if (opt == '?' && optopt == OPT_SET) {
      return sc_cli_usage_error(cli, "validate", "--set needs a value: --set NAME=VALUE");
    } else if (!sc_cli_global_option(cli, opt)) {
      return sc_cli_usage_error(cli, "validate", "unknown option '%s'", argv[optind - 1]);
    }
  }
  if (argc - optind > 1)
    return sc_cli_usage_error(cli, "validate", "one project directory at most");
  a->dir = optind < argc ? argv[optind] : ".";
  sc_cli_finish_options(cli);
  return -1;
}

static void print_report(sc_cli *cli, const char *dir, const sc_diags *diags)
{
  size_t errors = sc_diags_count(diags, SC_DIAG_ERROR);
  size_t warnings = sc_diags_count(diags, SC_DIAG_WARNING);
  if (cli->json) {
    sc_cli_print_json(json_pack("{s:b,s:s,s:I,s:I,s:o}", "ok", errors == 0, "project", dir,
                                "errors", (json_int_t)errors, "warnings", (json_int_t)warnings,
                                "diagnostics", sc_cli_diags_json(diags)));
    return;
  }
  sc_cli_print_diags(cli, diags);
  if (!cli->quiet || errors > 0)
    fprintf(stderr, "%s: %zu error%s, %zu warning%s\n", dir, errors, errors == 1 ? "" : "s",
            warnings, warnings == 1 ? "" : "s");
}

int sc_cmd_validate(sc_cli *cli, int argc, char **argv)
{
  validate_args a = {.set = sc_values_new()};
  int rc = parse_args(cli, argc, argv, &a);
  if (rc >= 0) {
    sc_values_free(a.set);
    return rc;
  }
  sc_error err = SC_ERROR_INIT;
  sc_project *project = NULL;
  sc_diags diags = SC_DIAGS_INIT;
  sc_validate_options options = {.set = a.set};
  if (sc_project_open(a.dir, &project, &err) < 0 ||
      sc_validate_project(project, &options, &diags, &err) < 0) {
    rc = sc_cli_fail(cli, &err);
  } else {
    print_report(cli, a.dir, &diags);
    rc = sc_diags_count(&diags, SC_DIAG_ERROR) == 0 ? SC_EXIT_OK : SC_EXIT_FAILED;
  }
  sc_diags_clear(&diags);
  sc_project_free(project);
  sc_error_clear(&err);
  sc_values_free(a.set);
  return rc;
}
