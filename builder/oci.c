/* oci.c: OCI image layout writing (image-spec v1.0.2 image-layout.md,
 * manifest.md, descriptor.md). */
#include "oci.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "descriptor.h"
#include "digest.h"
#include "util.h"

bool sc_oci_is_layout(int dirfd)
{
  struct stat st;
  return fstatat(dirfd, "oci-layout", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
}

char *sc_oci_json_dump(const json_t *doc, size_t *len)
{
  char *s = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
  if (s == NULL)
    abort();
  if (len)
    *len = strlen(s);
  return s;
}

int sc_oci_layout_init(int dirfd, sc_error *err)
{
  /* image-layout.md: oci-layout marks the directory and names its version. */
  static const char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
  static const char index[] = "{\"manifests\":[],\"schemaVersion\":2}";
  if (sc_mkdir_p_at(dirfd, SC_BLOBS_DIR, 0755, err) < 0 ||
      sc_write_file_at(dirfd, "oci-layout", layout, sizeof layout - 1, 0644, err) < 0 ||
      sc_write_file_at(dirfd, "index.json", index, sizeof index - 1, 0644, err) < 0)
    return sc_error_prefix(err, "creating an image layout");
  return 0;
}

int sc_oci_open_blobs(int layout_fd, sc_error *err)
{
  int fd = openat(layout_fd, SC_BLOBS_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return sc_error_set_errno(err, errno, "cannot open %s of the image layout", SC_BLOBS_DIR);
  return fd;
}

int sc_oci_write_blob(int blobs_fd, const void *data, size_t len, char digest[SC_DIGEST_LEN + 1],
                      sc_error *err)
{
  sc_sha256_digest(data, len, digest);
  if (sc_oci_has_blob(blobs_fd, digest, (int64_t)len))
    return 0; /* already there: see sc_oci_blob_store */
  return sc_write_file_at(blobs_fd, sc_digest_hex(digest), data, len, 0644, err);
}

json_t *sc_oci_write_json_blob(int blobs_fd, const json_t *doc, const char *media_type,
                               sc_error *err)
{
  size_t len = 0;
  _cleanup_free_ char *text = sc_oci_json_dump(doc, &len);
  char digest[SC_DIGEST_LEN + 1];
  if (sc_oci_write_blob(blobs_fd, text, len, digest, err) < 0)
    return NULL;
  return json_pack("{s:s,s:s,s:I}", "mediaType", media_type, "digest", digest, "size",
                   (json_int_t)len);
}

const char *sc_oci_layer_media_type(const char *media_type)
{
  if (media_type == NULL || media_type[0] == '\0' ||
      strcmp(media_type, SC_MEDIA_TYPE_DOCKER_LAYER) == 0)
    return SC_MEDIA_TYPE_LAYER_GZIP;
  if (strcmp(media_type, SC_MEDIA_TYPE_DOCKER_FOREIGN_LAYER) == 0)
    return SC_MEDIA_TYPE_FOREIGN_GZIP;
  return media_type;
}

json_t *sc_oci_manifest_from_docker(const json_t *manifest)
{
  const char *type = json_string_value(json_object_get(manifest, "mediaType"));
  if (type == NULL || strcmp(type, SC_MEDIA_TYPE_DOCKER_MANIFEST) != 0)
    return NULL;
  json_t *out = json_deep_copy(manifest);
  json_object_set_new(out, "mediaType", json_string(SC_MEDIA_TYPE_OCI_MANIFEST));
  json_t *config = json_object_get(out, "config");
  if (json_is_object(config))
    json_object_set_new(config, "mediaType", json_string(SC_MEDIA_TYPE_OCI_CONFIG));
  size_t i;
  json_t *layer;
  json_array_foreach(json_object_get(out, "layers"), i, layer)
  {
    const char *from = json_string_value(json_object_get(layer, "mediaType"));
    json_object_set_new(layer, "mediaType", json_string(sc_oci_layer_media_type(from)));
  }
  return out;
}

bool sc_oci_has_blob(int blobs_fd, const char *digest, int64_t size)
{
  struct stat st;
  return fstatat(blobs_fd, sc_digest_hex(digest), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
         S_ISREG(st.st_mode) && (size < 0 || st.st_size == size);
}

int sc_oci_blob_create(int blobs_fd, const char *prefix, char **tmp, sc_error *err)
{
  char rnd[17];
  sc_random_hex(rnd, 16);
  *tmp = xasprintf("%s%s", prefix, rnd);
  int fd = openat(blobs_fd, *tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0)
    sc_error_set_errno(err, errno, "cannot create a blob");
  return fd;
}

int sc_oci_blob_store(int blobs_fd, int fd, const char *tmp, const char *digest, sc_error *err)
{
  /* A blob is stored only under its digest, synced before the rename: one
   * already there with the same size is these bytes (as umoci and
   * containers/image's oci: transport assume), and a rebuild that changed
   * nothing syncs nothing. */
  struct stat st;
  if (fstat(fd, &st) == 0 && sc_oci_has_blob(blobs_fd, digest, (int64_t)st.st_size)) {
    unlinkat(blobs_fd, tmp, 0);
    return 0;
  }
  if (fsync(fd) < 0)
    return sc_error_set_errno(err, errno, "cannot write blob %s", digest);
  if (renameat(blobs_fd, tmp, blobs_fd, sc_digest_hex(digest)) < 0)
    return sc_error_set_errno(err, errno, "cannot store blob %s", digest);
  if (fsync(blobs_fd) < 0)
    return sc_error_set_errno(err, errno, "cannot sync the blob directory");
  return 0;
}

/* Copy with the digest and size checked, to a temp name then renamed. */
static int copy_blob_checked(int from_fd, int to_blobs_fd, const char *digest, int64_t size,
                             sc_error *err)
{
  _cleanup_free_ char *tmp = NULL;
  _cleanup_close_ int out = sc_oci_blob_create(to_blobs_fd, ".tmp-copy-", &tmp, err);
  if (out < 0)
    return -1;
  sc_digest_writer w;
  sc_digest_writer_init(&w, out);
  char buf[1 << 16];
  int r = 0;
  for (;;) {
    ssize_t n = read(from_fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      r = sc_error_set_errno(err, errno, "cannot read blob %s", digest);
    if (n <= 0)
      break;
    if ((r = sc_digest_writer_write(&w, buf, (size_t)n, err)) < 0)
      break;
  }
  char got[SC_DIGEST_LEN + 1];
  sc_digest_writer_finish(&w, got);
  if (r == 0 && (w.size != size || strcmp(got, digest) != 0))
    r = sc_error_set(err, SC_E_INVALID,
                     "blob %s does not match its descriptor (size %lld, digest %s)", digest,
                     (long long)w.size, got);
  if (r == 0)
    r = sc_oci_blob_store(to_blobs_fd, out, tmp, digest, err);
  if (r < 0)
    unlinkat(to_blobs_fd, tmp, 0);
  return r;
}

/* The sha256 of the whole file, read from its start. */
static int hash_file(int fd, const char *digest, char got[SC_DIGEST_LEN + 1], int64_t *size,
                     sc_error *err)
{
  sc_digest_writer w;
  sc_digest_writer_init(&w, -1);
  char buf[1 << 16];
  for (off_t off = 0;;) {
    ssize_t n = pread(fd, buf, sizeof buf, off);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return sc_error_set_errno(err, errno, "cannot read blob %s", digest);
    if (n == 0)
      break;
    sc_digest_writer_write(&w, buf, (size_t)n, NULL);
    off += n;
  }
  sc_digest_writer_finish(&w, got);
  *size = w.size;
  return 0;
}

int sc_oci_copy_blob(int from_blobs_fd, int to_blobs_fd, const char *digest, int64_t size,
                     sc_error *err)
{
  if (!sc_digest_is_valid(digest))
    return sc_error_set(err, SC_E_INVALID, "malformed digest '%s'", digest);
  const char *hex = sc_digest_hex(digest);
  if (sc_oci_has_blob(to_blobs_fd, digest, size))
    return 0;
  struct stat st;
  /* O_NONBLOCK: a FIFO must not block the open (the type is checked). */
  _cleanup_close_ int in =
      openat(from_blobs_fd, hex, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (in < 0)
    return sc_error_set_errno(err, errno, "missing blob %s", digest);
  if (fstat(in, &st) < 0 || !S_ISREG(st.st_mode))
    return sc_error_set(err, SC_E_INVALID, "blob %s is not a regular file", digest);
  if (st.st_size != size)
    return sc_error_set(err, SC_E_INVALID, "blob %s does not have the size %lld of its descriptor",
                        digest, (long long)size);
  /* Same filesystem: share the inode, blobs are never written in place;
   * but only once its content is known to be what its name says, or a
   * tampered blob would pass into the output unread. */
  char got[SC_DIGEST_LEN + 1];
  int64_t got_size = 0;
  if (hash_file(in, digest, got, &got_size, err) < 0)
    return -1;
  if (got_size != size || strcmp(got, digest) != 0)
    return sc_error_set(err, SC_E_INVALID,
                        "blob %s does not match its descriptor (size %lld, digest %s)", digest,
                        (long long)got_size, got);
  if (linkat(from_blobs_fd, hex, to_blobs_fd, hex, 0) == 0)
    return 0;
  return copy_blob_checked(in, to_blobs_fd, digest, size, err);
}

int sc_oci_index_read(int layout_fd, json_t **index, sc_error *err)
{
  _cleanup_free_ char *text = NULL;
  size_t len = 0;
  if (sc_read_file_at_max(layout_fd, "index.json", SC_JSON_DOCUMENT_MAX, &text, &len, err) < 0)
    return -1;
  json_error_t jerr;
  json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
  if (doc == NULL)
    return sc_error_set_at(err, SC_E_INVALID, "index.json", jerr.line, jerr.column,
                           "index.json is not an image index: %s", jerr.text);
  /* The runtime's rules for an index (descriptor.h), as every reader. */
  if (sc_image_index_check(doc, NULL, err) < 0) {
    json_decref(doc);
    return -1;
  }
  *index = doc;
  return 0;
}

int sc_oci_index_write(int layout_fd, const json_t *index, sc_error *err)
{
  size_t len = 0;
  _cleanup_free_ char *text = sc_oci_json_dump(index, &len);
  if (sc_file_equals_at(layout_fd, "index.json", text, len))
    return 0; /* unchanged: nothing to replace or sync */
  return sc_write_file_at(layout_fd, "index.json", text, len, 0644, err);
}

static const char *ref_name(const json_t *descriptor)
{
  return json_string_value(
      json_object_get(json_object_get(descriptor, "annotations"), SC_ANNOTATION_REF_NAME));
}

json_t *sc_oci_index_set_tag(json_t *index, const char *tag, json_t *descriptor)
{
  json_t *manifests = json_object_get(index, "manifests");
  size_t i;
  json_t *m;
  json_array_foreach(manifests, i, m)
  {
    const char *name = ref_name(m);
    if (name && strcmp(name, tag) == 0) {
      json_t *old = json_incref(m);
      json_array_set(manifests, i, descriptor);
      return old;
    }
  }
  json_array_append(manifests, descriptor);
  return NULL;
}

static int read_manifest(int blobs_fd, const char *digest, json_t **out, sc_error *err)
{
  if (!sc_digest_is_valid(digest))
    return sc_error_set(err, SC_E_INVALID, "malformed digest '%s'", digest);
  _cleanup_free_ char *text = NULL;
  size_t len = 0;
  if (sc_read_file_at_max(blobs_fd, sc_digest_hex(digest), SC_JSON_DOCUMENT_MAX, &text, &len, err) <
      0)
    return -1;
  *out = json_loadb(text, len, 0, NULL);
  if (!json_is_object(*out)) {
    json_decref(*out);
    return sc_error_set(err, SC_E_INVALID, "manifest %s is not a JSON object", digest);
  }
  return 0;
}

/* The digests a manifest names: its own, its config's and its layers'. */
static void add_manifest_blobs(json_t *set, const char *digest, const json_t *manifest)
{
  json_object_set_new(set, digest, json_true());
  const char *config =
      json_string_value(json_object_get(json_object_get(manifest, "config"), "digest"));
  if (config)
    json_object_set_new(set, config, json_true());
  size_t i;
  json_t *l;
  json_array_foreach(json_object_get(manifest, "layers"), i, l)
  {
    const char *d = json_string_value(json_object_get(l, "digest"));
    if (d)
      json_object_set_new(set, d, json_true());
  }
}

/* Nested indexes deeper than this are refused (a loop, or hostile input). */
#define MAX_INDEX_DEPTH 8

static int add_reachable(int blobs_fd, const json_t *index, int depth, json_t *set, sc_error *err)
{
  if (depth > MAX_INDEX_DEPTH)
    return sc_error_set(err, SC_E_INVALID, "image indexes nested more than %d deep",
                        MAX_INDEX_DEPTH);
  size_t i;
  json_t *m;
  json_array_foreach(json_object_get(index, "manifests"), i, m)
  {
    const char *d = json_string_value(json_object_get(m, "digest"));
    _cleanup_(json_decrefp) json_t *manifest = NULL;
    if (d == NULL)
      return sc_error_set(err, SC_E_INVALID, "an index entry without a digest");
    if (read_manifest(blobs_fd, d, &manifest, err) < 0)
      return sc_error_prefix(err, "manifest %s", d);
    add_manifest_blobs(set, d, manifest);
    if (json_object_get(manifest, "manifests") &&
        add_reachable(blobs_fd, manifest, depth + 1, set, err) < 0)
      return -1;
  }
  return 0;
}

int sc_oci_reachable_blobs(int blobs_fd, const json_t *index, json_t **out, sc_error *err)
{
  *out = json_object();
  if (add_reachable(blobs_fd, index, 0, *out, err) == 0)
    return 0;
  json_decref(*out);
  *out = NULL;
  return -1;
}

int sc_oci_remove_unreferenced(int layout_fd, const json_t *index, const json_t *replaced,
                               sc_error *err)
{
  const char *gone = json_string_value(json_object_get(replaced, "digest"));
  if (gone == NULL)
    return 0;
  _cleanup_close_ int blobs_fd = sc_oci_open_blobs(layout_fd, err);
  if (blobs_fd < 0)
    return -1;
  /* Anything we cannot follow (a missing or unreadable blob) keeps every
   * blob: removing too little is safe, too much is not.  An image index
   * (a multi-platform image) is followed into its manifests. */
  _cleanup_(json_decrefp) json_t *kept = NULL;
  if (sc_oci_reachable_blobs(blobs_fd, index, &kept, NULL) < 0 || json_object_get(kept, gone))
    return 0;
  _cleanup_(json_decrefp) json_t *old = json_pack("{s:[O]}", "manifests", replaced);
  _cleanup_(json_decrefp) json_t *candidates = NULL;
  if (sc_oci_reachable_blobs(blobs_fd, old, &candidates, NULL) < 0)
    return 0;
  const char *d;
  json_t *v;
  json_object_foreach(candidates, d, v)
  {
    if (json_object_get(kept, d) || !sc_digest_is_valid(d))
      continue;
    if (unlinkat(blobs_fd, sc_digest_hex(d), 0) < 0 && errno != ENOENT)
      return sc_error_set_errno(err, errno, "cannot remove unreferenced blob %s", d);
  }
  return 0;
}

int sc_oci_remove_all_unreferenced(int layout_fd, const json_t *index, const json_t *gone,
                                   sc_error *err)
{
  size_t i;
  json_t *m;
  json_array_foreach(gone, i, m)
  {
    if (sc_oci_remove_unreferenced(layout_fd, index, m, err) < 0)
      return -1;
  }
  return 0;
}

char *sc_oci_first_ref_name(int layout_fd)
{
  json_t *index = NULL;
  if (sc_oci_index_read(layout_fd, &index, NULL) < 0)
    return NULL;
  const char *name = json_string_value(json_object_get(
      json_object_get(json_array_get(json_object_get(index, "manifests"), 0), "annotations"),
      SC_ANNOTATION_REF_NAME));
  char *r = name ? xstrdup(name) : NULL;
  json_decref(index);
  return r;
}
