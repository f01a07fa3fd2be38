/* smoke.c: the smoke test of an image, leaving nothing behind. */
#include "smoke.h"
#include "image-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sc/install.h>
#include <sc/runc.h>
#include "container-root.h"
#include "smoke-probe.h"
#include "store.h"
#include "util.h"

#define STOP_GRACE_SECONDS 10.0
#define TEST_ROOT_PREFIX "sc-build-test."
#define LOG_TAIL_LINES 20

/* Progress through the caller's on_event (container-root.h). */
#define emit(o, kind, ...) sc_container_emit((o)->on_event, (o)->user, kind, __VA_ARGS__)

char *sc_smoke_find_program(const char *program, const char *search_path)
{
  if (strchr(program, '/'))
    return access(program, X_OK) == 0 ? realpath(program, NULL) : NULL;
  _cleanup_free_ char *copy =
      xstrdup(search_path && search_path[0] ? search_path : SC_DEFAULT_SEARCH_PATH);
  char *save = NULL;
  for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
    _cleanup_free_ char *candidate = sc_path_join(dir, program);
    if (access(candidate, X_OK) == 0)
      return xstrdup(candidate);
  }
  return NULL;
}

/* ---- preflight ---- */

static const char preflight_config[] =
    "{\"ociVersion\": \"1.0.2\","
    " \"process\": {\"terminal\": false, \"user\": {\"uid\": 0, \"gid\": 0},"
    "  \"args\": [\"/bin/true\"], \"env\": [\"PATH=/usr/bin:/bin\"], \"cwd\": \"/\"},"
    " \"root\": {\"path\": \"rootfs\", \"readonly\": true},"
    " \"mounts\": [{\"destination\": \"/usr\", \"type\": \"bind\", \"source\": \"/usr\","
    "   \"options\": [\"rbind\", \"ro\"]},"
    "  {\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"}],"
    " \"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"ipc\"}, {\"type\": "
    "\"mount\"}]}}";

/* A bundle that runs the host's /bin/true with /usr bound read-only (a
 * merged-/usr layout: bin, lib and lib64 are links into usr). */
static int write_preflight_bundle(const char *dir, sc_error *err)
{
  _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || mkdirat(fd, "rootfs", 0755) < 0 || mkdirat(fd, "rootfs/usr", 0755) < 0 ||
      symlinkat("usr/bin", fd, "rootfs/bin") < 0 || symlinkat("usr/lib", fd, "rootfs/lib") < 0 ||
      symlinkat("usr/lib64", fd, "rootfs/lib64") < 0)
    return sc_error_set_errno(err, errno, "cannot make the preflight bundle in %s", dir);
  return sc_write_file_at(fd, "config.json", preflight_config, strlen(preflight_config), 0644, err);
}

char *sc_smoke_read_tail(const char *path, int lines)
{
  _cleanup_free_ char *text = NULL;
  size_t len = 0;
  if (sc_read_file_at(AT_FDCWD, path, &text, &len, NULL) < 0 || len == 0)
    return NULL;
  while (len > 0 && text[len - 1] == '\n')
    text[--len] = '\0';
  const char *p = text + len;
  for (int n = 0; p > text; p--)
    if (p[-1] == '\n' && ++n == lines)
      break;
  return xstrdup(p);
}

static int run_preflight(const char *runtime, const char *dir, sc_error *err)
{
  if (write_preflight_bundle(dir, err) < 0)
    return -1;
  _cleanup_free_ char *state = xasprintf("%s/state", dir);
  _cleanup_free_ char *bundle = xasprintf("%s", dir);
  _cleanup_free_ char *log = xasprintf("%s/log", dir);
  /* The runtime writes the log; our copy of the fd writes nothing, so its
   * close has nothing to report (here and in start_container). */
  _cleanup_close_ int log_fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  char id[40] = "sc-build-preflight-";
  sc_random_hex(id + strlen(id), 8);
  sc_runtime rt = {.size = sizeof rt, .path = runtime, .state_root = state};
  int status = -1;
  if (log_fd < 0 || sc_runtime_run(&rt, bundle, id, log_fd, &status, err) < 0)
    return log_fd < 0 ? sc_error_set_errno(err, errno, "cannot open %s", log) : -1;
  sc_runtime_delete(&rt, id, true, NULL);
  if (status == 0)
    return 0;
  _cleanup_free_ char *tail = sc_smoke_read_tail(log, 5);
  return sc_error_set(err, SC_E_CHECK,
                      "%s cannot run containers on this machine: a trivial container failed "
                      "with status %d: %s",
                      runtime, status, tail ? tail : "(no output)");
}

