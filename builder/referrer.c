/* referrer.c: artifacts referring to an image in an OCI layout (referrer.h). */
#include "referrer.h"

#include <string.h>

#include "oci.h"
#include "registries-conf.h"
#include "registry.h"
#include "sha256.h"
#include "signature.h"
#include "sigstore-attach.h"
#include "util.h"

json_t *sc_referrer_manifest(const sc_referrer_artifact *a, const char *data_digest)
{
  json_t *layer =
      json_pack("{s:s,s:s,s:I}", "mediaType", a->layer_type ? a->layer_type : a->artifact_type,
                "digest", data_digest, "size", (json_int_t)a->len);
  if (a->title)
    json_object_set_new(layer, "annotations", json_pack("{s:s}", SC_ANNOTATION_TITLE, a->title));
  const json_t *s = a->subject;
  json_t *manifest =
      json_pack("{s:i,s:s,s:s,s:{s:s,s:s,s:i},s:[o],s:{s:O,s:O,s:O}}", "schemaVersion", 2,
                "mediaType", SC_MEDIA_TYPE_OCI_MANIFEST, "artifactType", a->artifact_type, "config",
                "mediaType", SC_MEDIA_TYPE_OCI_EMPTY, "digest", SC_EMPTY_DIGEST, "size", 2,
                "layers", layer, "subject", "mediaType", json_object_get(s, "mediaType"), "digest",
                json_object_get(s, "digest"), "size", json_object_get(s, "size"));
  if (a->created)
    json_object_set_new(manifest, "annotations",
                        json_pack("{s:s}", SC_ANNOTATION_CREATED, a->created));
  return manifest;
}

/* A manifest blob of the layout, checked against its digest (a layout may
 * come from anywhere). */
static int read_manifest(int blobs_fd, const char *digest, json_t **out, sc_error *err)
{
  if (!sc_digest_is_valid(digest))
    return sc_error_set(err, SC_E_INVALID, "index.json: malformed digest '%s'", digest);
  _cleanup_free_ char *text = NULL;
  size_t len = 0;
  if (sc_read_file_at_max(blobs_fd, sc_digest_hex(digest), SC_JSON_DOCUMENT_MAX, &text, &len, err) <
      0)
    return sc_error_prefix(err, "manifest %s", digest);
  char actual[SC_DIGEST_LEN + 1];
  sc_sha256 *h = sc_sha256_new();
  sc_sha256_update(h, text, len);
  sc_sha256_finish(h, actual);
  if (strcmp(actual, digest) != 0)
    return sc_error_set(err, SC_E_INVALID, "manifest %s: the blob's digest is %s", digest, actual);
  *out = json_loadb(text, len, 0, NULL);
  if (!json_is_object(*out)) {
    json_decref(*out);
    *out = NULL;
    return sc_error_set(err, SC_E_INVALID, "manifest %s is not a JSON object", digest);
  }
  return 0;
}

static const char *subject_of(const json_t *manifest)
{
  return json_string_value(json_object_get(json_object_get(manifest, "subject"), "digest"));
}

/* A referrers index entry (distribution-spec spec.md, "Listing Referrers"):
 * the manifest's descriptor, its artifactType (the config's media type
 * when it has none) and its annotations. */
static json_t *referrer_descriptor(const json_t *entry, const json_t *manifest)
{
  json_t *type = json_object_get(manifest, "artifactType");
  if (!json_is_string(type))
    type = json_object_get(json_object_get(manifest, "config"), "mediaType");
  json_t *d = json_pack("{s:O,s:O,s:O,s:O*}", "mediaType", json_object_get(entry, "mediaType"),
                        "digest", json_object_get(entry, "digest"), "size",
                        json_object_get(entry, "size"), "artifactType", type);
  json_t *annotations = json_object_get(manifest, "annotations");
  if (json_object_size(annotations))
    json_object_set(d, "annotations", annotations);
  return d;
}

