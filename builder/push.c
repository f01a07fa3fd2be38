/* push.c: an image to a registry, blobs first, manifest last (push.h). */
#include "push.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <unistd.h>
#include <jansson.h>
#include <sc/image.h>

#include "descriptor.h"
#include "image-archive.h"
#include "ostree-export.h"
#include "image-source.h"
#include "layer-reader.h"
#include "oci.h"
#include "parallel.h"
#include "registries-conf.h"
#include "referrer.h"
#include "sigstore-attach.h"
#include "sigstore-key.h"
#include "sign.h"
#include "sigstore.h"
#include "store.h"

#define DEFAULT_CHUNK_SIZE (32 * 1024 * 1024)
#define MIN_CHUNK_SIZE (64 * 1024)
#define MAX_CACHE_SIZE (16 * 1024 * 1024)
#define UPLOAD_RESTARTS 3

typedef struct push_ctx {
  const sc_push_options *options;
  sc_registry *registry;
  sc_registry_ref ref;
  const sc_image *image;
  char *scope;   /* repository:REPO:pull,push */
  json_t *cache; /* {"HOST": {"sha256:...": ["repo", ...]}} */
  sc_push_result *result;
  int64_t chunk_size;
  /* Guards cache, result and progress reports: workers of a parallel
   * push share them (each has its own copy of this struct). */
  pthread_mutex_t *lock;
  const sc_descriptor **to_send; /* the blobs send_blobs works through */
  json_t *top;                   /* the descriptor of the manifest pushed under the tag */
  int referrers_api;             /* the registry serves GET .../referrers/: 1, 0, -1 unknown */
} push_ctx;

void sc_push_result_clear(sc_push_result *result)
{
  free(result->destination);
  free(result->reference);
  free(result->sigstore_attachment);
  free(result->signature);
  json_decref(result->referrers);
  memset(result, 0, sizeof *result);
}

static void report(push_ctx *ctx, const char *digest, sc_push_blob_state state, int64_t done,
                   int64_t total)
{
  if (ctx->options->progress == NULL)
    return;
  pthread_mutex_lock(ctx->lock);
  ctx->options->progress(digest, state, done, total, ctx->options->progress_user);
  pthread_mutex_unlock(ctx->lock);
}

/* ---- the local record of which repositories hold which blobs ---- */

/* A missing or unreadable record only costs uploads: never an error. */
static json_t *cache_load(const sc_push_options *options)
{
  const char *path = options->cache_path;
  _cleanup_free_ char *data = NULL;
  size_t len = 0;
  json_t *doc = NULL;
  if (path && sc_read_file_at(AT_FDCWD, path, &data, &len, NULL) == 0 && len < MAX_CACHE_SIZE)
    doc = json_loadb(data, len, 0, NULL);
  if (!json_is_object(doc)) {
    json_decref(doc);
    doc = json_object();
  }
  return doc;
}

static void cache_save(const sc_push_options *options, const json_t *cache)
{
  const char *path = options->cache_path;
  if (path == NULL)
    return;
  _cleanup_free_ char *dir = sc_path_dirname(path);
  _cleanup_free_ char *text = json_dumps(cache, JSON_COMPACT | JSON_SORT_KEYS);
  if (sc_mkdir_p_at(AT_FDCWD, dir, 0700, NULL) == 0)
    sc_write_file_at(AT_FDCWD, path, text, strlen(text), 0600, NULL);
}

static void cache_add_locked(push_ctx *ctx, const char *digest)
{
  json_t *host = json_object_get(ctx->cache, ctx->ref.host);
  if (!json_is_object(host)) {
    host = json_object();
    json_object_set_new(ctx->cache, ctx->ref.host, host);
  }
  json_t *repos = json_object_get(host, digest);
  if (!json_is_array(repos)) {
    repos = json_array();
    json_object_set_new(host, digest, repos);
  }
  size_t i;
  json_t *v;
  json_array_foreach(repos, i, v) if (json_is_string(v) && strcmp(json_string_value(v),
                                                                  ctx->ref.repository) == 0) return;
  json_array_append_new(repos, json_string(ctx->ref.repository));
}

/* Note that the repository holds digest now, count it, and report it. */
static void blob_done(push_ctx *ctx, const sc_descriptor *d, sc_push_blob_state state)
{
  pthread_mutex_lock(ctx->lock);
  cache_add_locked(ctx, d->digest);
  if (state == SC_PUSH_BLOB_EXISTS)
    ctx->result->blobs_existing++;
  else if (state == SC_PUSH_BLOB_MOUNTED)
    ctx->result->blobs_mounted++;
  else {
    ctx->result->blobs_uploaded++;
    ctx->result->bytes_uploaded += d->size;
  }
  pthread_mutex_unlock(ctx->lock);
  report(ctx, d->digest, state, d->size, d->size);
}

static const char *cache_mount_source_locked(push_ctx *ctx, const char *digest)
{
  json_t *repos = json_object_get(json_object_get(ctx->cache, ctx->ref.host), digest);
  size_t i;
  json_t *v;
  json_array_foreach(repos, i, v)
  {
    const char *repo = json_string_value(v);
    if (repo && strcmp(repo, ctx->ref.repository) != 0 && strlen(repo) < 256 &&
        strspn(repo, "abcdefghijklmnopqrstuvwxyz0123456789._-/") == strlen(repo))
      return repo;
  }
  return NULL;
}

