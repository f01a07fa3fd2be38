/* registry-auth.c: registry credentials, auth files, WWW-Authenticate
 * challenges and token answers (see registry-auth.h). */
#include "registry-auth.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <curl/curl.h>
#include <jansson.h>
#include <openssl/evp.h>

#include "base64.h"
#include "process.h"
#include "util.h"

static void free_secret(char *s)
{
  if (s == NULL)
    return;
  explicit_bzero(s, strlen(s));
  free(s);
}

void sc_registry_creds_clear(sc_registry_creds *creds)
{
  free(creds->username);
  free_secret(creds->password);
  free(creds->source);
  free_secret(creds->identity_token);
  creds->username = creds->password = creds->source = creds->identity_token = NULL;
}

int sc_registry_creds_parse(const char *text, sc_registry_creds *out, bool *has_password,
                            sc_error *err)
{
  const char *colon = strchr(text, ':');
  size_t user_len = colon ? (size_t)(colon - text) : strlen(text);
  if (user_len == 0)
    return sc_error_set(err, SC_E_USAGE, "--creds needs a user name: USER[:PASSWORD]");
  out->username = xstrndup(text, user_len);
  out->password = xstrdup(colon ? colon + 1 : "");
  out->source = xstrdup("--creds");
  *has_password = colon != NULL;
  return 0;
}

/* base64(user:pass) as docker config.json stores it; never echoed. */
static int decode_auth_field(const char *b64, sc_registry_creds *out, const char *path,
                             sc_error *err)
{
  size_t len = strlen(b64), n = 0;
  _cleanup_free_ unsigned char *raw = NULL;
  if (len > 8192 || sc_base64_decode(b64, len, &raw, &n) < 0)
    return sc_error_set(err, SC_E_INVALID, "%s: malformed \"auth\" value (not base64)", path);
  char *colon = memchr(raw, ':', (size_t)n);
  if (colon == NULL || colon == (char *)raw || memchr(raw, '\0', (size_t)n) != NULL) {
    explicit_bzero(raw, (size_t)n);
    return sc_error_set(err, SC_E_INVALID, "%s: \"auth\" value is not base64(user:password)", path);
  }
  out->username = xstrndup((char *)raw, (size_t)(colon - (char *)raw));
  out->password = xstrdup(colon + 1);
  explicit_bzero(raw, (size_t)n);
  return 0;
}

/* docker.io's registry goes by other names in old auth files:
 * "https://index.docker.io/v1/" is what `docker login` still writes. */
static bool same_registry(const char *a, size_t a_len, const char *b)
{
  static const char *const docker_io[] = {"docker.io", "index.docker.io", "registry-1.docker.io"};
  if (strlen(b) == a_len && strncmp(a, b, a_len) == 0)
    return true;
  bool a_docker = false, b_docker = false;
  for (size_t i = 0; i < 3; i++) {
    a_docker |= strlen(docker_io[i]) == a_len && strncmp(a, docker_io[i], a_len) == 0;
    b_docker |= strcmp(b, docker_io[i]) == 0;
  }
  return a_docker && b_docker;
}

/* The "auths" entry for host and repository, as containers-auth.json(5)
 * looks it up: the most specific key first ("HOST/NS/REPO", "HOST/NS",
 * then "HOST[:PORT]"), then a key as docker once wrote it,
 * "https://HOST[:PORT]" with a path, which names the whole registry. */
static json_t *find_auth_entry(json_t *auths, const char *host, const char *repository)
{
  if (repository) {
    _cleanup_free_ char *key = xasprintf("%s/%s", host, repository);
    for (char *slash; (slash = strrchr(key, '/')) != NULL && slash > key + strlen(host) - 1;) {
      json_t *entry = json_object_get(auths, key);
      if (entry)
        return entry;
      *slash = '\0';
    }
  }
  json_t *entry = json_object_get(auths, host);
  if (entry)
    return entry;
  const char *key;
  json_t *value;
  json_object_foreach(auths, key, value)
  {
    const char *k = key;
    if (sc_str_has_prefix(k, "https://"))
      k += 8;
    else if (sc_str_has_prefix(k, "http://"))
      k += 7;
    else if (strchr(k, '/') != NULL)
      continue; /* a repository's key, not this one */
    if (same_registry(k, strcspn(k, "/"), host))
      return value;
  }
  return NULL;
}

