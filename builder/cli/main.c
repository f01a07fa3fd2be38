/* main.c: sc-build's command table. Commands live in cmd-NAME.c. */
#include "cli.h"

#include "suggest.h"
#include "util.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Each command with its option table (cli.h): the parser's, and what
 * `sc-build completion` generates from. */
static const sc_cli_command commands[] = {
    {"init", sc_cmd_init, &sc_cmd_init_options, "create a project directory from a skeleton"},
    {"validate", sc_cmd_validate, &sc_cmd_validate_options,
     "check a project and report every problem"},
    {"build", sc_cmd_build, &sc_cmd_build_options, "build an OCI image from a project"},
    {"inspect", sc_cmd_inspect, &sc_cmd_inspect_options, "show what is in an image"},
    {"sbom", sc_cmd_sbom, &sc_cmd_sbom_options,
     "write an SPDX 2.3 SBOM of an image: packages and files"},
    {"import", sc_cmd_import, &sc_cmd_import_options,
     "import an OCI image into an OSTree repository"},
    {"install", sc_cmd_install, &sc_cmd_install_options,
     "install an image as a system container under a root"},
    {"update", sc_cmd_update, &sc_cmd_update_options,
     "deploy a new image or new values, keeping the old for rollback"},
    {"rollback", sc_cmd_rollback, &sc_cmd_rollback_options,
     "switch back to the previous deployment"},
    {"uninstall", sc_cmd_uninstall, &sc_cmd_uninstall_options,
     "remove an installed system container"},
    {"list", sc_cmd_list, &sc_cmd_list_options, "list installed system containers"},
    {"test", sc_cmd_test, &sc_cmd_test_options,
     "install an image in a temporary root, start it with runc, probe it"},
    {"run", sc_cmd_run, &sc_cmd_run_options, "run a one-off command in an image with runc"},
    {"images", sc_cmd_images, &sc_cmd_images_options,
     "list the images of layouts, OSTree repositories and the cache"},
    {"rmi", sc_cmd_rmi, &sc_cmd_rmi_options, "remove image tags"},
    {"prune", sc_cmd_prune, &sc_cmd_prune_options,
     "remove what no image or tag references from the stores"},
    {"pull", sc_cmd_pull, &sc_cmd_pull_options,
     "pull an image from a registry into the cache, checked against the signature policy"},
    {"push", sc_cmd_push, &sc_cmd_push_options,
     "push an image to a registry over the OCI distribution API"},
    {"login", sc_cmd_login, &sc_cmd_login_options,
     "check registry credentials and store them in auth.json"},
    {"logout", sc_cmd_logout, &sc_cmd_logout_options,
     "remove a registry's credentials from auth.json"},
    {"completion", sc_cmd_completion, &sc_cmd_completion_options,
     "print a bash or zsh completion script generated from the option tables"},
    {"help", sc_cmd_help, &sc_cmd_help_options, "show a command's usage and options"},
    {NULL, NULL, NULL, NULL},
};

const sc_cli_command *sc_cli_commands(void)
{
  return commands;
}

static const sc_cli_option main_options[] = {
    SC_CLI_GLOBAL_OPTIONS,
    {"version", no_argument, 'V', NULL, "print the version and exit"},
    SC_CLI_OPTIONS_END,
};
/* '+': stop at the command name; its options are its own. */
const sc_cli_options sc_cli_main_options = {
    .options = main_options,
    .shortopts = "+" SC_CLI_GLOBAL_SHORT "V",
    .operands = "COMMAND [ARGS]...",
    .about = "Build, check and test system-container images.\n",
};

static void print_usage(FILE *out)
{
  sc_cli_print_help(out, NULL, &sc_cli_main_options);
}

/* Output that could not be written is a failure, not a silent success (as
 * git's main does): SIGPIPE no longer ends the process (signals.c), so a
 * closed pipe shows here as EPIPE, said by the status alone since its
 * reader has gone. */
static int finish_output(int rc)
{
  errno = 0;
  if ((fflush(stdout) == 0 && !ferror(stdout)) || rc != SC_EXIT_OK)
    return rc; /* a failed command has said why already */
  if (errno != EPIPE)
    fprintf(stderr, "sc-build: error: cannot write the output%s%s\n", errno ? ": " : "",
            errno ? strerror(errno) : "");
  return SC_EXIT_FAILED;
}

static int print_version(const sc_cli *cli)
{
  if (cli->json)
    sc_cli_print_json(json_pack("{s:b,s:s}", "ok", 1, "version", SC_VERSION));
  else
    printf("sc-build %s\n", SC_VERSION);
  return SC_EXIT_OK;
}

/* A usage error of sc-build itself, printed once (one JSON document with
 * --json). */
static int fail_usage(sc_cli *cli, sc_error *err)
{
  sc_cli_finish_options(cli);
  return sc_cli_fail_clear(cli, err);
}

int sc_cli_unknown_command(sc_cli *cli, const char *name)
{
  const char *names[sizeof commands / sizeof commands[0]];
  size_t count = 0;
  for (const sc_cli_command *c = commands; c->name; c++)
    names[count++] = c->name;
  sc_suggestions s;
  sc_suggest(name, names, count, &s);
  _cleanup_free_ char *phrase = sc_suggest_phrase(&s, "");
  sc_error err = SC_ERROR_INIT;
  sc_error_set(&err, SC_E_USAGE, "unknown command '%s'%s", name,
               s.count ? phrase : " (see 'sc-build --help')");
  sc_cli_finish_options(cli);
  return sc_cli_fail_clear(cli, &err);
}

int main(int argc, char **argv)
{
  sc_cli cli = {.argv0 = "sc-build"};
  sc_error err = SC_ERROR_INIT;
  bool version = false;
  int opt;
  while ((opt = sc_cli_getopt(NULL, argc, argv, &sc_cli_main_options, &err)) != -1) {
    if (opt == '?')
      return fail_usage(&cli, &err);
    if (opt == 'h') {
      print_usage(stdout);
      return SC_EXIT_OK;
    }
    if (opt == 'V')
      version = true; /* printed once --json, after it too, is known */
    else if (!sc_cli_global_option(&cli, opt))
      return fail_usage(&cli, &err);
  }
  if (version)
    return finish_output(print_version(&cli));
  if (optind >= argc && !cli.json) {
    print_usage(stderr); /* what there is to run */
    return SC_EXIT_USAGE;
  }
  if (optind >= argc) {
    sc_error_set(&err, SC_E_USAGE, "missing the COMMAND (see 'sc-build --help')");
    return fail_usage(&cli, &err);
  }
  const char *name = argv[optind];
  for (const sc_cli_command *c = commands; c->name; c++) {
    if (strcmp(c->name, name) == 0) {
      int sub_argc = argc - optind;
      char **sub_argv = argv + optind;
      optind = 0; /* reset getopt for the command's own parsing */
      sc_cli_finish_options(&cli);
      return finish_output(c->fn(&cli, sub_argc, sub_argv));
    }
  }
  return sc_cli_unknown_command(&cli, name);
}