/* Another repository of this registry we pushed digest to (a copy), or NULL. */
static char *cache_mount_source(push_ctx *ctx, const char *digest)
{
  pthread_mutex_lock(ctx->lock);
  const char *repo = cache_mount_source_locked(ctx, digest);
  char *copy = repo ? xstrdup(repo) : NULL;
  pthread_mutex_unlock(ctx->lock);
  return copy;
}

/* ---- one request, its failure described ---- */

static int request(push_ctx *ctx, sc_http_request *req, sc_http_response *resp, sc_error *err)
{
  if (req->scope == NULL)
    req->scope = ctx->scope;
  int rc = sc_registry_request(ctx->registry, req, resp, err);
  if (rc < 0)
    sc_http_response_clear(resp);
  return rc;
}

static int unexpected(push_ctx *ctx, const sc_http_response *resp, const char *what, sc_error *err)
{
  return sc_registry_unexpected(err, resp, ctx->options->registry.creds != NULL, "push", what);
}

/* A blob upload's last PUT and a manifest PUT must be answered 201
 * Created (distribution-spec spec.md, "Pushing a blob monolithically" and
 * "Pushing Manifests": the registry "MUST" answer 201; containers/image
 * refuses anything else too).  Another 2xx, such as a proxy's or a cache's
 * 200, does not say the content was stored, so the push is not reported
 * as done; the message says so instead of a bare "HTTP 200". */
static int not_created(push_ctx *ctx, const sc_http_response *resp, const char *what, sc_error *err)
{
  if (resp->status < 200 || resp->status >= 300)
    return unexpected(ctx, resp, what, err);
  return sc_error_set(err, EIO,
                      "%s: %s answered %ld where the distribution spec requires 201 Created: "
                      "not taken as stored",
                      what, resp->origin ? resp->origin : ctx->ref.host, resp->status);
}

/* Location of an upload session, resolved and checked. */
static char *upload_location(push_ctx *ctx, const sc_http_response *resp, sc_error *err)
{
  char *url = sc_registry_resolve_location(ctx->registry, resp->location);
  if (url == NULL)
    sc_error_set(err, SC_E_INVALID, "%s: registry gave a missing or unusable upload Location",
                 ctx->ref.host);
  return url;
}

static char *with_digest(const char *url, const char *digest)
{
  return xasprintf("%s%cdigest=%s", url, strchr(url, '?') ? '&' : '?', digest);
}

/* ---- uploads ---- */

typedef struct blob_progress {
  push_ctx *ctx;
  const char *digest;
  int64_t base, total;
} blob_progress;

static void on_sent(int64_t sent, void *user)
{
  blob_progress *p = user;
  report(p->ctx, p->digest, SC_PUSH_BLOB_UPLOADING, p->base + sent, p->total);
}

/* POST /v2/REPO/blobs/uploads/ (spec.md "Obtain a session ID"): 202 with Location. */
static char *start_upload(push_ctx *ctx, sc_error *err)
{
  _cleanup_free_ char *target = xasprintf("/v2/%s/blobs/uploads/", ctx->ref.repository);
  sc_http_request req = {.method = "POST", .target = target, .retry = true};
  sc_http_response resp = {.content_length = -1};
  char *url = NULL;
  if (request(ctx, &req, &resp, err) == 0) {
    if (resp.status == 202)
      url = upload_location(ctx, &resp, err);
    else
      unexpected(ctx, &resp, "starting a blob upload", err);
  }
  sc_http_response_clear(&resp);
  return url;
}

/* PUT LOCATION?digest=D, with the body or (after chunks) without. */
static int finish_upload(push_ctx *ctx, const char *url, const sc_descriptor *d,
                         const sc_http_body *body, blob_progress *progress, sc_error *err)
{
  _cleanup_free_ char *target = with_digest(url, d->digest);
  sc_http_request req = {.method = "PUT",
                         .target = target,
                         .content_type = "application/octet-stream",
                         .body = body,
                         .progress = on_sent,
                         .progress_user = progress};
  sc_http_response resp = {.content_length = -1};
  int rc = request(ctx, &req, &resp, err);
  if (rc == 0 && resp.status != 201)
    rc = not_created(ctx, &resp, "completing the blob upload", err);
  else if (rc == 0 && resp.docker_content_digest &&
           strcmp(resp.docker_content_digest, d->digest) != 0)
    rc = sc_error_set(err, SC_E_INVALID, "registry stored blob %s as %.80s", d->digest,
                      resp.docker_content_digest);
  sc_http_response_clear(&resp);
  return rc;
}

/* GET the upload URL (spec.md "Resuming an upload"): 204 with Range and a
 * fresh Location.  Returns the bytes held, or -1 (ESTALE: start over). */
