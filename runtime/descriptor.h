/* descriptor.h: image-spec descriptors read from hostile documents
 * (internal; image.c and image-ostree.c share it). */
#ifndef SC_DESCRIPTOR_H
#define SC_DESCRIPTOR_H

#include <jansson.h>
#include <sc/error.h>
#include <sc/image.h>

/* Parse {mediaType?, digest, size}: the digest must be a well-formed
 * sha256 digest and the size non-negative.  `what` names it in errors. */
int sc_descriptor_parse(json_t *json, const char *what, sc_descriptor *out, sc_error *err);
void sc_descriptor_clear(sc_descriptor *descriptor);

#endif
