/* sc/imageref.h: image references as containers-transports(5) writes
 * them, one grammar for every command that reads or writes an image.
 *
 * A table of transports, as containers/image's `alltransports` keeps one:
 *
 *   oci:PATH[:REF|@DIGEST]            an OCI image layout directory
 *   oci-archive:PATH[:REF]            a tar of an OCI image layout
 *   docker-archive:PATH[:REF|:@N]     a `docker save` tar (REF: NAME:TAG, N: index)
 *   dir:PATH                          containers/image's directory transport
 *   docker://HOST/REPO[:TAG|@DIGEST]  a registry (distribution's reference grammar)
 *   ostree:NAME[:TAG][@REPO]          an OSTree repository (containers/image's ostree)
 *
 * A text with no transport prefix is the PATH of an OCI layout (`oci:`
 * implied), as sc-build has always read it.  Parsing checks the grammar
 * only: nothing is opened. */
#ifndef SC_IMAGEREF_H
#define SC_IMAGEREF_H

#include <stdbool.h>
#include <stddef.h>
#include <sc/error.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  SC_TRANSPORT_OCI,
  SC_TRANSPORT_OCI_ARCHIVE,
  SC_TRANSPORT_DOCKER_ARCHIVE,
  SC_TRANSPORT_DIR,
  SC_TRANSPORT_DOCKER,
  SC_TRANSPORT_OSTREE,
} sc_transport;

/* What a transport can be: read from, written to.  SC_REF_EXPLICIT, or-ed
 * into the role given to sc_image_ref_parse, refuses a bare PATH: a base
 * image (--from, sc-build.json "from") names its transport. */
enum { SC_REF_SOURCE = 1, SC_REF_DESTINATION = 2, SC_REF_EXPLICIT = 4 };

/* A transport: an opaque handle (sc/runtime.h) into the library's
 * static table, valid for the life of the process. */
typedef struct sc_transport_info sc_transport_info;

SC_PUBLIC sc_transport sc_transport_info_transport(const sc_transport_info *info);
/* "oci-archive" (the prefix is name + ":"). */
SC_PUBLIC const char *sc_transport_info_name(const sc_transport_info *info);
/* "oci-archive:PATH[:REF]", for messages. */
SC_PUBLIC const char *sc_transport_info_syntax(const sc_transport_info *info);
/* SC_REF_SOURCE | SC_REF_DESTINATION */
SC_PUBLIC unsigned sc_transport_info_roles(const sc_transport_info *info);

/* A parsed reference: an opaque handle (sc/runtime.h) made by
 * sc_image_ref_new, filled by sc_image_ref_parse (a new or cleared one:
 * it is overwritten) and emptied by sc_image_ref_clear.  What the
 * accessors return belongs to it. */
typedef struct sc_image_ref sc_image_ref;

SC_PUBLIC sc_image_ref *sc_image_ref_new(void);
SC_PUBLIC void sc_image_ref_free(sc_image_ref *ref);
SC_PUBLIC const sc_transport_info *sc_image_ref_transport(const sc_image_ref *ref);
/* The reference as typed, for every message. */
SC_PUBLIC const char *sc_image_ref_text(const sc_image_ref *ref);
/* oci, oci-archive, docker-archive, dir: the directory or file;
 * ostree: the repository (/ostree/repo when not named). */
SC_PUBLIC const char *sc_image_ref_path(const sc_image_ref *ref);
/* oci, oci-archive: the ref name (index.json's ref.name annotation);
 * docker-archive: NAME:TAG among RepoTags; ostree: NAME:TAG (":latest"
 * added when no tag is given); NULL when not given. */
SC_PUBLIC const char *sc_image_ref_ref(const sc_image_ref *ref);
/* oci, docker: "sha256:<hex>", or NULL. */
SC_PUBLIC const char *sc_image_ref_digest(const sc_image_ref *ref);
/* docker-archive :@N, else -1. */
SC_PUBLIC long sc_image_ref_index(const sc_image_ref *ref);
/* docker: HOST[:PORT] (docker.io when not named), the repository
 * (library/ added to a one-component docker.io name) and the tag
 * ("latest" when neither tag nor digest is given; NULL with a digest);
 * NULL for the other transports. */
SC_PUBLIC const char *sc_image_ref_host(const sc_image_ref *ref);
SC_PUBLIC const char *sc_image_ref_repository(const sc_image_ref *ref);
SC_PUBLIC const char *sc_image_ref_tag(const sc_image_ref *ref);

/* The transport table, in the order of containers-transports(5):
 * sc_transport_at is NULL when i is out of range. */
SC_PUBLIC size_t sc_transport_count(void);
SC_PUBLIC const sc_transport_info *sc_transport_at(size_t i);
/* The transport named `name` (without the ':'), or NULL. */
SC_PUBLIC const sc_transport_info *sc_transport_find(const char *name);
/* "oci:PATH[:REF|@DIGEST], oci-archive:PATH[:REF], ..." of the transports
 * that can play role (SC_REF_SOURCE or SC_REF_DESTINATION), newly allocated. */
SC_PUBLIC char *sc_transports_syntax(unsigned role);

/* Parse text as a reference to play `role`: a usage error naming text
 * (as typed) and the transports that can play the role otherwise. */
SC_PUBLIC int sc_image_ref_parse(const char *text, unsigned role, sc_image_ref *out, sc_error *err);
SC_PUBLIC void sc_image_ref_clear(sc_image_ref *ref);
/* The reference written back in its canonical form ("oci:PATH:REF",
 * "docker://HOST/REPO:TAG"...), newly allocated: it parses to the same parts. */
SC_PUBLIC char *sc_image_ref_format(const sc_image_ref *ref);

/* image-spec annotations.md, org.opencontainers.image.ref.name:
 * component ("/" component)*, component = alphanum (separator alphanum)*,
 * alphanum = [A-Za-z0-9]+, separator = [-._:@+] | "--". */
SC_PUBLIC bool sc_oci_ref_name_is_valid(const char *name);
/* distribution's reference grammar (reference/regexp.go): a tag is
 * [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}; a repository lower-case path
 * components [a-z0-9]+ joined by . _ __ or dashes, separated by '/', at
 * most 255 characters; a host a domain or [IPv6] with an optional :PORT. */
SC_PUBLIC bool sc_docker_tag_is_valid(const char *tag);
SC_PUBLIC bool sc_docker_repository_is_valid(const char *repository);
SC_PUBLIC bool sc_docker_host_is_valid(const char *host);
/* [HOST[:PORT]/]NAME[:TAG] by that grammar. */
SC_PUBLIC bool sc_docker_name_is_valid(const char *name);

#ifdef __cplusplus
}
#endif
#endif