static int64_t upload_status(push_ctx *ctx, char **url, sc_error *err)
{
  sc_http_request req = {.method = "GET", .target = *url, .retry = true};
  sc_http_response resp = {.content_length = -1};
  int64_t held = -1;
  if (request(ctx, &req, &resp, err) == 0) {
    held = resp.status == 204 ? sc_upload_range_held(resp.range) : -1;
    char *next = held >= 0 && resp.location ? upload_location(ctx, &resp, err) : NULL;
    if (held >= 0 && next) {
      free(*url);
      *url = next;
    } else {
      free(next);
      held = -1;
      /* distribution cancels a session whose PATCH broke off mid-body */
      sc_error_set(err, ESTALE, "upload session lost (HTTP %ld)", resp.status);
    }
  }
  sc_http_response_clear(&resp);
  return held;
}

/* PATCH one chunk with Content-Range (spec.md "Pushing a blob in chunks").
 * Returns the bytes the registry now holds, or -1. */
static int64_t send_chunk(push_ctx *ctx, char **url, int fd, int64_t offset, int64_t len,
                          blob_progress *progress, sc_error *err)
{
  char range[64];
  snprintf(range, sizeof range, "%lld-%lld", (long long)offset, (long long)(offset + len - 1));
  sc_http_body body = {.fd = fd, .offset = offset, .length = len};
  progress->base = offset;
  sc_http_request req = {.method = "PATCH",
                         .target = *url,
                         .content_type = "application/octet-stream",
                         .content_range = range,
                         .body = &body,
                         .progress = on_sent,
                         .progress_user = progress};
  sc_http_response resp = {.content_length = -1};
  int64_t held = -1;
  if (request(ctx, &req, &resp, err) < 0) {
    /* fall through: the caller resumes from the registry's Range */
  } else if (resp.status == 413 && ctx->chunk_size / 2 >= MIN_CHUNK_SIZE) {
    ctx->chunk_size /= 2; /* a proxy's body limit: smaller chunks */
    held = offset;
  } else if (resp.status == 416) {
    held = upload_status(ctx, url, err);
  } else if (resp.status != 202) {
    unexpected(ctx, &resp, "uploading a chunk", err);
  } else {
    char *next = upload_location(ctx, &resp, err);
    int64_t end = sc_upload_range_held(resp.range);
    if (next) {
      free(*url);
      *url = next;
      held = end >= 0 && end <= offset + len ? end : offset + len;
    }
  }
  sc_http_response_clear(&resp);
  return held;
}

static int upload_chunked(push_ctx *ctx, char **url, const sc_descriptor *d, int fd,
                          blob_progress *progress, sc_error *err)
{
  int64_t offset = 0;
  int failures = 0;
  while (offset < d->size) {
    int64_t len = d->size - offset < ctx->chunk_size ? d->size - offset : ctx->chunk_size;
    int64_t held = send_chunk(ctx, url, fd, offset, len, progress, err);
    while (held < 0 && err->code == EAGAIN && failures++ < 5) {
      /* dropped connection: wait, then ask the registry where we are */
      sc_error_clear(err);
      if (!sc_registry_backoff(ctx->registry, failures - 1))
        return sc_error_set(err, SC_E_INTERRUPTED, "interrupted");
      held = upload_status(ctx, url, err);
    }
    if (held < 0)
      return -1;
    if (held > d->size)
      return sc_error_set(err, SC_E_INVALID, "registry claims %lld bytes of a %lld-byte blob",
                          (long long)held, (long long)d->size);
    offset = held;
  }
  progress->base = d->size;
  return finish_upload(ctx, *url, d, NULL, progress, err);
}

static int upload_blob(push_ctx *ctx, char *url, const sc_descriptor *d, sc_error *err)
{
  _cleanup_close_ int fd = sc_image_open_blob(ctx->image, d->digest, err);
  if (fd < 0) {
    free(url);
    return -1;
  }
  blob_progress progress = {ctx, d->digest, 0, d->size};
  int rc = -1;
  for (int attempt = 0; attempt < UPLOAD_RESTARTS; attempt++) {
    if (url == NULL && (url = start_upload(ctx, err)) == NULL)
      break;
    if (d->size <= ctx->chunk_size) {
      sc_http_body body = {.fd = fd, .offset = 0, .length = d->size};
      rc = finish_upload(ctx, url, d, &body, &progress, err);
    } else {
      rc = upload_chunked(ctx, &url, d, fd, &progress, err);
    }
    free(url);
    url = NULL;
    bool restart = err->code == EAGAIN || err->code == ESTALE;
    if (rc == 0 || !restart || attempt + 1 == UPLOAD_RESTARTS)
      break;
    sc_error_clear(err); /* the session is gone: start a new one */
  }
  free(url);
  return rc;
}

/* HEAD (spec.md "Checking if content exists"): 1 when the registry has
 * the blob, 0 when not. */
static int blob_exists(push_ctx *ctx, const sc_descriptor *d, sc_error *err)
{
  report(ctx, d->digest, SC_PUSH_BLOB_CHECKING, 0, d->size);
  _cleanup_free_ char *head = xasprintf("/v2/%s/blobs/%s", ctx->ref.repository, d->digest);
  sc_http_request req = {.method = "HEAD", .target = head, .retry = true};
  sc_http_response resp = {.content_length = -1};
  if (request(ctx, &req, &resp, err) < 0)
    return -1;
  int rc = resp.status == 200 ? 1 : 0;
  if (resp.status != 200 && resp.status != 404)
    rc = unexpected(ctx, &resp, "checking for a blob", err);
  sc_http_response_clear(&resp);
  return rc;
}

