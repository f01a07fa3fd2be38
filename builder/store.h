/* store.h: the stores that several sc-build runs share (an OCI image
 * layout, the pull cache, an OSTree repository, the directory an output is
 * written in) and what runs that died in them left behind.
 *
 * A writer holds an exclusive flock(2) on the store's directory across its
 * whole read-modify-write (blobs, index.json, garbage collection), so two
 * runs never interleave and no temporary file in a locked store belongs to
 * a live run.  A temporary file or directory made beside a store is itself
 * flocked by the run that made it, for as long as it exists: one that can
 * be locked belongs to a dead run and is removed.  flock locks die with
 * their process (SIGKILL included), so nothing stale can keep a store shut
 * or a leftover alive. */
#ifndef SC_STORE_H
#define SC_STORE_H

#include <stdbool.h>
#include <sys/types.h>
#include <sc/error.h>

/* Lock the store open as dirfd (`what` names it) exclusively.  When
 * another run holds it, say so on stderr, once, and wait; an interrupt
 * (*interrupted set by a signal handler) ends the wait with an error. */
int sc_store_lock(int dirfd, const char *what, volatile const int *interrupted, sc_error *err);

/* Remove the entries of dirfd whose names start with prefix and that no
 * live run holds (files and directories, never followed).  Errors are
 * ignored: a leftover that cannot be removed now is tried next time. */
void sc_store_remove_stale(int dirfd, const char *prefix);
/* The same, calling before(fd of the locked leftover directory, user) ahead
 * of each removal (a dead `sc-build test` left its container running); it
 * returns false to keep that one. */
typedef bool (*sc_store_leftover_fn)(int dir_fd, void *user);
void sc_store_remove_stale_with(int dirfd, const char *prefix, sc_store_leftover_fn before,
                                void *user);

/* Create a temporary directory (dir) or file (!dir) named prefix + random
 * hex + suffix in parent_fd, flocked by this run: the returned fd holds
 * the lock until it is closed.  *name receives the name. */
int sc_store_tmp_create(int parent_fd, const char *prefix, const char *suffix, bool dir,
                        char **name, sc_error *err);

/* The one way the builder makes a temporary directory: prefix + random hex
 * in base (NULL: sc_tmp_base(NULL), runtime/util.h), of the given mode (0700 for
 * what may hold an image's secrets), flocked while this run lives (the
 * returned fd, the directory's, holds the lock), after removing the ones
 * runs that died left there (calling before on each first, when given).
 * *path is its real path: runc refuses a bundle reached through a symlink. */
int sc_store_tmp_dir(const char *base, const char *prefix, mode_t mode, sc_store_leftover_fn before,
                     char **path, sc_error *err);
/* Remove what sc_store_tmp_dir made, then drop its lock (in that order, so
 * that no other run takes it for a leftover meanwhile); *path is freed and
 * both are reset.  Nothing happens when *path is NULL. */
void sc_store_tmp_dir_remove(char **path, int *lock_fd);

#endif