static int read_auth_file(const char *path, json_t **out, sc_error *err)
{
  _cleanup_free_ char *data = NULL;
  size_t len = 0;
  if (sc_read_file_at(AT_FDCWD, path, &data, &len, err) < 0)
    return -1;
  if (len > SC_JSON_DOCUMENT_MAX) /* a small JSON document */
    return sc_error_set(err, SC_E_INVALID, "%s: auth file too large", path);
  json_error_t jerr;
  *out = json_loadb(data, len, 0, &jerr);
  if (*out == NULL || !json_is_object(*out)) {
    json_decref(*out);
    *out = NULL;
    return sc_error_set_at(err, SC_E_INVALID, path, jerr.line, jerr.column, "not a JSON object: %s",
                           jerr.text);
  }
  return 0;
}

/* docker-credential-helpers' protocol: `docker-credential-NAME get` reads
 * the server URL on stdin and answers {"Username":..,"Secret":..}. */
#define CRED_HELPER_OUTPUT_MAX (64 * 1024)
#define CRED_HELPER_TIMEOUT_MS 30000

static bool valid_helper_name(const char *name)
{
  if (name[0] == '\0')
    return false;
  for (const char *p = name; *p; p++)
    if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '.')
      return false;
  return true;
}

/* The URL docker hands the helper: docker.io goes by its legacy key. */
static const char *helper_server_url(const char *host)
{
  if (strcmp(host, "docker.io") == 0 || strcmp(host, "registry-1.docker.io") == 0)
    return "https://index.docker.io/v1/";
  return host;
}

static int parse_helper_answer(const char *program, const char *text, size_t len,
                               sc_registry_creds *out, sc_error *err)
{
  json_t *doc = json_loadb(text, len, 0, NULL);
  const char *user = json_string_value(json_object_get(doc, "Username"));
  const char *secret = json_string_value(json_object_get(doc, "Secret"));
  int rc = 0;
  if (user == NULL || secret == NULL)
    rc = sc_error_set(err, SC_E_INVALID,
                      "%s get: answer is not {\"Username\":..,\"Secret\":..}; check the helper",
                      program);
  else if (strcmp(user, "<token>") == 0) { /* the protocol's identity token */
    out->username = xstrdup("");
    out->password = xstrdup("");
    out->identity_token = xstrdup(secret);
  } else {
    out->username = xstrdup(user);
    out->password = xstrdup(secret);
  }
  if (doc)
    json_decref(doc);
  return rc;
}

static size_t first_line_len(const char *text, size_t max)
{
  size_t n = strcspn(text, "\r\n");
  return n < max ? n : max;
}

/* 1 with credentials, 0 when the helper has none for host, -1 on error. */
static int creds_from_helper(const char *helper, const char *host, const char *path,
                             sc_registry_creds *out, sc_error *err)
{
  if (!valid_helper_name(helper))
    return sc_error_set(err, SC_E_INVALID, "%s: credential helper name \"%s\" is not a plain name",
                        path, helper);
  _cleanup_free_ char *program = xasprintf("docker-credential-%s", helper);
  char *argv[] = {program, "get", NULL};
  const char *url = helper_server_url(host);
  sc_spawn_result res = {0};
  if (sc_spawn_filter(argv, url, strlen(url), CRED_HELPER_OUTPUT_MAX, CRED_HELPER_TIMEOUT_MS, &res,
                      err) < 0)
    return sc_error_prefix(err, "%s: credential helper", path);
  int rc;
  if (res.exit_status != 0 && strstr(res.output, "credentials not found") != NULL)
    rc = 0; /* the protocol's "nothing stored for this server" */
  else if (res.exit_status != 0)
    rc = sc_error_set(err, SC_E_INVALID,
                      "%s (named in %s) failed for %s with exit status %d: %.*s; run it by hand "
                      "or remove it from that file",
                      program, path, url, res.exit_status, (int)first_line_len(res.output, 200),
                      res.output);
  else
    rc = parse_helper_answer(program, res.output, res.output_len, out, err) < 0 ? -1 : 1;
  if (rc == 1)
    out->source = xasprintf("%s (%s)", program, path);
  explicit_bzero(res.output, res.output_len);
  sc_spawn_result_clear(&res);
  return rc;
}

