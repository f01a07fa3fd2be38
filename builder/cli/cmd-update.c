/* cmd-update.c: sc-build update NAME [--image IMAGE] [--set K=V]... */
#include "install-args.h"

static const char usage[] =
    "usage: sc-build update NAME [--image IMAGE] [--set NAME=VALUE]... [--root ROOT]\n"
    "                       [--runtime PATH] [--no-systemd-cgroup] [--json]\n\n"
    "Deploy IMAGE (default: the installed image, re-read) with the saved values plus the\n"
    "new --set values into the other deployment (NAME.1 when NAME.0 is active), then\n"
    "switch to it; the previous deployment is kept for 'sc-build rollback'. Nothing is\n"
    "done when neither the image nor any value changes.  IMAGE may be docker://...,\n"
    "pulled first (--creds, --tls-verify, --cert-dir, --policy, --registries.d as for\n"
    "push).\n"
    "\n" SC_CLI_GLOBAL_HELP "\n" SC_CLI_REGISTRY_HELP;

static int update(const sc_image *image, const sc_install_options *options,
                  sc_install_result *result, sc_error *err)
{
  return sc_update(image, options, result, err);
}

int sc_cmd_update(sc_cli *cli, int argc, char **argv)
{
  return sc_install_run_named(cli, argc, argv, usage, &sc_cmd_update_options, "updated", update);
}
