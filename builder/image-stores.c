/* image-stores.c: listing, untagging and pruning OCI layouts and the cache
 * (image-stores.h); OSTree repositories are in image-stores-ostree.c. */
#include "image-stores.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "digest.h"
#include "image-stores-ostree.h"
#include "oci.h"
#include "store.h"
#include "util.h"

#define SECONDS_PER_DAY 86400

json_t *sc_stores_used_by(json_t *installed, const char *reference, const char *digest)
{
  json_t *names = json_array();
  const char *hex = digest ? sc_digest_hex(digest) : "";
  size_t i;
  json_t *c;
  json_array_foreach(installed, i, c)
  {
    const char *image = json_string_value(json_object_get(c, "image"));
    const char *revision = json_string_value(json_object_get(c, "revision"));
    if ((image && reference && strcmp(image, reference) == 0) ||
        (revision && strcmp(revision, hex) == 0))
      json_array_append(names, json_object_get(c, "name"));
  }
  return names;
}

/* ---- reading a layout ---- */

typedef struct layout {
  char *path; /* real path */
  int fd;
  int blobs_fd;
} layout;

static void layout_close(layout *l)
{
  free(l->path);
  sc_closep(&l->fd);
  sc_closep(&l->blobs_fd);
  *l = (layout){.fd = -1, .blobs_fd = -1};
}

static int layout_open(const char *path, layout *out, sc_error *err)
{
  *out = (layout){.fd = -1, .blobs_fd = -1};
  char real[PATH_MAX];
  if (realpath(path, real) == NULL)
    return sc_error_set_errno(err, errno, "cannot open the image layout %s", path);
  out->path = xstrdup(real);
  out->fd = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (out->fd < 0)
    return sc_error_set_errno(err, errno, "cannot open the image layout %s", real);
  if (!sc_oci_is_layout(out->fd))
    return sc_error_set(err, SC_E_INVALID, "%s is not an OCI image layout (no oci-layout file)",
                        real);
  out->blobs_fd = sc_oci_open_blobs(out->fd, err);
  return out->blobs_fd < 0 ? sc_error_prefix(err, "%s", real) : 0;
}

static json_t *read_json_blob(const layout *l, const char *digest)
{
  if (digest == NULL || !sc_digest_is_valid(digest))
    return NULL;
  _cleanup_free_ char *text = NULL;
  size_t len = 0;
  if (sc_read_file_at_max(l->blobs_fd, sc_digest_hex(digest), SC_JSON_DOCUMENT_MAX, &text, &len,
                          NULL) < 0)
    return NULL;
  return json_loadb(text, len, 0, NULL);
}

static const char *entry_tag(const json_t *entry)
{
  return json_string_value(
      json_object_get(json_object_get(entry, "annotations"), SC_ANNOTATION_REF_NAME));
}

static int64_t descriptor_size(const json_t *d)
{
  return json_integer_value(json_object_get(d, "size"));
}

/* The manifest's own size, its config's and its layers'. */
static int64_t image_size(const json_t *entry, const json_t *manifest)
{
  int64_t size = descriptor_size(entry) + descriptor_size(json_object_get(manifest, "config"));
  size_t i;
  json_t *d;
  json_array_foreach(json_object_get(manifest, "layers"), i, d) size += descriptor_size(d);
  return size;
}

/* Add d's size when its digest is not in seen yet. */
static int64_t size_once(json_t *seen, const json_t *d)
{
  const char *digest = json_string_value(json_object_get(d, "digest"));
  if (digest == NULL || json_object_get(seen, digest))
    return 0;
  json_object_set_new(seen, digest, json_true());
  return descriptor_size(d);
}

/* An image index (a multi-platform image): what its blobs take, each
 * counted once however many platforms share it (the index, and each
 * platform's manifest, config and layers), and its newest platform's
 * created date (RFC 3339 in UTC sorts as text), NULL when none has one. */
