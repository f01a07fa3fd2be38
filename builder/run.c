/* run.c: a one-off command in an image through the OCI runtime (run.h). */
#include "run.h"
#include "image-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sc/runc.h>
#include "container-root.h"
#include "process.h"
#include "smoke.h"
#include "util.h"

#define RUN_ROOT_PREFIX "sc-build-run."

/* The signals passed on to the command, as a shell passes them to its
 * foreground job. */
static const int forwarded_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

/* Progress through the caller's on_event (container-root.h). */
#define emit(o, kind, ...) sc_container_emit((o)->on_event, (o)->user, kind, __VA_ARGS__)

/* ---- -v HOST:CONTAINER[:ro] ---- */

static int bind_mode(const char *mode, const char *text, bool *readonly, sc_error *err)
{
  if (strcmp(mode, "ro") == 0 || strcmp(mode, "rw") == 0) {
    *readonly = mode[0] == 'r' && mode[1] == 'o';
    return 0;
  }
  return sc_error_set(err, SC_E_USAGE,
                      "-v '%s': the mode after the second ':' is ro or rw, not '%s'", text, mode);
}

int sc_run_bind_parse(const char *text, sc_run_bind *out, sc_error *err)
{
  *out = (sc_run_bind){0};
  const char *colon = strchr(text, ':');
  if (colon == NULL || colon == text)
    return sc_error_set(err, SC_E_USAGE, "-v '%s': give HOST:CONTAINER[:ro]", text);
  _cleanup_free_ char *host = xstrndup(text, (size_t)(colon - text));
  _cleanup_free_ char *dest = xstrdup(colon + 1);
  char *mode = strchr(dest, ':');
  if (mode)
    *mode++ = '\0';
  if (dest[0] != '/')
    return sc_error_set(err, SC_E_USAGE, "-v '%s': the path in the container must be absolute",
                        text);
  if (mode && bind_mode(mode, text, &out->readonly, err) < 0)
    return -1;
  char real[PATH_MAX];
  if (realpath(host, real) == NULL)
    return sc_error_set_errno(err, errno, "-v '%s': cannot use %s on this host", text, host);
  out->source = xstrdup(real);
  out->destination = steal_pointer(&dest);
  return 0;
}

void sc_run_bind_clear(sc_run_bind *bind)
{
  free(bind->source);
  free(bind->destination);
  *bind = (sc_run_bind){0};
}

/* ---- config.json ---- */

static void set_network(json_t *config, sc_run_net net)
{
  if (net == SC_RUN_NET_IMAGE)
    return;
  json_t *linux_ = json_object_get(config, "linux");
  if (!json_is_object(linux_)) {
    linux_ = json_object();
    json_object_set_new(config, "linux", linux_);
  }
  json_t *namespaces = json_object_get(linux_, "namespaces");
  if (!json_is_array(namespaces)) {
    namespaces = json_array();
    json_object_set_new(linux_, "namespaces", namespaces);
  }
  for (size_t i = json_array_size(namespaces); i-- > 0;) {
    const char *type = json_string_value(json_object_get(json_array_get(namespaces, i), "type"));
    if (type && strcmp(type, "network") == 0)
      json_array_remove(namespaces, i);
  }
  /* A new network namespace has only a loopback that is down, which is
   * what "none" means (runc brings lo up). */
  if (net == SC_RUN_NET_NONE)
    json_array_append_new(namespaces, json_pack("{s:s}", "type", "network"));
}

/* config.mounts, made when the image has none. */
static json_t *mounts_of(json_t *config)
{
  json_t *mounts = json_object_get(config, "mounts");
  if (!json_is_array(mounts)) {
    mounts = json_array();
    json_object_set_new(config, "mounts", mounts);
  }
  return mounts;
}

