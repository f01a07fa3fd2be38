/* sbom.h: `sc-build sbom`: an SPDX 2.3 JSON document (spdx.github.io/
 * spdx-spec/v2.3) for an image, read through its layers without
 * extracting them: the image as the package the document describes (its
 * manifest digest as checksum), the packages its dpkg, apk and rpm
 * databases list, and every other regular file (one no dpkg package's file list
 * names) with its sha256.
 *
 * The same image gives the same bytes: the namespace is derived from the
 * manifest digest, `created` is SOURCE_DATE_EPOCH when set, else the
 * image config's `created` (never the clock), and every list is sorted. */
#ifndef SC_SBOM_H
#define SC_SBOM_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sc/error.h>
#include <sc/image.h>

typedef struct sc_sbom_options {
  const char *name;                /* the document's and image package's name; NULL: the
                                    * image's tag, else its digest */
  volatile const int *interrupted; /* stop reading layers when non-zero, or NULL */
  bool dated;                      /* source_date_epoch dates the document (the caller
                                    * read SOURCE_DATE_EPOCH); else the config's `created` */
  int64_t source_date_epoch;
  const char *tmpdir; /* where an rpm database is copied for librpm (sc_store_tmp_base) */
} sc_sbom_options;

int sc_sbom_document(const sc_image *image, const sc_sbom_options *options, json_t **out,
                     sc_error *err);
/* The SPDX timestamp (YYYY-MM-DDThh:mm:ssZ, UTC) of an RFC 3339 time as
 * image configs write it (fractions dropped, offsets applied): 0, or -1
 * when text is not one. */
int sc_sbom_timestamp(const char *text, char out[21]);

/* The document's bytes as `sc-build sbom` writes them and as they are
 * attached: indented by two, keys sorted, a final newline. */
char *sc_sbom_text(const json_t *doc, size_t *len);

/* Attach the SBOM of each image that the OCI layout reference
 * (oci:PATH[:TAG]) names, one per platform of an image index, as an OCI
 * 1.1 artifact (referrer.h: artifactType application/spdx+json, subject
 * the image manifest) in that layout, replacing the one attached before.
 * *attached: [{"subject", "digest", "size"}] per image. */
int sc_sbom_attach(const char *reference, const sc_sbom_options *options, json_t **attached,
                   sc_error *err);

#endif
