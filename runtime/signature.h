/* signature.h: containers "simple signing" signatures
 * (containers-signature(5)): an OpenPGP signed message (not detached)
 * whose payload is the JSON
 *
 *   {"critical": {"type": "atomic container signature",
 *                 "image": {"docker-manifest-digest": "sha256:..."},
 *                 "identity": {"docker-reference": "HOST/REPO:TAG"}},
 *    "optional": {"creator": "...", "timestamp": SECONDS}}
 *
 * The payload is read as containers/image reads it: `critical` and its
 * three members exactly (an unknown critical field is refused), only
 * string or integer types, `optional` required but its unknown fields
 * ignored.  Verification uses GPGME with a keyring of its own, made in a
 * temporary directory holding only the keys a policy names, so the
 * user's keyring and trust settings play no part. */
#ifndef SC_SIGNATURE_H
#define SC_SIGNATURE_H

#include <stddef.h>
#include <stdint.h>
#include <sc/error.h>

#define SC_SIGNATURE_TYPE "atomic container signature"
#define SC_SIGNATURE_MAX (4 << 20) /* containers/image's limit on one signature */

typedef struct sc_signature_payload {
  char *docker_manifest_digest;
  char *docker_reference;
  char *creator;     /* NULL when not given */
  int64_t timestamp; /* 0 when not given */
} sc_signature_payload;

/* The payload JSON, keys sorted, newly allocated; creator may be NULL
 * and timestamp 0 (both then left out). */
char *sc_signature_payload_format(const char *docker_reference, const char *manifest_digest,
                                  const char *creator, int64_t timestamp);
int sc_signature_payload_parse(const char *data, size_t len, sc_signature_payload *out,
                               sc_error *err);
void sc_signature_payload_clear(sc_signature_payload *p);

/* The same with another critical.type: sigstore's payloads
 * (sigstore.h) are this JSON under "cosign container image signature",
 * and (SC_PAYLOAD_SIGSTORE) may have "optional": null and a timestamp
 * written as a number without fraction, as cosign writes them. */
#define SC_PAYLOAD_SIGSTORE 1u
char *sc_signature_payload_format_as(const char *type, const char *docker_reference,
                                     const char *manifest_digest, const char *creator,
                                     int64_t timestamp);
int sc_signature_payload_parse_as(const char *type, unsigned flags, const char *data, size_t len,
                                  sc_signature_payload *out, sc_error *err);

/* One public key (binary or ASCII-armored OpenPGP), as a policy gives it. */
typedef struct sc_signature_key {
  const void *data;
  size_t len;
} sc_signature_key;

/* A verifier holding only `keys` (at least one), its keyring in a new
 * directory under sc_tmp_base(tmpdir) (NULL: /var/tmp, as for every
 * scratch directory) removed by sc_signature_verifier_free:
 * -1 when a key does not import. */
typedef struct sc_signature_verifier sc_signature_verifier;
int sc_signature_verifier_new(const sc_signature_key *keys, size_t count, const char *tmpdir,
                              sc_signature_verifier **out, sc_error *err);
void sc_signature_verifier_free(sc_signature_verifier *v);

/* Check one signature: exactly one good OpenPGP signature by one of the
 * verifier's keys (a subkey counts for its primary key); the signed
 * payload is parsed into out and *signer receives the primary key's
 * fingerprint (newly allocated; also on some failures, NULL otherwise). */
int sc_signature_verify(sc_signature_verifier *v, const void *signature, size_t len,
                        sc_signature_payload *out, char **signer, sc_error *err);

#endif
