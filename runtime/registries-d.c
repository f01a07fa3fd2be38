/* registries-d.c: containers-registries.d(5) files read with libyaml's
 * document loader (registries-d.h).  Only three levels are walked (the
 * top mapping, `docker:`'s mapping, an entry's mapping), so anchors and
 * aliases cannot make the walk recurse. */
#include "registries-d.h"

#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

#include "util.h"

typedef struct entry {
  char *name; /* the namespace; NULL for default-docker */
  char *lookaside, *staging;
  int attachments; /* use-sigstore-attachments: -1 when not given, else 0 or 1 */
  int referrers;   /* sc-build-use-referrer-signatures: the same */
  char *where;     /* "FILE: docker: NAME" */
} entry;

struct sc_registries_d {
  char *dir;
  bool missing; /* the default directory, which does not exist */
  entry *entries;
  size_t count;
};

sc_registries_d *sc_registries_d_new(void)
{
  return xcalloc(1, sizeof(sc_registries_d));
}

void sc_registries_d_free(sc_registries_d *d)
{
  if (d == NULL)
    return;
  for (size_t i = 0; i < d->count; i++) {
    free(d->entries[i].name);
    free(d->entries[i].lookaside);
    free(d->entries[i].staging);
    free(d->entries[i].where);
  }
  free(d->entries);
  free(d->dir);
  free(d);
}

const char *sc_registries_d_dir(const sc_registries_d *d)
{
  return d->dir ? d->dir : "(none)";
}

bool sc_registries_d_missing(const sc_registries_d *d)
{
  return d->missing;
}

/* ---- one document ---- */

typedef struct parse_ctx {
  sc_registries_d *d;
  const char *file;
  yaml_document_t *doc;
  sc_error *err;
} parse_ctx;

static int fail_at(parse_ctx *p, const yaml_node_t *node, const char *fmt, const char *what)
{
  return sc_error_set_at(p->err, SC_E_INVALID, p->file, (int)node->start_mark.line + 1,
                         (int)node->start_mark.column + 1, fmt, what);
}

static const char *scalar(const yaml_node_t *node)
{
  return node->type == YAML_SCALAR_NODE ? (const char *)node->data.scalar.value : NULL;
}

static const entry *find_entry(const sc_registries_d *d, const char *name)
{
  for (size_t i = 0; i < d->count; i++)
    if ((name == NULL) == (d->entries[i].name == NULL) &&
        (name == NULL || strcmp(name, d->entries[i].name) == 0))
      return &d->entries[i];
  return NULL;
}

/* One URL field: a string, not given twice under its old and new names. */
static int take_url(parse_ctx *p, const yaml_node_t *key, const yaml_node_t *value, char **slot)
{
  const char *text = scalar(value);
  if (text == NULL)
    return fail_at(p, value, "%s: takes a URL (file:///PATH or https://...)", scalar(key));
  if (*slot)
    return fail_at(p, key,
                   "%s: given twice (lookaside and its older name sigstore, or "
                   "lookaside-staging and sigstore-staging): keep one",
                   scalar(key));
  *slot = xstrdup(text);
  return 0;
}

/* A YAML boolean as containers/image's YAML reader takes one: true or
 * false, in any of the spellings YAML 1.2 allows. */
static int take_bool(parse_ctx *p, const yaml_node_t *key, const yaml_node_t *value, int *slot)
{
  static const char *const yes[] = {"true", "True", "TRUE", NULL}, *const no[] = {"false", "False",
                                                                                  "FALSE", NULL};
  const char *text = scalar(value);
  int v = -1;
  for (size_t i = 0; text && yes[i]; i++)
    if (strcmp(text, yes[i]) == 0)
      v = 1;
    else if (strcmp(text, no[i]) == 0)
      v = 0;
  if (v < 0)
    return fail_at(p, value, "%s: takes true or false", scalar(key));
  *slot = v;
  return 0;
}

