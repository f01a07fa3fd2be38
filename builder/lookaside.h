/* lookaside.h: the signatures of an image where containers-registries.d(5)
 * keeps them: LOOKASIDE/REPO@sha256=HEX/signature-1, -2, ... until the
 * first missing one.  Read from file:// URLs (a directory) or http(s)://
 * ones (GET through libcurl, 404 meaning the end); written, by
 * `push --sign-by`, only to file:// ones (as skopeo writes them).  The
 * signatures are hostile: each is bounded (SC_SIGNATURE_MAX), and so is
 * their number. */
#ifndef SC_LOOKASIDE_H
#define SC_LOOKASIDE_H

#include <stddef.h>
#include <sc/error.h>

#include "policy.h"

#define SC_LOOKASIDE_MAX_SIGNATURES 64

typedef struct sc_lookaside_signatures {
  sc_policy_signature *items;
  size_t count;
} sc_lookaside_signatures;

void sc_lookaside_signatures_clear(sc_lookaside_signatures *s);

/* Every signature of repository@manifest_digest under the lookaside URL. */
int sc_lookaside_read(const char *lookaside, const char *repository, const char *manifest_digest,
                      sc_lookaside_signatures *out, sc_error *err);

/* Store a signature as the first free signature-N; *written receives its
 * path. */
int sc_lookaside_write(const char *lookaside, const char *repository, const char *manifest_digest,
                       const void *data, size_t len, char **written, sc_error *err);

/* The local directory of a file:// URL (decoded), or NULL with err set. */
char *sc_lookaside_file_path(const char *url, sc_error *err);

#endif
