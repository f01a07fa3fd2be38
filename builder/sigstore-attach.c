/* sigstore-attach.c: sigstore attachments read and written over the
 * distribution API (sigstore-attach.h). */
#include "sigstore-attach.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "media-types.h"
#include "referrer.h"
#include "sha256.h"
#include "signature.h"
#include "sigstore.h"
#include "util.h"

/* ---- requests ---- */

static int unexpected(const sc_attach_target *t, const sc_http_response *resp, const char *access,
                      const char *what, sc_error *err)
{
  return sc_registry_unexpected(err, resp, t->have_creds, access, what);
}

/* The attachment manifest: 0 with *doc NULL when there is none (404). */
static int get_manifest(const sc_attach_target *t, const char *tag, json_t **doc, sc_error *err)
{
  *doc = NULL;
  _cleanup_free_ char *target = xasprintf("/v2/%s/manifests/%s", t->repository, tag);
  _cleanup_free_ char *what =
      xasprintf("sigstore attachment %s/%s:%s", t->host, t->repository, tag);
  sc_http_request req = {.method = "GET",
                         .target = target,
                         .scope = t->scope,
                         .accept = SC_MEDIA_TYPE_OCI_MANIFEST,
                         .retry = true};
  sc_http_response resp = {.content_length = -1};
  if (sc_registry_request(t->registry, &req, &resp, err) < 0)
    return sc_error_prefix(err, "%s", what);
  int rc = 0;
  json_error_t jerr;
  if (resp.status == 404) {
    rc = 0;
  } else if (resp.status != 200) {
    rc = unexpected(t, &resp, "pull", what, err);
  } else if (resp.content_type == NULL || strncmp(resp.content_type, SC_MEDIA_TYPE_OCI_MANIFEST,
                                                  strlen(SC_MEDIA_TYPE_OCI_MANIFEST)) != 0) {
    rc = sc_error_set(err, SC_E_INVALID, "%s: media type %.100s, not an OCI manifest", what,
                      resp.content_type ? resp.content_type : "(none)");
  } else if ((*doc = json_loadb(resp.body.data ? resp.body.data : "", resp.body.len, 0, &jerr)) ==
                 NULL ||
             !json_is_array(json_object_get(*doc, "layers"))) {
    json_decref(*doc);
    *doc = NULL;
    rc = sc_error_set(err, SC_E_INVALID, "%s: not an OCI manifest with layers", what);
  }
  sc_http_response_clear(&resp);
  return rc;
}

typedef struct bounded {
  sc_buf buf;
  size_t max;
  bool over;
} bounded;

static int bounded_sink(const void *data, size_t len, void *user)
{
  bounded *b = user;
  if (b->buf.len + len > b->max) {
    b->over = true;
    return -1;
  }
  sc_buf_append(&b->buf, data, len);
  return 0;
}

int sc_attach_get_blob(const sc_attach_target *t, const char *digest, size_t max, char **data,
                       size_t *len, sc_error *err)
{
  if (!sc_digest_is_valid(digest))
    return sc_error_set(err, SC_E_INVALID, "blob digest %.80s is not sha256:HEX", digest);
  _cleanup_free_ char *target = xasprintf("/v2/%s/blobs/%s", t->repository, digest);
  _cleanup_free_ char *what = xasprintf("blob %s", digest);
  bounded b = {.max = max};
  sc_http_request req = {.method = "GET",
                         .target = target,
                         .scope = t->scope,
                         .retry = true,
                         .sink = bounded_sink,
                         .sink_user = &b};
  sc_http_response resp = {.content_length = -1};
  int rc = sc_registry_request(t->registry, &req, &resp, err);
  if (rc < 0 && b.over)
    rc = sc_error_set(err, SC_E_INVALID, "%s: over the %zu bytes its descriptor gives", what, max);
  else if (rc == 0 && resp.status != 200)
    rc = unexpected(t, &resp, "pull", what, err);
  char got[SC_DIGEST_LEN + 1];
  if (rc == 0) {
    sc_sha256_digest(b.buf.data ? b.buf.data : "", b.buf.len, got);
    if (strcmp(got, digest) != 0)
      rc = sc_error_set(err, SC_E_INVALID, "%s: the registry sent bytes hashing to %s", what, got);
  }
  sc_http_response_clear(&resp);
  if (rc == 0) {
    *len = b.buf.len;
    *data = b.buf.data ? sc_buf_steal(&b.buf) : xstrdup("");
  }
  sc_buf_free(&b.buf);
  return rc;
}

