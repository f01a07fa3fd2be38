/* sha256.h: streaming SHA-256 through OpenSSL libcrypto, and OCI digest
 * strings ("sha256:<64 hex>"). */
#ifndef SC_SHA256_H
#define SC_SHA256_H

#include <stdbool.h>
#include <stddef.h>
#include <sc/error.h>

#define SC_SHA256_HEX_LEN 64
#define SC_DIGEST_LEN (7 + SC_SHA256_HEX_LEN) /* "sha256:" + hex */

typedef struct sc_sha256 sc_sha256;

sc_sha256 *sc_sha256_new(void);
void sc_sha256_update(sc_sha256 *h, const void *data, size_t len);
/* Write "sha256:<hex>" (SC_DIGEST_LEN + 1 bytes) and free h. */
void sc_sha256_finish(sc_sha256 *h, char out[SC_DIGEST_LEN + 1]);
void sc_sha256_free(sc_sha256 *h);
/* SHA-1 through the same handle (sc_sha256_update, sc_sha256_free), for
 * formats that require it beside SHA-256 (SPDX 2.3 file checksums): never
 * for anything a digest must protect. */
#define SC_SHA1_HEX_LEN 40
sc_sha256 *sc_sha1_new(void);
/* Write the 40 hex digits (SC_SHA1_HEX_LEN + 1 bytes) and free h. */
void sc_sha1_finish(sc_sha256 *h, char out[SC_SHA1_HEX_LEN + 1]);
/* Digest of a buffer, "sha256:<hex>". */
void sc_sha256_digest(const void *data, size_t len, char out[SC_DIGEST_LEN + 1]);
/* Digest of a file read from fd (from its current offset to the end). */
int sc_sha256_fd(int fd, char out[SC_DIGEST_LEN + 1], sc_error *err);
/* True when s is exactly "sha256:" followed by 64 lower-case hex digits:
 * digests from hostile documents are checked before they name a file. */
bool sc_digest_is_valid(const char *s);
/* image-spec descriptor.md: the encoded part of "sha256:<hex>", the name a
 * blob takes in blobs/sha256/ and an OSTree branch; digest itself when it
 * has no "sha256:". */
const char *sc_digest_hex(const char *digest);

#endif
