/* policy.c: containers-policy.json(5) read strictly and applied to
 * docker:// images (policy.h). */
#include "policy.h"
#include "imageref-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sc/imageref.h>

#include "base64.h"
#include "docker-scope.h"
#include "jsonpos.h"
#include "signature.h"
#include "sigstore.h"
#include "util.h"

struct sc_policy {
  char *file;
  char *text;
  size_t len;
  json_t *doc;
};

void sc_policy_free(sc_policy *p)
{
  if (p == NULL)
    return;
  free(p->file);
  free(p->text);
  json_decref(p->doc);
  free(p);
}

const char *sc_policy_file(const sc_policy *p)
{
  return p->file;
}

/* ---- reading: every field checked, errors placed ---- */

#define MAX_DEPTH 6

typedef struct json_where {
  sc_jsonpos_step steps[MAX_DEPTH];
  size_t depth;
} json_where;

static json_where where_push(json_where w, sc_jsonpos_step step)
{
  if (w.depth < MAX_DEPTH)
    w.steps[w.depth++] = step;
  return w;
}

static int fail_at(const sc_policy *p, const json_where *w, sc_error *err, const char *fmt, ...)
    SC_PRINTF(4, 5);
static int fail_at(const sc_policy *p, const json_where *w, sc_error *err, const char *fmt, ...)
{
  sc_jsonpos pos = {0};
  sc_jsonpos_find(p->text, p->len, w->steps, w->depth, &pos);
  va_list ap;
  va_start(ap, fmt);
  _cleanup_free_ char *msg = xvasprintf(fmt, ap);
  va_end(ap);
  return sc_error_set_at(err, SC_E_INVALID, p->file, pos.key_line, pos.key_col, "%s", msg);
}

/* obj's keys are all among allowed (NULL-terminated). */
static int only_keys(const sc_policy *p, const json_where *w, json_t *obj, const char *what,
                     const char *const *allowed, sc_error *err)
{
  const char *key;
  json_t *value;
  json_object_foreach(obj, key, value)
  {
    bool known = false;
    for (const char *const *a = allowed; *a; a++)
      known = known || strcmp(*a, key) == 0;
    if (!known) {
      json_where at = where_push(*w, SC_JSONPOS_KEY(key));
      return fail_at(p, &at, err, "%s: unknown field \"%.100s\"", what, key);
    }
  }
  return 0;
}

static const char *const identity_types[] = {
    "matchRepoDigestOrExact", "matchExact", "matchRepository", "exactReference", "exactRepository",
    "remapIdentity",          NULL};

/* A docker reference normalized as sc-build reads docker:// ones: name
 * (HOST/REPO) and full (HOST/REPO:TAG or HOST/REPO@DIGEST); false when it
 * does not parse.  *name_only: no tag or digest was written. */
typedef struct docker_name {
  char *name, *full;
  bool name_only;
} docker_name;

static void docker_name_clear(docker_name *n)
{
  free(n->name);
  free(n->full);
  memset(n, 0, sizeof *n);
}

static bool docker_name_parse(const char *text, docker_name *out)
{
  memset(out, 0, sizeof *out);
  if (strstr(text, "://"))
    return false;
  _cleanup_free_ char *full = xasprintf("docker://%s", text);
  sc_image_ref ref;
  sc_error ignored = SC_ERROR_INIT;
  if (sc_image_ref_parse(full, SC_REF_SOURCE, &ref, &ignored) < 0) {
    sc_error_clear(&ignored);
    return false;
  }
  const char *last = strrchr(text, '/');
  out->name_only = !strchr(text, '@') && !strchr(last ? last : text, ':');
  out->name = xasprintf("%s/%s", ref.host, ref.repository);
  out->full = ref.digest ? xasprintf("%s@%s", out->name, ref.digest)
                         : xasprintf("%s:%s", out->name, ref.tag);
  sc_image_ref_clear(&ref);
  return true;
}

/* A docker reference in a policy (exactReference, exactRepository): it
 * parses, with a tag or digest (tagged) or without. */
static bool reference_parses(const char *text, bool tagged)
{
  docker_name n;
  if (!docker_name_parse(text, &n))
    return false;
  bool ok = n.name_only != tagged;
  docker_name_clear(&n);
  return ok;
}

