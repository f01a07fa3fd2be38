/* registries-conf.c: containers-registries.conf(5) v2 (registries-conf.h). */
#include "registries-conf.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"
#include "toml.h"
#include "util.h"

/* ---- reading values ---- */

/* A string key of obj, copied to *out (NULL when absent); where names
 * the table in messages. */
static int get_string(json_t *obj, const char *key, const char *file, const char *where, char **out,
                      sc_error *err)
{
  json_t *v = json_object_get(obj, key);
  *out = NULL;
  if (v == NULL)
    return 0;
  if (!json_is_string(v))
    return sc_error_set(err, SC_E_INVALID, "%s: %s%s: must be a \"string\"", file, where, key);
  *out = xstrdup(json_string_value(v));
  return 0;
}

static int get_bool(json_t *obj, const char *key, const char *file, const char *where, bool *out,
                    sc_error *err)
{
  json_t *v = json_object_get(obj, key);
  if (v != NULL && !json_is_boolean(v))
    return sc_error_set(err, SC_E_INVALID, "%s: %s%s: must be true or false", file, where, key);
  *out = v ? json_is_true(v) : false;
  return 0;
}

/* ---- [[registry]] ---- */

static void mirror_clear(sc_registries_mirror *m)
{
  free(m->location);
  free(m->pull_from);
}

static void entry_clear(sc_registries_entry *e)
{
  free(e->prefix);
  free(e->location);
  for (size_t i = 0; i < e->n_mirrors; i++)
    mirror_clear(&e->mirrors[i]);
  free(e->mirrors);
  free(e->file);
  memset(e, 0, sizeof *e);
}

static bool is_wildcard(const char *prefix)
{
  return prefix[0] == '*';
}

static int parse_mirror(json_t *obj, const char *file, const char *where, bool by_digest_only,
                        sc_registries_mirror *m, sc_error *err)
{
  if (!json_is_object(obj))
    return sc_error_set(err, SC_E_INVALID, "%s: %smirror: must be [[registry.mirror]] tables", file,
                        where);
  if (get_string(obj, "location", file, where, &m->location, err) < 0 ||
      get_bool(obj, "insecure", file, where, &m->insecure, err) < 0 ||
      get_string(obj, "pull-from-mirror", file, where, &m->pull_from, err) < 0)
    return -1;
  if (m->location == NULL || m->location[0] == '\0')
    return sc_error_set(err, SC_E_INVALID, "%s: %smirror needs a location", file, where);
  const char *pf = m->pull_from ? m->pull_from : "";
  if (strcmp(pf, "") != 0 && strcmp(pf, "all") != 0 && strcmp(pf, "digest-only") != 0 &&
      strcmp(pf, "tag-only") != 0)
    return sc_error_set(err, SC_E_INVALID,
                        "%s: %spull-from-mirror: \"%s\" is none of all, digest-only, tag-only",
                        file, where, pf);
  if (pf[0] && strcmp(pf, "all") != 0 && by_digest_only)
    return sc_error_set(err, SC_E_INVALID,
                        "%s: %spull-from-mirror cannot be used with mirror-by-digest-only", file,
                        where);
  return 0;
}

/* prefix and location as the man page defines them: either may stand for
 * the other; a *.DOMAIN prefix takes no location. */
static int check_prefix(sc_registries_entry *e, const char *where, sc_error *err)
{
  if ((e->prefix == NULL || !e->prefix[0]) && (e->location == NULL || !e->location[0]))
    return sc_error_set(err, SC_E_INVALID, "%s: %sneeds a prefix or a location", e->file, where);
  if (e->prefix == NULL || !e->prefix[0]) {
    free(e->prefix);
    e->prefix = xstrdup(e->location);
  }
  if (is_wildcard(e->prefix)) {
    if (e->prefix[1] != '.' || !e->prefix[2] || strpbrk(e->prefix + 1, "/*@:"))
      return sc_error_set(err, SC_E_INVALID, "%s: %sprefix \"%s\": a wildcard is *.DOMAIN", e->file,
                          where, e->prefix);
    if (e->location && e->location[0])
      return sc_error_set(err, SC_E_INVALID,
                          "%s: %sprefix \"%s\" is a wildcard: it takes no "
                          "location",
                          e->file, where, e->prefix);
  } else if (e->location == NULL || !e->location[0]) {
    free(e->location);
    e->location = xstrdup(e->prefix);
  }
  return 0;
}

