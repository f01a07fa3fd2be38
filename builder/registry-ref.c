/* registry-ref.c: docker:// references (distribution's reference
 * grammar, lower-case repositories) and the retry delay rule (registry.h). */
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

/* ---- retries ---- */

long sc_registry_retry_delay_ms(int attempt, long base_ms, const char *retry_after, long now)
{
  if (retry_after && retry_after[0]) {
    long ms = -1;
    if (strspn(retry_after, "0123456789") == strlen(retry_after)) {
      ms = strlen(retry_after) > 3 ? 60000 : atol(retry_after) * 1000;
    } else {
      time_t when = curl_getdate(retry_after, NULL);
      if (when != (time_t)-1)
        ms = when <= now ? 0 : (long)(when - now) * 1000;
    }
    if (ms >= 0)
      return ms > 60000 ? 60000 : ms;
  }
  long ms = base_ms;
  for (int i = 0; i < attempt && ms < 30000; i++)
    ms *= 2;
  return ms > 30000 ? 30000 : ms;
}