/* spec.md "Mounting a blob from another repository": 1 when mounted; 0
 * with *url set when the registry would not and opened an upload session
 * instead (202). */
static int mount_blob(push_ctx *ctx, const sc_descriptor *d, const char *from, char **url,
                      sc_error *err)
{
  _cleanup_free_ char *target =
      xasprintf("/v2/%s/blobs/uploads/?mount=%s&from=%s", ctx->ref.repository, d->digest, from);
  _cleanup_free_ char *scope = xasprintf("%s repository:%s:pull", ctx->scope, from);
  sc_http_request mount = {.method = "POST", .target = target, .scope = scope, .retry = true};
  sc_http_response resp = {.content_length = -1};
  if (request(ctx, &mount, &resp, err) < 0)
    return -1;
  int rc = resp.status == 201 ? 1 : 0;
  if (resp.status == 202 && (*url = upload_location(ctx, &resp, err)) == NULL)
    rc = -1;
  else if (resp.status != 201 && resp.status != 202)
    rc = unexpected(ctx, &resp, "mounting a blob", err);
  sc_http_response_clear(&resp);
  return rc;
}

/* A blob the registry lacks: a mount when we pushed it to another
 * repository of the registry, else an upload. */
static int send_blob(push_ctx *ctx, const sc_descriptor *d, sc_error *err)
{
  char *url = NULL;
  _cleanup_free_ char *from = cache_mount_source(ctx, d->digest);
  int mounted = from ? mount_blob(ctx, d, from, &url, err) : 0;
  if (mounted < 0)
    return -1;
  if (mounted == 1) {
    blob_done(ctx, d, SC_PUSH_BLOB_MOUNTED);
    return 0;
  }
  if (upload_blob(ctx, url, d, err) < 0)
    return sc_error_prefix(err, "blob %s", d->digest);
  blob_done(ctx, d, SC_PUSH_BLOB_UPLOADED);
  return 0;
}

/* ---- parallel uploads ---- */

/* One blob, over the worker's connection (in a copy of the context). */
static int send_item(void *shared, sc_registry *registry, size_t index, sc_error *err)
{
  push_ctx ctx = *(const push_ctx *)shared;
  ctx.registry = registry;
  return send_blob(&ctx, ctx.to_send[index], err);
}

static int send_blobs(push_ctx *ctx, const sc_descriptor **blobs, size_t count, sc_error *err)
{
  ctx->to_send = blobs;
  return sc_parallel_transfer(ctx->registry, ctx->options->jobs, count, send_item, ctx, err);
}

/* A manifest's (or an index's) bytes as stored: their digest is the image's. */
static int read_manifest(const sc_image *image, const char *manifest_digest, char **data,
                         size_t *len, sc_error *err)
{
  _cleanup_free_ char *path = xasprintf("blobs/sha256/%s", sc_digest_hex(manifest_digest));
  if (sc_read_file_at(image->layout_fd, path, data, len, err) < 0)
    return -1;
  char digest[SC_DIGEST_LEN + 1];
  sc_sha256_digest(*data, *len, digest);
  if (*len > SC_JSON_DOCUMENT_MAX || strcmp(digest, manifest_digest) != 0)
    return sc_error_set(err, SC_E_INVALID, "%s: manifest blob %s does not match its digest",
                        image->layout_path, manifest_digest);
  return 0;
}

/* PUT /v2/REPO/manifests/REF with the manifest's media type (spec.md
 * "Pushing Manifests"); the registry's Docker-Content-Digest must be ours.
 * REF: the destination's tag or digest, or for a platform's manifest
 * under an index (by_digest), its own digest. */
static int put_manifest_bytes(push_ctx *ctx, const char *reference, const char *digest,
                              const char *media_type, const char *data, size_t len, sc_error *err);

static int put_manifest(push_ctx *ctx, const char *digest, const char *media_type, bool by_digest,
                        sc_error *err)
{
  _cleanup_free_ char *data = NULL;
  size_t len = 0;
  if (read_manifest(ctx->image, digest, &data, &len, err) < 0)
    return -1;
  if (!by_digest && ctx->ref.digest && strcmp(ctx->ref.digest, digest) != 0)
    return sc_error_set(err, SC_E_USAGE, "destination digest %s is not the image's (%s)",
                        ctx->ref.digest, digest);
  const char *reference = by_digest || ctx->ref.digest ? digest : ctx->ref.tag;
  if (put_manifest_bytes(ctx, reference, digest, media_type, data, len, err) < 0)
    return -1;
  if (!by_digest) {
    json_decref(ctx->top);
    ctx->top = json_pack("{s:s,s:s,s:I}", "mediaType", media_type, "digest", digest, "size",
                         (json_int_t)len);
  }
  return 0;
}

