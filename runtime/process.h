/* process.h: run programs with argv arrays (posix_spawn), never a shell. */
#ifndef SC_PROCESS_H
#define SC_PROCESS_H

#include <stddef.h>
#include <sys/types.h>
#include <sc/error.h>

typedef struct sc_spawn_result {
  int exit_status; /* exit code, or 128 + signal number */
  char *output;    /* stdout and stderr together (capped), NUL-terminated */
  size_t output_len;
} sc_spawn_result;

/* Run argv[0] (looked up in PATH when it has no '/') with stdin from
 * /dev/null, capture stdout+stderr (at most max_output bytes kept), wait
 * for it.  Fails only when it cannot be started. */
int sc_spawn_capture(char *const argv[], const char *cwd, size_t max_output,
                     sc_spawn_result *result, sc_error *err);
/* Run argv (PATH lookup as above) with input on its stdin and stderr to
 * /dev/null, capture its stdout alone (at most max_output bytes kept): a
 * filter such as a docker credential helper.  A child still running after
 * timeout_ms is killed and that is an error naming argv[0]. */
int sc_spawn_filter(char *const argv[], const char *input, size_t input_len, size_t max_output,
                    int timeout_ms, sc_spawn_result *result, sc_error *err);
void sc_spawn_result_clear(sc_spawn_result *result);

/* Run argv with stdin from /dev/null and stdout+stderr to out_fd, in cwd
 * (or ours), and wait: *exit_status is the exit code or 128 + signal. */
int sc_spawn_wait(char *const argv[], const char *cwd, int out_fd, int *exit_status, sc_error *err);

/* Start argv in cwd (or ours) with our stdin, stdout and stderr, every
 * signal unblocked and at its default action (a caller that blocked some
 * to forward them, or a shell that ignored SIGINT for a background job,
 * does not pass that on), and return at once: *pid is the child's. */
int sc_spawn_attached(char *const argv[], const char *cwd, pid_t *pid, sc_error *err);
/* waitpid for pid (retrying on EINTR): its exit code, or 128 + the signal
 * that ended it, as a shell reports it. */
int sc_spawn_reap(pid_t pid);

#endif
