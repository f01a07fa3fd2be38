/* ostree-import.c: write an OCI image into an OSTree repository as
 * containers/image's ostree: destination (ostree_dest.go) lays it out,
 * which atomic's Atomic/syscontainers.py reads. */
#include "ostree-import.h"
#include "image-internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <ostree.h>

#include "image-ostree.h"
#include "layer-reader.h"
#include "oci.h"
#include "ostree-layer.h"
#include "ostree-tarsplit.h"
#include "sha256.h"
#include "store.h"
#include "unpack.h"
#include "util.h"

/* The same subject on every commit, so that commits depend on content only. */
#define COMMIT_SUBJECT "sc-build import"

/* A layer tree a build streamed in, to commit once the image names it. */
typedef struct streamed_layer {
  sc_layer_result layer;
  OstreeMutableTree *mtree;
  char *tarsplit;
} streamed_layer;

struct sc_ostree_session {
  OstreeRepo *repo;
  int lock_fd;
  bool in_transaction;
  guint64 timestamp;
  volatile const int *interrupted;
  sc_ostree_import_result *result;
  const sc_image *image; /* while importing it */
  sc_ostree_layer_stream *stream;
  streamed_layer *streamed;
  size_t streamed_count;
};
typedef struct sc_ostree_session import_ctx;

/* ---- repository ---- */

int sc_ostree_mode_parse(const char *text, sc_ostree_mode *out, sc_error *err)
{
  static const struct {
    const char *name;
    sc_ostree_mode mode;
  } modes[] = {{"bare", SC_OSTREE_MODE_BARE},
               {"bare-user", SC_OSTREE_MODE_BARE_USER},
               {"archive", SC_OSTREE_MODE_ARCHIVE}};
  for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
    if (strcmp(text, modes[i].name) == 0) {
      *out = modes[i].mode;
      return 0;
    }
  return sc_error_set(err, SC_E_USAGE, "unknown repository mode '%s' (bare, bare-user, archive)",
                      text);
}

static OstreeRepoMode ostree_mode_of(sc_ostree_mode mode)
{
  switch (mode) {
  case SC_OSTREE_MODE_BARE:
    return OSTREE_REPO_MODE_BARE;
  case SC_OSTREE_MODE_BARE_USER:
    return OSTREE_REPO_MODE_BARE_USER;
  case SC_OSTREE_MODE_ARCHIVE:
    return OSTREE_REPO_MODE_ARCHIVE;
  default:
    /* atomic _get_ostree_repo: BARE as root, BARE_USER otherwise. */
    return geteuid() == 0 ? OSTREE_REPO_MODE_BARE : OSTREE_REPO_MODE_BARE_USER;
  }
}

static const char *mode_name(OstreeRepoMode mode)
{
  switch (mode) {
  case OSTREE_REPO_MODE_BARE:
    return "bare";
  case OSTREE_REPO_MODE_BARE_USER:
    return "bare-user";
  case OSTREE_REPO_MODE_BARE_USER_ONLY:
    return "bare-user-only";
  case OSTREE_REPO_MODE_ARCHIVE:
    return "archive";
  default:
    return "other";
  }
}

/* Create the repository only where nothing is (or an empty directory), never
 * inside a directory that holds something else. */
static int repo_may_be_created(const char *path, bool *create, sc_error *err)
{
  _cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    if (errno != ENOENT)
      return sc_error_set_errno(err, errno, "cannot open OSTree repository %s", path);
    *create = true;
    return 0;
  }
  struct stat st;
  if (fstatat(fd, "config", &st, 0) == 0) {
    *create = false;
    return 0;
  }
  DIR *d = fdopendir(steal_fd(&fd));
  if (d == NULL)
    return sc_error_set_errno(err, errno, "cannot read %s", path);
  struct dirent *de;
  bool empty = true;
  while (empty && (de = readdir(d)) != NULL)
    empty = strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0;
  closedir(d);
  if (!empty)
    return sc_error_set(err, SC_E_INVALID,
                        "%s is not an OSTree repository and not empty: refusing to create one "
                        "there",
                        path);
  *create = true;
  return 0;
}

