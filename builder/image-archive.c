/* image-archive.c: oci-archive and docker-archive tars, through libarchive. */
#include "image-archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "digest.h"
#include "layer-reader.h"
#include "oci.h"
#include "unpack.h"
#include "util.h"

/* ---- writing: normalized entries (owners 0/0, one mtime, sorted) ---- */

static struct archive *tar_writer_open(int out_fd, sc_error *err)
{
  struct archive *a = archive_write_new();
  if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
      archive_write_open_fd(a, out_fd) != ARCHIVE_OK) {
    sc_error_set(err, SC_E_INVALID, "cannot write the archive: %s", archive_error_string(a));
    archive_write_free(a);
    return NULL;
  }
  return a;
}

static int add_header(struct archive *a, const char *path, mode_t mode, int64_t size, int64_t mtime,
                      sc_error *err)
{
  struct archive_entry *e = archive_entry_new();
  archive_entry_set_pathname(e, path);
  archive_entry_set_mode(e, mode);
  archive_entry_set_uid(e, 0);
  archive_entry_set_gid(e, 0);
  archive_entry_set_mtime(e, (time_t)mtime, 0);
  if (S_ISREG(mode))
    archive_entry_set_size(e, (la_int64_t)size);
  int r = archive_write_header(a, e);
  archive_entry_free(e);
  if (r != ARCHIVE_OK)
    return sc_error_set(err, SC_E_INVALID, "%s: cannot add to the archive: %s", path,
                        archive_error_string(a));
  return 0;
}

static int add_data(struct archive *a, const char *path, const void *data, size_t len,
                    sc_error *err)
{
  if (len && archive_write_data(a, data, len) != (la_ssize_t)len)
    return sc_error_set(err, SC_E_INVALID, "%s: cannot write to the archive: %s", path,
                        archive_error_string(a));
  return 0;
}

static int add_buffer(struct archive *a, const char *path, const char *data, size_t len,
                      int64_t mtime, sc_error *err)
{
  if (add_header(a, path, S_IFREG | 0644, (int64_t)len, mtime, err) < 0)
    return -1;
  return add_data(a, path, data, len, err);
}

/* Copy a blob file of known size, which must not change while copied. */
static int add_file(struct archive *a, const char *path, int dirfd, const char *name, int64_t mtime,
                    volatile const int *interrupted, sc_error *err)
{
  _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) < 0)
    return sc_error_set_errno(err, errno, "cannot open %s", path);
  if (!S_ISREG(st.st_mode))
    return sc_error_set(err, SC_E_INVALID, "%s is not a regular file", path);
  if (add_header(a, path, S_IFREG | 0644, st.st_size, mtime, err) < 0)
    return -1;
  char buf[1 << 16];
  int64_t left = st.st_size;
  while (left > 0) {
    if (sc_check_interrupted(interrupted, NULL, err) < 0)
      return -1;
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0 || n > left)
      return sc_error_set(err, SC_E_INVALID, "%s changed while reading", path);
    if (add_data(a, path, buf, (size_t)n, err) < 0)
      return -1;
    left -= n;
  }
  return 0;
}

/* The blob names of blobs/sha256, sorted; temp files are left out. */
static int list_blobs(int blobs_fd, char ***out, sc_error *err)
{
  _cleanup_strv_ char **all = NULL;
  if (sc_list_dir_at(blobs_fd, &all, err) < 0)
    return sc_error_prefix(err, "%s", SC_BLOBS_DIR);
  char **names = NULL;
  for (size_t i = 0; all[i]; i++)
    if (all[i][0] != '.') /* temporary files of a write in progress */
      sc_strv_push(&names, all[i]);
  *out = names;
  return 0;
}

