/* unpack.h: apply OCI layer tars to a rootfs directory, safely.
 *
 * image-spec layer.md: entries are applied in order; `.wh.NAME` deletes NAME
 * from the layers below, `.wh..wh..opq` empties its directory of what the
 * layers below put there.  Every path is resolved under the rootfs
 * directory fd, component by component, without following symlinks: an
 * entry with a `..` component, or one that would be written through a
 * symlink, is refused. */
#ifndef SC_UNPACK_H
#define SC_UNPACK_H

#include <stdbool.h>
#include <stdint.h>
#include <sc/error.h>

typedef struct sc_unpack_options {
  bool keep_owners;                /* chown entries to their uid/gid (as root) */
  bool allow_devices;              /* create device nodes (as root) */
  volatile const int *interrupted; /* stop when it becomes non-zero, or NULL */
  const char *expected_digest;     /* "sha256:<hex>" of the blob as read, or NULL */
  const char *expected_diff_id;    /* "sha256:<hex>" of the uncompressed tar, or NULL */
  const char *media_type;          /* the layer's, naming its compression exactly; NULL: a
                                      tar, gzip or zstd (sc_layer_reader_open) */
} sc_unpack_options;

typedef struct sc_unpack_stats {
  uint64_t entries;
  uint64_t bytes;
} sc_unpack_stats;

/* Apply the layer read from fd (tar, gzip or zstd: options->media_type)
 * onto the directory rootfs_fd.  `what` names the layer in messages. */
int sc_unpack_layer_fd(int fd, int rootfs_fd, const char *what, const sc_unpack_options *options,
                       sc_unpack_stats *stats, sc_error *err);

/* The name a whiteout ".wh.NAME" removes, or NULL when name is not a
 * whiteout or is the opaque one (".wh..wh..opq"). */
const char *sc_whiteout_victim(const char *name);

struct archive_entry;
/* Check a layer's tar entry before anything acts on it: its path has no
 * ".." component, a whiteout ".wh.NAME" names a file (sc_name_is_valid),
 * a symlink has a target, a hard link's target stays inside the rootfs
 * and is not its root.
 * *path is the normalized path ("" for the root itself).  The error names
 * the entry; the caller adds the layer.  OSTree import checks every entry
 * with it too, before libostree reads the tar. */
int sc_unpack_check_entry(struct archive_entry *entry, char **path, sc_error *err);

/* Normalize a tar entry path: strip leading "/" and "./", drop "." and empty
 * components and a trailing "/".  Fails (returns NULL) on a ".." component.
 * Returns a new string, "" for the root itself. */
char *sc_unpack_normalize_path(const char *path);

#endif