int sc_referrer_list(int layout_fd, const char *subject_digest, json_t **out, sc_error *err)
{
  _cleanup_(json_decrefp) json_t *index = NULL;
  _cleanup_close_ int blobs_fd = -1;
  if (sc_oci_index_read(layout_fd, &index, err) < 0 ||
      (blobs_fd = sc_oci_open_blobs(layout_fd, err)) < 0)
    return -1;
  _cleanup_(json_decrefp) json_t *found = json_array();
  size_t i;
  json_t *m;
  json_array_foreach(json_object_get(index, "manifests"), i, m)
  {
    const char *type = json_string_value(json_object_get(m, "mediaType"));
    const char *digest = json_string_value(json_object_get(m, "digest"));
    /* Only a manifest has a subject; an index (a multi-platform image) is
     * not read. */
    if (type == NULL || digest == NULL || strcmp(type, SC_MEDIA_TYPE_OCI_MANIFEST) != 0)
      continue;
    _cleanup_(json_decrefp) json_t *manifest = NULL;
    if (read_manifest(blobs_fd, digest, &manifest, err) < 0)
      return sc_error_prefix(err, "index.json entry %zu", i + 1);
    const char *subject = subject_of(manifest);
    if (subject && strcmp(subject, subject_digest) == 0)
      json_array_append_new(found, referrer_descriptor(m, manifest));
  }
  *out = steal_pointer(&found);
  return 0;
}

/* An earlier artifact that the new one replaces: the same type for the
 * same subject, or one whose subject the layout no longer has (a rebuild
 * replaced the image). */
static bool replaced_by(int blobs_fd, const json_t *entry, const sc_referrer_artifact *a)
{
  const char *type = json_string_value(json_object_get(entry, "artifactType"));
  const char *digest = json_string_value(json_object_get(entry, "digest"));
  _cleanup_(json_decrefp) json_t *manifest = NULL;
  if (type == NULL || digest == NULL || strcmp(type, a->artifact_type) != 0 ||
      read_manifest(blobs_fd, digest, &manifest, NULL) < 0)
    return false;
  const char *subject = subject_of(manifest);
  if (subject == NULL)
    return false;
  const char *ours = json_string_value(json_object_get(a->subject, "digest"));
  return strcmp(subject, ours) == 0 || !sc_oci_has_blob(blobs_fd, subject, -1);
}

/* index.json with the new entry in place of those it replaces; the
 * replaced entries (whose blobs may now be garbage) in *gone. */
static int update_index(int layout_fd, int blobs_fd, const sc_referrer_artifact *a,
                        const json_t *entry, json_t *gone, sc_error *err)
{
  _cleanup_(json_decrefp) json_t *index = NULL;
  if (sc_oci_index_read(layout_fd, &index, err) < 0)
    return -1;
  json_t *manifests = json_object_get(index, "manifests");
  const char *digest = json_string_value(json_object_get(entry, "digest"));
  bool present = false;
  for (size_t i = json_array_size(manifests); i-- > 0;) {
    json_t *m = json_array_get(manifests, i);
    const char *d = json_string_value(json_object_get(m, "digest"));
    if (d && strcmp(d, digest) == 0)
      present = true;
    else if (replaced_by(blobs_fd, m, a)) {
      json_array_append(gone, m);
      json_array_remove(manifests, i);
    }
  }
  if (!present)
    json_array_append(manifests, (json_t *)entry);
  if (sc_oci_index_write(layout_fd, index, err) < 0)
    return -1;
  return sc_oci_remove_all_unreferenced(layout_fd, index, gone, err);
}