static int64_t index_totals(const layout *l, const json_t *entry, const json_t *index,
                            json_t **created)
{
  _cleanup_(json_decrefp) json_t *seen = json_object();
  int64_t size = size_once(seen, entry);
  const char *newest = NULL;
  size_t i;
  json_t *d;
  json_array_foreach(json_object_get(index, "manifests"), i, d)
  {
    size += size_once(seen, d);
    _cleanup_(json_decrefp) json_t *m =
        read_json_blob(l, json_string_value(json_object_get(d, "digest")));
    const json_t *config_d = json_object_get(m, "config");
    size += size_once(seen, config_d);
    size_t k;
    json_t *layer;
    json_array_foreach(json_object_get(m, "layers"), k, layer) size += size_once(seen, layer);
    _cleanup_(json_decrefp) json_t *config =
        read_json_blob(l, json_string_value(json_object_get(config_d, "digest")));
    const char *when = json_string_value(json_object_get(config, "created"));
    if (when && (newest == NULL || strcmp(when, newest) > 0)) {
      json_decref(*created);
      *created = json_string(when);
      newest = json_string_value(*created);
    }
  }
  return size;
}

/* "repo/name:tag" -> name "repo/name", tag "tag" (the ':' after the last
 * '/'); a cache entry's ref name is the manifest digest's hex, no name. */
static void split_tag(const char *ref, bool cache, json_t *o)
{
  const char *slash = ref ? strrchr(ref, '/') : NULL;
  const char *colon = ref ? strrchr(slash ? slash : ref, ':') : NULL;
  if (ref == NULL || cache) {
    json_object_set_new(o, "name", json_null());
    json_object_set_new(o, "tag", ref ? json_string(ref) : json_null());
  } else if (colon) {
    json_object_set_new(o, "name", json_stringn(ref, (size_t)(colon - ref)));
    json_object_set_new(o, "tag", json_string(colon + 1));
  } else {
    json_object_set_new(o, "name", json_string(ref));
    json_object_set_new(o, "tag", json_null());
  }
}

static json_t *layout_entry(const layout *l, const char *kind, const json_t *entry,
                            json_t *installed)
{
  const char *digest = json_string_value(json_object_get(entry, "digest"));
  const char *tag = entry_tag(entry);
  json_t *manifest = read_json_blob(l, digest);
  json_t *config = read_json_blob(
      l, json_string_value(json_object_get(json_object_get(manifest, "config"), "digest")));
  _cleanup_free_ char *reference =
      tag ? xasprintf("oci:%s:%s", l->path, tag) : xasprintf("oci:%s", l->path);
  json_t *index_created = NULL;
  int64_t size = json_is_array(json_object_get(manifest, "manifests"))
                     ? index_totals(l, entry, manifest, &index_created)
                     : image_size(entry, manifest);
  json_t *o =
      json_pack("{s:s, s:s, s:s, s:s?, s:I, s:O?}", "store", l->path, "kind", kind, "reference",
                reference, "digest", digest, "size", (json_int_t)size, "created",
                index_created ? index_created : json_object_get(config, "created"));
  json_decref(index_created);
  if (json_object_get(o, "created") == NULL)
    json_object_set_new(o, "created", json_null());
  split_tag(tag, strcmp(kind, "cache") == 0, o);
  json_object_set_new(o, "used_by", sc_stores_used_by(installed, reference, digest));
  json_decref(manifest);
  json_decref(config);
  return o;
}

static int list_layout(const char *path, const char *kind, json_t *installed, json_t *out,
                       sc_error *err)
{
  layout l;
  json_t *index = NULL;
  int r = layout_open(path, &l, err);
  if (r == 0)
    r = sc_oci_index_read(l.fd, &index, err);
  size_t i;
  json_t *entry;
  json_array_foreach(json_object_get(index, "manifests"), i, entry)
  {
    json_array_append_new(out, layout_entry(&l, kind, entry, installed));
  }
  json_decref(index);
  layout_close(&l);
  return r;
}

