/* sigstore-attach.h: sigstore signatures kept in the registry, as
 * containers/image keeps them when registries.d says
 * `use-sigstore-attachments: true`: an OCI manifest tagged sha256-HEX.sig
 * (HEX: the signed manifest's digest) in the image's repository, each
 * layer one signature (sigstore.h): its blob the payload, its annotation
 * dev.cosignproject.cosign/signature the base64 signature.  Its config is
 * an OCI image config whose rootfs.diff_ids list the layers.
 *
 * The attachment is hostile: the manifest is bounded by the registry's
 * response limit, its layers in number (SC_LOOKASIDE_MAX_SIGNATURES) and
 * size (SC_SIGNATURE_MAX), and every blob is checked against its digest. */
#ifndef SC_SIGSTORE_ATTACH_H
#define SC_SIGSTORE_ATTACH_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include <sc/error.h>

#include "lookaside.h"
#include "registry.h"

/* Where to reach the repository: the registry, the token scope to ask for,
 * and whether credentials were given (for 401/403 messages). */
typedef struct sc_attach_target {
  sc_registry *registry;
  const char *scope;
  const char *host, *repository;
  bool have_creds;
} sc_attach_target;

/* A blob of the repository (at most max bytes: more is an error) whose
 * bytes hash to digest, newly allocated in *data. */
int sc_attach_get_blob(const sc_attach_target *t, const char *digest, size_t max, char **data,
                       size_t *len, sc_error *err);

/* Append the sigstore signatures attached to manifest_digest to out (none
 * when there is no attachment: 404). */
int sc_sigstore_attachments_read(const sc_attach_target *t, const char *manifest_digest,
                                 sc_lookaside_signatures *out, sc_error *err);

/* Attach a signature (payload, base64 signature) to manifest_digest: a new
 * layer of the existing attachment (others are kept), or a new one.
 * *written receives HOST/REPO:sha256-HEX.sig. */
int sc_sigstore_attach(const sc_attach_target *t, const char *manifest_digest, const char *payload,
                       size_t len, const char *base64_signature, char **written, sc_error *err);

/* The signature also as an OCI 1.1 artifact whose subject is the signed
 * manifest (subject: its descriptor), for registries with the referrers
 * API: artifactType application/vnd.dev.cosign.artifact.sig.v1+json (as
 * cosign stores signatures as referrers), the empty config, one layer:
 * the payload (application/vnd.dev.cosign.simplesigning.v1+json) with the
 * signature in its dev.cosignproject.cosign/signature annotation; the
 * manifest is pushed by its digest, *descriptor (new) its descriptor with
 * the artifactType. */
/* Push artifact a (referrer.h: the empty config, its data the one layer,
 * with layer_annotations when not NULL) and its manifest by digest;
 * *descriptor (new) receives the manifest's descriptor with its
 * artifactType.  For registries with the referrers API, which list it. */
struct sc_referrer_artifact;
int sc_attach_referrer(const sc_attach_target *t, const struct sc_referrer_artifact *a,
                       const json_t *layer_annotations, json_t **descriptor, sc_error *err);

#define SC_MEDIA_TYPE_COSIGN_SIG_ARTIFACT "application/vnd.dev.cosign.artifact.sig.v1+json"
int sc_sigstore_attach_referrer(const sc_attach_target *t, const json_t *subject,
                                const char *payload, size_t len, const char *base64_signature,
                                json_t **descriptor, sc_error *err);

#endif