static int open_or_create_repo(const char *path, sc_ostree_mode mode, OstreeRepo **out,
                               bool *created, sc_error *err)
{
  if (repo_may_be_created(path, created, err) < 0)
    return -1;
  g_autoptr(GError) gerror = NULL;
  *out = *created ? ostree_repo_create_at(AT_FDCWD, path, ostree_mode_of(mode), NULL, NULL, &gerror)
                  : ostree_repo_open_at(AT_FDCWD, path, NULL, &gerror);
  if (*out == NULL)
    return sc_error_from_gerror(err, g_steal_pointer(&gerror), "cannot %s OSTree repository %s",
                                *created ? "create" : "open", path);
  OstreeRepoMode actual = ostree_repo_get_mode(*out);
  if (!*created && mode != SC_OSTREE_MODE_DEFAULT && actual != ostree_mode_of(mode)) {
    g_clear_object(out);
    return sc_error_set(err, SC_E_INVALID, "%s is a repository of mode %s, not %s", path,
                        mode_name(actual), mode_name(ostree_mode_of(mode)));
  }
  return 0;
}

/* ---- commits ---- */

/* Commit metadata a{sv} of string values, as skopeo's AddMetadataString. */
static GVariant *metadata_new(const char *const *pairs)
{
  GVariantBuilder builder;
  g_variant_builder_init(&builder, G_VARIANT_TYPE("a{sv}"));
  for (size_t i = 0; pairs[i]; i += 2)
    g_variant_builder_add(&builder, "{sv}", pairs[i], g_variant_new_string(pairs[i + 1]));
  return g_variant_ref_sink(g_variant_builder_end(&builder));
}

static void result_add(import_ctx *ctx, const char *branch, const char *commit, bool reused)
{
  sc_ostree_import_result *r = ctx->result;
  r->branches = xrealloc(r->branches, (r->branch_count + 1) * sizeof *r->branches);
  r->branches[r->branch_count++] =
      (sc_ostree_branch){.name = xstrdup(branch), .commit = xstrdup(commit), .reused = reused};
}

/* Write mtree as a commit with no parent and point branch at it when the
 * transaction commits. */
static int commit_tree(import_ctx *ctx, OstreeMutableTree *mtree, GVariant *metadata,
                       const char *branch, sc_error *err)
{
  g_autoptr(GError) gerror = NULL;
  g_autoptr(GFile) root = NULL;
  g_autofree char *commit = NULL;
  if (!ostree_repo_write_mtree(ctx->repo, mtree, &root, NULL, &gerror) ||
      !ostree_repo_write_commit_with_time(ctx->repo, NULL, COMMIT_SUBJECT, NULL, metadata,
                                          OSTREE_REPO_FILE(root), ctx->timestamp, &commit, NULL,
                                          &gerror))
    return sc_error_from_gerror(err, g_steal_pointer(&gerror), "committing %s", branch);
  ostree_repo_transaction_set_ref(ctx->repo, NULL, branch, commit);
  result_add(ctx, branch, commit, false);
  return 0;
}

/* A directory owned by root, mode 0755, for the trees built here. */
static int set_directory_metadata(import_ctx *ctx, OstreeMutableTree *dir, sc_error *err)
{
  g_autoptr(GFileInfo) info = g_file_info_new();
  g_file_info_set_attribute_uint32(info, "unix::uid", 0);
  g_file_info_set_attribute_uint32(info, "unix::gid", 0);
  g_file_info_set_attribute_uint32(info, "unix::mode", S_IFDIR | 0755);
  g_autoptr(GVariant) dirmeta = ostree_create_directory_metadata(info, NULL);
  g_autoptr(GError) gerror = NULL;
  g_autofree guchar *csum = NULL;
  if (!ostree_repo_write_metadata(ctx->repo, OSTREE_OBJECT_TYPE_DIR_META, NULL, dirmeta, &csum,
                                  NULL, &gerror))
    return sc_error_from_gerror(err, g_steal_pointer(&gerror), "writing directory metadata");
  g_autofree char *checksum = ostree_checksum_from_bytes(csum);
  ostree_mutable_tree_set_metadata_checksum(dir, checksum);
  return 0;
}