int sc_auth_file_lookup(const char *path, const char *host, sc_registry_creds *out, sc_error *err)
{
  return sc_auth_file_lookup_for(path, host, NULL, out, err);
}

static bool is_legacy_dockercfg(const char *path)
{
  const char *base = strrchr(path, '/');
  return strcmp(base ? base + 1 : path, ".dockercfg") == 0;
}

int sc_auth_file_lookup_for(const char *path, const char *host, const char *repository,
                            sc_registry_creds *out, sc_error *err)
{
  if (access(path, F_OK) != 0)
    return 0;
  json_t *doc = NULL;
  if (read_auth_file(path, &doc, err) < 0)
    return -1;
  /* docker's order: a host's credHelpers entry, then its "auth", then
   * credsStore (docker leaves an empty "auths" entry for those). */
  const char *helper =
      json_string_value(json_object_get(json_object_get(doc, "credHelpers"), host));
  const char *store = json_string_value(json_object_get(doc, "credsStore"));
  /* The legacy ~/.dockercfg (docker before 1.7) is the "auths" map itself,
   * with no wrapper; containers-auth.json(5) reads it last. */
  json_t *auths = json_object_get(doc, "auths");
  if (auths == NULL && is_legacy_dockercfg(path))
    auths = doc;
  json_t *entry = find_auth_entry(auths, host, repository);
  const char *auth = json_string_value(json_object_get(entry, "auth"));
  const char *token = json_string_value(json_object_get(entry, "identitytoken"));
  int rc = 0;
  if (helper)
    rc = creds_from_helper(helper, host, path, out, err);
  else if ((auth && auth[0] != '\0') || (token && token[0] != '\0')) {
    if (auth && auth[0] != '\0')
      rc = decode_auth_field(auth, out, path, err) < 0 ? -1 : 1;
    else {
      out->username = xstrdup("");
      out->password = xstrdup("");
      rc = 1;
    }
    if (rc == 1) {
      out->source = xstrdup(path);
      if (token && token[0] != '\0')
        out->identity_token = xstrdup(token);
    }
  } else if (store)
    rc = creds_from_helper(store, host, path, out, err);
  json_decref(doc);
  return rc;
}

/* dir/suffix (suffix NULL: dir itself), or NULL when dir is unset or empty. */
static char *under(const char *dir, const char *suffix)
{
  if (dir == NULL || dir[0] == '\0')
    return NULL;
  return suffix ? sc_path_join(dir, suffix) : xstrdup(dir);
}

/* containers-auth.json(5): $XDG_RUNTIME_DIR/containers/auth.json, or
 * /run/containers/$UID/auth.json when XDG_RUNTIME_DIR is unset (as in
 * most CI containers), which is podman's fallback too. */
static char *runtime_auth_path(const sc_auth_env *env)
{
  char *path = under(env->xdg_runtime_dir, "containers/auth.json");
  return path ? path : xasprintf("/run/containers/%u/auth.json", (unsigned)env->uid);
}

static void push_owned(char ***v, char *path)
{
  if (path)
    sc_strv_push(v, path);
  free(path);
}

char **sc_auth_files(const sc_auth_env *env, const char *authfile)
{
  char **paths = NULL;
  if (authfile) { /* --authfile: that file alone, as podman and skopeo read it */
    sc_strv_push(&paths, authfile);
    return paths;
  }
  push_owned(&paths, under(env->registry_auth_file, NULL));
  push_owned(&paths, runtime_auth_path(env));
  push_owned(&paths, env->xdg_config_home && env->xdg_config_home[0]
                         ? under(env->xdg_config_home, "containers/auth.json")
                         : under(env->home, ".config/containers/auth.json"));
  push_owned(&paths, env->docker_config ? under(env->docker_config, "config.json")
                                        : under(env->home, ".docker/config.json"));
  push_owned(&paths, under(env->home, ".dockercfg"));
  return paths;
}

int sc_registry_creds_find(const char *host, const char *repository, char *const *paths,
                           sc_registry_creds *out, sc_error *err)
{
  int rc = 0;
  for (size_t i = 0; paths && paths[i] && rc == 0; i++)
    rc = sc_auth_file_lookup_for(paths[i], host, repository, out, err);
  return rc;
}

