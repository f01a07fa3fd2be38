/* sign.h: `sc-build push --sign-by FINGERPRINT`: a simple signature
 * (signature.h, containers-signature(5)) of the pushed manifest, made
 * with GPGME from the user's keyring ($GNUPGHOME, else ~/.gnupg) and
 * stored in the lookaside-staging (else lookaside) directory
 * containers-registries.d(5) configures for the destination. */
#ifndef SC_SIGN_H
#define SC_SIGN_H

#include <stddef.h>
#include <stdint.h>
#include <sc/error.h>

#include "registries-d.h"

typedef struct sc_signer sc_signer;

/* Ready to sign for host/repository: the secret key is there and the
 * registries.d directory (NULL: the default) names a file:// lookaside
 * for it.  Checked before pushing, so a push that cannot be signed fails
 * before it publishes anything. */
int sc_signer_new(const char *fingerprint, const char *registries_d, const char *host,
                  const char *repository, const char *tag, sc_signer **out, sc_error *err);
void sc_signer_free(sc_signer *s);

/* Sign manifest_digest as docker_reference (HOST/REPO:TAG), creator
 * "sc-build VERSION" and timestamp (seconds), and store it; *written
 * receives the signature's path, and when sig is not NULL *sig and
 * *sig_len the signature's bytes (the OpenPGP message). */
int sc_signer_sign(sc_signer *s, const char *docker_reference, const char *manifest_digest,
                   int64_t timestamp, char **written, char **sig, size_t *sig_len, sc_error *err);

/* The OpenPGP signed message of payload by fingerprint (binary, not
 * armored, as containers/image writes it). */
int sc_gpg_sign(const char *fingerprint, const char *payload, size_t len, char **out,
                size_t *out_len, sc_error *err);

#endif