/* A regular file root:root 0644 holding data, at name in dir. */
static int add_file(import_ctx *ctx, OstreeMutableTree *dir, const char *name, const char *data,
                    size_t len, sc_error *err)
{
  g_autoptr(GError) gerror = NULL;
  g_autofree char *checksum = ostree_repo_write_regfile_inline(
      ctx->repo, NULL, 0, 0, S_IFREG | 0644, NULL, (const guint8 *)data, len, NULL, &gerror);
  if (checksum == NULL || !ostree_mutable_tree_replace_file(dir, name, checksum, &gerror))
    return sc_error_from_gerror(err, g_steal_pointer(&gerror), "writing %s", name);
  return 0;
}

/* A blob of the layout, read whole and checked against its digest. */
static int read_blob(const sc_image *image, const char *digest, char **data, size_t *len,
                     sc_error *err)
{
  if (!sc_digest_is_valid(digest))
    return sc_error_set(err, SC_E_INVALID, "malformed digest '%s'", digest);
  _cleanup_free_ char *path = xasprintf("blobs/sha256/%s", sc_digest_hex(digest));
  if (sc_read_file_at(image->layout_fd, path, data, len, err) < 0)
    return sc_error_prefix(err, "%s", image->layout_path);
  char actual[SC_DIGEST_LEN + 1];
  sc_sha256_digest(*data, *len, actual);
  if (strcmp(actual, digest) != 0) {
    free(steal_pointer(data));
    return sc_error_set(err, SC_E_INVALID, "%s: blob %s has digest %s: the layout is corrupt",
                        image->layout_path, digest, actual);
  }
  return 0;
}

/* The config blob: a tree with the single file `content` (ostree_dest.go
 * importConfig); atomic reads the labels from it. */
static int import_config(import_ctx *ctx, sc_error *err)
{
  const sc_descriptor *d = &ctx->image->config_descriptor;
  _cleanup_free_ char *data = NULL;
  size_t len = 0;
  if (read_blob(ctx->image, d->digest, &data, &len, err) < 0)
    return -1;
  g_autoptr(OstreeMutableTree) mtree = ostree_mutable_tree_new();
  if (set_directory_metadata(ctx, mtree, err) < 0 ||
      add_file(ctx, mtree, "content", data, len, err) < 0)
    return sc_error_prefix(err, "config %s", d->digest);
  _cleanup_free_ char *size = xasprintf("%zu", len);
  g_autoptr(GVariant) metadata = metadata_new((const char *[]){"docker.size", size, NULL});
  _cleanup_free_ char *branch = xasprintf(SC_OSTREE_REF_PREFIX "%s", sc_digest_hex(d->digest));
  return commit_tree(ctx, mtree, metadata, branch, err);
}

/* The image branch: manifest/manifest.json and the manifest in metadata
 * (ostree_dest.go Commit); no signatures are written. */
static int import_manifest(import_ctx *ctx, const char *name, sc_error *err)
{
  _cleanup_free_ char *data = NULL;
  size_t len = 0;
  if (read_blob(ctx->image, ctx->image->manifest_digest, &data, &len, err) < 0)
    return -1;
  if (memchr(data, '\0', len))
    return sc_error_set(err, SC_E_INVALID, "manifest %s holds a NUL byte",
                        ctx->image->manifest_digest);
  g_autoptr(OstreeMutableTree) mtree = ostree_mutable_tree_new();
  g_autoptr(OstreeMutableTree) subdir = NULL;
  g_autoptr(GError) gerror = NULL;
  if (!ostree_mutable_tree_ensure_dir(mtree, "manifest", &subdir, &gerror))
    return sc_error_from_gerror(err, g_steal_pointer(&gerror), "image tree");
  if (set_directory_metadata(ctx, mtree, err) < 0 || set_directory_metadata(ctx, subdir, err) < 0 ||
      add_file(ctx, subdir, "manifest.json", data, len, err) < 0)
    return sc_error_prefix(err, "image %s", name);
  g_autoptr(GVariant) metadata =
      metadata_new((const char *[]){"docker.manifest", data, "docker.digest",
                                    ctx->image->manifest_digest, "signatures", "0", NULL});
  _cleanup_free_ char *encoded = sc_ostree_encode_ref(name);
  _cleanup_free_ char *branch = xasprintf(SC_OSTREE_REF_PREFIX "%s", encoded);
  return commit_tree(ctx, mtree, metadata, branch, err);
}

/* ---- layers ---- */

