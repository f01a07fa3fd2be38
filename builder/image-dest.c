/* image-dest.c: an image to oci:, oci-archive:, docker-archive: or dir:
 * (image-dest.h). */
#include "image-dest.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "digest.h"
#include "image-archive.h"
#include "image-internal.h"
#include "imageref-internal.h"
#include "layer.h"
#include "oci.h"
#include "referrer.h"
#include "store.h"
#include "layer-reader.h"
#include "util.h"

#define DIR_VERSION "Directory Transport Version: 1.1\n"

/* Every blob the image has, from from_blobs to to_blobs (as a layout
 * or dir: names them: by hex); the manifest's too unless manifest_size
 * is negative (a manifest written converted instead). */
static int copy_blobs(const sc_image *image, int from_blobs, int to_blobs, int64_t manifest_size,
                      sc_error *err)
{
  if (sc_oci_copy_blob(from_blobs, to_blobs, image->config_descriptor.digest,
                       image->config_descriptor.size, err) < 0)
    return -1;
  /* A layer compressed otherwise than its media type says is refused,
   * never copied on (layer-reader.h). */
  if (sc_image_check_layer_formats(image, err) < 0)
    return -1;
  for (size_t i = 0; i < image->layer_count; i++)
    if (sc_oci_copy_blob(from_blobs, to_blobs, image->layers[i].digest, image->layers[i].size,
                         err) < 0)
      return -1;
  return manifest_size < 0
             ? 0
             : sc_oci_copy_blob(from_blobs, to_blobs, image->manifest_digest, manifest_size, err);
}

static int64_t manifest_size(int blobs_fd, const sc_image *image)
{
  struct stat st;
  return fstatat(blobs_fd, sc_digest_hex(image->manifest_digest), &st, 0) < 0 ? -1 : st.st_size;
}

/* index.json's entry for the image (digest, media type, size) under ref,
 * or untagged when ref is NULL and no entry has its digest. */
static int set_entry(int layout_fd, const char *digest, const char *media_type, int64_t size,
                     const char *ref, sc_error *err)
{
  _cleanup_(json_decrefp) json_t *index = NULL;
  if (sc_oci_index_read(layout_fd, &index, err) < 0)
    return -1;
  _cleanup_(json_decrefp) json_t *descriptor = json_pack(
      "{s:s,s:s,s:I}", "mediaType", media_type, "digest", digest, "size", (json_int_t)size);
  _cleanup_(json_decrefp) json_t *gone = json_array();
  if (ref) {
    json_object_set_new(descriptor, "annotations", json_pack("{s:s}", SC_ANNOTATION_REF_NAME, ref));
    json_t *replaced = sc_oci_index_set_tag(index, ref, descriptor);
    if (replaced)
      json_array_append_new(gone, replaced);
  } else {
    size_t i;
    json_t *m;
    bool present = false;
    json_array_foreach(json_object_get(index, "manifests"), i, m)
    {
      const char *d = json_string_value(json_object_get(m, "digest"));
      present |= d && strcmp(d, digest) == 0;
    }
    if (!present)
      json_array_append(json_object_get(index, "manifests"), descriptor);
  }
  /* The referrers of the image the tag named are garbage now. */
  _cleanup_close_ int blobs_fd = sc_oci_open_blobs(layout_fd, err);
  if (blobs_fd < 0)
    return -1;
  sc_referrer_prune(blobs_fd, index, NULL, gone);
  if (sc_oci_index_write(layout_fd, index, err) < 0)
    return -1;
  return sc_oci_remove_all_unreferenced(layout_fd, index, gone, err);
}

/* Whether the image's manifest was written as it is (written: copy_image's
 * record), not converted to another digest. */
static bool written_as_is(const json_t *written, const char *manifest_digest)
{
  const char *d =
      json_string_value(json_object_get(json_object_get(written, manifest_digest), "digest"));
  return d && strcmp(d, manifest_digest) == 0;
}

/* The artifacts that refer to the images (an SBOM) or to their index go
 * with them, once their subjects are in the layout: in an OCI layout a
 * referrer is a manifest with a subject that index.json lists (referrer.h).
 * Only a layout source has any: an archive or dir: lists no artifact.  A
 * manifest converted on the way (a Docker one) has another digest, which
 * its referrers do not name: they stay behind. */
