/* inspect.c: describe an image: manifest, config, layers, and which of the
 * four /exports/ files its layers provide (read from the tar streams). */
#include "inspect.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sc/image.h>

#include "descriptor.h"
#include "digest.h"
#include "image-archive.h"
#include "image-ostree.h"
#include "layer-reader.h"
#include "oci.h"
#include "project.h"
#include "unpack.h"
#include "util.h"

static const char *const export_names[] = {SC_FILE_CONFIG_TEMPLATE, SC_FILE_CONFIG,
                                           SC_FILE_MANIFEST, SC_FILE_SERVICE_TEMPLATE,
                                           SC_FILE_TMPFILES_TEMPLATE};
#define EXPORT_COUNT 5

typedef struct exports_seen {
  bool present[EXPORT_COUNT];
} exports_seen;

/* Layers apply in order (image-spec layer.md): a later entry adds a file,
 * a whiteout removes it, an opaque whiteout or a whiteout of /exports
 * removes them all. */
static void note_path(const char *raw, void *user)
{
  exports_seen *seen = user;
  _cleanup_free_ char *path = sc_unpack_normalize_path(raw);
  if (path == NULL)
    return;
  if (strcmp(path, ".wh.exports") == 0 || strcmp(path, "exports/.wh..wh..opq") == 0) {
    memset(seen->present, 0, sizeof seen->present);
    return;
  }
  if (!sc_str_has_prefix(path, "exports/"))
    return;
  const char *name = path + strlen("exports/");
  bool whiteout = sc_str_has_prefix(name, ".wh.");
  if (whiteout)
    name += 4;
  for (size_t i = 0; i < EXPORT_COUNT; i++)
    if (strcmp(name, export_names[i]) == 0)
      seen->present[i] = !whiteout;
}

static json_t *exports_json(const exports_seen *seen)
{
  json_t *o = json_object();
  for (size_t i = 0; i < EXPORT_COUNT; i++)
    json_object_set_new(o, export_names[i], json_boolean(seen->present[i]));
  return o;
}

/* ---- OCI layouts ---- */

static int list_layer_tar(struct archive *r, exports_seen *seen, const char *digest, sc_error *err)
{
  struct archive_entry *e;
  int rc;
  while ((rc = archive_read_next_header(r, &e)) == ARCHIVE_OK)
    note_path(archive_entry_pathname(e), seen);
  if (rc != ARCHIVE_EOF)
    return sc_error_set(err, SC_E_INVALID, "layer %s: %s", digest, archive_error_string(r));
  return 0;
}

/* Read a layer blob's entries by the runtime's rules (its media type's
 * compression only), then check it against descriptor and diff_id. */
static int scan_layer_blob(const sc_image *image, size_t i, exports_seen *seen, sc_error *err)
{
  const sc_descriptor *d = &image->layers[i];
  int fd = sc_image_open_layer(image, d, err);
  if (fd < 0)
    return -1;
  sc_layer_reader *reader = NULL;
  int ret = sc_layer_reader_open(fd, d->media_type, NULL, &reader, err);
  if (ret == 0)
    ret = list_layer_tar(sc_layer_reader_tar(reader), seen, d->digest, err);
  if (ret == 0) {
    sc_layer_sums sums;
    sc_layer_reader_finish(reader, &sums);
    ret = sc_image_check_layer_sums(image, i, &sums, err);
  }
  sc_layer_reader_free(reader);
  if (ret < 0)
    return sc_error_prefix(err, "layer %zu of %zu (%s)", i + 1, image->layer_count, d->digest);
  return 0;
}

static void add_config_fields(json_t *doc, const json_t *config)
{
  const char *keys[] = {"created", "architecture", "os"};
  for (size_t i = 0; i < 3; i++) {
    json_t *v = json_object_get(config, keys[i]);
    json_object_set_new(doc, keys[i], v ? json_incref(v) : json_null());
  }
  json_t *labels = json_object_get(json_object_get(config, "config"), "Labels");
  json_object_set_new(doc, "labels",
                      json_is_object(labels) ? json_deep_copy(labels) : json_object());
}

/* The ref name of the image when the reference named none: the
 * annotation of the index's only entry (image-spec annotations.md). */
