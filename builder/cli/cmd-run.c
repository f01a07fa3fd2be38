/* cmd-run.c: `sc-build run [OPTION]... IMAGE|DIR [-- CMD [ARG]...]` (the options: the table below).
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "run.h"
#include "smoke-args.h"
#include "util.h"

/* sc-build's own failure, told apart from any status of the command, as
 * podman-run(1) and docker-run(1) do. */
#define RUN_EXIT_NOT_RUN 125

enum { OPT_RW = 0x1700, OPT_NET };

typedef struct run_args {
  sc_smoke_args smoke; /* --set, --runtime, --keep, the registry options */
  sc_run_options run;
  sc_run_bind *binds;
  size_t bind_count;
  const char *image;
  char **command;
} run_args;

static void on_event(void *user, const char *kind, const char *text)
{
  sc_cli *cli = user;
  if (cli->quiet || (strcmp(kind, "step") == 0 && !cli->verbose))
    return;
  fprintf(stderr, "%s%s\n", strcmp(kind, "note") == 0 ? "note: " : "", text);
}

/* run's own options (the shared ones: smoke-args.h). */
static int run_option(void *own_args, int opt, const char *arg, sc_error *err)
{
  run_args *a = own_args;
  switch (opt) {
  case 't':
    if (!isatty(STDIN_FILENO))
      return sc_error_set(err, SC_E_USAGE, "-t: stdin is not a terminal");
    a->run.terminal = true;
    return 1;
  case OPT_RW:
    a->run.writable = true;
    return 1;
  case OPT_NET:
    if (strcmp(arg, "host") != 0 && strcmp(arg, "none") != 0)
      return sc_error_set(err, SC_E_USAGE, "--net is host or none, not '%s'", arg);
    a->run.net = arg[0] == 'h' ? SC_RUN_NET_HOST : SC_RUN_NET_NONE;
    return 1;
  case 'v':
    if (arg == NULL)
      return 0; /* --verbose, whose value is 'v' too: a global option */
    a->binds = xrealloc(a->binds, (a->bind_count + 1) * sizeof *a->binds);
    if (sc_run_bind_parse(arg, &a->binds[a->bind_count], err) < 0)
      return -1;
    a->bind_count++;
    return 1;
  default:
    return 0;
  }
}

/* Everything after the first "--" is the command, never an option. */
static int split_command(int argc, char **argv, run_args *a)
{
  for (int i = 1; i < argc; i++)
    if (strcmp(argv[i], "--") == 0) {
      a->command = argv + i + 1;
      return i;
    }
  return argc;
}

static const sc_cli_option run_options[] = {
    SC_CLI_GLOBAL_OPTIONS,
    SC_INSTALL_SET_OPTION,
    SC_INSTALL_RUNTIME_OPTION,
    {"tty", no_argument, 't', NULL, "give the command the terminal (stdin must be one)"},
    {"rw", no_argument, OPT_RW, NULL, "a writable rootfs (default: read-only, as installed)"},
    {"net", required_argument, OPT_NET, "host|none",
     "the host's network, or none of its own (default: as config.json says)"},
    {"volume", required_argument, 'v', "HOST:CONTAINER[:ro|:rw]",
     "bind HOST's path at CONTAINER (repeatable; -v here, as podman run's)"},
    SC_SMOKE_KEEP_OPTION,
    SC_CLI_REGISTRY_OPTIONS,
    SC_CLI_OPTIONS_END,
};
const sc_cli_options sc_cmd_run_options = {
    .options = run_options,
    .shortopts = "tv:qh",
    .operands = "IMAGE|DIR [-- CMD [ARG]...]",
    .about =
        "Run a one-off command in the image's rootfs with the OCI runtime: the image is\n"
        "installed into a temporary root as a host would (a project DIR is built first), its\n"
        "config.json rendered with the --set values and the manifest's defaults, process.args\n"
        "replaced by CMD when given. stdin, stdout and stderr are the command's (-t: the\n"
        "terminal); its exit status is sc-build's (125: sc-build could not set it up; a CMD\n"
        "the runtime cannot execute gives the runtime's status, 1 for runc). The root and the\n"
        "runtime's state are removed afterwards unless --keep. Give CMD after '--' when it\n"
        "has options of its own.\n",
};

static int parse_args(sc_cli *cli, int argc, char **argv, run_args *a, sc_error *err)
{
  /* -v is a bind here, as in podman run; --verbose stays. */
  sc_smoke_parser parser = {.command = "run",
                            .argc = split_command(argc, argv, a),
                            .options = &sc_cmd_run_options,
                            .own = run_option,
                            .own_args = a};
  int r = sc_smoke_args_parse(cli, &parser, argv, &a->smoke, err);
  if (r != 0)
    return r;
  int own_argc = parser.argc;
  if (optind >= own_argc)
    return sc_error_set(err, SC_E_USAGE, "run takes an IMAGE (see 'sc-build run --help')");
  a->image = argv[optind++];
  if (optind < own_argc && a->command)
    return sc_error_set(err, SC_E_USAGE, "'%s': give the command after '--' only", argv[optind]);
  if (optind < own_argc)
    a->command = argv + optind;
  return 0;
}

static int run_command(sc_cli *cli, run_args *a, sc_error *err)
{
  sc_smoke_source source;
  _cleanup_free_ char *local = NULL;
  double build_seconds;
  if (sc_smoke_args_open(cli, &a->smoke, a->image, &source, &local, &build_seconds, err) < 0)
    return -1;
  a->run.image = source.image;
  a->run.name = source.name;
  a->run.set = a->smoke.install.set;
  a->run.binds = a->binds;
  a->run.bind_count = a->bind_count;
  a->run.command = a->command;
  a->run.runtime_path = a->smoke.install.options.runtime_path;
  a->run.interrupted = a->smoke.install.options.interrupted;
  a->run.keep = a->smoke.keep;
  a->run.tmpdir = sc_cli_tmpdir();
  a->run.search_path = sc_cli_search_path();
  a->run.on_event = on_event;
  a->run.user = cli;
  int status = 0;
  int r = sc_run(&a->run, &status, err);
  sc_smoke_source_close(&source);
  return r < 0 ? -1 : status;
}

int sc_cmd_run(sc_cli *cli, int argc, char **argv)
{
  run_args a = {0};
  sc_smoke_args_init(&a.smoke);
  sc_error err = SC_ERROR_INIT;
  int rc = parse_args(cli, argc, argv, &a, &err);
  if (rc == 1) {
    rc = SC_EXIT_OK; /* --help */
  } else if (rc == 0) {
    rc = run_command(cli, &a, &err);
    if (rc < 0)
      rc = sc_cli_fail(cli, &err) == SC_EXIT_USAGE ? SC_EXIT_USAGE : RUN_EXIT_NOT_RUN;
  } else {
    rc = sc_cli_fail(cli, &err);
  }
  sc_error_clear(&err);
  for (size_t i = 0; i < a.bind_count; i++)
    sc_run_bind_clear(&a.binds[i]);
  free(a.binds);
  sc_smoke_args_clear(&a.smoke);
  return rc;
}