/* PUT a manifest's bytes under reference (a tag or its digest). */
static int put_manifest_bytes(push_ctx *ctx, const char *reference, const char *digest,
                              const char *media_type, const char *data, size_t len, sc_error *err)
{
  _cleanup_free_ char *target = xasprintf("/v2/%s/manifests/%s", ctx->ref.repository, reference);
  sc_http_body body = {.data = data, .data_len = len, .fd = -1};
  sc_http_request req = {
      .method = "PUT", .target = target, .content_type = media_type, .body = &body, .retry = true};
  sc_http_response resp = {.content_length = -1};
  int rc = request(ctx, &req, &resp, err);
  if (rc == 0 && resp.status != 201)
    rc = not_created(ctx, &resp, "pushing the manifest", err);
  else if (rc == 0 &&
           (resp.docker_content_digest == NULL || strcmp(resp.docker_content_digest, digest) != 0))
    rc = sc_error_set(err, SC_E_INVALID, "registry answered manifest digest %.80s, not %s",
                      resp.docker_content_digest ? resp.docker_content_digest : "(none)", digest);
  sc_http_response_clear(&resp);
  return rc;
}

static int push_manifest(push_ctx *ctx, bool by_digest, sc_error *err)
{
  const char *media_type = json_string_value(json_object_get(ctx->image->manifest, "mediaType"));
  return put_manifest(ctx, ctx->image->manifest_digest,
                      media_type ? media_type : SC_MEDIA_TYPE_OCI_MANIFEST, by_digest, err);
}

static int push_referrers(push_ctx *ctx, sc_error *err);

/* Check every blob (one connection: cheap requests), send the missing
 * ones (in parallel), then the manifest (by its digest when an index will
 * name it), then the artifacts that refer to it. */
static int push_image(push_ctx *ctx, bool by_digest, sc_error *err)
{
  const sc_image *image = ctx->image;
  if (sc_image_check_layer_formats(image, err) < 0)
    return -1;
  size_t count = image->layer_count + 1, missing = 0;
  _cleanup_free_ const sc_descriptor **to_send = xcalloc(count, sizeof *to_send);
  for (size_t i = 0; i < count; i++) {
    const sc_descriptor *d = i == 0 ? &image->config_descriptor : &image->layers[i - 1];
    bool seen = false; /* a layer listed twice goes once */
    for (size_t j = 1; j < i && !seen; j++)
      seen = strcmp(image->layers[j - 1].digest, d->digest) == 0;
    if (seen)
      continue;
    if (sc_check_interrupted(ctx->options->registry.interrupted, NULL, err) < 0)
      return -1;
    int exists = blob_exists(ctx, d, err);
    if (exists < 0)
      return -1;
    if (exists)
      blob_done(ctx, d, SC_PUSH_BLOB_EXISTS);
    else
      to_send[missing++] = d;
  }
  if (send_blobs(ctx, to_send, missing, err) < 0 || push_manifest(ctx, by_digest, err) < 0)
    return -1;
  return push_referrers(ctx, err);
}

/* ---- referrers (distribution-spec v1.1) ---- */

/* One blob of an artifact, unless the registry has it. */
static int send_artifact_blob(push_ctx *ctx, const json_t *descriptor, sc_error *err)
{
  const char *digest = json_string_value(json_object_get(descriptor, "digest"));
  const char *type = json_string_value(json_object_get(descriptor, "mediaType"));
  if (digest == NULL || !sc_digest_is_valid(digest) || type == NULL)
    return sc_error_set(err, SC_E_INVALID, "an artifact names a blob without a valid digest");
  sc_descriptor d = {.media_type = (char *)type,
                     .digest = (char *)digest,
                     .size = json_integer_value(json_object_get(descriptor, "size"))};
  int exists = blob_exists(ctx, &d, err);
  if (exists != 0)
    return exists < 0 ? -1 : 0;
  return send_blob(ctx, &d, err);
}

/* An artifact's blobs, then its manifest by digest. */
static int push_artifact(push_ctx *ctx, const char *digest, sc_error *err)
{
  _cleanup_free_ char *data = NULL;
  size_t len = 0;
  if (read_manifest(ctx->image, digest, &data, &len, err) < 0)
    return -1;
  _cleanup_(json_decrefp) json_t *manifest = json_loadb(data, len, 0, NULL);
  if (!json_is_object(manifest))
    return sc_error_set(err, SC_E_INVALID, "artifact %s is not a JSON object", digest);
  if (send_artifact_blob(ctx, json_object_get(manifest, "config"), err) < 0)
    return -1;
  size_t i;
  json_t *l;
  json_array_foreach(json_object_get(manifest, "layers"), i,
                     l) if (send_artifact_blob(ctx, l, err) < 0) return -1;
  return put_manifest_bytes(ctx, digest, digest, SC_MEDIA_TYPE_OCI_MANIFEST, data, len, err);
}

static sc_attach_target attach_target(const push_ctx *ctx)
{
  return (sc_attach_target){.registry = ctx->registry,
                            .scope = ctx->scope,
                            .host = ctx->ref.host,
                            .repository = ctx->ref.repository,
                            .have_creds = ctx->options->registry.creds != NULL};
}

/* The referrers of subject merged into the index its tag holds: PUT when
 * one is new. */
