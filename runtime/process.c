/* process.c: posix_spawn with captured output. */
#include "process.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

extern char **environ;

static int setup_actions(posix_spawn_file_actions_t *actions, int out_fd, const char *cwd)
{
  if (posix_spawn_file_actions_init(actions) != 0)
    return -1;
  posix_spawn_file_actions_addopen(actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(actions, out_fd, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(actions, out_fd, STDERR_FILENO);
  if (cwd)
    posix_spawn_file_actions_addchdir_np(actions, cwd);
  return 0;
}

static void read_output(int fd, size_t max_output, sc_buf *out)
{
  char chunk[8192];
  for (;;) {
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    size_t room = out->len < max_output ? max_output - out->len : 0;
    sc_buf_append(out, chunk, (size_t)n < room ? (size_t)n : room);
  }
}

static int wait_child(pid_t pid)
{
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR)
      return 127;
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

int sc_spawn_capture(char *const argv[], const char *cwd, size_t max_output,
                     sc_spawn_result *result, sc_error *err)
{
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) < 0)
    return sc_error_set_errno(err, errno, "cannot create a pipe");
  posix_spawn_file_actions_t actions;
  setup_actions(&actions, pipefd[1], cwd);
  pid_t pid;
  int r = posix_spawnp(&pid, argv[0], &actions, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  /* Pipe ends: we never write the child's end, and a close of the read
   * end has nothing to report. */
  close(pipefd[1]);
  if (r != 0) {
    close(pipefd[0]);
    return sc_error_set_errno(err, r, "cannot run %s", argv[0]);
  }
  sc_buf out = SC_BUF_INIT;
  read_output(pipefd[0], max_output, &out);
  close(pipefd[0]);
  result->exit_status = wait_child(pid);
  result->output_len = out.len;
  result->output = sc_buf_steal(&out);
  return 0;
}

void sc_spawn_result_clear(sc_spawn_result *result)
{
  free(result->output);
  *result = (sc_spawn_result){0};
}

int sc_spawn_wait(char *const argv[], const char *cwd, int out_fd, int *exit_status, sc_error *err)
{
  posix_spawn_file_actions_t actions;
  setup_actions(&actions, out_fd, cwd);
  pid_t pid;
  int r = posix_spawnp(&pid, argv[0], &actions, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  if (r != 0)
    return sc_error_set_errno(err, r, "cannot run %s", argv[0]);
  *exit_status = wait_child(pid);
  return 0;
}

int sc_spawn_attached(char *const argv[], const char *cwd, pid_t *pid, sc_error *err)
{
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  if (posix_spawn_file_actions_init(&actions) != 0 || posix_spawnattr_init(&attr) != 0)
    return sc_error_set(err, ENOMEM, "cannot run %s", argv[0]);
  if (cwd)
    posix_spawn_file_actions_addchdir_np(&actions, cwd);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  sigdelset(&all, SIGKILL);
  sigdelset(&all, SIGSTOP);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  int r = posix_spawnp(pid, argv[0], &actions, &attr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (r != 0)
    return sc_error_set_errno(err, r, "cannot run %s", argv[0]);
  return 0;
}

int sc_spawn_reap(pid_t pid)
{
  return wait_child(pid);
}

/* Poll fd until it has data or the deadline (CLOCK_MONOTONIC ms) passes:
 * 1 readable, 0 timed out. */
static int wait_readable(int fd, long long deadline_ms)
{
  for (;;) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long long left = deadline_ms - ((long long)now.tv_sec * 1000 + now.tv_nsec / 1000000);
    if (left <= 0)
      return 0;
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int r = poll(&p, 1, left > 60000 ? 60000 : (int)left);
    if (r > 0)
      return 1;
    if (r < 0 && errno != EINTR)
      return 1; /* let read() report it */
  }
}

/* Read fd to EOF (keeping max_output bytes) unless the deadline passes:
 * 0 at EOF, -1 on timeout. */
static int read_output_until(int fd, size_t max_output, long long deadline_ms, sc_buf *out)
{
  char chunk[4096];
  for (;;) {
    if (!wait_readable(fd, deadline_ms))
      return -1;
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return 0;
    size_t room = out->len < max_output ? max_output - out->len : 0;
    sc_buf_append(out, chunk, (size_t)n < room ? (size_t)n : room);
  }
}

/* A child that exits without reading must not kill us with SIGPIPE: block
 * it in this thread for the write and take back one it raised.  The input
 * is small (less than a pipe buffer), so one write cannot block. */
static void write_input(int fd, const char *input, size_t len)
{
  sigset_t pipe_set, old;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
  if (write(fd, input, len) < 0 && errno == EPIPE) {
    struct timespec zero = {0, 0};
    sigtimedwait(&pipe_set, NULL, &zero);
  }
  pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static int spawn_with_pipes(char *const argv[], int in_fd, int out_fd, pid_t *pid)
{
  posix_spawn_file_actions_t actions;
  if (posix_spawn_file_actions_init(&actions) != 0)
    return ENOMEM;
  posix_spawn_file_actions_adddup2(&actions, in_fd, STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out_fd, STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  int r = posix_spawnp(pid, argv[0], &actions, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  return r;
}

int sc_spawn_filter(char *const argv[], const char *input, size_t input_len, size_t max_output,
                    int timeout_ms, sc_spawn_result *result, sc_error *err)
{
  int in[2], out[2];
  if (pipe2(in, O_CLOEXEC) < 0)
    return sc_error_set_errno(err, errno, "cannot create a pipe");
  if (pipe2(out, O_CLOEXEC) < 0) {
    int e = errno;
    close(in[0]);
    close(in[1]);
    return sc_error_set_errno(err, e, "cannot create a pipe");
  }
  pid_t pid;
  int r = spawn_with_pipes(argv, in[0], out[1], &pid);
  close(in[0]);
  close(out[1]);
  if (r != 0) {
    close(in[1]);
    close(out[0]);
    return sc_error_set_errno(err, r, "cannot run %s", argv[0]);
  }
  write_input(in[1], input, input_len);
  close(in[1]);
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  long long deadline = (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000 + timeout_ms;
  sc_buf buf = SC_BUF_INIT;
  bool timed_out = read_output_until(out[0], max_output, deadline, &buf) < 0;
  close(out[0]);
  if (timed_out)
    kill(pid, SIGKILL);
  result->exit_status = wait_child(pid);
  result->output_len = buf.len;
  result->output = sc_buf_steal(&buf);
  if (timed_out) {
    sc_spawn_result_clear(result);
    return sc_error_set(err, ETIMEDOUT, "%s did not answer within %d ms", argv[0], timeout_ms);
  }
  return 0;
}