static int parse_entry(json_t *obj, const char *file, size_t index, sc_registries_entry *e,
                       sc_error *err)
{
  _cleanup_free_ char *where = xasprintf("[[registry]] %zu: ", index + 1);
  e->file = xstrdup(file);
  if (!json_is_object(obj))
    return sc_error_set(err, SC_E_INVALID, "%s: registry must be [[registry]] tables", file);
  if (get_string(obj, "prefix", file, where, &e->prefix, err) < 0 ||
      get_string(obj, "location", file, where, &e->location, err) < 0 ||
      get_bool(obj, "insecure", file, where, &e->insecure, err) < 0 ||
      get_bool(obj, "blocked", file, where, &e->blocked, err) < 0 ||
      get_bool(obj, "mirror-by-digest-only", file, where, &e->mirror_by_digest_only, err) < 0 ||
      check_prefix(e, where, err) < 0)
    return -1;
  json_t *mirrors = json_object_get(obj, "mirror");
  if (mirrors && !json_is_array(mirrors))
    return sc_error_set(err, SC_E_INVALID, "%s: %smirror: must be [[registry.mirror]] tables", file,
                        where);
  e->mirrors = xcalloc(json_array_size(mirrors) + 1, sizeof *e->mirrors);
  for (size_t i = 0; i < json_array_size(mirrors); i++, e->n_mirrors++)
    if (parse_mirror(json_array_get(mirrors, i), file, where, e->mirror_by_digest_only,
                     &e->mirrors[i], err) < 0) {
      e->n_mirrors++;
      return -1;
    }
  return 0;
}

/* A later file's [[registry]] replaces an earlier one of the same prefix. */
static void put_entry(sc_registries_conf *conf, sc_registries_entry *e)
{
  for (size_t i = 0; i < conf->n_entries; i++)
    if (strcmp(conf->entries[i].prefix, e->prefix) == 0) {
      entry_clear(&conf->entries[i]);
      conf->entries[i] = *e;
      return;
    }
  conf->entries = xrealloc(conf->entries, (conf->n_entries + 1) * sizeof *conf->entries);
  conf->entries[conf->n_entries++] = *e;
}

static int merge_registries(sc_registries_conf *conf, json_t *list, const char *file, sc_error *err)
{
  if (list == NULL)
    return 0;
  if (!json_is_array(list))
    return sc_error_set(err, SC_E_INVALID, "%s: registry: must be [[registry]] tables", file);
  for (size_t i = 0; i < json_array_size(list); i++) {
    sc_registries_entry e = {0};
    if (parse_entry(json_array_get(list, i), file, i, &e, err) < 0) {
      entry_clear(&e);
      return -1;
    }
    put_entry(conf, &e);
  }
  return 0;
}

/* ---- the other keys ---- */

static void search_clear(sc_registries_conf *conf)
{
  for (size_t i = 0; i < conf->n_search; i++)
    free(conf->search[i]);
  free(conf->search);
  conf->search = NULL;
  conf->n_search = 0;
}

static int merge_search(sc_registries_conf *conf, json_t *list, const char *file, sc_error *err)
{
  if (list == NULL)
    return 0;
  size_t i;
  json_t *v;
  json_array_foreach(list, i, v)
  {
    if (!json_is_string(v) || json_string_value(v)[0] == '\0' || strchr(json_string_value(v), '/'))
      break;
  }
  if (!json_is_array(list) || i < json_array_size(list))
    return sc_error_set(err, SC_E_INVALID,
                        "%s: unqualified-search-registries: must be an array of host names "
                        "(\"HOST[:PORT]\")",
                        file);
  search_clear(conf);
  conf->search = xcalloc(json_array_size(list) + 1, sizeof *conf->search);
  json_array_foreach(list, i, v) conf->search[conf->n_search++] = xstrdup(json_string_value(v));
  conf->search_set = true;
  return 0;
}

