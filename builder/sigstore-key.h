/* sigstore-key.h: the private key of `push --sign-by-sigstore-private-key
 * KEY`, read as skopeo and cosign read it, and the signatures made with
 * it (sigstore.h).
 *
 * KEY is PEM.  "ENCRYPTED SIGSTORE PRIVATE KEY" or "ENCRYPTED COSIGN
 * PRIVATE KEY" (what cosign generate-key-pair and skopeo
 * generate-sigstore-key write) holds the JSON
 *
 *   {"kdf": {"name": "scrypt", "params": {"N": 32768, "r": 8, "p": 1},
 *            "salt": BASE64},
 *    "cipher": {"name": "nacl/secretbox", "nonce": BASE64},
 *    "ciphertext": BASE64}
 *
 * the ciphertext being a PKCS#8 DER private key sealed with NaCl's
 * secretbox (libsodium) under the scrypt (OpenSSL) of the passphrase.
 * The file is hostile input: only the scrypt parameters go-securesystemslib
 * writes are taken (others could make scrypt take any time or memory).
 * An unencrypted "PRIVATE KEY" or "EC PRIVATE KEY" is read too.  Keys are
 * ECDSA (P-256, as cosign makes them), RSA or Ed25519. */
#ifndef SC_SIGSTORE_KEY_H
#define SC_SIGSTORE_KEY_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>
#include <sc/error.h>

#define SC_SIGSTORE_KEY_FILE_MAX (64 * 1024)

/* The encrypted key's JSON, its fields decoded. */
typedef struct sc_sigstore_envelope {
  uint64_t n;
  uint32_t r, p;
  unsigned char *salt, *nonce, *ciphertext;
  size_t salt_len, nonce_len, ciphertext_len;
} sc_sigstore_envelope;

/* Parse the JSON of an encrypted key (file names it in messages). */
int sc_sigstore_envelope_parse(const char *file, const char *json, size_t len,
                               sc_sigstore_envelope *out, sc_error *err);
void sc_sigstore_envelope_clear(sc_sigstore_envelope *e);

/* The private key in data (the PEM text of file), decrypted with
 * passphrase (may be NULL for an unencrypted key).  The passphrase is
 * never part of a message. */
int sc_sigstore_key_parse(const char *file, const char *data, size_t len, const char *passphrase,
                          EVP_PKEY **out, sc_error *err);
int sc_sigstore_key_load(const char *path, const char *passphrase, EVP_PKEY **out, sc_error *err);

/* The passphrase in a --sign-passphrase-file: its first line, without
 * the line end (as skopeo reads it); newly allocated, to be freed with
 * sc_sigstore_passphrase_free (which wipes it). */
int sc_sigstore_passphrase_read(const char *path, char **out, sc_error *err);
void sc_sigstore_passphrase_free(char *passphrase);

/* The sigstore signature of payload with key, base64 (as the
 * dev.cosignproject.cosign/signature annotation holds it), newly
 * allocated. */
int sc_sigstore_sign(EVP_PKEY *key, const void *payload, size_t len, char **base64_signature,
                     sc_error *err);

#endif
