/* cmd-images.c: `sc-build images [OPTION]...` (the options: the table below). */
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

enum { COLUMNS = 7 };

/* The used_by list of an image, comma-separated, or NULL. */
static char *joined_users(json_t *o)
{
  char *users = NULL;
  json_t *used = json_object_get(o, "used_by");
  for (size_t k = 0; k < json_array_size(used); k++) {
    char *joined = xasprintf("%s%s%s", users ? users : "", users ? "," : "",
                             json_string_value(json_array_get(used, k)));
    free(users);
    users = joined;
  }
  return users;
}

/* One row's cells; the digest and the creation time are cut as before
 * (their start tells them apart), the rest is shown whole. */
static void image_row(json_t *o, char *cells[COLUMNS])
{
  char size[16];
  format_size(json_integer_value(json_object_get(o, "size")), size);
  char *users = joined_users(o);
  cells[0] = xstrdup(or_dash(o, "name"));
  cells[1] = xstrdup(or_dash(o, "tag"));
  cells[2] = xasprintf("%.19s", or_dash(o, "digest"));
  cells[3] = xstrdup(size);
  cells[4] = xasprintf("%.20s", or_dash(o, "created"));
  cells[5] = users ? users : xstrdup("-");
  cells[6] = xasprintf("%s:%s", or_dash(o, "kind"), or_dash(o, "store"));
}

static void print_row(char *const cells[COLUMNS], const int widths[COLUMNS])
{
  for (size_t c = 0; c + 1 < COLUMNS; c++)
    printf("%-*s ", widths[c], cells[c]);
  printf("%s\n", cells[COLUMNS - 1]);
}

/* Each column as wide as its widest cell: a cache image's tag is a
 * 64-hex digest, and a fixed width let it push the columns after it
 * out of line. */
static void print_table(json_t *images)
{
  static char *header[COLUMNS] = {"NAME", "TAG", "DIGEST", "SIZE", "CREATED", "USED BY", "STORE"};
  size_t n = json_array_size(images);
  char *(*rows)[COLUMNS] = xcalloc(n ? n : 1, sizeof *rows);
  int widths[COLUMNS];
  for (size_t c = 0; c < COLUMNS; c++)
    widths[c] = (int)strlen(header[c]);
  for (size_t i = 0; i < n; i++) {
    image_row(json_array_get(images, i), rows[i]);
    for (size_t c = 0; c < COLUMNS; c++)
      if ((int)strlen(rows[i][c]) > widths[c])
        widths[c] = (int)strlen(rows[i][c]);
  }
  print_row(header, widths);
  for (size_t i = 0; i < n; i++) {
    print_row(rows[i], widths);
    for (size_t c = 0; c < COLUMNS; c++)
      free(rows[i][c]);
  }
  free(rows);
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
