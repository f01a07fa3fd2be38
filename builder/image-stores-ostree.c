/* image-stores-ostree.c: listing, untagging and pruning images in an OSTree
 * repository (image-stores-ostree.h). */
#include "image-stores-ostree.h"
#include "image-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ostree.h>
#include <sc/image.h>

#include "image-ostree.h"
#include "image-stores.h"
#include "sha256.h"
#include "store.h"
#include "util.h"

typedef struct repo_handle {
  char *path; /* real path */
  OstreeRepo *repo;
  int lock_fd;
} repo_handle;

static void repo_close(repo_handle *h)
{
  free(h->path);
  g_clear_object(&h->repo);
  sc_closep(&h->lock_fd);
  *h = (repo_handle){.lock_fd = -1};
}

/* Open the repository; lock it too (store.h) when it is to change. */
static int repo_open(const char *path, bool lock, repo_handle *out, sc_error *err)
{
  *out = (repo_handle){.lock_fd = -1};
  char real[PATH_MAX];
  if (realpath(path, real) == NULL)
    return sc_error_set_errno(err, errno, "cannot open the OSTree repository %s", path);
  out->path = xstrdup(real);
  g_autoptr(GError) gerror = NULL;
  out->repo = ostree_repo_open_at(AT_FDCWD, real, NULL, &gerror);
  if (out->repo == NULL)
    return sc_error_from_gerror(err, g_steal_pointer(&gerror),
                                "cannot open the OSTree repository %s", real);
  if (!lock)
    return 0;
  out->lock_fd = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (out->lock_fd < 0)
    return sc_error_set_errno(err, errno, "cannot open %s", real);
  _cleanup_free_ char *what = xasprintf("OSTree repository %s", real);
  return sc_store_lock(out->lock_fd, what, NULL, err);
}

/* A layer's or config's branch: ociimage/ and a sha256 hex. */
static bool is_blob_branch(const char *rest)
{
  if (strlen(rest) != 64)
    return false;
  for (const char *p = rest; *p; p++)
    if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
      return false;
  return true;
}

