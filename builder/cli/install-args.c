/* install-args.c: shared options and output of the lifecycle commands. */
#include "install-args.h"
#include "hostfs.h"
#include "install-internal.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

void sc_install_args_init(sc_install_args *args, volatile const int *interrupted)
{
  *args = (sc_install_args){.reg = SC_CLI_REGISTRY_ARGS_INIT};
  args->set = sc_values_new();
  args->options = (sc_install_options)SC_INSTALL_OPTIONS_INIT;
  args->options.set = args->set;
  args->options.interrupted = interrupted;
  /* $ATOMIC: the installer's own path, as atomic records it. */
  if (realpath("/proc/self/exe", args->installer_path))
    args->options.installer_path = args->installer_path;
  args->options.atomic_ostree_repo = sc_cli_atomic_ostree_repo();
}

void sc_install_args_clear(sc_install_args *args)
{
  sc_values_free(args->set);
  sc_cli_registry_args_clear(&args->reg);
  *args = (sc_install_args){0};
}

int sc_install_args_option(sc_install_args *args, int opt, const char *arg, sc_error *err)
{
  switch (opt) {
  case SC_OPT_ROOT:
    args->options.root = arg;
    return 1;
  case SC_OPT_SET:
    return sc_values_parse_assignment(args->set, arg, err) < 0 ? -1 : 1;
  case SC_OPT_RUNTIME:
    args->options.runtime_path = arg;
    return 1;
  case SC_OPT_NO_SYSTEMD_CGROUP:
    args->options.no_systemd_cgroup = true;
    return 1;
  default: /* every SC_CLI_REGISTRY_OPTIONS one, --policy and --registries.d too */
    return sc_cli_registry_parse(&args->reg, opt, arg, err);
  }
}

static void print_files(const sc_install_result *result, const char *name)
{
  const char *root_files[] = {"config.json", "info", NULL};
  for (size_t i = 0; root_files[i]; i++)
    fprintf(stderr, "  %s/%s\n", result->deployment, root_files[i]);
  /* The directories made for them first, as they were made. */
  json_t *files = NULL, *checksums = NULL;
  sc_hostfs_info_files(result->info, &files, &checksums);
  size_t i;
  json_t *f;
  json_array_foreach(files, i, f)
  {
    fprintf(stderr, "  %s (from /exports/hostfs)\n", json_string_value(f));
  }
  json_decref(files);
  json_decref(checksums);
  (void)name;
}

int sc_install_print_result(sc_cli *cli, const char *verb, const char *name,
                            const sc_install_result *result)
{
  if (cli->json) {
    json_t *doc = json_pack("{s:b, s:s, s:s, s:b}", "ok", 1, "name", name, "action", verb,
                            "nothing_to_do", result->nothing_to_do);
    if (result->deployment)
      json_object_set_new(doc, "deployment", json_string(result->deployment));
    json_object_set_new(doc, "index", json_integer(result->index));
    if (result->info)
      json_object_set(doc, "info", result->info);
    json_t *kept = json_array();
    for (size_t i = 0; result->kept_files && result->kept_files[i]; i++)
      json_array_append_new(kept, json_string(result->kept_files[i]));
    json_object_set_new(doc, "kept_files", kept);
    sc_cli_print_json(doc);
    return SC_EXIT_OK;
  }
  if (cli->quiet)
    return SC_EXIT_OK;
  if (result->nothing_to_do) {
    fprintf(stderr, "%s: nothing to do: the image and the values are unchanged (%s)\n", name,
            result->deployment);
    return SC_EXIT_OK;
  }
  if (result->deployment)
    fprintf(stderr, "%s %s: %s\n", verb, name, result->deployment);
  else
    fprintf(stderr, "%s %s\n", verb, name);
  if (strcmp(verb, "uninstalled") != 0 && result->deployment)
    print_files(result, name);
  for (size_t i = 0; result->kept_files && result->kept_files[i]; i++)
    fprintf(stderr, "  kept %s: changed since it was installed\n", result->kept_files[i]);
  return SC_EXIT_OK;
}

/* rollback and uninstall only switch or remove what is under --root, so
 * they take nothing else. */
const sc_cli_option sc_install_root_only_options[] = {
    SC_CLI_GLOBAL_OPTIONS,
    SC_INSTALL_ROOT_OPTION,
    SC_CLI_OPTIONS_END,
};

int sc_install_run_named(sc_cli *cli, int argc, char **argv, const sc_cli_options *options,
                         const char *verb, sc_lifecycle_fn fn)
{
  const char *command = argv[0];
  const char *image_ref = NULL;
  sc_install_args args;
  sc_install_args_init(&args, sc_cli_catch_interrupts());
  sc_error err = SC_ERROR_INIT;
  int rc = SC_EXIT_OK, opt;
  while ((opt = sc_cli_getopt(command, argc, argv, options, &err)) != -1) {
    if (opt == '?') {
      rc = sc_cli_fail(cli, &err);
      goto out;
    }
    /* Only update's table has --image. */
    int r = opt == SC_OPT_IMAGE ? 1 : sc_install_args_option(&args, opt, optarg, &err);
    if (opt == SC_OPT_IMAGE)
      image_ref = optarg;
    if (opt == 'h') {
      sc_cli_print_help(stdout, command, options);
      goto out;
    }
    if (r < 0) {
      rc = sc_cli_fail(cli, &err);
      goto out;
    }
    if (r == 0 && !sc_cli_global_option(cli, opt)) {
      rc = sc_cli_usage_error(cli, command, "unknown option");
      goto out;
    }
  }
  sc_cli_finish_options(cli);
  if (optind != argc - 1) {
    rc = sc_cli_usage_error(cli, command, "%s takes one container NAME", command);
    goto out;
  }
  args.options.name = argv[optind];
  sc_install_result result = {0};
  sc_image *image = NULL;
  if ((image_ref && sc_cli_open_image(cli, &args.reg, image_ref, &image, &err) < 0) ||
      fn(image, &args.options, &result, &err) < 0)
    rc = sc_cli_fail(cli, &err);
  else
    rc = sc_install_print_result(cli, verb, args.options.name, &result);
  sc_image_free(image);
  sc_install_result_clear(&result);
out:
  sc_error_clear(&err);
  sc_install_args_clear(&args);
  return rc;
}
