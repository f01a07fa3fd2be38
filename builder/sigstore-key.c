/* sigstore-key.c: sigstore private keys and signing (sigstore-key.h). */
#include "sigstore-key.h"

#include <fcntl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "base64.h"
#include "sigstore.h"
#include "util.h"

#define BOX_KEY_SIZE 32
#define SCRYPT_MAX_MEM ((uint64_t)512 << 20)

/* go-securesystemslib's scrypt parameters (legacy, standard, OWASP):
 * the only ones it decrypts with, so an edited file cannot make us spend
 * unbounded time or memory. */
static const struct {
  uint64_t n;
  uint32_t r, p;
} known_params[] = {{32768, 8, 1}, {65536, 8, 1}, {131072, 8, 1}};

void sc_sigstore_envelope_clear(sc_sigstore_envelope *e)
{
  free(e->salt);
  free(e->nonce);
  free(e->ciphertext);
  memset(e, 0, sizeof *e);
}

/* A base64 member (Go's encoding of []byte): decoded, non-empty. */
static bool take_bytes(json_t *obj, const char *key, unsigned char **out, size_t *len)
{
  json_t *v = json_object_get(obj, key);
  return json_string_length(v) > 0 &&
         sc_base64_decode(json_string_value(v), json_string_length(v), out, len) == 0 && *len > 0;
}

static bool take_params(json_t *params, sc_sigstore_envelope *e)
{
  json_t *n = json_object_get(params, "N"), *r = json_object_get(params, "r"),
         *p = json_object_get(params, "p");
  if (!json_is_integer(n) || !json_is_integer(r) || !json_is_integer(p))
    return false;
  for (size_t i = 0; i < sizeof known_params / sizeof known_params[0]; i++)
    if ((uint64_t)json_integer_value(n) == known_params[i].n &&
        json_integer_value(r) == known_params[i].r && json_integer_value(p) == known_params[i].p) {
      e->n = known_params[i].n, e->r = known_params[i].r, e->p = known_params[i].p;
      return true;
    }
  return false;
}

static int parse_fields(const char *file, json_t *doc, sc_sigstore_envelope *e, sc_error *err)
{
  json_t *kdf = json_object_get(doc, "kdf"), *cipher = json_object_get(doc, "cipher");
  const char *kdf_name = json_string_value(json_object_get(kdf, "name"));
  const char *cipher_name = json_string_value(json_object_get(cipher, "name"));
  if (kdf_name == NULL || strcmp(kdf_name, "scrypt") != 0)
    return sc_error_set(err, SC_E_INVALID, "%s: kdf.name is not \"scrypt\"", file);
  if (cipher_name == NULL || strcmp(cipher_name, "nacl/secretbox") != 0)
    return sc_error_set(err, SC_E_INVALID, "%s: cipher.name is not \"nacl/secretbox\"", file);
  if (!take_params(json_object_get(kdf, "params"), e))
    return sc_error_set(err, SC_E_INVALID,
                        "%s: kdf.params are not scrypt parameters cosign writes (N 32768, "
                        "65536 or 131072, r 8, p 1)",
                        file);
  if (!take_bytes(kdf, "salt", &e->salt, &e->salt_len))
    return sc_error_set(err, SC_E_INVALID, "%s: kdf.salt is not base64", file);
  if (!take_bytes(cipher, "nonce", &e->nonce, &e->nonce_len) ||
      e->nonce_len != crypto_secretbox_NONCEBYTES)
    return sc_error_set(err, SC_E_INVALID, "%s: cipher.nonce is not %d bytes of base64", file,
                        crypto_secretbox_NONCEBYTES);
  if (!take_bytes(doc, "ciphertext", &e->ciphertext, &e->ciphertext_len) ||
      e->ciphertext_len <= crypto_secretbox_MACBYTES)
    return sc_error_set(err, SC_E_INVALID, "%s: ciphertext is missing, not base64 or too short",
                        file);
  return 0;
}

int sc_sigstore_envelope_parse(const char *file, const char *json, size_t len,
                               sc_sigstore_envelope *out, sc_error *err)
{
  memset(out, 0, sizeof *out);
  json_error_t jerr;
  json_t *doc = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
  int rc = json_is_object(doc)
               ? parse_fields(file, doc, out, err)
               : sc_error_set(err, SC_E_INVALID, "%s: the encrypted key is not a JSON object (%s)",
                              file, doc ? "another JSON value" : jerr.text);
  json_decref(doc);
  if (rc < 0)
    sc_sigstore_envelope_clear(out);
  return rc;
}

