/* oci.h: writing OCI image layouts (image-spec v1.0.2 image-layout.md):
 * `oci-layout`, `index.json` and content-addressed `blobs/sha256/<hex>`.
 * Every file is written to a temp name in its directory, fsynced and
 * renamed, so a reader never sees a partial blob or index.  Reading images
 * back goes through the runtime's sc_image_open (sc/image.h). */
#ifndef SC_OCI_H
#define SC_OCI_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>
#include <sc/error.h>

#include "media-types.h"
#include "sha256.h"

#define SC_BLOBS_DIR "blobs/sha256"

/* True when dirfd holds an `oci-layout` file. */
bool sc_oci_is_layout(int dirfd);
/* Make the empty directory dirfd a layout with no images. */
int sc_oci_layout_init(int dirfd, sc_error *err);
/* Open blobs/sha256/ of a layout. */
int sc_oci_open_blobs(int layout_fd, sc_error *err);

/* A JSON document as stored: compact, keys sorted, so digests are stable. */
char *sc_oci_json_dump(const json_t *doc, size_t *len);
/* Store bytes as a blob; digest receives "sha256:<hex>". */
int sc_oci_write_blob(int blobs_fd, const void *data, size_t len, char digest[SC_DIGEST_LEN + 1],
                      sc_error *err);
/* Store a JSON document as a blob and return its descriptor
 * (descriptor.md: mediaType, digest, size). */
json_t *sc_oci_write_json_blob(int blobs_fd, const json_t *doc, const char *media_type,
                               sc_error *err);
/* A layer's OCI media type for a Docker one (image-spec media-types.md,
 * compatibility matrix; none given: gzip); an OCI one as it is. */
const char *sc_oci_layer_media_type(const char *media_type);
/* A Docker schema 2 manifest as an OCI one, as containers/image converts
 * it for an oci: destination: its, its config's and its layers' media
 * types mapped, the descriptors' digests and sizes kept (the config and
 * layer blobs are the same bytes; the manifest's own digest changes).
 * NULL when manifest is no Docker schema 2 manifest. */
json_t *sc_oci_manifest_from_docker(const json_t *manifest);
/* True when blobs_fd holds the blob `digest` (a well-formed digest) as a
 * regular file of `size` bytes (any size when size < 0): blobs are
 * content-addressed and only ever stored complete, so it is there. */
bool sc_oci_has_blob(int blobs_fd, const char *digest, int64_t size);
/* Writing a blob in place, never half-written under its name: create a
 * file of a random temporary name (prefix, e.g. ".tmp-layer-") in the
 * blobs directory, opened read-write, its name in *tmp; once the content
 * is written and checked, sc_oci_blob_store fsyncs it, renames it to the
 * digest's hex and fsyncs the directory (so the rename is durable before
 * index.json names the blob).  On a failure the caller unlinks *tmp. */
int sc_oci_blob_create(int blobs_fd, const char *prefix, char **tmp, sc_error *err);
int sc_oci_blob_store(int blobs_fd, int fd, const char *tmp, const char *digest, sc_error *err);
/* Copy the blob `digest` of `size` bytes from one blobs dir to another:
 * a hardlink when both are on one filesystem, else a checked copy. */
int sc_oci_copy_blob(int from_blobs_fd, int to_blobs_fd, const char *digest, int64_t size,
                     sc_error *err);

int sc_oci_index_read(int layout_fd, json_t **index, sc_error *err);
/* The ref name (annotations.md) of the first image of the layout's
 * index, newly allocated, or NULL: what names a layout's only image. */
char *sc_oci_first_ref_name(int layout_fd);
int sc_oci_index_write(int layout_fd, const json_t *index, sc_error *err);
/* Make descriptor the index entry for tag (annotation ref.name), replacing
 * the entry that had that tag, which is returned (new reference) or NULL. */
json_t *sc_oci_index_set_tag(json_t *index, const char *tag, json_t *descriptor);
/* After `replaced` (a manifest descriptor) left the index: remove its
 * blobs that no manifest still in the index references. */
int sc_oci_remove_unreferenced(int layout_fd, const json_t *index, const json_t *replaced,
                               sc_error *err);
/* sc_oci_remove_unreferenced for each descriptor of the array gone. */
int sc_oci_remove_all_unreferenced(int layout_fd, const json_t *index, const json_t *gone,
                                   sc_error *err);

/* Every digest the entries of index reach (manifests, configs, layers,
 * nested indexes), as an object whose keys are the digests.  -1 when one
 * cannot be read: whoever removes blobs must then remove none. */
int sc_oci_reachable_blobs(int blobs_fd, const json_t *index, json_t **out, sc_error *err);

#endif
