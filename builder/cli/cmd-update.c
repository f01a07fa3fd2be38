/* cmd-update.c: `sc-build update [OPTION]... NAME` (the options: the table below). */
#include "install-args.h"

/* update may deploy another image (--image, from a registry too, with
 * new --set values). */
static const sc_cli_option update_options[] = {
    SC_CLI_GLOBAL_OPTIONS,
    SC_INSTALL_OPTIONS,
    SC_CLI_REGISTRY_OPTIONS,
    {"image", required_argument, SC_OPT_IMAGE, "IMAGE",
     "the image to deploy (default: the installed image, re-read)"},
    SC_CLI_OPTIONS_END,
};
const sc_cli_options sc_cmd_update_options = {
    .options = update_options,
    .shortopts = SC_CLI_GLOBAL_SHORT,
    .operands = "NAME",
    .about = "Deploy IMAGE (default: the installed image, re-read) with the saved values plus the\n"
             "new --set values into the other deployment (NAME.1 when NAME.0 is active), then\n"
             "switch to it; the previous deployment is kept for 'sc-build rollback'. Nothing is\n"
             "done when neither the image nor any value changes.  IMAGE may be docker://...,\n"
             "pulled first (--creds, --tls-verify, --cert-dir, --policy, --registries.d as for\n"
             "push).\n",
};

static int update(const sc_image *image, const sc_install_options *options,
                  sc_install_result *result, sc_error *err)
{
  return sc_update(image, options, result, err);
}

int sc_cmd_update(sc_cli *cli, int argc, char **argv)
{
  return sc_install_run_named(cli, argc, argv, &sc_cmd_update_options, "updated", update);
}