char *sc_auth_file_default_path(const sc_auth_env *env)
{
  char *path = under(env->registry_auth_file, NULL);
  return path ? path : runtime_auth_path(env);
}

char *sc_basic_auth_value(const sc_registry_creds *creds)
{
  _cleanup_free_ char *plain = xasprintf("%s:%s", creds->username, creds->password);
  size_t len = strlen(plain);
  char *out = xmalloc(6 + (len + 2) / 3 * 4 + 1);
  memcpy(out, "Basic ", 6);
  EVP_EncodeBlock((unsigned char *)out + 6, (const unsigned char *)plain, (int)len);
  explicit_bzero(plain, len);
  return out;
}

static char *encode_auth_field(const sc_registry_creds *creds)
{
  char *value = sc_basic_auth_value(creds);
  memmove(value, value + 6, strlen(value + 6) + 1);
  return value;
}

int sc_auth_file_store(const char *path, const char *host, const sc_registry_creds *creds,
                       sc_error *err)
{
  json_t *doc = NULL;
  if (access(path, F_OK) == 0) {
    if (read_auth_file(path, &doc, err) < 0)
      return -1;
  } else {
    doc = json_object();
  }
  json_t *auths = json_object_get(doc, "auths");
  if (!json_is_object(auths)) {
    auths = json_object();
    json_object_set_new(doc, "auths", auths);
  }
  int rc = 0;
  if (creds) {
    char *field = encode_auth_field(creds);
    json_object_set_new(auths, host, json_pack("{s:s}", "auth", field));
    free_secret(field);
  } else if (json_object_del(auths, host) != 0) {
    rc = 1;
  }
  char *text = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS);
  json_decref(doc);
  _cleanup_free_ char *dir = sc_path_dirname(path);
  if (sc_mkdir_p_at(AT_FDCWD, dir, 0700, err) < 0 ||
      sc_write_file_at(AT_FDCWD, path, text, strlen(text), 0600, err) < 0)
    rc = -1;
  free_secret(text);
  return rc;
}

/* ---- WWW-Authenticate (RFC 7235 section 2.1: auth-param = token "=" ( token / quoted-string )) */

static const char *skip_space(const char *p)
{
  while (*p == ' ' || *p == '\t' || *p == ',')
    p++;
  return p;
}

static bool is_token_char(char c)
{
  return c != '\0' && (isalnum((unsigned char)c) || strchr("!#$%&'*+-.^_`|~/:", c) != NULL);
}

/* Read key=value at p into key/value (newly allocated); returns the end. */
static const char *parse_param(const char *p, char **key, char **value)
{
  const char *k = p;
  while (is_token_char(*p) && *p != '/' && *p != ':')
    p++;
  if (p == k || *p != '=')
    return NULL;
  *key = xstrndup(k, (size_t)(p - k));
  p++;
  sc_buf v = SC_BUF_INIT;
  sc_buf_puts(&v, "");
  if (*p == '"') {
    for (p++; *p && *p != '"'; p++) {
      if (*p == '\\' && p[1])
        p++;
      sc_buf_putc(&v, *p);
    }
    if (*p != '"') {
      sc_buf_free(&v);
      free(*key);
      *key = NULL;
      return NULL;
    }
    p++;
  } else {
    while (is_token_char(*p) || *p == '=')
      sc_buf_putc(&v, *p++);
  }
  *value = sc_buf_steal(&v);
  return p;
}

static void take_param(sc_auth_challenge *c, char *key, char *value)
{
  char **slot = NULL;
  if (strcasecmp(key, "realm") == 0)
    slot = &c->realm;
  else if (strcasecmp(key, "service") == 0)
    slot = &c->service;
  else if (strcasecmp(key, "scope") == 0)
    slot = &c->scope;
  else if (strcasecmp(key, "error") == 0)
    slot = &c->error;
  if (slot && *slot == NULL)
    *slot = steal_pointer(&value);
  free(value);
  free(key);
}

/* One challenge at p: its scheme (SC_AUTH_NONE when neither Basic nor
 * Bearer, *scheme_at and *scheme_len naming it) and, for those two, its
 * parameters in out; returns where the next challenge may start. */
