/* ostree-export.c: an OSTree-stored image as an OCI layout (ostree-export.h). */
#include "ostree-export.h"
#include "image-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>

#include "digest.h"
#include "image-ostree.h"
#include "layer.h"
#include "oci.h"
#include "util.h"

#define TREE_DIR ".layer-tree"

typedef struct export_ctx {
  const sc_image *image;
  int layout_fd, blobs_fd;
  volatile const int *interrupted;
  json_t *manifest; /* the stored manifest, its layer descriptors updated */
  bool changed;
} export_ctx;

/* config.created ("2023-11-14T22:13:20Z", as sc-build writes it) in
 * seconds, or -1. */
static int64_t created_epoch(const sc_image *image)
{
  const char *created = json_string_value(json_object_get(image->config, "created"));
  struct tm tm = {0};
  const char *end = created ? strptime(created, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
  if (end == NULL || (*end != 'Z' && *end != '.'))
    return -1;
  time_t t = timegm(&tm);
  return t < 0 ? -1 : (int64_t)t;
}

static const char *diff_id_of(const sc_image *image, size_t index)
{
  json_t *ids = json_object_get(json_object_get(image->config, "rootfs"), "diff_ids");
  return json_string_value(json_array_get(ids, index));
}

/* Pack the checked-out tree with one mtime; 1 when its diff_id is the
 * config's (the blob stays), 0 when not (the blob is removed). */
static int pack_tree(export_ctx *ctx, int tree_fd, size_t index, int64_t mtime,
                     sc_layer_result *out, sc_error *err)
{
  const sc_descriptor *d = &ctx->image->layers[index];
  sc_layer_options lo = {.rootfs_fd = tree_fd,
                         .hostfs_fd = -1,
                         .plain_tree = true,
                         .allow_special = true,
                         .mtime = mtime,
                         .compression = strstr(d->media_type, "zstd") ? SC_COMPRESSION_ZSTD
                                                                      : SC_COMPRESSION_GZIP,
                         .interrupted = ctx->interrupted};
  if (sc_layer_write(&lo, ctx->blobs_fd, out, err) < 0)
    return -1;
  const char *want = diff_id_of(ctx->image, index);
  if (want && strcmp(out->diff_id, want) == 0)
    return 1;
  if (strcmp(out->digest, ctx->image->config_descriptor.digest) != 0)
    unlinkat(ctx->blobs_fd, sc_digest_hex(out->digest), 0);
  return 0;
}

/* The layer's descriptor in the new manifest: the blob we wrote. */
static void update_descriptor(export_ctx *ctx, size_t index, const sc_layer_result *packed)
{
  if (strcmp(packed->digest, ctx->image->layers[index].digest) == 0)
    return;
  json_t *layer = json_array_get(json_object_get(ctx->manifest, "layers"), index);
  json_object_set_new(layer, "digest", json_string(packed->digest));
  json_object_set_new(layer, "size", json_integer(packed->size));
  ctx->changed = true;
}

static int repack_layer(export_ctx *ctx, size_t index, sc_error *err)
{
  const sc_descriptor *d = &ctx->image->layers[index];
  if (sc_rm_rf_at(ctx->layout_fd, TREE_DIR, err) < 0)
    return -1;
  if (mkdirat(ctx->layout_fd, TREE_DIR, 0755) < 0)
    return sc_error_set_errno(err, errno, "cannot make a checkout directory");
  _cleanup_close_ int tree_fd =
      openat(ctx->layout_fd, TREE_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (tree_fd < 0)
    return sc_error_set_errno(err, errno, "cannot open the checkout directory");
  if (sc_image_ostree_checkout_layer_copy(ctx->image, index, tree_fd, err) < 0)
    return -1;
  int64_t created = created_epoch(ctx->image);
  int64_t mtimes[2] = {created >= 0 ? created : 0, 0};
  int tries = created > 0 ? 2 : 1;
  sc_layer_result packed = {0};
  const char *got = NULL;
  char last[SC_DIGEST_LEN + 1] = "";
  for (int t = 0; t < tries; t++) {
    int rc = pack_tree(ctx, tree_fd, index, mtimes[t], &packed, err);
    if (rc < 0)
      return -1;
    if (rc == 1) {
      got = packed.digest;
      break;
    }
    memcpy(last, packed.diff_id, sizeof last);
  }
  sc_rm_rf_at(ctx->layout_fd, TREE_DIR, NULL);
  if (got == NULL)
    return sc_error_set(err, SC_E_INVALID,
                        "layer %zu (%s) cannot be rebuilt byte for byte from OSTree: packed "
                        "again its diff_id is %s, the config says %s.  OSTree does not keep "
                        "the mtimes, owner names or hard links of layers other tools wrote: "
                        "push the OCI layout or archive the image came from",
                        index + 1, d->digest, last, diff_id_of(ctx->image, index));
  update_descriptor(ctx, index, &packed);
  return 0;
}

static int write_config(export_ctx *ctx, sc_error *err)
{
  _cleanup_free_ char *data = NULL;
  size_t len = 0;
  char digest[SC_DIGEST_LEN + 1];
  if (sc_image_ostree_read_config(ctx->image, &data, &len, err) < 0)
    return -1;
  return sc_oci_write_blob(ctx->blobs_fd, data, len, digest, err);
}

/* The stored manifest's bytes when no layer changed (same digest), else
 * the manifest with the new layer descriptors. */
static int write_manifest(export_ctx *ctx, const char *tag, sc_error *err)
{
  _cleanup_free_ char *stored = NULL, *dumped = NULL;
  size_t len = 0;
  if (sc_image_ostree_read_manifest(ctx->image, &stored, &len, err) < 0)
    return -1;
  const char *data = stored;
  if (ctx->changed)
    data = dumped = sc_oci_json_dump(ctx->manifest, &len);
  char digest[SC_DIGEST_LEN + 1];
  if (sc_oci_write_blob(ctx->blobs_fd, data, len, digest, err) < 0)
    return -1;
  const char *media_type = json_string_value(json_object_get(ctx->manifest, "mediaType"));
  json_t *index = NULL;
  if (sc_oci_index_read(ctx->layout_fd, &index, err) < 0)
    return -1;
  json_t *descriptor = json_pack(
      "{s:s,s:s,s:I,s:{s:s}}", "mediaType", media_type ? media_type : SC_MEDIA_TYPE_OCI_MANIFEST,
      "digest", digest, "size", (json_int_t)len, "annotations", SC_ANNOTATION_REF_NAME, tag);
  json_decref(sc_oci_index_set_tag(index, tag, descriptor));
  json_decref(descriptor);
  int rc = sc_oci_index_write(ctx->layout_fd, index, err);
  json_decref(index);
  return rc;
}

int sc_ostree_export(const sc_image *image, int layout_fd, const char *tag,
                     volatile const int *interrupted, sc_ostree_export_result *result,
                     sc_error *err)
{
  if (image->kind != SC_IMAGE_OSTREE)
    return sc_error_set(err, SC_E_USAGE, "%s is not an OSTree image", image->reference);
  export_ctx ctx = {.image = image,
                    .layout_fd = layout_fd,
                    .blobs_fd = -1,
                    .interrupted = interrupted,
                    .manifest = json_deep_copy(image->manifest)};
  int rc = sc_oci_layout_init(layout_fd, err);
  if (rc == 0 && (ctx.blobs_fd = sc_oci_open_blobs(layout_fd, err)) < 0)
    rc = -1;
  if (rc == 0)
    rc = write_config(&ctx, err);
  for (size_t i = 0; rc == 0 && i < image->layer_count; i++) {
    rc = sc_check_interrupted(interrupted, NULL, err);
    if (rc == 0)
      rc = repack_layer(&ctx, i, err);
  }
  if (rc == 0)
    rc = write_manifest(&ctx, tag, err);
  if (ctx.blobs_fd >= 0)
    close(ctx.blobs_fd);
  json_decref(ctx.manifest);
  result->manifest_changed = ctx.changed;
  return rc;
}
