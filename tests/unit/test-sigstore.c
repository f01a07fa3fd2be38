/* test-sigstore.c: sigstore signatures (docs/signatures.md): encrypted
 * cosign/sigstore private keys (a good key, a wrong passphrase, damaged
 * JSON, scrypt parameters nobody writes), ECDSA signatures made and
 * verified, the payload read as containers/image reads it,
 * use-sigstore-attachments in registries.d, and sigstoreSigned in a
 * policy.  The encrypted keys are made here as go-securesystemslib makes
 * them: scrypt (OpenSSL) then NaCl secretbox (libsodium). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "docker-scope.h"
#include "policy.h"
#include "registries-d.h"
#include "sigstore-key.h"
#include "sigstore.h"
#include "util.h"

#define DIGEST "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define PASS "correct horse"

/* ---- making keys ---- */

static EVP_PKEY *new_ec_key(void)
{
  EVP_PKEY *key = EVP_EC_gen("P-256");
  assert_non_null(key);
  return key;
}

static char *b64(const unsigned char *data, size_t len)
{
  char *out = xmalloc(4 * ((len + 2) / 3) + 1);
  EVP_EncodeBlock((unsigned char *)out, data, (int)len);
  return out;
}

/* PEM of type around body (the JSON), as Go's pem.Encode writes it. */
static char *pem_wrap(const char *type, const char *body)
{
  char *inner = b64((const unsigned char *)body, strlen(body));
  sc_buf out = SC_BUF_INIT;
  sc_buf_printf(&out, "-----BEGIN %s-----\n", type);
  for (size_t i = 0; i < strlen(inner); i += 64)
    sc_buf_printf(&out, "%.64s\n", inner + i);
  sc_buf_printf(&out, "-----END %s-----\n", type);
  free(inner);
  return sc_buf_steal(&out);
}

/* The encrypted-key JSON of key under passphrase with scrypt N. */
static char *encrypted_json(EVP_PKEY *key, const char *passphrase, uint64_t n)
{
  unsigned char *der = NULL;
  PKCS8_PRIV_KEY_INFO *p8 = EVP_PKEY2PKCS8(key);
  int der_len = i2d_PKCS8_PRIV_KEY_INFO(p8, &der);
  PKCS8_PRIV_KEY_INFO_free(p8);
  assert_true(der_len > 0);
  unsigned char salt[32], nonce[crypto_secretbox_NONCEBYTES], box[32];
  randombytes_buf(salt, sizeof salt);
  randombytes_buf(nonce, sizeof nonce);
  assert_int_equal(EVP_PBE_scrypt(passphrase, strlen(passphrase), salt, sizeof salt, n, 8, 1,
                                  (uint64_t)512 << 20, box, sizeof box),
                   1);
  size_t sealed_len = (size_t)der_len + crypto_secretbox_MACBYTES;
  unsigned char *sealed = xmalloc(sealed_len);
  crypto_secretbox_easy(sealed, der, (size_t)der_len, nonce, box);
  OPENSSL_free(der);
  char *s = b64(salt, sizeof salt), *no = b64(nonce, sizeof nonce), *c = b64(sealed, sealed_len);
  char *json = xasprintf("{\"kdf\":{\"name\":\"scrypt\",\"params\":{\"N\":%llu,\"r\":8,\"p\":1},"
                         "\"salt\":\"%s\"},\"cipher\":{\"name\":\"nacl/secretbox\",\"nonce\":"
                         "\"%s\"},\"ciphertext\":\"%s\"}",
                         (unsigned long long)n, s, no, c);
  free(s), free(no), free(c), free(sealed);
  return json;
}

static char *public_pem(EVP_PKEY *key)
{
  BIO *bio = BIO_new(BIO_s_mem());
  assert_int_equal(PEM_write_bio_PUBKEY(bio, key), 1);
  char *data = NULL;
  long len = BIO_get_mem_data(bio, &data);
  char *out = xmalloc((size_t)len + 1);
  memcpy(out, data, (size_t)len);
  out[len] = '\0';
  BIO_free(bio);
  return out;
}

