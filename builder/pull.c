/* pull.c: a base image from a registry into the local cache (pull.h). */
#include "pull.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jansson.h>
#include <sc/image.h>

#include "descriptor.h"
#include "digest.h"
#include "oci.h"
#include "docker-scope.h"
#include "lookaside.h"
#include "parallel.h"
#include "registries-conf.h"
#include "policy.h"
#include "registries-d.h"
#include "referrer.h"
#include "sigstore-attach.h"
#include "sigstore.h"
#include "store.h"

#define DOWNLOAD_ATTEMPTS 5
#define TMP_PREFIX ".tmp-pull-"

/* Every manifest media type we can read, best first. */
static const char accept_manifests[] = SC_MEDIA_TYPE_OCI_MANIFEST
    ", " SC_MEDIA_TYPE_OCI_INDEX ", " SC_MEDIA_TYPE_DOCKER_MANIFEST ", " SC_MEDIA_TYPE_DOCKER_LIST;

typedef struct pull_ctx {
  const sc_pull_options *options;
  const char *source;
  sc_registry_ref ref;
  sc_registry *registry; /* opened on the first request that needs it */
  char *scope;           /* repository:REPO:pull */
  sc_base_cache cache;
  const char *cache_path; /* the cache's, for messages */
  int layout_fd, blobs_fd;
  sc_pull_result *result;
  /* Guards result and progress reports: parallel downloads share them
   * (each worker has its own copy of this struct). */
  pthread_mutex_t *lock;
  const sc_descriptor *blobs; /* what fetch_blobs works through */
  sc_policy *policy;          /* loaded before anything is fetched */
} pull_ctx;

void sc_pull_result_clear(sc_pull_result *result)
{
  free(result->oci_reference);
  free(result->name);
  memset(result, 0, sizeof *result);
}

static void report(pull_ctx *ctx, const char *digest, sc_pull_blob_state state, int64_t done,
                   int64_t total)
{
  if (ctx->options->progress == NULL)
    return;
  pthread_mutex_lock(ctx->lock);
  ctx->options->progress(digest, state, done, total, ctx->options->progress_user);
  pthread_mutex_unlock(ctx->lock);
}

/* Count a blob the cache has now, and report it. */
static void blob_done(pull_ctx *ctx, const sc_descriptor *d, sc_pull_blob_state state)
{
  pthread_mutex_lock(ctx->lock);
  if (state == SC_PULL_BLOB_CACHED) {
    ctx->result->blobs_cached++;
  } else {
    ctx->result->blobs_downloaded++;
    ctx->result->bytes_downloaded += d->size;
  }
  pthread_mutex_unlock(ctx->lock);
  report(ctx, d->digest, state, d->size, d->size);
}

static bool interrupted(const pull_ctx *ctx)
{
  return sc_interrupted(ctx->options->registry.interrupted);
}

/* ---- platforms ---- */

static bool platform_matches(json_t *platform, const char *os, const char *arch,
                             const char *variant)
{
  const char *o = json_string_value(json_object_get(platform, "os"));
  const char *a = json_string_value(json_object_get(platform, "architecture"));
  const char *v = json_string_value(json_object_get(platform, "variant"));
  return o && a && strcmp(o, os) == 0 && strcmp(a, arch) == 0 &&
         (variant == NULL || (v && strcmp(v, variant) == 0));
}

json_t *sc_pull_select_platform(json_t *index, const char *os, const char *architecture,
                                const char *variant, sc_error *err)
{
  json_t *manifests = json_object_get(index, "manifests");
  size_t i;
  json_t *m;
  json_array_foreach(manifests, i, m)
  {
    if (platform_matches(json_object_get(m, "platform"), os, architecture, variant))
      return m;
  }
  sc_buf there = SC_BUF_INIT;
  json_array_foreach(manifests, i, m)
  {
    json_t *p = json_object_get(m, "platform");
    const char *o = json_string_value(json_object_get(p, "os"));
    const char *a = json_string_value(json_object_get(p, "architecture"));
    const char *v = json_string_value(json_object_get(p, "variant"));
    if (o && a && there.len < 1024)
      sc_buf_printf(&there, "%s%.32s/%.32s%s%.32s", there.len ? ", " : "", o, a, v ? "/" : "",
                    v ? v : "");
  }
  sc_error_set(err, ENOENT, "the image index has no manifest for %s/%s%s%s (it has: %s)", os,
               architecture, variant ? "/" : "", variant ? variant : "",
               there.len ? there.data : "none");
  sc_buf_free(&there);
  return NULL;
}

/* ---- the cache ---- */

/* Open (and make) the cache layout, locked against other pulls, and drop
 * what killed pulls left (only a lock holder writes temporary files). */