static int update_referrers_tag(push_ctx *ctx, const char *subject, const json_t *referrers,
                                sc_error *err)
{
  _cleanup_free_ char *tag = sc_referrer_tag(subject);
  _cleanup_(json_decrefp) json_t *index = NULL;
  sc_attach_target t = attach_target(ctx);
  if (sc_referrer_tag_index_get(&t, subject, &index, err) < 0)
    return -1;
  if (index == NULL)
    index = json_pack("{s:i,s:s,s:[]}", "schemaVersion", 2, "mediaType", SC_MEDIA_TYPE_OCI_INDEX,
                      "manifests");
  json_t *manifests = json_object_get(index, "manifests");
  bool changed = false;
  size_t i, j;
  json_t *r, *m;
  json_array_foreach(referrers, i, r)
  {
    bool present = false;
    json_array_foreach(manifests, j, m) present |=
        json_equal(json_object_get(m, "digest"), json_object_get(r, "digest"));
    if (!present)
      json_array_append(manifests, r);
    changed |= !present;
  }
  if (!changed)
    return 0;
  size_t len = 0;
  _cleanup_free_ char *data = sc_oci_json_dump(index, &len);
  char digest[SC_DIGEST_LEN + 1];
  sc_sha256_digest(data, len, digest);
  if (put_manifest_bytes(ctx, tag, digest, SC_MEDIA_TYPE_OCI_INDEX, data, len, err) < 0)
    return sc_error_prefix(err, "the referrers tag %s", tag);
  return 0;
}

/* Whether the registry lists referrers itself (asked once, about digest):
 * then a manifest with a subject needs no referrers tag (spec.md "Pushing
 * Manifests with Subject"). */
static int has_referrers_api(push_ctx *ctx, const char *digest, sc_error *err)
{
  if (ctx->referrers_api < 0) {
    sc_attach_target t = attach_target(ctx);
    int rc = sc_referrer_api_get(&t, digest, NULL, err);
    if (rc < 0)
      return -1;
    ctx->referrers_api = rc;
  }
  return ctx->referrers_api;
}

static void add_referrer(push_ctx *ctx, const char *subject, const json_t *descriptor)
{
  json_array_append_new(ctx->result->referrers,
                        json_pack("{s:s,s:O,s:O,s:O,s:s}", "subject", subject, "digest",
                                  json_object_get(descriptor, "digest"), "size",
                                  json_object_get(descriptor, "size"), "artifactType",
                                  json_object_get(descriptor, "artifactType"), "listed_by",
                                  ctx->referrers_api == 1 ? "referrers-api" : "tag-schema"));
}

/* The layout's artifacts whose subject is the image just pushed (an SBOM
 * of build --sbom, referrer.h): each by digest, then, unless the registry
 * lists referrers itself, the tag schema's index that lets readers find
 * them. */
static int push_referrers(push_ctx *ctx, sc_error *err)
{
  _cleanup_(json_decrefp) json_t *referrers = NULL;
  if (ctx->image->kind != SC_IMAGE_OCI_LAYOUT)
    return 0;
  if (sc_referrer_list(ctx->image->layout_fd, ctx->image->manifest_digest, &referrers, err) < 0)
    return sc_error_prefix(err, "%s", ctx->image->layout_path);
  size_t i;
  json_t *r;
  json_array_foreach(referrers, i, r)
  {
    const char *digest = json_string_value(json_object_get(r, "digest"));
    if (push_artifact(ctx, digest, err) < 0)
      return sc_error_prefix(err, "the artifact %s that refers to %s", digest,
                             ctx->image->manifest_digest);
  }
  if (json_array_size(referrers) == 0)
    return 0;
  int api = has_referrers_api(ctx, ctx->image->manifest_digest, err);
  if (api < 0 ||
      (api == 0 && update_referrers_tag(ctx, ctx->image->manifest_digest, referrers, err) < 0))
    return -1;
  json_array_foreach(referrers, i, r) add_referrer(ctx, ctx->image->manifest_digest, r);
  return 0;
}

/* An image index (a multi-platform image): every platform's image, each
 * manifest by its digest, then the index under the tag, so that no reader
 * sees the index before what it names (spec.md "Pushing Manifests"). */
static int push_index(push_ctx *ctx, const char *local, json_t *index, const char *index_digest,
                      sc_error *err)
{
  size_t i;
  json_t *m;
  sc_image *image = NULL;
  json_array_foreach(json_object_get(index, "manifests"), i, m)
  {
    sc_image_platform want;
    sc_image_free(image);
    image = NULL;
    if (sc_image_index_platform(m, &want) < 0)
      return sc_error_set(err, SC_E_INVALID, "index entry %zu names no platform", i + 1);
    if (sc_image_open_platform(local, &want, &image, err) < 0)
      return -1;
    ctx->image = image;
    if (push_image(ctx, true, err) < 0) {
      sc_image_free(image);
      return sc_error_prefix(err, "platform %s/%s", want.os, want.architecture);
    }
  }
  if (image == NULL)
    return sc_error_set(err, SC_E_INVALID, "the image index lists no manifest");
  const char *media_type = json_string_value(json_object_get(index, "mediaType"));
  int rc = put_manifest(ctx, index_digest, media_type ? media_type : SC_MEDIA_TYPE_OCI_INDEX, false,
                        err);
  ctx->image = NULL;
  sc_image_free(image);
  return rc;
}

