/* signature.c: simple-signing payloads and their OpenPGP verification
 * with GPGME (signature.h). */
#include "signature.h"

#include <errno.h>
#include <fcntl.h>
#include <gpgme.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

/* ---- the payload ---- */

char *sc_signature_payload_format(const char *docker_reference, const char *manifest_digest,
                                  const char *creator, int64_t timestamp)
{
  return sc_signature_payload_format_as(SC_SIGNATURE_TYPE, docker_reference, manifest_digest,
                                        creator, timestamp);
}

char *sc_signature_payload_format_as(const char *type, const char *docker_reference,
                                     const char *manifest_digest, const char *creator,
                                     int64_t timestamp)
{
  json_t *optional = json_object();
  if (creator)
    json_object_set_new(optional, "creator", json_string(creator));
  if (timestamp)
    json_object_set_new(optional, "timestamp", json_integer(timestamp));
  json_t *doc = json_pack("{s:{s:{s:s},s:{s:s},s:s},s:o}", "critical", "identity",
                          "docker-reference", docker_reference, "image", "docker-manifest-digest",
                          manifest_digest, "type", type, "optional", optional);
  char *text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(doc);
  return text;
}

void sc_signature_payload_clear(sc_signature_payload *p)
{
  free(p->docker_manifest_digest);
  free(p->docker_reference);
  free(p->creator);
  memset(p, 0, sizeof *p);
}

/* obj has exactly the one member `key`, a string: it, else NULL. */
static const char *only_string(json_t *obj, const char *key)
{
  if (!json_is_object(obj) || json_object_size(obj) != 1)
    return NULL;
  return json_string_value(json_object_get(obj, key));
}

static int parse_critical(json_t *critical, const char *want, sc_signature_payload *out,
                          sc_error *err)
{
  if (!json_is_object(critical) || json_object_size(critical) != 3)
    return sc_error_set(err, SC_E_INVALID,
                        "signature payload: critical must hold exactly type, image and identity");
  const char *type = json_string_value(json_object_get(critical, "type"));
  if (type == NULL || strcmp(type, want) != 0)
    return sc_error_set(err, SC_E_INVALID, "signature payload: critical.type is not \"%s\"", want);
  const char *digest = only_string(json_object_get(critical, "image"), "docker-manifest-digest");
  const char *ref = only_string(json_object_get(critical, "identity"), "docker-reference");
  if (digest == NULL || ref == NULL)
    return sc_error_set(err, SC_E_INVALID,
                        "signature payload: critical.image must hold only docker-manifest-digest "
                        "and critical.identity only docker-reference, both strings");
  out->docker_manifest_digest = xstrdup(digest);
  out->docker_reference = xstrdup(ref);
  return 0;
}

/* A timestamp: an integer; for sigstore also a number with no fraction
 * (containers/image reads that one as a float64 and checks it). */
static bool timestamp_value(json_t *v, unsigned flags, int64_t *out)
{
  if (json_is_integer(v)) {
    *out = json_integer_value(v);
    return true;
  }
  double d = json_real_value(v);
  if (!(flags & SC_PAYLOAD_SIGSTORE) || !json_is_real(v) || d != (double)(int64_t)d ||
      d < -9.2e18 || d > 9.2e18)
    return false;
  *out = (int64_t)d;
  return true;
}

static int parse_optional(json_t *optional, unsigned flags, sc_signature_payload *out,
                          sc_error *err)
{
  if (json_is_null(optional) && (flags & SC_PAYLOAD_SIGSTORE))
    return 0; /* cosign writes "optional": null when it has nothing to say */
  if (!json_is_object(optional))
    return sc_error_set(err, SC_E_INVALID, "signature payload: optional is not an object");
  json_t *creator = json_object_get(optional, "creator");
  json_t *timestamp = json_object_get(optional, "timestamp");
  int64_t when = 0;
  if ((creator && !json_is_string(creator)) ||
      (timestamp && !timestamp_value(timestamp, flags, &when)))
    return sc_error_set(err, SC_E_INVALID,
                        "signature payload: optional.creator must be a string and "
                        "optional.timestamp an integer");
  out->creator = creator ? xstrdup(json_string_value(creator)) : NULL;
  out->timestamp = when;
  return 0;
}

