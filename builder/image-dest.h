/* image-dest.h: writing an image to a local destination transport
 * (sc/imageref.h): oci:PATH[:REF] (a layout, made or added to, under its
 * lock), oci-archive:PATH[:REF], docker-archive:PATH[:NAME:TAG] and
 * dir:PATH (containers/image's directory transport: manifest.json, each
 * blob named by its digest's hex, and `version`).  docker:// goes through
 * push.h.
 *
 * The image is read from a layout (its blobs as files: image-source.h
 * with need_layout).  Blobs and manifest are copied as they are, so the
 * manifest digest stays the same, except for docker-archive, which has no
 * manifest blob, and a Docker schema 2 manifest written to oci: or
 * oci-archive:, which is converted to an OCI one as skopeo copy converts
 * it (sc_oci_manifest_from_docker; the blobs stay the same), and so is a
 * Docker manifest list, or an index naming a converted manifest.
 * Archives and dir: are written under a temporary name beside PATH and
 * renamed into place; archives are reproducible (mtime, the caller's
 * SOURCE_DATE_EPOCH or 0, as every entry's). */
#ifndef SC_IMAGE_DEST_H
#define SC_IMAGE_DEST_H

#include <stdint.h>
#include <jansson.h>
#include <sc/error.h>
#include <sc/image.h>
#include <sc/imageref.h>

#include "digest.h"

/* tmpdir: where an oci-archive's layout is put together (sc_tmp_base).
 * digest receives the digest tools report for what was written: the
 * image's manifest digest, or for a docker-archive, which holds no
 * manifest, that of the manifest containers/image makes for it
 * (sc_docker_archive_write), or the converted manifest's.  referrers: as
 * sc_image_set's below. */
int sc_image_write(const sc_image *image, const sc_image_ref *destination, int64_t mtime,
                   const char *tmpdir, volatile const int *interrupted,
                   char digest[SC_DIGEST_LEN + 1], json_t *referrers, sc_error *err);

/* Several images of one layout: with index_digest, the image index (a
 * multi-platform image) whose manifests they are, written whole, the
 * index under the destination's ref (oci: and oci-archive: only);
 * without, the one image, as sc_image_write. */
typedef struct sc_image_set {
  const sc_image *const *images;
  size_t count;
  const char *index_digest;
  /* NULL, or where the digest goes when it is not the image's manifest's:
   * a docker-archive's, a converted manifest's. */
  char *archive_digest;
  /* NULL, or the array to which the descriptors of the artifacts that
   * refer to the images and were written with them (oci:, oci-archive:;
   * referrer.h) are appended. */
  json_t *referrers;
} sc_image_set;

int sc_image_write_set(const sc_image_set *set, const sc_image_ref *destination, int64_t mtime,
                       const char *tmpdir, volatile const int *interrupted, sc_error *err);

#endif