/* ---- reading ---- */

static int read_layer(const sc_attach_target *t, const char *tag, size_t index, json_t *layer,
                      sc_lookaside_signatures *out, sc_error *err)
{
  const char *digest = json_string_value(json_object_get(layer, "digest"));
  json_t *size = json_object_get(layer, "size");
  if (!json_is_integer(size) || json_integer_value(size) < 0 ||
      json_integer_value(size) > SC_SIGNATURE_MAX)
    return sc_error_set(err, SC_E_INVALID, "layer %zu: size missing or over %d bytes", index + 1,
                        SC_SIGNATURE_MAX);
  char *data = NULL;
  size_t len = 0;
  if (sc_attach_get_blob(t, digest, (size_t)json_integer_value(size), &data, &len, err) < 0)
    return sc_error_prefix(err, "layer %zu", index + 1);
  const char *media_type = json_string_value(json_object_get(layer, "mediaType"));
  const char *signature = json_string_value(
      json_object_get(json_object_get(layer, "annotations"), SC_SIGSTORE_ANNOTATION));
  out->items = xrealloc(out->items, (out->count + 1) * sizeof *out->items);
  out->items[out->count++] = (sc_policy_signature){
      .data = data,
      .len = len,
      .source = xasprintf("%s/%s:%s layer %zu", t->host, t->repository, tag, index + 1),
      .sigstore = true,
      .media_type = media_type ? xstrdup(media_type) : NULL,
      .sigstore_signature = signature ? xstrdup(signature) : NULL};
  return 0;
}

int sc_sigstore_attachments_read(const sc_attach_target *t, const char *manifest_digest,
                                 sc_lookaside_signatures *out, sc_error *err)
{
  _cleanup_free_ char *tag = sc_sigstore_attachment_tag(manifest_digest);
  if (tag == NULL)
    return sc_error_set(err, SC_E_INVALID, "manifest digest %.80s is not sha256:HEX",
                        manifest_digest);
  json_t *doc = NULL;
  if (get_manifest(t, tag, &doc, err) < 0)
    return -1;
  json_t *layers = json_object_get(doc, "layers");
  int rc = 0;
  if (json_array_size(layers) > SC_LOOKASIDE_MAX_SIGNATURES)
    rc = sc_error_set(err, SC_E_INVALID, "sigstore attachment %s/%s:%s: over %d layers", t->host,
                      t->repository, tag, SC_LOOKASIDE_MAX_SIGNATURES);
  for (size_t i = 0; rc == 0 && i < json_array_size(layers); i++)
    if (read_layer(t, tag, i, json_array_get(layers, i), out, err) < 0)
      rc = sc_error_prefix(err, "sigstore attachment %s/%s:%s", t->host, t->repository, tag);
  json_decref(doc);
  return rc;
}

/* ---- writing ---- */

/* POST then one PUT (spec.md "Pushing a blob monolithically"). */
static int put_blob(const sc_attach_target *t, const char *data, size_t len, char digest[],
                    sc_error *err)
{
  sc_sha256_digest(data, len, digest);
  _cleanup_free_ char *target = xasprintf("/v2/%s/blobs/uploads/", t->repository);
  _cleanup_free_ char *what = xasprintf("uploading blob %s", digest);
  sc_http_request post = {.method = "POST", .target = target, .scope = t->scope, .retry = true};
  sc_http_response resp = {.content_length = -1};
  if (sc_registry_request(t->registry, &post, &resp, err) < 0)
    return sc_error_prefix(err, "%s", what);
  _cleanup_free_ char *url =
      resp.status == 202 ? sc_registry_resolve_location(t->registry, resp.location) : NULL;
  int rc = url ? 0 : unexpected(t, &resp, "push", what, err);
  sc_http_response_clear(&resp);
  if (rc < 0)
    return -1;
  _cleanup_free_ char *put_target =
      xasprintf("%s%cdigest=%s", url, strchr(url, '?') ? '&' : '?', digest);
  sc_http_body body = {.data = data, .data_len = len, .fd = -1};
  sc_http_request put = {.method = "PUT",
                         .target = put_target,
                         .scope = t->scope,
                         .content_type = "application/octet-stream",
                         .body = &body};
  if (sc_registry_request(t->registry, &put, &resp, err) < 0)
    return sc_error_prefix(err, "%s", what);
  rc = resp.status == 201 ? 0 : unexpected(t, &resp, "push", what, err);
  sc_http_response_clear(&resp);
  return rc;
}

