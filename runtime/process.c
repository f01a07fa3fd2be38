/* process.c: posix_spawn with captured output. */
#include "process.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
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