int sc_base_cache_open(const char *cache_dir, volatile const int *interrupted, sc_base_cache *c,
                       sc_error *err)
{
  *c = (sc_base_cache){.layout_fd = -1, .blobs_fd = -1};
  if (cache_dir == NULL)
    return sc_error_set(err, SC_E_USAGE,
                        "no cache directory for pulled images: set XDG_CACHE_HOME or HOME");
  c->path = xstrdup(cache_dir);
  if (strchr(c->path, ':'))
    return sc_error_set(err, SC_E_USAGE,
                        "cache directory %s has a ':', which an oci: reference cannot hold: "
                        "set XDG_CACHE_HOME to another path",
                        c->path);
  if (sc_mkdir_p_at(AT_FDCWD, c->path, 0700, err) < 0)
    return sc_error_prefix(err, "cache %s", c->path);
  c->layout_fd = open(c->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (c->layout_fd < 0)
    return sc_error_set_errno(err, errno, "cannot open cache %s", c->path);
  _cleanup_free_ char *what = xasprintf("cache %s", c->path);
  if (sc_store_lock(c->layout_fd, what, interrupted, err) < 0)
    return -1;
  if (!sc_oci_is_layout(c->layout_fd) && sc_oci_layout_init(c->layout_fd, err) < 0)
    return sc_error_prefix(err, "cache %s", c->path);
  c->blobs_fd = sc_oci_open_blobs(c->layout_fd, err);
  if (c->blobs_fd < 0)
    return sc_error_prefix(err, "cache %s", c->path);
  /* Under the lock, every hidden name is a dead run's temporary: a
   * download (TMP_PREFIX) or a document being written (.HEX.tmp-). */
  sc_store_remove_stale(c->blobs_fd, ".");
  sc_store_remove_stale(c->layout_fd, ".index.json.tmp-");
  return 0;
}

void sc_base_cache_close(sc_base_cache *c)
{
  free(c->path);
  if (c->blobs_fd >= 0)
    close(c->blobs_fd);
  if (c->layout_fd >= 0)
    close(c->layout_fd); /* releases the lock */
  *c = (sc_base_cache){.layout_fd = -1, .blobs_fd = -1};
}

int sc_base_cache_record(sc_base_cache *c, const char *manifest_digest, const char *media_type,
                         int64_t size, char **oci_reference, sc_error *err)
{
  json_t *index = NULL;
  if (sc_oci_index_read(c->layout_fd, &index, err) < 0)
    return sc_error_prefix(err, "cache %s", c->path);
  const char *hex = sc_digest_hex(manifest_digest);
  json_t *descriptor =
      json_pack("{s:s,s:s,s:I,s:{s:s}}", "mediaType", media_type, "digest", manifest_digest, "size",
                (json_int_t)size, "annotations", SC_ANNOTATION_REF_NAME, hex);
  json_decref(sc_oci_index_set_tag(index, hex, descriptor));
  json_decref(descriptor);
  int rc = sc_oci_index_write(c->layout_fd, index, err);
  json_decref(index);
  *oci_reference = xasprintf("oci:%s:%s", c->path, hex);
  return rc;
}

static int open_cache(pull_ctx *ctx, sc_error *err)
{
  int rc = sc_base_cache_open(ctx->options->cache_dir, ctx->options->registry.interrupted,
                              &ctx->cache, err);
  ctx->cache_path = ctx->cache.path;
  ctx->layout_fd = ctx->cache.layout_fd;
  ctx->blobs_fd = ctx->cache.blobs_fd;
  return rc;
}

/* Name the manifest in the cache's index.json by its digest's hex. */
static int cache_record(pull_ctx *ctx, const char *media_type, int64_t size, sc_error *err)
{
  return sc_base_cache_record(&ctx->cache, ctx->result->manifest_digest, media_type, size,
                              &ctx->result->oci_reference, err);
}

/* ---- talking to the registry ---- */

static int need_registry(pull_ctx *ctx, sc_error *err)
{
  if (ctx->registry)
    return 0;
  ctx->result->offline = false;
  return sc_registry_open(ctx->ref.host, &ctx->options->registry, &ctx->registry, err);
}

/* An answer that is not the content: what (already saying where, for
 * the blobs, whose errors fetch_blobs prefixes with the source once). */
static int unexpected(pull_ctx *ctx, const sc_http_response *resp, const char *what, sc_error *err)
{
  if (resp->status == 404)
    return sc_registry_error(err, resp, "%s not found", what);
  return sc_registry_unexpected(err, resp, ctx->options->registry.creds != NULL, "pull", what);
}

/* ---- manifests ---- */

typedef struct manifest_bytes {
  char *data;
  size_t len;
  char digest[SC_DIGEST_LEN + 1];
  json_t *doc;
  const char *media_type; /* in doc, or a static string */
} manifest_bytes;

static void manifest_bytes_clear(manifest_bytes *m)
{
  free(m->data);
  json_decref(m->doc);
  memset(m, 0, sizeof *m);
}

/* The media type from the document, else the Content-Type (without
 * parameters) the registry sent. */
static const char *media_type_of(json_t *doc, const char *content_type, char *buf, size_t size)
{
  const char *mt = json_string_value(json_object_get(doc, "mediaType"));
  if (mt)
    return mt;
  if (content_type == NULL)
    return NULL;
  snprintf(buf, size, "%.*s", (int)strcspn(content_type, "; "), content_type);
  return buf;
}

static int parse_manifest(pull_ctx *ctx, manifest_bytes *m, const char *content_type, sc_error *err)
{
  json_error_t jerr;
  m->doc = json_loadb(m->data, m->len, JSON_REJECT_DUPLICATES, &jerr);
  if (!json_is_object(m->doc))
    return sc_error_set(err, SC_E_INVALID, "%s: manifest %s is not a JSON object: %s", ctx->source,
                        m->digest, jerr.text);
  char buf[128];
  const char *mt = media_type_of(m->doc, content_type, buf, sizeof buf);
  if (mt && sc_str_has_prefix(mt, SC_MEDIA_TYPE_DOCKER_V1_PREFIX))
    return sc_error_set(err, SC_E_INVALID,
                        "%s: a Docker schema 1 manifest, which sc-build does not read: push the "
                        "base again with a current tool (schema 2 or OCI)",
                        ctx->source);
  static const char *const known[] = {SC_MEDIA_TYPE_OCI_MANIFEST, SC_MEDIA_TYPE_OCI_INDEX,
                                      SC_MEDIA_TYPE_DOCKER_MANIFEST, SC_MEDIA_TYPE_DOCKER_LIST};
  m->media_type = NULL;
  for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
    if (mt && strcmp(mt, known[i]) == 0)
      m->media_type = known[i];
  /* An OCI manifest may leave mediaType out: tell it by its fields. */
  if (m->media_type == NULL && mt == NULL)
    m->media_type =
        json_object_get(m->doc, "manifests") ? SC_MEDIA_TYPE_OCI_INDEX : SC_MEDIA_TYPE_OCI_MANIFEST;
  if (m->media_type == NULL)
    return sc_error_set(err, SC_E_INVALID, "%s: manifest of unknown media type '%.100s'",
                        ctx->source, mt);
  return 0;
}

static int read_cached_manifest(pull_ctx *ctx, const char *digest, manifest_bytes *m, sc_error *err)
{
  if (sc_read_file_at(ctx->blobs_fd, sc_digest_hex(digest), &m->data, &m->len, err) < 0)
    return -1;
  sc_sha256_digest(m->data, m->len, m->digest);
  if (strcmp(m->digest, digest) != 0) /* damaged: fetch it again */
    return sc_error_set(err, SC_E_INVALID, "cached manifest %s is damaged", digest);
  return parse_manifest(ctx, m, NULL, err);
}

/* GET /v2/REPO/manifests/REFERENCE (spec.md "Pulling manifests"): the
 * bytes must hash to the digest asked for, or to the one the registry
 * says (Docker-Content-Digest) when asking by tag. */
static int fetch_manifest(pull_ctx *ctx, const char *reference, const char *expected,
                          manifest_bytes *m, sc_error *err)
{
  if (need_registry(ctx, err) < 0)
    return -1;
  _cleanup_free_ char *target = xasprintf("/v2/%s/manifests/%s", ctx->ref.repository, reference);
  sc_http_request req = {.method = "GET",
                         .target = target,
                         .scope = ctx->scope,
                         .accept = accept_manifests,
                         .retry = true};
  sc_http_response resp = {.content_length = -1};
  if (sc_registry_request(ctx->registry, &req, &resp, err) < 0)
    return -1;
  int rc = 0;
  if (resp.status != 200) {
    _cleanup_free_ char *what = xasprintf("%s: manifest %s", ctx->source, reference);
    rc = unexpected(ctx, &resp, what, err);
  } else { /* its size is bounded by the registry's --max-response-size */
    m->len = resp.body.len;
    m->data = sc_buf_steal(&resp.body);
    if (m->data == NULL)
      m->data = xstrdup("");
    sc_sha256_digest(m->data, m->len, m->digest);
    const char *want = expected ? expected : resp.docker_content_digest;
    if (want && sc_str_has_prefix(want, "sha256:") && strcmp(want, m->digest) != 0)
      rc = sc_error_set(err, SC_E_INVALID,
                        "%s: the manifest the registry sent hashes to %s, not %.80s: refusing it",
                        ctx->source, m->digest, want);
    else
      rc = parse_manifest(ctx, m, resp.content_type, err);
  }
  sc_http_response_clear(&resp);
  return rc;
}

/* ---- the signature policy ---- */

/* Where the image's attachments and referrers are read from. */
static sc_attach_target attach_target(const pull_ctx *ctx)
{
  return (sc_attach_target){.registry = ctx->registry,
                            .scope = ctx->scope,
                            .host = ctx->ref.host,
                            .repository = ctx->ref.repository,
                            .have_creds = ctx->options->registry.creds != NULL};
}

/* The image's sigstore attachments, when registries.d enables them for it
 * (containers-registries.d(5) use-sigstore-attachments). */
static int read_attachments(pull_ctx *ctx, const sc_registries_d *d, char *const *scopes,
                            const sc_policy_image *img, sc_lookaside_signatures *sigs,
                            char **looked_in, sc_error *err)
{
  const char *enabled_by = NULL;
  if (!sc_registries_d_use_sigstore_attachments(d, scopes, &enabled_by)) {
    *looked_in = xasprintf("no sigstore attachments: registries.d %s does not set "
                           "use-sigstore-attachments: true for %s/%s",
                           sc_registries_d_dir(d), img->host, img->repository);
    return 0;
  }
  _cleanup_free_ char *tag = sc_sigstore_attachment_tag(img->manifest_digest);
  *looked_in =
      xasprintf("%s/%s:%s, from %s", img->host, img->repository, tag ? tag : "?", enabled_by);
  if (need_registry(ctx, err) < 0)
    return -1;
  sc_attach_target t = attach_target(ctx);
  return sc_sigstore_attachments_read(&t, img->manifest_digest, sigs, err);
}

static bool has_simple_signature(const sc_lookaside_signatures *sigs)
{
  for (size_t i = 0; i < sigs->count; i++)
    if (!sigs->items[i].sigstore)
      return true;
  return false;
}

/* The simple signatures push --sign-by attached as OCI 1.1 referrers
 * (referrer.h), which containers/image never reads: where registries.d
 * sets sc-build-use-referrer-signatures: true, and where nothing sets it
 * when the lookaside gave no simple signature (a reader without the
 * signer's lookaside): they are checked by the same keys, so reading them
 * admits nothing the policy would refuse.  *looked_in is appended to. */
static int read_referrer_signatures(pull_ctx *ctx, const sc_registries_d *d, char *const *scopes,
                                    const sc_policy_image *img, sc_lookaside_signatures *sigs,
                                    char **looked_in, sc_error *err)
{
  const char *set_by = NULL;
  int use = sc_registries_d_use_referrer_signatures(d, scopes, &set_by);
  if (use == 0 || (use < 0 && has_simple_signature(sigs)) ||
      !sc_policy_needs_simple_signatures(ctx->policy, img))
    return 0;
  const char *listed_by = NULL;
  int rc = need_registry(ctx, err);
  sc_attach_target t = attach_target(ctx);
  if (rc == 0)
    rc = sc_referrer_signatures_read(&t, img->manifest_digest, sigs, &listed_by, err);
  char *was = *looked_in;
  *looked_in =
      xasprintf("%s; and the referrers of %s/%s@%s (%s%s%s)", was, img->host, img->repository,
                img->manifest_digest, listed_by ? listed_by : "not listed",
                use == 1 ? ", from " : ", read as the lookaside had none", use == 1 ? set_by : "");
  free(was);
  return rc;
}

/* The image's signatures from its lookaside, its sigstore attachments and
 * the referrers that hold simple signatures, when the policy needs them;
 * where says where they were looked for. */
static int read_signatures(pull_ctx *ctx, const sc_policy_image *img, sc_lookaside_signatures *sigs,
                           char **lookaside, char **attachments, sc_error *err)
{
  sc_registries_d *d = NULL;
  if (sc_registries_d_load(ctx->options->registries_d, &d, err) < 0) {
    sc_registries_d_free(d);
    return -1;
  }
  _cleanup_strv_ char **scopes =
      sc_docker_scopes(img->host, img->repository, img->tag, img->digest);
  const char *configured = NULL;
  const char *url = sc_registries_d_lookaside(d, scopes, false, &configured);
  int rc = 0;
  if (url == NULL) {
    *lookaside = xasprintf("no lookaside: registries.d %s %s for %s/%s", sc_registries_d_dir(d),
                           sc_registries_d_missing(d) ? "does not exist, so none is configured"
                                                      : "configures none",
                           img->host, img->repository);
  } else {
    *lookaside = xasprintf("%s, from %s", url, configured);
    rc = sc_lookaside_read(url, img->repository, img->manifest_digest, sigs, err);
  }
  if (rc == 0)
    rc = read_attachments(ctx, d, scopes, img, sigs, attachments, err);
  if (rc == 0)
    rc = read_referrer_signatures(ctx, d, scopes, img, sigs, lookaside, err);
  sc_registries_d_free(d);
  return rc;
}

/* The top-level manifest against the policy, before it is cached. */
static int check_policy(pull_ctx *ctx, const manifest_bytes *m, sc_error *err)
{
  sc_policy_image img = {.host = ctx->ref.host,
                         .repository = ctx->ref.repository,
                         .tag = ctx->ref.tag,
                         .digest = ctx->ref.digest,
                         .manifest_digest = m->digest};
  sc_lookaside_signatures sigs = {0};
  _cleanup_free_ char *lookaside = NULL, *attachments = NULL;
  int rc = 0;
  if (sc_policy_needs_signatures(ctx->policy, &img) &&
      read_signatures(ctx, &img, &sigs, &lookaside, &attachments, err) < 0)
    rc = sc_policy_refuse_unreadable(ctx->policy, &img, err);
  /* the policy's message names the image already */
  sc_policy_sources where = {lookaside, attachments};
  if (rc == 0)
    rc = sc_policy_check(ctx->policy, &img, sigs.items, sigs.count, &where, ctx->options->tmpdir,
                         err);
  sc_lookaside_signatures_clear(&sigs);
  return rc;
}

/* A manifest by digest from the cache when it is there, else the registry;
 * by tag always from the registry (a tag moves).  The top-level one is
 * checked against the policy before it is stored. */
static int load_manifest(pull_ctx *ctx, const char *reference, const char *digest, bool top,
                         manifest_bytes *m, sc_error *err)
{
  if (digest && sc_oci_has_blob(ctx->blobs_fd, digest, -1)) {
    sc_error cached = SC_ERROR_INIT;
    int rc = read_cached_manifest(ctx, digest, m, &cached);
    sc_error_clear(&cached);
    if (rc == 0)
      return top ? check_policy(ctx, m, err) : 0;
    manifest_bytes_clear(m);
  }
  if (fetch_manifest(ctx, reference, digest, m, err) < 0 || (top && check_policy(ctx, m, err) < 0))
    return -1;
  return sc_oci_write_blob(ctx->blobs_fd, m->data, m->len, m->digest, err);
}

/* ---- blobs ---- */

typedef struct download {
  pull_ctx *ctx;
  const sc_descriptor *d;
  int fd;
  sc_sha256 *hash;
  int64_t pos;   /* bytes in the file */
  int64_t start; /* where this attempt started */
  bool started;  /* this attempt has seen body bytes */
  const sc_http_response *resp;
  sc_error err; /* why the sink stopped the transfer */
} download;

static int restart_download(download *dl)
{
  if (ftruncate(dl->fd, 0) < 0 || lseek(dl->fd, 0, SEEK_SET) < 0)
    return sc_error_set_errno(&dl->err, errno, "cannot rewind a download");
  sc_sha256_free(dl->hash);
  dl->hash = sc_sha256_new();
  dl->pos = dl->start = 0;
  return 0;
}

/* The first bytes of an answer: a 206 must continue where we are, a 200
 * is the whole blob again. */
static int check_answer(download *dl)
{
  dl->started = true;
  if (dl->resp->status == 200)
    return dl->pos == 0 ? 0 : restart_download(dl);
  int64_t first, last, length;
  if (dl->resp->status != 206 ||
      sc_content_range_parse(dl->resp->content_range, &first, &last, &length) < 0 ||
      first != dl->pos || (length >= 0 && length != dl->d->size))
    return sc_error_set(&dl->err, SC_E_INVALID,
                        "blob %s: the registry answered a range "
                        "request with %ld and Content-Range '%.64s'",
                        dl->d->digest, dl->resp->status,
                        dl->resp->content_range ? dl->resp->content_range : "");
  return 0;
}

static int on_data(const void *data, size_t len, void *user)
{
  download *dl = user;
  if (!dl->started && check_answer(dl) < 0)
    return -1;
  if (dl->pos + (int64_t)len > dl->d->size)
    return sc_error_set(&dl->err, SC_E_INVALID,
                        "blob %s: the registry sent more than its size of %lld bytes",
                        dl->d->digest, (long long)dl->d->size);
  if (sc_write_all(dl->fd, data, len) < 0)
    return sc_error_set_errno(&dl->err, errno, "cannot write to cache %s", dl->ctx->cache_path);
  sc_sha256_update(dl->hash, data, len);
  dl->pos += (int64_t)len;
  return 0;
}

static void on_received(int64_t received, void *user)
{
  download *dl = user;
  report(dl->ctx, dl->d->digest, SC_PULL_BLOB_DOWNLOADING, dl->start + received, dl->d->size);
}

/* One GET of the rest of the blob.  0: the answer came (any status);
 * -1 with EAGAIN: the connection dropped, try again from dl->pos. */
static int get_rest(download *dl, sc_http_response *resp, sc_error *err)
{
  pull_ctx *ctx = dl->ctx;
  _cleanup_free_ char *target = xasprintf("/v2/%s/blobs/%s", ctx->ref.repository, dl->d->digest);
  _cleanup_free_ char *range = dl->pos > 0 ? xasprintf("bytes=%lld-", (long long)dl->pos) : NULL;
  dl->start = dl->pos;
  dl->started = false;
  dl->resp = resp;
  sc_http_request req = {.method = "GET",
                         .target = target,
                         .scope = ctx->scope,
                         .range = range,
                         .sink = on_data,
                         .sink_user = dl,
                         .progress = on_received,
                         .progress_user = dl};
  int rc = sc_registry_request(ctx->registry, &req, resp, err);
  if (dl->err.msg) { /* the sink's reason wins over curl's "write error" */
    sc_error_clear(err);
    sc_error_move(err, &dl->err);
    return -1;
  }
  return rc;
}

static int download_attempts(download *dl, sc_error *err)
{
  pull_ctx *ctx = dl->ctx;
  for (int attempt = 0;; attempt++) {
    sc_http_response resp = {.content_length = -1};
    int rc = get_rest(dl, &resp, err);
    long status = resp.status;
    if (rc == 0 && status == 416 && dl->pos > 0) { /* the range is gone: start over */
      sc_http_response_clear(&resp);
      if (restart_download(dl) < 0) {
        sc_error_move(err, &dl->err);
        return -1;
      }
      continue;
    }
    if (rc == 0 && status != 200 && status != 206) {
      _cleanup_free_ char *what = xasprintf("blob %s", dl->d->digest);
      rc = unexpected(ctx, &resp, what, err);
    }
    sc_http_response_clear(&resp);
    if (rc == 0 && dl->pos == dl->d->size)
      return 0;
    if (rc == 0) /* the answer ended early without an error */
      sc_error_set(err, EAGAIN, "blob %s: %lld of %lld bytes came", dl->d->digest,
                   (long long)dl->pos, (long long)dl->d->size);
    if (err->code != EAGAIN || attempt + 1 >= DOWNLOAD_ATTEMPTS)
      return -1;
    sc_error_clear(err);
    if (!sc_registry_backoff(ctx->registry, attempt))
      return sc_error_set(err, SC_E_INTERRUPTED, "interrupted");
  }
}

/* GET /v2/REPO/blobs/DIGEST (spec.md "Pulling blobs") into a temporary
 * file, checked, then renamed to its digest. */
static int download_blob(pull_ctx *ctx, const sc_descriptor *d, sc_error *err)
{
  _cleanup_free_ char *tmp = NULL;
  download dl = {.ctx = ctx, .d = d, .err = SC_ERROR_INIT};
  dl.fd = sc_oci_blob_create(ctx->blobs_fd, TMP_PREFIX, &tmp, err);
  if (dl.fd < 0)
    return sc_error_prefix(err, "cache %s", ctx->cache_path);
  dl.hash = sc_sha256_new();
  int rc = download_attempts(&dl, err);
  char got[SC_DIGEST_LEN + 1];
  sc_sha256_finish(dl.hash, got); /* frees the hash */
  if (rc == 0 && strcmp(got, d->digest) != 0)
    rc = sc_error_set(err, SC_E_INVALID,
                      "blob %s: the registry sent content that hashes to %s: refusing it",
                      d->digest, got);
  if (rc == 0 && sc_oci_blob_store(ctx->blobs_fd, dl.fd, tmp, d->digest, err) < 0)
    rc = sc_error_prefix(err, "cache %s", ctx->cache_path);
  if (rc < 0)
    unlinkat(ctx->blobs_fd, tmp, 0);
  sc_error_clear(&dl.err);
  close(dl.fd);
  return rc;
}

/* One blob, over the worker's connection (in a copy of the context). */
static int download_item(void *shared, sc_registry *registry, size_t index, sc_error *err)
{
  pull_ctx ctx = *(const pull_ctx *)shared;
  ctx.registry = registry;
  const sc_descriptor *d = &ctx.blobs[index];
  if (interrupted(&ctx))
    return sc_error_set(err, SC_E_INTERRUPTED, "interrupted");
  if (download_blob(&ctx, d, err) < 0)
    return -1;
  blob_done(&ctx, d, SC_PULL_BLOB_DOWNLOADED);
  return 0;
}

/* The config (first) and the layers of an image manifest, checked. */
static int parse_blobs(pull_ctx *ctx, json_t *manifest, sc_descriptor **out, size_t *count,
                       sc_error *err)
{
  json_t *layers = json_object_get(manifest, "layers");
  if (!json_is_array(layers))
    return sc_error_set(err, SC_E_INVALID, "%s: the manifest has no layers array", ctx->source);
  *count = json_array_size(layers) + 1;
  *out = xcalloc(*count, sizeof **out);
  if (sc_descriptor_parse(json_object_get(manifest, "config"), "config", &(*out)[0], err) < 0)
    return sc_error_prefix(err, "%s", ctx->source);
  for (size_t i = 1; i < *count; i++) {
    json_t *layer = json_array_get(layers, i - 1);
    _cleanup_free_ char *what = xasprintf("layer %zu", i - 1);
    if (sc_descriptor_parse(layer, what, &(*out)[i], err) < 0)
      return sc_error_prefix(err, "%s", ctx->source);
  }
  return 0;
}

/* Every blob of the manifest into the cache: what is there is counted,
 * the rest downloads, up to `jobs` at once (a layer listed twice once). */
static int fetch_blobs(pull_ctx *ctx, json_t *manifest, sc_error *err)
{
  sc_descriptor *all = NULL;
  size_t count = 0, missing = 0;
  int rc = parse_blobs(ctx, manifest, &all, &count, err);
  for (size_t i = 0; rc == 0 && i < count; i++) {
    bool seen = false;
    for (size_t j = 0; j < missing && !seen; j++)
      seen = strcmp(all[j].digest, all[i].digest) == 0;
    if (seen)
      continue;
    if (sc_oci_has_blob(ctx->blobs_fd, all[i].digest, all[i].size)) {
      blob_done(ctx, &all[i], SC_PULL_BLOB_CACHED);
    } else { /* keep the missing ones at the front */
      sc_descriptor t = all[missing];
      all[missing++] = all[i];
      all[i] = t;
    }
  }
  if (rc == 0 && missing > 0 && need_registry(ctx, err) < 0)
    rc = -1;
  if (rc == 0 && missing > 0) {
    ctx->blobs = all;
    rc = sc_parallel_transfer(ctx->registry, ctx->options->jobs, missing, download_item, ctx, err);
    if (rc < 0)
      sc_error_prefix(err, "%s", ctx->source);
  }
  for (size_t i = 0; i < count; i++)
    sc_descriptor_clear(&all[i]);
  free(all);
  return rc;
}

/* ---- the whole pull ---- */

static bool is_index(const manifest_bytes *m)
{
  return strcmp(m->media_type, SC_MEDIA_TYPE_OCI_INDEX) == 0 ||
         strcmp(m->media_type, SC_MEDIA_TYPE_DOCKER_LIST) == 0;
}

/* From an index to the platform's manifest, checked against its descriptor. */
static int resolve_platform(pull_ctx *ctx, manifest_bytes *m, sc_error *err)
{
  const sc_pull_options *o = ctx->options;
  _cleanup_free_ char *host_arch = o->architecture ? NULL : sc_host_architecture();
  json_t *chosen =
      sc_pull_select_platform(m->doc, o->os ? o->os : "linux",
                              o->architecture ? o->architecture : host_arch, o->variant, err);
  sc_descriptor d = {0};
  if (chosen == NULL || sc_descriptor_parse(chosen, "index entry", &d, err) < 0)
    return sc_error_prefix(err, "%s", ctx->source);
  manifest_bytes platform = {0};
  int rc = load_manifest(ctx, d.digest, d.digest, false, &platform, err);
  if (rc == 0 && (int64_t)platform.len != d.size)
    rc = sc_error_set(err, SC_E_INVALID, "%s: manifest %s is %zu bytes, its index says %lld",
                      ctx->source, d.digest, platform.len, (long long)d.size);
  if (rc == 0 && is_index(&platform))
    rc = sc_error_set(err, SC_E_INVALID, "%s: the index entry for the platform is an index too",
                      ctx->source);
  sc_descriptor_clear(&d);
  manifest_bytes_clear(m);
  *m = platform;
  return rc;
}

/* Every platform's manifest of the index and their blobs (options->all):
 * the cache then names the index. */
static int fetch_all_platforms(pull_ctx *ctx, const manifest_bytes *index, sc_error *err)
{
  size_t i;
  json_t *entry;
  json_array_foreach(json_object_get(index->doc, "manifests"), i, entry)
  {
    sc_descriptor d = {0};
    manifest_bytes platform = {0};
    int rc = sc_descriptor_parse(entry, "index entry", &d, err) < 0
                 ? -1
                 : load_manifest(ctx, d.digest, d.digest, false, &platform, err);
    if (rc == 0 && (int64_t)platform.len != d.size)
      rc = sc_error_set(err, SC_E_INVALID, "%s: manifest %s is %zu bytes, its index says %lld",
                        ctx->source, d.digest, platform.len, (long long)d.size);
    if (rc == 0 && is_index(&platform))
      rc = sc_error_set(err, SC_E_INVALID, "%s: index entry %zu is an index too", ctx->source,
                        i + 1);
    if (rc == 0)
      rc = fetch_blobs(ctx, platform.doc, err);
    sc_descriptor_clear(&d);
    manifest_bytes_clear(&platform);
    if (rc < 0)
      return sc_error_prefix(err, "index entry %zu", i + 1);
  }
  return 0;
}

static int pull(pull_ctx *ctx, sc_error *err)
{
  if (sc_policy_load(ctx->options->policy, &ctx->policy, err) < 0)
    return sc_error_prefix(err, "%s", ctx->source);
  if (open_cache(ctx, err) < 0)
    return -1;
  ctx->result->offline = true; /* until a request is made */
  manifest_bytes m = {0};
  const char *reference = ctx->ref.digest ? ctx->ref.digest : ctx->ref.tag;
  int rc = load_manifest(ctx, reference, ctx->ref.digest, true, &m, err);
  bool whole = rc == 0 && is_index(&m) && ctx->options->all;
  if (whole)
    rc = fetch_all_platforms(ctx, &m, err);
  else if (rc == 0 && is_index(&m))
    rc = resolve_platform(ctx, &m, err);
  if (rc == 0 && !whole)
    rc = fetch_blobs(ctx, m.doc, err);
  if (rc == 0) {
    memcpy(ctx->result->manifest_digest, m.digest, sizeof m.digest);
    rc = cache_record(ctx, m.media_type, (int64_t)m.len, err);
  }
  manifest_bytes_clear(&m);
  return rc;
}

/* One place to pull from (a mirror, or the image's registry). */
static int pull_from(const char *source, const sc_pull_options *options, sc_pull_result *result,
                     sc_error *err)
{
  memset(result, 0, sizeof *result);
  pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
  pull_ctx ctx = {.options = options,
                  .source = source,
                  .layout_fd = -1,
                  .blobs_fd = -1,
                  .cache = {.layout_fd = -1, .blobs_fd = -1},
                  .result = result,
                  .lock = &lock};
  int rc = sc_registry_ref_parse(source, &ctx.ref, err);
  if (rc == 0) {
    ctx.scope = xasprintf("repository:%s:pull", ctx.ref.repository);
    rc = pull(&ctx, err);
  }
  sc_registry_free(ctx.registry);
  sc_policy_free(ctx.policy);
  sc_registry_ref_clear(&ctx.ref);
  free(ctx.scope);
  sc_base_cache_close(&ctx.cache);
  return rc;
}

static char *host_of(const char *reference)
{
  sc_registry_ref ref;
  if (sc_registry_ref_parse(reference, &ref, NULL) < 0)
    return NULL;
  char *host = steal_pointer(&ref.host);
  sc_registry_ref_clear(&ref);
  return host;
}

/* The host the credentials given are for: the one the user named, or
 * for a short name the registry it resolved to (attempt->name), where
 * they are only what was given (--creds), never an auth file's entry for
 * docker.io. */
static char *named_host(const char *source, const sc_pull_attempt *attempt)
{
  const char *name = source + strlen("docker://");
  if (!sc_registries_is_short_name(name))
    return host_of(source);
  return xstrndup(attempt->name, strcspn(attempt->name, "/"));
}

/* The pull options for one attempt: TLS off for an insecure registry;
 * the credentials given are for the host the user named, another host
 * gets its own from creds_for (into *own), or none. */
static int attempt_options(const sc_pull_options *options, const char *source,
                           const sc_pull_attempt *attempt, sc_pull_options *o,
                           sc_registry_creds *own, sc_error *err)
{
  *o = *options;
  sc_registry_ref ref;
  if (sc_registry_ref_parse(attempt->reference, &ref, err) < 0)
    return -1;
  int rc = 0;
  if (attempt->insecure)
    o->registry.tls_verify = false;
  _cleanup_free_ char *source_host = named_host(source, attempt);
  if (source_host == NULL || strcmp(ref.host, source_host) != 0 || o->registry.creds == NULL) {
    o->registry.creds = NULL;
    if (options->registry.creds_for)
      rc = options->registry.creds_for(ref.host, ref.repository, own, options->registry.creds_user,
                                       err);
    if (rc == 1)
      o->registry.creds = own;
  }
  sc_registry_ref_clear(&ref);
  return rc < 0 ? -1 : 0;
}

/* The places of the plan in order until one has the image; the error of
 * the last one, after what the others said. */
static int pull_plan(const sc_pull_attempt *plan, size_t n, const char *source,
                     const sc_pull_options *options, sc_pull_result *result, sc_error *err)
{
  sc_buf tried = SC_BUF_INIT;
  int rc = -1;
  for (size_t i = 0; i < n && rc < 0; i++) {
    sc_pull_options o;
    sc_registry_creds own = {0};
    sc_error_clear(err);
    if (attempt_options(options, source, &plan[i], &o, &own, err) == 0 &&
        (rc = pull_from(plan[i].reference, &o, result, err)) == 0)
      result->name = xstrdup(plan[i].name);
    sc_registry_creds_clear(&own);
    if (rc < 0 && (err->code == SC_E_INTERRUPTED || sc_interrupted(o.registry.interrupted)))
      break;
    if (rc < 0 && i + 1 < n)
      sc_buf_printf(&tried, "%s%s", tried.len ? "; " : "", err->msg);
  }
  if (rc < 0 && tried.len) {
    _cleanup_free_ char *msg = steal_pointer(&err->msg);
    sc_error_set(err, err->code, "%s (tried before: %s)", msg, tried.data);
  }
  sc_buf_free(&tried);
  return rc;
}

int sc_pull(const char *source, const sc_pull_options *options, sc_pull_result *result,
            sc_error *err)
{
  memset(result, 0, sizeof *result);
  sc_registries_conf conf = SC_REGISTRIES_CONF_INIT;
  if (options->registry.registries &&
      sc_registries_conf_load(options->registry.registries, &conf, err) < 0)
    return -1;
  sc_pull_attempt *plan = NULL;
  size_t n = 0;
  int rc =
      sc_registries_pull_plan(options->registry.registries ? &conf : NULL, source, &plan, &n, err);
  if (rc == 0)
    rc = pull_plan(plan, n, source, options, result, err);
  sc_pull_attempts_free(plan, n);
  sc_registries_conf_clear(&conf);
  return rc;
}
