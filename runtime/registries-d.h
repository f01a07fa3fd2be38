/* registries-d.h: where image signatures are kept, as
 * containers-registries.d(5) configures it: YAML files in a directory,
 * each mapping `default-docker:` and `docker:` namespaces (HOST,
 * HOST/NS, HOST/NS/REPO, HOST/REPO:TAG) to a `lookaside` URL signatures
 * are read from and a `lookaside-staging` one they are written to (the
 * older names `sigstore` and `sigstore-staging` mean the same), and
 * whether sigstore signatures are registry attachments
 * (`use-sigstore-attachments`), and sc-build's own
 * `sc-build-use-referrer-signatures`.
 *
 * The directory is the one the caller names (sc-build: skopeo's
 * --registries.d, else $XDG_CONFIG_HOME/containers/registries.d
 * (~/.config/...) when it exists, found by the CLI: the library reads no
 * environment), else /etc/containers/registries.d, as containers/image
 * chooses: the user's directory replaces the system's, it is not merged.  Every
 * *.yaml file in it is read; a namespace configured in two files is an
 * error naming both.  The files are hostile input: bounded in size, and
 * every error names the file, line and column. */
#ifndef SC_REGISTRIES_D_H
#define SC_REGISTRIES_D_H

#include <stdbool.h>
#include <stddef.h>
#include <sc/error.h>

#define SC_REGISTRIES_D_SYSTEM "/etc/containers/registries.d"
#define SC_REGISTRIES_D_FILE_MAX (1 << 20)

typedef struct sc_registries_d sc_registries_d;

/* An empty configuration: no lookaside anywhere. */
sc_registries_d *sc_registries_d_new(void);
void sc_registries_d_free(sc_registries_d *d);

/* Read the directory (NULL: the default, see above; a missing default
 * directory is an empty configuration, a missing named one an error). */
int sc_registries_d_load(const char *dir, sc_registries_d **out, sc_error *err);

/* Add the entries of one YAML document (file names it in messages). */
int sc_registries_d_parse(sc_registries_d *d, const char *file, const char *data, size_t len,
                          sc_error *err);

/* The URL to read (write false: lookaside) or write (write true:
 * lookaside-staging, else lookaside) signatures of an image, by its
 * scopes (docker-scope.h) then default-docker; NULL when none is
 * configured.  *where (may be NULL) receives "FILE: docker: NAMESPACE"
 * or "FILE: default-docker" for messages, owned by d. */
const char *sc_registries_d_lookaside(const sc_registries_d *d, char *const *scopes, bool write,
                                      const char **where);
/* Whether sigstore signatures of an image are kept as registry
 * attachments (`use-sigstore-attachments: true`, the tag
 * sha256-HEX.sig in the image's repository): the most specific entry
 * that sets it, then default-docker, as containers/image decides; false
 * when none does.  *where (may be NULL) names the entry that decided. */
bool sc_registries_d_use_sigstore_attachments(const sc_registries_d *d, char *const *scopes,
                                              const char **where);
/* Whether simple signatures attached to an image as OCI 1.1 referrers
 * are read (sc-build's own key `sc-build-use-referrer-signatures`, which
 * containers/image ignores as it ignores every key it does not know): 1
 * or 0 as the most specific entry that sets it, then default-docker,
 * says; -1 when none does (sc-build then reads them only when the
 * lookaside has no signature).  *where (may be NULL) names the entry that
 * decided. */
int sc_registries_d_use_referrer_signatures(const sc_registries_d *d, char *const *scopes,
                                            const char **where);
/* The directory the configuration came from (for messages). */
const char *sc_registries_d_dir(const sc_registries_d *d);
/* Whether that directory was the default one and did not exist (an empty
 * configuration, not an error): messages say so rather than "configures
 * none". */
bool sc_registries_d_missing(const sc_registries_d *d);

/* Signatures of an image under a lookaside URL (containers-registries.d(5)):
 * LOOKASIDE/REPO@sha256=HEX/signature-N, N from 1; newly allocated. */
char *sc_lookaside_signature_url(const char *lookaside, const char *repository,
                                 const char *manifest_digest, int n);

#endif
