/* runc.c: OCI runtime invocations, always with argv arrays. */
#include <sc/runc.h>

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "process.h"
#include "util.h"

bool sc_systemd_is_running(void)
{
  struct stat st;
  return lstat("/run/systemd/system", &st) == 0 && S_ISDIR(st.st_mode);
}

/* argv = RUNTIME [--root S] [--systemd-cgroup] then the given words. */
static char **runtime_argv(const sc_runtime *rt, const char *const *words)
{
  char **argv = NULL;
  sc_strv_push(&argv, rt->path);
  if (rt->state_root) {
    sc_strv_push(&argv, "--root");
    sc_strv_push(&argv, rt->state_root);
  }
  if (rt->systemd_cgroup)
    sc_strv_push(&argv, "--systemd-cgroup");
  for (size_t i = 0; words[i]; i++)
    sc_strv_push(&argv, words[i]);
  return argv;
}

/* Run the runtime, output captured; a non-zero exit is an error quoting it. */
static int runtime_call(const sc_runtime *rt, const char *const *words, const char *what,
                        sc_error *err)
{
  _cleanup_strv_ char **argv = runtime_argv(rt, words);
  sc_spawn_result result = {0};
  if (sc_spawn_capture(argv, NULL, 64 << 10, &result, err) < 0)
    return sc_error_prefix(err, "%s", what);
  int r = 0;
  if (result.exit_status != 0) {
    size_t n = result.output_len;
    while (n > 0 && (result.output[n - 1] == '\n' || result.output[n - 1] == ' '))
      result.output[--n] = '\0';
    r = sc_error_set(err, SC_E_CHECK, "%s: %s exited with status %d%s%s", what, rt->path,
                     result.exit_status, n ? ": " : "", result.output);
  }
  sc_spawn_result_clear(&result);
  return r;
}

static int read_pid_file(const char *pid_file, pid_t *pid, sc_error *err)
{
  _cleanup_free_ char *text = NULL;
  if (sc_read_file_at(AT_FDCWD, pid_file, &text, NULL, err) < 0)
    return sc_error_prefix(err, "the runtime wrote no pid file");
  char *end = NULL;
  long value = strtol(text, &end, 10);
  if (end == text || value <= 1)
    return sc_error_set(err, SC_E_INVALID, "%s does not hold a process id", pid_file);
  *pid = (pid_t)value;
  return 0;
}

int sc_runtime_run_detached(const sc_runtime *caller_rt, const char *bundle, const char *id,
                            const char *pid_file, int log_fd, pid_t *pid, sc_error *err)
{
  sc_runtime known;
  if (sc_options_read(caller_rt, sizeof known, &known, "runtime", err) < 0)
    return -1;
  const sc_runtime *rt = &known;
  const char *words[] = {"run", "-d", "--pid-file", pid_file, id, NULL};
  _cleanup_strv_ char **argv = runtime_argv(rt, words);
  int status = 0;
  if (sc_spawn_wait(argv, bundle, log_fd, &status, err) < 0)
    return -1;
  if (status != 0)
    return sc_error_set(err, SC_E_CHECK, "%s run exited with status %d (see the container log)",
                        rt->path, status);
  return read_pid_file(pid_file, pid, err);
}

int sc_runtime_run(const sc_runtime *caller_rt, const char *bundle, const char *id, int log_fd,
                   int *exit_status, sc_error *err)
{
  sc_runtime known;
  if (sc_options_read(caller_rt, sizeof known, &known, "runtime", err) < 0)
    return -1;
  const sc_runtime *rt = &known;
  const char *words[] = {"run", id, NULL};
  _cleanup_strv_ char **argv = runtime_argv(rt, words);
  return sc_spawn_wait(argv, bundle, log_fd, exit_status, err);
}

int sc_runtime_run_attached(const sc_runtime *caller_rt, const char *bundle, const char *id,
                            pid_t *pid, sc_error *err)
{
  sc_runtime known;
  if (sc_options_read(caller_rt, sizeof known, &known, "runtime", err) < 0)
    return -1;
  const sc_runtime *rt = &known;
  const char *words[] = {"run", id, NULL};
  _cleanup_strv_ char **argv = runtime_argv(rt, words);
  return sc_spawn_attached(argv, bundle, pid, err);
}

int sc_runtime_kill(const sc_runtime *caller_rt, const char *id, const char *signal, sc_error *err)
{
  sc_runtime known;
  if (sc_options_read(caller_rt, sizeof known, &known, "runtime", err) < 0)
    return -1;
  const sc_runtime *rt = &known;
  const char *words[] = {"kill", id, signal, NULL};
  return runtime_call(rt, words, "stopping the container", err);
}

int sc_runtime_delete(const sc_runtime *caller_rt, const char *id, bool force, sc_error *err)
{
  sc_runtime known;
  if (sc_options_read(caller_rt, sizeof known, &known, "runtime", err) < 0)
    return -1;
  const sc_runtime *rt = &known;
  const char *words[] = {"delete", force ? "-f" : id, force ? id : NULL, NULL};
  return runtime_call(rt, words, "deleting the container", err);
}

int sc_runtime_exec(const sc_runtime *caller_rt, const char *id, char *const argv_in[],
                    int *exit_status, char **output, sc_error *err)
{
  sc_runtime known;
  if (sc_options_read(caller_rt, sizeof known, &known, "runtime", err) < 0)
    return -1;
  const sc_runtime *rt = &known;
  const char *head[] = {"exec", id, NULL};
  _cleanup_strv_ char **argv = runtime_argv(rt, head);
  for (size_t i = 0; argv_in[i]; i++)
    sc_strv_push(&argv, argv_in[i]);
  sc_spawn_result result = {0};
  if (sc_spawn_capture(argv, NULL, 64 << 10, &result, err) < 0)
    return -1;
  *exit_status = result.exit_status;
  if (output)
    *output = steal_pointer(&result.output);
  sc_spawn_result_clear(&result);
  return 0;
}

char *sc_runtime_status(const sc_runtime *caller_rt, const char *id, sc_error *err)
{
  sc_runtime known;
  if (sc_options_read(caller_rt, sizeof known, &known, "runtime", err) < 0)
    return NULL;
  const sc_runtime *rt = &known;
  const char *words[] = {"state", id, NULL};
  _cleanup_strv_ char **argv = runtime_argv(rt, words);
  sc_spawn_result result = {0};
  if (sc_spawn_capture(argv, NULL, 1 << 20, &result, err) < 0)
    return NULL;
  json_t *state = result.exit_status == 0 ? json_loads(result.output, 0, NULL) : NULL;
  const char *status = json_string_value(json_object_get(state, "status"));
  char *out = status ? xstrdup(status) : NULL;
  if (out == NULL)
    sc_error_set(err, SC_E_CHECK, "%s state %s failed: %s", rt->path, id, result.output);
  json_decref(state);
  sc_spawn_result_clear(&result);
  return out;
}