/* ---- the source image ---- */

/* Any source transport, read through the cache (image-source.h) as a
 * layout whose blobs upload as they are.  A docker:// source is pulled
 * without the destination's credentials, which are for its host only.
 * An image index is pushed whole (*index set) unless options->platform
 * picks one platform's image from it. */
static int open_source(const char *reference, const sc_push_options *options, sc_image **out,
                       json_t **index, char **index_digest, char **local, sc_error *err)
{
  sc_pull_options pull = {.registry = options->registry,
                          .policy = options->policy,
                          .registries_d = options->registries_d,
                          .all = options->all && options->platform == NULL,
                          .cache_dir = options->bases_cache_dir,
                          .tmpdir = options->tmpdir};
  pull.registry.creds = NULL;
  sc_image_source_options source = {.pull = &pull, .need_layout = true, .tmpdir = options->tmpdir};
  if (options->platform == NULL && options->all) {
    sc_image_source src;
    if (sc_image_source_resolve(reference, &source, &src, err) < 0)
      return -1;
    int r = sc_image_open_index(src.local, index, index_digest, err);
    if (r == 1)
      *local = steal_pointer(&src.local);
    sc_image_source_clear(&src);
    if (r != 0)
      return r < 0 ? sc_error_prefix(err, "%s", reference) : 0;
  }
  if (options->platform == NULL)
    return sc_image_source_open(reference, &source, out, err);
  sc_image_source src;
  if (sc_image_source_resolve(reference, &source, &src, err) < 0)
    return -1;
  int r = sc_image_open_platform(src.local, options->platform, out, err);
  sc_image_source_clear(&src);
  return r < 0 ? sc_error_prefix(err, "%s", reference) : 0;
}

/* Where the push goes by registries.conf: the registry's location, never
 * a mirror; an error when it is blocked.  An insecure registry gets no TLS
 * verification; credentials stay with the host they were looked up for,
 * another host gets its own (into *own) from creds_for. */
static int push_target(const char *destination, sc_registry_options *registry, char **target,
                       sc_registry_creds *own, sc_error *err)
{
  if (registry->registries == NULL) {
    *target = xstrdup(destination);
    return 0;
  }
  sc_registries_conf conf = SC_REGISTRIES_CONF_INIT;
  if (sc_registries_conf_load(registry->registries, &conf, err) < 0)
    return -1;
  bool insecure = false;
  int rc = sc_registries_push_target(&conf, destination, target, &insecure, err);
  sc_registries_conf_clear(&conf);
  if (rc < 0)
    return -1;
  sc_registry_ref asked, got;
  if (sc_registry_ref_parse(destination, &asked, err) < 0)
    return -1;
  if (sc_registry_ref_parse(*target, &got, err) == 0) {
    if (strcmp(asked.host, got.host) != 0) {
      registry->creds = NULL;
      if (registry->creds_for)
        rc = registry->creds_for(got.host, got.repository, own, registry->creds_user, err);
      if (rc == 1)
        registry->creds = own;
      rc = rc < 0 ? -1 : 0;
    }
    sc_registry_ref_clear(&got);
  } else {
    rc = -1;
  }
  sc_registry_ref_clear(&asked);
  if (insecure)
    registry->tls_verify = false;
  return rc;
}

/* The identity a signature of what was pushed names: HOST/REPO:TAG, as
 * skopeo signs it, or HOST/REPO@DIGEST when pushed by digest. */
static char *signed_identity(const push_ctx *ctx, const char *manifest_digest)
{
  const sc_registry_ref *r = &ctx->ref;
  return r->tag ? xasprintf("%s/%s:%s", r->host, r->repository, r->tag)
                : xasprintf("%s/%s@%s", r->host, r->repository, manifest_digest);
}

/* The sigstore signature of what was pushed, attached in the registry
 * while its connection is open: the payload names the destination
 * (HOST/REPO:TAG, as skopeo signs it) and the manifest's digest. */
static int sign_sigstore(push_ctx *ctx, const char *manifest_digest, sc_error *err)
{
  _cleanup_free_ char *identity = signed_identity(ctx, manifest_digest);
  _cleanup_free_ char *payload = sc_sigstore_payload_format(
      identity, manifest_digest, "sc-build " SC_VERSION, ctx->options->sigstore_timestamp);
  _cleanup_free_ char *signature = NULL;
  if (sc_sigstore_sign(ctx->options->sigstore_key, payload, strlen(payload), &signature, err) < 0)
    return -1;
  sc_attach_target t = attach_target(ctx);
  if (sc_sigstore_attach(&t, manifest_digest, payload, strlen(payload), signature,
                         &ctx->result->sigstore_attachment, err) < 0)
    return -1;
  /* Where the registry lists referrers, the signature is one too (as
   * cosign's OCI 1.1 mode stores it); the attachment stays, for
   * containers/image, which reads only that. */
  int api = has_referrers_api(ctx, manifest_digest, err);
  _cleanup_(json_decrefp) json_t *descriptor = NULL;
  if (api <= 0 || ctx->top == NULL)
    return api;
  if (sc_sigstore_attach_referrer(&t, ctx->top, payload, strlen(payload), signature, &descriptor,
                                  err) < 0)
    return -1;
  add_referrer(ctx, manifest_digest, descriptor);
  return 0;
}

