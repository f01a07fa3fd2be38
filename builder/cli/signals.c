/* signals.c: SIGINT, SIGTERM, SIGHUP and SIGPIPE become a flag that long
 * operations poll, so that they stop at a safe point and clean up (temp
 * dirs, staging deployments, a test's running container) instead of dying
 * half-way.  A hangup (the terminal closed) and a reader that went away
 * (`sc-build test | head -1`) leave the same mess as Ctrl-C, so they are
 * handled the same way.  The flag is the one piece of process-global state:
 * a signal handler can reach nothing else. */
#include "cli.h"

#include <signal.h>
#include <string.h>

static volatile sig_atomic_t interrupted_flag;

static void on_signal(int signo)
{
  (void)signo;
  interrupted_flag = 1;
}

volatile const int *sc_cli_catch_interrupts(void)
{
  static const int signals[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  /* A handler rather than SIG_IGN for SIGPIPE: an ignored signal would stay
   * ignored in the programs we run (runc, the container), a handler does
   * not survive exec.  A write to a closed pipe then fails with EPIPE. */
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++)
    sigaction(signals[i], &sa, NULL);
  return (volatile const int *)&interrupted_flag;
}

void sc_cli_interrupt(void)
{
  interrupted_flag = 1;
}
