/* layer-cache.h: reuse the rootfs layer of a tree that has not changed,
 * without reading a file's content or compressing anything.
 *
 * As git's index does, a tree is known by what lstat says of each entry:
 * path, type and mode, owner, size, mtime and ctime to the nanosecond,
 * inode, device and link count; the key is the SHA-256 of that, of the
 * options that shape the layer's bytes (compression and level, the mtime
 * written into entries, --allow-special) and of sc-build's version.  Any
 * change to a file's content changes its mtime or ctime, so a changed tree
 * never finds an entry.  A tree with a file changed within the last two
 * seconds is not remembered (the "racy" case of git's index: a change in
 * the same timestamp tick would leave lstat unchanged), nor one holding
 * sockets or device nodes.
 *
 * The cache is an optimisation only: an entry is used only when the layer
 * blob it names is already in the output's blobs/sha256 with its size, its
 * own checksum holds, and every field is well formed; anything else is
 * ignored, and the layer is built as if there were no cache.  A digest
 * never depends on it. */
#ifndef SC_LAYER_CACHE_H
#define SC_LAYER_CACHE_H

#include <stdbool.h>
#include <sc/error.h>

#include "layer.h"

typedef struct sc_layer_cache_key {
  char hex[SC_SHA256_HEX_LEN + 1];
  bool storable; /* false: racy or special files; look up only */
} sc_layer_cache_key;

/* What an lstat walk says of a tree: the tree's part of a key.  Entries
 * are added as a walk meets them (sc_tree_stamp_add is an sc_layer_stat_fn
 * and an sc_view_entry_fn, so validation's walk of rootfs/ stamps it and
 * the build does not walk it again); the order is sc_layer_stat_walk's. */
typedef struct sc_tree_stamp {
  struct sc_sha256 *h; /* while entries are added */
  int64_t now;         /* the build's start (seconds since 1970): the racy rule */
  bool storable;       /* false: racy or special files */
  bool incomplete;     /* the walker left entries out */
  bool done;           /* finished and complete: hex is the stamp */
  char hex[SC_SHA256_HEX_LEN + 1];
} sc_tree_stamp;
void sc_tree_stamp_begin(sc_tree_stamp *s, int64_t now);
/* One entry (user is the stamp); st NULL: something was left out. */
void sc_tree_stamp_add(void *user, const char *rel, const struct stat *st);
void sc_tree_stamp_finish(sc_tree_stamp *s);
void sc_tree_stamp_clear(sc_tree_stamp *s);
/* begin, sc_layer_stat_walk of dir_fd, finish. */
int sc_tree_stamp_walk(int dir_fd, int64_t now, sc_tree_stamp *s, sc_error *err);

/* The key of the rootfs layer options o would write: from tree when it is
 * done, else from an lstat walk of o->rootfs_fd; now is the build's start.
 * -1 with err when the tree cannot be walked (the build then reports it
 * itself). */
int sc_layer_cache_key_of(const sc_layer_options *o, const sc_tree_stamp *tree, int64_t now,
                          sc_layer_cache_key *key, sc_error *err);

/* The layer remembered under key in cache_dir, when its blob is in
 * blobs_fd: true and *out filled; false for any miss. */
bool sc_layer_cache_lookup(const char *cache_dir, const sc_layer_cache_key *key, int blobs_fd,
                           sc_layer_result *out);

/* Remember r under key (when key->storable); failures are ignored: the
 * cache only ever saves time. */
void sc_layer_cache_store(const char *cache_dir, const sc_layer_cache_key *key,
                          const sc_layer_result *r);

#endif