static int put_json_blob(const sc_attach_target *t, json_t *doc, char digest[], size_t *len,
                         sc_error *err)
{
  _cleanup_free_ char *text = json_dumps(doc, JSON_COMPACT);
  *len = strlen(text);
  return put_blob(t, text, *len, digest, err);
}

/* The attachment's config: the existing one, or a new empty image config. */
static int load_config(const sc_attach_target *t, json_t *manifest, json_t **config, sc_error *err)
{
  if (manifest == NULL) {
    *config = json_pack("{s:s,s:s,s:{},s:{s:s,s:[]}}", "architecture", "", "os", "", "config",
                        "rootfs", "type", "layers", "diff_ids");
    return 0;
  }
  const char *digest =
      json_string_value(json_object_get(json_object_get(manifest, "config"), "digest"));
  char *data = NULL;
  size_t len = 0;
  if (sc_attach_get_blob(t, digest, SC_JSON_DOCUMENT_MAX, &data, &len, err) < 0)
    return sc_error_prefix(err, "its config");
  *config = json_loadb(data, len, 0, NULL);
  free(data);
  if (!json_is_object(*config)) {
    json_decref(*config);
    *config = NULL;
    return sc_error_set(err, SC_E_INVALID, "its config %.80s is not a JSON object", digest);
  }
  return 0;
}

/* The layer as containers/image compares them: same media type, size,
 * digest and annotations: the signature is there already. */
static bool has_layer(json_t *manifest, json_t *layer)
{
  size_t i;
  json_t *l;
  json_array_foreach(json_object_get(manifest, "layers"), i,
                     l) if (json_equal(l, layer)) return true;
  return false;
}

static void add_diff_id(json_t *config, const char *digest)
{
  json_t *rootfs = json_object_get(config, "rootfs");
  if (!json_is_object(rootfs)) {
    rootfs = json_pack("{s:s}", "type", "layers");
    json_object_set_new(config, "rootfs", rootfs);
  }
  json_t *ids = json_object_get(rootfs, "diff_ids");
  if (!json_is_array(ids)) {
    ids = json_array();
    json_object_set_new(rootfs, "diff_ids", ids);
  }
  json_array_append_new(ids, json_string(digest));
}

static int put_manifest(const sc_attach_target *t, const char *tag, const char *text, sc_error *err)
{
  _cleanup_free_ char *target = xasprintf("/v2/%s/manifests/%s", t->repository, tag);
  sc_http_body body = {.data = text, .data_len = strlen(text), .fd = -1};
  sc_http_request req = {.method = "PUT",
                         .target = target,
                         .scope = t->scope,
                         .content_type = SC_MEDIA_TYPE_OCI_MANIFEST,
                         .body = &body,
                         .retry = true};
  sc_http_response resp = {.content_length = -1};
  if (sc_registry_request(t->registry, &req, &resp, err) < 0)
    return -1;
  int rc = resp.status == 201 ? 0 : unexpected(t, &resp, "push", "pushing its manifest", err);
  sc_http_response_clear(&resp);
  return rc;
}

