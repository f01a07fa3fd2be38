/* cmd-uninstall.c: sc-build uninstall NAME */
#include "install-args.h"

const sc_cli_options sc_cmd_uninstall_options = {
    .options = sc_install_root_only_options,
    .shortopts = SC_CLI_GLOBAL_SHORT,
    .operands = "NAME",
    .about = "Remove NAME's deployments, unit, tmpfiles file and the host files it installed from\n"
             "/exports/hostfs. A host file changed since install is kept and reported.\n",
};

static int uninstall(const sc_image *image, const sc_install_options *options,
                     sc_install_result *result, sc_error *err)
{
  (void)image;
  return sc_uninstall(options, result, err);
}

int sc_cmd_uninstall(sc_cli *cli, int argc, char **argv)
{
  return sc_install_run_named(cli, argc, argv, &sc_cmd_uninstall_options, "uninstalled", uninstall);
}
