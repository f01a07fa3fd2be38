/* registry-ref.c: what needs no connection (registry.h): docker://
 * references (distribution's reference grammar, lower-case repositories),
 * the retry delay rule, and the parsers of what a registry answers in
 * headers: Location and redirects, Range and Content-Range.  The registry
 * fuzz target (tests/fuzz/fuzz-registry.c) runs them all. */
#include "imageref-internal.h"
#include "registry.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <curl/curl.h>
#include <sc/imageref.h>

#include "sha256.h"

/* ---- references ---- */

/* The grammar is the runtime's (sc/imageref.h): one parser for every
 * transport. */
bool sc_registry_repository_is_valid(const char *repository)
{
  return sc_docker_repository_is_valid(repository);
}

bool sc_reference_is_valid(const char *ref)
{
  return sc_docker_name_is_valid(ref);
}

int sc_registry_ref_parse(const char *text, sc_registry_ref *out, sc_error *err)
{
  memset(out, 0, sizeof *out);
  sc_image_ref ref;
  if (sc_image_ref_parse(text, SC_REF_SOURCE, &ref, err) < 0)
    return -1;
  if (ref.transport->transport != SC_TRANSPORT_DOCKER) {
    sc_image_ref_clear(&ref);
    return sc_error_set(err, SC_E_USAGE, "%s: give a registry as docker://HOST[:PORT]/REPO[:TAG]",
                        text);
  }
  out->host = steal_pointer(&ref.host);
  out->repository = steal_pointer(&ref.repository);
  out->tag = steal_pointer(&ref.tag);
  out->digest = steal_pointer(&ref.digest);
  sc_image_ref_clear(&ref);
  return 0;
}

void sc_registry_ref_clear(sc_registry_ref *ref)
{
  free(ref->host);
  free(ref->repository);
  free(ref->tag);
  free(ref->digest);
  memset(ref, 0, sizeof *ref);
}

/* ---- retries: Retry-After (RFC 9110 section 10.2.3) ---- */

#define MAX_RETRY_AFTER_MS 60000L
#define MAX_BACKOFF_MS 30000L

static int month_of(const char *name)
{
  static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
  for (int i = 0; i < 12; i++)
    if (strncmp(name, months + 3 * i, 3) == 0)
      return i;
  return -1;
}

/* An HTTP-date in any of its three forms (RFC 9110 section 5.6.7):
 * IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT", the obsolete rfc850-date
 * "Sunday, 06-Nov-94 08:49:37 GMT" and asctime-date "Sun Nov  6 08:49:37
 * 1994".  The whole value must be the date and every field in range;
 * curl_getdate is far more lenient and reads "01271201271Oct.03" as a time
 * a billion years away.  -1 when it is not a date. */
static time_t parse_http_date(const char *text)
{
  char wday[16], mon[4];
  int day, year, h, m, sec, used = -1;
  size_t len = strlen(text);
  if (len > 40)
    return -1;
  if (sscanf(text, "%3[A-Za-z], %2d %3[A-Za-z] %4d %2d:%2d:%2d GMT%n", wday, &day, mon, &year, &h,
             &m, &sec, &used) == 7 &&
      used == (int)len && len == 29) {
    /* IMF-fixdate */
  } else if (sscanf(text, "%15[A-Za-z], %2d-%3[A-Za-z]-%2d %2d:%2d:%2d GMT%n", wday, &day, mon,
                    &year, &h, &m, &sec, &used) == 7 &&
             used == (int)len) {
    year += year < 70 ? 2000 : 1900; /* RFC 9110: a two-digit year far ahead is in the past */
  } else if (sscanf(text, "%3[A-Za-z] %3[A-Za-z] %2d %2d:%2d:%2d %4d%n", wday, mon, &day, &h, &m,
                    &sec, &year, &used) == 7 &&
             used == (int)len) {
    /* asctime-date */
  } else {
    return -1;
  }
  int month = month_of(mon);
  if (month < 0 || day < 1 || day > 31 || year < 1900 || year > 9999 || h < 0 || h > 23 || m < 0 ||
      m > 59 || sec < 0 || sec > 60)
    return -1;
  struct tm tm = {.tm_year = year - 1900,
                  .tm_mon = month,
                  .tm_mday = day,
                  .tm_hour = h,
                  .tm_min = m,
                  .tm_sec = sec};
  return timegm(&tm);
}