static int check_identity(const sc_policy *p, const json_where *w, json_t *id, sc_error *err)
{
  const char *type = json_string_value(json_object_get(id, "type"));
  size_t t = 0;
  while (type && identity_types[t] && strcmp(identity_types[t], type) != 0)
    t++;
  if (!json_is_object(id) || type == NULL || identity_types[t] == NULL)
    return fail_at(p, w, err,
                   "signedIdentity: type is one of matchRepoDigestOrExact, matchExact, "
                   "matchRepository, exactReference, exactRepository, remapIdentity");
  static const char *const none[] = {"type", NULL},
                           *const ref[] = {"type", "dockerReference", NULL},
                           *const repo[] = {"type", "dockerRepository", NULL},
                           *const remap[] = {"type", "prefix", "signedPrefix", NULL};
  const char *const *allowed = t == 3 ? ref : t == 4 ? repo : t == 5 ? remap : none;
  if (only_keys(p, w, id, "signedIdentity", allowed, err) < 0)
    return -1;
  for (size_t i = 1; allowed[i]; i++) {
    const char *v = json_string_value(json_object_get(id, allowed[i]));
    bool ok = v && v[0] && (t == 5 || reference_parses(v, t == 3));
    if (!ok)
      return fail_at(p, w, err, "signedIdentity %s: %s must be a docker reference%s", type,
                     allowed[i],
                     t == 3   ? " with a tag or digest"
                     : t == 4 ? " without a tag or digest"
                              : " prefix (HOST[/NAMESPACE])");
  }
  return 0;
}

/* The keys of a signedBy (keyPath, keyPaths, keyData) or sigstoreSigned
 * (those, keyDatas, or a Fulcio or PKI root sc-build does not check)
 * requirement: exactly one source, each non-empty. */
static int check_keys(const sc_policy *p, const json_where *w, json_t *req, const char *type,
                      sc_error *err)
{
  static const char *const sources[] = {"keyPath", "keyPaths", "keyData", "keyDatas",
                                        "fulcio",  "pki",      NULL};
  bool sigstore = strcmp(type, "sigstoreSigned") == 0;
  int given = 0;
  for (size_t i = 0; sources[i]; i++)
    given += json_object_get(req, sources[i]) != NULL;
  if (given != 1)
    return fail_at(p, w, err, "%s: give exactly one of keyPath, keyPaths and keyData%s", type,
                   sigstore ? " (or keyDatas, fulcio, pki)" : "");
  json_t *path = json_object_get(req, "keyPath"), *data = json_object_get(req, "keyData");
  json_t *list = json_object_get(req, "keyPaths");
  if (list == NULL)
    list = json_object_get(req, "keyDatas");
  bool ok = path ? json_string_length(path) > 0 : data ? json_string_length(data) > 0 : true;
  if (list) {
    ok = json_is_array(list) && json_array_size(list) > 0;
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item) ok = ok && json_string_length(item) > 0;
  }
  if (!ok)
    return fail_at(p, w, err,
                   "%s: keyPath is a file name, keyPaths a list of them, keyData a "
                   "base64 string%s",
                   type, sigstore ? ", keyDatas a list of them" : "");
  return 0;
}

static int check_signed_by(const sc_policy *p, const json_where *w, json_t *req, sc_error *err)
{
  static const char *const allowed[] = {"type",    "keyType",        "keyPath", "keyPaths",
                                        "keyData", "signedIdentity", NULL};
  if (only_keys(p, w, req, "signedBy", allowed, err) < 0)
    return -1;
  if (!json_is_string(json_object_get(req, "keyType")))
    return fail_at(p, w, err, "signedBy: keyType (GPGKeys) is missing");
  if (check_keys(p, w, req, "signedBy", err) < 0)
    return -1;
  json_t *id = json_object_get(req, "signedIdentity");
  json_where at = where_push(*w, SC_JSONPOS_KEY("signedIdentity"));
  return id ? check_identity(p, &at, id, err) : 0;
}

