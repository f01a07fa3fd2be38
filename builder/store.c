/* store.c: locks on shared stores and removal of dead runs' leftovers
 * (store.h). */
#include "store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

int sc_store_lock(int dirfd, const char *what, volatile const int *interrupted, sc_error *err)
{
  if (flock(dirfd, LOCK_EX | LOCK_NB) == 0)
    return 0;
  if (errno != EWOULDBLOCK)
    return sc_error_set_errno(err, errno, "cannot lock %s", what);
  /* The wait has no bound (the other run may build for minutes): a
   * silent wait would look like a hang, so say why, once.  This is the
   * one message the library prints itself: it is not an error, and the
   * wait happens deep inside build, pull and import alike. */
  fprintf(stderr, "sc-build: waiting for %s: another sc-build run is using it\n", what);
  for (;;) {
    if (sc_interrupted(interrupted))
      return sc_error_set(err, SC_E_INTERRUPTED, "interrupted while waiting for %s", what);
    if (flock(dirfd, LOCK_EX) == 0)
      return 0;
    /* The CLI's handlers are installed without SA_RESTART (signals.c), so
     * SIGINT and SIGTERM end the wait with EINTR. */
    if (errno != EINTR)
      return sc_error_set_errno(err, errno, "cannot lock %s", what);
  }
}

/* Remove one entry if no live run holds it: lock it first, without
 * waiting, and remove it while the lock is held (after `before`, when
 * given, has undone what the dead run left running). */
static void remove_if_unheld(int dirfd, const char *name, sc_store_leftover_fn before, void *user)
{
  _cleanup_close_ int fd =
      openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) < 0 || (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)))
    return;
  /* In a shared temporary directory, only our own leftovers are ours. */
  if (st.st_uid != geteuid() || flock(fd, LOCK_EX | LOCK_NB) < 0)
    return;
  if (before && S_ISDIR(st.st_mode) && !before(fd, user))
    return;
  sc_rm_rf_at(dirfd, name, NULL);
}

void sc_store_remove_stale(int dirfd, const char *prefix)
{
  sc_store_remove_stale_with(dirfd, prefix, NULL, NULL);
}

void sc_store_remove_stale_with(int dirfd, const char *prefix, sc_store_leftover_fn before,
                                void *user)
{
  int fd = dup(dirfd);
  DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
  if (d == NULL) {
    if (fd >= 0)
      close(fd);
    return;
  }
  rewinddir(d);
  char **names = NULL;
  for (struct dirent *e; (e = readdir(d)) != NULL;)
    if (sc_str_has_prefix(e->d_name, prefix) && strcmp(e->d_name, ".") != 0 &&
        strcmp(e->d_name, "..") != 0)
      sc_strv_push(&names, e->d_name);
  closedir(d);
  for (size_t i = 0; names && names[i]; i++)
    remove_if_unheld(dirfd, names[i], before, user);
  sc_strv_free(names);
}

static int create_locked(int parent_fd, const char *name, bool dir, sc_error *err)
{
  if (dir && mkdirat(parent_fd, name, 0755) < 0)
    return sc_error_set_errno(err, errno, "cannot create %s", name);
  int flags = dir ? O_RDONLY | O_DIRECTORY : O_RDWR | O_CREAT | O_EXCL;
  int fd = openat(parent_fd, name, flags | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0 && dir && errno == ENOENT)
    return -2; /* removed by another run's cleanup before we could lock it */
  if (fd < 0)
    return sc_error_set_errno(err, errno, "cannot create %s", name);
  if (flock(fd, LOCK_EX) < 0) {
    int e = errno;
    close(fd);
    return sc_error_set_errno(err, e, "cannot lock %s", name);
  }
  return fd;
}

/* Between creating a name and locking it, another run's cleanup may have
 * taken it for a leftover and removed it: then the name no longer leads
 * to what we hold. */
static bool still_there(int parent_fd, const char *name, int fd)
{
  struct stat held, named;
  return fstat(fd, &held) == 0 && fstatat(parent_fd, name, &named, AT_SYMLINK_NOFOLLOW) == 0 &&
         held.st_dev == named.st_dev && held.st_ino == named.st_ino;
}

int sc_store_tmp_dir(const char *base, const char *prefix, mode_t mode, sc_store_leftover_fn before,
                     char **path, sc_error *err)
{
  base = sc_tmp_base(base);
  _cleanup_close_ int base_fd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (base_fd < 0)
    return sc_error_set_errno(err, errno, "cannot open the temporary directory %s", base);
  sc_store_remove_stale_with(base_fd, prefix, before, NULL);
  _cleanup_free_ char *name = NULL;
  int fd = sc_store_tmp_create(base_fd, prefix, NULL, true, &name, err);
  if (fd < 0)
    return sc_error_prefix(err, "in %s", base);
  _cleanup_free_ char *joined = xasprintf("%s/%s", base, name);
  if (fchmod(fd, mode) < 0) {
    int e = errno;
    sc_rm_rf_at(base_fd, name, NULL);
    close(fd);
    return sc_error_set_errno(err, e, "cannot set the mode of %s", joined);
  }
  char real[PATH_MAX];
  if (realpath(joined, real) == NULL) {
    int e = errno;
    close(fd);
    return sc_error_set_errno(err, e, "cannot resolve %s", joined);
  }
  *path = xstrdup(real);
  return fd;
}

void sc_store_tmp_dir_remove(char **path, int *lock_fd)
{
  if (*path)
    sc_rm_rf_at(AT_FDCWD, *path, NULL);
  if (*lock_fd >= 0)
    close(*lock_fd);
  *lock_fd = -1;
  free(*path);
  *path = NULL;
}

int sc_store_tmp_create(int parent_fd, const char *prefix, const char *suffix, bool dir,
                        char **name, sc_error *err)
{
  for (int attempt = 0; attempt < 5; attempt++) {
    char rnd[13];
    sc_random_hex(rnd, 12);
    _cleanup_free_ char *candidate = xasprintf("%s%s%s", prefix, rnd, suffix ? suffix : "");
    int fd = create_locked(parent_fd, candidate, dir, err);
    if (fd == -2)
      continue;
    if (fd < 0)
      return -1;
    if (still_there(parent_fd, candidate, fd)) {
      *name = steal_pointer(&candidate);
      return fd;
    }
    close(fd);
  }
  return sc_error_set(err, EAGAIN, "cannot keep a temporary %s%s: other runs remove it", prefix,
                      suffix ? suffix : "");
}
