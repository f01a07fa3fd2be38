/* cmd-validate.c: `sc-build validate [OPTION]... [DIR]` (the options: the table below). */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "diag-internal.h"
#include "project.h"
#include "registry-args.h"
#include "util.h"
#include "validate.h"

enum { OPT_SET = 0x2001, OPT_FROM, OPT_PLATFORM };

typedef struct validate_args {
  const char *dir;
  sc_values *set;
  const char *from;         /* --from */
  sc_platforms platforms;   /* --platform */
  sc_cli_registry_args reg; /* for a docker:// base */
  sc_pull_options pull;
  sc_cli_progress bars;
} validate_args;

static const sc_cli_option validate_options[] = {
    {"set", required_argument, OPT_SET, "NAME=VALUE",
     "a value an install would be given with --set (repeatable)"},
    {"from", required_argument, OPT_FROM, "IMAGE",
     "the base image, as build --from takes it: oci:PATH[:TAG] or "
     "docker://HOST/REPO[:TAG|@DIGEST] (pulled into the base cache); default: \"from\" of "
     "sc-build.json"},
    {"platform", required_argument, OPT_PLATFORM, "OS/ARCH[/VARIANT]",
     "comma-separated for several: check each platform's image (its base, rootfs/ and "
     "rootfs.OS-ARCH/) and that its programs are ELF files of its architecture, as build "
     "--platform does (default: \"platforms\" of sc-build.json)"},
    SC_CLI_REGISTRY_OPTIONS,
    SC_CLI_GLOBAL_OPTIONS,
    SC_CLI_OPTIONS_END,
};
const sc_cli_options sc_cmd_validate_options = {
    .options = validate_options,
    .shortopts = SC_CLI_GLOBAL_SHORT,
    .operands = "[DIR]",
    .about = "Check the project in DIR (default: the current directory) and report every\n"
             "problem as FILE:LINE:COL, like a compiler.  Templates are rendered with the\n"
             "values an install would use; process.args[0], its #! interpreter, ELF loader\n"
             "and libraries are looked for in rootfs/ over the base image.  Exit 0 when\n"
             "there is no error, 1 otherwise.\n",
};

/* Returns -1 to go on, else the exit code. */
static int parse_args(sc_cli *cli, int argc, char **argv, validate_args *a)
{
  sc_error err = SC_ERROR_INIT;
  int opt;
  while ((opt = sc_cli_getopt("validate", argc, argv, &sc_cmd_validate_options, &err)) != -1) {
    if (opt == '?')
      return sc_cli_fail_clear(cli, &err);
    if (opt == 'h') {
      sc_cli_print_help(stdout, "validate", &sc_cmd_validate_options);
      return SC_EXIT_OK;
    }
    if (opt == OPT_SET) {
      if (sc_values_parse_assignment(a->set, optarg, &err) < 0) {
        int rc = sc_cli_usage_error(cli, "validate", "--set: %s", err.msg);
        sc_error_clear(&err);
        return rc;
      }
    } else if (opt == OPT_PLATFORM) {
      sc_platforms_clear(&a->platforms);
      if (sc_platforms_parse_list(optarg, &a->platforms, &err) < 0) {
        int rc = sc_cli_usage_error(cli, "validate", "%s", err.msg);
        sc_error_clear(&err);
        return rc;
      }
    } else if (opt == OPT_FROM) {
      if (sc_cli_check_source(cli, "validate", optarg) != 0)
        return SC_EXIT_USAGE;
      a->from = optarg;
    } else {
      int taken = sc_cli_registry_option(cli, "validate", &a->reg, opt, optarg);
      if (taken > 1)
        return taken;
      if (taken == 0 && !sc_cli_global_option(cli, opt))
        return sc_cli_usage_error(cli, "validate", "unknown option '%s'", argv[optind - 1]);
    }
  }
  if (argc - optind > 1)
    return sc_cli_usage_error(cli, "validate", "one project directory at most");
  a->dir = optind < argc ? argv[optind] : ".";
  sc_cli_finish_options(cli);
  return -1;
}

static void print_report(sc_cli *cli, const char *dir, const sc_diags *diags)
{
  size_t errors = sc_diags_count(diags, SC_DIAG_ERROR);
  size_t warnings = sc_diags_count(diags, SC_DIAG_WARNING);
  if (cli->json) {
    sc_cli_print_json(json_pack("{s:b,s:s,s:I,s:I,s:o}", "ok", errors == 0, "project", dir,
                                "errors", (json_int_t)errors, "warnings", (json_int_t)warnings,
                                "diagnostics", sc_cli_diags_json(diags)));
    return;
  }
  sc_cli_print_diags(cli, diags);
  if (!cli->quiet || errors > 0)
    fprintf(stderr, "%s: %zu error%s, %zu warning%s\n", dir, errors, errors == 1 ? "" : "s",
            warnings, warnings == 1 ? "" : "s");
}

/* Registry options and credentials for a docker:// base (--from, else
 * sc-build.json's), as build takes them. */
static int prepare_pull(sc_cli *cli, validate_args *a, const sc_project *project,
                        sc_validate_options *options, sc_error *err)
{
  const char *from = a->from ? a->from : project->from;
  options->interrupted = sc_cli_catch_interrupts();
  if (from == NULL || !sc_str_has_prefix(from, "docker://"))
    return 0;
  if (sc_cli_registry_creds_for(&a->reg, from, err) < 0)
    return -1;
  a->pull = sc_cli_pull_options(cli, &a->reg, &a->bars);
  a->pull.registry.interrupted = options->interrupted;
  options->pull = &a->pull;
  return 0;
}

static void clear_args(validate_args *a)
{
  sc_values_free(a->set);
  sc_cli_registry_args_clear(&a->reg);
  sc_cli_progress_clear(&a->bars);
  sc_platforms_clear(&a->platforms);
}

int sc_cmd_validate(sc_cli *cli, int argc, char **argv)
{
  validate_args a = {.set = sc_values_new(), .reg = SC_CLI_REGISTRY_ARGS_INIT};
  int rc = parse_args(cli, argc, argv, &a);
  if (rc >= 0) {
    clear_args(&a);
    return rc;
  }
  sc_error err = SC_ERROR_INIT;
  sc_project *project = NULL;
  sc_diags diags = SC_DIAGS_INIT;
  sc_validate_options options = {.set = a.set, .from = a.from, .tmpdir = sc_cli_tmpdir()};
  if (sc_project_open(a.dir, &project, &err) == 0)
    options.platforms = sc_validate_platforms(project, a.platforms.count ? &a.platforms : NULL);
  if (project == NULL || prepare_pull(cli, &a, project, &options, &err) < 0 ||
      sc_validate_project(project, &options, &diags, &err) < 0) {
    rc = sc_cli_fail(cli, &err);
  } else {
    print_report(cli, a.dir, &diags);
    rc = sc_diags_count(&diags, SC_DIAG_ERROR) == 0 ? SC_EXIT_OK : SC_EXIT_FAILED;
  }
  sc_diags_clear(&diags);
  sc_project_free(project);
  sc_error_clear(&err);
  clear_args(&a);
  return rc;
}
