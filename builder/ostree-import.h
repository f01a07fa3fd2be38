/* ostree-import.h: write an image into an OSTree repository the way
 * containers/image's `ostree:` destination (skopeo copy ... ostree:NAME@REPO)
 * does, so that atomic and sc_image_open("ostree:NAME:TAG@REPO") read it
 * (docs/design.md section 3; docs/image.md, "Forms"; containers/image's
 * ostree_dest.go):
 *
 *   ociimage/<layer hex>    the unpacked layer; docker.size,
 *                           docker.uncompressed_size, docker.uncompressed_digest,
 *                           tarsplit.output (ostree-tarsplit.h)
 *   ociimage/<config hex>   a tree with the file `content`; docker.size
 *   ociimage/<encoded ref>  manifest/manifest.json; docker.manifest,
 *                           docker.digest, signatures
 *
 * All commits are written in one transaction: on any failure no branch
 * moves.  Commits are reproducible (no parent, a fixed subject, the time
 * given in the options: SOURCE_DATE_EPOCH or 0), so the same image gives
 * the same commits. */
#ifndef SC_OSTREE_IMPORT_H
#define SC_OSTREE_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sc/error.h>
#include <sc/image.h>

#include "layer.h"

typedef enum {
  SC_OSTREE_MODE_DEFAULT, /* an existing repo's mode; new: bare as root, else bare-user */
  SC_OSTREE_MODE_BARE,
  SC_OSTREE_MODE_BARE_USER,
  SC_OSTREE_MODE_ARCHIVE,
} sc_ostree_mode;

typedef struct sc_ostree_import_options {
  /* NAME[:TAG] of the image branch; NULL: the image's ref name (its tag in
   * index.json).  Without ":TAG", ":latest". */
  const char *tag;
  sc_ostree_mode mode;             /* for a repository created here */
  volatile const int *interrupted; /* stop when it becomes non-zero, or NULL */
  /* Every commit's time, in seconds since 1970: SOURCE_DATE_EPOCH as the
   * caller read it (sc_source_date_epoch_parse), or 0. */
  int64_t timestamp;
} sc_ostree_import_options;

typedef struct sc_ostree_branch {
  char *name;   /* "ociimage/..." */
  char *commit; /* its commit checksum */
  bool reused;  /* a layer already in the repository, not imported again */
} sc_ostree_branch;

typedef struct sc_ostree_import_result {
  char *repo_path;            /* absolute */
  char *mode;                 /* "bare", "bare-user", "archive", ... */
  bool created;               /* the repository was created */
  char *reference;            /* "ostree:NAME:TAG@/abs/repo", for sc_image_open() */
  sc_ostree_branch *branches; /* layers base first, then the config, then the image */
  size_t branch_count;
} sc_ostree_import_result;

/* Parse "bare", "bare-user" or "archive". */
int sc_ostree_mode_parse(const char *text, sc_ostree_mode *out, sc_error *err);

/* Import image (opened from an OCI layout) into the repository at repo_path,
 * creating it when missing.  Every layer blob is checked against its digest
 * and size and its tar against the config's diff_id while it is read. */
int sc_ostree_import(const sc_image *image, const char *repo_path,
                     const sc_ostree_import_options *options, sc_ostree_import_result *result,
                     sc_error *err);
void sc_ostree_import_result_clear(sc_ostree_import_result *result);

/* The steps of sc_ostree_import, for build --format ostree, which streams
 * its layers' tars into the repository while it writes them:
 *   open     the repository (created when missing), locked, in a
 *            transaction; fills result's repo_path, mode and created;
 *   layer_begin/layer_end around each layer the build writes
 *            (sc_build_layer_hooks): the tar becomes a tree there, kept
 *            (with its tar-split) until the image names the layer; end
 *            with NULL drops it;
 *   import   every layer (a streamed one from its tree, others from their
 *            blobs, as sc_ostree_import), the config and the image branch,
 *            then commit the transaction: the branches move.
 * free aborts a transaction not committed and unlocks. */
typedef struct sc_ostree_session sc_ostree_session;
/* options: its mode, interrupted and timestamp (tag is import's). */
int sc_ostree_session_open(const char *repo_path, const sc_ostree_import_options *options,
                           sc_ostree_import_result *result, sc_ostree_session **out, sc_error *err);
int sc_ostree_session_layer_begin(sc_ostree_session *session, sc_layer_tap *tap, sc_error *err);
int sc_ostree_session_layer_end(sc_ostree_session *session, const sc_layer_result *layer,
                                sc_error *err);
/* tag: NAME[:TAG] of the image branch, or NULL for the image's ref name. */
int sc_ostree_session_import(sc_ostree_session *session, const sc_image *image, const char *tag,
                             sc_error *err);
void sc_ostree_session_free(sc_ostree_session *session);

#endif
