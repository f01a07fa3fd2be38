/* cmd-images.c: sc-build images [--layout L]... [--repo R]... [--cache] [--root ROOT] [--json] */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "store-args.h"
#include "util.h"

static void format_size(int64_t bytes, char out[16])
{
  const char *units[] = {"B", "kB", "MB", "GB", "TB"};
  double value = (double)bytes;
  size_t u = 0;
  while (value >= 1000 && u + 1 < sizeof units / sizeof units[0]) {
    value /= 1000;
    u++;
  }
  snprintf(out, 16, u ? "%.1f %s" : "%.0f %s", value, units[u]);
}

static const char *or_dash(json_t *o, const char *key)
{
  const char *s = json_string_value(json_object_get(o, key));
  return s && s[0] ? s : "-";
}

static void print_table(json_t *images)
{
  printf("%-28s %-16s %-19s %-9s %-20s %-16s %s\n", "NAME", "TAG", "DIGEST", "SIZE", "CREATED",
         "USED BY", "STORE");
  size_t i;
  json_t *o;
  json_array_foreach(images, i, o)
  {
    char size[16];
    format_size(json_integer_value(json_object_get(o, "size")), size);
    _cleanup_free_ char *users = NULL;
    json_t *used = json_object_get(o, "used_by");
    for (size_t k = 0; k < json_array_size(used); k++) {
      char *joined = xasprintf("%s%s%s", users ? users : "", users ? "," : "",
                               json_string_value(json_array_get(used, k)));
      free(users);
      users = joined;
    }
    const char *digest = or_dash(o, "digest");
    printf("%-28s %-16s %-19.19s %-9s %-20.20s %-16s %s:%s\n", or_dash(o, "name"),
           or_dash(o, "tag"), digest, size, or_dash(o, "created"), users ? users : "-",
           or_dash(o, "kind"), or_dash(o, "store"));
  }
}

static int list_images(sc_cli *cli, sc_store_args *a, sc_error *err)
{
  json_t *installed = NULL;
  if (sc_store_args_finish(a, err) < 0 || sc_store_args_installed(a, &installed, err) < 0)
    return -1;
  json_t *images = json_array();
  int r = 0;
  for (size_t i = 0; r == 0 && i < a->count; i++)
    r = sc_stores_list(&a->stores[i], installed, images, err);
  json_decref(installed);
  if (r == 0 && cli->json)
    sc_cli_print_json(json_pack("{s:b, s:O}", "ok", 1, "images", images));
  else if (r == 0)
    print_table(images);
  json_decref(images);
  return r;
}

static const sc_cli_option images_options[] = {SC_CLI_GLOBAL_OPTIONS, SC_STORE_OPTIONS,
                                               SC_CLI_OPTIONS_END};
const sc_cli_options sc_cmd_images_options = {
    .options = images_options,
    .shortopts = SC_CLI_GLOBAL_SHORT,
    .operands = "",
    .about =
        "List the images of OCI layouts (--layout), OSTree repositories (--repo) and sc-build's\n"
        "cache (--cache): name, tag, digest, size, created, and the containers installed under\n"
        "ROOT (default /) that use each. Without a store option: the cache, and atomic's\n"
        "repository ROOT/ostree/repo when it exists.\n",
};

int sc_cmd_images(sc_cli *cli, int argc, char **argv)
{
  sc_store_args a = {0};
  sc_error err = SC_ERROR_INIT;
  int opt, rc = SC_EXIT_OK;
  while ((opt = sc_cli_getopt("images", argc, argv, &sc_cmd_images_options, &err)) != -1) {
    if (opt == '?') {
      sc_store_args_clear(&a);
      return sc_cli_fail_clear(cli, &err);
    }
    if (opt == 'h') {
      sc_cli_print_help(stdout, "images", &sc_cmd_images_options);
      sc_store_args_clear(&a);
      return SC_EXIT_OK;
    }
    if (!sc_store_args_option(&a, opt, optarg) && !sc_cli_global_option(cli, opt)) {
      sc_store_args_clear(&a);
      return sc_cli_usage_error(cli, "images", "unknown option");
    }
  }
  sc_cli_finish_options(cli);
  if (optind != argc)
    rc = sc_cli_usage_error(cli, "images", "images takes no arguments");
  if (rc == SC_EXIT_OK && list_images(cli, &a, &err) < 0)
    rc = sc_cli_fail(cli, &err);
  sc_error_clear(&err);
  sc_store_args_clear(&a);
  return rc;
}