static json_t *ref_name_of_only_image(const sc_image *image)
{
  if (image->tag)
    return json_string(image->tag);
  json_t *index = NULL;
  if (sc_oci_index_read(image->layout_fd, &index, NULL) < 0)
    return json_null();
  json_t *name = json_object_get(
      json_object_get(json_array_get(json_object_get(index, "manifests"), 0), "annotations"),
      SC_ANNOTATION_REF_NAME);
  json_t *r = json_is_string(name) ? json_incref(name) : json_null();
  json_decref(index);
  return r;
}

/* An OSTree layer is a tree, not a tar: look its /exports entries up, in
 * the order a tar of it would list them (whiteouts of the directory
 * first, then per file). */
static int scan_layer_ostree(const sc_image *image, size_t index, exports_seen *seen, sc_error *err)
{
  const char *dir_whiteouts[] = {".wh.exports", "exports/.wh..wh..opq"};
  bool has = false;
  for (size_t i = 0; i < 2; i++) {
    if (sc_image_ostree_layer_has(image, index, dir_whiteouts[i], &has, err) < 0)
      return -1;
    if (has)
      note_path(dir_whiteouts[i], seen);
  }
  for (size_t i = 0; i < EXPORT_COUNT; i++)
    for (int whiteout = 1; whiteout >= 0; whiteout--) {
      _cleanup_free_ char *path =
          xasprintf("exports/%s%s", whiteout ? ".wh." : "", export_names[i]);
      if (sc_image_ostree_layer_has(image, index, path, &has, err) < 0)
        return -1;
      if (has)
        note_path(path, seen);
    }
  return 0;
}

static int describe_layout(const char *reference, const char *transport, json_t **out,
                           sc_error *err)
{
  sc_image *image = NULL;
  if (sc_image_open(reference, &image, err) < 0)
    return -1;
  json_t *doc =
      json_pack("{s:s,s:o,s:s,s:s}", "transport", transport, "tag", ref_name_of_only_image(image),
                "digest", image->manifest_digest, "config_digest", image->config_descriptor.digest);
  add_config_fields(doc, image->config);
  json_t *layers = json_array();
  json_object_set_new(doc, "layers", layers);
  int64_t total = image->config_descriptor.size;
  exports_seen seen = {{false}};
  int r = 0;
  for (size_t i = 0; i < image->layer_count && r == 0; i++) {
    const sc_descriptor *d = &image->layers[i];
    json_array_append_new(layers, json_pack("{s:s,s:I,s:s}", "digest", d->digest, "size",
                                            (json_int_t)d->size, "mediaType", d->media_type));
    total += d->size;
    r = image->kind == SC_IMAGE_OSTREE ? scan_layer_ostree(image, i, &seen, err)
                                       : scan_layer_blob(image, i, &seen, err);
  }
  json_object_set_new(doc, "size", json_integer(total));
  json_object_set_new(doc, "exports", exports_json(&seen));
  sc_image_free(image);
  if (r < 0) {
    json_decref(doc);
    return -1;
  }
  *out = doc;
  return 0;
}

/* ---- archives ---- */

/* PATH[:TAG] of a transport reference. */
static void split_path_tag(const char *rest, char **path, char **tag)
{
  const char *colon = strchr(rest, ':');
  *path = colon ? xstrndup(rest, (size_t)(colon - rest)) : xstrdup(rest);
  *tag = colon && colon[1] ? xstrdup(colon + 1) : NULL;
}

/* An archive to read: a regular file (a FIFO or a device would never end,
 * and O_NONBLOCK keeps the open itself from waiting for a FIFO writer). */
static int open_archive(const char *path, sc_error *err)
{
  _cleanup_close_ int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  struct stat st;
  if (fd < 0)
    return sc_error_set_errno(err, errno, "cannot open %s", path);
  if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
    return sc_error_set(err, SC_E_INVALID, "%s is not a regular file", path);
  return steal_fd(&fd);
}

