/* cmd-import.c: `sc-build import [OPTION]... IMAGE` (the options: the table below). */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <sc/image.h>

#include "cli.h"
#include "image-source.h"
#include "ostree-import.h"
#include "registry-args.h"

enum { OPT_REPO = 0x1200, OPT_TAG, OPT_MODE };

static json_t *result_json(const sc_ostree_import_result *result)
{
  json_t *branches = json_array();
  for (size_t i = 0; i < result->branch_count; i++)
    json_array_append_new(branches, json_pack("{s:s, s:s, s:b}", "branch", result->branches[i].name,
                                              "commit", result->branches[i].commit, "reused",
                                              result->branches[i].reused));
  return json_pack("{s:b, s:s, s:s, s:s, s:b, s:o}", "ok", 1, "reference", result->reference,
                   "repo", result->repo_path, "mode", result->mode, "created", result->created,
                   "branches", branches);
}

static void print_result(sc_cli *cli, const sc_ostree_import_result *result)
{
  if (!cli->quiet) {
    fprintf(stderr, "imported into %s (%s%s):\n", result->repo_path, result->mode,
            result->created ? ", created" : "");
    for (size_t i = 0; i < result->branch_count; i++)
      fprintf(stderr, "  %s %s%s\n", result->branches[i].name, result->branches[i].commit,
              result->branches[i].reused ? " (already there)" : "");
  }
  /* stdout holds only the reference, for `ref=$(sc-build import ...)`. */
  printf("%s\n", result->reference);
}

static int run_import(sc_cli *cli, sc_cli_registry_args *reg, const char *image_ref,
                      const char *repo, const sc_ostree_import_options *options)
{
  sc_error err = SC_ERROR_INIT;
  sc_image *image = NULL;
  sc_ostree_import_result result = {0};
  int rc = SC_EXIT_OK;
  if (sc_cli_open_image(cli, reg, image_ref, &image, &err) < 0 ||
      sc_ostree_import(image, repo, options, &result, &err) < 0)
    rc = sc_cli_fail(cli, &err);
  else if (cli->json)
    sc_cli_print_json(result_json(&result));
  else
    print_result(cli, &result);
  sc_ostree_import_result_clear(&result);
  sc_image_free(image);
  sc_error_clear(&err);
  return rc;
}

static const sc_cli_option import_table[] = {
    SC_CLI_GLOBAL_OPTIONS,
    SC_CLI_REGISTRY_OPTIONS,
    {"repo", required_argument, OPT_REPO, "REPO",
     "the OSTree repository to import into, made when missing (required)"},
    {"tag", required_argument, OPT_TAG, "NAME:TAG",
     "the name to import under (default: the image's ref name)"},
    {"mode", required_argument, OPT_MODE, "MODE",
     "bare, bare-user or archive, for a new repository (default: bare as root, bare-user "
     "otherwise)"},
    SC_CLI_OPTIONS_END,
};
const sc_cli_options sc_cmd_import_options = {
    .options = import_table,
    .shortopts = SC_CLI_GLOBAL_SHORT,
    .operands = "IMAGE",
    .about =
        "Import IMAGE (oci:, oci-archive:, docker-archive:, dir:, docker://) into the OSTree\n"
        "repository REPO as skopeo's ostree: transport does, creating REPO when missing.\n"
        "One branch per layer (ociimage/HEX), one for the config, and ociimage/ENCODED-NAME for\n"
        "the image, named NAME:TAG (default: the image's ref name).  Prints the reference to\n"
        "install it from: ostree:NAME:TAG@REPO.  A docker:// IMAGE is pulled first, through\n"
        "registries.conf as every pull (short names, mirrors).\n",
};

int sc_cmd_import(sc_cli *cli, int argc, char **argv)
{
  sc_ostree_import_options import_options = {.interrupted = sc_cli_catch_interrupts()};
  const char *repo = NULL;
  sc_cli_registry_args reg = SC_CLI_REGISTRY_ARGS_INIT;
  sc_error err = SC_ERROR_INIT;
  int opt, taken;
  while ((opt = sc_cli_getopt("import", argc, argv, &sc_cmd_import_options, &err)) != -1) {
    if (opt == '?')
      return sc_cli_fail_clear(cli, &err);
    if (opt == 'h') {
      sc_cli_print_help(stdout, "import", &sc_cmd_import_options);
      return SC_EXIT_OK;
    }
    if ((taken = sc_cli_registry_option(cli, "import", &reg, opt, optarg)) != 0) {
      if (taken != 1)
        return taken;
    } else if (opt == OPT_REPO) {
      repo = optarg;
    } else if (opt == OPT_TAG) {
      import_options.tag = optarg;
    } else if (opt == OPT_MODE) {
      if (sc_ostree_mode_parse(optarg, &import_options.mode, &err) < 0)
        return sc_cli_fail_clear(cli, &err);
    } else if (!sc_cli_global_option(cli, opt)) {
      return sc_cli_usage_error(cli, "import", "unknown option");
    }
  }
  sc_cli_finish_options(cli);
  int rc = sc_cli_source_date_epoch(cli, &import_options.timestamp);
  if (rc != 0)
    return rc;
  if (optind != argc - 1)
    return sc_cli_usage_error(cli, "import", "import takes one IMAGE");
  if (repo == NULL)
    return sc_cli_usage_error(cli, "import", "--repo REPO is required");
  rc = run_import(cli, &reg, argv[optind], repo, &import_options);
  sc_cli_registry_args_clear(&reg);
  return rc;
}
