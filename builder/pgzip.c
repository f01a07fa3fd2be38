/* pgzip.c: parallel multi-member gzip with libdeflate (see pgzip.h).
 *
 * A ring of 2 x threads slots: the caller fills one slot at a time; a full
 * slot is queued, a worker compresses it into its own output buffer, and
 * the caller writes finished slots to the sink strictly in ring order
 * before it reuses them.  So the caller blocks only when every slot is
 * queued or done and the oldest is not yet compressed. */
#include "pgzip.h"

#include <errno.h>
#include <libdeflate.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

typedef enum { SLOT_FREE, SLOT_QUEUED, SLOT_BUSY, SLOT_DONE } slot_state;

typedef struct slot {
  unsigned char *in;
  size_t in_len;
  unsigned char *out;
  size_t out_len; /* 0 after a failed compression: a member is never empty */
  slot_state state;
} slot;

struct sc_pgzip {
  int level;
  sc_compress_sink sink;
  void *user;
  slot *slots;
  size_t nslots;
  size_t out_cap;
  size_t fill; /* the slot being filled: always SLOT_FREE */
  size_t emit; /* the oldest slot not yet written to the sink */
  uint64_t total_in;
  struct libdeflate_compressor *inline_compressor; /* threads == 0 */
  pthread_t *workers;
  size_t nworkers;
  pthread_mutex_t lock;
  pthread_cond_t work; /* a slot was queued, or stop */
  pthread_cond_t done; /* a slot was compressed */
  bool stop;
};

/* The oldest queued slot, so that blocks are compressed roughly in order
 * and the caller waits as little as possible. */
static slot *next_queued(sc_pgzip *z)
{
  for (size_t i = 0; i < z->nslots; i++) {
    slot *s = &z->slots[(z->emit + i) % z->nslots];
    if (s->state == SLOT_QUEUED)
      return s;
  }
  return NULL;
}

static void compress_slot(struct libdeflate_compressor *c, slot *s, size_t out_cap)
{
  s->out_len = c ? libdeflate_gzip_compress(c, s->in, s->in_len, s->out, out_cap) : 0;
}

static void *worker_main(void *arg)
{
  sc_pgzip *z = arg;
  /* NULL on allocation failure: every slot it takes then fails, and the
   * caller reports it when it writes that slot. */
  struct libdeflate_compressor *c = libdeflate_alloc_compressor(z->level);
  pthread_mutex_lock(&z->lock);
  for (;;) {
    slot *s = NULL;
    while (!z->stop && (s = next_queued(z)) == NULL)
      pthread_cond_wait(&z->work, &z->lock);
    if (z->stop)
      break;
    s->state = SLOT_BUSY;
    pthread_mutex_unlock(&z->lock);
    compress_slot(c, s, z->out_cap);
    pthread_mutex_lock(&z->lock);
    s->state = SLOT_DONE;
    pthread_cond_broadcast(&z->done);
  }
  pthread_mutex_unlock(&z->lock);
  libdeflate_free_compressor(c);
  return NULL;
}

static int start_workers(sc_pgzip *z, unsigned threads, sc_error *err)
{
  z->workers = xcalloc(threads, sizeof *z->workers);
  for (unsigned i = 0; i < threads; i++) {
    int e = pthread_create(&z->workers[i], NULL, worker_main, z);
    if (e != 0)
      return sc_error_set_errno(err, e, "cannot start a compression thread");
    z->nworkers++;
  }
  return 0;
}

sc_pgzip *sc_pgzip_new(int level, unsigned threads, sc_compress_sink sink, void *user,
                       sc_error *err)
{
  sc_pgzip *z = xcalloc(1, sizeof *z);
  z->level = level;
  z->sink = sink;
  z->user = user;
  pthread_mutex_init(&z->lock, NULL);
  pthread_cond_init(&z->work, NULL);
  pthread_cond_init(&z->done, NULL);
  z->inline_compressor = libdeflate_alloc_compressor(level);
  if (z->inline_compressor == NULL) {
    sc_error_set(err, ENOMEM, "cannot make a gzip compressor at level %d: out of memory", level);
    sc_pgzip_free(z);
    return NULL;
  }
  z->out_cap = libdeflate_gzip_compress_bound(z->inline_compressor, SC_PGZIP_BLOCK);
  z->nslots = threads ? 2 * (size_t)threads : 1;
  z->slots = xcalloc(z->nslots, sizeof *z->slots);
  for (size_t i = 0; i < z->nslots; i++) {
    z->slots[i].in = xmalloc(SC_PGZIP_BLOCK);
    z->slots[i].out = xmalloc(z->out_cap);
  }
  if (threads && start_workers(z, threads, err) < 0) {
    sc_pgzip_free(z);
    return NULL;
  }
  return z;
}

