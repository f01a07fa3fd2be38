/* dir-walk.c: a tree's listings and lstat()s made ahead on threads
 * (dir-walk.h).
 *
 * The walker thread lists the directories in the order of a serial
 * recursive walk and puts each in a queue the caller takes from.  Once
 * listed, a directory's entries are handed out in chunks of DIR_WALK_CHUNK
 * to whoever asks first: the walker itself, a helper thread, or the caller
 * when it has caught up with the walker and would otherwise wait.  The
 * walker goes down into a directory's subdirectories only once all its
 * entries are stat()ed, so at most one directory has entries left to hand
 * out, and its descriptor is open for as long as anyone uses it.  One lock
 * guards the queue and the counts; the system calls are made outside it. */
#include "dir-walk.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

#define DIR_WALK_AHEAD 16384 /* entries listed ahead of the caller */
#define DIR_WALK_CHUNK 16    /* entries stat()ed by one thread at a time */
#define DIR_WALK_MAX_THREADS 4

typedef struct batch batch;
struct batch {
  sc_dir_walk_dir dir; /* first: what the caller is given */
  batch *next;         /* in the queue */
  int fd;              /* the directory, open while its entries are stat()ed */
  size_t claimed;      /* entries handed out */
  size_t done;         /* of those, stat()ed */
  int refs;            /* the walker's and, once published, the caller's */
};

struct sc_dir_walk {
  int root_fd;
  int max_depth;
  pthread_mutex_t lock;
  pthread_cond_t caller_cond; /* a directory queued or stat()ed, the walk over */
  pthread_cond_t walker_cond; /* a chunk stat()ed, room in the queue, stop */
  pthread_cond_t helper_cond; /* entries to hand out, the walk over, stop */
  batch *head, *tail;         /* queued: published, not yet taken */
  size_t queued;              /* entries in the queue */
  batch *current;             /* the one with entries left to hand out */
  bool finished;              /* the walker has queued its last */
  bool stop;
  pthread_t walker;
  pthread_t helpers[DIR_WALK_MAX_THREADS];
  size_t helper_count;
};

static void batch_free(batch *b)
{
  for (size_t i = 0; i < b->dir.count; i++) {
    free(b->dir.entries[i].name);
    free(b->dir.entries[i].target);
  }
  free(b->dir.entries);
  sc_error_clear(&b->dir.list_error);
  free(b);
}

static void batch_unref(sc_dir_walk *w, batch *b)
{
  pthread_mutex_lock(&w->lock);
  bool last = --b->refs == 0;
  pthread_mutex_unlock(&w->lock);
  if (last)
    batch_free(b);
}

int sc_dir_walk_lstat(int dirfd, const char *name, struct stat *st, char **target)
{
  *target = NULL;
  if (fstatat(dirfd, name, st, AT_SYMLINK_NOFOLLOW) < 0)
    return errno;
  if (S_ISLNK(st->st_mode)) {
    char buf[4096];
    ssize_t len = readlinkat(dirfd, name, buf, sizeof buf - 1);
    buf[len > 0 ? len : 0] = '\0';
    *target = xstrdup(buf);
  }
  return 0;
}

static void stat_entries(batch *b, size_t from, size_t to)
{
  for (size_t i = from; i < to; i++) {
    sc_dir_walk_entry *e = &b->dir.entries[i];
    e->error = sc_dir_walk_lstat(b->fd, e->name, &e->st, &e->target);
  }
}

/* Stat the next chunk of b's entries, the lock held on entry and return
 * (released meanwhile); false when none is left to hand out. */
static bool help_locked(sc_dir_walk *w, batch *b)
{
  if (w->stop || b->claimed >= b->dir.count)
    return false;
  size_t from = b->claimed;
  size_t to = b->dir.count - from > DIR_WALK_CHUNK ? from + DIR_WALK_CHUNK : b->dir.count;
  b->claimed = to;
  if (to == b->dir.count && w->current == b)
    w->current = NULL;
  pthread_mutex_unlock(&w->lock);
  stat_entries(b, from, to);
  pthread_mutex_lock(&w->lock);
  b->done += to - from;
  if (b->done == b->claimed) { /* nothing in flight: what the walker and caller wait for */
    pthread_cond_signal(&w->walker_cond);
    pthread_cond_signal(&w->caller_cond);
  }
  return true;
}