/* containers-policy.json(5) sigstoreSigned: its fields are checked as
 * strictly as signedBy's; the Fulcio, Rekor and PKI ones are accepted
 * here and refused when they apply (sc-build verifies keys only). */
static int check_sigstore_signed(const sc_policy *p, const json_where *w, json_t *req,
                                 sc_error *err)
{
  static const char *const allowed[] = {"type",
                                        "keyPath",
                                        "keyPaths",
                                        "keyData",
                                        "keyDatas",
                                        "fulcio",
                                        "pki",
                                        "rekorPublicKeyPath",
                                        "rekorPublicKeyPaths",
                                        "rekorPublicKeyData",
                                        "rekorPublicKeyDatas",
                                        "signedIdentity",
                                        NULL};
  if (only_keys(p, w, req, "sigstoreSigned", allowed, err) < 0 ||
      check_keys(p, w, req, "sigstoreSigned", err) < 0)
    return -1;
  json_t *id = json_object_get(req, "signedIdentity");
  json_where at = where_push(*w, SC_JSONPOS_KEY("signedIdentity"));
  return id ? check_identity(p, &at, id, err) : 0;
}

/* containers-policy.json(5) signedBaseLayer: baseLayerIdentity, an
 * identity rule as signedIdentity's, is required.  It parses, and is
 * refused when it applies (policy.h): containers/image has never
 * implemented it either (its prSignedBaseLayer rejects every image). */
static int check_signed_base_layer(const sc_policy *p, const json_where *w, json_t *req,
                                   sc_error *err)
{
  static const char *const allowed[] = {"type", "baseLayerIdentity", NULL};
  if (only_keys(p, w, req, "signedBaseLayer", allowed, err) < 0)
    return -1;
  json_t *id = json_object_get(req, "baseLayerIdentity");
  if (id == NULL)
    return fail_at(p, w, err, "signedBaseLayer: baseLayerIdentity is missing");
  json_where at = where_push(*w, SC_JSONPOS_KEY("baseLayerIdentity"));
  return check_identity(p, &at, id, err);
}

static int check_requirement(const sc_policy *p, const json_where *w, json_t *req, sc_error *err)
{
  const char *type = json_string_value(json_object_get(req, "type"));
  if (!json_is_object(req) || type == NULL)
    return fail_at(p, w, err, "a requirement is an object with a \"type\"");
  static const char *const bare[] = {"type", NULL};
  if (strcmp(type, "insecureAcceptAnything") == 0 || strcmp(type, "reject") == 0)
    return only_keys(p, w, req, type, bare, err);
  if (strcmp(type, "signedBy") == 0)
    return check_signed_by(p, w, req, err);
  if (strcmp(type, "sigstoreSigned") == 0)
    return check_sigstore_signed(p, w, req, err);
  if (strcmp(type, "signedBaseLayer") == 0)
    return check_signed_base_layer(p, w, req, err);
  return fail_at(p, w, err,
                 "unknown requirement type \"%.100s\" (insecureAcceptAnything, reject, "
                 "signedBy, sigstoreSigned, signedBaseLayer)",
                 type);
}

static int check_list(const sc_policy *p, const json_where *w, json_t *list, sc_error *err)
{
  if (!json_is_array(list) || json_array_size(list) == 0)
    return fail_at(p, w, err, "a non-empty list of requirements is needed");
  size_t i;
  json_t *req;
  json_array_foreach(list, i, req)
  {
    json_where at = where_push(*w, SC_JSONPOS_INDEX(i));
    if (check_requirement(p, &at, req, err) < 0)
      return -1;
  }
  return 0;
}

static int check_transports(const sc_policy *p, json_t *transports, sc_error *err)
{
  json_where w = where_push((json_where){0}, SC_JSONPOS_KEY("transports"));
  if (!json_is_object(transports))
    return fail_at(p, &w, err, "transports: an object of transport names is needed");
  const char *name, *scope;
  json_t *scopes, *list;
  json_object_foreach(transports, name, scopes)
  {
    json_where tw = where_push(w, SC_JSONPOS_KEY(name));
    if (!json_is_object(scopes))
      return fail_at(p, &tw, err, "transports.%.100s: an object of scopes is needed", name);
    json_object_foreach(scopes, scope, list)
    {
      json_where sw = where_push(tw, SC_JSONPOS_KEY(scope));
      if (check_list(p, &sw, list, err) < 0)
        return -1;
    }
  }
  return 0;
}

