/* image-source.h: every image reference sc-build reads (sc/imageref.h),
 * made a reference sc_image_open reads.
 *
 * oci: is read in place and ostree: from its repository.  docker:// is
 * pulled into the base cache (pull.h); oci-archive:, docker-archive: and
 * dir: are imported into the same cache, every blob checked against its
 * digest on the way: the cache keeps them, so an installed image can be
 * updated and rolled back after the archive is gone, as a pulled one can.
 * When the caller reads blobs as files (build --from, push), an ostree:
 * image is exported into the cache as well.
 *
 * Every error names the reference as it was typed, never the temporary
 * directory an archive was unpacked into. */
#ifndef SC_IMAGE_SOURCE_H
#define SC_IMAGE_SOURCE_H

#include <stdbool.h>
#include <sc/error.h>
#include <sc/image.h>
#include <sc/imageref.h>

#include "imageref-internal.h"
#include "pull.h"

typedef struct sc_image_source_options {
  const sc_pull_options *pull; /* docker:// (NULL: the defaults); its cache_dir and
                                * registry.interrupted serve the imports too */
  bool need_layout;            /* blobs read as files: ostree: goes through the cache */
  bool base_image;             /* a base (--from): its transport must be named */
  const char *tmpdir;          /* where an archive is unpacked (sc_tmp_base) */
} sc_image_source_options;

typedef struct sc_image_source {
  sc_image_ref ref; /* the reference as typed, parsed */
  char *local;      /* what sc_image_open reads */
  /* The image's name, for install's default container name and
   * $IMAGE_NAME: REPO:TAG of a docker:// reference, an archive's ref name
   * or tag (else its file name), a dir:'s name; NULL for oci: and ostree:. */
  char *name;
  sc_pull_result pulled; /* docker:// only */
} sc_image_source;

int sc_image_source_resolve(const char *text, const sc_image_source_options *options,
                            sc_image_source *out, sc_error *err);
void sc_image_source_clear(sc_image_source *source);

/* Resolve and open: the image's name and tag follow the reference (a
 * pulled image is HOST/REPO:TAG, tagged REPO:TAG, as atomic names it). */
int sc_image_source_open(const char *text, const sc_image_source_options *options, sc_image **out,
                         sc_error *err);

#endif