static bool same_key(EVP_PKEY *a, EVP_PKEY *b)
{
  return EVP_PKEY_eq(a, b) == 1;
}

/* ---- keys ---- */

static void test_key_good(void **state)
{
  assert_true(sodium_init() >= 0);
  EVP_PKEY *key = new_ec_key();
  char *json = encrypted_json(key, PASS, 32768);
  const char *types[] = {"ENCRYPTED SIGSTORE PRIVATE KEY", "ENCRYPTED COSIGN PRIVATE KEY"};
  for (size_t i = 0; i < 2; i++) {
    char *pem = pem_wrap(types[i], json);
    EVP_PKEY *got = NULL;
    sc_error err = SC_ERROR_INIT;
    assert_int_equal(sc_sigstore_key_parse("k.key", pem, strlen(pem), PASS, &got, &err), 0);
    assert_true(same_key(key, got));
    EVP_PKEY_free(got);
    free(pem);
  }
  free(json);
  EVP_PKEY_free(key);
}

static void expect_key_error(const char *pem, const char *passphrase, const char *part)
{
  EVP_PKEY *got = NULL;
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_sigstore_key_parse("k.key", pem, strlen(pem), passphrase, &got, &err), -1);
  assert_null(got);
  if (strstr(err.msg, part) == NULL || strstr(err.msg, "k.key") == NULL)
    fail_msg("error \"%s\" does not name the file and say \"%s\"", err.msg, part);
  if (passphrase && passphrase[0] && strstr(err.msg, passphrase))
    fail_msg("error \"%s\" shows the passphrase", err.msg);
  sc_error_clear(&err);
}

static void test_key_wrong_passphrase(void **state)
{
  EVP_PKEY *key = new_ec_key();
  char *json = encrypted_json(key, PASS, 32768);
  char *pem = pem_wrap("ENCRYPTED SIGSTORE PRIVATE KEY", json);
  expect_key_error(pem, "battery staple", "wrong passphrase");
  expect_key_error(pem, "", "wrong passphrase");
  expect_key_error(pem, NULL, "is encrypted: give its passphrase with --sign-passphrase-file");
  free(pem);
  free(json);
  EVP_PKEY_free(key);
}

static void test_key_damaged(void **state)
{
  static const struct {
    const char *json, *part;
  } cases[] = {
      {"{\"kdf\": ", "not a JSON object"},
      {"[1, 2]", "not a JSON object"},
      {"{\"kdf\":{\"name\":\"pbkdf2\"}}", "kdf.name is not \"scrypt\""},
      {"{\"kdf\":{\"name\":\"scrypt\"},\"cipher\":{\"name\":\"aes\"}}", "cipher.name"},
      /* 2^30 would take a gigabyte and minutes: refused before scrypt */
      {"{\"kdf\":{\"name\":\"scrypt\",\"params\":{\"N\":1073741824,\"r\":8,\"p\":1},\"salt\":"
       "\"AAAA\"},\"cipher\":{\"name\":\"nacl/secretbox\",\"nonce\":\"AAAA\"},\"ciphertext\":"
       "\"AAAA\"}",
       "kdf.params"},
      {"{\"kdf\":{\"name\":\"scrypt\",\"params\":{\"N\":32768,\"r\":8,\"p\":1},\"salt\":"
       "\"!!\"},\"cipher\":{\"name\":\"nacl/secretbox\",\"nonce\":\"AAAA\"},\"ciphertext\":"
       "\"AAAA\"}",
       "kdf.salt"},
      {"{\"kdf\":{\"name\":\"scrypt\",\"params\":{\"N\":32768,\"r\":8,\"p\":1},\"salt\":"
       "\"AAAA\"},\"cipher\":{\"name\":\"nacl/secretbox\",\"nonce\":\"AAAA\"},\"ciphertext\":"
       "\"AAAA\"}",
       "cipher.nonce"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *pem = pem_wrap("ENCRYPTED SIGSTORE PRIVATE KEY", cases[i].json);
    expect_key_error(pem, PASS, cases[i].part);
    free(pem);
  }
  expect_key_error("not a key at all", PASS, "not a PEM key");
  char *other = pem_wrap("CERTIFICATE", "x");
  expect_key_error(other, PASS, "not a sigstore private key");
  free(other);
}

static void test_key_plain_pem(void **state)
{
  EVP_PKEY *key = new_ec_key();
  BIO *bio = BIO_new(BIO_s_mem());
  assert_int_equal(PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL), 1);
  char *data = NULL;
  long len = BIO_get_mem_data(bio, &data);
  EVP_PKEY *got = NULL;
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_sigstore_key_parse("k.pem", data, (size_t)len, NULL, &got, &err), 0);
  assert_true(same_key(key, got));
  EVP_PKEY_free(got);
  BIO_free(bio);
  EVP_PKEY_free(key);
}