static int merge_mode(sc_registries_conf *conf, json_t *doc, const char *file, sc_error *err)
{
  char *mode = NULL;
  if (get_string(doc, "short-name-mode", file, "", &mode, err) < 0)
    return -1;
  if (mode == NULL || mode[0] == '\0') {
    free(mode);
    return 0;
  }
  if (strcmp(mode, "enforcing") != 0 && strcmp(mode, "permissive") != 0 &&
      strcmp(mode, "disabled") != 0) {
    sc_error_set(err, SC_E_INVALID,
                 "%s: short-name-mode: \"%s\" is none of enforcing, permissive, disabled", file,
                 mode);
    free(mode);
    return -1;
  }
  free(conf->short_name_mode);
  conf->short_name_mode = mode;
  return 0;
}

/* An alias names a whole repository: HOST/REPO, no tag or digest. */
static bool alias_value_ok(const char *value)
{
  const char *last = strrchr(value, '/');
  if (last == NULL || strchr(value, '@') || strchr(last, ':') || sc_registries_is_short_name(value))
    return false;
  _cleanup_free_ char *ref = xasprintf("docker://%s", value);
  sc_registry_ref parsed;
  if (sc_registry_ref_parse(ref, &parsed, NULL) < 0)
    return false;
  sc_registry_ref_clear(&parsed);
  return true;
}

/* [aliases]: NAME = "HOST/REPO"; an empty value erases NAME. */
static int merge_aliases(sc_registries_conf *conf, json_t *aliases, const char *file, sc_error *err)
{
  if (aliases == NULL)
    return 0;
  if (!json_is_object(aliases))
    return sc_error_set(err, SC_E_INVALID, "%s: aliases: must be an [aliases] table", file);
  const char *name;
  json_t *v;
  json_object_foreach(aliases, name, v)
  {
    const char *value = json_string_value(v);
    if (value == NULL || (value[0] && !alias_value_ok(value)))
      return sc_error_set(err, SC_E_INVALID,
                          "%s: aliases: \"%s\" must be a \"HOST/REPO\" without a tag or digest",
                          file, name);
    if (value[0])
      json_object_set(conf->aliases, name, v);
    else
      json_object_del(conf->aliases, name);
  }
  return 0;
}

int sc_registries_conf_merge(sc_registries_conf *conf, const char *text, size_t len,
                             const char *file, sc_error *err)
{
  if (conf->aliases == NULL)
    conf->aliases = json_object();
  json_t *doc = sc_toml_parse(text, len, file, err);
  if (doc == NULL)
    return -1;
  int rc = -1;
  if (json_object_get(doc, "registries"))
    sc_error_set(err, SC_E_INVALID,
                 "%s: [registries.*] is the version 1 format, which sc-build does not read: "
                 "write unqualified-search-registries and [[registry]] tables "
                 "(containers-registries.conf(5))",
                 file);
  else if (merge_search(conf, json_object_get(doc, "unqualified-search-registries"), file, err) ==
               0 &&
           merge_mode(conf, doc, file, err) == 0 &&
           merge_aliases(conf, json_object_get(doc, "aliases"), file, err) == 0 &&
           merge_registries(conf, json_object_get(doc, "registry"), file, err) == 0)
    rc = 0;
  json_decref(doc);
  return rc;
}

/* ---- loading ---- */

static int load_file(sc_registries_conf *conf, const char *path, bool required, sc_buf *files,
                     sc_error *err)
{
  char *text = NULL;
  size_t len = 0;
  if (sc_read_file_at_max(AT_FDCWD, path, SC_TOML_MAX_SIZE, &text, &len, err) < 0) {
    if (!required && err->code == ENOENT) {
      sc_error_clear(err);
      return 0;
    }
    return -1;
  }
  sc_buf_printf(files, "%s%s", files->len ? ", " : "", path);
  int rc = sc_registries_conf_merge(conf, text, len, path, err);
  free(text);
  return rc;
}