int sc_smoke_preflight(const char *runtime_path, const char *search_path, const char *tmpdir,
                       char **resolved, sc_error *err)
{
  const char *wanted = runtime_path ? runtime_path : "runc";
  _cleanup_free_ char *runtime = sc_smoke_find_program(wanted, search_path);
  if (runtime == NULL)
    return sc_error_set(err, ENOENT,
                        "OCI runtime '%s' not found: install runc (apt-get install runc) or "
                        "name one with --runtime PATH",
                        wanted);
  char *dir = NULL;
  int lock_fd = sc_store_tmp_dir(tmpdir, "sc-build-preflight.", 0700, NULL, &dir, err);
  if (lock_fd < 0)
    return -1;
  int r = run_preflight(runtime, dir, err);
  sc_store_tmp_dir_remove(&dir, &lock_fd);
  if (r == 0 && resolved)
    *resolved = steal_pointer(&runtime);
  return r;
}

/* ---- the run ---- */

typedef struct smoke_run {
  const sc_smoke_options *options;
  sc_smoke_report *report;
  sc_container_root root; /* the test root, with the image installed */
  sc_runtime runtime;
  char *log_path;
  sc_probe_target target;
  bool started;
} smoke_run;

static int install_into_root(smoke_run *run, sc_error *err)
{
  const sc_smoke_options *o = run->options;
  emit(o, "step", "installing %s into %s", o->image->reference, run->report->root);
  return sc_container_root_install(&run->root, o->image, run->report->id, o->set, &run->runtime,
                                   o->interrupted, &run->report->notes, err);
}

static int start_container(smoke_run *run, sc_error *err)
{
  const char *root = run->report->root;
  run->log_path = xasprintf("%s/var/log/%s.log", root, run->report->id);
  _cleanup_free_ char *log_dir = sc_path_dirname(run->log_path);
  if (sc_mkdir_p_at(AT_FDCWD, log_dir, 0755, err) < 0)
    return -1;
  _cleanup_close_ int log_fd = open(run->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0)
    return sc_error_set_errno(err, errno, "cannot open %s", run->log_path);
  run->runtime.state_root = run->root.state_root;
  _cleanup_free_ char *pid_file = xasprintf("%s/run/container-%s.pid", root, run->report->id);
  emit(run->options, "step", "starting %s with %s run -d", run->report->id, run->report->runtime);
  if (sc_runtime_run_detached(&run->runtime, run->root.bundle, run->report->id, pid_file, log_fd,
                              &run->target.pid, err) < 0)
    return -1;
  run->started = true;
  run->target.runtime = &run->runtime;
  run->target.id = run->report->id;
  run->target.interrupted = run->options->interrupted;
  return 0;
}

/* The values probes are rendered with: the installed ones. */
static sc_values *probe_values(const smoke_run *run)
{
  return sc_values_from_info(run->root.install.info);
}

int sc_smoke_refuse_taken_ports(const sc_smoke_options *o, const sc_values *values, sc_error *err)
{
  int r = 0;
  for (size_t i = 0; r == 0 && i < json_array_size(o->probes); i++) {
    sc_probe probe;
    if (sc_probe_from_json(json_array_get(o->probes, i), values, o->timeout, &probe, err) < 0) {
      r = sc_error_prefix(err, "probe %zu", i + 1);
      break;
    }
    _cleanup_free_ char *taken = sc_probe_port_taken(&probe);
    if (taken)
      r = sc_error_set(err, SC_E_CHECK,
                       "probe %zu (%s): something on this host already answers on %s before the "
                       "container starts, so the probe would prove nothing: stop it, or give the "
                       "service another port (--set)",
                       i + 1, probe.label, taken);
    sc_probe_clear(&probe);
  }
  return r;
}

static int refuse_taken_ports(smoke_run *run, sc_error *err)
{
  sc_values *values = probe_values(run);
  int r = sc_smoke_refuse_taken_ports(run->options, values, err);
  sc_values_free(values);
  return r;
}

int sc_smoke_run_probes(const sc_smoke_options *o, const sc_values *values, sc_probe_target *target,
                        sc_smoke_report *report, sc_error *err)
{
  size_t n = json_array_size(o->probes);
  report->probes = xcalloc(n ? n : 1, sizeof(sc_smoke_probe_report));
  int r = 0;
  report->passed = true;
  for (size_t i = 0; i < n && !sc_interrupted(o->interrupted); i++) {
    sc_probe probe;
    if (sc_probe_from_json(json_array_get(o->probes, i), values, o->timeout, &probe, err) < 0) {
      r = sc_error_prefix(err, "probe %zu", i + 1);
      break;
    }
    sc_probe_result result;
    sc_probe_run(&probe, target, &result);
    sc_smoke_probe_report *p = &report->probes[report->probe_count++];
    *p = (sc_smoke_probe_report){.label = steal_pointer(&probe.label),
                                 .passed = result.passed,
                                 .seconds = result.seconds,
                                 .reason = result.reason};
    report->passed &= result.passed;
    emit(o, "probe", "%s %s (%.2fs)%s%s", result.passed ? "PASS" : "FAIL", p->label, p->seconds,
         p->reason ? ": " : "", p->reason ? p->reason : "");
    sc_probe_clear(&probe);
  }
  return r;
}