static int carry_referrers(const sc_image_set *set, int layout_fd, const json_t *written,
                           sc_error *err)
{
  const sc_image *first = set->images[0];
  if (first->kind != SC_IMAGE_OCI_LAYOUT)
    return 0;
  bool all_as_is = true;
  for (size_t i = 0; i < set->count; i++) {
    const char *digest = set->images[i]->manifest_digest;
    all_as_is &= written_as_is(written, digest);
    if (written_as_is(written, digest) &&
        sc_referrer_copy(set->images[i]->layout_fd, layout_fd, digest, set->referrers, err) < 0)
      return -1;
  }
  if (set->index_digest && all_as_is &&
      sc_referrer_copy(first->layout_fd, layout_fd, set->index_digest, set->referrers, err) < 0)
    return -1;
  return 0;
}

/* The image's blobs into to_blobs, and its manifest: as it is, or an OCI
 * one where it is Docker schema 2's (skopeo and umoci read a layout only
 * of OCI manifests; skopeo copy converts them so).  The descriptor of the
 * manifest written goes into written, under the image's manifest digest. */
static int copy_image(const sc_image *image, int to_blobs, json_t *written, sc_error *err)
{
  _cleanup_close_ int from = sc_oci_open_blobs(image->layout_fd, err);
  int64_t size = from < 0 ? -1 : manifest_size(from, image);
  if (from >= 0 && size < 0)
    return sc_error_set(err, SC_E_INVALID, "the manifest blob is gone");
  _cleanup_(json_decrefp) json_t *converted = sc_oci_manifest_from_docker(image->manifest);
  if (from < 0 || copy_blobs(image, from, to_blobs, converted ? -1 : size, err) < 0)
    return -1;
  const char *type = json_string_value(json_object_get(image->manifest, "mediaType"));
  json_t *d =
      converted ? sc_oci_write_json_blob(to_blobs, converted, SC_MEDIA_TYPE_OCI_MANIFEST, err)
                : json_pack("{s:s,s:s,s:I}", "mediaType", type ? type : SC_MEDIA_TYPE_OCI_MANIFEST,
                            "digest", image->manifest_digest, "size", (json_int_t)size);
  return d ? json_object_set_new(written, image->manifest_digest, d) : -1;
}

/* The index as written: as it is when it is an OCI index of manifests
 * written as they are (NULL), else an OCI index naming the manifests
 * written (a Docker manifest list, converted as skopeo copy converts it). */
static json_t *index_as_written(const json_t *index, const json_t *written)
{
  const char *type = json_string_value(json_object_get(index, "mediaType"));
  bool changed = type && strcmp(type, SC_MEDIA_TYPE_DOCKER_LIST) == 0;
  json_t *out = json_deep_copy(index);
  size_t i;
  json_t *m;
  json_array_foreach(json_object_get(out, "manifests"), i, m)
  {
    const json_t *d = json_object_get(written, json_string_value(json_object_get(m, "digest")));
    const char *now = json_string_value(json_object_get(d, "digest"));
    if (now == NULL || strcmp(now, json_string_value(json_object_get(m, "digest"))) == 0)
      continue;
    changed = true;
    json_object_update(m, (json_t *)d);
  }
  if (!changed) {
    json_decref(out);
    return NULL;
  }
  json_object_set_new(out, "mediaType", json_string(SC_MEDIA_TYPE_OCI_INDEX));
  return out;
}

/* The index blob of set, copied or converted, and its entry under ref. */
static int add_index(const sc_image_set *set, int layout_fd, int to_blobs, const json_t *written,
                     const char *ref, sc_error *err)
{
  _cleanup_close_ int from = sc_oci_open_blobs(set->images[0]->layout_fd, err);
  _cleanup_free_ char *text = NULL;
  size_t len = 0;
  if (from < 0 || sc_read_file_at_max(from, sc_digest_hex(set->index_digest), SC_JSON_DOCUMENT_MAX,
                                      &text, &len, err) < 0)
    return sc_error_prefix(err, "the index blob %s", set->index_digest);
  _cleanup_(json_decrefp) json_t *index = json_loadb(text, len, 0, NULL);
  _cleanup_(json_decrefp) json_t *converted = index ? index_as_written(index, written) : NULL;
  if (converted == NULL)
    return sc_oci_copy_blob(from, to_blobs, set->index_digest, (int64_t)len, err) < 0
               ? -1
               : set_entry(layout_fd, set->index_digest, SC_MEDIA_TYPE_OCI_INDEX, (int64_t)len, ref,
                           err);
  _cleanup_(json_decrefp) json_t *d =
      sc_oci_write_json_blob(to_blobs, converted, SC_MEDIA_TYPE_OCI_INDEX, err);
  if (d == NULL)
    return -1;
  const char *digest = json_string_value(json_object_get(d, "digest"));
  if (set->archive_digest)
    snprintf(set->archive_digest, SC_DIGEST_LEN + 1, "%s", digest);
  return set_entry(layout_fd, digest, SC_MEDIA_TYPE_OCI_INDEX,
                   json_integer_value(json_object_get(d, "size")), ref, err);
}

