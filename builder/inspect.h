/* inspect.h: `sc-build inspect`: what an image holds, read without
 * extracting its layers to disk. */
#ifndef SC_INSPECT_H
#define SC_INSPECT_H

#include <jansson.h>
#include <sc/error.h>

#include "image-source.h"

/* Inspect an image of any transport (sc/imageref.h), resolved by
 * image-source.h: what is shown is the reference as typed, its transport
 * and tag, and the image as read.  *out is a JSON object:
 *   {"reference", "transport", "tag", "digest", "config_digest", "created",
 *    "architecture", "os", "labels": {..},
 *    "layers": [{"digest", "size", "mediaType"}], "size",
 *    "exports": {"config.json.template": bool, "manifest.json": bool,
 *                "service.template": bool, "tmpfiles.template": bool},
 *    "referrers": [{"mediaType", "digest", "size", "artifactType"}] (oci:
 *    layouts: the artifacts whose subject is the image, referrer.h; the
 *    CLI adds a docker:// image's from its registry)}
 * "digest" is the manifest digest (for a docker-archive, of the OCI
 * manifest it is read as).  An image index (a multi-platform image) is
 *   {"reference", "transport", "tag", "digest" (the index's), "mediaType",
 *    "platforms": [{"platform": {"os", "architecture", "variant"?}, and
 *                   each platform's image as above}]} */
int sc_inspect_source(const sc_image_source *source, json_t **out, sc_error *err);

#endif
