/* referrer.h: OCI 1.1 artifacts that refer to an image (image-spec v1.1
 * manifest.md "subject", "artifactType"; distribution-spec v1.1 referrers)
 * kept in an OCI layout beside the image.
 *
 * An artifact is an image manifest whose config is the empty descriptor
 * (application/vnd.oci.empty.v1+json, the two bytes "{}"), whose one layer
 * is the artifact's content and whose subject is the image manifest's
 * descriptor.  index.json lists it untagged, its descriptor carrying the
 * artifactType (as oras stores referrers in a layout), so that it is
 * reachable (never garbage) yet names no image: readers that take "the
 * only image" of a layout skip entries with an artifactType. */
#ifndef SC_REFERRER_H
#define SC_REFERRER_H

#include <stddef.h>
#include <jansson.h>
#include <sc/error.h>

#define SC_MEDIA_TYPE_OCI_EMPTY "application/vnd.oci.empty.v1+json"
#define SC_MEDIA_TYPE_SPDX_JSON "application/spdx+json"
/* sha256 of "{}" (image-spec manifest.md, "Guidance for an Empty Descriptor"). */
#define SC_EMPTY_DIGEST "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
#define SC_ANNOTATION_CREATED "org.opencontainers.image.created"
#define SC_ANNOTATION_TITLE "org.opencontainers.image.title"
/* sc-build's artifact type for a simple signature (containers-signature(5),
 * the OpenPGP message as the lookaside holds it) kept as a referrer (push
 * --sign-by); no containers/image tool reads it, sc-build's verification
 * does (sc_referrer_signatures_read). */
#define SC_MEDIA_TYPE_SIMPLE_SIGNING_ARTIFACT "application/vnd.sc-build.simple-signing.v1+pgp"
/* At most this many simple signatures are read as referrers of an image
 * (as many as the lookaside reader takes). */
#define SC_REFERRER_MAX_SIGNATURES 64

typedef struct sc_referrer_artifact {
  const json_t *subject; /* the image manifest's descriptor: mediaType, digest, size */
  const char *artifact_type;
  const char *layer_type; /* the layer's media type; NULL: artifact_type */
  const char *title;      /* the layer's org.opencontainers.image.title, or NULL */
  const char *created;    /* org.opencontainers.image.created, or NULL */
  const void *data;
  size_t len;
} sc_referrer_artifact;

/* The artifact's manifest (the same inputs, the same bytes). */
json_t *sc_referrer_manifest(const sc_referrer_artifact *a, const char *data_digest);

/* Store the artifact in the layout (the caller holds its lock) and list it
 * in index.json, in place of the artifacts of the same type that referred
 * to the same subject or to a manifest the layout no longer has.
 * *descriptor (may be NULL) receives the artifact manifest's descriptor
 * with its artifactType. */
int sc_referrer_add(int layout_fd, const sc_referrer_artifact *a, json_t **descriptor,
                    sc_error *err);

/* Copy the referrers of subject_digest that the layout from_fd lists into
 * the layout to_fd (the caller holds its lock; the subject is there
 * already): their blobs and manifests as they are, so their digests stay
 * the same, each listed in index.json in place of an artifact of the same
 * type for the same subject (as sc_referrer_add).  When copied is not
 * NULL, each is appended to it as {subject, digest, size, artifactType,
 * listed_by: "index.json"} (push --json's referrers). */
int sc_referrer_copy(int from_fd, int to_fd, const char *subject_digest, json_t *copied,
                     sc_error *err);

/* Drop from the layout's index.json (the caller holds its lock) the
 * artifacts listed with an artifactType that refer to subject_digest, and
 * their blobs that nothing else uses: before sc_referrer_copy brings
 * another source's, so that the layout lists exactly that source's. */
int sc_referrer_forget(int layout_fd, const char *subject_digest, sc_error *err);

/* Drop from index (not yet written) the referrers that describe nothing
 * the layout keeps: those whose subject no image entry reaches any more
 * (garbage once a tag moved), and the SBOMs (application/spdx+json) of
 * the manifests `rewritten` (a descriptor just tagged, or NULL) reaches,
 * which a build has replaced and whose SBOM only --sbom may claim again.
 * The dropped entries are appended to gone, for
 * sc_oci_remove_unreferenced.  When a manifest cannot be read nothing is
 * dropped: keeping garbage is safe, dropping on a guess is not. */
void sc_referrer_prune(int blobs_fd, json_t *index, const json_t *rewritten, json_t *gone);

/* The tag under which a registry without the referrers API keeps the
 * referrers index of subject_digest (distribution-spec v1.1 "Referrers Tag
 * Schema"): sha256-HEX, newly allocated. */
char *sc_referrer_tag(const char *subject_digest);

/* The referrers of subject_digest that index.json lists: an array of
 * descriptors {mediaType, digest, size, artifactType, annotations?} in
 * index.json's order, as a referrers index (distribution-spec) lists them. */
int sc_referrer_list(int layout_fd, const char *subject_digest, json_t **out, sc_error *err);

/* The registry's referrers API (distribution-spec v1.1 "Listing
 * Referrers"): GET /v2/REPO/referrers/DIGEST.  1 with *index (may be NULL)
 * when it answers 200 with an image index, 0 when it answers 404 or
 * anything but an index (distribution 2.8 and other registries without
 * it), else -1. */
struct sc_attach_target;
int sc_referrer_api_get(const struct sc_attach_target *t, const char *digest, json_t **index,
                        sc_error *err);

/* The referrers index the tag schema keeps for subject_digest in the
 * registry (GET .../manifests/sha256-HEX): 0 with *index NULL when there
 * is none (404); a tag holding anything but an image index is an error.
 * Push merges into it, inspect and signature verification read it. */
int sc_referrer_tag_index_get(const struct sc_attach_target *t, const char *subject_digest,
                              json_t **index, sc_error *err);

/* The referrers of subject_digest (a manifest of the docker://HOST/REPO
 * reference), by the distribution-spec v1.1 tag schema (the index tagged
 * sha256-HEX) unless the registry serves the referrers API: an array of
 * descriptors as sc_referrer_list gives.  Asked
 * where a pull of reference goes (registries.conf: its mirrors, then its
 * location): the first place that has the tag, or the manifest without
 * it (then none). */
struct sc_registry_options;
int sc_referrer_fetch(const char *reference, const struct sc_registry_options *options,
                      const char *subject_digest, json_t **out, sc_error *err);

/* The simple signatures attached to manifest_digest (a manifest of
 * t's repository) as referrers of artifactType
 * SC_MEDIA_TYPE_SIMPLE_SIGNING_ARTIFACT, as push --sign-by attaches them:
 * listed by the registry's referrers API, else by the tag schema's index
 * sha256-HEX; appended to out (not sigstore: their data the OpenPGP
 * message), none when nothing lists any.  Hostile input: at most
 * SC_REFERRER_MAX_SIGNATURES, every manifest and blob checked against its
 * digest, each manifest's artifactType and subject checked (a signature
 * listed for this image that names another is an error), its one layer
 * at most SC_SIGNATURE_MAX bytes.  *listed_by (may be NULL) receives
 * "referrers API" or "tag sha256-HEX", static. */
struct sc_lookaside_signatures;
int sc_referrer_signatures_read(const struct sc_attach_target *t, const char *manifest_digest,
                                struct sc_lookaside_signatures *out, const char **listed_by,
                                sc_error *err);

#endif
