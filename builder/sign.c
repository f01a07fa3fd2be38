/* sign.c: simple signatures made with GPGME (sign.h). */
#include "sign.h"

#include <stdbool.h>
#include <gpgme.h>
#include <stdlib.h>
#include <string.h>

#include "docker-scope.h"
#include "lookaside.h"
#include "signature.h"
#include "util.h"

struct sc_signer {
  char *fingerprint;
  char *lookaside; /* where signatures go (file://) */
  char *repository;
};

static int gpgme_failed(sc_error *err, gpgme_error_t e, const char *what, const char *fpr)
{
  return sc_error_set(err, SC_E_INVALID, "%s %s: %s", what, fpr, gpgme_strerror(e));
}

static int new_context(gpgme_ctx_t *ctx, sc_error *err)
{
  gpgme_check_version(NULL); /* GPGME's own once-only initialisation */
  gpgme_error_t e = gpgme_new(ctx);
  if (e == 0)
    e = gpgme_set_protocol(*ctx, GPGME_PROTOCOL_OpenPGP);
  if (e)
    return sc_error_set(err, SC_E_INVALID, "cannot start GPGME: %s", gpgme_strerror(e));
  gpgme_set_armor(*ctx, 0);
  return 0;
}

/* The secret key for fingerprint, made the context's only signer. */
static int use_key(gpgme_ctx_t ctx, const char *fingerprint, sc_error *err)
{
  gpgme_key_t key = NULL;
  gpgme_error_t e = gpgme_get_key(ctx, fingerprint, &key, 1);
  if (e) {
    /* The keyring GPGME used (GNUPGHOME or ~/.gnupg), as gpgconf says. */
    const char *home = gpgme_get_dirinfo("homedir");
    /* GPGME says "not found" as GPG_ERR_EOF: its text, "End of file", is
     * no help; any other error (a broken keyring) is worth showing. */
    bool not_found = gpgme_err_code(e) == GPG_ERR_EOF;
    return sc_error_set(err, SC_E_INVALID,
                        "--sign-by %s: no such secret key in %s%s%s%s: list them with "
                        "gpg --list-secret-keys",
                        fingerprint, home ? home : "the GnuPG home directory",
                        not_found ? "" : " (", not_found ? "" : gpgme_strerror(e),
                        not_found ? "" : ")");
  }
  gpgme_signers_clear(ctx);
  e = gpgme_signers_add(ctx, key);
  gpgme_key_unref(key);
  return e ? gpgme_failed(err, e, "--sign-by", fingerprint) : 0;
}

int sc_gpg_sign(const char *fingerprint, const char *payload, size_t len, char **out,
                size_t *out_len, sc_error *err)
{
  gpgme_ctx_t ctx = NULL;
  if (new_context(&ctx, err) < 0)
    return -1;
  gpgme_data_t plain = NULL, sig = NULL;
  int rc = use_key(ctx, fingerprint, err);
  gpgme_error_t e = 0;
  if (rc == 0) {
    e = gpgme_data_new_from_mem(&plain, payload, len, 0);
    if (e == 0)
      e = gpgme_data_new(&sig);
    if (e == 0)
      e = gpgme_op_sign(ctx, plain, sig, GPGME_SIG_MODE_NORMAL);
    if (e)
      rc = gpgme_failed(err, e, "signing with", fingerprint);
  }
  size_t n = 0;
  char *bytes = sig ? gpgme_data_release_and_get_mem(sig, &n) : NULL;
  if (rc == 0) {
    *out = xmalloc(n + 1);
    memcpy(*out, bytes, n);
    (*out)[n] = '\0';
    *out_len = n;
  }
  gpgme_free(bytes);
  gpgme_data_release(plain);
  gpgme_release(ctx);
  return rc;
}

void sc_signer_free(sc_signer *s)
{
  if (s == NULL)
    return;
  free(s->fingerprint);
  free(s->lookaside);
  free(s->repository);
  free(s);
}

static int check_key(const char *fingerprint, sc_error *err)
{
  gpgme_ctx_t ctx = NULL;
  if (new_context(&ctx, err) < 0)
    return -1;
  int rc = use_key(ctx, fingerprint, err);
  gpgme_release(ctx);
  return rc;
}

int sc_signer_new(const char *fingerprint, const char *registries_d, const char *host,
                  const char *repository, const char *tag, sc_signer **out, sc_error *err)
{
  *out = NULL;
  sc_registries_d *d = NULL;
  if (check_key(fingerprint, err) < 0 || sc_registries_d_load(registries_d, &d, err) < 0) {
    sc_registries_d_free(d);
    return -1;
  }
  _cleanup_strv_ char **scopes = sc_docker_scopes(host, repository, tag, NULL);
  const char *url = sc_registries_d_lookaside(d, scopes, true, NULL);
  int rc = 0;
  _cleanup_free_ char *dir = NULL;
  if (url == NULL)
    rc = sc_error_set(err, SC_E_INVALID,
                      "--sign-by: no lookaside-staging (or lookaside) for %s/%s in registries.d "
                      "%s: add `docker: {%s: {lookaside-staging: file:///PATH}}` to a .yaml "
                      "file there, or name another directory with --registries.d",
                      host, repository, sc_registries_d_dir(d), host);
  else if ((dir = sc_lookaside_file_path(url, err)) == NULL)
    rc = sc_error_prefix(err, "--sign-by: signatures are written only to file:// lookasides");
  if (rc == 0) {
    sc_signer *s = xcalloc(1, sizeof *s);
    s->fingerprint = xstrdup(fingerprint);
    s->lookaside = xstrdup(url);
    s->repository = xstrdup(repository);
    *out = s;
  }
  sc_registries_d_free(d);
  return rc;
}

int sc_signer_sign(sc_signer *s, const char *docker_reference, const char *manifest_digest,
                   int64_t timestamp, char **written, char **sig, size_t *sig_len, sc_error *err)
{
  _cleanup_free_ char *payload = sc_signature_payload_format(docker_reference, manifest_digest,
                                                             "sc-build " SC_VERSION, timestamp);
  _cleanup_free_ char *made = NULL;
  size_t len = 0;
  if (sc_gpg_sign(s->fingerprint, payload, strlen(payload), &made, &len, err) < 0 ||
      sc_lookaside_write(s->lookaside, s->repository, manifest_digest, made, len, written, err) < 0)
    return -1;
  if (sig) {
    *sig = steal_pointer(&made);
    *sig_len = len;
  }
  return 0;
}
