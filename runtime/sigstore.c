/* sigstore.c: sigstore payloads and their verification with OpenSSL
 * (sigstore.h). */
#include "sigstore.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/bio.h>
#include <openssl/pem.h>

#include "base64.h"
#include "util.h"

char *sc_sigstore_payload_format(const char *docker_reference, const char *manifest_digest,
                                 const char *creator, int64_t timestamp)
{
  return sc_signature_payload_format_as(SC_SIGSTORE_TYPE, docker_reference, manifest_digest,
                                        creator, timestamp);
}

int sc_sigstore_payload_parse(const char *data, size_t len, sc_signature_payload *out,
                              sc_error *err)
{
  return sc_signature_payload_parse_as(SC_SIGSTORE_TYPE, SC_PAYLOAD_SIGSTORE, data, len, out, err);
}

char *sc_sigstore_attachment_tag(const char *manifest_digest)
{
  const char *hex = sc_str_has_prefix(manifest_digest, "sha256:") ? manifest_digest + 7 : NULL;
  if (hex == NULL || strlen(hex) != 64 || strspn(hex, "0123456789abcdef") != 64)
    return NULL; /* it becomes a tag: nothing else may get into it */
  return xasprintf("sha256-%s" SC_SIGSTORE_TAG_SUFFIX, hex);
}

const EVP_MD *sc_sigstore_md(EVP_PKEY *key)
{
  return EVP_PKEY_get_id(key) == EVP_PKEY_ED25519 ? NULL : EVP_sha256();
}

bool sc_sigstore_verify_raw(EVP_PKEY *key, const void *data, size_t len, const unsigned char *sig,
                            size_t sig_len)
{
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  bool ok = ctx && EVP_DigestVerifyInit(ctx, NULL, sc_sigstore_md(key), NULL, key) == 1 &&
            EVP_DigestVerify(ctx, sig, sig_len, data, len) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

struct sc_sigstore_verifier {
  EVP_PKEY **keys;
  size_t count;
};

void sc_sigstore_verifier_free(sc_sigstore_verifier *v)
{
  if (v == NULL)
    return;
  for (size_t i = 0; i < v->count; i++)
    EVP_PKEY_free(v->keys[i]);
  free(v->keys);
  free(v);
}

static EVP_PKEY *read_public_key(const sc_signature_key *key)
{
  if (key->len > INT32_MAX)
    return NULL;
  BIO *bio = BIO_new_mem_buf(key->data, (int)key->len);
  EVP_PKEY *pkey = bio ? PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL) : NULL;
  BIO_free(bio);
  return pkey;
}

int sc_sigstore_verifier_new(const sc_signature_key *keys, size_t count, sc_sigstore_verifier **out,
                             sc_error *err)
{
  sc_sigstore_verifier *v = xcalloc(1, sizeof *v);
  v->keys = xcalloc(count ? count : 1, sizeof *v->keys);
  *out = NULL;
  /* Every key loads, or none is used: a broken fallback key is found
   * before it is needed, as containers/image decides. */
  for (; v->count < count; v->count++) {
    v->keys[v->count] = read_public_key(&keys[v->count]);
    if (v->keys[v->count] == NULL) {
      size_t bad = v->count + 1;
      sc_sigstore_verifier_free(v);
      return sc_error_set(err, SC_E_INVALID,
                          "key %zu is not a PEM public key (\"-----BEGIN PUBLIC KEY-----\", as "
                          "cosign.pub)",
                          bad);
    }
  }
  *out = v;
  return 0;
}

int sc_sigstore_verify(const sc_sigstore_verifier *v, const void *payload, size_t len,
                       const char *base64_signature, sc_signature_payload *out, sc_error *err)
{
  memset(out, 0, sizeof *out);
  unsigned char *sig = NULL;
  size_t sig_len = 0;
  if (base64_signature == NULL)
    return sc_error_set(err, SC_E_INVALID, "no %s annotation", SC_SIGSTORE_ANNOTATION);
  if (sc_base64_decode(base64_signature, strlen(base64_signature), &sig, &sig_len) < 0)
    return sc_error_set(err, SC_E_INVALID, "the %s annotation is not base64",
                        SC_SIGSTORE_ANNOTATION);
  bool ok = false;
  for (size_t i = 0; i < v->count && !ok; i++)
    ok = sc_sigstore_verify_raw(v->keys[i], payload, len, sig, sig_len);
  free(sig);
  if (!ok)
    return sc_error_set(err, SC_E_INVALID,
                        "the signature does not verify with the policy's key%s (tampered, or "
                        "signed by another key)",
                        v->count == 1 ? "" : "s");
  return sc_sigstore_payload_parse(payload, len, out, err);
}
