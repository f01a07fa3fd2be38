/* cmd-init.c: `sc-build init [OPTION]... DIR` (the options: the table below). */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "init.h"
#include "project.h"
#include "util.h"

static void print_skeletons(sc_cli *cli, const sc_skeleton_list *list)
{
  if (cli->json) {
    json_t *items = json_array();
    for (size_t i = 0; i < list->count; i++)
      json_array_append_new(items, json_pack("{s:s,s:s}", "name", list->items[i].name,
                                             "description", list->items[i].description));
    sc_cli_print_json(json_pack("{s:b,s:o}", "ok", 1, "skeletons", items));
    return;
  }
  for (size_t i = 0; i < list->count; i++) {
    if (list->items[i].description[0])
      printf("%-14s %s\n", list->items[i].name, list->items[i].description);
    else
      printf("%s\n", list->items[i].name);
  }
}

/* The path as a shell word, for the commands we suggest. */
static char *shell_quote(const char *s)
{
  if (s[0] != '\0' && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                "0123456789_-./+:,@%=") == strlen(s))
    return xstrdup(s);
  sc_buf b = SC_BUF_INIT;
  sc_buf_putc(&b, '\'');
  for (const char *p = s; *p; p++) {
    if (*p == '\'')
      sc_buf_puts(&b, "'\\''");
    else
      sc_buf_putc(&b, *p);
  }
  sc_buf_putc(&b, '\'');
  return sc_buf_steal(&b);
}

/* When the directory's name picked no skeleton, say which one was taken
 * and how to choose another, since nothing on the command line named it. */
static void print_default_skeleton_note(const char *path, const char *skeleton)
{
  _cleanup_free_ char *name = sc_init_project_name(path);
  if (strcmp(name, skeleton) == 0)
    return;
  printf("(No skeleton is named %s, so the default, %s, was used: `sc-build init --list`\n"
         " shows the others, and `sc-build init --skeleton S DIR` picks one.)\n",
         name, skeleton);
}

static void print_created(sc_cli *cli, const char *path, const char *skeleton, bool requested)
{
  if (cli->json) {
    sc_cli_print_json(json_pack("{s:b,s:s,s:s}", "ok", 1, "path", path, "skeleton", skeleton));
    return;
  }
  if (cli->quiet)
    return;
  _cleanup_free_ char *word = shell_quote(path);
  _cleanup_free_ char *name = sc_init_project_name(path);
  printf("Created %s from the %s skeleton:\n", path, skeleton);
  if (!requested)
    print_default_skeleton_note(path, skeleton);
  static const struct {
    const char *file, *what;
  } files[] = {
      {SC_FILE_MANIFEST, "install options and default values"},
      {SC_FILE_CONFIG_TEMPLATE, "the runc configuration"},
      {SC_FILE_SERVICE_TEMPLATE, "the systemd unit"},
      {SC_FILE_TMPFILES_TEMPLATE, "tmpfiles.d lines for the host"},
      {"rootfs/", "the container's filesystem"},
      {SC_FILE_SETTINGS, "sc-build's settings (image name, labels, probes)"},
  };
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    _cleanup_free_ char *made = sc_path_join(path, files[i].file);
    if (access(made, F_OK) == 0) /* a custom skeleton may lack some */
      printf("  %-24s%s\n", files[i].file, files[i].what);
  }
  printf("The image is named %s (see %s).\n\nNext:\n", name, SC_FILE_SETTINGS);
  printf("  sc-build validate %s\n  sc-build build %s\n", word, word);
}

static const sc_cli_option init_options[] = {
    {"skeleton", required_argument, 's', "SKELETON",
     "the skeleton to start from (default: the skeleton named like DIR if there is one, else "
     "hello-world; --list names them)"},
    {"list", no_argument, 'l', NULL, "list the skeletons and what they are"},
    SC_CLI_GLOBAL_OPTIONS,
    SC_CLI_OPTIONS_END,
};
const sc_cli_options sc_cmd_init_options = {
    .options = init_options,
    .shortopts = "s:l" SC_CLI_GLOBAL_SHORT,
    .operands = "DIR\n--list",
    .about = "Create the project directory DIR from a skeleton: the four template files,\n"
             "a rootfs/ with a small static service, and sc-build.json naming the image\n"
             "after DIR.  DIR must not exist.\n",
};

int sc_cmd_init(sc_cli *cli, int argc, char **argv)
{
  const char *skeleton = NULL;
  bool list = false;
  sc_error err = SC_ERROR_INIT;
  int opt;
  while ((opt = sc_cli_getopt("init", argc, argv, &sc_cmd_init_options, &err)) != -1) {
    switch (opt) {
    case 's':
      skeleton = optarg;
      break;
    case 'l':
      list = true;
      break;
    case 'h':
      sc_cli_print_help(stdout, "init", &sc_cmd_init_options);
      return SC_EXIT_OK;
    case '?':
      return sc_cli_fail_clear(cli, &err);
    default:
      if (!sc_cli_global_option(cli, opt))
        return sc_cli_usage_error(cli, "init", "unknown option '%s'", argv[optind - 1]);
    }
  }
  sc_cli_finish_options(cli);
  int positional = argc - optind;
  if (list && (positional > 0 || skeleton))
    return sc_cli_usage_error(cli, "init", "--list takes no directory or --skeleton");
  if (!list && positional == 0)
    return sc_cli_usage_error(cli, "init", "missing the project directory DIR");
  if (positional > 1)
    return sc_cli_usage_error(cli, "init", "one project directory only (got '%s' and '%s')",
                              argv[optind], argv[optind + 1]);
  if (skeleton && skeleton[0] == '\0')
    return sc_cli_usage_error(cli, "init", "--skeleton needs a value");

  _cleanup_free_ char *skeletons_dir = NULL;
  sc_skeleton_list skeletons = {NULL, 0};
  int rc = SC_EXIT_OK;
  if (sc_cli_datadir_sub("skeletons", &skeletons_dir, &err) < 0 ||
      sc_skeleton_list_read(skeletons_dir, &skeletons, &err) < 0) {
    rc = sc_cli_fail(cli, &err);
    goto out;
  }
  if (list) {
    print_skeletons(cli, &skeletons);
    goto out;
  }
  const char *path = argv[optind];
  const char *chosen = NULL;
  if (sc_init_choose_skeleton(&skeletons, skeleton, path, &chosen, &err) < 0) {
    rc = sc_cli_fail(cli, &err);
    goto out;
  }
  if (cli->verbose)
    sc_cli_info(cli, "sc-build: copying %s/%s", skeletons_dir, chosen);
  sc_init_options init = {.skeletons_dir = skeletons_dir, .skeleton = chosen, .path = path};
  if (sc_init_project(&init, &err) < 0) {
    rc = sc_cli_fail(cli, &err);
    goto out;
  }
  print_created(cli, path, chosen, skeleton != NULL);
out:
  sc_skeleton_list_free(&skeletons);
  sc_error_clear(&err);
  return rc;
}
