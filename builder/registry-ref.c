/* registry-ref.c: what needs no connection (registry.h): docker://
 * references (distribution's reference grammar, lower-case repositories),
 * the retry delay rule, and the parsers of what a registry answers in
 * headers: Location and redirects, Range and Content-Range.  The registry
 * fuzz target (tests/fuzz/fuzz-registry.c) runs them all. */
#include "registry.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <curl/curl.h>

#include "sha256.h"

#define MAX_REF_LENGTH 4096

/* ---- references ---- */

static bool is_host_component(const char *s, size_t len)
{
  /* distribution reference: a domain has a '.' or a ':' port, or is localhost */
  return memchr(s, '.', len) || memchr(s, ':', len) || (len == 9 && !memcmp(s, "localhost", 9));
}

static bool host_is_valid(const char *h)
{
  if (h[0] == '[') { /* [IPv6]:port */
    const char *end = strchr(h, ']');
    if (end == NULL || strspn(h + 1, "0123456789abcdefABCDEF:") != (size_t)(end - h - 1))
      return false;
    h = end + 1;
    return h[0] == '\0' || (h[0] == ':' && h[1] && strspn(h + 1, "0123456789") == strlen(h + 1));
  }
  size_t name = strspn(h, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-");
  if (name == 0 || h[0] == '-' || h[0] == '.')
    return false;
  h += name;
  return h[0] == '\0' || (h[0] == ':' && h[1] && strspn(h + 1, "0123456789") == strlen(h + 1) &&
                          strlen(h + 1) <= 5);
}

/* distribution reference grammar: path-component = [a-z0-9]+ (separator [a-z0-9]+)*,
 * separator = [_.] | __ | [-]* */
static bool repository_is_valid(const char *r)
{
  if (r[0] == '\0' || strlen(r) > 255)
    return false;
  for (const char *p = r; *p;) {
    if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p))
      return false;
    while (islower((unsigned char)*p) || isdigit((unsigned char)*p))
      p++;
    size_t sep = strspn(p, "._-");
    if (sep > 0) {
      bool ok = (sep == 1) || (sep == 2 && p[0] == '_' && p[1] == '_') || strspn(p, "-") == sep;
      if (!ok || p[sep] == '\0' || p[sep] == '/')
        return false;
      p += sep;
    } else if (*p == '/') {
      p++;
      if (*p == '\0')
        return false;
    } else if (*p) {
      return false;
    }
  }
  return true;
}

bool sc_registry_repository_is_valid(const char *repository)
{
  return repository_is_valid(repository);
}

static bool tag_is_valid(const char *t)
{
  size_t len = strlen(t);
  return len > 0 && len <= 128 && (isalnum((unsigned char)t[0]) || t[0] == '_') &&
         strspn(t, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == len;
}

bool sc_reference_is_valid(const char *ref)
{
  if (ref == NULL || ref[0] == '\0' || strlen(ref) > MAX_REF_LENGTH)
    return false;
  _cleanup_free_ char *name = xstrdup(ref);
  char *last_slash = strrchr(name, '/');
  char *colon = strrchr(last_slash ? last_slash : name, ':');
  if (colon) {
    *colon = '\0';
    if (!tag_is_valid(colon + 1))
      return false;
  }
  char *slash = strchr(name, '/');
  if (slash && is_host_component(name, (size_t)(slash - name))) {
    *slash = '\0';
    return host_is_valid(name) && repository_is_valid(slash + 1);
  }
  return repository_is_valid(name);
}

static int split_name(char *name, sc_registry_ref *out, const char *text, sc_error *err)
{
  char *slash = strchr(name, '/');
  if (slash && is_host_component(name, (size_t)(slash - name))) {
    out->host = xstrndup(name, (size_t)(slash - name));
    out->repository = xstrdup(slash + 1);
  } else {
    /* docker.io, whose one-component names live under library/ */
    out->host = xstrdup("docker.io");
    out->repository = slash ? xstrdup(name) : xasprintf("library/%s", name);
  }
  if (!host_is_valid(out->host))
    return sc_error_set(err, SC_E_USAGE, "%s: invalid registry host '%s'", text, out->host);
  if (!repository_is_valid(out->repository))
    return sc_error_set(err, SC_E_USAGE,
                        "%s: invalid repository name '%s' (lower-case letters, digits and "
                        "separators . _ - /)",
                        text, out->repository);
  return 0;
}

int sc_registry_ref_parse(const char *text, sc_registry_ref *out, sc_error *err)
{
  memset(out, 0, sizeof *out);
  if (!sc_str_has_prefix(text, "docker://"))
    return sc_error_set(err, SC_E_USAGE, "%s: destination must be docker://HOST[:PORT]/REPO[:TAG]",
                        text);
  if (strlen(text) > MAX_REF_LENGTH)
    return sc_error_set(err, SC_E_USAGE, "reference too long");
  _cleanup_free_ char *name = xstrdup(text + 9);
  char *first_slash = strchr(name, '/');
  char *userinfo = strchr(name, '@');
  if (userinfo && first_slash && userinfo < first_slash)
    /* docker://USER:PASS@HOST/...: never echo it, it may hold a password */
    return sc_error_set(err, SC_E_USAGE,
                        "credentials do not go in a docker:// reference: use --creds, "
                        "sc-build login or an auth file");
  char *at = strchr(name, '@');
  if (at) {
    *at = '\0';
    if (!sc_digest_is_valid(at + 1))
      return sc_error_set(err, SC_E_USAGE, "%s: invalid digest (want sha256:<64 hex>)", text);
    out->digest = xstrdup(at + 1);
  }
  char *last_slash = strrchr(name, '/');
  char *colon = strrchr(last_slash ? last_slash : name, ':');
  /* A colon after the last slash ends the name with a tag ("HOST:PORT"
   * alone is not a reference here: a repository is needed). */
  if (colon) {
    *colon = '\0';
    if (!tag_is_valid(colon + 1)) {
      int rc = sc_error_set(err, SC_E_USAGE, "%s: invalid tag '%s'", text, colon + 1);
      sc_registry_ref_clear(out);
      return rc;
    }
    if (out->digest == NULL)
      out->tag = xstrdup(colon + 1);
  }
  if (out->tag == NULL && out->digest == NULL)
    out->tag = xstrdup("latest");
  if (split_name(name, out, text, err) < 0) {
    sc_registry_ref_clear(out);
    return -1;
  }
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