int sc_oci_archive_write(int layout_fd, int out_fd, int64_t mtime, volatile const int *interrupted,
                         sc_error *err)
{
  _cleanup_close_ int blobs_fd = sc_oci_open_blobs(layout_fd, err);
  if (blobs_fd < 0)
    return -1;
  _cleanup_strv_ char **names = NULL;
  if (list_blobs(blobs_fd, &names, err) < 0)
    return -1;
  _cleanup_(archive_write_freep) struct archive *a = tar_writer_open(out_fd, err);
  if (a == NULL)
    return -1;
  /* Sorted: "blobs/" < "index.json" < "oci-layout". */
  if (add_header(a, "blobs/", S_IFDIR | 0755, 0, mtime, err) < 0 ||
      add_header(a, "blobs/sha256/", S_IFDIR | 0755, 0, mtime, err) < 0)
    return -1;
  for (size_t i = 0; names && names[i]; i++) {
    _cleanup_free_ char *path = xasprintf("blobs/sha256/%s", names[i]);
    if (add_file(a, path, blobs_fd, names[i], mtime, interrupted, err) < 0)
      return -1;
  }
  if (add_file(a, "index.json", layout_fd, "index.json", mtime, interrupted, err) < 0 ||
      add_file(a, "oci-layout", layout_fd, "oci-layout", mtime, interrupted, err) < 0)
    return -1;
  if (archive_write_close(a) != ARCHIVE_OK)
    return sc_error_set(err, SC_E_INVALID, "cannot finish the archive: %s",
                        archive_error_string(a));
  return 0;
}

/* ---- docker-archive ---- */

/* A reader of a layer blob as its uncompressed tar (raw format). */
static struct archive *open_uncompressed(int fd, const char *media_type, sc_error *err)
{
  if (lseek(fd, 0, SEEK_SET) < 0) {
    sc_error_set_errno(err, errno, "cannot rewind a layer blob");
    return NULL;
  }
  struct archive *r = archive_read_new();
  if (sc_layer_support_filters(r, media_type, err) < 0) {
    archive_read_free(r);
    return NULL;
  }
  archive_read_support_format_raw(r);
  struct archive_entry *e;
  if (archive_read_open_fd(r, fd, 1 << 16) != ARCHIVE_OK ||
      archive_read_next_header(r, &e) != ARCHIVE_OK) {
    sc_error_set(err, SC_E_INVALID, "cannot decompress a layer: %s", archive_error_string(r));
    archive_read_free(r);
    return NULL;
  }
  return r;
}

/* The uncompressed size of a layer, its digest checked against diff_id. */
static int measure_layer(int fd, const char *media_type, const char *diff_id, int64_t *size,
                         sc_error *err)
{
  _cleanup_(archive_read_freep) struct archive *r = open_uncompressed(fd, media_type, err);
  if (r == NULL)
    return -1;
  sc_digest_writer w;
  sc_digest_writer_init(&w, -1);
  char buf[1 << 16];
  la_ssize_t n;
  while ((n = archive_read_data(r, buf, sizeof buf)) > 0)
    sc_digest_writer_write(&w, buf, (size_t)n, NULL);
  char got[SC_DIGEST_LEN + 1];
  sc_digest_writer_finish(&w, got);
  if (n < 0)
    return sc_error_set(err, SC_E_INVALID, "cannot decompress a layer: %s",
                        archive_error_string(r));
  if (strcmp(got, diff_id) != 0)
    return sc_error_set(err, SC_E_INVALID,
                        "layer does not match its diff_id %s (uncompressed digest %s)", diff_id,
                        got);
  *size = w.size;
  return 0;
}

/* Add a layer, uncompressed, as DIFF_ID_HEX/layer.tar; *size is its
 * size there. */