int sc_referrer_add(int layout_fd, const sc_referrer_artifact *a, json_t **descriptor,
                    sc_error *err)
{
  _cleanup_close_ int blobs_fd = sc_oci_open_blobs(layout_fd, err);
  if (blobs_fd < 0)
    return -1;
  char data_digest[SC_DIGEST_LEN + 1], empty[SC_DIGEST_LEN + 1];
  if (sc_oci_write_blob(blobs_fd, a->data, a->len, data_digest, err) < 0 ||
      sc_oci_write_blob(blobs_fd, "{}", 2, empty, err) < 0)
    return sc_error_prefix(err, "writing the %s artifact", a->artifact_type);
  _cleanup_(json_decrefp) json_t *manifest = sc_referrer_manifest(a, data_digest);
  _cleanup_(json_decrefp) json_t *entry =
      sc_oci_write_json_blob(blobs_fd, manifest, SC_MEDIA_TYPE_OCI_MANIFEST, err);
  if (entry == NULL)
    return sc_error_prefix(err, "writing the %s artifact's manifest", a->artifact_type);
  json_object_set_new(entry, "artifactType", json_string(a->artifact_type));
  if (a->created)
    json_object_set_new(entry, "annotations",
                        json_pack("{s:s}", SC_ANNOTATION_CREATED, a->created));
  _cleanup_(json_decrefp) json_t *gone = json_array();
  if (update_index(layout_fd, blobs_fd, a, entry, gone, err) < 0)
    return -1;
  if (descriptor)
    *descriptor = json_incref(entry);
  return 0;
}

/* One artifact's blobs (its config and layers, checked against their
 * digests by sc_oci_copy_blob), then its manifest. */
static int copy_artifact(int from_blobs, int to_blobs, const json_t *descriptor, sc_error *err)
{
  const char *digest = json_string_value(json_object_get(descriptor, "digest"));
  _cleanup_(json_decrefp) json_t *manifest = NULL;
  if (read_manifest(from_blobs, digest, &manifest, err) < 0)
    return -1;
  _cleanup_(json_decrefp) json_t *blobs = json_array();
  json_array_append(blobs, json_object_get(manifest, "config"));
  json_array_extend(blobs, json_object_get(manifest, "layers"));
  json_array_append(blobs, (json_t *)descriptor);
  size_t i;
  json_t *b;
  json_array_foreach(blobs, i, b)
  {
    const char *d = json_string_value(json_object_get(b, "digest"));
    if (d == NULL || !sc_digest_is_valid(d))
      return sc_error_set(err, SC_E_INVALID, "artifact %s names a blob without a valid digest",
                          digest);
    if (sc_oci_copy_blob(from_blobs, to_blobs, d, json_integer_value(json_object_get(b, "size")),
                         err) < 0)
      return sc_error_prefix(err, "artifact %s", digest);
  }
  return 0;
}

int sc_referrer_copy(int from_fd, int to_fd, const char *subject_digest, json_t *copied,
                     sc_error *err)
{
  _cleanup_(json_decrefp) json_t *referrers = NULL;
  _cleanup_close_ int from_blobs = -1, to_blobs = -1;
  if (sc_referrer_list(from_fd, subject_digest, &referrers, err) < 0 ||
      (from_blobs = sc_oci_open_blobs(from_fd, err)) < 0 ||
      (to_blobs = sc_oci_open_blobs(to_fd, err)) < 0)
    return sc_error_prefix(err, "the referrers of %s", subject_digest);
  _cleanup_(json_decrefp) json_t *subject = json_pack("{s:s}", "digest", subject_digest);
  size_t i;
  json_t *r;
  json_array_foreach(referrers, i, r)
  {
    sc_referrer_artifact a = {
        .subject = subject, .artifact_type = json_string_value(json_object_get(r, "artifactType"))};
    _cleanup_(json_decrefp) json_t *gone = json_array();
    if (a.artifact_type == NULL)
      return sc_error_set(err, SC_E_INVALID, "the referrer %s of %s has no artifact type",
                          json_string_value(json_object_get(r, "digest")), subject_digest);
    if (copy_artifact(from_blobs, to_blobs, r, err) < 0 ||
        update_index(to_fd, to_blobs, &a, r, gone, err) < 0)
      return sc_error_prefix(err, "copying the referrers of %s", subject_digest);
    if (copied)
      json_array_append_new(copied, json_pack("{s:s,s:O,s:O,s:s,s:s}", "subject", subject_digest,
                                              "digest", json_object_get(r, "digest"), "size",
                                              json_object_get(r, "size"), "artifactType",
                                              a.artifact_type, "listed_by", "index.json"));
  }
  return 0;
}

