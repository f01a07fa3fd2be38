/* fuzz-registry.c: libFuzzer target for what a registry or a user hands
 * sc-build's registry client: WWW-Authenticate challenges, token endpoint
 * bodies, Retry-After values, docker:// references, Location headers
 * (uploads and redirects), Content-Range and upload Range values, and the
 * URLs the client names in logs and messages.
 *
 * Checked besides crashes and sanitizer reports: a Bearer challenge that
 * parses has a realm; a Retry-After never asks for more than a minute; a
 * reference that parses has a host, a repository and exactly one of tag
 * and digest, and writing it back out parses to the same parts; a
 * Location or redirect from https never leads to plain http; a parsed
 * Content-Range is in order; an origin carries no user info. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "registry-auth.h"
#include "registry.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_challenge(const char *text)
{
  sc_auth_challenge ch;
  sc_error err = SC_ERROR_INIT;
  if (sc_auth_challenge_parse(text, &ch, &err) == 0) {
    if (ch.scheme == SC_AUTH_BEARER && (ch.realm == NULL || ch.realm[0] == '\0'))
      abort();
    sc_auth_challenge_clear(&ch);
  }
  sc_error_clear(&err);
}

static void check_token(const char *body, size_t len)
{
  sc_error err = SC_ERROR_INIT;
  char *token = sc_auth_token_parse(body, len, &err);
  if (token && token[0] == '\0')
    abort(); /* an empty token must be refused */
  free(token);
  sc_error_clear(&err);
}

static void check_retry_after(const char *text)
{
  for (int attempt = 0; attempt < 12; attempt += 5) {
    long ms = sc_registry_retry_delay_ms(attempt, 500, text, 1700000000L);
    if (ms < 0 || ms > 60000)
      abort();
  }
}

static void check_reference(const char *text)
{
  _cleanup_free_ char *ref_text = xasprintf("docker://%s", text);
  sc_registry_ref ref;
  sc_error err = SC_ERROR_INIT;
  if (sc_registry_ref_parse(ref_text, &ref, &err) < 0) {
    sc_error_clear(&err);
    return;
  }
  if (ref.host == NULL || ref.repository == NULL || (ref.tag == NULL) == (ref.digest == NULL))
    abort();
  _cleanup_free_ char *again_text =
      ref.tag ? xasprintf("docker://%s/%s:%s", ref.host, ref.repository, ref.tag)
              : xasprintf("docker://%s/%s@%s", ref.host, ref.repository, ref.digest);
  sc_registry_ref again;
  if (sc_registry_ref_parse(again_text, &again, &err) < 0)
    abort();
  if (strcmp(again.host, ref.host) != 0 || strcmp(again.repository, ref.repository) != 0 ||
      (ref.tag && strcmp(again.tag, ref.tag) != 0) ||
      (ref.digest && strcmp(again.digest, ref.digest) != 0))
    abort();
  sc_registry_ref_clear(&again);
  sc_registry_ref_clear(&ref);
}

static void check_location(const char *text)
{
  char *url = sc_location_resolve("https://registry.test:5000", text);
  if (url && strncmp(url, "https://", 8) != 0)
    abort();
  free(url);
  sc_error err = SC_ERROR_INIT;
  url = sc_redirect_target("https://registry.test/v2/r/blobs/sha256:00", text, &err);
  if (url && strncmp(url, "https://", 8) != 0)
    abort();
  if ((url == NULL) == (err.msg == NULL))
    abort(); /* a refusal says why, an answer does not */
  free(url);
  sc_error_clear(&err);
  url = sc_redirect_target("http://registry.test/v2/r/blobs/sha256:00", text, &err);
  if (url && strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0)
    abort();
  free(url);
  sc_error_clear(&err);
}

static void check_urls(const char *text)
{
  char *origin = sc_url_origin(text);
  char *path = sc_url_loggable_path(text);
  char *place = sc_url_place(text);
  if (strchr(origin, '@') || path[0] != '/')
    abort(); /* user info must not reach a log */
  free(origin);
  free(path);
  free(place);
}

static void check_ranges(const char *text)
{
  int64_t first, last, length;
  if (sc_content_range_parse(text, &first, &last, &length) == 0 &&
      (first < 0 || last < first || (length != -1 && last >= length)))
    abort();
  if (sc_upload_range_held(text) < -1)
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *text = xstrndup((const char *)data, size); /* up to the first NUL */
  check_challenge(text);
  check_token((const char *)data, size);
  check_retry_after(text);
  check_reference(text);
  check_location(text);
  check_urls(text);
  check_ranges(text);
  free(text);
  return 0;
}