static int compare_strings(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The ociimage/ branches, without that prefix, sorted. */
static int list_branches(repo_handle *h, char ***out, sc_error *err)
{
  g_autoptr(GHashTable) refs = NULL;
  g_autoptr(GError) gerror = NULL;
  *out = NULL;
  if (!ostree_repo_list_refs_ext(h->repo, "ociimage", &refs, OSTREE_REPO_LIST_REFS_EXT_NONE, NULL,
                                 &gerror))
    return sc_error_from_gerror(err, g_steal_pointer(&gerror), "%s: listing branches", h->path);
  GHashTableIter it;
  gpointer key;
  g_hash_table_iter_init(&it, refs);
  while (g_hash_table_iter_next(&it, &key, NULL)) {
    const char *ref = key;
    if (sc_str_has_prefix(ref, SC_OSTREE_REF_PREFIX))
      ref += strlen(SC_OSTREE_REF_PREFIX);
    sc_strv_push(out, ref);
  }
  if (*out)
    qsort(*out, sc_strv_length(*out), sizeof **out, compare_strings);
  return 0;
}

static char *image_reference(const repo_handle *h, const char *encoded)
{
  _cleanup_free_ char *name = sc_ostree_decode_ref(encoded);
  return name ? xasprintf(SC_OSTREE_TRANSPORT "%s@%s", name, h->path) : NULL;
}

static int64_t image_size(const sc_image *image)
{
  _cleanup_free_ char *manifest = json_dumps(image->manifest, JSON_COMPACT);
  int64_t size = image->config_descriptor.size + (int64_t)(manifest ? strlen(manifest) : 0);
  for (size_t i = 0; i < image->layer_count; i++)
    size += image->layers[i].size;
  return size;
}

static json_t *image_entry(const repo_handle *h, const sc_image *image, json_t *installed)
{
  const char *colon = strrchr(image->name, ':');
  json_t *o = json_pack("{s:s, s:s, s:s, s:s%, s:s, s:s, s:I, s:O?}", "store", h->path, "kind",
                        "ostree", "reference", image->reference, "name", image->name,
                        (size_t)(colon ? colon - image->name : (long)strlen(image->name)), "tag",
                        colon ? colon + 1 : "latest", "digest", image->manifest_digest, "size",
                        (json_int_t)image_size(image), "created",
                        json_object_get(image->config, "created"));
  if (json_object_get(o, "created") == NULL)
    json_object_set_new(o, "created", json_null());
  json_object_set_new(o, "used_by",
                      sc_stores_used_by(installed, image->reference, image->manifest_digest));
  return o;
}

int sc_stores_ostree_list(const char *repo, json_t *installed, json_t *out, sc_error *err)
{
  repo_handle h;
  _cleanup_strv_ char **branches = NULL;
  int r = repo_open(repo, false, &h, err);
  if (r == 0)
    r = list_branches(&h, &branches, err);
  for (size_t i = 0; r == 0 && branches && branches[i]; i++) {
    _cleanup_free_ char *reference = image_reference(&h, branches[i]);
    sc_image *image = NULL;
    if (is_blob_branch(branches[i]) || reference == NULL)
      continue;
    r = sc_image_open(reference, &image, err);
    if (r == 0)
      json_array_append_new(out, image_entry(&h, image, installed));
    sc_image_free(image);
  }
  repo_close(&h);
  return r;
}

static int delete_branch(repo_handle *h, const char *branch, sc_error *err)
{
  g_autoptr(GError) gerror = NULL;
  if (!ostree_repo_set_ref_immediate(h->repo, NULL, branch, NULL, NULL, &gerror))
    return sc_error_from_gerror(err, g_steal_pointer(&gerror), "%s: removing the branch %s",
                                h->path, branch);
  return 0;
}

static int untag(repo_handle *h, const char *name, json_t *installed, bool force, json_t **removed,
                 sc_error *err)
{
  _cleanup_free_ char *encoded = sc_ostree_encode_ref(name);
  _cleanup_free_ char *branch = xasprintf(SC_OSTREE_REF_PREFIX "%s", encoded);
  _cleanup_free_ char *reference = xasprintf(SC_OSTREE_TRANSPORT "%s@%s", name, h->path);
  sc_image *image = NULL;
  if (sc_image_open(reference, &image, err) < 0 && !force)
    return sc_error_prefix(err, "give --force to remove the tag anyway");
  json_t *users = sc_stores_used_by(installed, reference, image ? image->manifest_digest : NULL);
  *removed = json_pack("{s:s, s:s?}", "reference", reference, "digest",
                       image ? image->manifest_digest : NULL);
  sc_image_free(image);
  int r = 0;
  if (!force && json_array_size(users) > 0) {
    _cleanup_free_ char *names = json_dumps(users, JSON_COMPACT);
    r = sc_error_set(err, SC_E_CHECK,
                     "%s is used by the installed container(s) %s: uninstall or update them "
                     "first, or give --force",
                     reference, names);
  }
  json_decref(users);
  return r == 0 ? delete_branch(h, branch, err) : -1;
}

int sc_stores_ostree_remove(const char *reference, json_t *installed, bool force, json_t **removed,
                            sc_error *err)
{
  _cleanup_free_ char *name = NULL, *repo = NULL;
  if (sc_ostree_parse_reference(reference, &name, &repo, err) < 0)
    return -1;
  repo_handle h;
  int r = repo_open(repo, true, &h, err);
  if (r == 0)
    r = untag(&h, name, installed, force, removed, err);
  if (r < 0) {
    json_decref(*removed);
    *removed = NULL;
  }
  repo_close(&h);
  return r;
}

/* The blob branches every image branch uses; -1 when an image cannot be
 * read, for then what it uses cannot be told. */
static int used_blob_branches(repo_handle *h, char **branches, json_t *used, sc_error *err)
{
  for (size_t i = 0; branches && branches[i]; i++) {
    _cleanup_free_ char *reference = image_reference(h, branches[i]);
    if (is_blob_branch(branches[i]) || reference == NULL)
      continue;
    sc_image *image = NULL;
    if (sc_image_open(reference, &image, err) < 0)
      return sc_error_prefix(err, "%s: removing nothing, since what is in use cannot be told",
                             h->path);
    json_object_set_new(used, sc_digest_hex(image->config_descriptor.digest), json_true());
    for (size_t l = 0; l < image->layer_count; l++)
      json_object_set_new(used, sc_digest_hex(image->layers[l].digest), json_true());
    sc_image_free(image);
  }
  return 0;
}

/* The commits no ref reaches go first: ostree_repo_prune deletes the
 * unreachable objects in no set order, so a prune killed half-way could
 * leave a commit whose files are gone, which ostree fsck reports as
 * corruption.  Without their commits, the files and trees left are only
 * garbage for the next prune. */
static int delete_unreachable_commits(repo_handle *h, sc_error *err)
{
  g_autoptr(GError) gerror = NULL;
  g_autoptr(GHashTable) reachable = ostree_repo_traverse_new_reachable();
  g_autoptr(GHashTable) objects = NULL;
  if (!ostree_repo_traverse_reachable_refs(h->repo, G_MAXUINT, reachable, NULL, &gerror) ||
      !ostree_repo_list_objects(h->repo, OSTREE_REPO_LIST_OBJECTS_ALL, &objects, NULL, &gerror))
    return sc_error_from_gerror(err, g_steal_pointer(&gerror), "%s: listing commits", h->path);
  GHashTableIter iter;
  gpointer key;
  g_hash_table_iter_init(&iter, objects);
  while (g_hash_table_iter_next(&iter, &key, NULL)) {
    const char *checksum;
    OstreeObjectType type;
    ostree_object_name_deserialize(key, &checksum, &type);
    if (type != OSTREE_OBJECT_TYPE_COMMIT || g_hash_table_contains(reachable, key))
      continue;
    if (!ostree_repo_delete_object(h->repo, type, checksum, NULL, &gerror))
      return sc_error_from_gerror(err, g_steal_pointer(&gerror), "%s: deleting commit %s", h->path,
                                  checksum);
  }
  return 0;
}

/* ostree prune --refs-only: the objects no ref reaches. */
static int prune_objects(repo_handle *h, json_t *report, sc_error *err)
{
  if (delete_unreachable_commits(h, err) < 0)
    return -1;
  gint total = 0, pruned = 0;
  guint64 freed = 0;
  g_autoptr(GError) gerror = NULL;
  if (!ostree_repo_prune(h->repo, OSTREE_REPO_PRUNE_FLAGS_REFS_ONLY, -1, &total, &pruned, &freed,
                         NULL, &gerror))
    return sc_error_from_gerror(err, g_steal_pointer(&gerror), "%s: pruning objects", h->path);
  if (pruned > 0) {
    _cleanup_free_ char *what = xasprintf("%d unreachable objects", pruned);
    sc_stores_report_add(report, what, (int64_t)freed);
  }
  return 0;
}

static int prune_branches(repo_handle *h, volatile const int *interrupted, json_t *report,
                          sc_error *err)
{
  _cleanup_strv_ char **branches = NULL;
  json_t *used = json_object();
  int r = list_branches(h, &branches, err);
  if (r == 0)
    r = used_blob_branches(h, branches, used, err);
  for (size_t i = 0; r == 0 && branches && branches[i]; i++) {
    if (!is_blob_branch(branches[i]) || json_object_get(used, branches[i]))
      continue;
    if (sc_interrupted(interrupted)) {
      r = sc_error_set(err, SC_E_INTERRUPTED, "interrupted: %s is valid, partly pruned", h->path);
      break;
    }
    _cleanup_free_ char *branch = xasprintf(SC_OSTREE_REF_PREFIX "%s", branches[i]);
    r = delete_branch(h, branch, err);
    if (r == 0)
      sc_stores_report_add(report, branch, 0);
  }
  json_decref(used);
  return r;
}

int sc_stores_ostree_prune(const char *repo, volatile const int *interrupted, json_t *report,
                           sc_error *err)
{
  repo_handle h;
  int r = repo_open(repo, true, &h, err);
  if (r == 0)
    r = prune_branches(&h, interrupted, report, err);
  if (r == 0)
    r = prune_objects(&h, report, err);
  repo_close(&h);
  return r;
}
