/* ostree-import.h: write an image into an OSTree repository the way
 * containers/image's `ostree:` destination (skopeo copy ... ostree:NAME@REPO)
 * does, so that atomic and sc_image_open("ostree:NAME:TAG@REPO") read it
 * (docs/design.md section 3; docs/image.md, "Forms"; containers/image's
 * ostree_dest.go):
 *
 *   ociimage/<layer hex>    the unpacked layer; docker.size,
 *                           docker.uncompressed_size, docker.uncompressed_digest
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

#endif