int sc_signature_payload_parse(const char *data, size_t len, sc_signature_payload *out,
                               sc_error *err)
{
  return sc_signature_payload_parse_as(SC_SIGNATURE_TYPE, 0, data, len, out, err);
}

int sc_signature_payload_parse_as(const char *type, unsigned flags, const char *data, size_t len,
                                  sc_signature_payload *out, sc_error *err)
{
  memset(out, 0, sizeof *out);
  json_error_t jerr;
  json_t *doc = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
  int rc;
  if (!json_is_object(doc))
    rc = sc_error_set(err, SC_E_INVALID, "signature payload is not a JSON object: %s", jerr.text);
  else if (json_object_size(doc) != 2)
    rc = sc_error_set(err, SC_E_INVALID,
                      "signature payload must hold exactly critical and optional");
  else
    rc = parse_critical(json_object_get(doc, "critical"), type, out, err) < 0 ||
                 parse_optional(json_object_get(doc, "optional"), flags, out, err) < 0
             ? -1
             : 0;
  json_decref(doc);
  if (rc < 0)
    sc_signature_payload_clear(out);
  return rc;
}

/* ---- verification ---- */

struct sc_signature_verifier {
  gpgme_ctx_t ctx;
  char *home;  /* the temporary keyring directory */
  char **fprs; /* fingerprints of the imported keys */
};

static int gpg_fail(sc_error *err, gpgme_error_t e, const char *what)
{
  return sc_error_set(err, SC_E_INVALID, "%s: %s", what, gpgme_strerror(e));
}

static int make_context(sc_signature_verifier *v, const char *tmpdir, sc_error *err)
{
  gpgme_check_version(NULL); /* GPGME's own once-only initialisation */
  v->home = xasprintf("%s/sc-build-gpg-XXXXXX", sc_tmp_base(tmpdir));
  if (mkdtemp(v->home) == NULL) {
    int saved = errno;
    free(v->home);
    v->home = NULL;
    return sc_error_set_errno(err, saved, "cannot make a temporary keyring directory");
  }
  /* Importing public keys and verifying need no gpg-agent: without this
   * gpg would start one per keyring, left to notice the directory gone. */
  static const char conf[] = "no-autostart\n";
  _cleanup_close_ int dir = open(v->home, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0)
    return sc_error_set_errno(err, errno, "temporary keyring %s", v->home);
  if (sc_write_file_at(dir, "gpg.conf", conf, strlen(conf), 0600, err) < 0)
    return sc_error_prefix(err, "temporary keyring %s", v->home);
  gpgme_error_t e = gpgme_new(&v->ctx);
  if (e == 0)
    e = gpgme_set_protocol(v->ctx, GPGME_PROTOCOL_OpenPGP);
  if (e == 0)
    e = gpgme_ctx_set_engine_info(v->ctx, GPGME_PROTOCOL_OpenPGP, NULL, v->home);
  return e ? gpg_fail(err, e, "cannot start GPGME") : 0;
}

static int import_key(sc_signature_verifier *v, const sc_signature_key *key, size_t index,
                      sc_error *err)
{
  gpgme_data_t data;
  gpgme_error_t e = gpgme_data_new_from_mem(&data, key->data, key->len, 0);
  if (e == 0)
    e = gpgme_op_import(v->ctx, data);
  gpgme_data_release(data);
  gpgme_import_result_t result = e ? NULL : gpgme_op_import_result(v->ctx);
  size_t found = 0;
  for (gpgme_import_status_t s = result ? result->imports : NULL; s; s = s->next)
    if (s->result == 0 && s->fpr && !sc_strv_contains(v->fprs, s->fpr)) {
      sc_strv_push(&v->fprs, s->fpr);
      found++;
    }
  if (e)
    return gpg_fail(err, e, "cannot import the key");
  if (found == 0)
    return sc_error_set(err, SC_E_INVALID, "key %zu holds no OpenPGP public key", index + 1);
  return 0;
}

int sc_signature_verifier_new(const sc_signature_key *keys, size_t count, const char *tmpdir,
                              sc_signature_verifier **out, sc_error *err)
{
  sc_signature_verifier *v = xcalloc(1, sizeof *v);
  int rc = make_context(v, tmpdir, err);
  for (size_t i = 0; rc == 0 && i < count; i++)
    rc = import_key(v, &keys[i], i, err);
  if (rc < 0) {
    sc_signature_verifier_free(v);
    v = NULL;
  }
  *out = v;
  return rc;
}

