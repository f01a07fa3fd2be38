/* cmd-uninstall.c: sc-build uninstall NAME */
#include "install-args.h"

static const char usage[] =
    "usage: sc-build uninstall NAME [--root ROOT] [--json]\n\n"
    "Remove NAME's deployments, unit, tmpfiles file and the host files it installed from\n"
    "/exports/hostfs. A host file changed since install is kept and reported.\n"
    "\n" SC_CLI_GLOBAL_HELP;

static int uninstall(const sc_image *image, const sc_install_options *options,
                     sc_install_result *result, sc_error *err)
{
  (void)image;
  return sc_uninstall(options, result, err);
}

int sc_cmd_uninstall(sc_cli *cli, int argc, char **argv)
{
  return sc_install_run_named(cli, argc, argv, usage, &sc_cmd_uninstall_options, "uninstalled",
                              uninstall);
}
