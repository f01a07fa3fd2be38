/* util.h: internal helpers shared by libscruntime and libscbuild (not
 * installed): scope cleanup, allocation, string building and
 * directory-fd-relative file I/O. */
#ifndef SC_UTIL_H
#define SC_UTIL_H

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <sc/error.h>
#include <sc/values.h>

/* ---- scope cleanup (systemd/crun style) ---- */
void sc_freep(void *p);
void sc_closep(int *fd);
void sc_fclosep(FILE **f);
void sc_strvfreep(char ***v);
#define _cleanup_(f) __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(sc_freep)
#define _cleanup_close_ _cleanup_(sc_closep)
#define _cleanup_fclose_ _cleanup_(sc_fclosep)
#define _cleanup_strv_ _cleanup_(sc_strvfreep)
/* systemd's DEFINE_TRIVIAL_CLEANUP_FUNC: FUNCp(TYPE **p) calls FUNC(*p)
 * when it is set, for _cleanup_(FUNCp).  Each is declared once, next to
 * its type: here for libc's and the public API's, in the header of the
 * type otherwise (layer-reader.h: sc_layer_reader and libarchive's).
 * jansson declares its own: _cleanup_(json_decrefp). */
#define SC_DEFINE_TRIVIAL_CLEANUP_FUNC(type, func)                                                 \
  static inline void func##p(type **p)                                                             \
  {                                                                                                \
    if (*p)                                                                                        \
      func(*p);                                                                                    \
  }
SC_DEFINE_TRIVIAL_CLEANUP_FUNC(DIR, closedir)
#define _cleanup_closedir_ _cleanup_(closedirp)
SC_DEFINE_TRIVIAL_CLEANUP_FUNC(sc_values, sc_values_free)

/* Hand ownership out of a cleanup variable. */
#define steal_pointer(pp)                                                                          \
  ({                                                                                               \
    __typeof__(*(pp)) _tmp = *(pp);                                                                \
    *(pp) = NULL;                                                                                  \
    _tmp;                                                                                          \
  })
#define steal_fd(fdp)                                                                              \
  ({                                                                                               \
    int _tmp = *(fdp);                                                                             \
    *(fdp) = -1;                                                                                   \
    _tmp;                                                                                          \
  })

/* ---- allocation: out of memory aborts, as in git and glib ---- */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) SC_PRINTF(1, 2);
char *xvasprintf(const char *fmt, va_list ap);

/* ---- growable string ---- */
typedef struct sc_buf {
  char *data; /* always NUL-terminated when non-NULL */
  size_t len;
  size_t cap;
} sc_buf;
#define SC_BUF_INIT                                                                                \
  {                                                                                                \
    NULL, 0, 0                                                                                     \
  }
void sc_buf_append(sc_buf *b, const void *data, size_t len);
void sc_buf_puts(sc_buf *b, const char *s);
void sc_buf_putc(sc_buf *b, char c);
void sc_buf_printf(sc_buf *b, const char *fmt, ...) SC_PRINTF(2, 3);
char *sc_buf_steal(sc_buf *b); /* never NULL */
void sc_buf_free(sc_buf *b);

/* ---- string vectors (NULL-terminated) ---- */
size_t sc_strv_length(char *const *v);
void sc_strv_push(char ***v, const char *s);
void sc_strv_free(char **v);
bool sc_strv_contains(char *const *v, const char *s);

bool sc_str_has_prefix(const char *s, const char *prefix);
bool sc_str_has_suffix(const char *s, const char *suffix);

/* ---- files, relative to a directory fd ---- */
/* Where scratch files go: the caller's tmpdir option (the CLI passes
 * $TMPDIR), else /var/tmp, which unlike a tmpfs /tmp has room for a
 * layer's worth of data.  The one default for both libraries. */
const char *sc_tmp_base(const char *given);
/* The largest JSON document read: manifests, configs, index.json, auth
 * files and registry responses are small; a larger one is refused, not
 * read (a hostile file must not make us allocate without bound). */
