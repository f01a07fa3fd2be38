/* fuzz-signature-config.c: libFuzzer target for what image signatures
 * read from files and lookasides (docs/signatures.md): the first byte
 * picks the reader, the rest is its input.
 *
 *   0  a containers-registries.d(5) YAML file, then a lookaside looked up
 *   1  a containers-policy.json(5) file, then applied to a few images with
 *      no signatures (so no keyring is made: that is the unit tests' part)
 *   2  a simple-signing payload, formatted back and parsed again
 *
 * Checked besides crashes and sanitizer reports: every error carries a
 * message and names the file; a policy that needs no signatures never
 * refuses for want of one; a parsed payload survives formatting. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "docker-scope.h"
#include "policy.h"
#include "registries-d.h"
#include "signature.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HEX "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void check_error(const sc_error *err, const char *file)
{
  if (err->msg == NULL || err->code == 0 || (file && (!err->file || strcmp(err->file, file) != 0)))
    abort();
}

static void registries_d(const char *text, size_t len)
{
  sc_registries_d *d = sc_registries_d_new();
  sc_error err = SC_ERROR_INIT;
  if (sc_registries_d_parse(d, "f.yaml", text, len, &err) < 0) {
    check_error(&err, "f.yaml");
  } else {
    char **scopes = sc_docker_scopes("reg.example:5000", "ns/app", "v1", NULL);
    sc_registries_d_lookaside(d, scopes, false, NULL);
    sc_registries_d_lookaside(d, scopes, true, NULL);
    sc_strv_free(scopes);
  }
  sc_error_clear(&err);
  sc_registries_d_free(d);
}

static void apply(const sc_policy *p, const char *repo, const char *tag, const char *digest)
{
  sc_policy_image img = {.host = "reg.example",
                         .repository = repo,
                         .tag = tag,
                         .digest = digest,
                         .manifest_digest = "sha256:" HEX};
  sc_error err = SC_ERROR_INIT;
  bool needs = sc_policy_needs_signatures(p, &img);
  if (sc_policy_check(p, &img, NULL, 0, NULL, NULL, &err) < 0) {
    check_error(&err, NULL);
    if (!needs && strstr(err.msg, "signature"))
      abort();
  }
  sc_error_clear(&err);
}

static void policy(const char *text, size_t len)
{
  sc_policy *p = NULL;
  sc_error err = SC_ERROR_INIT;
  if (sc_policy_parse("p.json", text, len, &p, &err) < 0) {
    check_error(&err, "p.json");
  } else {
    apply(p, "ns/app", "v1", NULL);
    apply(p, "app", NULL, "sha256:" HEX);
  }
  sc_error_clear(&err);
  sc_policy_free(p);
}

static void payload(const char *text, size_t len)
{
  sc_signature_payload p, again;
  sc_error err = SC_ERROR_INIT;
  if (sc_signature_payload_parse(text, len, &p, &err) < 0) {
    check_error(&err, NULL);
    sc_error_clear(&err);
    return;
  }
  char *formatted = sc_signature_payload_format(p.docker_reference, p.docker_manifest_digest,
                                                p.creator, p.timestamp);
  if (sc_signature_payload_parse(formatted, strlen(formatted), &again, &err) < 0 ||
      strcmp(p.docker_reference, again.docker_reference) != 0 ||
      strcmp(p.docker_manifest_digest, again.docker_manifest_digest) != 0)
    abort();
  free(formatted);
  sc_signature_payload_clear(&again);
  sc_signature_payload_clear(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size < 1)
    return 0;
  const char *text = (const char *)data + 1;
  size_t len = size - 1;
  switch (data[0] % 3) {
  case 0:
    registries_d(text, len);
    break;
  case 1:
    policy(text, len);
    break;
  default:
    payload(text, len);
  }
  return 0;
}