int sc_policy_parse(const char *file, const char *data, size_t len, sc_policy **out, sc_error *err)
{
  *out = NULL;
  json_error_t jerr;
  json_t *doc = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
  if (doc == NULL)
    return sc_error_set_at(err, SC_E_INVALID, file, jerr.line, jerr.column, "not JSON: %s",
                           jerr.text);
  sc_policy *p = xcalloc(1, sizeof *p);
  p->file = xstrdup(file);
  p->text = xmalloc(len + 1); /* not xstrndup: the bytes may hold a NUL */
  memcpy(p->text, data, len);
  p->text[len] = '\0';
  p->len = len;
  p->doc = doc;
  static const char *const top[] = {"default", "transports", NULL};
  json_where root = {0}, def = where_push(root, SC_JSONPOS_KEY("default"));
  int rc = json_is_object(doc) ? 0 : fail_at(p, &root, err, "a policy is a JSON object");
  if (rc == 0)
    rc = only_keys(p, &root, doc, "policy", top, err);
  if (rc == 0 && json_object_get(doc, "default") == NULL)
    rc = fail_at(p, &root, err,
                 "\"default\" is missing: give the requirements for images no "
                 "scope names, e.g. [{\"type\": \"reject\"}]");
  if (rc == 0)
    rc = check_list(p, &def, json_object_get(doc, "default"), err);
  if (rc == 0 && json_object_get(doc, "transports"))
    rc = check_transports(p, json_object_get(doc, "transports"), err);
  if (rc < 0)
    sc_policy_free(p);
  else
    *out = p;
  return rc;
}

static int load_file(const char *path, sc_policy **out, sc_error *err)
{
  _cleanup_free_ char *data = NULL;
  size_t len = 0;
  if (sc_read_file_at_max(AT_FDCWD, path, SC_JSON_DOCUMENT_MAX, &data, &len, err) < 0)
    return sc_error_prefix(err, "policy");
  return sc_policy_parse(path, data, len, out, err);
}

int sc_policy_load(const char *path, sc_policy **out, sc_error *err)
{
  *out = NULL;
  if (path)
    return load_file(path, out, err);
  if (access(SC_POLICY_SYSTEM, F_OK) == 0)
    return load_file(SC_POLICY_SYSTEM, out, err);
  return sc_error_set(err, ENOENT,
                      "no signature policy: neither $HOME/.config/containers/policy.json "
                      "nor " SC_POLICY_SYSTEM " exists; install one (Debian's "
                      "containers-common ships it) or name one with --policy FILE "
                      "(containers-policy.json(5)), as skopeo needs one");
}

/* ---- applying it ---- */

/* The requirements for an image: the most specific docker scope, then
 * transports.docker[""], then default; *label names it for messages. */
static json_t *requirements_for(const sc_policy *p, const sc_policy_image *img, char **label)
{
  json_t *docker = json_object_get(json_object_get(p->doc, "transports"), "docker");
  _cleanup_strv_ char **scopes =
      sc_docker_scopes(img->host, img->repository, img->tag, img->digest);
  for (char **s = scopes; *s; s++)
    if (json_object_get(docker, *s)) {
      *label = xasprintf("transports.docker[\"%s\"]", *s);
      return json_object_get(docker, *s);
    }
  if (json_object_get(docker, "")) {
    *label = xstrdup("transports.docker[\"\"]");
    return json_object_get(docker, "");
  }
  *label = xstrdup("default");
  return json_object_get(p->doc, "default");
}

/* The first of the image's requirements that needs its signatures (any
 * but insecureAcceptAnything and reject), its index in *at, or NULL. */
static json_t *first_needing_signatures(const sc_policy *p, const sc_policy_image *image,
                                        char **label, size_t *at)
{
  json_t *list = requirements_for(p, image, label);
  size_t i;
  json_t *req;
  json_array_foreach(list, i, req)
  {
    const char *type = json_string_value(json_object_get(req, "type"));
    if (strcmp(type, "insecureAcceptAnything") != 0 && strcmp(type, "reject") != 0) {
      *at = i;
      return req;
    }
  }
  return NULL;
}

