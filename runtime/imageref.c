/* imageref.c: the one parser of image references (sc/imageref.h). */
#include <sc/imageref.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "image-ostree.h"
#include "imageref-internal.h"
#include "sha256.h"
#include "util.h"

#define MAX_REF_LENGTH 4096

static const sc_transport_info transports[] = {
    {SC_TRANSPORT_OCI, "oci", "oci:PATH[:REF|@DIGEST]", SC_REF_SOURCE | SC_REF_DESTINATION},
    {SC_TRANSPORT_OCI_ARCHIVE, "oci-archive", "oci-archive:PATH[:REF]",
     SC_REF_SOURCE | SC_REF_DESTINATION},
    {SC_TRANSPORT_DOCKER_ARCHIVE, "docker-archive", "docker-archive:PATH[:NAME:TAG|:@N]",
     SC_REF_SOURCE | SC_REF_DESTINATION},
    {SC_TRANSPORT_DIR, "dir", "dir:PATH", SC_REF_SOURCE | SC_REF_DESTINATION},
    {SC_TRANSPORT_DOCKER, "docker", "docker://HOST/REPO[:TAG|@DIGEST]",
     SC_REF_SOURCE | SC_REF_DESTINATION},
    {SC_TRANSPORT_OSTREE, "ostree", "ostree:NAME[:TAG][@REPO]", SC_REF_SOURCE},
};
#define TRANSPORT_COUNT (sizeof transports / sizeof transports[0])

size_t sc_transport_count(void)
{
  return TRANSPORT_COUNT;
}

const sc_transport_info *sc_transport_at(size_t i)
{
  return i < TRANSPORT_COUNT ? &transports[i] : NULL;
}

sc_transport sc_transport_info_transport(const sc_transport_info *info)
{
  return info->transport;
}

const char *sc_transport_info_name(const sc_transport_info *info)
{
  return info->name;
}

const char *sc_transport_info_syntax(const sc_transport_info *info)
{
  return info->syntax;
}

unsigned sc_transport_info_roles(const sc_transport_info *info)
{
  return info->roles;
}

const sc_transport_info *sc_transport_find(const char *name)
{
  for (size_t i = 0; i < TRANSPORT_COUNT; i++)
    if (strcmp(transports[i].name, name) == 0)
      return &transports[i];
  return NULL;
}

char *sc_transports_syntax(unsigned role)
{
  sc_buf b = SC_BUF_INIT;
  for (size_t i = 0; i < TRANSPORT_COUNT; i++)
    if (transports[i].roles & role)
      sc_buf_printf(&b, "%s%s", b.len ? ", " : "", transports[i].syntax);
  return sc_buf_steal(&b);
}

/* ---- the grammars of names ---- */

static bool is_alnum(char c)
{
  return isalnum((unsigned char)c) != 0;
}

bool sc_oci_ref_name_is_valid(const char *name)
{
  if (name == NULL || !is_alnum(name[0]) || strlen(name) > MAX_REF_LENGTH)
    return false;
  for (const char *p = name; *p;) {
    while (is_alnum(*p))
      p++;
    if (*p == '\0')
      return true;
    if (p[0] == '-' && p[1] == '-')
      p += 2;
    else if (strchr("-._:@+/", *p))
      p++;
    else
      return false;
    if (!is_alnum(*p)) /* a separator or '/' is followed by an alphanum */
      return false;
  }
  return true;
}

