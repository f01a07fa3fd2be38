/* smoke-systemd.c: the smoke test in a booted systemd host
 * (smoke-systemd.h). */
#include "smoke-systemd.h"
#include "image-internal.h"
#include "install-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sc/install.h>
#include "host-files.h"
#include "inroot.h"
#include "tmpfiles-line.h"
#include "util.h"

#define BOOT_TIMEOUT_SECONDS 120.0
#define JOURNAL_LINES "60"
#define SETTLE_SECONDS 3.0

#define emit(o, kind, ...) sc_container_emit((o)->on_event, (o)->user, kind, __VA_ARGS__)

typedef struct systemd_run {
  const sc_smoke_options *options;
  sc_smoke_report *report;
  sc_systemd_host host;
  char *template;       /* the host's template directory */
  char *unit;           /* NAME.service */
  char *tmpfiles;       /* /etc/tmpfiles.d/NAME.conf in the host, when the image has one */
  char **kept;          /* the directories its lines make: data a host keeps after an uninstall */
  sc_host_files before; /* the host's files before the install */
  sc_install_result install;
  bool installed;
  bool enabled; /* systemctl enable ran: disable --now undoes it */
  const char *exec_prefix[4];
  sc_probe_target target;
} systemd_run;

/* ---- asking systemd ---- */

/* Output of a command in the host, whatever its status ("" when it
 * could not run). */
static char *host_output(const systemd_run *run, const char *const argv[])
{
  int status = 0;
  char *output = NULL;
  if (sc_systemd_host_exec(&run->host, argv, &status, &output, NULL) < 0 || output == NULL)
    return xstrdup("");
  return output;
}

/* A property of the unit from `systemctl show -p KEY --value`. */
static char *unit_property(const systemd_run *run, const char *key)
{
  const char *argv[] = {"systemctl", "show", "-p", key, "--value", run->unit, NULL};
  char *value = host_output(run, argv);
  value[strcspn(value, "\n")] = '\0';
  return value;
}

/* What a host's admin reads first when a unit fails.  The lines the
 * unit's own processes logged before they died (why an ExecStart= could
 * not run) may reach journald late, and after their sender is gone, when
 * journald can no longer tell its cgroup, the _SYSTEMD_UNIT= that
 * `journalctl -u` matches: they are matched by the UNIT= field systemd
 * gives them too, after a journalctl --sync, which stores every line
 * logged before it. */
static char *unit_report(const systemd_run *run)
{
  const char *sync[] = {"journalctl", "--sync", NULL};
  free(host_output(run, sync));
  _cleanup_free_ char *by_cgroup = xasprintf("_SYSTEMD_UNIT=%s", run->unit);
  _cleanup_free_ char *by_field = xasprintf("UNIT=%s", run->unit);
  const char *status[] = {"systemctl", "status", "--no-pager", "--full", run->unit, NULL};
  const char *journal[] = {"journalctl", "--no-pager", "-n",     JOURNAL_LINES,
                           by_cgroup,    "+",          by_field, NULL};
  _cleanup_free_ char *s = host_output(run, status);
  _cleanup_free_ char *j = host_output(run, journal);
  return xasprintf("$ systemctl status %s\n%s$ journalctl --no-pager %s + %s\n%s", run->unit, s,
                   by_cgroup, by_field, j);
}

/* The status the unit's main process ended with (the runtime's, which
 * is the container's): the probe target's pid is not our child. */
static int main_exit_status(void *user)
{
  const systemd_run *run = user;
  _cleanup_free_ char *value = unit_property(run, "ExecMainStatus");
  return value[0] ? atoi(value) : -1;
}

/* ---- the host's files ---- */

/* What is not compared before the install and after the uninstall: file
 * systems that are not the host's files, and what systemd and journald
 * themselves write as the host runs, whatever the container does. */
static const char *const host_noise[] = {
    /* kernel file systems */
    "/proc",
    "/sys",
    "/dev",
    /* systemd's own */
    "/run/systemd",               /* units' runtime state, journal streams, and transient/ that
                                     the runtime's cgroup scope (--systemd-cgroup) leaves */
    "/run/log/journal",           /* the volatile journal */
    "/var/log/journal",           /* the persistent journal, rotated as it fills */
    "/var/lib/systemd",           /* timer stamps, random seed, catalog, coredumps */
    "/tmp/systemd-private-*",     /* PrivateTmp= of the host's own units */
    "/var/tmp/systemd-private-*", /* the same */
    NULL,
};