bool sc_policy_needs_signatures(const sc_policy *p, const sc_policy_image *image)
{
  _cleanup_free_ char *label = NULL;
  size_t at = 0;
  return first_needing_signatures(p, image, &label, &at) != NULL;
}

bool sc_policy_needs_simple_signatures(const sc_policy *p, const sc_policy_image *image)
{
  _cleanup_free_ char *label = NULL;
  json_t *list = requirements_for(p, image, &label);
  size_t i;
  json_t *req;
  json_array_foreach(list, i, req)
  {
    if (strcmp(json_string_value(json_object_get(req, "type")), "signedBy") == 0)
      return true;
  }
  return false;
}

static char *image_full(const sc_policy_image *img)
{
  return img->digest ? xasprintf("%s/%s@%s", img->host, img->repository, img->digest)
                     : xasprintf("%s/%s:%s", img->host, img->repository, img->tag);
}

/* matchRepoDigestOrExact of an image (name, full, by digest) and a signed name. */
static bool repo_digest_or_exact(const docker_name *image, bool by_digest, const docker_name *sig)
{
  if (by_digest)
    return strcmp(image->name, sig->name) == 0;
  return !sig->name_only && strcmp(image->full, sig->full) == 0;
}

/* remapIdentity: the image's reference with prefix replaced by
 * signedPrefix (at a component boundary), else as it is. */
static char *remapped(const char *full, const char *prefix, const char *signed_prefix)
{
  size_t n = strlen(prefix);
  if (strncmp(full, prefix, n) == 0 && strchr("/:@", full[n]) && full[n] != '\0')
    return xasprintf("%s%s", signed_prefix, full + n);
  return xstrdup(full);
}

static bool identity_matches(json_t *id, const sc_policy_image *img, const docker_name *sig)
{
  const char *type = id ? json_string_value(json_object_get(id, "type")) : "matchRepoDigestOrExact";
  docker_name image = {.name = xasprintf("%s/%s", img->host, img->repository),
                       .full = image_full(img)};
  docker_name want = {0};
  bool ok = false;
  if (strcmp(type, "matchRepoDigestOrExact") == 0) {
    ok = repo_digest_or_exact(&image, img->digest != NULL, sig);
  } else if (strcmp(type, "matchExact") == 0) {
    ok = !sig->name_only && strcmp(image.full, sig->full) == 0;
  } else if (strcmp(type, "matchRepository") == 0) {
    ok = strcmp(image.name, sig->name) == 0;
  } else if (strcmp(type, "exactReference") == 0) {
    ok = docker_name_parse(json_string_value(json_object_get(id, "dockerReference")), &want) &&
         !sig->name_only && strcmp(want.full, sig->full) == 0;
  } else if (strcmp(type, "exactRepository") == 0) {
    ok = docker_name_parse(json_string_value(json_object_get(id, "dockerRepository")), &want) &&
         strcmp(want.name, sig->name) == 0;
  } else if (strcmp(type, "remapIdentity") == 0) {
    _cleanup_free_ char *text =
        remapped(image.full, json_string_value(json_object_get(id, "prefix")),
                 json_string_value(json_object_get(id, "signedPrefix")));
    ok = docker_name_parse(text, &want) && repo_digest_or_exact(&want, img->digest != NULL, sig);
  }
  docker_name_clear(&image);
  docker_name_clear(&want);
  return ok;
}

#define KEY_FILE_MAX (1 << 20)

/* The keys of a signedBy requirement, and how to name them. */
typedef struct key_set {
  sc_signature_key *keys;
  char **data; /* owned bytes behind keys */
  size_t count;
} key_set;

static void key_set_clear(key_set *k)
{
  for (size_t i = 0; i < k->count; i++)
    free(k->data[i]);
  free(k->data);
  free(k->keys);
  memset(k, 0, sizeof *k);
}