static int conf_file_filter(const struct dirent *e)
{
  return e->d_name[0] != '.' && sc_str_has_suffix(e->d_name, ".conf");
}

static int load_dir(sc_registries_conf *conf, const char *dir, sc_buf *files, sc_error *err)
{
  struct dirent **names = NULL;
  int n = scandir(dir, &names, conf_file_filter, alphasort);
  if (n < 0)
    return errno == ENOENT || errno == ENOTDIR ? 0 : sc_error_set_errno(err, errno, "%s", dir);
  int rc = 0;
  for (int i = 0; i < n; i++) {
    _cleanup_free_ char *path = sc_path_join(dir, names[i]->d_name);
    if (rc == 0)
      rc = load_file(conf, path, true, files, err);
    free(names[i]);
  }
  free(names);
  return rc;
}

int sc_registries_conf_load(const sc_registries_conf_paths *paths, sc_registries_conf *out,
                            sc_error *err)
{
  memset(out, 0, sizeof *out);
  out->aliases = json_object();
  sc_buf files = SC_BUF_INIT;
  int rc = paths->file ? load_file(out, paths->file, paths->file_required, &files, err) : 0;
  for (const char *const *d = paths->dirs; rc == 0 && d && *d; d++)
    rc = load_dir(out, *d, &files, err);
  out->files = files.len ? sc_buf_steal(&files) : xstrdup("none");
  sc_buf_free(&files);
  if (rc < 0)
    sc_registries_conf_clear(out);
  return rc;
}

void sc_registries_conf_clear(sc_registries_conf *conf)
{
  search_clear(conf);
  free(conf->short_name_mode);
  json_decref(conf->aliases);
  for (size_t i = 0; i < conf->n_entries; i++)
    entry_clear(&conf->entries[i]);
  free(conf->entries);
  free(conf->files);
  memset(conf, 0, sizeof *conf);
}

/* ---- matching ---- */

/* How much of ref the prefix matches (c/image's rule: all of ref, or up
 * to a '/', ':' or '@'; *.DOMAIN: a host under DOMAIN), 0 when none. */
static size_t prefix_match(const char *ref, const char *prefix)
{
  if (is_wildcard(prefix)) {
    size_t host = strcspn(ref, ":/"); /* the host name, without a port */
    size_t dom = strlen(prefix + 1);  /* ".DOMAIN" */
    return host > dom && strncmp(ref + host - dom, prefix + 1, dom) == 0 ? strlen(prefix) : 0;
  }
  size_t n = strlen(prefix);
  if (strncmp(ref, prefix, n) != 0)
    return 0;
  char c = ref[n];
  return c == '\0' || c == '/' || c == ':' || c == '@' ? n : 0;
}

const sc_registries_entry *sc_registries_conf_find(const sc_registries_conf *conf, const char *ref)
{
  const sc_registries_entry *best = NULL;
  size_t best_len = 0;
  for (size_t i = 0; conf && i < conf->n_entries; i++) {
    size_t n = prefix_match(ref, conf->entries[i].prefix);
    if (n > best_len) {
      best = &conf->entries[i];
      best_len = n;
    }
  }
  return best;
}

/* location + what follows the prefix in ref.  A *.DOMAIN prefix matches
 * ref's host name (containers/image's subdomain match), so a mirror's
 * location replaces the host name and what follows is kept (a port too,
 * as containers/image keeps it); the registry itself, which has no
 * location, is ref as it is. */
static char *rewrite(const sc_registries_entry *e, const char *location, const char *ref)
{
  if (is_wildcard(e->prefix))
    return location ? xasprintf("docker://%s%s", location, ref + strcspn(ref, ":/@"))
                    : xasprintf("docker://%s", ref);
  return xasprintf("docker://%s%s", location, ref + strlen(e->prefix));
}

/* ---- short names ---- */

bool sc_registries_is_short_name(const char *name)
{
  size_t first = strcspn(name, "/");
  if (name[first] == '\0')
    return true;
  return memchr(name, '.', first) == NULL && memchr(name, ':', first) == NULL &&
         !(first == 9 && strncmp(name, "localhost", 9) == 0);
}