void sc_signature_verifier_free(sc_signature_verifier *v)
{
  if (v == NULL)
    return;
  if (v->ctx)
    gpgme_release(v->ctx);
  if (v->home) {
    sc_error ignored = SC_ERROR_INIT;
    sc_rm_rf_at(AT_FDCWD, v->home, &ignored);
    sc_error_clear(&ignored);
    free(v->home);
  }
  sc_strv_free(v->fprs);
  free(v);
}

/* The primary key's fingerprint of the key that made fpr (a subkey's or
 * its own), as GPGME knows it in our keyring; NULL when unknown. */
static char *primary_fingerprint(sc_signature_verifier *v, const char *fpr)
{
  gpgme_key_t key = NULL;
  if (gpgme_get_key(v->ctx, fpr, &key, 0) != 0 || key == NULL)
    return NULL;
  char *primary = key->subkeys && key->subkeys->fpr ? xstrdup(key->subkeys->fpr) : NULL;
  gpgme_key_unref(key);
  return primary;
}

static bool trusted(const sc_signature_verifier *v, const char *fpr)
{
  for (char **f = v->fprs; f && *f; f++)
    if (strcasecmp(*f, fpr) == 0)
      return true;
  return false;
}

/* The one signature of the result: good, by one of our keys. */
static int check_result(sc_signature_verifier *v, char **signer, sc_error *err)
{
  gpgme_verify_result_t result = gpgme_op_verify_result(v->ctx);
  gpgme_signature_t sig = result ? result->signatures : NULL;
  if (sig == NULL || sig->next != NULL)
    return sc_error_set(err, SC_E_INVALID, "not exactly one OpenPGP signature");
  if (sig->fpr)
    *signer = primary_fingerprint(v, sig->fpr);
  if (*signer == NULL)
    *signer = xstrdup(sig->fpr ? sig->fpr : "(unknown)");
  if (gpgme_err_code(sig->status) == GPG_ERR_NO_PUBKEY)
    return sc_error_set(err, SC_E_INVALID, "signed by key %s, not one of the policy's", *signer);
  if (sig->status != 0)
    return gpg_fail(err, sig->status, "the OpenPGP signature does not verify");
  if (!trusted(v, *signer))
    return sc_error_set(err, SC_E_INVALID, "signed by key %s, not one of the policy's", *signer);
  return 0;
}

/* The signed payload, bounded: a compressed OpenPGP message could
 * otherwise expand without limit. */
typedef struct bounded_sink {
  sc_buf buf;
  bool overflow;
} bounded_sink;

static ssize_t sink_write(void *handle, const void *data, size_t size)
{
  bounded_sink *s = handle;
  if (s->buf.len + size > SC_JSON_DOCUMENT_MAX) {
    s->overflow = true;
    errno = EFBIG;
    return -1;
  }
  sc_buf_append(&s->buf, data, size);
  return (ssize_t)size;
}

int sc_signature_verify(sc_signature_verifier *v, const void *signature, size_t len,
                        sc_signature_payload *out, char **signer, sc_error *err)
{
  memset(out, 0, sizeof *out);
  *signer = NULL;
  bounded_sink sink = {0};
  struct gpgme_data_cbs cbs = {.write = sink_write};
  gpgme_data_t sig = NULL, plain = NULL;
  gpgme_error_t e = gpgme_data_new_from_mem(&sig, signature, len, 0);
  if (e == 0)
    e = gpgme_data_new_from_cbs(&plain, &cbs, &sink);
  if (e == 0)
    e = gpgme_op_verify(v->ctx, sig, NULL, plain);
  int rc;
  if (sink.overflow)
    rc = sc_error_set(err, EFBIG, "the signed payload is over %d bytes", SC_JSON_DOCUMENT_MAX);
  else if (e)
    rc = gpg_fail(err, e, "not an OpenPGP signed message");
  else
    rc = check_result(v, signer, err);
  if (rc == 0)
    rc = sc_signature_payload_parse(sink.buf.data ? sink.buf.data : "", sink.buf.len, out, err);
  sc_buf_free(&sink.buf);
  gpgme_data_release(plain);
  gpgme_data_release(sig);
  return rc;
}
