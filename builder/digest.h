/* digest.h: OCI content digests ("sha256:<hex>", image-spec descriptor.md)
 * for the builder, on top of the runtime's EVP SHA-256 (runtime/sha256.h):
 * a hashing writer that streams bytes into a file while digesting them, and
 * the names blobs take in a layout. */
#ifndef SC_DIGEST_H
#define SC_DIGEST_H

#include <stdint.h>
#include <sc/error.h>

#include "sha256.h"

/* Streams bytes to fd (or nowhere when fd < 0) and digests them. */
typedef struct sc_digest_writer {
  int fd;
  sc_sha256 *hash;
  int64_t size;
} sc_digest_writer;

void sc_digest_writer_init(sc_digest_writer *w, int fd);
int sc_digest_writer_write(sc_digest_writer *w, const void *data, size_t len, sc_error *err);
/* Write the digest into out and release the hash. */
void sc_digest_writer_finish(sc_digest_writer *w, char out[SC_DIGEST_LEN + 1]);
/* Release the hash without a result (on error paths). */
void sc_digest_writer_clear(sc_digest_writer *w);

#endif
