/* cmd-rollback.c: sc-build rollback NAME */
#include "install-args.h"

static const char usage[] =
    "usage: sc-build rollback NAME [--root ROOT] [--json]\n\n"
    "Switch NAME back to its other deployment and restore that deployment's unit and\n"
    "tmpfiles file. Running it twice returns to where it started.\n"
    "\n" SC_CLI_GLOBAL_HELP;

static int rollback(const sc_image *image, const sc_install_options *options,
                    sc_install_result *result, sc_error *err)
{
  (void)image;
  return sc_rollback(options, result, err);
}

int sc_cmd_rollback(sc_cli *cli, int argc, char **argv)
{
  return sc_install_run_named(cli, argc, argv, usage, &sc_cmd_rollback_options, "rolled back",
                              rollback);
}