static int run_probes(smoke_run *run, sc_error *err)
{
  sc_values *values = probe_values(run);
  int r = sc_smoke_run_probes(run->options, values, &run->target, run->report, err);
  sc_values_free(values);
  return r;
}

/* TERM, a grace period, KILL, then delete: a service may ignore SIGTERM as
 * PID 1. */
static void stop_container(smoke_run *run)
{
  if (!run->started)
    return;
  sc_probe_target_poll(&run->target);
  if (!run->target.exited) {
    sc_runtime_kill(&run->runtime, run->report->id, "TERM", NULL);
    run->target.interrupted = NULL; /* this wait happens after Ctrl-C too */
    sc_probe_sleep(&run->target, STOP_GRACE_SECONDS);
    if (!run->target.exited) {
      sc_runtime_kill(&run->runtime, run->report->id, "KILL", NULL);
      sc_probe_sleep(&run->target, 5);
    }
  }
  sc_runtime_delete(&run->runtime, run->report->id, true, NULL);
}

static void teardown(smoke_run *run)
{
  const sc_smoke_options *o = run->options;
  stop_container(run);
  if (run->log_path && !run->report->passed)
    run->report->log_tail = sc_smoke_read_tail(run->log_path, LOG_TAIL_LINES);
  if (o->keep)
    emit(o, "note", "kept the test root %s", run->report->root);
  sc_container_root_close(&run->root, o->keep);
}

/* The test root: made and flocked for as long as this run lives, after
 * removing the roots, and stopping the containers, of runs that were
 * killed (container-root.h). */
static int make_test_root(smoke_run *run, sc_error *err)
{
  if (sc_container_root_make(run->options->tmpdir, TEST_ROOT_PREFIX, run->report->runtime,
                             &run->root, err) < 0)
    return -1;
  run->report->root = xstrdup(run->root.path);
  return 0;
}

static int prepare(smoke_run *run, sc_error *err)
{
  const sc_smoke_options *o = run->options;
  if (sc_smoke_preflight(o->runtime_path, o->search_path, o->tmpdir, &run->report->runtime, err) <
      0)
    return -1;
  run->runtime = (sc_runtime)SC_RUNTIME_INIT;
  run->runtime.path = run->report->runtime;
  run->runtime.systemd_cgroup = sc_systemd_is_running();
  if (!run->runtime.systemd_cgroup)
    sc_strv_push(&run->report->notes, "systemd is not running here: the container runs "
                                      "without --systemd-cgroup, unlike under its unit");
  char suffix[7];
  sc_random_hex(suffix, 6);
  run->report->id = xasprintf("%s-test-%s", o->name ? o->name : "image", suffix);
  return make_test_root(run, err);
}

int sc_smoke_run(const sc_smoke_options *options, sc_smoke_report *report, sc_error *err)
{
  *report = (sc_smoke_report){0};
  smoke_run run = {.options = options, .report = report, .root = {.lock_fd = -1}};
  double start = sc_now();
  int r = prepare(&run, err);
  /* Each step is skipped once interrupted (a signal, or the output pipe
   * closed); the teardown below runs in every case. */
  if (r == 0 && (install_into_root(&run, err) < 0 || sc_interrupted(options->interrupted) ||
                 refuse_taken_ports(&run, err) < 0 || start_container(&run, err) < 0))
    r = -1;
  double probes_start = sc_now();
  report->install_seconds = probes_start - start;
  if (r == 0 && run_probes(&run, err) < 0)
    r = -1;
  double cleanup_start = sc_now();
  report->probe_seconds = cleanup_start - probes_start;
  if (r < 0)
    report->passed = false;
  if (sc_interrupted(options->interrupted)) { /* whatever step it stopped, this is why */
    report->passed = false;
    r = sc_error_set(err, SC_E_INTERRUPTED,
                     "interrupted: the container was stopped and the "
                     "test root removed");
  }
  if (report->root)
    teardown(&run);
  sc_container_root_close(&run.root, false); /* made, but failed before report->root */
  free(run.log_path);
  double end = sc_now();
  report->cleanup_seconds = end - cleanup_start;
  report->seconds = end - start;
  return r;
}

void sc_smoke_report_clear(sc_smoke_report *report)
{
  free(report->root);
  free(report->id);
  free(report->runtime);
  for (size_t i = 0; i < report->probe_count; i++) {
    free(report->probes[i].label);
    free(report->probes[i].reason);
  }
  free(report->probes);
  sc_strv_free(report->notes);
  free(report->log_tail);
  free(report->kept_upper);
  free(report->kept_lower);
  *report = (sc_smoke_report){0};
}