static const char *parse_one_challenge(const char *p, sc_auth_challenge *out,
                                       const char **scheme_at, size_t *scheme_len)
{
  const char *scheme = p;
  while (is_token_char(*p))
    p++;
  *scheme_at = scheme;
  *scheme_len = (size_t)(p - scheme);
  if (*scheme_len == 5 && strncasecmp(scheme, "Basic", 5) == 0)
    out->scheme = SC_AUTH_BASIC;
  else if (*scheme_len == 6 && strncasecmp(scheme, "Bearer", 6) == 0)
    out->scheme = SC_AUTH_BEARER;
  else
    out->scheme = SC_AUTH_NONE;
  /* A token68 follows its scheme after spaces only, never after a comma. */
  const char *after = p;
  while (*after == ' ' || *after == '\t')
    after++;
  bool any = after == p || *after == ',';
  for (p = skip_space(p); *p; p = skip_space(p)) {
    char *key = NULL, *value = NULL;
    const char *next = parse_param(p, &key, &value);
    if (next == NULL) {
      /* The token68 of a scheme such as Negotiate, once; else the next
       * challenge (or garbage, which the caller skips). */
      if (any || out->scheme != SC_AUTH_NONE || p[0] == '\0')
        break;
      const char *t = p;
      while (is_token_char(*t) || *t == '=')
        t++;
      if (t == p || (*t != '\0' && *t != ',' && *t != ' ' && *t != '\t'))
        break;
      p = t;
      any = true;
      continue;
    }
    any = true;
    if (out->scheme != SC_AUTH_NONE)
      take_param(out, key, value);
    else {
      free(key);
      free(value);
    }
    p = next;
  }
  return p;
}

/* Every challenge of the header (repeated WWW-Authenticate headers come
 * joined by ", "): the first Basic or Bearer one is taken, as
 * containers/image takes it; the others are skipped. */
int sc_auth_challenge_parse(const char *header, sc_auth_challenge *out, sc_error *err)
{
  memset(out, 0, sizeof *out);
  const char *first = NULL;
  size_t first_len = 0;
  for (const char *p = skip_space(header); *p; p = skip_space(p)) {
    const char *scheme;
    size_t scheme_len;
    const char *next = parse_one_challenge(p, out, &scheme, &scheme_len);
    if (out->scheme != SC_AUTH_NONE)
      break;
    sc_auth_challenge_clear(out);
    if (first == NULL && scheme_len > 0) {
      first = scheme;
      first_len = scheme_len;
    }
    if (next == p) { /* nothing read: skip the character that stopped us */
      next = p + 1;
    }
    p = next;
    if (*p == '\0')
      break;
  }
  if (out->scheme == SC_AUTH_NONE)
    return sc_error_set(err, SC_E_INVALID, "unsupported authentication scheme '%.*s'",
                        (int)(first_len > 32 ? 32 : first_len), first ? first : "");
  if (out->scheme == SC_AUTH_BEARER && (out->realm == NULL || out->realm[0] == '\0')) {
    sc_auth_challenge_clear(out);
    return sc_error_set(err, SC_E_INVALID, "Bearer challenge without a realm");
  }
  return 0;
}

void sc_auth_challenge_clear(sc_auth_challenge *challenge)
{
  free(challenge->realm);
  free(challenge->service);
  free(challenge->scope);
  free(challenge->error);
  memset(challenge, 0, sizeof *challenge);
}

char *sc_auth_token_parse(const char *body, size_t len, sc_error *err)
{
  json_error_t jerr;
  _cleanup_(json_decrefp) json_t *doc = json_loadb(body, len, 0, &jerr);
  if (doc == NULL || !json_is_object(doc)) {
    sc_error_set(err, SC_E_INVALID, "token endpoint answered with no JSON object");
    return NULL;
  }
  const char *token = json_string_value(json_object_get(doc, "token"));
  if (token == NULL || token[0] == '\0')
    token = json_string_value(json_object_get(doc, "access_token"));
  /* The token goes into a header line: refuse what would break it. */
  if (token == NULL || token[0] == '\0' || strpbrk(token, "\r\n") != NULL ||
      strlen(token) > 65536) {
    sc_error_set(err, SC_E_INVALID, "token endpoint answered without a usable token");
    return NULL;
  }
  return xstrdup(token);
}

