/* cmd-test.c: `sc-build test [OPTION]... [DIR|IMAGE]` (the options: the table below). */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#include "cli.h"
#include "smoke-args.h"
#include "smoke-probe.h"
#include "smoke-systemd.h"
#include "smoke.h"
#include "util.h"

enum { OPT_PROBE = 0x1200, OPT_TIMEOUT, OPT_SYSTEMD, OPT_HOST };
enum { OPT_HOST_SUITE = 0x1210, OPT_HOST_MIRROR };

typedef struct test_args {
  sc_smoke_args smoke; /* --set, --runtime, --keep, the registry options */
  json_t *probes;      /* from --probe */
  double timeout;
  const char *source;
  bool systemd;            /* --systemd, or --host */
  const char *host;        /* --host IMAGE|DIR */
  const char *host_suite;  /* --host-suite SUITE */
  const char *host_mirror; /* --host-mirror URL */
} test_args;

static void on_event(void *user, const char *kind, const char *text)
{
  sc_cli *cli = user;
  if (cli->json || cli->quiet)
    return;
  if (strcmp(kind, "probe") == 0)
    printf("%s\n", text);
  else
    fprintf(stderr, "%s%s\n", strcmp(kind, "note") == 0 ? "note: " : "", text);
  /* Nobody reads the results any more (`| head -1`): stop, and clean up
   * as on Ctrl-C.  SIGPIPE says so too, unless it is blocked. */
  if (fflush(stdout) == EOF && errno == EPIPE)
    sc_cli_interrupt();
}

/* test's own options (the shared ones: smoke-args.h). */
static int test_option(void *own_args, int opt, const char *arg, sc_error *err)
{
  test_args *a = own_args;
  if (opt == OPT_PROBE) {
    json_t *probe = sc_probe_flag_to_json(arg, err);
    if (probe == NULL)
      return -1;
    json_array_append_new(a->probes, probe);
    return 1;
  }
  if (opt == OPT_SYSTEMD || opt == OPT_HOST) {
    a->systemd = true;
    if (opt == OPT_HOST)
      a->host = arg;
    return 1;
  }
  if (opt == OPT_HOST_SUITE || opt == OPT_HOST_MIRROR) {
    a->systemd = true;
    if (opt == OPT_HOST_SUITE)
      a->host_suite = arg;
    else
      a->host_mirror = arg;
    return 1;
  }
  if (opt != OPT_TIMEOUT)
    return 0;
  char *end = NULL;
  a->timeout = strtod(arg, &end);
  if (end == arg || *end || a->timeout <= 0)
    return sc_error_set(err, SC_E_USAGE, "--timeout wants a number of seconds, not '%s'", arg);
  return 1;
}

static const sc_cli_option test_options[] = {
    SC_CLI_GLOBAL_OPTIONS,
    /* SC_INSTALL_OPTIONS but --root: the test installs into a root of its own. */
    SC_INSTALL_SET_OPTION,
    SC_INSTALL_RUNTIME_OPTION,
    SC_INSTALL_NO_SYSTEMD_CGROUP_OPTION,
    {"probe", required_argument, OPT_PROBE, "PROBE",
     "a probe to run (repeatable): alive:SECONDS, tcp:HOST:PORT, http:URL, exec:COMMAND, "
     "exit:STATUS or a JSON object"},
    {"timeout", required_argument, OPT_TIMEOUT, "SECONDS", "seconds each probe may take"},
    {"systemd", no_argument, OPT_SYSTEMD, NULL,
     "test under a disposable systemd host, as a host runs the unit"},
    {"host", required_argument, OPT_HOST, "IMAGE|DIR",
     "the systemd host: a Debian root DIR, or an IMAGE of one, unpacked once into the cache "
     "(implies --systemd)"},
    {"host-suite", required_argument, OPT_HOST_SUITE, "SUITE",
     "the Debian suite debootstrap makes the systemd host from (default " SC_SYSTEMD_HOST_SUITE
     ")"},
    {"host-mirror", required_argument, OPT_HOST_MIRROR, "URL",
     "the mirror debootstrap fetches it from (default " SC_SYSTEMD_HOST_MIRROR ")"},
    SC_SMOKE_KEEP_OPTION,
    SC_CLI_REGISTRY_OPTIONS,
    SC_CLI_OPTIONS_END,
};
const sc_cli_options sc_cmd_test_options = {
    .options = test_options,
    .shortopts = SC_CLI_GLOBAL_SHORT,
    .operands = "[DIR|IMAGE]",
    .about = "Install the image (a project DIR is built first, into a temporary store; a\n"
             "docker:// IMAGE is pulled into the cache, with --creds, --tls-verify, --cert-dir)\n"
             "into a fresh temporary root, start it with the OCI runtime as its unit would, run\n"
             "the probes, and remove everything. PROBE: alive:SECONDS, tcp:HOST:PORT, http:URL,\n"
             "exec:COMMAND, exit:STATUS, or a JSON object as in sc-build.json\n"
             "(docs/sc-build-json.md). Without --probe, the project's sc-build.json probes are\n"
             "used, else alive:2.\n\n"
             "--systemd: boot a disposable systemd host (a Debian root: --host DIR; --host IMAGE,\n"
             "an image of one unpacked once into the cache; else one made once with debootstrap\n"
             "and cached), install into it as a host does, start the unit with systemctl, probe\n"
             "it, stop and uninstall it, and check that nothing is left.\n"
             "--host-suite and --host-mirror: the Debian suite and mirror debootstrap makes the\n"
             "host from, each pair cached apart.\n",
};