/* ---- signatures ---- */

static int verify_with(EVP_PKEY *key, const char *payload, const char *signature,
                       sc_signature_payload *out, sc_error *err)
{
  char *pub = public_pem(key);
  sc_signature_key k = {.data = pub, .len = strlen(pub)};
  sc_sigstore_verifier *v = NULL;
  assert_int_equal(sc_sigstore_verifier_new(&k, 1, &v, err), 0);
  int rc = sc_sigstore_verify(v, payload, strlen(payload), signature, out, err);
  sc_sigstore_verifier_free(v);
  free(pub);
  return rc;
}

static void test_sign_verify(void **state)
{
  EVP_PKEY *key = new_ec_key(), *other = new_ec_key();
  char *payload = sc_sigstore_payload_format("reg.example/app:v1", DIGEST, "sc-build", 1700000000);
  assert_string_equal(payload,
                      "{\"critical\":{\"identity\":{\"docker-reference\":\"reg.example/app:v1\"},"
                      "\"image\":{\"docker-manifest-digest\":\"" DIGEST "\"},\"type\":\"cosign "
                      "container image signature\"},\"optional\":{\"creator\":\"sc-build\","
                      "\"timestamp\":1700000000}}");
  char *sig = NULL;
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_sigstore_sign(key, payload, strlen(payload), &sig, &err), 0);
  sc_signature_payload p;
  assert_int_equal(verify_with(key, payload, sig, &p, &err), 0);
  assert_string_equal(p.docker_reference, "reg.example/app:v1");
  assert_string_equal(p.docker_manifest_digest, DIGEST);
  assert_int_equal(p.timestamp, 1700000000);
  sc_signature_payload_clear(&p);

  assert_int_equal(verify_with(other, payload, sig, &p, &err), -1);
  assert_non_null(strstr(err.msg, "does not verify"));
  sc_error_clear(&err);
  payload[20] ^= 1; /* tampered */
  assert_int_equal(verify_with(key, payload, sig, &p, &err), -1);
  sc_error_clear(&err);
  payload[20] ^= 1;
  assert_int_equal(verify_with(key, payload, "not base64!", &p, &err), -1);
  assert_non_null(strstr(err.msg, "not base64"));
  sc_error_clear(&err);
  assert_int_equal(verify_with(key, payload, NULL, &p, &err), -1);
  assert_non_null(strstr(err.msg, SC_SIGSTORE_ANNOTATION));
  sc_error_clear(&err);
  free(sig);
  free(payload);
  EVP_PKEY_free(key);
  EVP_PKEY_free(other);
}