/* NAME[:TAG|@DIGEST] -> NAME and ":TAG"/"@DIGEST" ("" when neither). */
static char *split_name(const char *name, const char **suffix)
{
  const char *at = strchr(name, '@');
  const char *last = strrchr(name, '/');
  const char *colon = strchr(last ? last : name, ':');
  const char *cut = at ? at : colon;
  *suffix = cut ? cut : "";
  return cut ? xstrndup(name, (size_t)(cut - name)) : xstrdup(name);
}

/* The qualified names a short name stands for, into candidates (a JSON
 * array of "HOST/REPO[:TAG|@DIGEST]"). */
static int resolve_short(const sc_registries_conf *conf, const char *name, json_t *candidates,
                         sc_error *err)
{
  const char *suffix;
  _cleanup_free_ char *base = split_name(name, &suffix);
  const char *alias = conf ? json_string_value(json_object_get(conf->aliases, base)) : NULL;
  if (alias) {
    json_array_append_new(candidates, json_sprintf("%s%s", alias, suffix));
    return 0;
  }
  if (conf == NULL || !conf->search_set) { /* docker.io, as docker and skopeo read it */
    json_array_append_new(candidates, json_string(name));
    return 0;
  }
  const char *mode = conf->short_name_mode ? conf->short_name_mode : "permissive";
  if (conf->n_search == 0)
    return sc_error_set(err, SC_E_INVALID,
                        "docker://%s: a short name, and no [aliases] entry nor "
                        "unqualified-search-registries to resolve it (%s): name the registry "
                        "(docker://HOST/%s)",
                        name, conf->files, name);
  if (conf->n_search > 1 && strcmp(mode, "enforcing") == 0) {
    sc_buf list = SC_BUF_INIT;
    for (size_t i = 0; i < conf->n_search; i++)
      sc_buf_printf(&list, "%s%s", i ? ", " : "", conf->search[i]);
    sc_error_set(err, SC_E_INVALID,
                 "docker://%s: the short name is ambiguous: unqualified-search-registries lists "
                 "%s and short-name-mode is enforcing (%s); name the registry (docker://HOST/%s) "
                 "or add an [aliases] entry",
                 name, list.data, conf->files, name);
    sc_buf_free(&list);
    return -1;
  }
  for (size_t i = 0; i < conf->n_search; i++)
    json_array_append_new(candidates, json_sprintf("%s/%s", conf->search[i], name));
  return 0;
}

/* ---- plans ---- */

static void add_attempt(sc_pull_attempt **list, size_t *n, char *reference, bool insecure,
                        bool mirror, const char *name)
{
  *list = xrealloc(*list, (*n + 1) * sizeof **list);
  (*list)[(*n)++] = (sc_pull_attempt){reference, insecure, mirror, xstrdup(name)};
}

/* docker://NAME -> "HOST/REPO:TAG" or "HOST/REPO@DIGEST", normalized. */
static char *normalized(const char *name, bool *by_digest, sc_error *err)
{
  _cleanup_free_ char *text = xasprintf("docker://%s", name);
  sc_registry_ref ref;
  if (sc_registry_ref_parse(text, &ref, err) < 0)
    return NULL;
  *by_digest = ref.digest != NULL;
  char *out = xasprintf("%s/%s%s%s", ref.host, ref.repository, ref.digest ? "@" : ":",
                        ref.digest ? ref.digest : ref.tag);
  sc_registry_ref_clear(&ref);
  return out;
}

/* what: the reference or the registry as the user named it. */
static int blocked(const sc_registries_entry *e, const char *what, sc_error *err)
{
  return sc_error_set(err, EACCES,
                      "%s: registry blocked by [[registry]] prefix \"%s\" in %s (blocked = true "
                      "there forbids it)",
                      what, e->prefix, e->file);
}

static bool mirror_serves(const sc_registries_entry *e, const sc_registries_mirror *m,
                          bool by_digest)
{
  if (e->mirror_by_digest_only)
    return by_digest;
  const char *pf = m->pull_from ? m->pull_from : "";
  return strcmp(pf, "digest-only") == 0 ? by_digest
         : strcmp(pf, "tag-only") == 0  ? !by_digest
                                        : true;
}

