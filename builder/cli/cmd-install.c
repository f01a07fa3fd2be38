/* cmd-install.c: `sc-build install [OPTION]... IMAGE` (the options: the table below). */
#include <stdlib.h>
#include <string.h>

#include "install-args.h"
#include "install-internal.h"
#include "util.h"

static int install_image(sc_cli *cli, const char *reference, sc_install_args *args, sc_error *err)
{
  sc_image *image = NULL;
  if (sc_cli_open_image(cli, &args->reg, reference, &image, err) < 0)
    return sc_cli_fail(cli, err);
  _cleanup_free_ char *name = args->options.name ? NULL : sc_container_default_name(image);
  if (name)
    args->options.name = name;
  sc_install_result result = {0};
  int rc;
  if (sc_install(image, &args->options, &result, err) < 0)
    rc = sc_cli_fail(cli, err);
  else
    rc = sc_install_print_result(cli, "installed", args->options.name, &result);
  sc_install_result_clear(&result);
  sc_image_free(image);
  return rc;
}

static const sc_cli_option install_options[] = {
    SC_CLI_GLOBAL_OPTIONS,
    SC_INSTALL_OPTIONS,
    SC_CLI_REGISTRY_OPTIONS,
    {"name", required_argument, SC_OPT_NAME, "NAME",
     "the system container's name (default: the image's name, with -TAG unless the tag is "
     "latest)"},
    SC_CLI_OPTIONS_END,
};
const sc_cli_options sc_cmd_install_options = {
    .options = install_options,
    .shortopts = SC_CLI_GLOBAL_SHORT,
    .operands = "IMAGE",
    .about = "Install IMAGE (oci:, oci-archive:, docker-archive:, dir:, ostree:, or a\n"
             "docker:// image pulled into the cache with --creds, --tls-verify, --cert-dir,\n"
             "once it satisfies the signature policy of --policy and --registries.d) as the\n"
             "system container NAME under ROOT (default /):\n"
             "the deployment in ROOT/var/lib/containers/atomic/NAME.0, the unit in\n"
             "ROOT/etc/systemd/system/NAME.service, tmpfiles in ROOT/etc/tmpfiles.d/NAME.conf.\n",
};

int sc_cmd_install(sc_cli *cli, int argc, char **argv)
{
  sc_install_args args;
  sc_install_args_init(&args, sc_cli_catch_interrupts());
  sc_error err = SC_ERROR_INIT;
  int rc = SC_EXIT_OK, opt;
  while ((opt = sc_cli_getopt("install", argc, argv, &sc_cmd_install_options, &err)) != -1) {
    if (opt == '?') {
      rc = sc_cli_fail(cli, &err);
      goto out;
    }
    if (opt == 'h') {
      sc_cli_print_help(stdout, "install", &sc_cmd_install_options);
      goto out;
    }
    if (opt == SC_OPT_NAME) {
      args.options.name = optarg;
      continue;
    }
    int r = sc_install_args_option(&args, opt, optarg, &err);
    if (r < 0) {
      rc = sc_cli_fail(cli, &err);
      goto out;
    }
    if (r == 0 && !sc_cli_global_option(cli, opt)) {
      rc = sc_cli_usage_error(cli, "install", "unknown option");
      goto out;
    }
  }
  sc_cli_finish_options(cli);
  if (optind != argc - 1)
    rc = sc_cli_usage_error(cli, "install", "install takes one IMAGE");
  else
    rc = install_image(cli, argv[optind], &args, &err);
out:
  sc_error_clear(&err);
  sc_install_args_clear(&args);
  return rc;
}