static char *cache_bases(const char *cache_dir)
{
  return sc_path_join(cache_dir, "bases");
}

int sc_stores_list(const sc_store_spec *store, json_t *installed, json_t *out, sc_error *err)
{
  switch (store->kind) {
  case SC_STORE_LAYOUT:
    return list_layout(store->path, "layout", installed, out, err);
  case SC_STORE_OSTREE:
    return sc_stores_ostree_list(store->path, installed, out, err);
  case SC_STORE_CACHE: {
    _cleanup_free_ char *bases = cache_bases(store->path);
    if (access(bases, F_OK) < 0)
      return 0; /* nothing pulled yet */
    return list_layout(bases, "cache", installed, out, err);
  }
  }
  return 0;
}

/* ---- rmi ---- */

static int lock_layout(const layout *l, sc_error *err)
{
  _cleanup_free_ char *what = xasprintf("image layout %s", l->path);
  return sc_store_lock(l->fd, what, NULL, err);
}

/* Whether another entry than the one at skip still names digest. */
static bool digest_kept(json_t *manifests, size_t skip, const char *digest)
{
  size_t i;
  json_t *m;
  json_array_foreach(manifests, i, m)
  {
    const char *d = json_string_value(json_object_get(m, "digest"));
    if (i != skip && d && strcmp(d, digest) == 0)
      return true;
  }
  return false;
}

static int refuse_used(json_t *users, const char *reference, bool force, sc_error *err)
{
  if (force || json_array_size(users) == 0)
    return 0;
  _cleanup_free_ char *names = json_dumps(users, JSON_COMPACT);
  return sc_error_set(err, SC_E_CHECK,
                      "%s is used by the installed container(s) %s: uninstall or update them "
                      "first, or give --force",
                      reference, names);
}

static int untag_in_index(layout *l, json_t *index, const char *tag, json_t *installed, bool force,
                          json_t **removed, sc_error *err)
{
  json_t *manifests = json_object_get(index, "manifests");
  _cleanup_free_ char *reference = xasprintf("oci:%s:%s", l->path, tag);
  size_t i;
  json_t *m;
  json_array_foreach(manifests, i, m)
  {
    const char *name = entry_tag(m);
    if (name == NULL || strcmp(name, tag) != 0)
      continue;
    const char *digest = json_string_value(json_object_get(m, "digest"));
    /* The manifest stays when another tag names it: only containers
     * recorded under this very tag lose their image then. */
    json_t *users = sc_stores_used_by(
        installed, reference, digest_kept(manifests, i, digest ? digest : "") ? NULL : digest);
    int r = refuse_used(users, reference, force, err);
    json_decref(users);
    if (r < 0)
      return -1;
    *removed = json_pack("{s:s, s:s?}", "reference", reference, "digest", digest);
    json_array_remove(manifests, i);
    return sc_oci_index_write(l->fd, index, err);
  }
  return sc_error_set(err, ENOENT, "%s has no image tagged '%s'", l->path, tag);
}

/* "oci:PATH:TAG": the tag is after the first ':' that follows an existing
 * layout directory, as sc_image_open reads it. */
static int split_oci_reference(const char *reference, char **path, char **tag, sc_error *err)
{
  const char *rest = reference + strlen("oci:");
  for (const char *c = strchr(rest, ':'); c; c = strchr(c + 1, ':')) {
    _cleanup_free_ char *candidate = xstrndup(rest, (size_t)(c - rest));
    struct stat st;
    if (stat(candidate, &st) == 0 && S_ISDIR(st.st_mode)) {
      *path = steal_pointer(&candidate);
      *tag = xstrdup(c + 1);
      return 0;
    }
  }
  return sc_error_set(err, SC_E_USAGE,
                      "'%s': rmi removes a tag: give oci:LAYOUT:TAG with an existing LAYOUT",
                      reference);
}