static void test_payload(void **state)
{
  sc_signature_payload p;
  sc_error err = SC_ERROR_INIT;
  /* cosign writes "optional": null, and Go readers take 1.7e9 */
  const char *cosign = "{\"critical\":{\"identity\":{\"docker-reference\":\"r/a\"},\"image\":{"
                       "\"docker-manifest-digest\":\"" DIGEST "\"},\"type\":\"cosign container "
                       "image signature\"},\"optional\":null}";
  assert_int_equal(sc_sigstore_payload_parse(cosign, strlen(cosign), &p, &err), 0);
  assert_null(p.creator);
  sc_signature_payload_clear(&p);
  const char *real = "{\"critical\":{\"identity\":{\"docker-reference\":\"r/a\"},\"image\":{"
                     "\"docker-manifest-digest\":\"" DIGEST "\"},\"type\":\"cosign container "
                     "image signature\"},\"optional\":{\"timestamp\":1.7e9}}";
  assert_int_equal(sc_sigstore_payload_parse(real, strlen(real), &p, &err), 0);
  assert_int_equal(p.timestamp, 1700000000);
  sc_signature_payload_clear(&p);
  const char *bad[] = {
      /* a simple signature's type is not a sigstore one */
      "{\"critical\":{\"identity\":{\"docker-reference\":\"r/a\"},\"image\":{"
      "\"docker-manifest-digest\":\"" DIGEST "\"},\"type\":\"atomic container signature\"},"
      "\"optional\":{}}",
      "{\"critical\":{\"identity\":{\"docker-reference\":\"r/a\"},\"image\":{"
      "\"docker-manifest-digest\":\"" DIGEST "\"},\"type\":\"cosign container image signature\"},"
      "\"optional\":{\"timestamp\":1.5}}",
      "{\"critical\":{\"identity\":{\"docker-reference\":\"r/a\"},\"image\":{"
      "\"docker-manifest-digest\":\"" DIGEST "\"},\"type\":\"cosign container image signature\","
      "\"extra\":1},\"optional\":null}",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    assert_int_equal(sc_sigstore_payload_parse(bad[i], strlen(bad[i]), &p, &err), -1);
    sc_error_clear(&err);
  }
  char *tag = sc_sigstore_attachment_tag(DIGEST);
  assert_string_equal(
      tag, "sha256-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.sig");
  free(tag);
  assert_null(sc_sigstore_attachment_tag("sha256:../../x"));
}

/* ---- registries.d and the policy ---- */

static void test_use_attachments(void **state)
{
  sc_registries_d *d = sc_registries_d_new();
  sc_error err = SC_ERROR_INIT;
  const char *yaml = "default-docker:\n  use-sigstore-attachments: true\n"
                     "docker:\n  reg.example/off:\n    use-sigstore-attachments: false\n"
                     "  reg.example/off/on:\n    lookaside: file:///x\n"
                     "    use-sigstore-attachments: True\n";
  assert_int_equal(sc_registries_d_parse(d, "a.yaml", yaml, strlen(yaml), &err), 0);
  char **on = sc_docker_scopes("reg.example", "off/on/app", "v1", NULL);
  char **off = sc_docker_scopes("reg.example", "off/app", "v1", NULL);
  char **other = sc_docker_scopes("other.example", "app", "v1", NULL);
  const char *where = NULL;
  assert_true(sc_registries_d_use_sigstore_attachments(d, on, &where));
  assert_string_equal(where, "a.yaml: docker: reg.example/off/on");
  assert_false(sc_registries_d_use_sigstore_attachments(d, off, NULL));
  assert_true(sc_registries_d_use_sigstore_attachments(d, other, &where));
  assert_string_equal(where, "a.yaml: default-docker");
  sc_strv_free(on), sc_strv_free(off), sc_strv_free(other);
  sc_registries_d_free(d);

  d = sc_registries_d_new();
  const char *bad = "docker:\n  reg:\n    use-sigstore-attachments: maybe\n";
  assert_int_equal(sc_registries_d_parse(d, "b.yaml", bad, strlen(bad), &err), -1);
  assert_non_null(strstr(err.msg, "takes true or false"));
  assert_int_equal(err.line, 3);
  sc_error_clear(&err);
  sc_registries_d_free(d);
}

/* sc-build-use-referrer-signatures: unset (-1) unless an entry sets it,
 * the most specific first, and never confused with
 * use-sigstore-attachments. */