/* The PKCS#8 DER the envelope seals, in *der (sodium_malloc'd: locked and
 * wiped when freed); -1 for a wrong passphrase. */
static int open_envelope(const char *file, const sc_sigstore_envelope *e, const char *passphrase,
                         unsigned char **der, size_t *der_len, sc_error *err)
{
  if (sodium_init() < 0)
    return sc_error_set(err, SC_E_INVALID, "cannot start libsodium");
  unsigned char key[BOX_KEY_SIZE];
  if (EVP_PBE_scrypt(passphrase, strlen(passphrase), e->salt, e->salt_len, e->n, e->r, e->p,
                     SCRYPT_MAX_MEM, key, sizeof key) != 1)
    return sc_error_set(err, SC_E_INVALID, "%s: scrypt failed (out of memory?)", file);
  *der_len = e->ciphertext_len - crypto_secretbox_MACBYTES;
  *der = sodium_malloc(*der_len);
  int rc =
      *der ? crypto_secretbox_open_easy(*der, e->ciphertext, e->ciphertext_len, e->nonce, key) : -1;
  sodium_memzero(key, sizeof key);
  if (rc == 0)
    return 0;
  sodium_free(*der);
  *der = NULL;
  return sc_error_set(err, SC_E_INVALID,
                      "%s: cannot decrypt the key: wrong passphrase (--sign-passphrase-file), or "
                      "the file is damaged",
                      file);
}

static int usable(const char *file, EVP_PKEY *key, sc_error *err)
{
  int id = EVP_PKEY_get_id(key);
  if (id == EVP_PKEY_EC || id == EVP_PKEY_RSA || id == EVP_PKEY_ED25519)
    return 0;
  return sc_error_set(err, SC_E_INVALID, "%s: a %s key: sigstore keys are ECDSA, RSA or Ed25519",
                      file, OBJ_nid2sn(id));
}

static int decrypt_key(const char *file, const unsigned char *json, long len,
                       const char *passphrase, EVP_PKEY **out, sc_error *err)
{
  if (passphrase == NULL)
    return sc_error_set(err, SC_E_USAGE,
                        "%s is encrypted: give its passphrase with --sign-passphrase-file FILE",
                        file);
  sc_sigstore_envelope e;
  if (sc_sigstore_envelope_parse(file, (const char *)json, (size_t)len, &e, err) < 0)
    return -1;
  unsigned char *der = NULL;
  size_t der_len = 0;
  int rc = open_envelope(file, &e, passphrase, &der, &der_len, err);
  sc_sigstore_envelope_clear(&e);
  if (rc < 0)
    return -1;
  const unsigned char *p = der;
  PKCS8_PRIV_KEY_INFO *p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, (long)der_len);
  *out = p8 ? EVP_PKCS82PKEY(p8) : NULL;
  PKCS8_PRIV_KEY_INFO_free(p8);
  sodium_free(der);
  if (*out == NULL)
    return sc_error_set(err, SC_E_INVALID, "%s: the decrypted key is not a PKCS#8 private key",
                        file);
  return 0;
}

/* OpenSSL's passphrase callback: never a prompt; the passphrase if any. */
static int pem_passphrase(char *buf, int size, int rwflag, void *user)
{
  const char *passphrase = user;
  size_t len = passphrase ? strlen(passphrase) : 0;
  if (passphrase == NULL || len > (size_t)size)
    return -1;
  memcpy(buf, passphrase, len);
  return (int)len;
}

static int plain_key(const char *file, const char *data, size_t len, const char *passphrase,
                     EVP_PKEY **out, sc_error *err)
{
  BIO *bio = BIO_new_mem_buf(data, (int)len);
  *out = bio ? PEM_read_bio_PrivateKey(bio, NULL, pem_passphrase, (void *)passphrase) : NULL;
  BIO_free(bio);
  if (*out == NULL)
    return sc_error_set(err, SC_E_INVALID, "%s: not a private key OpenSSL reads", file);
  return 0;
}