static void key_set_add(key_set *k, char *data, size_t len)
{
  k->keys = xrealloc(k->keys, (k->count + 1) * sizeof *k->keys);
  k->data = xrealloc(k->data, (k->count + 1) * sizeof *k->data);
  k->data[k->count] = data;
  k->keys[k->count++] = (sc_signature_key){.data = data, .len = len};
}

static int key_file(key_set *k, const char *path, sc_error *err)
{
  char *data = NULL;
  size_t len = 0;
  if (sc_read_file_at_max(AT_FDCWD, path, KEY_FILE_MAX, &data, &len, err) < 0)
    return sc_error_prefix(err, "key");
  key_set_add(k, data, len);
  return 0;
}

/* "keyPath FILE", "keyPaths FILE, FILE", "keyData": the keys, for messages. */
static char *key_description(json_t *req)
{
  json_t *path = json_object_get(req, "keyPath"), *paths = json_object_get(req, "keyPaths");
  if (path)
    return xasprintf("keyPath %s", json_string_value(path));
  if (paths == NULL)
    return xstrdup(json_object_get(req, "keyDatas") ? "keyDatas" : "keyData");
  sc_buf names = SC_BUF_INIT;
  sc_buf_puts(&names, "keyPaths ");
  size_t i;
  json_t *item;
  json_array_foreach(paths, i, item)
      sc_buf_printf(&names, "%s%s", i ? ", " : "", json_string_value(item));
  return sc_buf_steal(&names);
}

static int load_keys(json_t *req, key_set *k, sc_error *err)
{
  json_t *path = json_object_get(req, "keyPath"), *paths = json_object_get(req, "keyPaths"),
         *data = json_object_get(req, "keyData");
  if (path)
    return key_file(k, json_string_value(path), err);
  if (paths) {
    size_t i;
    json_t *item;
    json_array_foreach(paths, i, item)
    {
      if (key_file(k, json_string_value(item), err) < 0)
        return -1;
    }
    return 0;
  }
  json_t *datas = json_object_get(req, "keyDatas");
  size_t n = data ? 1 : json_array_size(datas);
  for (size_t i = 0; i < n; i++) {
    json_t *item = data ? data : json_array_get(datas, i);
    unsigned char *raw = NULL;
    size_t len = 0;
    if (sc_base64_decode(json_string_value(item), json_string_length(item), &raw, &len) < 0)
      return sc_error_set(err, SC_E_INVALID, "%s is not base64", data ? "keyData" : "keyDatas");
    key_set_add(k, (char *)raw, len);
  }
  return 0;
}

/* Whether a verified payload signs this manifest for an identity the
 * requirement accepts; *why says why not. */
static bool payload_accepted(json_t *req, const sc_policy_image *img,
                             const sc_signature_payload *payload, const char *source, char **why)
{
  docker_name sig = {0};
  bool ok = false;
  if (strcmp(payload->docker_manifest_digest, img->manifest_digest) != 0)
    *why = xasprintf("%s: signs manifest %.80s, not %s", source, payload->docker_manifest_digest,
                     img->manifest_digest);
  else if (!docker_name_parse(payload->docker_reference, &sig) ||
           !identity_matches(json_object_get(req, "signedIdentity"), img, &sig))
    *why = xasprintf("%s: signs identity \"%.200s\", which signedIdentity does not accept", source,
                     payload->docker_reference);
  else
    ok = true;
  docker_name_clear(&sig);
  return ok;
}

/* Whether one signature is by one of the keys, of this manifest, for an
 * identity the requirement accepts; *why says why not. */
static bool signature_accepted(void *verifier, json_t *req, const sc_policy_image *img,
                               const sc_policy_signature *s, char **why)
{
  sc_signature_verifier *v = verifier;
  sc_signature_payload payload;
  _cleanup_free_ char *signer = NULL;
  sc_error err = SC_ERROR_INIT;
  bool ok = false;
  if (sc_signature_verify(v, s->data, s->len, &payload, &signer, &err) < 0) {
    *why = xasprintf("%s: %s", s->source, err.msg);
    sc_error_clear(&err);
    return false;
  }
  ok = payload_accepted(req, img, &payload, s->source, why);
  sc_signature_payload_clear(&payload);
  return ok;
}

/* Whether one signature of the requirement's kind is accepted (by a
 * verifier of that kind); *why says why not. */