/* The manifest of index entry m when it is a referrer (a manifest with a
 * subject), else NULL (also when it cannot be read). */
static json_t *referrer_of(int blobs_fd, const json_t *m)
{
  const char *type = json_string_value(json_object_get(m, "mediaType"));
  const char *digest = json_string_value(json_object_get(m, "digest"));
  json_t *manifest = NULL;
  if (type == NULL || digest == NULL || strcmp(type, SC_MEDIA_TYPE_OCI_MANIFEST) != 0 ||
      read_manifest(blobs_fd, digest, &manifest, NULL) < 0)
    return NULL;
  if (subject_of(manifest) == NULL)
    json_decref(steal_pointer(&manifest));
  return manifest;
}

int sc_referrer_forget(int layout_fd, const char *subject_digest, sc_error *err)
{
  _cleanup_(json_decrefp) json_t *index = NULL;
  _cleanup_(json_decrefp) json_t *gone = json_array();
  _cleanup_close_ int blobs_fd = -1;
  if (sc_oci_index_read(layout_fd, &index, err) < 0 ||
      (blobs_fd = sc_oci_open_blobs(layout_fd, err)) < 0)
    return -1;
  json_t *manifests = json_object_get(index, "manifests");
  for (size_t i = json_array_size(manifests); i-- > 0;) {
    json_t *m = json_array_get(manifests, i);
    /* Only artifact entries are read: an image's manifest names no subject. */
    _cleanup_(json_decrefp) json_t *manifest =
        json_object_get(m, "artifactType") ? referrer_of(blobs_fd, m) : NULL;
    const char *subject = manifest ? subject_of(manifest) : NULL;
    if (subject && strcmp(subject, subject_digest) == 0) {
      json_array_append(gone, m);
      json_array_remove(manifests, i);
    }
  }
  if (json_array_size(gone) == 0)
    return 0;
  if (sc_oci_index_write(layout_fd, index, err) < 0)
    return -1;
  return sc_oci_remove_all_unreferenced(layout_fd, index, gone, err);
}

/* What the entries that are not referrers reach, then the referrers of
 * what is reached (a signature of an SBOM), until nothing is added.
 * referrers[i] is entry i's manifest when it is a referrer, else NULL. */
static int reach_from_images(int blobs_fd, const json_t *manifests, json_t *const *referrers,
                             json_t **kept)
{
  _cleanup_(json_decrefp) json_t *roots = json_pack("{s:[]}", "manifests");
  size_t n = json_array_size(manifests);
  for (size_t i = 0; i < n; i++)
    if (referrers[i] == NULL)
      json_array_append(json_object_get(roots, "manifests"), json_array_get(manifests, i));
  if (sc_oci_reachable_blobs(blobs_fd, roots, kept, NULL) < 0)
    return -1;
  for (bool added = true; added;) {
    added = false;
    for (size_t i = 0; i < n; i++) {
      const char *digest =
          json_string_value(json_object_get(json_array_get(manifests, i), "digest"));
      if (referrers[i] && !json_object_get(*kept, digest) &&
          json_object_get(*kept, subject_of(referrers[i]))) {
        json_object_set_new(*kept, digest, json_true());
        added = true;
      }
    }
  }
  return 0;
}

static bool is_sbom(const json_t *manifest)
{
  const char *type = json_string_value(json_object_get(manifest, "artifactType"));
  return type && strcmp(type, SC_MEDIA_TYPE_SPDX_JSON) == 0;
}

