/* cmd-rollback.c: sc-build rollback NAME */
#include "install-args.h"

const sc_cli_options sc_cmd_rollback_options = {
    .options = sc_install_root_only_options,
    .shortopts = SC_CLI_GLOBAL_SHORT,
    .operands = "NAME",
    .about = "Switch NAME back to its other deployment and restore that deployment's unit and\n"
             "tmpfiles file. Running it twice returns to where it started.\n",
};

static int rollback(const sc_image *image, const sc_install_options *options,
                    sc_install_result *result, sc_error *err)
{
  (void)image;
  return sc_rollback(options, result, err);
}

int sc_cmd_rollback(sc_cli *cli, int argc, char **argv)
{
  return sc_install_run_named(cli, argc, argv, &sc_cmd_rollback_options, "rolled back", rollback);
}
