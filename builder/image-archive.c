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

static int add_layer(struct archive *a, int blobs_fd, const char *digest, const char *media_type,
                     const char *diff_id, int64_t mtime, volatile const int *interrupted,
                     sc_error *err)
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

static int write_members(struct archive *a, archive_member *members, size_t n, int blobs_fd,
                         const json_t *manifest, const json_t *diff_ids, const char *config_name,
                         const char *manifest_text, const char *repositories_text, int64_t mtime,
                         volatile const int *interrupted, sc_error *err)
{
  const char *config_digest =
      json_string_value(json_object_get(json_object_get(manifest, "config"), "digest"));
  for (size_t i = 0; i < n; i++) {
    if (i > 0 && strcmp(members[i].name, members[i - 1].name) == 0)
      continue; /* the same layer twice */
    const char *name = members[i].name;
    int r;
    if (members[i].layer >= 0) {
      json_t *l = json_array_get(json_object_get(manifest, "layers"), (size_t)members[i].layer);
      r = add_layer(a, blobs_fd, json_string_value(json_object_get(l, "digest")),
                    json_string_value(json_object_get(l, "mediaType")),
                    json_string_value(json_array_get(diff_ids, (size_t)members[i].layer)), mtime,
                    interrupted, err);
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

int sc_docker_archive_write(int blobs_fd, const json_t *manifest, const json_t *diff_ids,
                            const char *repo_tag, int out_fd, int64_t mtime,
                            volatile const int *interrupted, sc_error *err)
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
  if (write_members(a, members, n + 3, blobs_fd, manifest, diff_ids, config_name, manifest_text,
                    repositories_text, mtime, interrupted, err) < 0)
    return -1;
  if (archive_write_close(a) != ARCHIVE_OK)
    return sc_error_set(err, SC_E_INVALID, "cannot finish the archive: %s",
                        archive_error_string(a));
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

void sc_docker_archive_info_clear(sc_docker_archive_info *info)
{
  json_decref(info->manifest_entry);
  json_decref(info->config);
  json_decref(info->layers);
  *info = (sc_docker_archive_info){0};
}

static int find_manifest(int fd, sc_docker_archive_info *info, sc_error *err)
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
    json_t *first = json_array_get(doc, 0);
    if (!json_is_string(json_object_get(first, "Config")) ||
        !json_is_array(json_object_get(first, "Layers")))
      return sc_error_set(err, SC_E_INVALID, "manifest.json of the archive is not valid");
    info->manifest_entry = json_incref(first);
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

/* The config document and the layers' sizes and digests. */
static int read_config_and_layers(int fd, sc_docker_archive_info *info, sc_error *err)
{
  const char *config_name = json_string_value(json_object_get(info->manifest_entry, "Config"));
  json_t *layer_paths = json_object_get(info->manifest_entry, "Layers");
  info->layers = json_array();
  for (size_t i = 0; i < json_array_size(layer_paths); i++)
    json_array_append_new(info->layers, json_pack("{s:O}", "path", json_array_get(layer_paths, i)));
  _cleanup_(archive_read_freep) struct archive *r = tar_reader_open(fd, err);
  if (r == NULL)
    return -1;
  struct archive_entry *e;
  while (archive_read_next_header(r, &e) == ARCHIVE_OK) {
    _cleanup_free_ char *path = sc_unpack_normalize_path(archive_entry_pathname(e));
    if (path == NULL)
      continue;
    int li = layer_index(layer_paths, path);
    if (strcmp(path, config_name) == 0 && info->config == NULL) {
      _cleanup_free_ char *text = NULL;
      size_t len = 0;
      if (read_member(r, path, &text, &len, err) < 0)
        return -1;
      sc_sha256_digest(text, len, info->config_digest);
      info->config = json_loadb(text, len, 0, NULL);
    } else if (li >= 0) {
      sc_digest_writer w;
      sc_digest_writer_init(&w, -1);
      char buf[1 << 16];
      la_ssize_t n;
      while ((n = archive_read_data(r, buf, sizeof buf)) > 0)
        sc_digest_writer_write(&w, buf, (size_t)n, NULL);
      char digest[SC_DIGEST_LEN + 1];
      sc_digest_writer_finish(&w, digest);
      json_t *l = json_array_get(info->layers, (size_t)li);
      json_object_set_new(l, "size", json_integer(w.size));
      json_object_set_new(l, "digest", json_string(digest));
    }
  }
  if (!json_is_object(info->config))
    return sc_error_set(err, SC_E_INVALID, "the archive's config %s is missing or not JSON",
                        config_name);
  return 0;
}

int sc_docker_archive_read(int fd, sc_docker_archive_info *info, sc_error *err)
{
  *info = (sc_docker_archive_info){0};
  if (find_manifest(fd, info, err) < 0 || read_config_and_layers(fd, info, err) < 0) {
    sc_docker_archive_info_clear(info);
    return -1;
  }
  return 0;
}

/* Inner archive reading its bytes from the outer one's current member. */
typedef struct nested_source {
  struct archive *outer;
  char block[1 << 16];
} nested_source;

static la_ssize_t outer_read_cb(struct archive *inner, void *user, const void **buf)
{
  nested_source *src = user;
  (void)inner;
  *buf = src->block;
  return archive_read_data(src->outer, src->block, sizeof src->block);
}

int sc_docker_archive_list_layer(int fd, const char *member, sc_tar_path_fn fn, void *user,
                                 sc_error *err)
{
  _cleanup_(archive_read_freep) struct archive *r = tar_reader_open(fd, err);
  if (r == NULL)
    return -1;
  struct archive_entry *e;
  while (archive_read_next_header(r, &e) == ARCHIVE_OK) {
    _cleanup_free_ char *path = sc_unpack_normalize_path(archive_entry_pathname(e));
    if (path == NULL || strcmp(path, member) != 0)
      continue;
    _cleanup_free_ nested_source *src = xmalloc(sizeof *src);
    src->outer = r;
    _cleanup_(archive_read_freep) struct archive *inner = archive_read_new();
    if (sc_layer_support_filters(inner, NULL, err) < 0)
      return sc_error_prefix(err, "%s", member);
    archive_read_support_format_tar(inner);
    if (archive_read_open(inner, src, NULL, outer_read_cb, NULL) != ARCHIVE_OK)
      return sc_error_set(err, SC_E_INVALID, "%s: %s", member, archive_error_string(inner));
    struct archive_entry *ie;
    int rc;
    while ((rc = archive_read_next_header(inner, &ie)) == ARCHIVE_OK)
      fn(archive_entry_pathname(ie), user);
    if (rc != ARCHIVE_EOF)
      return sc_error_set(err, SC_E_INVALID, "%s: %s", member, archive_error_string(inner));
    return 0;
  }
  return sc_error_set(err, ENOENT, "the archive has no member %s", member);
}