void sc_referrer_prune(int blobs_fd, json_t *index, const json_t *rewritten, json_t *gone)
{
  json_t *manifests = json_object_get(index, "manifests");
  size_t n = json_array_size(manifests);
  json_t **referrers = xcalloc(n ? n : 1, sizeof *referrers);
  _cleanup_(json_decrefp) json_t *kept = NULL, *replaced = NULL;
  _cleanup_(json_decrefp) json_t *under = json_pack("{s:[O*]}", "manifests", rewritten);
  for (size_t i = 0; i < n; i++)
    referrers[i] = referrer_of(blobs_fd, json_array_get(manifests, i));
  bool known = reach_from_images(blobs_fd, manifests, referrers, &kept) == 0 &&
               sc_oci_reachable_blobs(blobs_fd, under, &replaced, NULL) == 0;
  for (size_t i = n; known && i-- > 0;) {
    json_t *m = json_array_get(manifests, i);
    const char *subject = referrers[i] ? subject_of(referrers[i]) : NULL;
    if (subject && (!json_object_get(kept, json_string_value(json_object_get(m, "digest"))) ||
                    (is_sbom(referrers[i]) && json_object_get(replaced, subject)))) {
      json_array_append(gone, m);
      json_array_remove(manifests, i);
    }
  }
  for (size_t i = 0; i < n; i++)
    json_decref(referrers[i]);
  free(referrers);
}

/* The fields a referrers index entry has, of one the registry served. */
static json_t *served_descriptor(const json_t *m)
{
  static const char *const keys[] = {"mediaType", "digest", "size", "artifactType", "annotations"};
  json_t *d = json_object();
  for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
    if (json_object_get(m, keys[i]))
      json_object_set(d, keys[i], json_object_get(m, keys[i]));
  return d;
}

/* GET (or HEAD) /v2/REPO/manifests/REF: its status, the body of a 200.
 * With digest (not NULL), a 200's bytes must hash to it before they are
 * parsed: a registry answering for a digest is not trusted to mean it. */
static int get_manifest(const sc_attach_target *t, const char *ref, const char *digest,
                        const char *method, long *status, json_t **body, sc_error *err)
{
  _cleanup_free_ char *target = xasprintf("/v2/%s/manifests/%s", t->repository, ref);
  sc_http_request req = {.method = method,
                         .target = target,
                         .scope = t->scope,
                         .accept = SC_MEDIA_TYPE_OCI_INDEX "," SC_MEDIA_TYPE_OCI_MANIFEST,
                         .retry = true};
  sc_http_response resp = {.content_length = -1};
  if (sc_registry_request(t->registry, &req, &resp, err) < 0)
    return -1;
  *status = resp.status;
  int rc = 0;
  char got[SC_DIGEST_LEN + 1];
  const char *bytes = resp.body.data ? resp.body.data : "";
  if (resp.status == 200 && digest)
    sc_sha256_digest(bytes, resp.body.len, got);
  if (resp.status == 200 && digest && strcmp(got, digest) != 0)
    rc = sc_error_set(err, SC_E_INVALID, "the registry sent bytes hashing to %s", got);
  else if (resp.status == 200 && body)
    *body = json_loadb(bytes, resp.body.len, JSON_REJECT_DUPLICATES, NULL);
  else if (resp.status != 200 && resp.status != 404)
    rc = sc_registry_unexpected(err, &resp, t->have_creds, "pull", target);
  sc_http_response_clear(&resp);
  return rc;
}