/* Add the images to the layout layout_fd (made a layout when empty) under
 * ref: their blobs and manifests (copy_image), then the entry of the one
 * image, or of the index that names them all; set->archive_digest receives
 * the digest of what ref names when it is not the source's. */
static int add_to_layout(const sc_image_set *set, int layout_fd, const char *ref, sc_error *err)
{
  if (!sc_oci_is_layout(layout_fd) && sc_oci_layout_init(layout_fd, err) < 0)
    return -1;
  _cleanup_close_ int to = sc_oci_open_blobs(layout_fd, err);
  if (to < 0)
    return -1;
  _cleanup_(json_decrefp) json_t *written = json_object();
  for (size_t i = 0; i < set->count; i++)
    if (copy_image(set->images[i], to, written, err) < 0)
      return -1;
  if (set->index_digest) {
    if (add_index(set, layout_fd, to, written, ref, err) < 0)
      return -1;
    return carry_referrers(set, layout_fd, written, err);
  }
  const json_t *d = json_object_get(written, set->images[0]->manifest_digest);
  const char *digest = json_string_value(json_object_get(d, "digest"));
  if (set->archive_digest)
    snprintf(set->archive_digest, SC_DIGEST_LEN + 1, "%s", digest);
  if (set_entry(layout_fd, digest, json_string_value(json_object_get(d, "mediaType")),
                json_integer_value(json_object_get(d, "size")), ref, err) < 0)
    return -1;
  return carry_referrers(set, layout_fd, written, err);
}