/* The layer as read against its descriptor and the config's diff_id. */
static int check_layer_sums(const sc_layer_sums *sums, const sc_descriptor *layer,
                            const char *diff_id, sc_error *err)
{
  if (strcmp(sums->digest, layer->digest) != 0 || sums->size != (uint64_t)layer->size)
    return sc_error_set(err, SC_E_INVALID,
                        "the blob holds %" PRIu64
                        " bytes with digest %s, its descriptor says %" PRId64
                        " bytes with digest %s: the layout is corrupt or was tampered with",
                        sums->size, sums->digest, layer->size, layer->digest);
  if (diff_id && strcmp(sums->diff_id, diff_id) != 0)
    return sc_error_set(err, SC_E_INVALID,
                        "the uncompressed layer has digest %s, but the config's diff_id is %s",
                        sums->diff_id, diff_id);
  return 0;
}

/* config.rootfs.diff_ids[index] when it is a well-formed digest. */
static const char *diff_id_of(const sc_image *image, size_t index)
{
  json_t *ids = json_object_get(json_object_get(image->config, "rootfs"), "diff_ids");
  const char *id = json_string_value(json_array_get(ids, index));
  return id && sc_digest_is_valid(id) ? id : NULL;
}

/* skopeo TryReusingBlob: a layer branch already holding this diff_id. */
static int find_reusable_layer(import_ctx *ctx, const char *branch, const char *diff_id,
                               char **commit, sc_error *err)
{
  *commit = NULL;
  if (diff_id == NULL)
    return 0;
  _cleanup_free_ char *rev = NULL, *existing = NULL;
  if (sc_ostree_resolve_branch(ctx->repo, branch, &rev, err) < 0)
    return -1;
  if (rev == NULL)
    return 0;
  if (sc_ostree_commit_metadata(ctx->repo, rev, "docker.uncompressed_digest", &existing, err) < 0)
    return -1;
  if (existing && strcmp(existing, diff_id) == 0)
    *commit = steal_pointer(&rev);
  return 0;
}

/* The layer commit's metadata, as skopeo's ostree: destination writes it
 * (ostree_dest.go importBlob), in its order. */
static GVariant *layer_metadata(uint64_t size, uint64_t uncompressed_size, const char *diff_id,
                                const char *tarsplit)
{
  _cleanup_free_ char *size_text = xasprintf("%" PRIu64, size);
  _cleanup_free_ char *uncompressed_text = xasprintf("%" PRIu64, uncompressed_size);
  return metadata_new((const char *[]){"docker.size", size_text, "docker.uncompressed_size",
                                       uncompressed_text, "docker.uncompressed_digest", diff_id,
                                       "tarsplit.output", tarsplit, NULL});
}

typedef struct checked_read {
  sc_ostree_entry_checker *checker;
  sc_tarsplit *tarsplit;
} checked_read;

static void tarsplit_tap(void *user, const void *buf, size_t len)
{
  /* Errors stay in the builder until sc_tarsplit_finish reports them. */
  sc_error ignored = SC_ERROR_INIT;
  sc_tarsplit_write(user, buf, len, &ignored);
  sc_error_clear(&ignored);
}

/* Each entry checked, and marked where its data starts for the tar-split
 * (the tar reader has consumed the header when it returns it). */
static int check_tar_entries(struct archive *tar, checked_read *read, sc_error *err)
{
  for (;;) {
    struct archive_entry *entry;
    int r = archive_read_next_header(tar, &entry);
    if (r == ARCHIVE_EOF)
      return 0;
    if (r < ARCHIVE_WARN)
      return sc_error_set(err, SC_E_INVALID, "unpacking the tar: %s", archive_error_string(tar));
    if (sc_ostree_entry_check(read->checker, entry, err) < 0)
      return -1;
    bool has_data =
        archive_entry_filetype(entry) == AE_IFREG && archive_entry_hardlink(entry) == NULL;
    sc_tarsplit_entry(read->tarsplit, archive_entry_pathname(entry),
                      (uint64_t)archive_filter_bytes(tar, 0),
                      has_data ? (uint64_t)archive_entry_size(entry) : 0);
  }
}