static int parse_args(sc_cli *cli, int argc, char **argv, test_args *a, sc_error *err)
{
  sc_smoke_parser parser = {.command = "test",
                            .argc = argc,
                            .options = &sc_cmd_test_options,
                            .own = test_option,
                            .own_args = a};
  int r = sc_smoke_args_parse(cli, &parser, argv, &a->smoke, err);
  if (r != 0)
    return r;
  if (argc - optind > 1)
    return sc_error_set(err, SC_E_USAGE, "test takes one DIR or IMAGE");
  a->source = optind < argc ? argv[optind] : ".";
  return 0;
}

/* What --keep left: the root, and under --systemd the host's overlay. */
static json_t *kept_json(const sc_smoke_report *report)
{
  return json_pack("{s:s, s:s*, s:s*}", "root", report->root, "upper", report->kept_upper, "lower",
                   report->kept_lower);
}

/* build_seconds: how long the project took to build, or < 0 for an image. */
static json_t *report_json(const sc_smoke_report *report, double build_seconds, bool keep)
{
  json_t *probes = json_array();
  for (size_t i = 0; i < report->probe_count; i++) {
    const sc_smoke_probe_report *p = &report->probes[i];
    json_t *o =
        json_pack("{s:s, s:b, s:f}", "probe", p->label, "passed", p->passed, "seconds", p->seconds);
    if (p->reason)
      json_object_set_new(o, "reason", json_string(p->reason));
    json_array_append_new(probes, o);
  }
  json_t *notes = json_array();
  for (size_t i = 0; report->notes && report->notes[i]; i++)
    json_array_append_new(notes, json_string(report->notes[i]));
  json_t *doc = json_pack("{s:b, s:s?, s:s?, s:f, s:o, s:o}", "ok", report->passed, "container",
                          report->id, "runtime", report->runtime, "seconds", report->seconds,
                          "probes", probes, "notes", notes);
  json_t *timings = json_pack("{s:f, s:f, s:f}", "install", report->install_seconds, "probes",
                              report->probe_seconds, "cleanup", report->cleanup_seconds);
  if (build_seconds >= 0)
    json_object_set_new(timings, "build", json_real(build_seconds));
  json_object_set_new(doc, "timings", timings);
  if (report->log_tail)
    json_object_set_new(doc, "log_tail", json_string(report->log_tail));
  if (keep && report->root)
    json_object_set_new(doc, "kept", kept_json(report));
  return doc;
}

/* The notes, then the failed test's log: the container's last lines, or
 * under --systemd the unit's status and journal (smoke-systemd.h); also
 * when the container failed to start, where a note (a capability left
 * out, a bind source this machine lacks) may say why. */
static void print_notes(const sc_cli *cli, const sc_smoke_report *report, bool systemd)
{
  for (size_t i = 0; !cli->quiet && report->notes && report->notes[i]; i++)
    fprintf(stderr, "note: %s\n", report->notes[i]);
  if (report->log_tail)
    fprintf(stderr, "%s:\n%s\n",
            systemd ? "the unit in the systemd host" : "last lines of the container's output",
            report->log_tail);
}

/* The probes' time apart from what came before and after: a slow test is
 * then seen to be a slow build, install or service. */
static void print_summary(sc_cli *cli, const sc_smoke_report *report, double build_seconds,
                          bool systemd)
{
  if (cli->quiet)
    return;
  print_notes(cli, report, systemd);
  size_t passed = 0;
  for (size_t i = 0; i < report->probe_count; i++)
    passed += report->probes[i].passed;
  _cleanup_free_ char *build =
      build_seconds >= 0 ? xasprintf("build %.1fs, ", build_seconds) : xstrdup("");
  printf("%s: %zu of %zu probes passed in %.1fs (%sinstall and start %.1fs, cleanup %.1fs)\n",
         report->passed ? "PASS" : "FAIL", passed, report->probe_count, report->probe_seconds,
         build, report->install_seconds, report->cleanup_seconds);
}

