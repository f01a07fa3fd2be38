/* parallel.c: a bounded thread pool over work items (parallel.h). */
#include "parallel.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "registry.h"
#include "util.h"

typedef struct pool {
  const sc_parallel *p;
  pthread_mutex_t lock;
  size_t next;
  bool failed;
  sc_error err; /* the first failure */
} pool;

/* The next item, or false when all are taken or one failed. */
static bool take(pool *pl, size_t *index)
{
  pthread_mutex_lock(&pl->lock);
  bool ok = !pl->failed && pl->next < pl->p->count;
  if (ok)
    *index = pl->next++;
  pthread_mutex_unlock(&pl->lock);
  return ok;
}

static void fail(pool *pl, sc_error *err)
{
  pthread_mutex_lock(&pl->lock);
  if (!pl->failed) {
    pl->failed = true;
    sc_error_move(&pl->err, err);
  }
  pthread_mutex_unlock(&pl->lock);
}

static void *worker(void *arg)
{
  pool *pl = arg;
  const sc_parallel *p = pl->p;
  void *state = p->state_new ? p->state_new(p->user) : p->user;
  size_t index;
  while (take(pl, &index)) {
    sc_error err = SC_ERROR_INIT;
    if (p->work(state, index, &err) < 0)
      fail(pl, &err);
    sc_error_clear(&err);
  }
  if (p->state_new && p->state_free)
    p->state_free(state);
  return NULL;
}

int sc_parallel_run(const sc_parallel *p, sc_error *err)
{
  size_t jobs = p->jobs > 1 ? (size_t)p->jobs : 1;
  if (jobs > p->count)
    jobs = p->count;
  pool pl = {.p = p, .err = SC_ERROR_INIT};
  pthread_mutex_init(&pl.lock, NULL);
  if (jobs <= 1) /* no threads: this one does the work */
    jobs = 0;
  pthread_t *threads = xcalloc(jobs, sizeof *threads);
  size_t started = 0;
  while (started < jobs && pthread_create(&threads[started], NULL, worker, &pl) == 0)
    started++;
  if (started == 0) /* one job, or no thread to be had: this thread works */
    worker(&pl);
  for (size_t i = 0; i < started; i++)
    pthread_join(threads[i], NULL);
  free(threads);
  pthread_mutex_destroy(&pl.lock);
  if (!pl.failed)
    return 0;
  sc_error_move(err, &pl.err);
  return -1;
}

typedef struct transfer {
  const sc_registry *registry;
  sc_transfer_fn work;
  void *ctx;
} transfer;

typedef struct transfer_worker {
  const transfer *t;
  sc_registry *registry; /* this worker's connection */
} transfer_worker;

static void *transfer_worker_new(void *user)
{
  transfer_worker *w = xcalloc(1, sizeof *w);
  w->t = user;
  w->registry = sc_registry_clone(w->t->registry);
  return w;
}

static void transfer_worker_free(void *state)
{
  transfer_worker *w = state;
  sc_registry_free(w->registry);
  free(w);
}

static int transfer_item(void *state, size_t index, sc_error *err)
{
  transfer_worker *w = state;
  return w->t->work(w->t->ctx, w->registry, index, err);
}

int sc_parallel_transfer(const sc_registry *registry, int jobs, size_t count, sc_transfer_fn work,
                         void *ctx, sc_error *err)
{
  transfer t = {.registry = registry, .work = work, .ctx = ctx};
  sc_parallel run = {.count = count,
                     .jobs = jobs > 0 ? jobs : SC_TRANSFER_DEFAULT_JOBS,
                     .state_new = transfer_worker_new,
                     .state_free = transfer_worker_free,
                     .work = transfer_item,
                     .user = &t};
  return sc_parallel_run(&run, err);
}

unsigned sc_threads_or_cpus(unsigned threads)
{
  if (threads > 0)
    return threads;
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? (unsigned)n : 1;
}
