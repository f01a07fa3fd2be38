/* push.h: `sc-build push` (docs/design.md section 6): copy an image from an OCI
 * layout or an oci-archive to a registry over the OCI distribution API
 * (distribution-spec v1.0 spec.md "Push").
 *
 * Blobs go first: a HEAD of each, skipped when the registry has it; then
 * the missing ones, up to `jobs` at once on connections of their own
 * (sharing Bearer tokens): a cross-repository mount from a repository of
 * the same registry we pushed it to before (recorded in
 * $XDG_CACHE_HOME/sc-build/registry-blobs.json); else an upload, monolithic below the chunk size,
 * chunked PATCHes above it, resumed from the registry's Range after a
 * dropped connection.  The manifest goes last, so no reader sees it before
 * its blobs, and the digest the registry answers with is checked.  An
 * image index goes last of all, after every manifest it names.
 *
 * The artifacts the layout keeps for an image (referrer.h: an SBOM) go
 * after its manifest, by digest, and are listed in the referrers index
 * under the tag sha256-HEX of the image's digest (distribution-spec v1.1
 * "Referrers Tag Schema", which registries without the referrers API,
 * distribution 2.8 among them, serve), merged with the one there. */
#ifndef SC_PUSH_H
#define SC_PUSH_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <sc/error.h>

#include "registry.h"
#include "sha256.h"

typedef enum {
  SC_PUSH_BLOB_CHECKING,
  SC_PUSH_BLOB_EXISTS,    /* the registry had it */
  SC_PUSH_BLOB_MOUNTED,   /* mounted from another repository */
  SC_PUSH_BLOB_UPLOADING, /* done/total bytes so far */
  SC_PUSH_BLOB_UPLOADED,
} sc_push_blob_state;

typedef void (*sc_push_progress_fn)(const char *digest, sc_push_blob_state state, int64_t done,
                                    int64_t total, void *user);

typedef struct sc_push_options {
  sc_registry_options registry; /* credentials, TLS, retries, request log, interrupts */
  int64_t chunk_size;           /* 0: 32 MiB */
  int jobs;                     /* blobs uploaded at once; 0: 4 */
  const char *cache_path;       /* the blob record; NULL: none kept */
  const char *bases_cache_dir;  /* where a source not in a layout is read (pull.h cache_dir) */
  const char *tmpdir;           /* where an archive is unpacked (sc_tmp_base) */
  const char *policy;           /* a docker:// source's signature policy (pull.h) */
  const char *registries_d;
  sc_push_progress_fn progress;
  void *progress_user;
  /* A source that is an image index (a multi-platform image): all, every
   * platform's image and then the index; else the host's image, or the one
   * of platform when given (pushed as a plain manifest). */
  bool all;
  const struct sc_image_platform *platform;
  /* When set, the pushed manifest (an index's own) is signed with this key
   * and the signature attached in the registry (sigstore-attach.h), as
   * skopeo --sign-by-sigstore-private-key does; timestamp goes in it. */
  EVP_PKEY *sigstore_key;
  int64_t sigstore_timestamp;
  /* When set, the pushed manifest is signed with it (sign.h: a simple
   * signature in the lookaside), dated signer_timestamp, and, where the
   * registry serves the referrers API, also pushed as an artifact whose
   * subject is the manifest (SC_MEDIA_TYPE_SIMPLE_SIGNING_ARTIFACT). */
  struct sc_signer *signer;
  int64_t signer_timestamp;
} sc_push_options;

typedef struct sc_push_result {
  char manifest_digest[SC_DIGEST_LEN + 1];
  char *destination; /* docker://HOST/REPO@sha256:... */
  char *reference;   /* docker://HOST/REPO:TAG as pushed (or @DIGEST when pushed so) */
  size_t platforms;  /* an index pushed: its manifests (else 0) */
  int blobs_existing, blobs_mounted, blobs_uploaded;
  int64_t bytes_uploaded;
  char *sigstore_attachment; /* HOST/REPO:sha256-HEX.sig when signed so */
  char *signature;           /* the simple signature's path (options' signer) */
  /* The artifacts pushed that refer to the pushed images (an SBOM): an
   * array of {subject, digest, size, artifactType, listed_by}, listed_by
   * "tag-schema" (the referrers tag sha256-HEX) or "referrers-api". */
  json_t *referrers;
} sc_push_result;

void sc_push_result_clear(sc_push_result *result);

/* Push image (oci:PATH[:TAG] or oci-archive:PATH[:TAG]) to destination
 * (docker://HOST[:PORT]/REPO[:TAG|@DIGEST]). */
int sc_push(const char *image, const char *destination, const sc_push_options *options,
            sc_push_result *result, sc_error *err);

#endif
