/* layer.h: a layer of a system-container image (docs/design.md section 3):
 * rootfs/ at `/`, or the project's files at /exports/ and hostfs/ at
 * /exports/hostfs/ (build.c writes both, in that order), written as a
 * reproducible tar in a single streaming pass
 * (image-spec layer.md), compressed, and stored as a blob. */
#ifndef SC_LAYER_H
#define SC_LAYER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sc/diag.h>
#include <sc/error.h>

#include "media-types.h"
#include "sha256.h"

typedef enum { SC_COMPRESSION_GZIP, SC_COMPRESSION_ZSTD } sc_compression;

/* A file placed under /exports/: its name there and its bytes. */
typedef struct sc_layer_file {
  const char *name;
  const char *data;
  size_t len;
} sc_layer_file;

/* How far the layer is: file bytes and entries written, against the totals
 * of a quick stat-only walk made first (exact in the last report). */
typedef struct sc_layer_progress {
  uint64_t bytes_done, bytes_total;
  uint64_t entries_done, entries_total;
} sc_layer_progress;

/* Called about every MiB of tar and once at the end, on the writing thread. */
typedef void (*sc_layer_progress_fn)(void *user, const sc_layer_progress *progress);

struct archive_entry;
/* What else reads the layer's tar while it is written (build --format
 * ostree commits it to a repository at the same time): check sees each
 * entry before its header is written and may refuse it; entry learns
 * where the entry's data starts in the tar once the header is out (size:
 * its data bytes, 0 for all but regular files); write gets the tar's
 * bytes in order, after the entries they belong to.  Any may be NULL. */
typedef struct sc_layer_tap {
  int (*check)(void *user, struct archive_entry *entry, sc_error *err);
  void (*entry)(void *user, const char *path, uint64_t data_offset, uint64_t size);
  int (*write)(void *user, const void *buf, size_t len, sc_error *err);
  void *user;
} sc_layer_tap;

typedef struct sc_layer_options {
  int rootfs_fd;                /* the tree stored at `/`, or -1 for none */
  int hostfs_fd;                /* stored at /exports/hostfs/, or -1 */
  const sc_layer_file *exports; /* stored at /exports/NAME, 0644 */
  size_t export_count;
  bool allow_special; /* store device nodes and FIFOs; skip sockets */
  bool plain_tree;    /* rootfs_fd is a whole layer's tree: no /exports of the project */
  /* Put the whiteout /.wh.exports before /exports (rootfs_fd -1 only): the
   * base image's own /exports (atomic-system-containers bases may carry
   * one) is hidden, so the image's /exports is exactly the project's. */
  bool hide_lower_exports;
  int64_t mtime; /* every entry's mtime (SOURCE_DATE_EPOCH or 0) */
  sc_compression compression;
  int compression_level;           /* 0: the kind's default (compressor.h) */
  unsigned threads;                /* compression threads, 0: one per online CPU */
  volatile const int *interrupted; /* stop when it becomes non-zero, or NULL */
  sc_diags *warnings;              /* skipped sockets are reported here, or NULL */
  sc_layer_progress_fn progress;   /* or NULL: then no walk is made for totals */
  void *progress_user;
  const sc_layer_tap *tap; /* or NULL */
  /* The blob is digested and measured, never stored (build --format
   * ostree: the tar went to the repository through tap, and the layout
   * that names the blob is scratch). */
  bool digest_only;
} sc_layer_options;

typedef struct sc_layer_result {
  char digest[SC_DIGEST_LEN + 1];  /* of the compressed blob */
  char diff_id[SC_DIGEST_LEN + 1]; /* of the uncompressed tar (config.md rootfs.diff_ids) */
  int64_t size;                    /* compressed bytes */
  int64_t uncompressed_size;
  const char *media_type; /* static string */
  uint64_t entries;
} sc_layer_result;

/* Every entry below dir_fd by lstat alone, depth first in sorted order,
 * never following a symlink: fn(user, path relative to dir_fd, stat).  The
 * first entry that cannot be read ends the walk with an error. */
typedef void (*sc_layer_stat_fn)(void *user, const char *rel, const struct stat *st);
int sc_layer_stat_walk(int dir_fd, sc_layer_stat_fn fn, void *user, sc_error *err);

/* Write the layer as blobs_fd/<hex> (blobs_fd is a layout's blobs/sha256/):
 * a temp file in that directory, fsynced and renamed once complete; with
 * digest_only, nothing is written there. */
int sc_layer_write(const sc_layer_options *options, int blobs_fd, sc_layer_result *result,
                   sc_error *err);

/* The value of SOURCE_DATE_EPOCH (reproducible-builds.org), as the CLI read
 * it from the environment, into seconds since 1970: 0 when text is NULL or
 * empty, an error when it is not a whole non-negative decimal number.  The
 * library never reads the variable itself: build and import take the
 * result in their options. */
int sc_source_date_epoch_parse(const char *text, int64_t *out, sc_error *err);

#endif