int sc_referrer_api_get(const sc_attach_target *t, const char *digest, json_t **index,
                        sc_error *err)
{
  _cleanup_free_ char *target = xasprintf("/v2/%s/referrers/%s", t->repository, digest);
  sc_http_request req = {.method = "GET",
                         .target = target,
                         .scope = t->scope,
                         .accept = SC_MEDIA_TYPE_OCI_INDEX,
                         .retry = true};
  sc_http_response resp = {.content_length = -1};
  if (sc_registry_request(t->registry, &req, &resp, err) < 0)
    return sc_error_prefix(err, "asking %s for the referrers of %s", t->host, digest);
  int rc = 0;
  json_t *doc = NULL;
  if (resp.status == 200) {
    doc = json_loadb(resp.body.data ? resp.body.data : "", resp.body.len, 0, NULL);
    rc = json_is_array(json_object_get(doc, "manifests")) ? 1 : 0;
  } else if (resp.status != 404) {
    rc = sc_registry_unexpected(err, &resp, t->have_creds, "pull", target);
  }
  sc_http_response_clear(&resp);
  if (rc == 1 && index)
    *index = steal_pointer(&doc);
  json_decref(doc);
  return rc;
}

char *sc_referrer_tag(const char *subject_digest)
{
  return xasprintf("sha256-%s", sc_digest_hex(subject_digest));
}

int sc_referrer_tag_index_get(const sc_attach_target *t, const char *subject_digest, json_t **index,
                              sc_error *err)
{
  *index = NULL;
  _cleanup_free_ char *tag = sc_referrer_tag(subject_digest);
  long status = 0;
  if (get_manifest(t, tag, NULL, "GET", &status, index, err) < 0)
    return -1;
  if (status == 200 && !json_is_array(json_object_get(*index, "manifests"))) {
    json_decref(*index);
    *index = NULL;
    return sc_error_set(err, SC_E_INVALID,
                        "%s/%s:%s is not a referrers index (an OCI image index); remove that tag",
                        t->host, t->repository, tag);
  }
  return 0;
}

/* One place: 1 with *out when it has the tag or the subject, else 0. */
static int fetch_at(const char *place, const char *host, const sc_registry_options *options,
                    bool insecure, const char *subject_digest, json_t **out, sc_error *err)
{
  sc_registry_ref ref;
  if (sc_registry_ref_parse(place, &ref, err) < 0)
    return -1;
  sc_registry_options o = *options;
  sc_registry_creds own = {0};
  o.tls_verify = options->tls_verify && !insecure;
  _cleanup_free_ char *scope = xasprintf("repository:%s:pull", ref.repository);
  _cleanup_(json_decrefp) json_t *index = NULL;
  sc_registry *registry = NULL;
  long status = 0;
  /* The credentials are the image's host's; another (a mirror) has its own. */
  bool other = strcmp(ref.host, host) != 0;
  int rc =
      other && o.creds_for ? o.creds_for(ref.host, ref.repository, &own, o.creds_user, err) : 0;
  if (other)
    o.creds = rc == 1 ? &own : NULL;
  if (rc >= 0)
    rc = sc_registry_open(ref.host, &o, &registry, err);
  sc_attach_target t = {.registry = registry,
                        .scope = scope,
                        .host = ref.host,
                        .repository = ref.repository,
                        .have_creds = o.creds != NULL};
  int api = rc >= 0 ? sc_referrer_api_get(&t, subject_digest, &index, err) : 0;
  if (api < 0)
    rc = -1;
  else if (api == 1)
    status = 200;
  if (rc >= 0 && api == 0 && (rc = sc_referrer_tag_index_get(&t, subject_digest, &index, err)) == 0)
    status = index ? 200 : 404;
  if (rc >= 0 && status == 404)
    rc = get_manifest(&t, subject_digest, NULL, "HEAD", &status, NULL, err);
  if (rc >= 0) {
    rc = status == 200 ? 1 : 0;
    *out = json_array();
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(index, "manifests"), i,
                       m) if (json_is_string(json_object_get(m, "digest")))
        json_array_append_new(*out, served_descriptor(m));
  }
  sc_registry_free(registry);
  sc_registry_creds_clear(&own);
  sc_registry_ref_clear(&ref);
  return rc < 0 ? sc_error_prefix(err, "the referrers of %s at %s", subject_digest, place) : rc;
}

