/* sc/runc.h: running a deployment's bundle with an OCI runtime (runc,
 * crun) the way its unit's ExecStart does, for hosts and smoke tests. */
#ifndef SC_RUNC_H
#define SC_RUNC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <sc/error.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Which runtime to run, and how: a versioned struct (sc/runtime.h),
 * initialised with SC_RUNTIME_INIT. */
typedef struct sc_runtime {
  size_t size;            /* sizeof (sc_runtime), set by the INIT macro */
  const char *path;       /* the runtime binary, e.g. /usr/bin/runc */
  const char *state_root; /* its --root (state directory), or NULL for its default */
  bool systemd_cgroup;    /* pass --systemd-cgroup (only where systemd runs) */
} sc_runtime;

#define SC_RUNTIME_INIT                                                                            \
  {                                                                                                \
    .size = sizeof(sc_runtime)                                                                     \
  }

/* True when systemd is the init system (sd_booted(3): /run/systemd/system). */
SC_PUBLIC bool sc_systemd_is_running(void);

/* `RUNTIME [--root S] [--systemd-cgroup] run -d --pid-file PIDFILE ID` in the
 * bundle directory; the container's stdout and stderr go to log_fd (a
 * detached container keeps them open: never a pipe that is waited on).
 * On success *pid is the container's init process. */
SC_PUBLIC int sc_runtime_run_detached(const sc_runtime *rt, const char *bundle, const char *id,
                                      const char *pid_file, int log_fd, pid_t *pid, sc_error *err);
/* `RUNTIME run ID` in the foreground; *exit_status is the container's. */
SC_PUBLIC int sc_runtime_run(const sc_runtime *rt, const char *bundle, const char *id, int log_fd,
                             int *exit_status, sc_error *err);
/* `RUNTIME run ID` in the foreground with our stdin, stdout and stderr (a
 * terminal when the bundle's config.json asks for one), started and not
 * waited for: *pid is the runtime's process, which passes the signals it
 * gets on to the container and exits with the container's status (reap it
 * with waitpid).  Signals blocked here are unblocked and at their default
 * action in it. */
SC_PUBLIC int sc_runtime_run_attached(const sc_runtime *rt, const char *bundle, const char *id,
                                      pid_t *pid, sc_error *err);
/* `RUNTIME kill ID SIGNAL` (e.g. "TERM", "KILL"). */
SC_PUBLIC int sc_runtime_kill(const sc_runtime *rt, const char *id, const char *signal,
                              sc_error *err);
/* `RUNTIME delete [-f] ID`. */
SC_PUBLIC int sc_runtime_delete(const sc_runtime *rt, const char *id, bool force, sc_error *err);
/* `RUNTIME exec ID ARGV...`; *exit_status is the command's, output kept in
 * *output (may be NULL). */
SC_PUBLIC int sc_runtime_exec(const sc_runtime *rt, const char *id, char *const argv[],
                              int *exit_status, char **output, sc_error *err);
/* The container's status from `RUNTIME state ID` ("running", "stopped",
 * "created", ...), newly allocated; NULL with err when it is unknown. */
SC_PUBLIC char *sc_runtime_status(const sc_runtime *rt, const char *id, sc_error *err);

#ifdef __cplusplus
}
#endif
#endif