/* Retry-After as milliseconds from now, at most MAX_RETRY_AFTER_MS; -1
 * when it is neither delay-seconds nor an HTTP-date. */
static long retry_after_ms(const char *value, long now)
{
  size_t digits = strspn(value, "0123456789");
  if (digits > 0 && value[digits] == '\0') /* delay-seconds = 1*DIGIT */
    return digits > 5 || atol(value) > MAX_RETRY_AFTER_MS / 1000 ? MAX_RETRY_AFTER_MS
                                                                 : atol(value) * 1000;
  time_t when = parse_http_date(value);
  if (when == (time_t)-1)
    return -1;
  if (when <= (time_t)now)
    return 0;
  /* compare before multiplying: the difference may be centuries */
  return when - (time_t)now > MAX_RETRY_AFTER_MS / 1000 ? MAX_RETRY_AFTER_MS
                                                        : (long)(when - (time_t)now) * 1000;
}

long sc_registry_retry_delay_ms(int attempt, long base_ms, const char *retry_after, long now)
{
  long ms = retry_after ? retry_after_ms(retry_after, now) : -1;
  if (ms >= 0)
    return ms;
  ms = base_ms < 0 ? 0 : base_ms < MAX_BACKOFF_MS ? base_ms : MAX_BACKOFF_MS;
  for (int i = 0; i < attempt && ms < MAX_BACKOFF_MS; i++)
    ms *= 2;
  return ms > MAX_BACKOFF_MS ? MAX_BACKOFF_MS : ms;
}

/* ---- URLs, Location and redirects ---- */

/* "/v2/hw/blobs/uploads/?mount=...&from=..." without secrets or opaque
 * state: only the digest, mount and from query parameters are kept. */
char *sc_url_loggable_path(const char *url)
{
  const char *p = strstr(url, "://");
  p = p ? strchr(p + 3, '/') : NULL;
  if (p == NULL)
    return xstrdup("/");
  const char *q = strchr(p, '?');
  sc_buf b = SC_BUF_INIT;
  sc_buf_append(&b, p, q ? (size_t)(q - p) : strlen(p));
  char sep = '?';
  for (const char *param = q; param; param = strchr(param + 1, '&')) {
    const char *k = param + 1;
    size_t len = strcspn(k, "&");
    if (sc_str_has_prefix(k, "digest=") || sc_str_has_prefix(k, "mount=") ||
        sc_str_has_prefix(k, "from=")) {
      sc_buf_putc(&b, sep);
      sc_buf_append(&b, k, len);
      sep = '&';
    }
  }
  return sc_buf_steal(&b);
}

/* "https://HOST:PORT" of an absolute URL, without any user info: where a
 * request went, for messages and the request log. */
char *sc_url_origin(const char *url)
{
  const char *p = strstr(url, "://");
  size_t scheme_len = p ? (size_t)(p - url) : 0;
  if (p == NULL || scheme_len == 0 || strspn(url, "abcdefghijklmnopqrstuvwxyz") != scheme_len)
    return xstrdup("?"); /* not an http(s) URL we made or resolved */
  const char *host = p + 3;
  size_t len = strcspn(host, "/?#");
  const char *at = NULL; /* the last '@' of the authority ends the user info */
  for (size_t i = 0; i < len; i++)
    if (host[i] == '@')
      at = host + i;
  if (at) {
    len -= (size_t)(at + 1 - host);
    host = at + 1;
  }
  return xasprintf("%.*s%.*s", (int)(p + 3 - url), url, (int)len, host);
}

/* The same without the scheme: "HOST:PORT/PATH" reads as a place. */
char *sc_url_place(const char *url)
{
  _cleanup_free_ char *origin = sc_url_origin(url);
  _cleanup_free_ char *path = sc_url_loggable_path(url);
  const char *p = strstr(origin, "://");
  return xasprintf("%s%s", p ? p + 3 : origin, path);
}