static int attach(const sc_attach_target *t, const char *tag, json_t *manifest, const char *payload,
                  size_t len, const char *base64_signature, sc_error *err)
{
  char payload_digest[SC_DIGEST_LEN + 1], config_digest[SC_DIGEST_LEN + 1];
  sc_sha256_digest(payload, len, payload_digest);
  json_t *layer = json_pack("{s:s,s:s,s:I,s:{s:s}}", "mediaType", SC_SIGSTORE_MEDIA_TYPE, "digest",
                            payload_digest, "size", (json_int_t)len, "annotations",
                            SC_SIGSTORE_ANNOTATION, base64_signature);
  bool there = manifest && has_layer(manifest, layer);
  json_t *config = NULL;
  int rc = there ? 0 : load_config(t, manifest, &config, err);
  if (rc == 0 && !there)
    rc = put_blob(t, payload, len, payload_digest, err);
  size_t config_len = 0;
  if (rc == 0 && !there) {
    add_diff_id(config, payload_digest);
    rc = put_json_blob(t, config, config_digest, &config_len, err);
  }
  if (rc == 0 && !there) {
    json_t *doc = manifest ? json_incref(manifest)
                           : json_pack("{s:i,s:s,s:[]}", "schemaVersion", 2, "mediaType",
                                       SC_MEDIA_TYPE_OCI_MANIFEST, "layers");
    json_object_set_new(doc, "config",
                        json_pack("{s:s,s:s,s:I}", "mediaType", SC_MEDIA_TYPE_OCI_CONFIG, "digest",
                                  config_digest, "size", (json_int_t)config_len));
    json_array_append(json_object_get(doc, "layers"), layer);
    char *text = json_dumps(doc, JSON_COMPACT);
    rc = put_manifest(t, tag, text, err);
    free(text);
    json_decref(doc);
  }
  json_decref(config);
  json_decref(layer);
  return rc;
}

int sc_sigstore_attach(const sc_attach_target *t, const char *manifest_digest, const char *payload,
                       size_t len, const char *base64_signature, char **written, sc_error *err)
{
  *written = NULL;
  _cleanup_free_ char *tag = sc_sigstore_attachment_tag(manifest_digest);
  if (tag == NULL)
    return sc_error_set(err, SC_E_INVALID, "manifest digest %.80s is not sha256:HEX",
                        manifest_digest);
  json_t *manifest = NULL;
  int rc = get_manifest(t, tag, &manifest, err);
  if (rc == 0)
    rc = attach(t, tag, manifest, payload, len, base64_signature, err);
  json_decref(manifest);
  if (rc < 0)
    return sc_error_prefix(err, "sigstore attachment %s/%s:%s", t->host, t->repository, tag);
  *written = xasprintf("%s/%s:%s", t->host, t->repository, tag);
  return 0;
}

/* ---- as an OCI 1.1 referrer ---- */

int sc_attach_referrer(const sc_attach_target *t, const sc_referrer_artifact *a,
                       const json_t *layer_annotations, json_t **descriptor, sc_error *err)
{
  char data_digest[SC_DIGEST_LEN + 1], empty[SC_DIGEST_LEN + 1], digest[SC_DIGEST_LEN + 1];
  sc_sha256_digest(a->data, a->len, data_digest);
  _cleanup_(json_decrefp) json_t *manifest = sc_referrer_manifest(a, data_digest);
  if (layer_annotations)
    json_object_set(json_array_get(json_object_get(manifest, "layers"), 0), "annotations",
                    (json_t *)layer_annotations);
  _cleanup_free_ char *text = json_dumps(manifest, JSON_COMPACT);
  sc_sha256_digest(text, strlen(text), digest);
  if (put_blob(t, "{}", 2, empty, err) < 0 || put_blob(t, a->data, a->len, data_digest, err) < 0 ||
      put_manifest(t, digest, text, err) < 0)
    return sc_error_prefix(err, "the %s artifact %s that refers to %s", a->artifact_type, digest,
                           json_string_value(json_object_get(a->subject, "digest")));
  *descriptor =
      json_pack("{s:s,s:s,s:I,s:s}", "mediaType", SC_MEDIA_TYPE_OCI_MANIFEST, "digest", digest,
                "size", (json_int_t)strlen(text), "artifactType", a->artifact_type);
  return 0;
}

int sc_sigstore_attach_referrer(const sc_attach_target *t, const json_t *subject,
                                const char *payload, size_t len, const char *base64_signature,
                                json_t **descriptor, sc_error *err)
{
  sc_referrer_artifact a = {.subject = subject,
                            .artifact_type = SC_MEDIA_TYPE_COSIGN_SIG_ARTIFACT,
                            .layer_type = SC_SIGSTORE_MEDIA_TYPE,
                            .data = payload,
                            .len = len};
  _cleanup_(json_decrefp) json_t *annotations =
      json_pack("{s:s}", SC_SIGSTORE_ANNOTATION, base64_signature);
  return sc_attach_referrer(t, &a, annotations, descriptor, err);
}