int sc_sigstore_key_parse(const char *file, const char *data, size_t len, const char *passphrase,
                          EVP_PKEY **out, sc_error *err)
{
  *out = NULL;
  if (len > SC_SIGSTORE_KEY_FILE_MAX)
    return sc_error_set(err, SC_E_INVALID, "%s: over %d bytes: not a key", file,
                        SC_SIGSTORE_KEY_FILE_MAX);
  char *name = NULL, *header = NULL;
  unsigned char *body = NULL;
  long body_len = 0;
  BIO *bio = BIO_new_mem_buf(data, (int)len);
  bool pem = bio && PEM_read_bio(bio, &name, &header, &body, &body_len) == 1;
  BIO_free(bio);
  int rc;
  if (!pem)
    rc = sc_error_set(err, SC_E_INVALID,
                      "%s: not a PEM key (-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY----- or "
                      "-----BEGIN PRIVATE KEY-----)",
                      file);
  else if (strcmp(name, "ENCRYPTED SIGSTORE PRIVATE KEY") == 0 ||
           strcmp(name, "ENCRYPTED COSIGN PRIVATE KEY") == 0)
    rc = decrypt_key(file, body, body_len, passphrase, out, err);
  else if (strcmp(name, "PRIVATE KEY") == 0 || strcmp(name, "EC PRIVATE KEY") == 0 ||
           strcmp(name, "ENCRYPTED PRIVATE KEY") == 0)
    rc = plain_key(file, data, len, passphrase, out, err);
  else
    rc = sc_error_set(err, SC_E_INVALID,
                      "%s: a PEM \"%.60s\", not a sigstore private key (ENCRYPTED SIGSTORE "
                      "PRIVATE KEY, ENCRYPTED COSIGN PRIVATE KEY, PRIVATE KEY)",
                      file, name);
  OPENSSL_free(name);
  OPENSSL_free(header);
  if (body)
    OPENSSL_clear_free(body, (size_t)body_len);
  if (rc == 0 && usable(file, *out, err) < 0) {
    EVP_PKEY_free(*out);
    *out = NULL;
    rc = -1;
  }
  return rc;
}

int sc_sigstore_key_load(const char *path, const char *passphrase, EVP_PKEY **out, sc_error *err)
{
  *out = NULL;
  char *data = NULL;
  size_t len = 0;
  if (sc_read_file_at_max(AT_FDCWD, path, SC_SIGSTORE_KEY_FILE_MAX, &data, &len, err) < 0)
    return sc_error_prefix(err, "--sign-by-sigstore-private-key");
  int rc = sc_sigstore_key_parse(path, data, len, passphrase, out, err);
  OPENSSL_clear_free(data, len);
  return rc;
}

int sc_sigstore_sign(EVP_PKEY *key, const void *payload, size_t len, char **base64_signature,
                     sc_error *err)
{
  *base64_signature = NULL;
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  size_t sig_len = 0;
  unsigned char *sig = NULL;
  bool ok = ctx && EVP_DigestSignInit(ctx, NULL, sc_sigstore_md(key), NULL, key) == 1 &&
            EVP_DigestSign(ctx, NULL, &sig_len, payload, len) == 1;
  if (ok) {
    sig = xmalloc(sig_len);
    ok = EVP_DigestSign(ctx, sig, &sig_len, payload, len) == 1;
  }
  EVP_MD_CTX_free(ctx);
  if (ok) {
    *base64_signature = xmalloc(4 * ((sig_len + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)*base64_signature, sig, (int)sig_len);
  }
  free(sig);
  return ok ? 0 : sc_error_set(err, SC_E_INVALID, "signing with the sigstore key failed");
}

int sc_sigstore_passphrase_read(const char *path, char **out, sc_error *err)
{
  *out = NULL;
  char *data = NULL;
  size_t len = 0;
  if (sc_read_file_at_max(AT_FDCWD, path, 4096, &data, &len, err) < 0)
    return sc_error_prefix(err, "--sign-passphrase-file");
  size_t line = strcspn(data, "\n");
  if (line > 0 && data[line - 1] == '\r')
    line--;
  *out = xmalloc(line + 1);
  memcpy(*out, data, line);
  (*out)[line] = '\0';
  OPENSSL_clear_free(data, len);
  return 0;
}

void sc_sigstore_passphrase_free(char *passphrase)
{
  if (passphrase)
    OPENSSL_clear_free(passphrase, strlen(passphrase));
}
