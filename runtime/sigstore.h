/* sigstore.h: sigstore signatures of container images, as
 * containers/image and cosign make them with a key pair (no Fulcio
 * certificate, no Rekor entry): the payload is the simple-signing JSON
 * (signature.h) with critical.type "cosign container image signature";
 * the signature is ECDSA P-256 (also RSA PKCS#1 v1.5, Ed25519) over its
 * SHA-256, base64 in the annotation dev.cosignproject.cosign/signature of
 * a layer of media type application/vnd.dev.cosign.simplesigning.v1+json
 * in the OCI manifest tagged sha256-HEX.sig next to the image
 * (containers-registries.d(5) use-sigstore-attachments).
 *
 * Verification takes PEM public keys ("PUBLIC KEY"), as a policy's
 * sigstoreSigned requirement names them, through OpenSSL. */
#ifndef SC_SIGSTORE_H
#define SC_SIGSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>
#include <sc/error.h>

#include "signature.h"

#define SC_SIGSTORE_TYPE "cosign container image signature"
#define SC_SIGSTORE_MEDIA_TYPE "application/vnd.dev.cosign.simplesigning.v1+json"
#define SC_SIGSTORE_ANNOTATION "dev.cosignproject.cosign/signature"
#define SC_SIGSTORE_TAG_SUFFIX ".sig"

/* The payload JSON (keys sorted, as containers/image writes it), newly
 * allocated; creator may be NULL and timestamp 0 (both left out). */
char *sc_sigstore_payload_format(const char *docker_reference, const char *manifest_digest,
                                 const char *creator, int64_t timestamp);
int sc_sigstore_payload_parse(const char *data, size_t len, sc_signature_payload *out,
                              sc_error *err);

/* The attachment tag of an image's manifest digest: sha256-HEX.sig;
 * NULL when the digest is not sha256:HEX. */
char *sc_sigstore_attachment_tag(const char *manifest_digest);

/* The message digest a key signs payloads with: SHA-256, except for
 * Ed25519, which hashes itself (NULL). */
const EVP_MD *sc_sigstore_md(EVP_PKEY *key);

/* Whether sig (raw: DER for ECDSA) is key's signature of data. */
bool sc_sigstore_verify_raw(EVP_PKEY *key, const void *data, size_t len, const unsigned char *sig,
                            size_t sig_len);

/* A verifier holding public keys (PEM, "PUBLIC KEY"): -1 naming the key
 * (1-based) that is not one. */
typedef struct sc_sigstore_verifier sc_sigstore_verifier;
int sc_sigstore_verifier_new(const sc_signature_key *keys, size_t count, sc_sigstore_verifier **out,
                             sc_error *err);
void sc_sigstore_verifier_free(sc_sigstore_verifier *v);

/* Check one signature: base64_signature (the annotation) is one of the
 * keys' signature of payload; the payload is then parsed into out. */
int sc_sigstore_verify(const sc_sigstore_verifier *v, const void *payload, size_t len,
                       const char *base64_signature, sc_signature_payload *out, sc_error *err);

#endif