int sc_referrer_fetch(const char *reference, const sc_registry_options *options,
                      const char *subject_digest, json_t **out, sc_error *err)
{
  sc_registries_conf conf = SC_REGISTRIES_CONF_INIT;
  sc_pull_attempt *plan = NULL, one = {.reference = (char *)reference};
  size_t n = 0;
  int rc = 0;
  const char *host = NULL;
  if (options->registries && (sc_registries_conf_load(options->registries, &conf, err) < 0 ||
                              sc_registries_pull_plan(&conf, reference, &plan, &n, err) < 0))
    rc = -1;
  sc_registries_conf_clear(&conf);
  sc_registry_ref image;
  if (rc == 0 && sc_registry_ref_parse(reference, &image, err) < 0)
    rc = -1;
  else if (rc == 0)
    host = image.host;
  const sc_pull_attempt *places = plan ? plan : &one;
  n = plan ? n : 1;
  *out = NULL;
  for (size_t i = 0; i < n && rc == 0; i++) {
    json_decref(*out);
    *out = NULL;
    rc = fetch_at(places[i].reference, host, options, places[i].insecure, subject_digest, out, err);
  }
  if (host)
    sc_registry_ref_clear(&image);
  sc_pull_attempts_free(plan, plan ? n : 0);
  if (rc < 0) {
    json_decref(*out);
    *out = NULL;
    return -1;
  }
  return 0;
}

/* ---- simple signatures attached as referrers ---- */

/* The referrers index of manifest_digest: the referrers API's, else the
 * tag schema's (sha256-HEX); NULL when neither has one. */
static int signature_index(const sc_attach_target *t, const char *manifest_digest, json_t **index,
                           const char **listed_by, sc_error *err)
{
  *index = NULL;
  *listed_by = "referrers API";
  int api = sc_referrer_api_get(t, manifest_digest, index, err);
  if (api != 0)
    return api < 0 ? -1 : 0;
  *listed_by = "tag sha256-HEX";
  return sc_referrer_tag_index_get(t, manifest_digest, index, err);
}

/* An artifact's manifest by digest: its bytes (bounded by the registry's
 * response limit) hash to digest, and it is a JSON object. */
static int get_artifact_manifest(const sc_attach_target *t, const char *digest, json_t **doc,
                                 sc_error *err)
{
  *doc = NULL;
  if (!sc_digest_is_valid(digest))
    return sc_error_set(err, SC_E_INVALID, "an entry whose digest %.80s is not sha256:HEX",
                        digest ? digest : "(none)");
  long status = 0;
  int rc = get_manifest(t, digest, digest, "GET", &status, doc, err);
  if (rc == 0 && status != 200)
    rc = sc_error_set(err, SC_E_INVALID, "the registry answers HTTP %ld for it", status);
  /* json_is_object evaluates its argument twice: not a call */
  if (rc == 0 && !json_is_object(*doc))
    rc = sc_error_set(err, SC_E_INVALID, "not a JSON object");
  if (rc < 0) {
    json_decref(*doc);
    *doc = NULL;
  }
  return rc;
}

