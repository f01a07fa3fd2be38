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

/* The key of the rootfs layer options o would write, from an lstat walk;
 * now is the build's start (seconds since 1970).  -1 with err when the
 * tree cannot be walked (the build then reports it itself). */
int sc_layer_cache_key_of(const sc_layer_options *o, int64_t now, sc_layer_cache_key *key,
                          sc_error *err);

/* The layer remembered under key in cache_dir, when its blob is in
 * blobs_fd: true and *out filled; false for any miss. */
bool sc_layer_cache_lookup(const char *cache_dir, const sc_layer_cache_key *key, int blobs_fd,
                           sc_layer_result *out);

/* Remember r under key (when key->storable); failures are ignored: the
 * cache only ever saves time. */
void sc_layer_cache_store(const char *cache_dir, const sc_layer_cache_key *key,
                          const sc_layer_result *r);

#endif