/* The host's "/" as systemd (PID 1) sees it: its /run and /tmp
 * included, which are not in the overlay. */
static int open_host_root(const systemd_run *run, sc_error *err)
{
  _cleanup_free_ char *root = xasprintf("/proc/%d/root", (int)run->host.init.pid);
  int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return sc_error_set_errno(err, errno, "cannot open the systemd host's root %s", root);
  return fd;
}

static int read_host_files(const systemd_run *run, const char *const *skip, sc_host_files *out,
                           sc_error *err)
{
  _cleanup_close_ int fd = open_host_root(run, err);
  return fd < 0 ? -1 : sc_host_files_read(fd, skip, out, err);
}

/* No symlink is followed: from here, an absolute one would lead out of
 * the host. */
static int make_host_dir(int root_fd, const char *path, sc_error *err)
{
  const char *base = NULL;
  _cleanup_close_ int parent = sc_open_parent_beneath(root_fd, path, true, &base, err);
  if (parent < 0)
    return -1;
  if (mkdirat(parent, base, 0755) < 0 && errno != EEXIST)
    return sc_error_set_errno(err, errno, "cannot make %s", base);
  return 0;
}

/* The list to compare with after the uninstall.  A host that runs system
 * containers has the directories an install writes to and the runtime's
 * state directory (runc's --root for root), which an uninstall rightly
 * leaves: they are made first, so that they are not taken for
 * leftovers. */
static int snapshot_host(systemd_run *run, sc_error *err)
{
  const char *const dirs[] = {SC_CONTAINERS_DIR, SC_UNIT_DIR, SC_TMPFILES_DIR, "run/runc", NULL};
  _cleanup_close_ int fd = open_host_root(run, err);
  if (fd < 0)
    return -1;
  for (size_t i = 0; dirs[i]; i++)
    if (make_host_dir(fd, dirs[i], err) < 0)
      return sc_error_prefix(err, "making /%s in the systemd host", dirs[i]);
  return sc_host_files_read(fd, host_noise, &run->before, err);
}

/* ---- install and start ---- */

/* The paths of the lines that make a directory: tmpfiles.d(5) removes
 * none of them on --remove (D only empties it), so a host keeps the data
 * in them after an uninstall. */
static void note_tmpfiles_paths(systemd_run *run, const char *text)
{
  for (const char *line = text; *line;) {
    size_t len = strcspn(line, "\n");
    sc_tmpfiles_line l;
    if (sc_tmpfiles_line_split(line, len, &l) == 0 && l.count >= 2 && l.field[0][0] &&
        strchr("dDvqQ", l.field[0][0]))
      sc_strv_push(&run->kept, l.field[1]);
    sc_tmpfiles_line_clear(&l);
    line += len + (line[len] == '\n');
  }
}

static int install_into_host(systemd_run *run, sc_error *err)
{
  const sc_smoke_options *o = run->options;
  const char *name = run->report->id;
  emit(o, "step", "installing %s into the systemd host's root %s", o->image->reference,
       run->host.fs);
  sc_install_options install = {
      .size = sizeof install,
      .root = run->host.fs,
      .name = name,
      .set = o->set,
      .runtime_path = run->report->runtime, /* bound into the host at this path */
      .interrupted = o->interrupted,
  };
  if (sc_install(o->image, &install, &run->install, err) < 0)
    return -1;
  run->installed = true;
  _cleanup_free_ char *path = xasprintf("/" SC_TMPFILES_DIR "/%s.conf", name);
  _cleanup_free_ char *here = sc_path_join(run->host.fs, path);
  _cleanup_free_ char *text = NULL;
  if (sc_read_file_at(AT_FDCWD, here, &text, NULL, NULL) == 0) {
    run->tmpfiles = steal_pointer(&path);
    note_tmpfiles_paths(run, text);
  }
  return 0;
}

/* What atomic runs after it has written the files. */
static int prepare_unit(systemd_run *run, sc_error *err)
{
  const char *reload[] = {"systemctl", "daemon-reload", NULL};
  const char *tmpfiles[] = {"systemd-tmpfiles", "--create", run->tmpfiles, NULL};
  const char *enable[] = {"systemctl", "enable", run->unit, NULL};
  if (sc_systemd_host_run(&run->host, reload, err) < 0 ||
      (run->tmpfiles && sc_systemd_host_run(&run->host, tmpfiles, err) < 0))
    return -1;
  run->enabled = true;
  return sc_systemd_host_run(&run->host, enable, err);
}