bool sc_docker_tag_is_valid(const char *t)
{
  size_t len = strlen(t);
  return len > 0 && len <= 128 && (is_alnum(t[0]) || t[0] == '_') &&
         strspn(t, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == len;
}

static bool is_lower_alnum(char c)
{
  return islower((unsigned char)c) || isdigit((unsigned char)c);
}

/* path-component = [a-z0-9]+ (separator [a-z0-9]+)*, separator = [_.] | __ | [-]* */
bool sc_docker_repository_is_valid(const char *r)
{
  if (r[0] == '\0' || strlen(r) > 255)
    return false;
  for (const char *p = r; *p;) {
    if (!is_lower_alnum(*p))
      return false;
    while (is_lower_alnum(*p))
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

static bool port_is_valid(const char *p)
{
  size_t n = strlen(p);
  return n > 0 && n <= 5 && strspn(p, "0123456789") == n;
}

bool sc_docker_host_is_valid(const char *h)
{
  if (h[0] == '[') { /* [IPv6]:port */
    const char *end = strchr(h, ']');
    if (end == NULL || strspn(h + 1, "0123456789abcdefABCDEF:") != (size_t)(end - h - 1))
      return false;
    h = end + 1;
    return h[0] == '\0' || (h[0] == ':' && port_is_valid(h + 1));
  }
  size_t name = strspn(h, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-");
  if (name == 0 || h[0] == '-' || h[0] == '.')
    return false;
  h += name;
  return h[0] == '\0' || (h[0] == ':' && port_is_valid(h + 1));
}

/* distribution reference: a first component is a host when it has a '.'
 * or a ':' port, or is localhost. */
static bool is_host_component(const char *s, size_t len)
{
  return memchr(s, '.', len) || memchr(s, ':', len) || (len == 9 && !memcmp(s, "localhost", 9));
}

bool sc_docker_name_is_valid(const char *ref)
{
  if (ref == NULL || ref[0] == '\0' || strlen(ref) > MAX_REF_LENGTH)
    return false;
  _cleanup_free_ char *name = xstrdup(ref);
  char *last_slash = strrchr(name, '/');
  char *colon = strrchr(last_slash ? last_slash : name, ':');
  if (colon) {
    *colon = '\0';
    if (!sc_docker_tag_is_valid(colon + 1))
      return false;
  }
  char *slash = strchr(name, '/');
  if (slash && is_host_component(name, (size_t)(slash - name))) {
    *slash = '\0';
    return sc_docker_host_is_valid(name) && sc_docker_repository_is_valid(slash + 1);
  }
  return sc_docker_repository_is_valid(name);
}

/* ---- one parser per transport ---- */

/* PATH up to the first ':', as containers/image splits the file
 * transports (so a PATH holds none); *after: what follows it, or NULL. */
static int split_path(sc_image_ref *out, const char *rest, const char **after, sc_error *err)
{
  const char *colon = strchr(rest, ':');
  out->path = colon ? xstrndup(rest, (size_t)(colon - rest)) : xstrdup(rest);
  *after = colon ? colon + 1 : NULL;
  if (out->path[0] == '\0')
    return sc_error_set(err, SC_E_USAGE, "'%s' names no path: give %s", out->text,
                        out->transport->syntax);
  return 0;
}

/* "PATH[:REF]" for oci and oci-archive. */
static int parse_path_ref(sc_image_ref *out, const char *rest, sc_error *err)
{
  const char *after = NULL;
  if (split_path(out, rest, &after, err) < 0)
    return -1;
  if (after == NULL)
    return 0;
  out->ref = xstrdup(after);
  if (!sc_oci_ref_name_is_valid(out->ref))
    return sc_error_set(err, SC_E_USAGE,
                        "'%s': '%s' is not an OCI ref name (letters, digits and . _ - : @ + / "
                        "between them, as image-spec annotations.md says)",
                        out->text, out->ref);
  return 0;
}

/* oci:PATH[:REF|@DIGEST] */
static int parse_oci(sc_image_ref *out, const char *rest, sc_error *err)
{
  const char *at = strrchr(rest, '@');
  if (at && sc_str_has_prefix(at + 1, "sha256:")) {
    if (!sc_digest_is_valid(at + 1))
      return sc_error_set(err, SC_E_USAGE, "'%s': invalid digest (want sha256:<64 hex>)",
                          out->text);
    _cleanup_free_ char *path = xstrndup(rest, (size_t)(at - rest));
    if (strchr(path, ':'))
      return sc_error_set(err, SC_E_USAGE, "'%s': give a ref name or a digest, not both",
                          out->text);
    out->digest = xstrdup(at + 1);
    return parse_path_ref(out, path, err);
  }
  return parse_path_ref(out, rest, err);
}

/* docker-archive:PATH[:NAME:TAG|:@N] */
static int parse_docker_archive(sc_image_ref *out, const char *rest, sc_error *err)
{
  const char *what = NULL;
  if (split_path(out, rest, &what, err) < 0)
    return -1;
  if (what == NULL)
    return 0;
  if (what[0] == '@') {
    size_t digits = strspn(what + 1, "0123456789");
    if (digits == 0 || digits > 6 || what[1 + digits] != '\0')
      return sc_error_set(err, SC_E_USAGE, "'%s': after ':@' give the image's index (0, 1, ...)",
                          out->text);
    out->index = atol(what + 1);
    return 0;
  }
  if (!sc_docker_name_is_valid(what) || strchr(what, '@'))
    return sc_error_set(err, SC_E_USAGE, "'%s': '%s' is not a NAME:TAG", out->text, what);
  const char *slash = strrchr(what, '/');
  out->ref = strchr(slash ? slash : what, ':') ? xstrdup(what) : xasprintf("%s:latest", what);
  return 0;
}

static int parse_dir(sc_image_ref *out, const char *rest, sc_error *err)
{
  if (rest[0] == '\0')
    return sc_error_set(err, SC_E_USAGE, "'%s' names no directory: give dir:PATH", out->text);
  out->path = xstrdup(rest);
  return 0;
}

/* HOST/REPO of a docker reference, docker.io when the first component
 * is no host (its one-component names live under library/). */
static int split_docker_name(sc_image_ref *out, const char *name, sc_error *err)
{
  const char *slash = strchr(name, '/');
  if (slash && is_host_component(name, (size_t)(slash - name))) {
    out->host = xstrndup(name, (size_t)(slash - name));
    out->repository = xstrdup(slash + 1);
  } else {
    out->host = xstrdup("docker.io");
    out->repository = slash ? xstrdup(name) : xasprintf("library/%s", name);
  }
  if (!sc_docker_host_is_valid(out->host))
    return sc_error_set(err, SC_E_USAGE, "%s: invalid registry host '%s'", out->text, out->host);
  if (!sc_docker_repository_is_valid(out->repository))
    return sc_error_set(err, SC_E_USAGE,
                        "%s: invalid repository name '%s' (lower-case letters, digits and "
                        "separators . _ - /)",
                        out->text, out->repository);
  return 0;
}

/* docker://HOST[:PORT]/REPO[:TAG|@DIGEST] */
static int parse_docker(sc_image_ref *out, const char *rest, sc_error *err)
{
  _cleanup_free_ char *name = xstrdup(rest);
  char *first_slash = strchr(name, '/');
  char *at = strchr(name, '@');
  if (at && first_slash && at < first_slash)
    /* docker://USER:PASS@HOST/...: never echo it, it may hold a password */
    return sc_error_set(err, SC_E_USAGE,
                        "credentials do not go in a docker:// reference: use --creds, "
                        "sc-build login or an auth file");
  if (at) {
    *at = '\0';
    if (!sc_digest_is_valid(at + 1))
      return sc_error_set(err, SC_E_USAGE, "%s: invalid digest (want sha256:<64 hex>)", out->text);
    out->digest = xstrdup(at + 1);
  }
  char *last_slash = strrchr(name, '/');
  char *colon = strrchr(last_slash ? last_slash : name, ':');
  /* A colon after the last slash ends the name with a tag ("HOST:PORT"
   * alone is not a reference here: a repository is needed). */
  if (colon) {
    *colon = '\0';
    if (!sc_docker_tag_is_valid(colon + 1))
      return sc_error_set(err, SC_E_USAGE, "%s: invalid tag '%s'", out->text, colon + 1);
    if (out->digest == NULL)
      out->tag = xstrdup(colon + 1);
  }
  if (out->tag == NULL && out->digest == NULL)
    out->tag = xstrdup("latest");
  return split_docker_name(out, name, err);
}

int sc_ostree_normalize_name(const char *name, char **out, sc_error *err)
{
  if (name[0] == '\0')
    return sc_error_set(err, SC_E_USAGE, "an empty image name");
  /* containers/image ostree transport: "digest references are not supported". */
  if (strchr(name, '@'))
    return sc_error_set(err, SC_E_USAGE, "'%s': an OSTree image is named NAME:TAG, not by digest",
                        name);
  const char *slash = strrchr(name, '/');
  const char *last = slash ? slash + 1 : name;
  *out = strchr(last, ':') ? xstrdup(name) : xasprintf("%s:latest", name);
  return 0;
}

/* containers-transports(5): ostree:docker-reference[@/absolute/repo/path].
 * A name holds no '@' (digests are refused), so the last '@' starts REPO. */
static int parse_ostree(sc_image_ref *out, const char *rest, sc_error *err)
{
  const char *at = strrchr(rest, '@');
  _cleanup_free_ char *image = at ? xstrndup(rest, (size_t)(at - rest)) : xstrdup(rest);
  if (at && at[1] == '\0')
    return sc_error_set(err, SC_E_USAGE, "'%s' names no repository after '@'", out->text);
  if (sc_ostree_normalize_name(image, &out->ref, err) < 0)
    return sc_error_prefix(err, "%s", out->text);
  out->path = xstrdup(at ? at + 1 : SC_OSTREE_DEFAULT_REPO);
  return 0;
}

typedef int (*parse_fn)(sc_image_ref *out, const char *rest, sc_error *err);

static parse_fn parser_of(sc_transport t)
{
  switch (t) {
  case SC_TRANSPORT_OCI:
    return parse_oci;
  case SC_TRANSPORT_OCI_ARCHIVE:
    return parse_path_ref;
  case SC_TRANSPORT_DOCKER_ARCHIVE:
    return parse_docker_archive;
  case SC_TRANSPORT_DIR:
    return parse_dir;
  case SC_TRANSPORT_DOCKER:
    return parse_docker;
  case SC_TRANSPORT_OSTREE:
    return parse_ostree;
  }
  return NULL;
}

/* ---- the whole reference ---- */

/* The transport text names, and where its rest starts; a text without a
 * transport's prefix is an OCI layout's path.  NULL with err set for a
 * prefix that looks like a transport sc-build does not know. */
static const sc_transport_info *transport_of(const char *text, unsigned role, const char **rest,
                                             sc_error *err)
{
  size_t len = strspn(text, "abcdefghijklmnopqrstuvwxyz-");
  if ((len == 0 || text[len] != ':') && (role & SC_REF_EXPLICIT)) {
    _cleanup_free_ char *can = sc_transports_syntax(role);
    sc_error_set(err, SC_E_USAGE, "'%s' names no transport: give the base image as %s", text, can);
    return NULL;
  }
  if (len == 0 || text[len] != ':') {
    *rest = text;
    return sc_transport_find("oci");
  }
  _cleanup_free_ char *name = xstrndup(text, len);
  const sc_transport_info *t = sc_transport_find(name);
  if (t && t->transport == SC_TRANSPORT_DOCKER && !sc_str_has_prefix(text + len, "://"))
    t = NULL;
  if (t == NULL) {
    _cleanup_free_ char *all = sc_transports_syntax(SC_REF_SOURCE | SC_REF_DESTINATION);
    sc_error_set(err, SC_E_USAGE, "'%s': unknown transport '%s:': give one of %s", text, name, all);
    return NULL;
  }
  *rest = text + len + (t->transport == SC_TRANSPORT_DOCKER ? 3 : 1);
  return t;
}

int sc_image_ref_parse(const char *text, unsigned role, sc_image_ref *out, sc_error *err)
{
  memset(out, 0, sizeof *out);
  out->index = -1;
  if (text == NULL || text[0] == '\0')
    return sc_error_set(err, SC_E_USAGE, "an empty image reference");
  if (strlen(text) > MAX_REF_LENGTH)
    return sc_error_set(err, SC_E_USAGE, "image reference too long (more than %d bytes)",
                        MAX_REF_LENGTH);
  const char *rest = NULL;
  const sc_transport_info *t = transport_of(text, role, &rest, err);
  if (t == NULL)
    return -1;
  out->transport = t;
  out->text = xstrdup(text);
  role &= SC_REF_SOURCE | SC_REF_DESTINATION;
  int r = (t->roles & role) != role ? -2 : parser_of(t->transport)(out, rest, err);
  if (r == -2) {
    _cleanup_free_ char *can = sc_transports_syntax(role);
    r = sc_error_set(err, SC_E_USAGE, "'%s': %s: cannot be %s here: give %s", text, t->name,
                     role & SC_REF_DESTINATION ? "written" : "read", can);
  }
  if (r < 0)
    sc_image_ref_clear(out);
  return r;
}

void sc_image_ref_clear(sc_image_ref *ref)
{
  free(ref->text);
  free(ref->path);
  free(ref->ref);
  free(ref->digest);
  free(ref->host);
  free(ref->repository);
  free(ref->tag);
  memset(ref, 0, sizeof *ref);
  ref->index = -1;
}

sc_image_ref *sc_image_ref_new(void)
{
  sc_image_ref *ref = xcalloc(1, sizeof *ref);
  ref->index = -1;
  return ref;
}

void sc_image_ref_free(sc_image_ref *ref)
{
  if (ref == NULL)
    return;
  sc_image_ref_clear(ref);
  free(ref);
}

const sc_transport_info *sc_image_ref_transport(const sc_image_ref *ref)
{
  return ref->transport;
}

const char *sc_image_ref_text(const sc_image_ref *ref)
{
  return ref->text;
}

const char *sc_image_ref_path(const sc_image_ref *ref)
{
  return ref->path;
}

const char *sc_image_ref_ref(const sc_image_ref *ref)
{
  return ref->ref;
}

const char *sc_image_ref_digest(const sc_image_ref *ref)
{
  return ref->digest;
}

long sc_image_ref_index(const sc_image_ref *ref)
{
  return ref->index;
}

const char *sc_image_ref_host(const sc_image_ref *ref)
{
  return ref->host;
}

const char *sc_image_ref_repository(const sc_image_ref *ref)
{
  return ref->repository;
}

const char *sc_image_ref_tag(const sc_image_ref *ref)
{
  return ref->tag;
}

char *sc_image_ref_format(const sc_image_ref *r)
{
  const char *name = r->transport->name;
  switch (r->transport->transport) {
  case SC_TRANSPORT_DOCKER:
    return xasprintf("docker://%s/%s%s%s", r->host, r->repository, r->digest ? "@" : ":",
                     r->digest ? r->digest : r->tag);
  case SC_TRANSPORT_OSTREE:
    return xasprintf("ostree:%s@%s", r->ref, r->path);
  case SC_TRANSPORT_DOCKER_ARCHIVE:
    if (r->index >= 0)
      return xasprintf("%s:%s:@%ld", name, r->path, r->index);
    break;
  case SC_TRANSPORT_OCI:
    if (r->digest)
      return xasprintf("%s:%s@%s", name, r->path, r->digest);
    break;
  default:
    break;
  }
  return xasprintf("%s:%s%s%s", name, r->path, r->ref ? ":" : "", r->ref ? r->ref : "");
}
