/* inspect.c: describe an image: manifest, config, layers, and which of the
 * four /exports/ files its layers provide (read from the tar streams). */
#include "inspect.h"
#include "imageref-internal.h"

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
#include "image-ostree.h"
#include "image-source.h"
#include "layer-reader.h"
#include "oci.h"
#include "project.h"
#include "referrer.h"
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
    int finished = sc_layer_reader_finish(reader, &sums, err);
    ret = sc_image_check_layer_sums(image, i, &sums, err) < 0 ? -1 : finished;
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
  /* linux/arm/v7 is not linux/arm: the variant when the config has one. */
  json_t *variant = json_object_get(config, "variant");
  if (json_is_string(variant))
    json_object_set(doc, "variant", variant);
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
  _cleanup_free_ char *name =
      image->kind == SC_IMAGE_OCI_LAYOUT ? sc_oci_first_ref_name(image->layout_fd) : NULL;
  return name ? json_string(name) : json_null();
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

/* The artifacts of the layout that refer to the image (referrer.h). */
static int add_referrers(json_t *doc, const sc_image *image, sc_error *err)
{
  json_t *referrers = NULL;
  if (sc_referrer_list(image->layout_fd, image->manifest_digest, &referrers, err) < 0)
    return sc_error_prefix(err, "the referrers of %s", image->manifest_digest);
  json_object_set_new(doc, "referrers", referrers);
  return 0;
}

/* referrers: list the layout's artifacts that refer to the image (not
 * for a copy in the cache, which holds none). */
static int describe_layout(const char *reference, const char *transport,
                           const sc_image_platform *platform, bool referrers, json_t **out,
                           sc_error *err)
{
  sc_image *image = NULL;
  if (sc_image_open_platform(reference, platform, &image, err) < 0)
    return -1;
  json_t *doc =
      json_pack("{s:s,s:o,s:s,s:s}", "transport", transport, "tag", ref_name_of_only_image(image),
                "digest", image->manifest_digest, "config_digest", image->config_descriptor.digest);
  add_config_fields(doc, image->config);
  json_t *layers = json_array();
  json_object_set_new(doc, "layers", layers);
  int64_t total = image->config_descriptor.size;
  exports_seen seen = {{false}};
  int r = referrers && image->kind == SC_IMAGE_OCI_LAYOUT ? add_referrers(doc, image, err) : 0;
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

/* An image index (a multi-platform image): its digest and each platform's
 * image, described as a one-platform image is. */
static int describe_index(const char *reference, json_t *index, const char *digest, bool referrers,
                          json_t **out, sc_error *err)
{
  json_t *platforms = json_array();
  *out = json_pack("{s:s,s:s,s:s,s:o}", "transport", "oci", "digest", digest, "mediaType",
                   SC_MEDIA_TYPE_OCI_INDEX, "platforms", platforms);
  size_t i;
  json_t *m;
  json_array_foreach(json_object_get(index, "manifests"), i, m)
  {
    sc_image_platform want;
    json_t *doc = NULL;
    const char *d = json_string_value(json_object_get(m, "digest"));
    if (sc_image_index_platform(m, &want) < 0)
      return sc_error_set(err, SC_E_INVALID, "%s: index entry %zu (%s) names no platform",
                          reference, i + 1, d ? d : "no digest");
    if (describe_layout(reference, "oci", &want, referrers, &doc, err) < 0)
      return -1;
    json_object_set_new(doc, "platform", json_incref(json_object_get(m, "platform")));
    json_object_del(doc, "transport");
    json_object_del(doc, "tag");
    json_array_append_new(platforms, doc);
  }
  return 0;
}

/* The index the reference names, or a one-platform image. */
static int describe(const sc_image_source *source, const char *transport, json_t **out,
                    sc_error *err)
{
  /* An oci-archive:'s referrers were imported with it (image-source.c). */
  sc_transport t = source->ref.transport->transport;
  bool referrers = t == SC_TRANSPORT_OCI || t == SC_TRANSPORT_OCI_ARCHIVE;
  _cleanup_(json_decrefp) json_t *index = NULL;
  _cleanup_free_ char *digest = NULL;
  int r = sc_image_open_index(source->local, &index, &digest, err);
  if (r < 0)
    return -1;
  if (r == 0)
    return describe_layout(source->local, transport, NULL, referrers, out, err);
  if (describe_index(source->local, index, digest, referrers, out, err) < 0) {
    json_decref(*out);
    *out = NULL;
    return -1;
  }
  sc_image *first = NULL; /* the tag of the index's entry, when the reference named none */
  if (sc_image_open(source->local, &first, NULL) == 0)
    json_object_set_new(*out, "tag", ref_name_of_only_image(first));
  sc_image_free(first);
  return 0;
}

int sc_inspect_source(const sc_image_source *source, json_t **out, sc_error *err)
{
  _cleanup_(json_decrefp) json_t *doc = NULL;
  const sc_image_ref *ref = &source->ref;
  bool ostree = ref->transport->transport == SC_TRANSPORT_OSTREE;
  if (describe(source, ostree && source->name == NULL ? "ostree" : "oci", &doc, err) < 0) {
    if (err && err->msg && !strstr(err->msg, ref->text))
      sc_error_prefix(err, "%s", ref->text);
    return -1;
  }
  /* What the user named, not the cache it was read from. */
  json_object_set_new(doc, "reference", json_string(ref->text));
  json_object_set_new(doc, "transport", json_string(ref->transport->name));
  if (ref->transport->transport == SC_TRANSPORT_DOCKER)
    json_object_set_new(doc, "tag", ref->tag ? json_string(ref->tag) : json_null());
  else if (source->name)
    json_object_set_new(doc, "tag", json_string(source->name));
  *out = steal_pointer(&doc);
  return 0;
}
