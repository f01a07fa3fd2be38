/* policy.h: which images may be read, as containers-policy.json(5) says:
 * a "default" list of requirements and, under transports.docker, lists
 * for scopes ("" for the whole transport, then HOST, HOST/NS,
 * HOST/NS/REPO, HOST/NS/REPO:TAG, the most specific present winning:
 * docker-scope.h).  Every requirement of the chosen list must hold:
 *
 *   insecureAcceptAnything   any image
 *   reject                   no image
 *   signedBy                 a simple signature (signature.h) by one of the keys
 *                            (keyType "GPGKeys"; keyPath, keyPaths or keyData),
 *                            of this manifest, whose identity signedIdentity accepts:
 *                            matchRepoDigestOrExact (default), matchExact,
 *                            matchRepository, exactReference, exactRepository,
 *                            remapIdentity
 *   sigstoreSigned           a sigstore signature (sigstore.h) by one of the
 *                            keys (keyPath, keyPaths, keyData or keyDatas: PEM
 *                            public keys), of this manifest, whose identity
 *                            signedIdentity accepts (the same rules)
 *
 * The file is the one the caller names (sc-build: --policy, else
 * $HOME/.config/containers/policy.json when it exists, found by the CLI:
 * the library reads no environment), else /etc/containers/policy.json.
 * Without any, reading is refused, as skopeo refuses it.  The file is
 * hostile input: read strictly (unknown fields and types are errors, as
 * containers/image reads it), bounded, every error placed by line and
 * column.  Requirements sc-build knows of but does not check (signedBy
 * with other key types, sigstoreSigned with Fulcio, Rekor or PKI,
 * signedBaseLayer) fail only when they apply to an image. */
#ifndef SC_POLICY_H
#define SC_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <sc/error.h>

#define SC_POLICY_SYSTEM "/etc/containers/policy.json"

typedef struct sc_policy sc_policy;

int sc_policy_parse(const char *file, const char *data, size_t len, sc_policy **out, sc_error *err);
/* path NULL: SC_POLICY_SYSTEM. */
int sc_policy_load(const char *path, sc_policy **out, sc_error *err);
void sc_policy_free(sc_policy *policy);
const char *sc_policy_file(const sc_policy *policy);

/* A docker:// image as read: its reference and the digest of the
 * manifest the registry sent for it. */
typedef struct sc_policy_image {
  const char *host, *repository, *tag, *digest; /* tag or digest NULL */
  const char *manifest_digest;
} sc_policy_image;

/* Whether the requirements for image need its signatures (any but
 * insecureAcceptAnything and reject): when not, sc_policy_check takes
 * none, and none need be fetched. */
bool sc_policy_needs_signatures(const sc_policy *policy, const sc_policy_image *image);

/* Whether a signedBy requirement applies to image: its simple signatures
 * are needed, not only sigstore ones. */
bool sc_policy_needs_simple_signatures(const sc_policy *policy, const sc_policy_image *image);

/* One signature as fetched: its bytes and where it came from.  A simple
 * signature (signedBy) is the OpenPGP message; a sigstore one
 * (sigstoreSigned) is an attachment layer: data is its payload,
 * media_type the layer's, sigstore_signature its
 * dev.cosignproject.cosign/signature annotation (NULL when missing). */
typedef struct sc_policy_signature {
  const void *data;
  size_t len;
  const char *source; /* URL or path, for messages */
  bool sigstore;
  const char *media_type, *sigstore_signature;
} sc_policy_signature;

/* Where the signatures were looked for, for a message when there are
 * none: the lookaside (simple signatures, signedBy) and the sigstore
 * attachments (sigstoreSigned); NULL members say "nowhere". */
typedef struct sc_policy_sources {
  const char *lookaside, *attachments;
} sc_policy_sources;

/* Check image against the policy with its signatures (from where, for a
 * message when there are none): 0, or -1 with an error naming the policy
 * file, the scope, the requirement and its keys, and why each signature
 * was refused.  The keys are imported into a keyring made under tmpdir
 * (sc_signature_verifier_new). */
int sc_policy_check(const sc_policy *policy, const sc_policy_image *image,
                    const sc_policy_signature *signatures, size_t count,
                    const sc_policy_sources *where, const char *tmpdir, sc_error *err);

/* The image's signatures could not be read (a hostile or broken registry:
 * an attachment over its limits, of the wrong media type, a blob that
 * does not hash to its digest): err, which says what went wrong, is
 * prefixed as sc_policy_check's refusals are, naming the policy file, the
 * scope and the first requirement that needs signatures.  Returns -1. */
int sc_policy_refuse_unreadable(const sc_policy *policy, const sc_policy_image *image,
                                sc_error *err);

#endif