/* Where a redirect from url leads (Location resolved against url, RFC
 * 9110 section 10.2.2), or NULL with err set: not http(s), or from https
 * down to plain http, which would expose the request to the network. */
char *sc_redirect_target(const char *url, const char *location, sc_error *err)
{
  _cleanup_free_ char *from = sc_url_place(url);
  if (location == NULL || location[0] == '\0' || strpbrk(location, " \r\n\t") != NULL)
    return sc_error_set(err, SC_E_INVALID, "%s: a redirect without a usable Location", from), NULL;
  CURLU *u = curl_url();
  char *got = NULL, *scheme = NULL, *next = NULL;
  if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
      curl_url_set(u, CURLUPART_URL, location, 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_URL, &got, 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK)
    next = xstrdup(got);
  bool https = scheme && strcmp(scheme, "https") == 0;
  bool http = scheme && strcmp(scheme, "http") == 0;
  curl_free(got);
  curl_free(scheme);
  curl_url_cleanup(u);
  if (next && (https || (http && !sc_str_has_prefix(url, "https://"))))
    return next;
  if (next && http) {
    _cleanup_free_ char *origin = sc_url_origin(url), *to_origin = sc_url_origin(next);
    _cleanup_free_ char *path = sc_url_loggable_path(url), *to_path = sc_url_loggable_path(next);
    sc_error_set(err, SC_E_INVALID,
                 "refused a redirect from %s%s to %s%s: a downgrade to plain http", origin, path,
                 to_origin, to_path);
  } else {
    _cleanup_free_ char *shown = xstrndup(location, 100);
    for (char *c = shown; *c; c++) /* a hostile header goes to a terminal */
      if (!isprint((unsigned char)*c))
        *c = '?';
    sc_error_set(err, SC_E_INVALID, "%s: a redirect to an unusable Location '%s'", from, shown);
  }
  free(next);
  return NULL;
}

/* An upload Location against the registry (registry.h). */
char *sc_location_resolve(const char *base_url, const char *location)
{
  if (location == NULL || location[0] == '\0' || strpbrk(location, " \r\n\t") != NULL)
    return NULL;
  if (location[0] == '/' && location[1] != '/')
    return xasprintf("%s%s", base_url, location);
  bool https = sc_str_has_prefix(location, "https://");
  bool http = sc_str_has_prefix(location, "http://");
  /* An upload may be sent elsewhere (distribution-spec: "the Location may
   * be an absolute URL"), but never from https down to plain http. */
  if (https || (http && sc_str_has_prefix(base_url, "http://")))
    return xstrdup(location);
  return NULL;
}

/* ---- Range and Content-Range ---- */

/* A decimal number of at most 18 digits (no sign, no space): fits int64_t. */
static const char *parse_count(const char *p, int64_t *out)
{
  size_t n = strspn(p, "0123456789");
  if (n == 0 || n > 18)
    return NULL;
  int64_t v = 0;
  for (size_t i = 0; i < n; i++)
    v = v * 10 + (p[i] - '0');
  *out = v;
  return p + n;
}

int sc_content_range_parse(const char *value, int64_t *first, int64_t *last, int64_t *length)
{
  const char *p = value && sc_str_has_prefix(value, "bytes ") ? value + 6 : NULL;
  if (p == NULL || (p = parse_count(p, first)) == NULL || *p++ != '-' ||
      (p = parse_count(p, last)) == NULL || *p++ != '/' || *last < *first)
    return -1;
  if (strcmp(p, "*") == 0) {
    *length = -1;
    return 0;
  }
  if ((p = parse_count(p, length)) == NULL || *p != '\0' || *last >= *length)
    return -1;
  return 0;
}

int64_t sc_upload_range_held(const char *range)
{
  int64_t first, last;
  const char *p = range ? parse_count(range, &first) : NULL;
  if (p == NULL || first != 0 || *p++ != '-' || (p = parse_count(p, &last)) == NULL || *p != '\0')
    return -1;
  return last == 0 ? 0 : last + 1;
}
