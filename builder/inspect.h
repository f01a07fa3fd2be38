/* inspect.h: `sc-build inspect`: what an image holds, read without
 * extracting its layers to disk. */
#ifndef SC_INSPECT_H
#define SC_INSPECT_H

#include <jansson.h>
#include <sc/error.h>

/* Inspect `oci:PATH[:TAG]`, `oci-archive:PATH[:TAG]`, `docker-archive:PATH`
 * or a bare layout PATH.  *out is a JSON object:
 *   {"reference", "transport", "tag", "digest", "config_digest", "created",
 *    "architecture", "os", "labels": {..},
 *    "layers": [{"digest", "size", "mediaType"}], "size",
 *    "exports": {"config.json.template": bool, "manifest.json": bool,
 *                "service.template": bool, "tmpfiles.template": bool}}
 * "digest" is the manifest digest (absent for docker-archive, which has
 * no manifest blob). */
int sc_inspect_image(const char *reference, json_t **out, sc_error *err);

#endif
