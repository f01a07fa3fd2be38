/* image-internal.h: what sc_image and sc_descriptor hold.  Internal API
 * (docs/design.md section 0): the public header sc/image.h has only their
 * names and accessors, so that a field added here breaks no host program;
 * the runtime and libscbuild, built from this tree and linked statically,
 * read the fields directly. */
#ifndef SC_IMAGE_INTERNAL_H
#define SC_IMAGE_INTERNAL_H

#include <sc/image.h>

struct sc_descriptor {
  char *media_type;
  char *digest; /* "sha256:<hex>", checked */
  int64_t size;
};

struct sc_image {
  sc_image_kind kind;
  char *reference;       /* "oci:/abs/hello.oci:hello-world:latest" (path made absolute) */
  char *name;            /* the reference without its transport ($IMAGE_NAME) */
  char *layout_path;     /* the OCI layout directory, absolute */
  char *tag;             /* ref name in index.json, or NULL when the only image was taken */
  int layout_fd;         /* the layout directory */
  char *manifest_digest; /* "sha256:<hex>" */
  json_t *manifest;
  json_t *config;
  sc_descriptor config_descriptor;
  sc_descriptor *layers; /* base first */
  size_t layer_count;
  /* SC_IMAGE_OSTREE only (NULL otherwise): the repository and branches,
   * opaque outside the backend, and the image branch's commit (atomic's
   * info "ostree-commit"). */
  struct sc_image_ostree *ostree;
  char *ostree_commit;
};

#endif
