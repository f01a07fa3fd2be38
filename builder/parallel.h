/* parallel.h: a bounded pool of threads over a list of work items, for
 * blob transfers (push uploads, pull downloads): up to `jobs` threads,
 * each with state of its own (a connection), take items in order until
 * none are left or one failed. */
#ifndef SC_PARALLEL_H
#define SC_PARALLEL_H

#include <stddef.h>
#include <sc/error.h>

typedef struct sc_parallel {
  size_t count; /* items 0 .. count-1 */
  int jobs;     /* threads at most; 1 (or a single item): the caller's thread */
  /* A worker's state (e.g. a cloned registry connection) and its release;
   * state_new may be NULL (state is then user). */
  void *(*state_new)(void *user);
  void (*state_free)(void *state);
  /* One item; -1 with err set stops the taking of further items. */
  int (*work)(void *state, size_t index, sc_error *err);
  void *user;
} sc_parallel;

/* Run every item; the first failure is returned in err. */
int sc_parallel_run(const sc_parallel *p, sc_error *err);

/* The threads a --threads value asks for: itself, or for 0 one per online
 * CPU (at least 1). */
unsigned sc_threads_or_cpus(unsigned threads);

/* ---- blob transfers with a registry (push uploads, pull downloads) ---- */

#define SC_TRANSFER_DEFAULT_JOBS 4

typedef struct sc_registry sc_registry;

/* One item, over registry: the worker's own connection.  ctx is the
 * caller's, shared by every worker: what they change through it must be
 * guarded by a lock. */
typedef int (*sc_transfer_fn)(void *ctx, sc_registry *registry, size_t index, sc_error *err);

/* Run every item with up to jobs workers (SC_TRANSFER_DEFAULT_JOBS when
 * jobs <= 0), each over a clone of registry (sc_registry_clone: it shares
 * the tokens).  The first failure is returned in err. */
int sc_parallel_transfer(const sc_registry *registry, int jobs, size_t count, sc_transfer_fn work,
                         void *ctx, sc_error *err);

#endif
