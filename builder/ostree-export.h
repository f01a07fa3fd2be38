/* ostree-export.h: an image of an OSTree repository (the ostree: layout
 * that `build --format ostree` and `import` write) turned back into an OCI
 * layout, so that it can be pushed.
 *
 * OSTree keeps layers unpacked, so each layer is checked out and packed
 * again with sc-build's reproducible layer writer (owners 0/0, one mtime,
 * sorted entries).  The uncompressed tar must hash to the config's
 * diff_id, so the config, and with it the image's identity, is unchanged;
 * for an image sc-build built the compressed layer, and so the manifest
 * digest, come out the same too.  The mtime tried first is the config's
 * `created` (what sc-build stamps every entry with: SOURCE_DATE_EPOCH),
 * then 0.  A layer that cannot be rebuilt exactly (another tool's layer
 * with real mtimes or hard links, which OSTree does not keep) is an error
 * naming it. */
#ifndef SC_OSTREE_EXPORT_H
#define SC_OSTREE_EXPORT_H

#include <stdbool.h>
#include <sc/error.h>
#include <sc/image.h>

typedef struct sc_ostree_export_result {
  bool manifest_changed; /* a layer compressed differently: a new manifest digest */
} sc_ostree_export_result;

/* Write image (an SC_IMAGE_OSTREE image) into the empty directory
 * layout_fd as an OCI layout whose only image is tagged `tag`. */
int sc_ostree_export(const sc_image *image, int layout_fd, const char *tag,
                     volatile const int *interrupted, sc_ostree_export_result *result,
                     sc_error *err);

#endif