static int parse_entry(parse_ctx *p, const yaml_node_t *node, entry *e)
{
  if (node->type == YAML_SCALAR_NODE && scalar(node)[0] == '\0')
    return 0; /* `docker: {HOST: }`: an entry with nothing in it */
  if (node->type != YAML_MAPPING_NODE)
    return fail_at(p, node, "%s: takes a mapping with lookaside and lookaside-staging",
                   e->name ? e->name : "default-docker");
  for (yaml_node_pair_t *pair = node->data.mapping.pairs.start; pair < node->data.mapping.pairs.top;
       pair++) {
    yaml_node_t *k = yaml_document_get_node(p->doc, pair->key);
    yaml_node_t *v = yaml_document_get_node(p->doc, pair->value);
    const char *key = k ? scalar(k) : NULL;
    if (key == NULL || v == NULL)
      return fail_at(p, k ? k : node, "%s: keys are plain names", "entry");
    int rc = 0;
    if (strcmp(key, "lookaside") == 0 || strcmp(key, "sigstore") == 0)
      rc = take_url(p, k, v, &e->lookaside);
    else if (strcmp(key, "lookaside-staging") == 0 || strcmp(key, "sigstore-staging") == 0)
      rc = take_url(p, k, v, &e->staging);
    else if (strcmp(key, "use-sigstore-attachments") == 0)
      rc = take_bool(p, k, v, &e->attachments);
    else if (strcmp(key, "sc-build-use-referrer-signatures") == 0)
      rc = take_bool(p, k, v, &e->referrers);
    /* keys of later versions: not ours, as containers/image ignores them */
    if (rc < 0)
      return -1;
  }
  return 0;
}

static int add_entry(parse_ctx *p, const yaml_node_t *at, const char *name, const yaml_node_t *node)
{
  const entry *other = find_entry(p->d, name);
  if (other) {
    _cleanup_free_ char *what = xasprintf("%s is configured in %s too: keep one",
                                          name ? name : "default-docker", other->where);
    return fail_at(p, at, "%s", what);
  }
  entry e = {.name = name ? xstrdup(name) : NULL,
             .attachments = -1,
             .referrers = -1,
             .where = name ? xasprintf("%s: docker: %s", p->file, name)
                           : xasprintf("%s: default-docker", p->file)};
  if (parse_entry(p, node, &e) < 0) {
    free(e.name), free(e.lookaside), free(e.staging), free(e.where);
    return -1;
  }
  p->d->entries = xrealloc(p->d->entries, (p->d->count + 1) * sizeof e);
  p->d->entries[p->d->count++] = e;
  return 0;
}

static int parse_docker(parse_ctx *p, const yaml_node_t *node)
{
  if (node->type == YAML_SCALAR_NODE && scalar(node)[0] == '\0')
    return 0;
  if (node->type != YAML_MAPPING_NODE)
    return fail_at(p, node, "%s: takes a mapping of HOST[/NAMESPACE] to its lookaside", "docker");
  for (yaml_node_pair_t *pair = node->data.mapping.pairs.start; pair < node->data.mapping.pairs.top;
       pair++) {
    yaml_node_t *k = yaml_document_get_node(p->doc, pair->key);
    yaml_node_t *v = yaml_document_get_node(p->doc, pair->value);
    const char *name = k ? scalar(k) : NULL;
    if (name == NULL || name[0] == '\0' || v == NULL)
      return fail_at(p, k ? k : node, "%s: keys are HOST[/NAMESPACE[/REPO[:TAG]]]", "docker");
    if (add_entry(p, k, name, v) < 0)
      return -1;
  }
  return 0;
}

static int parse_top(parse_ctx *p, const yaml_node_t *root)
{
  if (root == NULL || (root->type == YAML_SCALAR_NODE && scalar(root)[0] == '\0'))
    return 0; /* an empty file */
  if (root->type != YAML_MAPPING_NODE)
    return fail_at(p, root, "%s: a registries.d file is a mapping (default-docker:, docker:)",
                   "top level");
  for (yaml_node_pair_t *pair = root->data.mapping.pairs.start; pair < root->data.mapping.pairs.top;
       pair++) {
    yaml_node_t *k = yaml_document_get_node(p->doc, pair->key);
    yaml_node_t *v = yaml_document_get_node(p->doc, pair->value);
    const char *key = k ? scalar(k) : NULL;
    if (key == NULL || v == NULL)
      return fail_at(p, k ? k : root, "%s: keys are default-docker and docker", "top level");
    int rc = 0;
    if (strcmp(key, "default-docker") == 0)
      rc = add_entry(p, k, NULL, v);
    else if (strcmp(key, "docker") == 0)
      rc = parse_docker(p, v);
    if (rc < 0)
      return -1;
  }
  return 0;
}