/* Every entry of the layer checked before libostree reads the tar:
 * libostree aborts on a hard link to "..", and stores whiteouts whose names
 * are not names, which its checkout then applies.  This reads the blob
 * once more, and makes the layer's tar-split on the way; its sums are
 * checked here too, so that the read libostree sees holds the same bytes. */
static int check_layer_entries(import_ctx *ctx, const sc_descriptor *layer, const char *diff_id,
                               char **tarsplit, sc_error *err)
{
  int fd = sc_image_open_layer(ctx->image, layer, err);
  if (fd < 0)
    return -1;
  _cleanup_(sc_layer_reader_freep) sc_layer_reader *reader = NULL;
  checked_read read = {sc_ostree_entry_checker_new(true), sc_tarsplit_new()};
  int ret = sc_layer_reader_open_tapped(fd, layer->media_type, ctx->interrupted, tarsplit_tap,
                                        read.tarsplit, &reader, err);
  if (ret == 0)
    ret = check_tar_entries(sc_layer_reader_tar(reader), &read, err);
  sc_layer_sums sums;
  int finished = 0;
  if (!sc_interrupted(ctx->interrupted)) /* err keeps the first error */
    finished = sc_layer_reader_finish(reader, &sums, ret == 0 ? err : NULL);
  if (sc_check_interrupted(ctx->interrupted, "import", err) < 0)
    ret = -1;
  else if (check_layer_sums(&sums, layer, diff_id, err) < 0 || finished < 0)
    ret = -1;
  if (ret == 0 && (*tarsplit = sc_tarsplit_finish(read.tarsplit, err)) == NULL)
    ret = sc_error_prefix(err, "the layer's tar-split");
  sc_ostree_entry_checker_free(read.checker);
  sc_tarsplit_free(read.tarsplit);
  return ret;
}

static int import_layer_blob(import_ctx *ctx, const sc_descriptor *layer, const char *diff_id,
                             const char *branch, sc_error *err)
{
  _cleanup_free_ char *tarsplit = NULL;
  if (check_layer_entries(ctx, layer, diff_id, &tarsplit, err) < 0)
    return -1;
  int fd = sc_image_open_layer(ctx->image, layer, err);
  if (fd < 0)
    return -1;
  _cleanup_(sc_layer_reader_freep) sc_layer_reader *reader = NULL;
  g_autoptr(OstreeMutableTree) mtree = ostree_mutable_tree_new();
  int ret = sc_layer_reader_open(fd, layer->media_type, ctx->interrupted, &reader, err);
  if (ret == 0)
    ret = sc_ostree_tar_to_mtree(ctx->repo, sc_layer_reader_tar(reader), mtree, err);
  if (sc_check_interrupted(ctx->interrupted, "import", err) < 0)
    return -1;
  /* Also after a failed read: a digest mismatch, which replaces the read
   * error in err, is the more useful message. */
  sc_layer_sums sums;
  int finished = sc_layer_reader_finish(reader, &sums, ret == 0 ? err : NULL);
  if (check_layer_sums(&sums, layer, diff_id, err) < 0 || ret < 0 || finished < 0)
    return -1;
  g_autoptr(GVariant) metadata =
      layer_metadata(sums.size, sums.uncompressed_size, sums.diff_id, tarsplit);
  return commit_tree(ctx, mtree, metadata, branch, err);
}

/* A layer this session's build streamed in (sc_ostree_session_layer_end)
 * with this blob digest and diff_id, or NULL. */
static streamed_layer *find_streamed(import_ctx *ctx, const sc_descriptor *layer,
                                     const char *diff_id)
{
  for (size_t i = 0; i < ctx->streamed_count; i++) {
    streamed_layer *l = &ctx->streamed[i];
    if (strcmp(l->layer.digest, layer->digest) == 0 && l->layer.size == layer->size && diff_id &&
        strcmp(l->layer.diff_id, diff_id) == 0)
      return l;
  }
  return NULL;
}

static int commit_streamed(import_ctx *ctx, streamed_layer *l, const char *branch, sc_error *err)
{
  g_autoptr(GVariant) metadata = layer_metadata(
      (uint64_t)l->layer.size, (uint64_t)l->layer.uncompressed_size, l->layer.diff_id, l->tarsplit);
  return commit_tree(ctx, l->mtree, metadata, branch, err);
}

