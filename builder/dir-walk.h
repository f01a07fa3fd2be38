/* dir-walk.h: the listings and lstat()s of a directory tree, made ahead
 * on threads of their own while the caller's thread uses them.
 *
 * A no-op build spends most of its time in the ~20,000 lstat()s of the
 * walk of rootfs/ that stamps the tree for the layer cache (layer-cache.h),
 * and the walk was serial: the system calls did not overlap the building
 * of the view or the hashing.  Here a walker thread lists each directory
 * (sorted, sc_list_dir_at) and its entries are lstat()ed in chunks by the
 * walker, by the caller's thread while it waits for them, and by helper
 * threads when there are more than two; the caller takes the directories
 * one at a time in the order a serial recursive walk meets them and does
 * with them what the serial walk did (image-view.c), so nothing that it
 * builds or reports depends on the threads.
 *
 * The walker does what the serial walk does and stops where it stops:
 * after an entry that cannot be stat()ed it opens none of the directories
 * that follow it, a directory that cannot be opened or read ends the walk,
 * and one deeper than max_depth is opened but not listed.  It holds one
 * descriptor per level it is in, as a recursive walk does, and at most
 * DIR_WALK_AHEAD entries are waiting for the caller at any time. */
#ifndef SC_DIR_WALK_H
#define SC_DIR_WALK_H

#include <stddef.h>
#include <sys/stat.h>
#include <sc/error.h>

typedef struct sc_dir_walk sc_dir_walk;

typedef struct sc_dir_walk_entry {
  char *name;
  int error; /* fstatat(AT_SYMLINK_NOFOLLOW)'s errno; 0: st holds its result */
  struct stat st;
  char *target; /* a symlink's target, "" when unreadable; else NULL */
} sc_dir_walk_entry;

typedef enum sc_dir_walk_state {
  SC_DIR_WALK_LISTED,      /* entries[0 .. count-1], sorted by name (strcmp) */
  SC_DIR_WALK_OPEN_FAILED, /* openat(O_DIRECTORY | O_NOFOLLOW) failed with error */
  SC_DIR_WALK_TOO_DEEP,    /* deeper than max_depth: opened, not listed */
  SC_DIR_WALK_LIST_FAILED, /* sc_list_dir_at failed with list_error */
} sc_dir_walk_state;

typedef struct sc_dir_walk_dir {
  sc_dir_walk_state state;
  int error;           /* SC_DIR_WALK_OPEN_FAILED */
  sc_error list_error; /* SC_DIR_WALK_LIST_FAILED; the caller may move it out */
  sc_dir_walk_entry *entries;
  size_t count;
} sc_dir_walk_dir;

/* What either walk asks of one entry: fstatat(AT_SYMLINK_NOFOLLOW) into
 * *st and, for a symlink, its target into *target ("" when unreadable;
 * else NULL).  0, or the errno of the fstatat. */
int sc_dir_walk_lstat(int dirfd, const char *name, struct stat *st, char **target);

/* Walk the tree at root_fd (depth 0; each subdirectory one deeper) with
 * `threads` threads in all, counting the caller's (at least 2; a few are
 * used at most).  root_fd must stay open until sc_dir_walk_free.  -1 when
 * no thread could be started: walk serially then. */
int sc_dir_walk_start(int root_fd, int max_depth, unsigned threads, sc_dir_walk **out,
                      sc_error *err);

/* The next directory: the root first, then, for each entry of a directory
 * taken that is a directory (its error 0 and S_ISDIR), in the order of the
 * entries, that directory and what is below it before the next entry's.
 * Waits until it is listed and all its entries are stat()ed, helping with
 * them.  NULL when there is none: past an entry whose error is not 0, or
 * after a directory that could not be opened or read. */
sc_dir_walk_dir *sc_dir_walk_next(sc_dir_walk *w);

/* Done with a directory sc_dir_walk_next gave. */
void sc_dir_walk_release(sc_dir_walk *w, sc_dir_walk_dir *dir);

/* Stop the walk wherever it is, wait for its threads and free it; every
 * directory taken must have been released. */
void sc_dir_walk_free(sc_dir_walk *w);

#endif