/* A main process that is gone may not have been reaped by systemd yet:
 * the unit would still say active, without the status it ended with.
 * Wait (a little) for systemd to see it, so the report says why. */
static void settle(const systemd_run *run)
{
  double end = sc_now() + SETTLE_SECONDS;
  while (sc_now() < end && !sc_interrupted(run->options->interrupted)) {
    if (run->target.pid > 0 && kill(run->target.pid, 0) == 0)
      return; /* still running: nothing to wait for */
    _cleanup_free_ char *state = unit_property(run, "ActiveState");
    _cleanup_free_ char *sub = unit_property(run, "SubState");
    if (strcmp(state, "active") != 0 || strcmp(sub, "running") != 0)
      return;
    usleep(100 * 1000);
  }
}

static int unit_failed(const systemd_run *run, const char *what, sc_error *err)
{
  settle(run);
  _cleanup_free_ char *report = unit_report(run);
  return sc_error_set(err, SC_E_CHECK, "%s %s in the systemd host:\n%s", run->unit, what, report);
}

/* ActiveState, SubState and MainPID as one `systemctl show` read them:
 * read one by one, a unit that restart-loops can be "active" for the
 * first and have no main process by the second. */
typedef struct {
  char active[32];
  char sub[32];
  pid_t main_pid;
} unit_snapshot;

static void copy_value(char *dst, size_t size, const char *line, const char *key)
{
  size_t n = strlen(key);
  if (strncmp(line, key, n) == 0 && line[n] == '=')
    snprintf(dst, size, "%s", line + n + 1);
}

static void read_snapshot(const systemd_run *run, unit_snapshot *snap)
{
  const char *argv[] = {"systemctl", "show", "-p", "ActiveState,SubState,MainPID", run->unit, NULL};
  _cleanup_free_ char *out = host_output(run, argv);
  char pid[32] = "";
  snprintf(snap->active, sizeof snap->active, "?");
  snprintf(snap->sub, sizeof snap->sub, "?");
  char *save = NULL;
  for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    copy_value(snap->active, sizeof snap->active, line, "ActiveState");
    copy_value(snap->sub, sizeof snap->sub, line, "SubState");
    copy_value(pid, sizeof pid, line, "MainPID");
  }
  snap->main_pid = (pid_t)atol(pid);
}

/* The headline of a unit that is not up, worded from one snapshot so that
 * its states never contradict each other. */
static char *not_up_headline(const unit_snapshot *snap)
{
  if (strcmp(snap->active, "active") != 0)
    return xasprintf("did not stay up (ActiveState=%s, SubState=%s)", snap->active, snap->sub);
  if (snap->main_pid <= 0)
    return xasprintf("has no main process (ActiveState=active, SubState=%s, MainPID=0)", snap->sub);
  return xasprintf("main process %ld is not visible from the host (ActiveState=active, "
                   "SubState=%s)",
                   (long)snap->main_pid, snap->sub);
}

/* Until the unit has left "activating" (a Type=notify or forking
 * service), then it must be active with a main process. */
static int wait_active(systemd_run *run, sc_error *err)
{
  double end = sc_now() + run->options->timeout;
  unit_snapshot snap;
  for (;;) {
    read_snapshot(run, &snap);
    if (strcmp(snap.active, "activating") != 0 || sc_now() >= end ||
        sc_interrupted(run->options->interrupted))
      break;
    usleep(100 * 1000);
  }
  run->target.pid = 0;
  if (strcmp(snap.active, "active") == 0 && snap.main_pid > 0)
    run->target.pid = sc_systemd_host_outer_pid(&run->host, snap.main_pid);
  if (run->target.pid <= 0) {
    _cleanup_free_ char *what = not_up_headline(&snap);
    return unit_failed(run, what, err);
  }
  return 0;
}

