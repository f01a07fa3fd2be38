/* image-source.c: any image reference as one sc_image_open reads
 * (image-source.h). */
#include "image-source.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "descriptor.h"
#include "digest.h"
#include "image-archive.h"
#include "oci.h"
#include "ostree-export.h"
#include "referrer.h"
#include "store.h"
#include "util.h"

#define TMP_PREFIX "sc-import-"

/* What one resolution holds while it works. */
typedef struct resolving {
  sc_image_source *src;
  const sc_image_source_options *options;
  volatile const int *interrupted;
  sc_base_cache cache;
  char *tmp_path; /* a temporary layout, or NULL */
  int tmp_fd;     /* holds its lock */
} resolving;

/* A message about a temporary copy names the reference as typed. */
static void name_as_typed(sc_error *err, const char *tmp, const char *text)
{
  if (err == NULL || err->msg == NULL || tmp == NULL)
    return;
  sc_buf b = SC_BUF_INIT;
  const char *p = err->msg, *hit;
  while ((hit = strstr(p, tmp)) != NULL) {
    sc_buf_append(&b, p, (size_t)(hit - p));
    sc_buf_puts(&b, text);
    p = hit + strlen(tmp);
  }
  sc_buf_puts(&b, p);
  free(err->msg);
  err->msg = sc_buf_steal(&b);
  if (err->file && strstr(err->file, tmp)) {
    free(err->file);
    err->file = xstrdup(text);
  }
}

/* An archive to read: a regular file (a FIFO or a device would never end,
 * and O_NONBLOCK keeps the open itself from waiting for a FIFO writer). */
static int open_regular(const char *path, sc_error *err)
{
  _cleanup_close_ int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  struct stat st;
  if (fd < 0)
    return sc_error_set_errno(err, errno, "cannot open %s", path);
  if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
    return sc_error_set(err, SC_E_INVALID, "%s is not a regular file", path);
  return steal_fd(&fd);
}

/* ---- into the cache ---- */

static int copy_checked(int in, int out, const char *digest, sc_error *err)
{
  sc_digest_writer w;
  sc_digest_writer_init(&w, out);
  char buf[1 << 16];
  ssize_t n;
  int rc = 0;
  while (rc == 0 && (n = read(in, buf, sizeof buf)) > 0)
    rc = sc_digest_writer_write(&w, buf, (size_t)n, err);
  if (rc == 0 && n < 0)
    rc = sc_error_set_errno(err, errno, "cannot read blob %s", digest);
  if (rc < 0) {
    sc_digest_writer_clear(&w);
    return -1;
  }
  char got[SC_DIGEST_LEN + 1];
  sc_digest_writer_finish(&w, got);
  if (strcmp(got, digest) != 0)
    return sc_error_set(err, SC_E_INVALID,
                        "blob %s has digest %s: the image is corrupt or was tampered with", digest,
                        got);
  return 0;
}

/* Copy the blob `digest` of `size` bytes from the directory from_fd
 * (named by its hex, as layouts and dir: name blobs) into the cache,
 * checked against its digest; a blob the cache holds is kept. */