static int add_layer(struct archive *a, int blobs_fd, const char *digest, const char *media_type,
                     const char *diff_id, int64_t mtime, int64_t *size_out,
                     volatile const int *interrupted, sc_error *err)
{
  if (!sc_digest_is_valid(digest) || !sc_digest_is_valid(diff_id))
    return sc_error_set(err, SC_E_INVALID, "malformed layer digest");
  _cleanup_close_ int fd =
      openat(blobs_fd, sc_digest_hex(digest), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  struct stat st;
  if (fd < 0)
    return sc_error_set_errno(err, errno, "missing layer blob %s", digest);
  if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
    return sc_error_set(err, SC_E_INVALID, "layer blob %s is not a regular file", digest);
  if (sc_layer_check_format(fd, media_type, digest, err) < 0)
    return -1;
  /* A tar header holds the size before the data: measure first. */
  int64_t size = 0;
  if (measure_layer(fd, media_type, diff_id, &size, err) < 0)
    return -1;
  _cleanup_free_ char *dir = xasprintf("%s/", sc_digest_hex(diff_id));
  _cleanup_free_ char *path = xasprintf("%s/layer.tar", sc_digest_hex(diff_id));
  if (add_header(a, dir, S_IFDIR | 0755, 0, mtime, err) < 0 ||
      add_header(a, path, S_IFREG | 0644, size, mtime, err) < 0)
    return -1;
  _cleanup_(archive_read_freep) struct archive *r = open_uncompressed(fd, media_type, err);
  if (r == NULL)
    return -1;
  char buf[1 << 16];
  la_ssize_t n;
  int64_t total = 0;
  while ((n = archive_read_data(r, buf, sizeof buf)) > 0) {
    if (sc_check_interrupted(interrupted, NULL, err) < 0)
      return -1;
    total += n;
    if (total > size)
      return sc_error_set(err, SC_E_INVALID, "layer %s changed while reading", digest);
    if (add_data(a, path, buf, (size_t)n, err) < 0)
      return -1;
  }
  if (n < 0 || total != size)
    return sc_error_set(err, SC_E_INVALID, "layer %s changed while reading", digest);
  *size_out = size;
  return 0;
}

/* `repositories` (docker's legacy format): {"NAME": {"TAG": top layer id}}. */
static json_t *repositories_json(const char *repo_tag, const char *top_diff_id)
{
  const char *colon = strrchr(repo_tag, ':');
  if (colon && strchr(colon, '/'))
    colon = NULL;
  _cleanup_free_ char *name =
      colon ? xstrndup(repo_tag, (size_t)(colon - repo_tag)) : xstrdup(repo_tag);
  const char *tag = colon ? colon + 1 : "latest";
  return json_pack("{s:{s:s}}", name, tag, sc_digest_hex(top_diff_id));
}

typedef struct archive_member {
  char *name; /* sort key */
  int layer;  /* index into the manifest's layers, or -1 */
} archive_member;

static int compare_members(const void *a, const void *b)
{
  return strcmp(((const archive_member *)a)->name, ((const archive_member *)b)->name);
}

/* layer_sizes[i]: the size of layer i as written (uncompressed). */
static int write_members(struct archive *a, archive_member *members, size_t n, int blobs_fd,
                         const json_t *manifest, const json_t *diff_ids, const char *config_name,
                         const char *manifest_text, const char *repositories_text, int64_t mtime,
                         int64_t *layer_sizes, volatile const int *interrupted, sc_error *err)
{
  const char *config_digest =
      json_string_value(json_object_get(json_object_get(manifest, "config"), "digest"));
  for (size_t i = 0; i < n; i++) {
    if (i > 0 && strcmp(members[i].name, members[i - 1].name) == 0) {
      layer_sizes[members[i].layer] = layer_sizes[members[i - 1].layer]; /* the same layer twice */
      continue;
    }
    const char *name = members[i].name;
    int r;
    if (members[i].layer >= 0) {
      json_t *l = json_array_get(json_object_get(manifest, "layers"), (size_t)members[i].layer);
      r = add_layer(a, blobs_fd, json_string_value(json_object_get(l, "digest")),
                    json_string_value(json_object_get(l, "mediaType")),
                    json_string_value(json_array_get(diff_ids, (size_t)members[i].layer)), mtime,
                    &layer_sizes[members[i].layer], interrupted, err);
    } else if (strcmp(name, config_name) == 0) {
      r = add_file(a, name, blobs_fd, sc_digest_hex(config_digest), mtime, interrupted, err);
    } else if (strcmp(name, "manifest.json") == 0) {
      r = add_buffer(a, name, manifest_text, strlen(manifest_text), mtime, err);
    } else {
      r = add_buffer(a, name, repositories_text, strlen(repositories_text), mtime, err);
    }
    if (r < 0)
      return -1;
  }
  return 0;
}

/* The manifest containers/image makes up for a docker-archive, which
 * holds none (docker/internal/tarfile's Source.GetManifest): schema 2, the
 * config as stored, each layer of the config's diff_ids by its diff_id and
 * its size in the archive, all with the (gzip) layer type whatever their
 * compression; Go's json.Marshal of it, compact, fields in struct order.
 * Its digest is what skopeo inspect and podman report for the archive. */
static void docker_archive_manifest_digest(const json_t *manifest, const json_t *diff_ids,
                                           const int64_t *layer_sizes,
                                           char digest[SC_DIGEST_LEN + 1])
{
  json_t *config = json_object_get(manifest, "config");
  json_t *layers = json_array();
  for (size_t i = 0; i < json_array_size(diff_ids); i++)
    json_array_append_new(
        layers, json_pack("{s:s,s:I,s:O}", "mediaType", SC_MEDIA_TYPE_DOCKER_LAYER, "size",
                          (json_int_t)layer_sizes[i], "digest", json_array_get(diff_ids, i)));
  _cleanup_(json_decrefp) json_t *m =
      json_pack("{s:i,s:s,s:{s:s,s:O,s:O},s:o}", "schemaVersion", 2, "mediaType",
                SC_MEDIA_TYPE_DOCKER_MANIFEST, "config", "mediaType", SC_MEDIA_TYPE_DOCKER_CONFIG,
                "size", json_object_get(config, "size"), "digest",
                json_object_get(config, "digest"), "layers", layers);
  _cleanup_free_ char *text = json_dumps(m, JSON_COMPACT | JSON_PRESERVE_ORDER);
  if (text == NULL)
    abort();
  sc_digest_writer w;
  sc_digest_writer_init(&w, -1);
  sc_digest_writer_write(&w, text, strlen(text), NULL);
  sc_digest_writer_finish(&w, digest);
}

int sc_docker_archive_write(int blobs_fd, const json_t *manifest, const json_t *diff_ids,
                            const char *repo_tag, int out_fd, int64_t mtime,
                            char digest[SC_DIGEST_LEN + 1], volatile const int *interrupted,
                            sc_error *err)
{
  const char *config_digest =
      json_string_value(json_object_get(json_object_get(manifest, "config"), "digest"));
  json_t *layers = json_object_get(manifest, "layers");
  size_t n = json_array_size(layers);
  if (!sc_digest_is_valid(config_digest) || json_array_size(diff_ids) != n || n == 0)
    return sc_error_set(err, SC_E_INVALID,
                        "the image's layers and its config's diff_ids do not match");
  _cleanup_free_ char *config_name = xasprintf("%s.json", sc_digest_hex(config_digest));
  _cleanup_(json_decrefp) json_t *layer_names = json_array();
  _cleanup_free_ archive_member *members = xcalloc(n + 3, sizeof *members);
  for (size_t i = 0; i < n; i++) {
    const char *diff_id = json_string_value(json_array_get(diff_ids, i));
    if (!sc_digest_is_valid(diff_id))
      return sc_error_set(err, SC_E_INVALID, "malformed diff_id in the image config");
    json_array_append_new(layer_names, json_sprintf("%s/layer.tar", sc_digest_hex(diff_id)));
    members[i] =
        (archive_member){(char *)json_string_value(json_array_get(layer_names, i)), (int)i};
  }
  members[n] = (archive_member){config_name, -1};
  members[n + 1] = (archive_member){(char *)"manifest.json", -1};
  members[n + 2] = (archive_member){(char *)"repositories", -1};
  qsort(members, n + 3, sizeof *members, compare_members);
  _cleanup_(json_decrefp) json_t *doc = json_pack("[{s:s,s:[s],s:O}]", "Config", config_name,
                                                  "RepoTags", repo_tag, "Layers", layer_names);
  _cleanup_(json_decrefp) json_t *repos =
      repositories_json(repo_tag, json_string_value(json_array_get(diff_ids, n - 1)));
  _cleanup_free_ char *manifest_text = sc_oci_json_dump(doc, NULL);
  _cleanup_free_ char *repositories_text = sc_oci_json_dump(repos, NULL);
  _cleanup_(archive_write_freep) struct archive *a = tar_writer_open(out_fd, err);
  if (a == NULL)
    return -1;
  _cleanup_free_ int64_t *layer_sizes = xcalloc(n, sizeof *layer_sizes);
  if (write_members(a, members, n + 3, blobs_fd, manifest, diff_ids, config_name, manifest_text,
                    repositories_text, mtime, layer_sizes, interrupted, err) < 0)
    return -1;
  if (archive_write_close(a) != ARCHIVE_OK)
    return sc_error_set(err, SC_E_INVALID, "cannot finish the archive: %s",
                        archive_error_string(a));
  if (digest)
    docker_archive_manifest_digest(manifest, diff_ids, layer_sizes, digest);
  return 0;
}

/* ---- reading ---- */

static struct archive *tar_reader_open(int fd, sc_error *err)
{
  if (lseek(fd, 0, SEEK_SET) < 0) {
    sc_error_set_errno(err, errno, "cannot rewind the archive");
    return NULL;
  }
  struct archive *r = archive_read_new();
  /* An archive may be gzip or zstd compressed; never a filter that runs
   * an external program (archive_read_support_filter_all). */
  if (sc_layer_support_filters(r, NULL, err) < 0) {
    archive_read_free(r);
    return NULL;
  }
  archive_read_support_format_tar(r);
  if (archive_read_open_fd(r, fd, 1 << 16) != ARCHIVE_OK) {
    sc_error_set(err, SC_E_INVALID, "cannot read the archive: %s", archive_error_string(r));
    archive_read_free(r);
    return NULL;
  }
  return r;
}

static int read_member(struct archive *r, const char *name, char **out, size_t *len, sc_error *err)
{
  sc_buf b = SC_BUF_INIT;
  char buf[1 << 16];
  la_ssize_t n;
  while ((n = archive_read_data(r, buf, sizeof buf)) > 0) {
    if (b.len + (size_t)n > SC_JSON_DOCUMENT_MAX) {
      sc_buf_free(&b);
      return sc_error_set(err, SC_E_INVALID, "%s is too large", name);
    }
    sc_buf_append(&b, buf, (size_t)n);
  }
  if (n < 0) {
    sc_buf_free(&b);
    return sc_error_set(err, SC_E_INVALID, "cannot read %s: %s", name, archive_error_string(r));
  }
  *len = b.len;
  *out = sc_buf_steal(&b);
  return 0;
}

static int write_extracted(struct archive *r, int dest_fd, const char *path, sc_error *err)
{
  _cleanup_close_ int fd =
      openat(dest_fd, path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0)
    return sc_error_set_errno(err, errno, "cannot extract %s", path);
  char buf[1 << 16];
  la_ssize_t n;
  while ((n = archive_read_data(r, buf, sizeof buf)) > 0)
    if (sc_write_all(fd, buf, (size_t)n) < 0)
      return sc_error_set_errno(err, errno, "cannot extract %s", path);
  if (n < 0)
    return sc_error_set(err, SC_E_INVALID, "cannot read %s: %s", path, archive_error_string(r));
  return 0;
}

/* image-layout.md names every file a layout may hold; nothing else is
 * written, so a hostile archive cannot place files elsewhere. */
static bool is_layout_file(const char *path)
{
  if (strcmp(path, "oci-layout") == 0 || strcmp(path, "index.json") == 0)
    return true;
  if (!sc_str_has_prefix(path, SC_BLOBS_DIR "/"))
    return false;
  _cleanup_free_ char *digest = xasprintf("sha256:%s", path + strlen(SC_BLOBS_DIR "/"));
  return sc_digest_is_valid(digest);
}

int sc_oci_archive_extract(int fd, int dest_fd, sc_error *err)
{
  _cleanup_(archive_read_freep) struct archive *r = tar_reader_open(fd, err);
  if (r == NULL || sc_mkdir_p_at(dest_fd, SC_BLOBS_DIR, 0755, err) < 0)
    return -1;
  struct archive_entry *e;
  int rc;
  while ((rc = archive_read_next_header(r, &e)) == ARCHIVE_OK) {
    _cleanup_free_ char *path = sc_unpack_normalize_path(archive_entry_pathname(e));
    if (path == NULL || archive_entry_filetype(e) != AE_IFREG || !is_layout_file(path))
      continue;
    if (write_extracted(r, dest_fd, path, err) < 0)
      return -1;
  }
  if (rc != ARCHIVE_EOF)
    return sc_error_set(err, SC_E_INVALID, "cannot read the archive: %s", archive_error_string(r));
  return 0;
}

/* manifest.json of a docker-archive: an array of {"Config", "RepoTags",
 * "Layers"}, each entry checked. */
static int read_manifest_doc(int fd, json_t **out, sc_error *err)
{
  _cleanup_(archive_read_freep) struct archive *r = tar_reader_open(fd, err);
  if (r == NULL)
    return -1;
  struct archive_entry *e;
  while (archive_read_next_header(r, &e) == ARCHIVE_OK) {
    _cleanup_free_ char *path = sc_unpack_normalize_path(archive_entry_pathname(e));
    if (path == NULL || strcmp(path, "manifest.json") != 0)
      continue;
    _cleanup_free_ char *text = NULL;
    size_t len = 0;
    if (read_member(r, path, &text, &len, err) < 0)
      return -1;
    _cleanup_(json_decrefp) json_t *doc = json_loadb(text, len, 0, NULL);
    size_t i;
    json_t *entry;
    if (json_array_size(doc) == 0)
      return sc_error_set(err, SC_E_INVALID, "manifest.json of the archive lists no image");
    json_array_foreach(doc, i, entry)
    {
      if (!json_is_string(json_object_get(entry, "Config")) ||
          !json_is_array(json_object_get(entry, "Layers")))
        return sc_error_set(err, SC_E_INVALID, "manifest.json of the archive is not valid");
    }
    *out = steal_pointer(&doc);
    return 0;
  }
  return sc_error_set(err, SC_E_INVALID, "not a docker-archive: no manifest.json");
}

static int layer_index(const json_t *layers, const char *path)
{
  size_t i;
  json_t *l;
  json_array_foreach(layers, i, l)
  {
    const char *p = json_string_value(l);
    if (p && strcmp(p, path) == 0)
      return (int)i;
  }
  return -1;
}

/* ---- docker-archive to an OCI layout ---- */

/* A docker name without docker.io/ and library/, as the docker CLI
 * shows it: "docker.io/library/hw:1" and "hw:1" name one image. */
static const char *familiar_name(const char *name)
{
  if (sc_str_has_prefix(name, "docker.io/"))
    name += strlen("docker.io/");
  if (sc_str_has_prefix(name, "library/"))
    name += strlen("library/");
  return name;
}

static bool entry_has_tag(json_t *entry, const char *ref)
{
  size_t i;
  json_t *tag;
  json_array_foreach(json_object_get(entry, "RepoTags"), i, tag)
  {
    const char *t = json_string_value(tag);
    if (t && strcmp(familiar_name(t), familiar_name(ref)) == 0)
      return true;
  }
  return false;
}

static char *all_repo_tags(json_t *doc)
{
  sc_buf b = SC_BUF_INIT;
  size_t i, j;
  json_t *entry, *tag;
  json_array_foreach(doc, i, entry)
  {
    json_array_foreach(json_object_get(entry, "RepoTags"), j, tag)
    {
      sc_buf_printf(&b, "%s%s (@%zu)", b.len ? ", " : "",
                    json_string_value(tag) ? json_string_value(tag) : "?", i);
    }
  }
  return b.len ? sc_buf_steal(&b) : (sc_buf_free(&b), xstrdup("none"));
}

/* The entry `ref` (NAME:TAG among its RepoTags) or `index` names, or the
 * only one; *tag receives its name when it has one. */
static json_t *select_entry(json_t *doc, const char *ref, long index, char **tag, sc_error *err)
{
  size_t n = json_array_size(doc), i;
  json_t *entry = NULL;
  if (index >= 0) {
    entry = json_array_get(doc, (size_t)index);
    if (entry == NULL)
      sc_error_set(err, ENOENT, "the archive holds %zu images: :@%ld names none of them", n, index);
  } else if (ref) {
    json_array_foreach(doc, i, entry)
    {
      if (entry_has_tag(entry, ref))
        break;
    }
    if (i == n) {
      _cleanup_free_ char *tags = all_repo_tags(doc);
      sc_error_set(err, ENOENT, "the archive has no image tagged %s (tags: %s)", ref, tags);
      entry = NULL;
    }
  } else if (n == 1) {
    entry = json_array_get(doc, 0);
  } else {
    _cleanup_free_ char *tags = all_repo_tags(doc);
    sc_error_set(err, SC_E_USAGE,
                 "the archive holds %zu images: name one as :NAME:TAG or :@N (tags: %s)", n, tags);
  }
  if (entry && tag) {
    const char *first = json_string_value(json_array_get(json_object_get(entry, "RepoTags"), 0));
    *tag = ref ? xstrdup(ref) : first ? xstrdup(first) : NULL;
  }
  return entry;
}

/* Stream the current member into a new blob of blobs_fd; its digest
 * and size go into *digest and *size. */
static int member_to_blob(struct archive *r, int blobs_fd, const char *path,
                          char digest[SC_DIGEST_LEN + 1], int64_t *size, sc_error *err)
{
  _cleanup_free_ char *tmp = NULL;
  _cleanup_close_ int fd = sc_oci_blob_create(blobs_fd, ".tmp-import-", &tmp, err);
  if (fd < 0)
    return -1;
  sc_digest_writer w;
  sc_digest_writer_init(&w, fd);
  char buf[1 << 16];
  la_ssize_t n;
  int rc = 0;
  while (rc == 0 && (n = archive_read_data(r, buf, sizeof buf)) > 0)
    rc = sc_digest_writer_write(&w, buf, (size_t)n, err);
  if (rc == 0 && n < 0)
    rc = sc_error_set(err, SC_E_INVALID, "cannot read %s: %s", path, archive_error_string(r));
  if (rc < 0) {
    sc_digest_writer_clear(&w);
    unlinkat(blobs_fd, tmp, 0);
    return -1;
  }
  *size = w.size;
  sc_digest_writer_finish(&w, digest);
  if (sc_oci_blob_store(blobs_fd, fd, tmp, digest, err) < 0) {
    unlinkat(blobs_fd, tmp, 0);
    return -1;
  }
  return 0;
}

/* One pass over the archive: the entry's config and layers become blobs;
 * found[path] = {digest, size}. */
static int entry_members_to_blobs(int fd, json_t *entry, int blobs_fd, json_t *found, sc_error *err)
{
  const char *config_name = json_string_value(json_object_get(entry, "Config"));
  json_t *layer_paths = json_object_get(entry, "Layers");
  _cleanup_(archive_read_freep) struct archive *r = tar_reader_open(fd, err);
  if (r == NULL)
    return -1;
  struct archive_entry *e;
  int rc;
  while ((rc = archive_read_next_header(r, &e)) == ARCHIVE_OK) {
    _cleanup_free_ char *path = sc_unpack_normalize_path(archive_entry_pathname(e));
    if (path == NULL || archive_entry_filetype(e) != AE_IFREG || json_object_get(found, path) ||
        (strcmp(path, config_name) != 0 && layer_index(layer_paths, path) < 0))
      continue;
    char digest[SC_DIGEST_LEN + 1];
    int64_t size = 0;
    if (member_to_blob(r, blobs_fd, path, digest, &size, err) < 0)
      return -1;
    json_object_set_new(found, path,
                        json_pack("{s:s,s:I}", "digest", digest, "size", (json_int_t)size));
  }
  if (rc != ARCHIVE_EOF)
    return sc_error_set(err, SC_E_INVALID, "cannot read the archive: %s", archive_error_string(r));
  return 0;
}

static json_t *descriptor_of(json_t *found, const char *path, const char *media_type)
{
  json_t *f = json_object_get(found, path);
  return f ? json_pack("{s:s,s:O,s:O}", "mediaType", media_type, "digest",
                       json_object_get(f, "digest"), "size", json_object_get(f, "size"))
           : NULL;
}

/* The OCI manifest of the entry: its layers as stored, uncompressed tars. */
static json_t *entry_manifest(json_t *entry, json_t *found, sc_error *err)
{
  const char *config_name = json_string_value(json_object_get(entry, "Config"));
  json_t *config = descriptor_of(found, config_name, SC_MEDIA_TYPE_OCI_CONFIG);
  if (config == NULL)
    return sc_error_set(err, SC_E_INVALID, "the archive has no config %s", config_name), NULL;
  json_t *manifest = json_pack("{s:i,s:s,s:o,s:[]}", "schemaVersion", 2, "mediaType",
                               SC_MEDIA_TYPE_OCI_MANIFEST, "config", config, "layers");
  size_t i;
  json_t *path;
  json_array_foreach(json_object_get(entry, "Layers"), i, path)
  {
    json_t *d = descriptor_of(found, json_string_value(path), SC_MEDIA_TYPE_LAYER_TAR);
    if (d == NULL) {
      json_decref(manifest);
      return sc_error_set(err, SC_E_INVALID, "the archive has no layer %s",
                          json_string_value(path)),
             NULL;
    }
    json_array_append_new(json_object_get(manifest, "layers"), d);
  }
  return manifest;
}

int sc_docker_archive_to_layout(int fd, const char *ref, long index, int dest_fd, char **tag,
                                sc_error *err)
{
  *tag = NULL;
  _cleanup_(json_decrefp) json_t *doc = NULL;
  if (read_manifest_doc(fd, &doc, err) < 0)
    return -1;
  json_t *entry = select_entry(doc, ref, index, tag, err);
  if (entry == NULL || sc_oci_layout_init(dest_fd, err) < 0)
    return -1;
  _cleanup_close_ int blobs_fd = sc_oci_open_blobs(dest_fd, err);
  _cleanup_(json_decrefp) json_t *found = json_object();
  if (blobs_fd < 0 || entry_members_to_blobs(fd, entry, blobs_fd, found, err) < 0)
    return -1;
  _cleanup_(json_decrefp) json_t *manifest = entry_manifest(entry, found, err);
  if (manifest == NULL)
    return -1;
  json_t *descriptor = sc_oci_write_json_blob(blobs_fd, manifest, SC_MEDIA_TYPE_OCI_MANIFEST, err);
  if (descriptor == NULL)
    return -1;
  json_t *index_doc = json_pack("{s:i,s:[o]}", "schemaVersion", 2, "manifests", descriptor);
  int rc = sc_oci_index_write(dest_fd, index_doc, err);
  json_decref(index_doc);
  return rc;
}