static void test_use_referrer_signatures(void **state)
{
  (void)state;
  sc_registries_d *d = sc_registries_d_new();
  sc_error err = SC_ERROR_INIT;
  const char *yaml = "default-docker:\n  use-sigstore-attachments: true\n"
                     "docker:\n  reg.example/off:\n    sc-build-use-referrer-signatures: false\n"
                     "  reg.example/off/on:\n    sc-build-use-referrer-signatures: true\n";
  assert_int_equal(sc_registries_d_parse(d, "a.yaml", yaml, strlen(yaml), &err), 0);
  char **on = sc_docker_scopes("reg.example", "off/on/app", "v1", NULL);
  char **off = sc_docker_scopes("reg.example", "off/app", "v1", NULL);
  char **other = sc_docker_scopes("other.example", "app", "v1", NULL);
  const char *where = NULL;
  assert_int_equal(sc_registries_d_use_referrer_signatures(d, on, &where), 1);
  assert_string_equal(where, "a.yaml: docker: reg.example/off/on");
  assert_int_equal(sc_registries_d_use_referrer_signatures(d, off, &where), 0);
  assert_string_equal(where, "a.yaml: docker: reg.example/off");
  assert_int_equal(sc_registries_d_use_referrer_signatures(d, other, NULL), -1);
  assert_true(sc_registries_d_use_sigstore_attachments(d, off, NULL));
  sc_strv_free(on), sc_strv_free(off), sc_strv_free(other);
  sc_registries_d_free(d);

  d = sc_registries_d_new();
  const char *bad = "docker:\n  reg:\n    sc-build-use-referrer-signatures: yes\n";
  assert_int_equal(sc_registries_d_parse(d, "b.yaml", bad, strlen(bad), &err), -1);
  assert_non_null(strstr(err.msg, "takes true or false"));
  sc_error_clear(&err);
  sc_registries_d_free(d);
}

static sc_policy *policy(const char *json)
{
  sc_policy *p = NULL;
  sc_error err = SC_ERROR_INIT;
  if (sc_policy_parse("p.json", json, strlen(json), &p, &err) < 0)
    fail_msg("%s", err.msg);
  return p;
}

/* Each of the policies is refused when read, the error naming the file. */
static void assert_policies_refused(const char *const *bad, size_t count)
{
  for (size_t i = 0; i < count; i++) {
    sc_policy *p = NULL;
    sc_error err = SC_ERROR_INIT;
    assert_int_equal(sc_policy_parse("p.json", bad[i], strlen(bad[i]), &p, &err), -1);
    assert_string_equal(err.file, "p.json");
    sc_error_clear(&err);
  }
}

static void test_policy_sigstore(void **state)
{
  const char *bad[] = {
      "{\"default\":[{\"type\":\"sigstoreSigned\"}]}",
      "{\"default\":[{\"type\":\"sigstoreSigned\",\"keyPath\":\"a\",\"keyData\":\"b\"}]}",
      "{\"default\":[{\"type\":\"sigstoreSigned\",\"keyPath\":\"a\",\"keyType\":\"GPGKeys\"}]}",
      "{\"default\":[{\"type\":\"sigstoreSigned\",\"keyPaths\":[]}]}",
  };
  assert_policies_refused(bad, sizeof bad / sizeof bad[0]);
  sc_policy_image img = {
      .host = "reg.example", .repository = "app", .tag = "v1", .manifest_digest = DIGEST};
  sc_policy_sources where = {"the lookaside", "the attachment"};
  sc_error err = SC_ERROR_INIT;
  sc_policy *p = policy("{\"default\":[{\"type\":\"sigstoreSigned\",\"fulcio\":{}}]}");
  assert_int_equal(sc_policy_check(p, &img, NULL, 0, &where, NULL, &err), -1);
  assert_non_null(strstr(err.msg, "does not check fulcio"));
  sc_error_clear(&err);
  sc_policy_free(p);

  /* a simple signature does not count for sigstoreSigned */
  p = policy("{\"default\":[{\"type\":\"sigstoreSigned\",\"keyData\":\"AAAA\"}]}");
  sc_policy_signature simple = {.data = "x", .len = 1, .source = "sig-1"};
  assert_int_equal(sc_policy_check(p, &img, &simple, 1, &where, NULL, &err), -1);
  assert_non_null(strstr(err.msg, "(sigstoreSigned, keyData): no sigstore signature found "
                                  "(looked in the attachment)"));
  sc_error_clear(&err);
  sc_policy_free(p);
}