static int import_blob(resolving *r, int from_fd, json_t *descriptor, sc_error *err)
{
  const char *digest = json_string_value(json_object_get(descriptor, "digest"));
  json_t *size = json_object_get(descriptor, "size");
  if (!sc_digest_is_valid(digest) || !json_is_integer(size) || json_integer_value(size) < 0)
    return sc_error_set(err, SC_E_INVALID,
                        "the manifest has a descriptor without a sha256 "
                        "digest and a size");
  if (sc_oci_has_blob(r->cache.blobs_fd, digest, json_integer_value(size)))
    return 0;
  _cleanup_close_ int in =
      openat(from_fd, sc_digest_hex(digest), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  struct stat st;
  if (in < 0)
    return sc_error_set_errno(err, errno, "cannot open blob %s", digest);
  if (fstat(in, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size != json_integer_value(size))
    return sc_error_set(err, SC_E_INVALID, "blob %s is not a regular file of %lld bytes", digest,
                        (long long)json_integer_value(size));
  _cleanup_free_ char *tmp = NULL;
  _cleanup_close_ int out = sc_oci_blob_create(r->cache.blobs_fd, ".tmp-import-", &tmp, err);
  if (out < 0)
    return -1;
  if (copy_checked(in, out, digest, err) < 0 ||
      sc_oci_blob_store(r->cache.blobs_fd, out, tmp, digest, err) < 0) {
    unlinkat(r->cache.blobs_fd, tmp, 0);
    return -1;
  }
  return 0;
}

/* The manifest (its bytes) and every blob it names, from the directory
 * blobs_fd into the cache; digest is the manifest's. */
static int import_image_blobs(resolving *r, int blobs_fd, const char *data, size_t len,
                              char digest[SC_DIGEST_LEN + 1], sc_error *err)
{
  json_error_t jerr;
  _cleanup_(json_decrefp) json_t *doc = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
  if (!json_is_object(doc))
    return sc_error_set(err, SC_E_INVALID, "the manifest is not JSON: %s", jerr.text);
  json_t *layers = json_object_get(doc, "layers");
  if (!json_is_array(layers) || !json_is_object(json_object_get(doc, "config")))
    return sc_error_set(err, SC_E_INVALID,
                        "the manifest is not an image manifest (no config "
                        "and layers): an index or an artifact is not read");
  if (import_blob(r, blobs_fd, json_object_get(doc, "config"), err) < 0)
    return -1;
  size_t i;
  json_t *layer;
  json_array_foreach(layers, i, layer)
  {
    if (import_blob(r, blobs_fd, layer, err) < 0)
      return -1;
  }
  return sc_oci_write_blob(r->cache.blobs_fd, data, len, digest, err);
}

/* The manifest and its blobs into the cache; src->local names it there. */
static int import_manifest(resolving *r, int blobs_fd, const char *data, size_t len, sc_error *err)
{
  json_error_t jerr;
  _cleanup_(json_decrefp) json_t *doc = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
  const char *media_type = json_string_value(json_object_get(doc, "mediaType"));
  char digest[SC_DIGEST_LEN + 1];
  if (import_image_blobs(r, blobs_fd, data, len, digest, err) < 0)
    return -1;
  return sc_base_cache_record(&r->cache, digest,
                              media_type ? media_type : SC_MEDIA_TYPE_OCI_MANIFEST, (int64_t)len,
                              &r->src->local, err);
}

/* A document blob of blobs_fd, checked against its digest. */
static int read_document(int blobs_fd, const char *digest, char **data, size_t *len, sc_error *err)
{
  if (!sc_digest_is_valid(digest))
    return sc_error_set(err, SC_E_INVALID, "an index entry without a sha256 digest");
  if (sc_read_file_at_max(blobs_fd, sc_digest_hex(digest), SC_JSON_DOCUMENT_MAX, data, len, err) <
      0)
    return -1;
  char actual[SC_DIGEST_LEN + 1];
  sc_sha256_digest(*data, *len, actual);
  if (strcmp(actual, digest) != 0)
    return sc_error_set(err, SC_E_INVALID, "blob %s does not match its digest (it is %s)", digest,
                        actual);
  return 0;
}

/* An image index (a multi-platform image): every platform's image, then
 * the index, which src->local names. */
static int import_index(resolving *r, int blobs_fd, json_t *index, const char *index_digest,
                        sc_error *err)
{
  size_t i;
  json_t *m;
  json_array_foreach(json_object_get(index, "manifests"), i, m)
  {
    _cleanup_free_ char *data = NULL;
    size_t len = 0;
    char digest[SC_DIGEST_LEN + 1];
    const char *d = json_string_value(json_object_get(m, "digest"));
    if (read_document(blobs_fd, d, &data, &len, err) < 0 ||
        import_image_blobs(r, blobs_fd, data, len, digest, err) < 0)
      return sc_error_prefix(err, "index entry %zu", i + 1);
  }
  _cleanup_free_ char *data = NULL;
  size_t len = 0;
  char digest[SC_DIGEST_LEN + 1];
  if (read_document(blobs_fd, index_digest, &data, &len, err) < 0 ||
      sc_oci_write_blob(r->cache.blobs_fd, data, len, digest, err) < 0)
    return -1;
  const char *media_type = json_string_value(json_object_get(index, "mediaType"));
  return sc_base_cache_record(&r->cache, digest, media_type ? media_type : SC_MEDIA_TYPE_OCI_INDEX,
                              (int64_t)len, &r->src->local, err);
}

/* The artifacts the temporary layout lists that refer to what was
 * imported (an SBOM, a signature: referrer.h), into the cache beside it
 * in place of those an earlier import left there: the cache's layout then
 * serves the archive's referrers to push, inspect and copies, as an oci:
 * source's layout serves its own.  Of an index (may be NULL), those of
 * each platform's image and of the index itself. */
static int import_referrers(resolving *r, int layout_fd, const json_t *index, const char *digest,
                            sc_error *err)
{
  size_t i;
  json_t *m;
  json_array_foreach(json_object_get(index, "manifests"), i, m)
  {
    const char *d = json_string_value(json_object_get(m, "digest"));
    if (d && (sc_referrer_forget(r->cache.layout_fd, d, err) < 0 ||
              sc_referrer_copy(layout_fd, r->cache.layout_fd, d, NULL, err) < 0))
      return -1;
  }
  if (sc_referrer_forget(r->cache.layout_fd, digest, err) < 0 ||
      sc_referrer_copy(layout_fd, r->cache.layout_fd, digest, NULL, err) < 0)
    return -1;
  return 0;
}

/* The index of the temporary layout, when layout_ref names one: 1 when
 * it was imported. */
static int import_layout_index(resolving *r, const char *layout_ref, sc_error *err)
{
  _cleanup_(json_decrefp) json_t *index = NULL;
  _cleanup_free_ char *index_digest = NULL;
  int is_index = sc_image_open_index(layout_ref, &index, &index_digest, err);
  if (is_index <= 0)
    return is_index;
  sc_image_ref ref;
  if (sc_image_ref_parse(layout_ref, SC_REF_SOURCE, &ref, err) < 0)
    return -1;
  _cleanup_close_ int layout_fd = open(ref.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  _cleanup_close_ int blobs_fd = layout_fd >= 0 ? sc_oci_open_blobs(layout_fd, err) : -1;
  int rc = blobs_fd < 0 ? -1 : import_index(r, blobs_fd, index, index_digest, err);
  if (rc == 0)
    rc = import_referrers(r, layout_fd, index, index_digest, err);
  if (rc == 0 && r->src->name == NULL)
    r->src->name = ref.ref ? xstrdup(ref.ref) : sc_oci_first_ref_name(layout_fd);
  sc_image_ref_clear(&ref);
  return rc < 0 ? -1 : 1;
}

/* The image of the temporary layout that layout_ref names, into the cache:
 * a whole image index when it names one. */
static int import_layout(resolving *r, const char *layout_ref, sc_error *err)
{
  int imported = import_layout_index(r, layout_ref, err);
  if (imported != 0)
    return imported < 0 ? -1 : 0;
  sc_image *image = NULL;
  if (sc_image_open(layout_ref, &image, err) < 0)
    return -1;
  _cleanup_free_ char *data = NULL;
  size_t len = 0;
  _cleanup_close_ int blobs_fd = sc_oci_open_blobs(image->layout_fd, err);
  int rc = blobs_fd < 0 ? -1
                        : sc_read_file_at_max(blobs_fd, sc_digest_hex(image->manifest_digest),
                                              SC_JSON_DOCUMENT_MAX, &data, &len, err);
  if (rc == 0)
    rc = import_manifest(r, blobs_fd, data, len, err);
  if (rc == 0)
    rc = import_referrers(r, image->layout_fd, NULL, image->manifest_digest, err);
  if (rc == 0 && r->src->name == NULL)
    r->src->name = image->tag ? xstrdup(image->tag) : sc_oci_first_ref_name(image->layout_fd);
  sc_image_free(image);
  return rc;
}

static int make_tmp(resolving *r, sc_error *err)
{
  r->tmp_fd = sc_store_tmp_dir(r->options->tmpdir, TMP_PREFIX, 0700, NULL, &r->tmp_path, err);
  if (r->tmp_fd >= 0 && strchr(r->tmp_path, ':'))
    return sc_error_set(err, SC_E_USAGE,
                        "the temporary directory has a ':' in its path, which "
                        "an oci: reference cannot hold: set TMPDIR elsewhere");
  return r->tmp_fd < 0 ? -1 : 0;
}

/* ---- each transport ---- */

static int resolve_oci_archive(resolving *r, sc_error *err)
{
  const sc_image_ref *ref = &r->src->ref;
  _cleanup_close_ int fd = open_regular(ref->path, err);
  if (fd < 0 || make_tmp(r, err) < 0 || sc_oci_archive_extract(fd, r->tmp_fd, err) < 0)
    return -1;
  _cleanup_free_ char *layout =
      ref->ref ? xasprintf("oci:%s:%s", r->tmp_path, ref->ref) : xasprintf("oci:%s", r->tmp_path);
  return import_layout(r, layout, err);
}

static int resolve_docker_archive(resolving *r, sc_error *err)
{
  const sc_image_ref *ref = &r->src->ref;
  _cleanup_close_ int fd = open_regular(ref->path, err);
  if (fd < 0 || make_tmp(r, err) < 0 ||
      sc_docker_archive_to_layout(fd, ref->ref, ref->index, r->tmp_fd, &r->src->name, err) < 0)
    return -1;
  _cleanup_free_ char *layout = xasprintf("oci:%s", r->tmp_path);
  return import_layout(r, layout, err);
}

/* containers/image's dir: transport: manifest.json and each blob as a
 * file named by its digest's hex. */
static int resolve_dir(resolving *r, sc_error *err)
{
  const sc_image_ref *ref = &r->src->ref;
  _cleanup_close_ int dir_fd = open(ref->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0)
    return sc_error_set_errno(err, errno, "cannot open directory %s", ref->path);
  _cleanup_free_ char *data = NULL;
  size_t len = 0;
  if (sc_read_file_at_max(dir_fd, "manifest.json", SC_JSON_DOCUMENT_MAX, &data, &len, err) < 0 ||
      import_manifest(r, dir_fd, data, len, err) < 0)
    return -1;
  _cleanup_free_ char *trimmed = xstrdup(ref->path);
  for (size_t n = strlen(trimmed); n > 1 && trimmed[n - 1] == '/'; n--)
    trimmed[n - 1] = '\0';
  r->src->name = sc_path_basename(trimmed);
  return 0;
}

/* An OSTree image packed again as an OCI layout, for readers of blobs. */
static int resolve_ostree_layout(resolving *r, sc_error *err)
{
  sc_image *stored = NULL;
  if (sc_image_open(r->src->ref.text, &stored, err) < 0)
    return -1;
  sc_ostree_export_result exported = {0};
  int rc = make_tmp(r, err) < 0
               ? -1
               : sc_ostree_export(stored, r->tmp_fd, "image", r->interrupted, &exported, err);
  sc_image_free(stored);
  _cleanup_free_ char *layout = xasprintf("oci:%s:image", r->tmp_path);
  if (rc == 0)
    rc = import_layout(r, layout, err);
  free(r->src->name);
  r->src->name = xstrdup(r->src->ref.ref);
  return rc;
}

static int resolve_docker(resolving *r, sc_error *err)
{
  static const sc_pull_options defaults = {.registry.tls_verify = true};
  const sc_image_ref *ref = &r->src->ref;
  if (sc_pull(ref->text, r->options->pull ? r->options->pull : &defaults, &r->src->pulled, err) < 0)
    return -1;
  r->src->local = xstrdup(r->src->pulled.oci_reference);
  /* The name it was pulled by: a short name as registries.conf resolved it. */
  r->src->name = xstrdup(r->src->pulled.name);
  return 0;
}

static int resolve(resolving *r, sc_error *err)
{
  sc_transport t = r->src->ref.transport->transport;
  if (t == SC_TRANSPORT_DOCKER)
    return resolve_docker(r, err);
  if (t == SC_TRANSPORT_OCI || (t == SC_TRANSPORT_OSTREE && !r->options->need_layout)) {
    r->src->local = xstrdup(r->src->ref.text);
    return 0;
  }
  const char *cache_dir = r->options->pull ? r->options->pull->cache_dir : NULL;
  if (sc_base_cache_open(cache_dir, r->interrupted, &r->cache, err) < 0)
    return -1;
  switch (t) {
  case SC_TRANSPORT_OCI_ARCHIVE:
    return resolve_oci_archive(r, err);
  case SC_TRANSPORT_DOCKER_ARCHIVE:
    return resolve_docker_archive(r, err);
  case SC_TRANSPORT_DIR:
    return resolve_dir(r, err);
  default:
    return resolve_ostree_layout(r, err);
  }
}

/* An archive's name when it has no tag: its file name without the
 * extension ("hw.oci.tar" -> "hw"). */
static char *name_from_path(const char *path)
{
  char *name = sc_path_basename(path);
  char *dot = strchr(name, '.');
  if (dot && dot != name)
    *dot = '\0';
  return name;
}

int sc_image_source_resolve(const char *text, const sc_image_source_options *options,
                            sc_image_source *out, sc_error *err)
{
  static const sc_image_source_options defaults = {0};
  memset(out, 0, sizeof *out);
  unsigned role = SC_REF_SOURCE | (options && options->base_image ? SC_REF_EXPLICIT : 0);
  if (sc_image_ref_parse(text, role, &out->ref, err) < 0)
    return -1;
  resolving r = {.src = out,
                 .options = options ? options : &defaults,
                 .cache = {.layout_fd = -1, .blobs_fd = -1},
                 .tmp_fd = -1};
  r.interrupted = r.options->pull ? r.options->pull->registry.interrupted : NULL;
  int rc = resolve(&r, err);
  sc_base_cache_close(&r.cache);
  if (r.tmp_path)
    name_as_typed(err, r.tmp_path, text);
  sc_store_tmp_dir_remove(&r.tmp_path, &r.tmp_fd);
  if (rc < 0) {
    if (err && err->msg && !strstr(err->msg, text))
      sc_error_prefix(err, "%s", text);
    sc_image_source_clear(out);
    return -1;
  }
  if (out->name == NULL && out->ref.transport->transport != SC_TRANSPORT_OCI &&
      out->ref.transport->transport != SC_TRANSPORT_OSTREE)
    out->name = name_from_path(out->ref.path);
  return 0;
}

void sc_image_source_clear(sc_image_source *source)
{
  sc_image_ref_clear(&source->ref);
  free(source->local);
  free(source->name);
  sc_pull_result_clear(&source->pulled);
  memset(source, 0, sizeof *source);
}

int sc_image_source_open(const char *text, const sc_image_source_options *options, sc_image **out,
                         sc_error *err)
{
  sc_image_source src;
  if (sc_image_source_resolve(text, options, &src, err) < 0)
    return -1;
  int rc = sc_image_open(src.local, out, err);
  if (rc < 0 && err && err->msg && !strstr(err->msg, text))
    sc_error_prefix(err, "%s", text);
  if (rc == 0 && src.name) {
    sc_image *image = *out;
    free(image->name);
    free(image->tag);
    image->name = xstrdup(src.name);
    if (src.ref.transport->transport == SC_TRANSPORT_DOCKER) {
      /* atomic tags a pulled image REPO:TAG, of the name it was pulled by
       * (HOST/REPO:TAG or HOST/REPO@DIGEST) */
      const char *repo = strchr(src.name, '/') + 1;
      image->tag = xstrndup(repo, strcspn(repo, "@"));
    } else
      image->tag = xstrdup(src.name);
  }
  sc_image_source_clear(&src);
  return rc;
}