/* The one layer of a simple-signing artifact: its descriptor, checked. */
static const json_t *signature_layer(const json_t *manifest, const char *manifest_digest,
                                     sc_error *err)
{
  const char *type = json_string_value(json_object_get(manifest, "artifactType"));
  const char *subject = subject_of(manifest);
  const json_t *layers = json_object_get(manifest, "layers");
  const json_t *layer = json_array_get(layers, 0);
  const char *layer_type = json_string_value(json_object_get(layer, "mediaType"));
  json_t *size = json_object_get(layer, "size");
  if (type == NULL || strcmp(type, SC_MEDIA_TYPE_SIMPLE_SIGNING_ARTIFACT) != 0)
    sc_error_set(err, SC_E_INVALID, "its artifactType is %.100s, not %s", type ? type : "(none)",
                 SC_MEDIA_TYPE_SIMPLE_SIGNING_ARTIFACT);
  else if (subject == NULL || strcmp(subject, manifest_digest) != 0)
    sc_error_set(err, SC_E_INVALID, "its subject is %.80s, not the image's manifest %s",
                 subject ? subject : "(none)", manifest_digest);
  else if (json_array_size(layers) != 1 || layer_type == NULL ||
           strcmp(layer_type, SC_MEDIA_TYPE_SIMPLE_SIGNING_ARTIFACT) != 0)
    sc_error_set(err, SC_E_INVALID, "it is not one layer of type %s",
                 SC_MEDIA_TYPE_SIMPLE_SIGNING_ARTIFACT);
  else if (!json_is_integer(size) || json_integer_value(size) < 0 ||
           json_integer_value(size) > SC_SIGNATURE_MAX)
    sc_error_set(err, SC_E_INVALID, "its layer's size is missing or over %d bytes",
                 SC_SIGNATURE_MAX);
  else
    return layer;
  return NULL;
}

/* One listed artifact: its manifest, then its signature. */
static int read_signature_artifact(const sc_attach_target *t, const char *manifest_digest,
                                   const json_t *entry, sc_lookaside_signatures *out, sc_error *err)
{
  const char *digest = json_string_value(json_object_get(entry, "digest"));
  _cleanup_(json_decrefp) json_t *manifest = NULL;
  const json_t *layer = NULL;
  char *data = NULL;
  size_t len = 0;
  if (get_artifact_manifest(t, digest, &manifest, err) < 0 ||
      (layer = signature_layer(manifest, manifest_digest, err)) == NULL ||
      sc_attach_get_blob(t, json_string_value(json_object_get(layer, "digest")),
                         (size_t)json_integer_value(json_object_get(layer, "size")), &data, &len,
                         err) < 0)
    return sc_error_prefix(err, "signature artifact %s/%s@%.80s", t->host, t->repository,
                           digest ? digest : "(none)");
  out->items = xrealloc(out->items, (out->count + 1) * sizeof *out->items);
  out->items[out->count++] = (sc_policy_signature){
      .data = data,
      .len = len,
      .source = xasprintf("%s/%s@%s (a referrer)", t->host, t->repository, digest)};
  return 0;
}

int sc_referrer_signatures_read(const sc_attach_target *t, const char *manifest_digest,
                                sc_lookaside_signatures *out, const char **listed_by, sc_error *err)
{
  const char *how = NULL;
  _cleanup_(json_decrefp) json_t *index = NULL;
  if (listed_by)
    *listed_by = NULL;
  if (signature_index(t, manifest_digest, &index, &how, err) < 0)
    return sc_error_prefix(err, "the referrers of %s at %s/%s", manifest_digest, t->host,
                           t->repository);
  if (listed_by)
    *listed_by = how;
  /* Counted before any is fetched: a hostile list costs one request. */
  _cleanup_(json_decrefp) json_t *signatures = json_array();
  size_t i;
  json_t *m;
  json_array_foreach(json_object_get(index, "manifests"), i, m)
  {
    const char *type = json_string_value(json_object_get(m, "artifactType"));
    /* an SBOM, a sigstore signature: not a simple signature */
    if (type && strcmp(type, SC_MEDIA_TYPE_SIMPLE_SIGNING_ARTIFACT) == 0)
      json_array_append(signatures, m);
  }
  if (json_array_size(signatures) > SC_REFERRER_MAX_SIGNATURES)
    return sc_error_set(err, SC_E_INVALID,
                        "the referrers of %s at %s/%s (%s): over %d simple signatures",
                        manifest_digest, t->host, t->repository, how, SC_REFERRER_MAX_SIGNATURES);
  json_array_foreach(signatures, i, m)
  {
    if (read_signature_artifact(t, manifest_digest, m, out, err) < 0)
      return sc_error_prefix(err, "listed by the %s", how);
  }
  return 0;
}
