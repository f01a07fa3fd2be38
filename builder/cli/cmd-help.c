/* cmd-help.c: `sc-build help [COMMAND]` prints what `sc-build COMMAND
 * --help` prints; `sc-build help --man` the SYNOPSIS of sc-build(1), both
 * made from the option tables (help.c). */
#include "cli.h"

#include <getopt.h>
#include <string.h>

enum { OPT_MAN = 0x1c00 };

static const sc_cli_option help_options[] = {
    {"man", no_argument, OPT_MAN, NULL,
     "print the troff SYNOPSIS of sc-build(1) made from the option tables (docs/sc-build.1 "
     "holds it between its GENERATED markers)"},
    SC_CLI_GLOBAL_OPTIONS,
    SC_CLI_OPTIONS_END,
};
const sc_cli_options sc_cmd_help_options = {
    .options = help_options,
    .shortopts = SC_CLI_GLOBAL_SHORT,
    .operands = "[COMMAND]\n--man",
    .about = "Show the usage and options of COMMAND, as `sc-build COMMAND --help` does, or\n"
             "sc-build's own without one.  Each comes from the table the command's option\n"
             "parser reads.\n",
};

int sc_cmd_help(sc_cli *cli, int argc, char **argv)
{
  sc_error err = SC_ERROR_INIT;
  bool man = false;
  int opt;
  while ((opt = sc_cli_getopt("help", argc, argv, &sc_cmd_help_options, &err)) != -1) {
    if (opt == '?')
      return sc_cli_fail_clear(cli, &err);
    if (opt == 'h') {
      sc_cli_print_help(stdout, "help", &sc_cmd_help_options);
      return SC_EXIT_OK;
    }
    if (opt == OPT_MAN)
      man = true;
    else
      sc_cli_global_option(cli, opt);
  }
  sc_cli_finish_options(cli);
  if (argc - optind > (man ? 0 : 1))
    return sc_cli_usage_error(cli, "help", "help takes one COMMAND at most, or --man alone");
  if (man) {
    sc_cli_print_man_synopsis(stdout);
    return SC_EXIT_OK;
  }
  if (optind == argc) {
    sc_cli_print_help(stdout, NULL, &sc_cli_main_options);
    return SC_EXIT_OK;
  }
  for (const sc_cli_command *c = sc_cli_commands(); c->name; c++) {
    if (strcmp(c->name, argv[optind]) == 0) {
      sc_cli_print_help(stdout, c->name, c->options);
      return SC_EXIT_OK;
    }
  }
  return sc_cli_unknown_command(cli, argv[optind]);
}