/* The simple signature (sign.h) of what was pushed, in the lookaside, and
 * an artifact that refers to it too: listed by the registry's referrers
 * API, or, where it has none (distribution 2.8), by the tag schema's index
 * sha256-HEX, as the SBOM is.  containers/image reads only the lookaside;
 * sc-build's verification reads the artifact too (docs/signatures.md). */
static int sign_simple(push_ctx *ctx, const char *manifest_digest, sc_error *err)
{
  _cleanup_free_ char *identity = signed_identity(ctx, manifest_digest);
  _cleanup_free_ char *sig = NULL;
  size_t len = 0;
  if (sc_signer_sign(ctx->options->signer, identity, manifest_digest,
                     ctx->options->signer_timestamp, &ctx->result->signature, &sig, &len, err) < 0)
    return -1;
  int api = has_referrers_api(ctx, manifest_digest, err);
  if (api < 0 || ctx->top == NULL)
    return api < 0 ? -1 : 0;
  sc_attach_target t = attach_target(ctx);
  sc_referrer_artifact a = {.subject = ctx->top,
                            .artifact_type = SC_MEDIA_TYPE_SIMPLE_SIGNING_ARTIFACT,
                            .title = "signature-1",
                            .data = sig,
                            .len = len};
  _cleanup_(json_decrefp) json_t *descriptor = NULL;
  if (sc_attach_referrer(&t, &a, NULL, &descriptor, err) < 0)
    return -1;
  _cleanup_(json_decrefp) json_t *listed = json_pack("[O]", descriptor);
  if (api == 0 && update_referrers_tag(ctx, manifest_digest, listed, err) < 0)
    return -1;
  add_referrer(ctx, manifest_digest, descriptor);
  return 0;
}

int sc_push(const char *image_ref, const char *destination, const sc_push_options *options,
            sc_push_result *result, sc_error *err)
{
  memset(result, 0, sizeof *result);
  result->referrers = json_array();
  pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
  push_ctx ctx = {.options = options, .result = result, .lock = &lock, .referrers_api = -1};
  sc_image *image = NULL;
  json_t *index = NULL;
  char *index_digest = NULL, *local = NULL;
  int rc = -1;
  sc_registry_options registry = options->registry;
  _cleanup_free_ char *target = NULL;
  sc_registry_creds own = {0};
  if (push_target(destination, &registry, &target, &own, err) < 0 ||
      sc_registry_ref_parse(target, &ctx.ref, err) < 0) {
    sc_registry_creds_clear(&own);
    return -1;
  }
  ctx.chunk_size = options->chunk_size > 0 ? options->chunk_size : DEFAULT_CHUNK_SIZE;
  ctx.scope = xasprintf("repository:%s:pull,push", ctx.ref.repository);
  if (open_source(image_ref, options, &image, &index, &index_digest, &local, err) < 0) {
    /* the error names image_ref already */
  } else if (sc_registry_open(ctx.ref.host, &registry, &ctx.registry, err) == 0) {
    ctx.image = image;
    ctx.cache = cache_load(options);
    rc = index ? push_index(&ctx, local, index, index_digest, err) : push_image(&ctx, false, err);
    cache_save(options, ctx.cache); /* blobs that made it help the next push */
    if (rc < 0)
      sc_error_prefix(err, "pushing to %s/%s", ctx.ref.host, ctx.ref.repository);
    else if (options->sigstore_key &&
             sign_sigstore(&ctx, index ? index_digest : image->manifest_digest, err) < 0)
      rc = sc_error_prefix(err, "pushed %s/%s as %s, but not signed:", ctx.ref.host,
                           ctx.ref.repository, index ? index_digest : image->manifest_digest);
    else if (options->signer &&
             sign_simple(&ctx, index ? index_digest : image->manifest_digest, err) < 0)
      rc = sc_error_prefix(err, "pushed %s/%s as %s, but not signed:", ctx.ref.host,
                           ctx.ref.repository, index ? index_digest : image->manifest_digest);
  }
  if (rc == 0) {
    memcpy(result->manifest_digest, index ? index_digest : image->manifest_digest,
           SC_DIGEST_LEN + 1);
    result->platforms = index ? json_array_size(json_object_get(index, "manifests")) : 0;
    result->destination =
        xasprintf("docker://%s/%s@%s", ctx.ref.host, ctx.ref.repository, result->manifest_digest);
    result->reference =
        ctx.ref.tag ? xasprintf("docker://%s/%s:%s", ctx.ref.host, ctx.ref.repository, ctx.ref.tag)
                    : xstrdup(result->destination);
  }
  json_decref(ctx.cache);
  json_decref(ctx.top);
  sc_registry_free(ctx.registry);
  sc_image_free(image);
  json_decref(index);
  free(index_digest);
  free(local);
  sc_registry_ref_clear(&ctx.ref);
  sc_registry_creds_clear(&own);
  free(ctx.scope);
  return rc;
}