typedef bool (*accept_fn)(void *verifier, json_t *req, const sc_policy_image *img,
                          const sc_policy_signature *s, char **why);

/* 0 when one signature of the kind (sigstore or not) is accepted, else
 * -1 saying why each was refused. */
static int any_accepted(accept_fn accept, void *verifier, bool sigstore, json_t *req,
                        const sc_policy_image *img, const sc_policy_signature *sigs, size_t count,
                        sc_error *err)
{
  sc_buf reasons = SC_BUF_INIT;
  bool accepted = false;
  for (size_t i = 0; i < count && !accepted; i++) {
    _cleanup_free_ char *why = NULL;
    if (sigs[i].sigstore != sigstore)
      continue;
    accepted = accept(verifier, req, img, &sigs[i], &why);
    if (!accepted)
      sc_buf_printf(&reasons, "; %s", why);
  }
  _cleanup_free_ char *text = sc_buf_steal(&reasons);
  if (accepted)
    return 0;
  return sc_error_set(err, SC_E_CHECK,
                      "no %ssignature is accepted%s; trust the image only once its publisher "
                      "says which key signed it (then name that key in the policy) or signs it "
                      "again",
                      sigstore ? "sigstore " : "", text);
}

static int check_signed(json_t *req, const sc_policy_image *img, const sc_policy_signature *sigs,
                        size_t count, const char *looked_in, const char *tmpdir, char **keys,
                        sc_error *err)
{
  const char *key_type = json_string_value(json_object_get(req, "keyType"));
  if (strcmp(key_type, "GPGKeys") != 0)
    return sc_error_set(err, SC_E_INVALID, "keyType %.100s is not supported (only GPGKeys)",
                        key_type);
  *keys = key_description(req);
  size_t simple = 0;
  for (size_t i = 0; i < count; i++)
    simple += !sigs[i].sigstore;
  if (simple == 0) /* before the keys: no keyring is made for nothing */
    return sc_error_set(err, SC_E_CHECK,
                        "no signature found (looked in %s); its publisher signs it when pushing "
                        "(sc-build push --sign-by, skopeo copy --sign-by), and registries.d must "
                        "name the lookaside the signatures went to",
                        looked_in);
  key_set k = {0};
  sc_signature_verifier *v = NULL;
  int rc = load_keys(req, &k, err);
  if (rc == 0)
    rc = sc_signature_verifier_new(k.keys, k.count, tmpdir, &v, err);
  key_set_clear(&k);
  if (rc < 0)
    return -1;
  rc = any_accepted(signature_accepted, v, false, req, img, sigs, count, err);
  sc_signature_verifier_free(v);
  return rc;
}

/* One sigstore attachment: a signature layer, by one of the keys, of
 * this manifest, for an identity the requirement accepts. */
static bool sigstore_accepted(void *verifier, json_t *req, const sc_policy_image *img,
                              const sc_policy_signature *s, char **why)
{
  const sc_sigstore_verifier *v = verifier;
  if (strcmp(s->media_type ? s->media_type : "", SC_SIGSTORE_MEDIA_TYPE) != 0) {
    *why = xasprintf("%s: not a signature (media type %.100s)", s->source,
                     s->media_type ? s->media_type : "none");
    return false;
  }
  sc_signature_payload payload;
  sc_error err = SC_ERROR_INIT;
  if (sc_sigstore_verify(v, s->data, s->len, s->sigstore_signature, &payload, &err) < 0) {
    *why = xasprintf("%s: %s", s->source, err.msg);
    sc_error_clear(&err);
    return false;
  }
  bool ok = payload_accepted(req, img, &payload, s->source, why);
  sc_signature_payload_clear(&payload);
  return ok;
}

