/* imageref-internal.h: what sc_transport_info and sc_image_ref hold.
 * Internal API (docs/design.md section 0): sc/imageref.h has only the
 * names and accessors; the runtime and libscbuild keep references on the
 * stack (sc_image_ref ref; sc_image_ref_parse(text, role, &ref, err)) and
 * read the fields directly. */
#ifndef SC_IMAGEREF_INTERNAL_H
#define SC_IMAGEREF_INTERNAL_H

#include <sc/imageref.h>

struct sc_transport_info {
  sc_transport transport;
  const char *name;   /* "oci-archive" (the prefix is name + ":") */
  const char *syntax; /* "oci-archive:PATH[:REF]", for messages */
  unsigned roles;     /* SC_REF_SOURCE | SC_REF_DESTINATION */
};

struct sc_image_ref {
  const sc_transport_info *transport;
  char *text; /* the reference as typed, for every message */
  /* oci, oci-archive, docker-archive, dir: the directory or file;
   * ostree: the repository (/ostree/repo when not named). */
  char *path;
  /* oci, oci-archive: the ref name (index.json's ref.name annotation);
   * docker-archive: NAME:TAG among RepoTags; ostree: NAME:TAG (":latest"
   * added when no tag is given); NULL when not given. */
  char *ref;
  char *digest; /* oci, docker: "sha256:<hex>", or NULL */
  long index;   /* docker-archive :@N, else -1 */
  /* docker: HOST[:PORT] (docker.io when not named), the repository
   * (library/ added to a one-component docker.io name) and the tag
   * ("latest" when neither tag nor digest is given; NULL with a digest). */
  char *host, *repository, *tag;
};

#endif