static int write_oci(const sc_image_set *set, const sc_image_ref *dest,
                     volatile const int *interrupted, sc_error *err)
{
  if (sc_mkdir_p_at(AT_FDCWD, dest->path, 0755, err) < 0)
    return -1;
  _cleanup_close_ int fd = open(dest->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return sc_error_set_errno(err, errno, "cannot open %s", dest->path);
  _cleanup_free_ char *what = xasprintf("layout %s", dest->path);
  if (sc_store_lock(fd, what, interrupted, err) < 0)
    return -1;
  return add_to_layout(set, fd, dest->ref, err);
}

/* The directory PATH is in, and PATH's last component. */
typedef struct place {
  int parent_fd;
  char *base;
} place;

static int open_place(const char *path, place *p, sc_error *err)
{
  _cleanup_free_ char *parent = sc_path_dirname(path);
  p->base = sc_path_basename(path);
  p->parent_fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (p->parent_fd < 0)
    return sc_error_set_errno(err, errno, "cannot open the directory of %s", path);
  return 0;
}

static void place_clear(place *p)
{
  if (p->parent_fd >= 0)
    close(p->parent_fd);
  free(p->base);
}

/* Write the archive through a temporary file beside PATH. */
static int write_archive(const sc_image_set *set, const sc_image_ref *dest, int64_t mtime,
                         const char *tmpdir, volatile const int *interrupted, sc_error *err)
{
  const sc_image *image = set->images[0];
  place p = {.parent_fd = -1};
  _cleanup_free_ char *tmp = NULL, *layout_path = NULL;
  _cleanup_close_ int layout_fd = -1, blobs_fd = -1, fd = -1;
  int rc = open_place(dest->path, &p, err);
  if (rc == 0)
    fd = sc_store_tmp_create(p.parent_fd, ".sc-write-", ".tar", false, &tmp, err);
  if (fd < 0) {
    rc = -1;
  } else if (dest->transport->transport == SC_TRANSPORT_DOCKER_ARCHIVE) {
    blobs_fd = sc_oci_open_blobs(image->layout_fd, err);
    const char *tag = dest->ref ? dest->ref : image->tag ? image->tag : "image:latest";
    json_t *diff_ids = json_object_get(json_object_get(image->config, "rootfs"), "diff_ids");
    rc = blobs_fd < 0 ? -1
                      : sc_docker_archive_write(blobs_fd, image->manifest, diff_ids, tag, fd, mtime,
                                                set->archive_digest, interrupted, err);
  } else {
    layout_fd = sc_store_tmp_dir(tmpdir, "sc-write-", 0700, NULL, &layout_path, err);
    rc = layout_fd < 0 || add_to_layout(set, layout_fd, dest->ref, err) < 0
             ? -1
             : sc_oci_archive_write(layout_fd, fd, mtime, interrupted, err);
  }
  if (rc == 0 && (fsync(fd) < 0 || renameat(p.parent_fd, tmp, p.parent_fd, p.base) < 0))
    rc = sc_error_set_errno(err, errno, "cannot write %s", dest->path);
  if (rc < 0 && tmp)
    unlinkat(p.parent_fd, tmp, 0);
  sc_store_tmp_dir_remove(&layout_path, &layout_fd);
  place_clear(&p);
  return rc;
}

/* dir:PATH, made aside and renamed into place: PATH must not exist or
 * be an empty directory (a directory of files sc-build did not write is
 * never replaced). */
static int write_dir(const sc_image *image, const sc_image_ref *dest, sc_error *err)
{
  place p = {.parent_fd = -1};
  if (open_place(dest->path, &p, err) < 0) {
    place_clear(&p);
    return -1;
  }
  _cleanup_free_ char *tmp = NULL;
  _cleanup_close_ int dir_fd =
      sc_store_tmp_create(p.parent_fd, ".sc-write-", NULL, true, &tmp, err);
  _cleanup_close_ int from = dir_fd < 0 ? -1 : sc_oci_open_blobs(image->layout_fd, err);
  _cleanup_free_ char *manifest = NULL;
  size_t len = 0;
  int rc = from < 0 ? -1
                    : sc_read_file_at_max(from, sc_digest_hex(image->manifest_digest),
                                          SC_JSON_DOCUMENT_MAX, &manifest, &len, err);
  if (rc == 0)
    rc = copy_blobs(image, from, dir_fd, (int64_t)len, err);
  if (rc == 0)
    rc = sc_write_file_at(dir_fd, "manifest.json", manifest, len, 0644, err);
  if (rc == 0)
    rc = sc_write_file_at(dir_fd, "version", DIR_VERSION, strlen(DIR_VERSION), 0644, err);
  if (rc == 0 && unlinkat(dir_fd, sc_digest_hex(image->manifest_digest), 0) < 0)
    rc = sc_error_set_errno(err, errno, "cannot write %s", dest->path);
  if (rc == 0 && renameat(p.parent_fd, tmp, p.parent_fd, p.base) < 0)
    rc = sc_error_set_errno(err, errno,
                            "cannot move the image into place as %s (it must not "
                            "exist, or be an empty directory)",
                            dest->path);
  if (rc < 0 && tmp)
    sc_rm_rf_at(p.parent_fd, tmp, NULL);
  place_clear(&p);
  return rc;
}

int sc_image_write(const sc_image *image, const sc_image_ref *destination, int64_t mtime,
                   const char *tmpdir, volatile const int *interrupted,
                   char digest[SC_DIGEST_LEN + 1], json_t *referrers, sc_error *err)
{
  const sc_image *one[] = {image};
  snprintf(digest, SC_DIGEST_LEN + 1, "%s", image->manifest_digest);
  sc_image_set set = {.images = one, .count = 1, .archive_digest = digest, .referrers = referrers};
  return sc_image_write_set(&set, destination, mtime, tmpdir, interrupted, err);
}

int sc_image_write_set(const sc_image_set *set, const sc_image_ref *destination, int64_t mtime,
                       const char *tmpdir, volatile const int *interrupted, sc_error *err)
{
  int rc;
  bool whole_index = set->index_digest != NULL;
  sc_transport t = destination->transport->transport;
  if (whole_index && t != SC_TRANSPORT_OCI && t != SC_TRANSPORT_OCI_ARCHIVE)
    return sc_error_set(err, SC_E_USAGE,
                        "'%s' holds one platform's image: copy an image index to oci: or "
                        "oci-archive:, or name a platform",
                        destination->text);
  switch (destination->transport->transport) {
  case SC_TRANSPORT_OCI:
    if (destination->digest)
      return sc_error_set(err, SC_E_USAGE, "'%s': a destination is named by a ref, not a digest",
                          destination->text);
    rc = write_oci(set, destination, interrupted, err);
    break;
  case SC_TRANSPORT_OCI_ARCHIVE:
  case SC_TRANSPORT_DOCKER_ARCHIVE:
    if (destination->index >= 0)
      return sc_error_set(err, SC_E_USAGE, "'%s': a destination is named NAME:TAG, not :@N",
                          destination->text);
    rc = write_archive(set, destination, mtime, tmpdir, interrupted, err);
    break;
  case SC_TRANSPORT_DIR:
    rc = write_dir(set->images[0], destination, err);
    break;
  default:
    return sc_error_set(err, SC_E_USAGE, "'%s': cannot be written here", destination->text);
  }
  return rc < 0 ? sc_error_prefix(err, "writing %s", destination->text) : 0;
}