static int plan_candidate(const sc_registries_conf *conf, const char *name, sc_pull_attempt **out,
                          size_t *n, sc_error *err)
{
  bool by_digest = false;
  _cleanup_free_ char *ref = normalized(name, &by_digest, err);
  if (ref == NULL)
    return -1;
  const sc_registries_entry *e = sc_registries_conf_find(conf, ref);
  if (e == NULL) { /* as written, so that messages quote the user */
    add_attempt(out, n, xasprintf("docker://%s", name), false, false, ref);
    return 0;
  }
  if (e->blocked) {
    _cleanup_free_ char *what = xasprintf("docker://%s", ref);
    return blocked(e, what, err);
  }
  for (size_t i = 0; i < e->n_mirrors; i++)
    if (mirror_serves(e, &e->mirrors[i], by_digest))
      add_attempt(out, n, rewrite(e, e->mirrors[i].location, ref), e->mirrors[i].insecure, true,
                  ref);
  add_attempt(out, n, rewrite(e, e->location, ref), e->insecure, false, ref);
  return 0;
}

int sc_registries_pull_plan(const sc_registries_conf *conf, const char *reference,
                            sc_pull_attempt **out, size_t *n, sc_error *err)
{
  *out = NULL;
  *n = 0;
  if (!sc_str_has_prefix(reference, "docker://"))
    return sc_error_set(err, SC_E_USAGE, "%s: give a registry as docker://HOST[:PORT]/REPO[:TAG]",
                        reference);
  const char *name = reference + strlen("docker://");
  json_t *candidates = json_array();
  int rc = sc_registries_is_short_name(name) ? resolve_short(conf, name, candidates, err)
                                             : json_array_append_new(candidates, json_string(name));
  size_t i;
  json_t *c;
  json_array_foreach(candidates, i, c)
  {
    if (rc == 0)
      rc = plan_candidate(conf, json_string_value(c), out, n, err);
  }
  json_decref(candidates);
  if (rc < 0) {
    sc_pull_attempts_free(*out, *n);
    *out = NULL;
    *n = 0;
  }
  return rc;
}

void sc_pull_attempts_free(sc_pull_attempt *attempts, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    free(attempts[i].reference);
    free(attempts[i].name);
  }
  free(attempts);
}

int sc_registries_push_target(const sc_registries_conf *conf, const char *reference, char **out,
                              bool *insecure, sc_error *err)
{
  *out = NULL;
  *insecure = false;
  if (!sc_str_has_prefix(reference, "docker://"))
    return sc_error_set(err, SC_E_USAGE, "%s: give a registry as docker://HOST[:PORT]/REPO[:TAG]",
                        reference);
  bool by_digest;
  _cleanup_free_ char *ref = normalized(reference + strlen("docker://"), &by_digest, err);
  if (ref == NULL)
    return -1;
  const sc_registries_entry *e = sc_registries_conf_find(conf, ref);
  if (e && e->blocked) {
    _cleanup_free_ char *what = xasprintf("docker://%s", ref);
    return blocked(e, what, err);
  }
  *insecure = e && e->insecure;
  *out = e ? rewrite(e, e->location, ref) : xstrdup(reference);
  return 0;
}

int sc_registries_host_target(const sc_registries_conf *conf, const char *host, bool *insecure,
                              sc_error *err)
{
  const sc_registries_entry *e = sc_registries_conf_find(conf, host);
  *insecure = e && e->insecure;
  return e && e->blocked ? blocked(e, host, err) : 0;
}

const char *sc_registries_login_registry(const sc_registries_conf *conf, const char *given,
                                         sc_error *err)
{
  if (given)
    return given;
  if (conf->n_search > 0)
    return conf->search[0];
  sc_error_set(err, SC_E_USAGE,
               "no registry given, and registries.conf (%s) lists no "
               "unqualified-search-registries to default to: give HOST[:PORT]",
               conf->files);
  return NULL;
}