static void add_binds(json_t *config, const sc_run_options *o)
{
  json_t *mounts = mounts_of(config);
  for (size_t i = 0; i < o->bind_count; i++)
    json_array_append_new(mounts, json_pack("{s:s, s:s, s:s, s:[s, s]}", "destination",
                                            o->binds[i].destination, "type", "bind", "source",
                                            o->binds[i].source, "options", "rbind",
                                            o->binds[i].readonly ? "ro" : "rw"));
}

static bool has_mount_at(json_t *mounts, const char *destination)
{
  size_t i;
  json_t *m;
  json_array_foreach(mounts, i, m)
  {
    const char *d = json_string_value(json_object_get(m, "destination"));
    if (d && strcmp(d, destination) == 0)
      return true;
  }
  return false;
}

/* A terminal is a pseudo-terminal of the container's own devpts, which a
 * service's config.json (no terminal) need not mount; runc points
 * /dev/ptmx at it. */
static void add_devpts(json_t *config)
{
  json_t *mounts = mounts_of(config);
  if (has_mount_at(mounts, "/dev/pts"))
    return;
  json_array_append_new(mounts,
                        json_pack("{s:s, s:s, s:s, s:[s, s, s, s, s]}", "destination", "/dev/pts",
                                  "type", "devpts", "source", "devpts", "options", "nosuid",
                                  "noexec", "newinstance", "ptmxmode=0666", "mode=0620"));
}

int sc_run_adjust_config(json_t *config, const sc_run_options *o, sc_error *err)
{
  json_t *process = json_object_get(config, "process");
  if (!json_is_object(process))
    return sc_error_set(err, SC_E_INVALID,
                        "the image's config.json has no \"process\" object: there is nothing to "
                        "run (give the image a process in /exports/config.json.template)");
  if (o->command && o->command[0]) {
    json_t *args = json_array();
    for (size_t i = 0; o->command[i]; i++)
      json_array_append_new(args, json_string(o->command[i]));
    json_object_set_new(process, "args", args);
  }
  json_object_set_new(process, "terminal", json_boolean(o->terminal));
  if (o->terminal)
    add_devpts(config);
  if (o->writable) {
    json_t *root = json_object_get(config, "root");
    if (json_is_object(root))
      json_object_set_new(root, "readonly", json_false());
  }
  set_network(config, o->net);
  add_binds(config, o);
  return 0;
}

static int rewrite_config(const char *bundle, const sc_run_options *o, sc_error *err)
{
  _cleanup_free_ char *path = sc_path_join(bundle, "config.json");
  json_error_t jerr;
  json_t *config = json_load_file(path, 0, &jerr);
  if (config == NULL)
    return sc_error_set(err, SC_E_INVALID, "%s: %s", path, jerr.text);
  int r = sc_run_adjust_config(config, o, err);
  _cleanup_free_ char *text = r == 0 ? json_dumps(config, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
  json_decref(config);
  if (r < 0)
    return -1;
  return sc_write_file_at(AT_FDCWD, path, text, strlen(text), 0644, err);
}

/* ---- the run ---- */

static void forwarded_set(sigset_t *set)
{
  sigemptyset(set);
  for (size_t i = 0; i < sizeof forwarded_signals / sizeof forwarded_signals[0]; i++)
    sigaddset(set, forwarded_signals[i]);
  sigaddset(set, SIGCHLD);
}

/* Wait for the runtime, passing on the signals sent to us.  One the
 * terminal sent to its whole foreground group (Ctrl-C: si_code SI_KERNEL)
 * has reached the runtime already, and is not sent twice.  A command
 * that ignores them (as PID 1 does every signal it has no handler for)
 * is killed at the second SIGINT or SIGTERM. */
static int wait_forwarding(pid_t pid, int signal_fd, const sc_runtime *rt, const char *id)
{
  int stops = 0;
  for (;;) {
    int status;
    pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid)
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (done < 0 && errno != EINTR)
      return 127;
    struct signalfd_siginfo si;
    ssize_t n = read(signal_fd, &si, sizeof si);
    if (n != (ssize_t)sizeof si || si.ssi_signo == SIGCHLD)
      continue;
    if (si.ssi_code != SI_KERNEL)
      kill(pid, (int)si.ssi_signo);
    if ((si.ssi_signo == SIGINT || si.ssi_signo == SIGTERM) && ++stops == 2)
      sc_runtime_kill(rt, id, "KILL", NULL);
  }
}

