/* descriptor.h: image-spec descriptors read from hostile documents, and
 * the rules images are read by (internal: image.c holds them; image-ostree.c
 * and the builder use them). */
#ifndef SC_DESCRIPTOR_H
#define SC_DESCRIPTOR_H

#include <jansson.h>
#include <sc/error.h>
#include <sc/image.h>
#include "image-internal.h"

/* Parse {mediaType?, digest, size}: the digest must be a well-formed
 * sha256 digest and the size non-negative.  `what` names it in errors. */
int sc_descriptor_parse(json_t *json, const char *what, sc_descriptor *out, sc_error *err);
void sc_descriptor_clear(sc_descriptor *descriptor);

/* The rules every command reads an image by (install, build --from,
 * inspect, import, push): one place, so that none accepts what another
 * refuses.  `where` names the image or layout in messages. */

/* A platform to pick from an image index (image-spec image-index.md),
 * names as the index gives them; NULL members: linux, this machine's
 * architecture, any variant. */
typedef struct sc_image_platform {
  const char *os;
  const char *architecture;
  const char *variant;
} sc_image_platform;
/* sc_image_open, taking that platform's manifest where the reference
 * names an index (want NULL: the host's, as sc_image_open does).  An
 * ostree: image holds one platform and is opened as it is. */
int sc_image_open_platform(const char *reference, const sc_image_platform *want, sc_image **out,
                           sc_error *err);

/* The platform an image index entry names (its strings, borrowed): -1
 * when it names no os and architecture. */
int sc_image_index_platform(const json_t *entry, sc_image_platform *out);

/* When the oci: reference names an image index (a multi-platform image):
 * 1 with the index document (checked against its digest) and digest; 0
 * when it names a manifest or is no oci: reference. */
int sc_image_open_index(const char *reference, json_t **index, char **digest, sc_error *err);

/* index.json: an object with a manifests array, no tag listed twice. */
int sc_image_index_check(const json_t *index, const char *where, sc_error *err);
/* image->manifest's layers into image->layers: at most 127, each a
 * well-formed descriptor of an OCI or Docker layer media type. */
int sc_image_parse_layers(sc_image *image, const char *where, sc_error *err);
/* image->config's rootfs.diff_ids: one sha256 digest per layer. */
int sc_image_check_diff_ids(const sc_image *image, const char *where, sc_error *err);
/* rootfs.diff_ids[i], or NULL. */
const char *sc_image_diff_id(const sc_image *image, size_t i);
/* Layer i as read (layer-reader.h) against its descriptor and diff_id. */
struct sc_layer_sums;
/* After a layer failed to read (bad compressed data, a broken tar): when
 * its blob does not hash to its descriptor's digest, make that the error,
 * the cause the user can act on. */
void sc_image_blame_blob(const sc_image *image, const sc_descriptor *layer, sc_error *err);
int sc_image_check_layer_sums(const sc_image *image, size_t i, const struct sc_layer_sums *sums,
                              sc_error *err);
/* Read layer i whole (OCI layouts): its blob must match its descriptor's
 * size and digest, its media type's compression and, uncompressed, its
 * diff_id.  What a copy of a blob must pass before it is trusted. */
int sc_image_verify_layer(const sc_image *image, size_t i, volatile const int *interrupted,
                          sc_error *err);

#endif