static int describe_oci_archive(const char *rest, json_t **out, sc_error *err)
{
  _cleanup_free_ char *path = NULL, *tag = NULL;
  split_path_tag(rest, &path, &tag);
  _cleanup_close_ int fd = open_archive(path, err);
  if (fd < 0)
    return -1;
  const char *tmpdir = getenv("TMPDIR");
  _cleanup_free_ char *tmp = xasprintf("%s/sc-inspect.XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
  if (mkdtemp(tmp) == NULL)
    return sc_error_set_errno(err, errno, "cannot create a temporary directory");
  int r = -1;
  _cleanup_close_ int dir_fd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) {
    sc_error_set_errno(err, errno, "cannot open %s", tmp);
  } else if (sc_oci_archive_extract(fd, dir_fd, err) < 0) {
    sc_error_prefix(err, "%s", path);
  } else {
    _cleanup_free_ char *ref = tag ? xasprintf("oci:%s:%s", tmp, tag) : xasprintf("oci:%s", tmp);
    r = describe_layout(ref, "oci-archive", out, err);
    if (r < 0)
      sc_error_prefix(err, "%s", path);
  }
  _cleanup_free_ char *parent = sc_path_dirname(tmp);
  _cleanup_free_ char *base = sc_path_basename(tmp);
  _cleanup_close_ int parent_fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (parent_fd >= 0)
    sc_rm_rf_at(parent_fd, base, NULL);
  return r;
}

static int describe_docker_archive(const char *path, json_t **out, sc_error *err)
{
  _cleanup_close_ int fd = open_archive(path, err);
  if (fd < 0)
    return -1;
  sc_docker_archive_info info;
  if (sc_docker_archive_read(fd, &info, err) < 0)
    return sc_error_prefix(err, "%s", path);
  json_t *doc =
      json_pack("{s:s,s:s,s:O}", "transport", "docker-archive", "config_digest", info.config_digest,
                "repo_tags", json_object_get(info.manifest_entry, "RepoTags"));
  add_config_fields(doc, info.config);
  json_t *layers = json_array();
  json_object_set_new(doc, "layers", layers);
  exports_seen seen = {{false}};
  int64_t total = 0;
  int r = 0;
  size_t i;
  json_t *l;
  json_array_foreach(info.layers, i, l)
  {
    json_t *size = json_object_get(l, "size");
    if (r == 0 && !size)
      r = sc_error_set(err, SC_E_INVALID, "%s: layer %s is missing", path,
                       json_string_value(json_object_get(l, "path")));
    json_array_append_new(layers, json_pack("{s:O?,s:O?,s:s}", "digest",
                                            json_object_get(l, "digest"), "size", size, "mediaType",
                                            "application/vnd.oci.image.layer.v1.tar"));
    total += json_integer_value(size);
    if (r == 0)
      r = sc_docker_archive_list_layer(fd, json_string_value(json_object_get(l, "path")), note_path,
                                       &seen, err);
  }
  json_object_set_new(doc, "size", json_integer(total));
  json_object_set_new(doc, "exports", exports_json(&seen));
  sc_docker_archive_info_clear(&info);
  if (r < 0) {
    json_decref(doc);
    return -1;
  }
  *out = doc;
  return 0;
}

int sc_inspect_image(const char *reference, json_t **out, sc_error *err)
{
  _cleanup_(json_decrefp) json_t *doc = NULL;
  int r;
  if (sc_str_has_prefix(reference, "oci-archive:"))
    r = describe_oci_archive(reference + strlen("oci-archive:"), &doc, err);
  else if (sc_str_has_prefix(reference, "docker-archive:"))
    r = describe_docker_archive(reference + strlen("docker-archive:"), &doc, err);
  else if (sc_str_has_prefix(reference, "oci:") || !strstr(reference, ":"))
    r = describe_layout(reference, "oci", &doc, err);
  else if (sc_str_has_prefix(reference, "ostree:"))
    r = describe_layout(reference, "ostree", &doc, err);
  else
    return sc_error_set(err, SC_E_USAGE,
                        "cannot inspect '%s': give oci:PATH[:TAG], oci-archive:PATH[:TAG], "
                        "docker-archive:PATH, ostree:NAME[:TAG][@REPO], "
                        "docker://HOST/REPO[:TAG] or a layout directory",
                        reference);
  if (r < 0)
    return -1;
  json_object_set_new(doc, "reference", json_string(reference));
  *out = steal_pointer(&doc);
  return 0;
}