/* The forwarded signals are blocked from before the spawn (none is lost
 * to our own handlers) until the runtime is reaped, and read through a
 * signalfd meanwhile; the child gets them unblocked (process.h). */
static int run_attached(const sc_runtime *rt, const char *bundle, const char *id, int *exit_status,
                        sc_error *err)
{
  sigset_t set, old;
  forwarded_set(&set);
  sigprocmask(SIG_BLOCK, &set, &old);
  int signal_fd = signalfd(-1, &set, SFD_CLOEXEC);
  pid_t pid = -1;
  int r = signal_fd < 0 ? sc_error_set_errno(err, errno, "cannot watch for signals")
                        : sc_runtime_run_attached(rt, bundle, id, &pid, err);
  if (r == 0)
    *exit_status = wait_forwarding(pid, signal_fd, rt, id);
  if (signal_fd >= 0)
    close(signal_fd); /* a signalfd has no write to report */
  sigprocmask(SIG_SETMASK, &old, NULL);
  return r;
}

typedef struct run_state {
  const sc_run_options *options;
  char *runtime_path;
  sc_runtime runtime;
  sc_container_root root;
  char *id;
  char **notes;
} run_state;

static int prepare(run_state *s, sc_error *err)
{
  const sc_run_options *o = s->options;
  if (sc_smoke_preflight(o->runtime_path, o->search_path, o->tmpdir, &s->runtime_path, err) < 0)
    return -1;
  s->runtime = (sc_runtime)SC_RUNTIME_INIT;
  s->runtime.path = s->runtime_path;
  s->runtime.systemd_cgroup = sc_systemd_is_running();
  char suffix[7];
  sc_random_hex(suffix, 6);
  s->id = xasprintf("%s-run-%s", o->name ? o->name : "image", suffix);
  if (sc_container_root_make(o->tmpdir, RUN_ROOT_PREFIX, s->runtime_path, &s->root, err) < 0)
    return -1;
  s->runtime.state_root = s->root.state_root;
  return 0;
}

static int install_and_run(run_state *s, int *exit_status, sc_error *err)
{
  const sc_run_options *o = s->options;
  emit(o, "step", "installing %s into %s", o->image->reference, s->root.path);
  if (sc_container_root_install(&s->root, o->image, s->id, o->set, &s->runtime, o->interrupted,
                                &s->notes, err) < 0)
    return -1;
  for (size_t i = 0; s->notes && s->notes[i]; i++)
    emit(o, "note", "%s", s->notes[i]);
  if (rewrite_config(s->root.bundle, o, err) < 0)
    return -1;
  if (sc_interrupted(o->interrupted))
    return sc_error_set(err, SC_E_INTERRUPTED, "interrupted before the command started");
  emit(o, "step", "running %s with %s run", s->id, s->runtime_path);
  return run_attached(&s->runtime, s->root.bundle, s->id, exit_status, err);
}

int sc_run(const sc_run_options *options, int *exit_status, sc_error *err)
{
  run_state s = {.options = options, .root = {.lock_fd = -1}};
  int r = prepare(&s, err);
  if (r == 0)
    r = install_and_run(&s, exit_status, err);
  if (s.root.path && !options->keep)
    sc_runtime_delete(&s.runtime, s.id, true, NULL); /* what the runtime may have left */
  if (s.root.path && options->keep)
    emit(options, "note", "kept the root %s (runtime state in %s)", s.root.path, s.root.state_root);
  sc_container_root_close(&s.root, options->keep);
  free(s.runtime_path);
  free(s.id);
  sc_strv_free(s.notes);
  return r;
}