static int import_layer(import_ctx *ctx, size_t index, sc_error *err)
{
  const sc_descriptor *layer = &ctx->image->layers[index];
  const char *diff_id = diff_id_of(ctx->image, index);
  _cleanup_free_ char *branch = xasprintf(SC_OSTREE_REF_PREFIX "%s", sc_digest_hex(layer->digest));
  _cleanup_free_ char *reusable = NULL;
  if (find_reusable_layer(ctx, branch, diff_id, &reusable, err) < 0)
    return -1;
  if (reusable) {
    result_add(ctx, branch, reusable, true);
    return 0;
  }
  streamed_layer *streamed = find_streamed(ctx, layer, diff_id);
  int r = streamed ? commit_streamed(ctx, streamed, branch, err)
                   : import_layer_blob(ctx, layer, diff_id, branch, err);
  if (r < 0)
    return sc_error_prefix(err, "layer %zu of %zu (%s)", index + 1, ctx->image->layer_count,
                           layer->digest);
  return 0;
}

/* ---- the session ---- */

static int import_all(import_ctx *ctx, const char *name, sc_error *err)
{
  for (size_t i = 0; i < ctx->image->layer_count; i++) {
    if (sc_check_interrupted(ctx->interrupted, "import", err) < 0)
      return -1;
    if (import_layer(ctx, i, err) < 0)
      return -1;
  }
  if (import_config(ctx, err) < 0 || import_manifest(ctx, name, err) < 0)
    return -1;
  return 0;
}

static int image_branch_name(const sc_image *image, const char *tag, char **out, sc_error *err)
{
  _cleanup_free_ char *only = tag || image->tag || image->kind != SC_IMAGE_OCI_LAYOUT
                                  ? NULL
                                  : sc_oci_first_ref_name(image->layout_fd);
  tag = tag ? tag : image->tag ? image->tag : only;
  if (tag == NULL)
    return sc_error_set(err, SC_E_USAGE,
                        "%s: the image has no ref name: give the name to import it as "
                        "(--tag NAME:TAG)",
                        image->reference);
  return sc_ostree_normalize_name(tag, out, err);
}

