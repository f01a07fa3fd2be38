/* lookaside.c: signatures in a lookaside store (lookaside.h). */
#include "lookaside.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "registries-d.h"
#include "signature.h"
#include "util.h"

void sc_lookaside_signatures_clear(sc_lookaside_signatures *s)
{
  for (size_t i = 0; i < s->count; i++) {
    free((void *)s->items[i].data);
    free((void *)s->items[i].source);
    free((void *)s->items[i].media_type);
    free((void *)s->items[i].sigstore_signature);
  }
  free(s->items);
  memset(s, 0, sizeof *s);
}

char *sc_lookaside_file_path(const char *url, sc_error *err)
{
  CURLU *u = curl_url();
  char *scheme = NULL, *path = NULL, *host = NULL, *out = NULL;
  if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK && strcmp(scheme, "file") == 0 &&
      curl_url_get(u, CURLUPART_PATH, &path, CURLU_URLDECODE) == CURLUE_OK) {
    curl_url_get(u, CURLUPART_HOST, &host, 0);
    if (host == NULL || host[0] == '\0' || strcmp(host, "localhost") == 0)
      out = xstrdup(path);
  }
  if (out == NULL)
    sc_error_set(err, SC_E_INVALID, "lookaside %s: not a file:///PATH URL", url);
  curl_free(scheme);
  curl_free(path);
  curl_free(host);
  curl_url_cleanup(u);
  return out;
}

static void add(sc_lookaside_signatures *s, char *data, size_t len, char *source)
{
  s->items = xrealloc(s->items, (s->count + 1) * sizeof *s->items);
  s->items[s->count++] = (sc_policy_signature){.data = data, .len = len, .source = source};
}

/* ---- file:// ---- */

static int read_files(const char *dir, const char *repository, const char *digest,
                      sc_lookaside_signatures *out, sc_error *err)
{
  for (int n = 1; n <= SC_LOOKASIDE_MAX_SIGNATURES; n++) {
    char *path = sc_lookaside_signature_url(dir, repository, digest, n);
    char *data = NULL;
    size_t len = 0;
    sc_error read_err = SC_ERROR_INIT;
    if (sc_read_file_at_max(AT_FDCWD, path, SC_SIGNATURE_MAX, &data, &len, &read_err) < 0) {
      int code = read_err.code;
      sc_error_move(err, &read_err);
      free(path);
      return code == ENOENT ? 0 : sc_error_prefix(err, "signature");
    }
    add(out, data, len, path);
  }
  return 0;
}

/* ---- http(s):// ---- */

typedef struct http_body {
  sc_buf buf;
  bool too_big;
} http_body;

static size_t on_body(char *data, size_t size, size_t n, void *user)
{
  http_body *b = user;
  if (b->buf.len + size * n > SC_SIGNATURE_MAX) {
    b->too_big = true;
    return 0;
  }
  sc_buf_append(&b->buf, data, size * n);
  return size * n;
}

/* GET url: 1 with the body, 0 on a 404 (no more signatures), -1. */
static int http_get(CURL *curl, const char *url, http_body *body, sc_error *err)
{
  curl_easy_setopt(curl, CURLOPT_URL, url);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, body);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 30000L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 120000L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  CURLcode c = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  if (body->too_big)
    return sc_error_set(err, EFBIG, "%s: a signature over %d bytes", url, SC_SIGNATURE_MAX);
  if (c != CURLE_OK)
    return sc_error_set(err, EIO, "%s: %s", url, curl_easy_strerror(c));
  if (status == 404)
    return 0;
  if (status != 200)
    return sc_error_set(err, EIO, "%s: HTTP %ld", url, status);
  return 1;
}

static int read_http(const char *base, const char *repository, const char *digest,
                     sc_lookaside_signatures *out, sc_error *err)
{
  CURL *curl = curl_easy_init();
  if (curl == NULL)
    return sc_error_set(err, ENOMEM, "cannot start libcurl");
  int rc = 0;
  for (int n = 1; rc == 0 && n <= SC_LOOKASIDE_MAX_SIGNATURES; n++) {
    char *url = sc_lookaside_signature_url(base, repository, digest, n);
    http_body body = {0};
    int got = http_get(curl, url, &body, err);
    if (got == 1) {
      size_t len = body.buf.len;
      add(out, sc_buf_steal(&body.buf), len, url);
    } else {
      sc_buf_free(&body.buf);
      free(url);
      rc = got < 0 ? -1 : 1;
    }
  }
  curl_easy_cleanup(curl);
  return rc < 0 ? -1 : 0;
}

int sc_lookaside_read(const char *lookaside, const char *repository, const char *manifest_digest,
                      sc_lookaside_signatures *out, sc_error *err)
{
  memset(out, 0, sizeof *out);
  int rc;
  if (sc_str_has_prefix(lookaside, "http://") || sc_str_has_prefix(lookaside, "https://")) {
    rc = read_http(lookaside, repository, manifest_digest, out, err);
  } else {
    _cleanup_free_ char *dir = sc_lookaside_file_path(lookaside, err);
    rc = dir ? read_files(dir, repository, manifest_digest, out, err) : -1;
  }
  if (rc < 0)
    sc_lookaside_signatures_clear(out);
  return rc;
}

int sc_lookaside_write(const char *lookaside, const char *repository, const char *manifest_digest,
                       const void *data, size_t len, char **written, sc_error *err)
{
  *written = NULL;
  _cleanup_free_ char *dir = sc_lookaside_file_path(lookaside, err);
  if (dir == NULL)
    return sc_error_prefix(err, "signatures are written only to file:// lookasides");
  for (int n = 1; n <= SC_LOOKASIDE_MAX_SIGNATURES; n++) {
    _cleanup_free_ char *path = sc_lookaside_signature_url(dir, repository, manifest_digest, n);
    if (access(path, F_OK) == 0)
      continue;
    _cleanup_free_ char *parent = sc_path_dirname(path);
    if (sc_mkdir_p_at(AT_FDCWD, parent, 0755, err) < 0 ||
        sc_write_file_at(AT_FDCWD, path, data, len, 0644, err) < 0)
      return sc_error_prefix(err, "writing the signature");
    *written = steal_pointer(&path);
    return 0;
  }
  return sc_error_set(err, SC_E_EXISTS, "%s already holds %d signatures of %s@%s", dir,
                      SC_LOOKASIDE_MAX_SIGNATURES, repository, manifest_digest);
}