int sc_registries_d_parse(sc_registries_d *d, const char *file, const char *data, size_t len,
                          sc_error *err)
{
  yaml_parser_t parser;
  yaml_document_t doc;
  if (!yaml_parser_initialize(&parser))
    return sc_error_set(err, ENOMEM, "%s: cannot start the YAML parser", file);
  yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
  int rc;
  if (!yaml_parser_load(&parser, &doc)) {
    rc = sc_error_set_at(err, SC_E_INVALID, file, (int)parser.problem_mark.line + 1,
                         (int)parser.problem_mark.column + 1, "not valid YAML: %s",
                         parser.problem ? parser.problem : "parse error");
  } else {
    parse_ctx p = {.d = d, .file = file, .doc = &doc, .err = err};
    rc = parse_top(&p, yaml_document_get_root_node(&doc));
    yaml_document_delete(&doc);
  }
  yaml_parser_delete(&parser);
  return rc;
}

/* ---- the directory ---- */

static int load_file(sc_registries_d *d, int dirfd, const char *name, sc_error *err)
{
  _cleanup_free_ char *path = sc_path_join(d->dir, name);
  _cleanup_free_ char *data = NULL;
  size_t len = 0;
  if (sc_read_file_at_max(dirfd, name, SC_REGISTRIES_D_FILE_MAX, &data, &len, err) < 0)
    return sc_error_prefix(err, "registries.d %s", path);
  return sc_registries_d_parse(d, path, data, len, err);
}

int sc_registries_d_load(const char *dir, sc_registries_d **out, sc_error *err)
{
  sc_registries_d *d = sc_registries_d_new();
  d->dir = xstrdup(dir ? dir : SC_REGISTRIES_D_SYSTEM);
  *out = d;
  _cleanup_close_ int fd = open(d->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT && dir == NULL) {
    d->missing = true;
    return 0;
  }
  if (fd < 0)
    return sc_error_set_errno(err, errno, "registries.d directory %s", d->dir);
  _cleanup_strv_ char **names = NULL;
  if (sc_list_dir_at(fd, &names, err) < 0)
    return sc_error_prefix(err, "registries.d directory %s", d->dir);
  for (char **n = names; *n; n++)
    if (sc_str_has_suffix(*n, ".yaml") && load_file(d, fd, *n, err) < 0)
      return -1;
  return 0;
}

const char *sc_registries_d_lookaside(const sc_registries_d *d, char *const *scopes, bool write,
                                      const char **where)
{
  size_t count = sc_strv_length(scopes);
  for (size_t i = 0; i <= count; i++) { /* past the scopes: default-docker */
    const entry *e = find_entry(d, i < count ? scopes[i] : NULL);
    const char *url = e == NULL ? NULL : write && e->staging ? e->staging : e->lookaside;
    if (url && url[0]) {
      if (where)
        *where = e->where;
      return url;
    }
  }
  return NULL;
}

/* A true/false key (the member at offset of each entry): as the most
 * specific entry that sets it, then default-docker, says; -1 when none
 * does. */
static int boolean_setting(const sc_registries_d *d, char *const *scopes, size_t offset,
                           const char **where)
{
  size_t count = sc_strv_length(scopes);
  for (size_t i = 0; i <= count; i++) { /* past the scopes: default-docker */
    const entry *e = find_entry(d, i < count ? scopes[i] : NULL);
    int value = e ? *(const int *)((const char *)e + offset) : -1;
    if (value >= 0) {
      if (where)
        *where = e->where;
      return value;
    }
  }
  return -1;
}

bool sc_registries_d_use_sigstore_attachments(const sc_registries_d *d, char *const *scopes,
                                              const char **where)
{
  return boolean_setting(d, scopes, offsetof(entry, attachments), where) == 1;
}

int sc_registries_d_use_referrer_signatures(const sc_registries_d *d, char *const *scopes,
                                            const char **where)
{
  return boolean_setting(d, scopes, offsetof(entry, referrers), where);
}

char *sc_lookaside_signature_url(const char *lookaside, const char *repository,
                                 const char *manifest_digest, int n)
{
  size_t len = strlen(lookaside);
  while (len > 0 && lookaside[len - 1] == '/')
    len--;
  const char *colon = strchr(manifest_digest, ':');
  int algo_len = colon ? (int)(colon - manifest_digest) : 0;
  return xasprintf("%.*s/%s@%.*s=%s/signature-%d", (int)len, lookaside, repository, algo_len,
                   manifest_digest, colon ? colon + 1 : manifest_digest, n);
}