#define SC_JSON_DOCUMENT_MAX (4 << 20)
/* Read a whole regular file (not through a final symlink; a FIFO or a
 * device is refused, never waited on). */
int sc_read_file_at(int dirfd, const char *path, char **out, size_t *out_len, sc_error *err);
/* The same, refusing a file of more than max bytes without reading it. */
int sc_read_file_at_max(int dirfd, const char *path, size_t max, char **out, size_t *out_len,
                        sc_error *err);
/* Whether path is a regular file holding exactly these bytes. */
bool sc_file_equals_at(int dirfd, const char *path, const void *data, size_t len);
/* Write data to path atomically: temp file in the same directory, fsync,
 * rename over path, fsync the directory. */
int sc_write_file_at(int dirfd, const char *path, const void *data, size_t len, mode_t mode,
                     sc_error *err);
/* fsync a directory (after a rename or unlink in it), so the change
 * survives a crash; display names it in the error. */
int sc_fsync_dir(int fd, const char *display, sc_error *err);
int sc_fsync_dir_at(int dirfd, const char *path, sc_error *err);
/* Write all of buf to fd, retrying on EINTR and short writes. */
int sc_write_all(int fd, const void *buf, size_t len);
/* mkdir -p relative to dirfd; components must not be symlinks. */
int sc_mkdir_p_at(int dirfd, const char *path, mode_t mode, sc_error *err);
/* rm -rf relative to dirfd, never following symlinks. ENOENT is success. */
int sc_rm_rf_at(int dirfd, const char *path, sc_error *err);
/* Whether sc_rm_rf_at(dirfd, path) can start: the parent is writable and
 * the few file descriptors the walk needs are free.  Checked before a
 * command removes anything it cannot put back. */
int sc_rm_rf_check_at(int dirfd, const char *path, sc_error *err);
/* The names in the directory dirfd (not "." and ".."), sorted bytewise,
 * NULL-terminated; a read error is an error, never a shorter list. */
int sc_list_dir_at(int dirfd, char ***names, sc_error *err);
/* Directory part / last part of a path, newly allocated. */
char *sc_path_dirname(const char *path);
char *sc_path_basename(const char *path);
/* Join two path parts with one '/'. */
char *sc_path_join(const char *a, const char *b);
/* The path an open fd names (its /proc/self/fd link), newly allocated, or
 * NULL: for tools that take a path where we hold the fd. */
char *sc_fd_path(int fd);

/* ---- interruption ---- */
/* Long operations take `volatile const int *interrupted`, a flag the
 * caller's signal handler raises (NULL: never): true once it is raised. */
static inline bool sc_interrupted(volatile const int *interrupted)
{
  return interrupted != NULL && *interrupted != 0;
}
/* -1 with SC_E_INTERRUPTED ("WHAT: interrupted", or "interrupted" when
 * what is NULL) once the flag is raised, else 0. */
int sc_check_interrupted(volatile const int *interrupted, const char *what, sc_error *err);

/* ---- versioned option structs (docs/design.md section 0) ---- */
/* Copy a caller's option struct, whose first member is `size_t size` (set
 * by its SC_X_INIT macro to sizeof at the caller's compile time), into
 * *known (known_size bytes, this library's sizeof): fields beyond the
 * caller's size read as zero, their default, so that a program built
 * against an older, smaller struct keeps working.  A size larger than
 * known_size is accepted only when the extra bytes are all zero, and a
 * size too small to hold the size member (options never initialised) is
 * refused, both with an error naming `what` -- the rule of Linux's
 * extensible structs (openat2(2), clone3(2): copy_struct_from_user).
 * options NULL: every field zero.  known->size is set to known_size. */
int sc_options_read(const void *options, size_t known_size, void *known, const char *what,
                    sc_error *err);

/* Random hex string of n characters (n <= 64), from getrandom(). */
void sc_random_hex(char *out, size_t n);

#endif