static int start_unit(systemd_run *run, sc_error *err)
{
  const sc_smoke_options *o = run->options;
  sc_values *values = sc_values_from_info(run->install.info);
  int r = sc_smoke_refuse_taken_ports(o, values, err);
  sc_values_free(values);
  if (r < 0)
    return -1;
  emit(o, "step", "systemctl start %s", run->unit);
  const char *start[] = {"systemctl", "start", run->unit, NULL};
  int status = 0;
  if (sc_systemd_host_exec(&run->host, start, &status, NULL, err) < 0)
    return -1;
  if (status != 0)
    return unit_failed(run, "failed to start (systemctl start)", err);
  return wait_active(run, err);
}

static int run_probes(systemd_run *run, sc_error *err)
{
  run->exec_prefix[0] = run->report->runtime;
  run->exec_prefix[1] = "exec";
  run->exec_prefix[2] = run->report->id;
  run->exec_prefix[3] = NULL;
  run->target.runtime = &run->host.runtime;
  run->target.id = run->host.id;
  run->target.interrupted = run->options->interrupted;
  run->target.exec_prefix = (char *const *)run->exec_prefix;
  run->target.read_exit_status = main_exit_status;
  run->target.user = run;
  sc_values *values = sc_values_from_info(run->install.info);
  int r = sc_smoke_run_probes(run->options, values, &run->target, run->report, err);
  sc_values_free(values);
  return r;
}

/* ---- stop, uninstall, and what is left ---- */

static int check_unit_gone(const systemd_run *run, sc_error *err)
{
  _cleanup_free_ char *load = unit_property(run, "LoadState");
  _cleanup_free_ char *active = unit_property(run, "ActiveState");
  if (strcmp(load, "not-found") == 0 && strcmp(active, "inactive") == 0)
    return 0;
  return sc_error_set(err, SC_E_CHECK,
                      "after the uninstall, systemd in the host still knows %s "
                      "(LoadState=%s, ActiveState=%s)",
                      run->unit, load, active);
}

/* Every path the host has now and had not before the install, but the
 * noise and the data directories the tmpfiles lines keep. */
static int check_nothing_left(systemd_run *run, sc_error *err)
{
  if (check_unit_gone(run, err) < 0)
    return -1;
  _cleanup_strv_ char **skip = NULL;
  for (size_t i = 0; host_noise[i]; i++)
    sc_strv_push(&skip, host_noise[i]);
  for (size_t i = 0; run->kept && run->kept[i]; i++)
    sc_strv_push(&skip, run->kept[i]);
  sc_host_files after;
  if (read_host_files(run, (const char *const *)skip, &after, err) < 0)
    return sc_error_prefix(err, "checking what the uninstall left");
  _cleanup_strv_ char **left = sc_host_files_added(&run->before, &after);
  sc_host_files_clear(&after);
  if (left == NULL)
    return 0;
  sc_buf list = SC_BUF_INIT;
  for (size_t i = 0; left[i]; i++)
    sc_buf_printf(&list, "\n  %s", left[i]);
  _cleanup_free_ char *text = sc_buf_steal(&list);
  return sc_error_set(err, SC_E_CHECK,
                      "after the uninstall, the host holds %zu path(s) it did not have before "
                      "the install (left by the unit, the container or a tmpfiles line; only the "
                      "directories of d, D, v, q and Q lines may stay):%s",
                      sc_strv_length(left), text);
}

/* As atomic's uninstall: stop and disable, remove what tmpfiles made
 * (the lines that ask for it), remove the files, reload.  Errors after
 * the first are dropped: the first says what went wrong. */
static int uninstall(systemd_run *run, sc_error *err)
{
  const sc_smoke_options *o = run->options;
  emit(o, "step", "systemctl disable --now %s, then uninstall", run->unit);
  const char *disable[] = {"systemctl", "disable", "--now", run->unit, NULL};
  const char *tmpfiles[] = {"systemd-tmpfiles", "--remove", run->tmpfiles, NULL};
  const char *reload[] = {"systemctl", "daemon-reload", NULL};
  int r = 0;
  if (run->enabled && sc_systemd_host_run(&run->host, disable, err) < 0)
    r = -1;
  if (run->tmpfiles && sc_systemd_host_run(&run->host, tmpfiles, r < 0 ? NULL : err) < 0)
    r = -1;
  sc_install_options u = {.size = sizeof u, .root = run->host.fs, .name = run->report->id};
  sc_install_result result;
  if (sc_uninstall(&u, &result, r < 0 ? NULL : err) < 0)
    r = -1;
  sc_install_result_clear(&result);
  if (sc_systemd_host_run(&run->host, reload, r < 0 ? NULL : err) < 0)
    r = -1;
  return r;
}

