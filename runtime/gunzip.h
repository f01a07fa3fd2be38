/* gunzip.h: streaming gzip (RFC 1952) decompression with ISA-L's
 * isal_inflate, several times faster than zlib's inflate, for the layers
 * install unpacks (layer-reader.c).  Every member's CRC32 and ISIZE are
 * checked; a stream of several members (pigz, concatenated files) is one
 * stream, as gzip -d reads it; anything after the last member that is not
 * another member is an error. */
#ifndef SC_GUNZIP_H
#define SC_GUNZIP_H

#include <stdint.h>
#include <sys/types.h>
#include <sc/error.h>

#include "util.h"

typedef struct sc_gunzip sc_gunzip;

/* Where the compressed bytes come from: *buf and the count of bytes there
 * (valid until the next call), 0 at the end, -1 with err set on a failure. */
typedef ssize_t (*sc_gunzip_source)(void *user, const void **buf, sc_error *err);

sc_gunzip *sc_gunzip_new(sc_gunzip_source source, void *user);
/* Up to cap decompressed bytes into out: the count, 0 at the end of the
 * stream (all of it read and checked), -1 with err set: bad data, a bad
 * trailer, a truncated stream or the source's error. */
ssize_t sc_gunzip_read(sc_gunzip *z, void *out, size_t cap, sc_error *err);
/* Members read to their end so far. */
uint64_t sc_gunzip_members(const sc_gunzip *z);
void sc_gunzip_free(sc_gunzip *z);
SC_DEFINE_TRIVIAL_CLEANUP_FUNC(sc_gunzip, sc_gunzip_free)

#endif
