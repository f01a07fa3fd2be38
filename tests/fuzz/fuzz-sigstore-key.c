/* fuzz-sigstore-key.c: libFuzzer target for what `push
 * --sign-by-sigstore-private-key` and sigstoreSigned read from files and
 * registries (docs/signatures.md): the first byte picks the reader, the
 * rest is its input.
 *
 *   0  the JSON of an encrypted cosign/sigstore key
 *   1  a key file (PEM), read without a passphrase: an encrypted key stops
 *      before scrypt (so each run stays fast; the unit tests decrypt), an
 *      unencrypted one goes through OpenSSL
 *   2  a sigstore payload
 *   3  a PEM public key, then a signature of a fixed payload checked with it
 *
 * Checked besides crashes and sanitizer reports: every error carries a
 * message naming the file, and a parsed envelope has the sizes NaCl needs. */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sigstore-key.h"
#include "sigstore.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_error(const sc_error *err, bool named)
{
  if (err->msg == NULL || err->code == 0 || (named && strstr(err->msg, "k.key") == NULL))
    abort();
}

static void envelope(const char *text, size_t len)
{
  sc_sigstore_envelope e;
  sc_error err = SC_ERROR_INIT;
  if (sc_sigstore_envelope_parse("k.key", text, len, &e, &err) < 0) {
    check_error(&err, true);
  } else {
    if (e.nonce_len != crypto_secretbox_NONCEBYTES ||
        e.ciphertext_len <= crypto_secretbox_MACBYTES || e.salt_len == 0 || e.n > 131072)
      abort();
    sc_sigstore_envelope_clear(&e);
  }
  sc_error_clear(&err);
}

static void key_file(const char *text, size_t len)
{
  EVP_PKEY *key = NULL;
  sc_error err = SC_ERROR_INIT;
  if (sc_sigstore_key_parse("k.key", text, len, NULL, &key, &err) < 0)
    check_error(&err, true);
  EVP_PKEY_free(key);
  sc_error_clear(&err);
}

static void payload(const char *text, size_t len)
{
  sc_signature_payload p;
  sc_error err = SC_ERROR_INIT;
  if (sc_sigstore_payload_parse(text, len, &p, &err) < 0)
    check_error(&err, false);
  else
    sc_signature_payload_clear(&p);
  sc_error_clear(&err);
}

static void public_key(const char *text, size_t len)
{
  sc_signature_key key = {.data = text, .len = len};
  sc_sigstore_verifier *v = NULL;
  sc_error err = SC_ERROR_INIT;
  if (sc_sigstore_verifier_new(&key, 1, &v, &err) < 0) {
    check_error(&err, false);
  } else {
    static const char fixed[] = "{}";
    sc_signature_payload p;
    if (sc_sigstore_verify(v, fixed, 2, "MEUCIQ==", &p, &err) == 0)
      abort(); /* nothing signs this */
    sc_sigstore_verifier_free(v);
  }
  sc_error_clear(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size < 1)
    return 0;
  char *text = xmalloc(size);
  memcpy(text, data + 1, size - 1);
  text[size - 1] = '\0';
  switch (data[0] % 4) {
  case 0:
    envelope(text, size - 1);
    break;
  case 1:
    key_file(text, size - 1);
    break;
  case 2:
    payload(text, size - 1);
    break;
  default:
    public_key(text, size - 1);
  }
  free(text);
  return 0;
}