/* Queue b for the caller (waiting for room), the walker keeping a
 * reference when it goes on using it; false, b freed, when the walk is
 * stopped. */
static bool publish(sc_dir_walk *w, batch *b, bool keep)
{
  pthread_mutex_lock(&w->lock);
  while (!w->stop && w->head && w->queued + b->dir.count > DIR_WALK_AHEAD)
    pthread_cond_wait(&w->walker_cond, &w->lock);
  if (w->stop) {
    pthread_mutex_unlock(&w->lock);
    batch_free(b);
    return false;
  }
  b->refs = keep ? 2 : 1;
  if (w->tail)
    w->tail->next = b;
  else
    w->head = b;
  w->tail = b;
  w->queued += b->dir.count;
  if (b->dir.count > 0) {
    w->current = b;
    pthread_cond_broadcast(&w->helper_cond);
  }
  pthread_cond_signal(&w->caller_cond);
  pthread_mutex_unlock(&w->lock);
  return true;
}

static batch *batch_new(sc_dir_walk_state state, int fd)
{
  batch *b = xcalloc(1, sizeof *b);
  b->dir.state = state;
  b->dir.list_error = (sc_error)SC_ERROR_INIT;
  b->fd = fd;
  return b;
}

/* The directory open at fd and what is below it; -1 where the serial walk
 * fails (or the walk is stopped): nothing after that is wanted. */