/* Write the oldest slot to the sink once it is compressed. */
static int emit_oldest(sc_pgzip *z, sc_error *err)
{
  slot *s = &z->slots[z->emit];
  pthread_mutex_lock(&z->lock);
  while (s->state == SLOT_QUEUED || s->state == SLOT_BUSY)
    pthread_cond_wait(&z->done, &z->lock);
  pthread_mutex_unlock(&z->lock);
  if (s->state != SLOT_DONE)
    return 0;
  if (s->out_len == 0)
    return sc_error_set(err, ENOMEM, "gzip compression failed: out of memory");
  if (z->sink(z->user, s->out, s->out_len, err) < 0)
    return -1;
  pthread_mutex_lock(&z->lock);
  s->state = SLOT_FREE;
  s->in_len = 0;
  pthread_mutex_unlock(&z->lock);
  z->emit = (z->emit + 1) % z->nslots;
  return 0;
}

/* Hand the filled slot to a worker (or compress it here) and move on to a
 * free slot, writing finished ones out until there is one. */
static int submit_fill(sc_pgzip *z, sc_error *err)
{
  slot *s = &z->slots[z->fill];
  if (z->nworkers == 0) {
    compress_slot(z->inline_compressor, s, z->out_cap);
    s->state = SLOT_DONE;
  } else {
    pthread_mutex_lock(&z->lock);
    s->state = SLOT_QUEUED;
    pthread_cond_signal(&z->work);
    pthread_mutex_unlock(&z->lock);
  }
  z->fill = (z->fill + 1) % z->nslots;
  while (z->slots[z->fill].state != SLOT_FREE)
    if (emit_oldest(z, err) < 0)
      return -1;
  return 0;
}

int sc_pgzip_write(sc_pgzip *z, const void *buf, size_t len, sc_error *err)
{
  const unsigned char *p = buf;
  while (len > 0) {
    slot *s = &z->slots[z->fill];
    size_t n = SC_PGZIP_BLOCK - s->in_len;
    if (n > len)
      n = len;
    memcpy(s->in + s->in_len, p, n);
    s->in_len += n;
    z->total_in += n;
    p += n;
    len -= n;
    if (s->in_len == SC_PGZIP_BLOCK && submit_fill(z, err) < 0)
      return -1;
  }
  return 0;
}

int sc_pgzip_finish(sc_pgzip *z, sc_error *err)
{
  /* A partial last block, or one empty member for an empty stream. */
  if ((z->slots[z->fill].in_len > 0 || z->total_in == 0) && submit_fill(z, err) < 0)
    return -1;
  while (z->slots[z->emit].state != SLOT_FREE)
    if (emit_oldest(z, err) < 0)
      return -1;
  return 0;
}

void sc_pgzip_free(sc_pgzip *z)
{
  if (z == NULL)
    return;
  pthread_mutex_lock(&z->lock);
  z->stop = true;
  pthread_cond_broadcast(&z->work);
  pthread_mutex_unlock(&z->lock);
  for (size_t i = 0; i < z->nworkers; i++)
    pthread_join(z->workers[i], NULL);
  free(z->workers);
  for (size_t i = 0; z->slots && i < z->nslots; i++) {
    free(z->slots[i].in);
    free(z->slots[i].out);
  }
  free(z->slots);
  libdeflate_free_compressor(z->inline_compressor);
  pthread_cond_destroy(&z->work);
  pthread_cond_destroy(&z->done);
  pthread_mutex_destroy(&z->lock);
  free(z);
}