static int remove_oci_tag(const char *reference, json_t *installed, bool force, json_t **removed,
                          sc_error *err)
{
  _cleanup_free_ char *path = NULL, *tag = NULL;
  if (split_oci_reference(reference, &path, &tag, err) < 0)
    return -1;
  layout l;
  json_t *index = NULL;
  int r = layout_open(path, &l, err);
  if (r == 0)
    r = lock_layout(&l, err);
  if (r == 0)
    r = sc_oci_index_read(l.fd, &index, err);
  if (r == 0)
    r = untag_in_index(&l, index, tag, installed, force, removed, err);
  json_decref(index);
  layout_close(&l);
  return r;
}

int sc_stores_remove(const char *reference, json_t *installed, bool force, json_t **removed,
                     sc_error *err)
{
  *removed = NULL;
  if (sc_str_has_prefix(reference, "oci:"))
    return remove_oci_tag(reference, installed, force, removed, err);
  if (sc_str_has_prefix(reference, "ostree:"))
    return sc_stores_ostree_remove(reference, installed, force, removed, err);
  return sc_error_set(err, SC_E_USAGE,
                      "'%s': give the tag to remove as oci:LAYOUT:TAG or ostree:NAME:TAG[@REPO]",
                      reference);
}

/* ---- prune ---- */

void sc_stores_report_add(json_t *report, const char *what, int64_t bytes)
{
  json_array_append_new(json_object_get(report, "removed"), json_string(what));
  json_object_set_new(report, "items",
                      json_integer(json_integer_value(json_object_get(report, "items")) + 1));
  json_object_set_new(report, "bytes",
                      json_integer(json_integer_value(json_object_get(report, "bytes")) + bytes));
}

json_t *sc_stores_report_new(const char *store)
{
  return json_pack("{s:s, s:[], s:i, s:i}", "store", store, "removed", "items", 0, "bytes", 0);
}

static bool is_blob_name(const char *name)
{
  _cleanup_free_ char *digest = xasprintf("sha256:%s", name);
  return sc_digest_is_valid(digest);
}

/* Under the lock: every blob no index entry reaches goes; the index is
 * left as it is, so a kill between two removals leaves a valid layout. */