static int check_sigstore(json_t *req, const sc_policy_image *img, const sc_policy_signature *sigs,
                          size_t count, const char *looked_in, char **keys, sc_error *err)
{
  static const char *const unchecked[] = {"fulcio",
                                          "pki",
                                          "rekorPublicKeyPath",
                                          "rekorPublicKeyPaths",
                                          "rekorPublicKeyData",
                                          "rekorPublicKeyDatas",
                                          NULL};
  for (size_t i = 0; unchecked[i]; i++)
    if (json_object_get(req, unchecked[i]))
      return sc_error_set(err, SC_E_INVALID,
                          "sc-build does not check %s (only sigstore signatures by keyPath, "
                          "keyPaths, keyData or keyDatas)",
                          unchecked[i]);
  *keys = key_description(req);
  size_t found = 0;
  for (size_t i = 0; i < count; i++)
    found += sigs[i].sigstore;
  if (found == 0)
    return sc_error_set(err, SC_E_CHECK,
                        "no sigstore signature found (looked in %s); its publisher signs it when "
                        "pushing (sc-build push --sign-by-sigstore-private-key), and registries.d "
                        "must set use-sigstore-attachments: true for its registry",
                        looked_in);
  key_set k = {0};
  sc_sigstore_verifier *v = NULL;
  int rc = load_keys(req, &k, err);
  if (rc == 0)
    rc = sc_sigstore_verifier_new(k.keys, k.count, &v, err);
  key_set_clear(&k);
  if (rc < 0)
    return -1;
  rc = any_accepted(sigstore_accepted, v, true, req, img, sigs, count, err);
  sc_sigstore_verifier_free(v);
  return rc;
}

/* The refusal's context before err: the image, the policy file, the
 * scope, requirement i (0-based) and its keys. */
static int refused(const sc_policy *p, const sc_policy_image *image, const char *label, size_t i,
                   const char *type, const char *keys, sc_error *err)
{
  _cleanup_free_ char *ref = image_full(image);
  return sc_error_prefix(err,
                         "docker://%s (manifest %s) refused by %s, scope %s, requirement "
                         "%zu (%s%s%s)",
                         ref, image->manifest_digest, p->file, label, i + 1, type, keys ? ", " : "",
                         keys ? keys : "");
}

int sc_policy_check(const sc_policy *p, const sc_policy_image *image,
                    const sc_policy_signature *signatures, size_t count,
                    const sc_policy_sources *where, const char *tmpdir, sc_error *err)
{
  _cleanup_free_ char *label = NULL;
  json_t *list = requirements_for(p, image, &label);
  size_t i;
  json_t *req;
  json_array_foreach(list, i, req)
  {
    const char *type = json_string_value(json_object_get(req, "type"));
    _cleanup_free_ char *keys = NULL;
    int rc = 0;
    if (strcmp(type, "reject") == 0)
      rc = sc_error_set(err, SC_E_CHECK,
                        "the policy rejects the image (to accept it, give its scope another "
                        "requirement in the policy)");
    else if (strcmp(type, "signedBy") == 0)
      rc = check_signed(req, image, signatures, count,
                        where && where->lookaside ? where->lookaside : "nowhere", tmpdir, &keys,
                        err);
    else if (strcmp(type, "sigstoreSigned") == 0)
      rc = check_sigstore(req, image, signatures, count,
                          where && where->attachments ? where->attachments : "nowhere", &keys, err);
    else if (strcmp(type, "signedBaseLayer") == 0)
      rc = sc_error_set(err, SC_E_CHECK,
                        "signedBaseLayer is not implemented, by sc-build nor by "
                        "containers/image (skopeo and podman refuse every image it applies to "
                        "too): require signedBy or sigstoreSigned for this scope instead");
    else if (strcmp(type, "insecureAcceptAnything") != 0)
      rc = sc_error_set(err, SC_E_INVALID, "sc-build does not check %s requirements", type);
    if (rc < 0)
      return refused(p, image, label, i, type, keys, err);
  }
  return 0;
}

int sc_policy_refuse_unreadable(const sc_policy *p, const sc_policy_image *image, sc_error *err)
{
  _cleanup_free_ char *label = NULL;
  size_t at = 0;
  json_t *req = first_needing_signatures(p, image, &label, &at);
  if (req) {
    _cleanup_free_ char *keys = key_description(req);
    sc_error_prefix(err, "its signatures cannot be read");
    return refused(p, image, label, at, json_string_value(json_object_get(req, "type")), keys, err);
  }
  return sc_error_prefix(err, "reading the signatures of %s/%s", image->host, image->repository);
}