static int walk_dir(sc_dir_walk *w, int fd, int depth)
{
  if (depth > w->max_depth)
    return publish(w, batch_new(SC_DIR_WALK_TOO_DEEP, -1), false) ? 0 : -1;
  batch *b = batch_new(SC_DIR_WALK_LISTED, fd);
  char **names = NULL;
  if (sc_list_dir_at(fd, &names, &b->dir.list_error) < 0) {
    b->dir.state = SC_DIR_WALK_LIST_FAILED;
    publish(w, b, false);
    return -1;
  }
  b->dir.count = sc_strv_length(names);
  b->dir.entries = xcalloc(b->dir.count ? b->dir.count : 1, sizeof *b->dir.entries);
  for (size_t i = 0; i < b->dir.count; i++)
    b->dir.entries[i].name = names[i];
  free(names); /* the strings are the entries' now */
  if (!publish(w, b, true))
    return -1;

  pthread_mutex_lock(&w->lock);
  while (help_locked(w, b))
    ;
  while (b->done != b->claimed) /* chunks other threads took */
    pthread_cond_wait(&w->walker_cond, &w->lock);
  if (w->current == b) /* stopped with entries left */
    w->current = NULL;
  int r = w->stop ? -1 : 0;
  pthread_mutex_unlock(&w->lock);

  /* The entries are all stat()ed: what is read of them here stays (the
   * caller takes their targets, nothing else). */
  for (size_t i = 0; r == 0 && i < b->dir.count; i++) {
    const sc_dir_walk_entry *e = &b->dir.entries[i];
    if (e->error != 0) {
      r = -1;
      break;
    }
    if (!S_ISDIR(e->st.st_mode))
      continue;
    int sub = openat(fd, e->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (sub < 0) {
      int open_errno = errno;
      batch *failed = batch_new(SC_DIR_WALK_OPEN_FAILED, -1);
      failed->dir.error = open_errno;
      publish(w, failed, false);
      r = -1;
      break;
    }
    r = walk_dir(w, sub, depth + 1);
    close(sub);
  }
  batch_unref(w, b);
  return r;
}

static void *walker_main(void *arg)
{
  sc_dir_walk *w = arg;
  walk_dir(w, w->root_fd, 0);
  pthread_mutex_lock(&w->lock);
  w->finished = true;
  pthread_cond_signal(&w->caller_cond);
  pthread_cond_broadcast(&w->helper_cond);
  pthread_mutex_unlock(&w->lock);
  return NULL;
}

static void *helper_main(void *arg)
{
  sc_dir_walk *w = arg;
  pthread_mutex_lock(&w->lock);
  for (;;) {
    while (!w->stop && !w->finished && w->current == NULL)
      pthread_cond_wait(&w->helper_cond, &w->lock);
    if (w->stop || w->current == NULL)
      break;
    help_locked(w, w->current);
  }
  pthread_mutex_unlock(&w->lock);
  return NULL;
}

int sc_dir_walk_start(int root_fd, int max_depth, unsigned threads, sc_dir_walk **out,
                      sc_error *err)
{
  sc_dir_walk *w = xcalloc(1, sizeof *w);
  w->root_fd = root_fd;
  w->max_depth = max_depth;
  pthread_mutex_init(&w->lock, NULL);
  pthread_cond_init(&w->caller_cond, NULL);
  pthread_cond_init(&w->walker_cond, NULL);
  pthread_cond_init(&w->helper_cond, NULL);
  int e = pthread_create(&w->walker, NULL, walker_main, w);
  if (e == 0)
    pthread_setname_np(w->walker, "sc-build walk"); /* for perf and top */
  if (e != 0) {
    pthread_cond_destroy(&w->helper_cond);
    pthread_cond_destroy(&w->walker_cond);
    pthread_cond_destroy(&w->caller_cond);
    pthread_mutex_destroy(&w->lock);
    free(w);
    return sc_error_set_errno(err, e, "cannot start a thread");
  }
  /* Beyond the walker and the caller: helpers, as many as asked and of
   * use (a directory's entries are handed out a chunk at a time). */
  if (threads > DIR_WALK_MAX_THREADS)
    threads = DIR_WALK_MAX_THREADS;
  while (w->helper_count + 2 < threads &&
         pthread_create(&w->helpers[w->helper_count], NULL, helper_main, w) == 0)
    pthread_setname_np(w->helpers[w->helper_count++], "sc-build stat");
  *out = w;
  return 0;
}

sc_dir_walk_dir *sc_dir_walk_next(sc_dir_walk *w)
{
  pthread_mutex_lock(&w->lock);
  while (w->head == NULL && !w->finished && !w->stop)
    pthread_cond_wait(&w->caller_cond, &w->lock);
  batch *b = w->head;
  if (b == NULL) {
    pthread_mutex_unlock(&w->lock);
    return NULL;
  }
  w->head = b->next;
  if (w->head == NULL)
    w->tail = NULL;
  b->next = NULL;
  w->queued -= b->dir.count;
  pthread_cond_signal(&w->walker_cond); /* room in the queue */
  /* Caught up with the walker: help with the entries rather than wait. */
  while (help_locked(w, b))
    ;
  while (b->done < b->dir.count && !w->stop)
    pthread_cond_wait(&w->caller_cond, &w->lock);
  pthread_mutex_unlock(&w->lock);
  return &b->dir;
}

void sc_dir_walk_release(sc_dir_walk *w, sc_dir_walk_dir *dir)
{
  if (dir)
    batch_unref(w, (batch *)dir);
}

void sc_dir_walk_free(sc_dir_walk *w)
{
  if (w == NULL)
    return;
  pthread_mutex_lock(&w->lock);
  w->stop = true;
  pthread_cond_signal(&w->walker_cond);
  pthread_cond_broadcast(&w->helper_cond);
  pthread_mutex_unlock(&w->lock);
  pthread_join(w->walker, NULL);
  for (size_t i = 0; i < w->helper_count; i++)
    pthread_join(w->helpers[i], NULL);
  /* The caller's references to what it never took. */
  for (batch *b = w->head, *next; b; b = next) {
    next = b->next;
    batch_unref(w, b);
  }
  pthread_cond_destroy(&w->helper_cond);
  pthread_cond_destroy(&w->walker_cond);
  pthread_cond_destroy(&w->caller_cond);
  pthread_mutex_destroy(&w->lock);
  free(w);
}