/* Two sessions must not interleave reading and moving refs (store.h). */
static int lock_repo(import_ctx *ctx, const char *repo_path, sc_error *err)
{
  ctx->lock_fd = open(repo_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  _cleanup_free_ char *what = xasprintf("OSTree repository %s", repo_path);
  if (ctx->lock_fd < 0)
    return sc_error_set_errno(err, errno, "cannot open %s", what);
  return sc_store_lock(ctx->lock_fd, what, ctx->interrupted, err);
}

int sc_ostree_session_open(const char *repo_path, const sc_ostree_import_options *options,
                           sc_ostree_import_result *result, sc_ostree_session **out, sc_error *err)
{
  *result = (sc_ostree_import_result){0};
  import_ctx *ctx = xcalloc(1, sizeof *ctx);
  ctx->interrupted = options->interrupted;
  ctx->timestamp = (guint64)options->timestamp;
  sc_ostree_mode mode = options->mode;
  ctx->result = result;
  ctx->lock_fd = -1;
  *out = ctx;
  if (open_or_create_repo(repo_path, mode, &ctx->repo, &result->created, err) < 0 ||
      lock_repo(ctx, repo_path, err) < 0)
    return -1;
  char absolute[PATH_MAX];
  result->repo_path = xstrdup(realpath(repo_path, absolute) ? absolute : repo_path);
  result->mode = xstrdup(mode_name(ostree_repo_get_mode(ctx->repo)));
  /* Every commit in one transaction: refs move only when all are written. */
  g_autoptr(GError) gerror = NULL;
  if (!ostree_repo_prepare_transaction(ctx->repo, NULL, NULL, &gerror))
    return sc_error_from_gerror(err, g_steal_pointer(&gerror), "starting a transaction");
  ctx->in_transaction = true;
  return 0;
}

int sc_ostree_session_layer_begin(sc_ostree_session *s, sc_layer_tap *tap, sc_error *err)
{
  s->stream = sc_ostree_layer_stream_start(s->repo, tap, err);
  return s->stream ? 0 : -1;
}

int sc_ostree_session_layer_end(sc_ostree_session *s, const sc_layer_result *layer, sc_error *err)
{
  OstreeMutableTree *mtree = NULL;
  char *tarsplit = NULL;
  sc_ostree_layer_stream *stream = steal_pointer(&s->stream);
  if (stream == NULL)
    return 0;
  if (sc_ostree_layer_stream_finish(stream, layer != NULL, &mtree, &tarsplit, err) < 0)
    return sc_error_prefix(err, "committing the layer to OSTree");
  if (layer == NULL)
    return 0;
  s->streamed = xrealloc(s->streamed, (s->streamed_count + 1) * sizeof *s->streamed);
  s->streamed[s->streamed_count++] =
      (streamed_layer){.layer = *layer, .mtree = mtree, .tarsplit = tarsplit};
  return 0;
}

int sc_ostree_session_import(sc_ostree_session *s, const sc_image *image, const char *tag,
                             sc_error *err)
{
  _cleanup_free_ char *name = NULL;
  if (image->kind != SC_IMAGE_OCI_LAYOUT)
    return sc_error_set(err, SC_E_USAGE, "%s: only images in OCI layouts can be imported",
                        image->reference);
  if (image_branch_name(image, tag, &name, err) < 0)
    return -1;
  s->image = image;
  int ret = import_all(s, name, err);
  s->image = NULL;
  g_autoptr(GError) gerror = NULL;
  if (ret == 0 && !ostree_repo_commit_transaction(s->repo, NULL, NULL, &gerror))
    ret = sc_error_from_gerror(err, g_steal_pointer(&gerror), "committing the transaction");
  if (ret < 0)
    return -1;
  s->in_transaction = false;
  s->result->reference = xasprintf(SC_OSTREE_TRANSPORT "%s@%s", name, s->result->repo_path);
  return 0;
}

void sc_ostree_session_free(sc_ostree_session *s)
{
  if (s == NULL)
    return;
  if (s->stream) {
    sc_error ignored = SC_ERROR_INIT;
    sc_ostree_layer_stream_finish(steal_pointer(&s->stream), false, NULL, NULL, &ignored);
    sc_error_clear(&ignored);
  }
  if (s->in_transaction)
    (void)ostree_repo_abort_transaction(s->repo, NULL, NULL);
  for (size_t i = 0; i < s->streamed_count; i++) {
    g_clear_object(&s->streamed[i].mtree);
    free(s->streamed[i].tarsplit);
  }
  free(s->streamed);
  g_clear_object(&s->repo);
  if (s->lock_fd >= 0)
    close(s->lock_fd);
  free(s);
}

int sc_ostree_import(const sc_image *image, const char *repo_path,
                     const sc_ostree_import_options *options, sc_ostree_import_result *result,
                     sc_error *err)
{
  sc_ostree_import_options defaults = {0};
  options = options ? options : &defaults;
  *result = (sc_ostree_import_result){0};
  /* Refused before a repository is made for it. */
  _cleanup_free_ char *name = NULL;
  if (image->kind == SC_IMAGE_OSTREE)
    return sc_error_set(err, SC_E_USAGE,
                        "%s: the image is in an OSTree repository already: import reads "
                        "oci:, oci-archive:, docker-archive:, dir: or docker:// (to copy it to "
                        "another repository, use ostree pull-local)",
                        image->reference);
  if (image->kind != SC_IMAGE_OCI_LAYOUT)
    return sc_error_set(err, SC_E_USAGE, "%s: only images in OCI layouts can be imported",
                        image->reference);
  if (image_branch_name(image, options->tag, &name, err) < 0)
    return -1;
  sc_ostree_session *session = NULL;
  int ret = sc_ostree_session_open(repo_path, options, result, &session, err);
  if (ret == 0)
    ret = sc_ostree_session_import(session, image, options->tag, err);
  sc_ostree_session_free(session);
  if (ret < 0) {
    sc_ostree_import_result_clear(result);
    return sc_error_prefix(err, "importing %s into %s", image->reference, repo_path);
  }
  return 0;
}

void sc_ostree_import_result_clear(sc_ostree_import_result *result)
{
  for (size_t i = 0; i < result->branch_count; i++) {
    free(result->branches[i].name);
    free(result->branches[i].commit);
  }
  free(result->branches);
  free(result->repo_path);
  free(result->mode);
  free(result->reference);
  *result = (sc_ostree_import_result){0};
}