const char *sc_token_cache_get(const sc_token_cache *cache, const char *scope)
{
  for (size_t i = 0; i < cache->count; i++)
    if (strcmp(cache->scopes[i], scope) == 0)
      return cache->tokens[i];
  return NULL;
}

void sc_token_cache_drop(sc_token_cache *cache, const char *scope)
{
  for (size_t i = 0; i < cache->count; i++) {
    if (strcmp(cache->scopes[i], scope) != 0)
      continue;
    free(cache->scopes[i]);
    free_secret(cache->tokens[i]);
    cache->count--;
    cache->scopes[i] = cache->scopes[cache->count];
    cache->tokens[i] = cache->tokens[cache->count];
    return;
  }
}

void sc_token_cache_put(sc_token_cache *cache, const char *scope, const char *token)
{
  sc_token_cache_drop(cache, scope);
  cache->scopes = xrealloc(cache->scopes, (cache->count + 1) * sizeof *cache->scopes);
  cache->tokens = xrealloc(cache->tokens, (cache->count + 1) * sizeof *cache->tokens);
  cache->scopes[cache->count] = xstrdup(scope);
  cache->tokens[cache->count] = xstrdup(token);
  cache->count++;
}

void sc_token_cache_clear(sc_token_cache *cache)
{
  for (size_t i = 0; i < cache->count; i++) {
    free(cache->scopes[i]);
    free_secret(cache->tokens[i]);
  }
  free(cache->scopes);
  free(cache->tokens);
  memset(cache, 0, sizeof *cache);
}

static void append_form(sc_buf *b, const char *key, const char *value)
{
  char *escaped = curl_easy_escape(NULL, value, 0);
  sc_buf_printf(b, "%s%s=%s", b->len ? "&" : "", key, escaped);
  curl_free(escaped);
}

char *sc_token_refresh_form(const char *service, const char *scope, const char *refresh_token)
{
  sc_buf b = SC_BUF_INIT;
  append_form(&b, "grant_type", "refresh_token");
  if (service)
    append_form(&b, "service", service);
  append_form(&b, "client_id", "sc-build");
  append_form(&b, "refresh_token", refresh_token);
  _cleanup_free_ char *scopes = xstrdup(scope ? scope : "");
  for (char *save = NULL, *s = strtok_r(scopes, " ", &save); s; s = strtok_r(NULL, " ", &save))
    append_form(&b, "scope", s);
  return sc_buf_steal(&b);
}

/* "https://HOST[:PORT]/..." as a user pastes it: the host and port alone,
 * as containers/image normalises such keys. */
static int key_from_url(const char *arg, char **key, sc_error *err)
{
  CURLU *u = curl_url();
  char *host = NULL, *port = NULL, *scheme = NULL;
  int rc = -1;
  if (u && curl_url_set(u, CURLUPART_URL, arg, 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
      (strcmp(scheme, "https") == 0 || strcmp(scheme, "http") == 0) &&
      curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
    curl_url_get(u, CURLUPART_PORT, &port, 0);
    *key = port ? xasprintf("%s:%s", host, port) : xstrdup(host);
    rc = 0;
  } else
    sc_error_set(err, SC_E_USAGE, "'%s' is not an http(s) URL of a registry", arg);
  curl_free(host);
  curl_free(port);
  curl_free(scheme);
  curl_url_cleanup(u);
  return rc;
}

int sc_auth_key_normalize(const char *arg, char **key, sc_error *err)
{
  *key = NULL;
  if (strstr(arg, "://") != NULL)
    return key_from_url(arg, key, err);
  size_t len = strlen(arg);
  while (len > 0 && arg[len - 1] == '/')
    len--;
  char *k = xstrndup(arg, len);
  /* HOST[:PORT][/NS[/REPO]]: a reference without tag or digest. */
  const char *path = strchr(k, '/');
  bool bad = len == 0 || strchr(k, '@') != NULL || (path && strchr(path, ':') != NULL) ||
             strstr(k, "//") != NULL || strpbrk(k, " \t\r\n\"\\") != NULL;
  if (bad) {
    free(k);
    return sc_error_set(err, SC_E_USAGE,
                        "'%s' is not a registry HOST[:PORT] or HOST/NAMESPACE[/REPO] without a tag",
                        arg);
  }
  *key = k;
  return 0;
}
