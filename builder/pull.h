/* pull.h: fetch a base image from a registry (`sc-build build --from
 * docker://...`) into a local cache, over the OCI distribution API
 * (distribution-spec v1.0 spec.md "Pull").
 *
 * The cache is one OCI image layout, $XDG_CACHE_HOME/sc-build/bases (or
 * ~/.cache/sc-build/bases), shared by every pull and locked (flock) while
 * one writes it.  Each pulled manifest is an index.json entry whose ref
 * name is the manifest digest's hex, so the build opens it as an oci:
 * reference like any local base.
 *
 * The manifest is asked for in every media type we read (OCI and Docker
 * schema 2, manifests and indexes); an index is resolved to the manifest
 * for the wanted platform (default: linux and this machine's
 * architecture), or with `all` kept whole, every platform's manifest and
 * blobs with it (push and inspect of a multi-platform image).  Every blob streams to a temporary
 * file while its sha256 is computed, and is renamed into the cache only when digest and size match
 * its descriptor; a dropped download resumes with a Range request. Missing blobs download up to
 * `jobs` at once, each on its own connection. A reference by digest whose blobs are all cached
 * needs no network.
 *
 * The top-level manifest (an index's own, as skopeo checks it) is checked
 * against containers-policy.json(5) before it or anything it names is
 * cached: signatures come from the lookaside of containers-registries.d(5)
 * (docs/signatures.md). */
#ifndef SC_PULL_H
#define SC_PULL_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>
#include <sc/error.h>
#include <sc/image.h>

#include "registry.h"
#include "sha256.h"

typedef enum {
  SC_PULL_BLOB_CACHED,      /* already in the cache */
  SC_PULL_BLOB_DOWNLOADING, /* done/total bytes so far */
  SC_PULL_BLOB_DOWNLOADED,
} sc_pull_blob_state;

typedef void (*sc_pull_progress_fn)(const char *digest, sc_pull_blob_state state, int64_t done,
                                    int64_t total, void *user);

typedef struct sc_pull_options {
  sc_registry_options registry; /* credentials, TLS, retries, request log, interrupts */
  const char *cache_dir;        /* where pulled images are kept (required) */
  const char *os;               /* NULL: "linux" */
  const char *architecture;     /* NULL: this machine's (sc_host_architecture) */
  const char *variant;          /* NULL: any */
  /* An index is pulled whole: every platform's manifest and blobs, and
   * the cache names the index (push from docker:// copies it so). */
  bool all;
  int jobs; /* blobs downloaded at once; 0: 4 */
  /* The image must satisfy the signature policy (policy.h) before anything
   * of it is cached: the policy file (NULL: the default files) and the
   * registries.d directory its signatures are found by (NULL: the default). */
  const char *policy;
  const char *registries_d;
  const char *tmpdir; /* the signature check's temporary keyring (sc_tmp_base) */
  sc_pull_progress_fn progress;
  void *progress_user;
} sc_pull_options;

typedef struct sc_pull_result {
  char *oci_reference; /* "oci:CACHE:HEX", for sc_image_open */
  /* The image's name, "HOST/REPO:TAG|@DIGEST": a short name as
   * registries.conf resolved it (the logical name, not a mirror's). */
  char *name;
  char manifest_digest[SC_DIGEST_LEN + 1];
  int blobs_cached, blobs_downloaded;
  int64_t bytes_downloaded;
  bool offline; /* resolved from the cache alone */
} sc_pull_result;

void sc_pull_result_clear(sc_pull_result *result);

/* The cache layout, locked while open (store.h): pulls and imports of
 * archives (image-source.h) write it. */
typedef struct sc_base_cache {
  char *path;
  int layout_fd, blobs_fd;
} sc_base_cache;

/* Open cache_dir (NULL: a usage error), made when
 * missing, and lock it (waiting for another run, until *interrupted). */
int sc_base_cache_open(const char *cache_dir, volatile const int *interrupted, sc_base_cache *c,
                       sc_error *err);
void sc_base_cache_close(sc_base_cache *c);
/* Name the manifest (its blob stored) in index.json by its digest's hex;
 * *oci_reference receives "oci:CACHE:HEX". */
int sc_base_cache_record(sc_base_cache *c, const char *manifest_digest, const char *media_type,
                         int64_t size, char **oci_reference, sc_error *err);

/* Pull source (docker://HOST[:PORT]/REPO[:TAG|@DIGEST]) into the cache. */
int sc_pull(const char *source, const sc_pull_options *options, sc_pull_result *result,
            sc_error *err);

/* Pick the manifest for os/architecture[/variant] from an image index
 * (image-spec image-index.md, or a Docker manifest list): the descriptor
 * of the first match, or NULL with err listing the platforms there are. */
json_t *sc_pull_select_platform(json_t *index, const char *os, const char *architecture,
                                const char *variant, sc_error *err);

#endif