static int prune_blobs(layout *l, json_t *report, volatile const int *interrupted, sc_error *err)
{
  json_t *index = NULL, *reachable = NULL;
  if (sc_oci_index_read(l->fd, &index, err) < 0)
    return -1;
  int r = sc_oci_reachable_blobs(l->blobs_fd, index, &reachable, err);
  json_decref(index);
  if (r < 0)
    return sc_error_prefix(err, "%s: removing nothing, since what is in use cannot be told",
                           l->path);
  _cleanup_strv_ char **names = NULL;
  r = sc_list_dir_at(l->blobs_fd, &names, err);
  for (size_t i = 0; r == 0 && names && names[i]; i++) {
    if (sc_interrupted(interrupted))
      r = sc_error_set(err, SC_E_INTERRUPTED, "interrupted: %s is valid, partly pruned", l->path);
    _cleanup_free_ char *digest = xasprintf("sha256:%s", names[i]);
    struct stat st;
    if (r < 0 || !is_blob_name(names[i]) || json_object_get(reachable, digest) ||
        fstatat(l->blobs_fd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0)
      continue;
    if (unlinkat(l->blobs_fd, names[i], 0) < 0)
      r = sc_error_set_errno(err, errno, "cannot remove %s/blobs/sha256/%s", l->path, names[i]);
    else
      sc_stores_report_add(report, digest, st.st_size);
  }
  json_decref(reachable);
  return r;
}

/* What killed writers left, which no live run holds under the lock. */
static void remove_dead_temporaries(layout *l)
{
  sc_store_remove_stale(l->blobs_fd, ".");
  sc_store_remove_stale(l->fd, ".index.json.tmp-");
}

static bool older_than(const struct stat *st, int keep_days)
{
  return keep_days >= 0 && st->st_mtime < time(NULL) - (time_t)keep_days * SECONDS_PER_DAY;
}

/* The cache's index entries pulled more than keep_days ago (the manifest
 * blob's mtime): gone from index.json in one rename, before their blobs. */
static int expire_cache_entries(layout *l, int keep_days, json_t *report, sc_error *err)
{
  json_t *index = NULL;
  if (sc_oci_index_read(l->fd, &index, err) < 0)
    return -1;
  json_t *manifests = json_object_get(index, "manifests");
  bool changed = false;
  for (size_t i = json_array_size(manifests); i-- > 0;) {
    const char *d = json_string_value(json_object_get(json_array_get(manifests, i), "digest"));
    struct stat st;
    if (d && sc_digest_is_valid(d) && fstatat(l->blobs_fd, sc_digest_hex(d), &st, 0) == 0 &&
        older_than(&st, keep_days)) {
      _cleanup_free_ char *what = xasprintf("pulled %s", d);
      sc_stores_report_add(report, what, 0);
      json_array_remove(manifests, i);
      changed = true;
    }
  }
  int r = changed ? sc_oci_index_write(l->fd, index, err) : 0;
  json_decref(index);
  return r;
}

static int prune_layout(const char *path, const char *kind, int keep_days,
                        volatile const int *interrupted, json_t *report, sc_error *err)
{
  layout l;
  int r = layout_open(path, &l, err);
  if (r == 0)
    r = lock_layout(&l, err);
  if (r == 0)
    remove_dead_temporaries(&l);
  if (r == 0 && strcmp(kind, "cache") == 0)
    r = expire_cache_entries(&l, keep_days, report, err);
  if (r == 0)
    r = prune_blobs(&l, report, interrupted, err);
  layout_close(&l);
  return r;
}

/* The layer cache's entries (layers/HEX.json) older than keep_days; each
 * is one file, and a missing entry only means a rebuild. */
static int prune_layer_cache(const char *cache_dir, int keep_days, json_t *report, sc_error *err)
{
  _cleanup_free_ char *dir = sc_path_join(cache_dir, "layers");
  _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return errno == ENOENT ? 0 : sc_error_set_errno(err, errno, "cannot open %s", dir);
  _cleanup_strv_ char **names = NULL;
  if (sc_list_dir_at(fd, &names, err) < 0)
    return -1;
  for (size_t i = 0; names && names[i]; i++) {
    struct stat st;
    if (!sc_str_has_suffix(names[i], ".json") ||
        fstatat(fd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode) ||
        !older_than(&st, keep_days))
      continue;
    if (unlinkat(fd, names[i], 0) == 0) {
      _cleanup_free_ char *what = xasprintf("layer cache entry %s", names[i]);
      sc_stores_report_add(report, what, st.st_size);
    }
  }
  return 0;
}

static int prune_cache(const char *cache_dir, int keep_days, volatile const int *interrupted,
                       json_t *report, sc_error *err)
{
  _cleanup_free_ char *bases = cache_bases(cache_dir);
  if (access(bases, F_OK) == 0 &&
      prune_layout(bases, "cache", keep_days, interrupted, report, err) < 0)
    return -1;
  return prune_layer_cache(cache_dir, keep_days, report, err);
}

int sc_stores_prune(const sc_store_spec *store, int keep_days, volatile const int *interrupted,
                    json_t **report, sc_error *err)
{
  char real[PATH_MAX];
  *report = sc_stores_report_new(realpath(store->path, real) ? real : store->path);
  switch (store->kind) {
  case SC_STORE_LAYOUT:
    return prune_layout(store->path, "layout", -1, interrupted, *report, err);
  case SC_STORE_OSTREE:
    return sc_stores_ostree_prune(store->path, interrupted, *report, err);
  case SC_STORE_CACHE:
    return prune_cache(store->path, keep_days, interrupted, *report, err);
  }
  return 0;
}
