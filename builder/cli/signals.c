/* signals.c: SIGINT/SIGTERM become a flag that long operations poll, so
 * that they stop at a safe point and clean up (temp dirs, staging
 * deployments) instead of dying half-way.  The flag is the one piece of
 * process-global state: a signal handler can reach nothing else. */
#include "cli.h"

#include <signal.h>
#include <string.h>

static volatile int interrupted_flag;

static void on_signal(int signo)
{
  (void)signo;
  interrupted_flag = 1;
}

volatile const int *sc_cli_catch_interrupts(void)
{
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  return &interrupted_flag;
}