/* --host IMAGE opened as every command opens an image (a docker://
 * one pulled with the registry options), *image NULL for a --host DIR.
 * An image that cannot be read is named as typed, with what --host takes. */
static int open_host_image(sc_cli *cli, test_args *a, sc_image **image, sc_error *err)
{
  *image = NULL;
  if (a->host == NULL)
    return 0;
  sc_systemd_host_kind kind;
  if (sc_systemd_host_given_kind(a->host, &kind, err) < 0)
    return -1;
  if (kind == SC_SYSTEMD_HOST_DIR)
    return 0;
  if (sc_cli_open_image(cli, &a->smoke.install.reg, a->host, image, err) == 0)
    return 0;
  return sc_error_prefix(err,
                         "--host '%s' is not a directory, and not an image that can be read "
                         "(--host takes a Debian root DIR with /sbin/init, or an IMAGE of one)",
                         a->host);
}

/* The systemd host's overlay is mounted in a mount namespace of our own,
 * so that it goes with us even when we are killed (the library detaches
 * it when it is done, and when it finds a killed run's). */
static int run_systemd(sc_cli *cli, test_args *a, const sc_smoke_options *options,
                       sc_smoke_report *report, sc_error *err)
{
  sc_image *image = NULL;
  *report = (sc_smoke_report){0}; /* run_test clears it however this ends */
  if (open_host_image(cli, a, &image, err) < 0)
    return -1;
  if (unshare(CLONE_NEWNS) == 0)
    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
  _cleanup_free_ char *cache = sc_cli_cache_path("systemd-host");
  sc_systemd_host_template host = {
      .given = a->host,
      .image = image,
      .suite = a->host_suite,
      .mirror = a->host_mirror,
      .cache_dir = cache,
      .search_path = options->search_path,
      .interrupted = options->interrupted,
      .on_event = on_event,
      .user = cli,
  };
  int r = sc_smoke_systemd_run(options, &host, report, err);
  sc_image_free(image);
  return r;
}

static int run_test(sc_cli *cli, test_args *a, sc_error *err)
{
  _cleanup_free_ char *local = NULL;
  sc_smoke_source source;
  double build_seconds;
  if (sc_smoke_args_open(cli, &a->smoke, a->source, &source, &local, &build_seconds, err) < 0)
    return -1;
  sc_smoke_options options = {
      .keep = a->smoke.keep,
      .runtime_path = a->smoke.install.options.runtime_path,
      .interrupted = a->smoke.install.options.interrupted,
      .search_path = sc_cli_search_path(),
      .tmpdir = sc_cli_tmpdir(),
      .on_event = on_event,
      .user = cli,
  };
  _cleanup_free_ char *note = NULL;
  sc_smoke_source_plan(&source, local, a->probes, a->smoke.install.set, a->timeout, &options,
                       &note);
  if (note)
    on_event(cli, "note", note);
  sc_smoke_report report;
  /* The container's init becomes our child when the runtime exits, so its
   * exit status can be read (a one-shot service's result): smoke.h. */
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  int r = a->systemd ? run_systemd(cli, a, &options, &report, err)
                     : sc_smoke_run(&options, &report, err);
  if (r == 0) {
    if (cli->json)
      sc_cli_print_json(report_json(&report, build_seconds, options.keep));
    else
      print_summary(cli, &report, build_seconds, a->systemd);
    r = report.passed ? 0 : 1;
  } else if (!cli->json) {
    print_notes(cli, &report, a->systemd);
  }
  sc_smoke_report_clear(&report);
  sc_smoke_source_close(&source);
  return r;
}

int sc_cmd_test(sc_cli *cli, int argc, char **argv)
{
  test_args a = {.probes = json_array()};
  sc_smoke_args_init(&a.smoke);
  sc_error err = SC_ERROR_INIT;
  int rc = parse_args(cli, argc, argv, &a, &err);
  if (rc == 1) {
    rc = SC_EXIT_OK; /* --help */
  } else if (rc == 0) {
    rc = run_test(cli, &a, &err);
    if (rc < 0)
      rc = sc_cli_fail(cli, &err);
  } else if (rc < 0) {
    rc = sc_cli_fail(cli, &err);
  }
  sc_error_clear(&err);
  json_decref(a.probes);
  sc_smoke_args_clear(&a.smoke);
  return rc;
}