/* ---- the run ---- */

static int prepare(systemd_run *run, const sc_systemd_host_template *host, sc_error *err)
{
  const sc_smoke_options *o = run->options;
  if (sc_smoke_preflight(o->runtime_path, o->search_path, o->tmpdir, &run->report->runtime, err) <
      0)
    return -1;
  char suffix[7];
  sc_random_hex(suffix, 6);
  run->report->id = xasprintf("%s-test-%s", o->name ? o->name : "image", suffix);
  run->unit = xasprintf("%s.service", run->report->id);
  if (sc_systemd_host_template_path(host, &run->template, err) < 0)
    return -1;
  emit(o, "step", "booting systemd in an overlay of %s", run->template);
  double start = sc_now();
  int r = sc_systemd_host_boot(run->template, run->report->runtime, o->tmpdir, BOOT_TIMEOUT_SECONDS,
                               o->interrupted, &run->host, err);
  run->report->root = run->host.dir.path ? xstrdup(run->host.dir.path) : NULL;
  if (r == 0) {
    _cleanup_free_ char *note = xasprintf("the systemd host booted in %.1fs", sc_now() - start);
    sc_strv_push(&run->report->notes, note);
  }
  return r;
}

/* What --keep leaves, and how to look at it: the host is halted, so its
 * overlay is mounted again by hand, over the same template. */
static void note_kept(systemd_run *run)
{
  sc_smoke_report *report = run->report;
  report->kept_upper = xstrdup(run->host.upper);
  report->kept_lower = xstrdup(run->template);
  _cleanup_free_ char *note = xasprintf(
      "kept the systemd host's overlay in %s, as the probes left it (installed, not uninstalled; "
      "the host halted and deleted): what the run wrote into the host is in %s, over %s. "
      "To see the host whole: mount -t overlay overlay -o lowerdir=%s,upperdir=%s,workdir=%s/work "
      "%s; its journal: journalctl -D %s/var/log/journal -u %s; remove it with rm -rf %s",
      report->root, report->kept_upper, report->kept_lower, report->kept_lower, report->kept_upper,
      report->root, run->host.fs, report->kept_upper, run->unit, report->root);
  sc_strv_push(&report->notes, note);
}

static void teardown(systemd_run *run, int *r, sc_error *err)
{
  bool keep = run->options->keep && run->report->root;
  if (keep) {
    note_kept(run);
  } else if (run->installed) {
    sc_error later = SC_ERROR_INIT;
    sc_error *to = *r < 0 ? &later : err;
    if (uninstall(run, to) < 0 || (*r == 0 && check_nothing_left(run, to) < 0))
      *r = -1;
    sc_error_clear(&later);
  }
  sc_systemd_host_close(&run->host, keep);
}

int sc_smoke_systemd_run(const sc_smoke_options *options, const sc_systemd_host_template *host,
                         sc_smoke_report *report, sc_error *err)
{
  *report = (sc_smoke_report){0};
  systemd_run run = {.options = options, .report = report};
  run.host.dir.lock_fd = -1;
  double start = sc_now();
  int r = prepare(&run, host, err);
  if (r == 0 && (snapshot_host(&run, err) < 0 || install_into_host(&run, err) < 0 ||
                 prepare_unit(&run, err) < 0 || start_unit(&run, err) < 0))
    r = -1;
  double probes_start = sc_now();
  report->install_seconds = probes_start - start;
  if (r == 0 && run_probes(&run, err) < 0)
    r = -1;
  if (r == 0 && !report->passed && !sc_interrupted(options->interrupted)) {
    settle(&run);
    report->log_tail = unit_report(&run);
  }
  double cleanup_start = sc_now();
  report->probe_seconds = cleanup_start - probes_start;
  if (r < 0)
    report->passed = false;
  if (sc_interrupted(options->interrupted)) {
    report->passed = false;
    r = sc_error_set(err, SC_E_INTERRUPTED,
                     "interrupted: the systemd host was stopped and removed");
  }
  teardown(&run, &r, err);
  free(run.template);
  free(run.unit);
  free(run.tmpfiles);
  sc_strv_free(run.kept);
  sc_host_files_clear(&run.before);
  sc_install_result_clear(&run.install);
  double end = sc_now();
  report->cleanup_seconds = end - cleanup_start;
  report->seconds = end - start;
  return r;
}