/* signedBaseLayer parses as containers/image parses it, and refuses by
 * name every image it applies to (containers/image never implemented it). */
static void test_policy_signed_base_layer(void **state)
{
  (void)state;
  const char *bad[] = {
      "{\"default\":[{\"type\":\"signedBaseLayer\"}]}",
      "{\"default\":[{\"type\":\"signedBaseLayer\",\"baseLayerIdentity\":{\"type\":\"x\"}}]}",
      "{\"default\":[{\"type\":\"signedBaseLayer\",\"baseLayerIdentity\":{\"type\":"
      "\"matchExact\"},\"keyPath\":\"k\"}]}",
  };
  assert_policies_refused(bad, sizeof bad / sizeof bad[0]);
  sc_policy *p =
      policy("{\"default\":[{\"type\":\"signedBaseLayer\",\"baseLayerIdentity\":"
             "{\"type\":\"exactRepository\",\"dockerRepository\":\"reg.example/base\"}}]}");
  sc_policy_image img = {
      .host = "reg.example", .repository = "app", .tag = "v1", .manifest_digest = DIGEST};
  sc_policy_sources where = {"the lookaside", "the attachment"};
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_policy_check(p, &img, NULL, 0, &where, NULL, &err), -1);
  assert_non_null(strstr(err.msg, "refused by p.json, scope default, requirement 1 "
                                  "(signedBaseLayer): signedBaseLayer is not implemented"));
  assert_non_null(strstr(err.msg, "require signedBy or sigstoreSigned"));
  sc_error_clear(&err);
  sc_policy_free(p);
}

static void test_policy_sigstore_accepts(void **state)
{
  EVP_PKEY *key = new_ec_key();
  char *pub = public_pem(key);
  char *data = b64((const unsigned char *)pub, strlen(pub));
  char *json = xasprintf("{\"default\":[{\"type\":\"sigstoreSigned\",\"keyData\":\"%s\","
                         "\"signedIdentity\":{\"type\":\"matchRepository\"}}]}",
                         data);
  sc_policy *p = policy(json);
  char *payload = sc_sigstore_payload_format("reg.example/app:other", DIGEST, NULL, 0);
  char *sig = NULL;
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_sigstore_sign(key, payload, strlen(payload), &sig, &err), 0);
  sc_policy_signature s = {.data = payload,
                           .len = strlen(payload),
                           .source = "layer 1",
                           .sigstore = true,
                           .media_type = SC_SIGSTORE_MEDIA_TYPE,
                           .sigstore_signature = sig};
  sc_policy_image img = {
      .host = "reg.example", .repository = "app", .tag = "v1", .manifest_digest = DIGEST};
  assert_int_equal(sc_policy_check(p, &img, &s, 1, NULL, NULL, &err), 0);
  img.repository = "elsewhere";
  assert_int_equal(sc_policy_check(p, &img, &s, 1, NULL, NULL, &err), -1);
  assert_non_null(strstr(err.msg, "which signedIdentity does not accept"));
  sc_error_clear(&err);
  img.repository = "app";
  s.media_type = "application/vnd.in-toto+json"; /* an attestation, not a signature */
  assert_int_equal(sc_policy_check(p, &img, &s, 1, NULL, NULL, &err), -1);
  assert_non_null(strstr(err.msg, "not a signature"));
  sc_error_clear(&err);
  sc_policy_free(p);
  free(sig), free(payload), free(json), free(data), free(pub);
  EVP_PKEY_free(key);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_key_good),
      cmocka_unit_test(test_key_wrong_passphrase),
      cmocka_unit_test(test_key_damaged),
      cmocka_unit_test(test_key_plain_pem),
      cmocka_unit_test(test_sign_verify),
      cmocka_unit_test(test_payload),
      cmocka_unit_test(test_use_attachments),
      cmocka_unit_test(test_use_referrer_signatures),
      cmocka_unit_test(test_policy_sigstore),
      cmocka_unit_test(test_policy_signed_base_layer),
      cmocka_unit_test(test_policy_sigstore_accepts),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
