/* image-ostree.c: open and check out images stored in an OSTree repository
 * as containers/image's `ostree:` transport stores them
 * (atomic's Atomic/syscontainers.py; docs/design.md section 3). */
#include "image-ostree.h"

#include <sc/imageref.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ostree.h>

#include "descriptor.h"
#include "imageref-internal.h"
#include "inroot.h"
#include "sha256.h"
#include "unpack.h"
#include "util.h"

struct sc_image_ostree {
  OstreeRepo *repo;
  char *repo_path; /* absolute */
};

void sc_image_ostree_free(sc_image_ostree *backend)
{
  if (backend == NULL)
    return;
  g_clear_object(&backend->repo);
  free(backend->repo_path);
  free(backend);
}

int sc_error_from_gerror(sc_error *err, GError *gerror, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  _cleanup_free_ char *context = xvasprintf(fmt, ap);
  va_end(ap);
  int code = SC_E_INVALID;
  if (gerror && gerror->domain == G_IO_ERROR && gerror->code == G_IO_ERROR_NOT_FOUND)
    code = ENOENT;
  sc_error_set(err, code, "%s: %s", context, gerror ? gerror->message : "unknown error");
  g_clear_error(&gerror);
  return -1;
}

/* ---- names ---- */

static bool ref_byte_is_plain(unsigned char c)
{
  return isascii(c) && (isalnum(c) || c == '.' || c == '-');
}

char *sc_ostree_encode_ref(const char *name)
{
  sc_buf b = SC_BUF_INIT;
  sc_buf_puts(&b, "");
  for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
    if (ref_byte_is_plain(*p))
      sc_buf_putc(&b, (char)*p);
    else
      sc_buf_printf(&b, "_%02X", *p);
  }
  return sc_buf_steal(&b);
}

static int hex_value(char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

char *sc_ostree_decode_ref(const char *encoded)
{
  sc_buf b = SC_BUF_INIT;
  sc_buf_puts(&b, "");
  for (const char *p = encoded; *p; p++) {
    if (*p != '_') {
      if (!ref_byte_is_plain((unsigned char)*p))
        goto invalid;
      sc_buf_putc(&b, *p);
      continue;
    }
    int hi = hex_value(p[1]), lo = hi < 0 ? -1 : hex_value(p[2]);
    if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
      goto invalid;
    sc_buf_putc(&b, (char)(hi * 16 + lo));
    p += 2;
  }
  return sc_buf_steal(&b);
invalid:
  sc_buf_free(&b);
  return NULL;
}

int sc_ostree_parse_reference(const char *reference, char **name, char **repo, sc_error *err)
{
  _cleanup_free_ char *text = sc_str_has_prefix(reference, SC_OSTREE_TRANSPORT)
                                  ? xstrdup(reference)
                                  : xasprintf("%s%s", SC_OSTREE_TRANSPORT, reference);
  sc_image_ref ref;
  if (sc_image_ref_parse(text, SC_REF_SOURCE, &ref, err) < 0)
    return -1;
  *name = steal_pointer(&ref.ref);
  *repo = steal_pointer(&ref.path);
  sc_image_ref_clear(&ref);
  return 0;
}

/* ---- reading commits ---- */

int sc_ostree_resolve_branch(struct OstreeRepo *repo, const char *branch, char **out, sc_error *err)
{
  g_autoptr(GError) gerror = NULL;
  g_autofree char *rev = NULL;
  *out = NULL;
  if (!ostree_repo_resolve_rev(repo, branch, TRUE, &rev, &gerror))
    return sc_error_from_gerror(err, g_steal_pointer(&gerror), "branch %s", branch);
  *out = rev ? xstrdup(rev) : NULL;
  return 0;
}

int sc_ostree_commit_metadata(struct OstreeRepo *repo, const char *commit, const char *key,
                              char **out, sc_error *err)
{
  g_autoptr(GError) gerror = NULL;
  g_autoptr(GVariant) variant = NULL;
  *out = NULL;
  if (!ostree_repo_load_variant(repo, OSTREE_OBJECT_TYPE_COMMIT, commit, &variant, &gerror))
    return sc_error_from_gerror(err, g_steal_pointer(&gerror), "commit %s", commit);
  g_autoptr(GVariant) metadata = g_variant_get_child_value(variant, 0);
  const char *value = NULL;
  if (g_variant_lookup(metadata, key, "&s", &value))
    *out = xstrdup(value);
  return 0;
}

/* The manifest from the image commit's docker.manifest, checked against
 * docker.digest (containers/image ostree_dest.go writes both). */
static int load_manifest(sc_image *image, const char *branch, sc_error *err)
{
  OstreeRepo *repo = image->ostree->repo;
  _cleanup_free_ char *text = NULL, *digest = NULL;
  if (sc_ostree_commit_metadata(repo, image->ostree_commit, "docker.manifest", &text, err) < 0 ||
      sc_ostree_commit_metadata(repo, image->ostree_commit, "docker.digest", &digest, err) < 0)
    return -1;
  if (text == NULL || digest == NULL)
    return sc_error_set(err, SC_E_INVALID,
                        "%s: the commit of %s has no docker.manifest or docker.digest metadata: "
                        "not an image imported by sc-build import or skopeo",
                        image->ostree->repo_path, branch);
  char actual[SC_DIGEST_LEN + 1];
  sc_sha256_digest(text, strlen(text), actual);
  if (strcmp(actual, digest) != 0)
    return sc_error_set(err, SC_E_INVALID,
                        "%s: %s: the manifest's digest is %s, its docker.digest says %s",
                        image->ostree->repo_path, branch, actual, digest);
  json_error_t jerr;
  image->manifest = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
  if (!json_is_object(image->manifest))
    return sc_error_set(err, SC_E_INVALID, "%s: %s: docker.manifest is not a JSON object: %s",
                        image->ostree->repo_path, branch, jerr.text);
  image->manifest_digest = steal_pointer(&digest);
  return 0;
}

/* Layers and config descriptors from an OCI or Docker schema2 manifest. */
static int load_descriptors(sc_image *image, sc_error *err)
{
  json_t *layers = json_object_get(image->manifest, "layers");
  if (json_integer_value(json_object_get(image->manifest, "schemaVersion")) != 2 ||
      !json_is_array(layers))
    return sc_error_set(err, SC_E_INVALID,
                        "%s: manifest %s is not an OCI or Docker schema 2 manifest",
                        image->ostree->repo_path, image->manifest_digest);
  if (sc_descriptor_parse(json_object_get(image->manifest, "config"), "manifest config",
                          &image->config_descriptor, err) < 0)
    return -1;
  return sc_image_parse_layers(image, image->ostree->repo_path, err);
}

/* The bytes of file `content` in the config blob's branch. */
static int read_config_content(const sc_image *image, const char *commit, GBytes **out,
                               sc_error *err)
{
  g_autoptr(GError) gerror = NULL;
  g_autoptr(GFile) root = NULL;
  if (!ostree_repo_read_commit(image->ostree->repo, commit, &root, NULL, NULL, &gerror))
    return sc_error_from_gerror(err, g_steal_pointer(&gerror), "config commit %s", commit);
  g_autoptr(GFile) content = g_file_get_child(root, "content");
  g_autoptr(GFileInfo) info = g_file_query_info(content, G_FILE_ATTRIBUTE_STANDARD_SIZE,
                                                G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, &gerror);
  if (info == NULL)
    return sc_error_from_gerror(err, g_steal_pointer(&gerror), "config commit %s", commit);
  if (g_file_info_get_size(info) > SC_JSON_DOCUMENT_MAX)
    return sc_error_set(err, SC_E_INVALID, "config commit %s: content is too large", commit);
  *out = g_file_load_bytes(content, NULL, NULL, &gerror);
  if (*out == NULL)
    return sc_error_from_gerror(err, g_steal_pointer(&gerror), "config commit %s", commit);
  return 0;
}

/* The config blob: the config branch's /content, whose digest must be
 * the manifest's config digest. */
static int read_config_bytes(const sc_image *image, GBytes **out, sc_error *err)
{
  const sc_descriptor *d = &image->config_descriptor;
  _cleanup_free_ char *branch = xasprintf(SC_OSTREE_REF_PREFIX "%s", sc_digest_hex(d->digest));
  _cleanup_free_ char *commit = NULL;
  if (sc_ostree_resolve_branch(image->ostree->repo, branch, &commit, err) < 0)
    return -1;
  if (commit == NULL)
    return sc_error_set(err, ENOENT,
                        "%s: config %s not found (no branch %s): build or import the image again",
                        image->ostree->repo_path, d->digest, branch);
  g_autoptr(GBytes) bytes = NULL;
  if (read_config_content(image, commit, &bytes, err) < 0)
    return sc_error_prefix(err, "%s", image->ostree->repo_path);
  gsize len = 0;
  const char *data = g_bytes_get_data(bytes, &len);
  char digest[SC_DIGEST_LEN + 1];
  sc_sha256_digest(data ? data : "", len, digest);
  if ((int64_t)len != d->size || strcmp(digest, d->digest) != 0)
    return sc_error_set(err, SC_E_INVALID,
                        "%s: %s/content does not match the config descriptor (size %zu, digest "
                        "%s): the repository is corrupt",
                        image->ostree->repo_path, branch, (size_t)len, digest);
  *out = g_steal_pointer(&bytes);
  return 0;
}

/* atomic reads the labels from the config (Atomic/syscontainers.py). */
static int load_config(sc_image *image, sc_error *err)
{
  g_autoptr(GBytes) bytes = NULL;
  if (read_config_bytes(image, &bytes, err) < 0)
    return -1;
  gsize len = 0;
  const char *data = g_bytes_get_data(bytes, &len);
  json_error_t jerr;
  image->config = json_loadb(data ? data : "", len, JSON_REJECT_DUPLICATES, &jerr);
  if (!json_is_object(image->config))
    return sc_error_set(err, SC_E_INVALID, "%s: config %s is not a JSON object: %s",
                        image->ostree->repo_path, image->config_descriptor.digest, jerr.text);
  return 0;
}

static int open_repo(const char *path, sc_image_ostree **out, sc_error *err)
{
  char absolute[PATH_MAX];
  if (realpath(path, absolute) == NULL)
    return sc_error_set_errno(err, errno, "cannot open OSTree repository %s", path);
  g_autoptr(GError) gerror = NULL;
  OstreeRepo *repo = ostree_repo_open_at(AT_FDCWD, absolute, NULL, &gerror);
  if (repo == NULL)
    return sc_error_from_gerror(err, g_steal_pointer(&gerror), "cannot open OSTree repository %s",
                                absolute);
  *out = xcalloc(1, sizeof **out);
  (*out)->repo = repo;
  (*out)->repo_path = xstrdup(absolute);
  return 0;
}

static int open_image(sc_image *image, const char *repo_path, sc_error *err)
{
  if (open_repo(repo_path, &image->ostree, err) < 0)
    return -1;
  free(image->reference);
  image->reference = xasprintf(SC_OSTREE_TRANSPORT "%s@%s", image->name, image->ostree->repo_path);
  _cleanup_free_ char *encoded = sc_ostree_encode_ref(image->name);
  _cleanup_free_ char *branch = xasprintf(SC_OSTREE_REF_PREFIX "%s", encoded);
  if (sc_ostree_resolve_branch(image->ostree->repo, branch, &image->ostree_commit, err) < 0)
    return -1;
  if (image->ostree_commit == NULL)
    return sc_error_set(err, ENOENT, "%s has no image %s (no branch %s)", image->ostree->repo_path,
                        image->name, branch);
  if (load_manifest(image, branch, err) < 0 || load_descriptors(image, err) < 0 ||
      load_config(image, err) < 0)
    return -1;
  return sc_image_check_diff_ids(image, image->ostree->repo_path, err);
}

int sc_image_ostree_open(const char *reference, sc_image **out, sc_error *err)
{
  sc_image *image = xcalloc(1, sizeof *image);
  image->kind = SC_IMAGE_OSTREE;
  image->layout_fd = -1;
  image->reference = xstrdup(reference);
  _cleanup_free_ char *repo_path = NULL;
  if (sc_ostree_parse_reference(reference, &image->name, &repo_path, err) < 0) {
    sc_image_free(image);
    return -1;
  }
  /* The tag field names the image as index.json's ref name does for OCI
   * layouts, so that callers (install's default container name) treat both
   * kinds alike. */
  image->tag = xstrdup(image->name);
  if (open_image(image, repo_path, err) < 0) {
    sc_image_free(image);
    return -1;
  }
  *out = image;
  return 0;
}

/* ---- checkout ---- */

/* atomic _checkout_layer: union the layer over what is there, apply
 * whiteouts, hard-link objects where the repository allows it.  Unlike
 * atomic (no_copy_fallback = True), copy when the repository is on another
 * filesystem rather than fail. */
static int layer_commit(const sc_image *image, size_t index, char **commit, sc_error *err)
{
  const sc_descriptor *layer = &image->layers[index];
  _cleanup_free_ char *branch = xasprintf(SC_OSTREE_REF_PREFIX "%s", sc_digest_hex(layer->digest));
  if (sc_ostree_resolve_branch(image->ostree->repo, branch, commit, err) < 0)
    return -1;
  if (*commit == NULL)
    return sc_error_set(err, ENOENT, "%s: layer %s not found: build or import the image again",
                        image->ostree->repo_path, layer->digest);
  return 0;
}

/* ---- checking a layer before libostree checks it out ---- */

/* libostree's union checkout opens a directory that is already there
 * following symlinks, and its whiteout processing removes whatever name
 * follows ".wh.", ".." included; the repository may have been written by
 * another tool.  So before a layer is checked out its tree is walked: every
 * name must be a name and every whiteout must name a file (else the layer
 * is refused), and where the layer has a directory and the rootfs a
 * symlink or another non-directory from a lower layer, that is removed
 * first: the layer's directory replaces it, as a directory entry does in
 * runtime/unpack.c (and in containerd), and nothing is written through the
 * symlink.  The rootfs is the caller's staging directory: nothing else
 * changes it meanwhile. */

int sc_ostree_check_layer_name(const char *name, const char *path, sc_error *err)
{
  if (!sc_name_is_valid(name))
    return sc_error_set(err, SC_E_INVALID, "refusing entry '%s': '%s' is not a file name", path,
                        name);
  const char *victim = sc_whiteout_victim(name);
  if (victim && !sc_name_is_valid(victim))
    return sc_error_set(err, SC_E_INVALID, "refusing whiteout '%s': '%s' is not a file name", path,
                        victim);
  return 0;
}

/* The rootfs at path, where the layer has a directory: anything but a
 * directory is removed (a symlink itself, never its target); *exists when
 * a directory stands there. */
static int prepare_rootfs_dir(int rootfs_fd, const char *path, bool *exists, sc_error *err)
{
  const char *base;
  sc_error local = SC_ERROR_INIT;
  _cleanup_close_ int parent = sc_open_parent_beneath(rootfs_fd, path, false, &base, &local);
  *exists = false;
  if (parent < 0 && local.code == ENOENT) {
    sc_error_clear(&local);
    return 0;
  }
  if (parent < 0) {
    sc_error_set(err, local.code, "%s", local.msg);
    sc_error_clear(&local);
    return -1;
  }
  struct stat st;
  if (fstatat(parent, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return errno == ENOENT ? 0 : sc_error_set_errno(err, errno, "cannot stat %s", path);
  if (S_ISDIR(st.st_mode)) {
    *exists = true;
    return 0;
  }
  if (unlinkat(parent, base, 0) < 0)
    return sc_error_set_errno(err, errno, "cannot remove %s for the layer's directory", path);
  return 0;
}

/* Check the names in the layer's directory dir (at path; in the rootfs
 * already when in_rootfs) and under it, and make room in the rootfs for
 * its directories. */
static int prepare_layer_dir(int rootfs_fd, GFile *dir, const char *path, bool in_rootfs,
                             sc_error *err)
{
  g_autoptr(GError) gerror = NULL;
  g_autoptr(GFileEnumerator) children = g_file_enumerate_children(
      dir, G_FILE_ATTRIBUTE_STANDARD_NAME "," G_FILE_ATTRIBUTE_STANDARD_TYPE,
      G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, &gerror);
  if (children == NULL)
    return sc_error_from_gerror(err, g_steal_pointer(&gerror), "reading /%s", path);
  for (;;) {
    GFileInfo *info = NULL;
    GFile *child = NULL;
    if (!g_file_enumerator_iterate(children, &info, &child, NULL, &gerror))
      return sc_error_from_gerror(err, g_steal_pointer(&gerror), "reading /%s", path);
    if (info == NULL)
      return 0;
    const char *name = g_file_info_get_name(info);
    _cleanup_free_ char *child_path = path[0] ? xasprintf("%s/%s", path, name) : xstrdup(name);
    if (sc_ostree_check_layer_name(name, child_path, err) < 0)
      return -1;
    if (g_file_info_get_file_type(info) != G_FILE_TYPE_DIRECTORY)
      continue;
    bool exists = false;
    if ((in_rootfs && prepare_rootfs_dir(rootfs_fd, child_path, &exists, err) < 0) ||
        prepare_layer_dir(rootfs_fd, child, child_path, exists, err) < 0)
      return -1;
  }
}

static int prepare_layer(const sc_image *image, const char *commit, int rootfs_fd, sc_error *err)
{
  g_autoptr(GError) gerror = NULL;
  g_autoptr(GFile) root = NULL;
  if (!ostree_repo_read_commit(image->ostree->repo, commit, &root, NULL, NULL, &gerror))
    return sc_error_from_gerror(err, g_steal_pointer(&gerror), "layer commit %s", commit);
  return prepare_layer_dir(rootfs_fd, root, "", true, err);
}

/* libostree's union checkout of the layer, after prepare_layer. */
static int checkout_layer_libostree(const sc_image *image, const char *commit, int rootfs_fd,
                                    sc_error *err)
{
  if (prepare_layer(image, commit, rootfs_fd, err) < 0)
    return -1;
  OstreeRepoCheckoutAtOptions options = {0};
  options.mode = geteuid() == 0 ? OSTREE_REPO_CHECKOUT_MODE_NONE : OSTREE_REPO_CHECKOUT_MODE_USER;
  options.overwrite_mode = OSTREE_REPO_CHECKOUT_OVERWRITE_UNION_FILES;
  options.process_whiteouts = TRUE;
  options.no_copy_fallback = FALSE;
  g_autoptr(GError) gerror = NULL;
  if (!ostree_repo_checkout_at(image->ostree->repo, &options, rootfs_fd, ".", commit, NULL,
                               &gerror))
    return sc_error_from_gerror(err, g_steal_pointer(&gerror), "%s", commit);
  return 0;
}

/* Whether the files of a bare repository can be hard-linked as they are:
 * their owners and modes are the files' own, which only root may keep, and
 * links do not cross filesystems.  Otherwise libostree copies (or, from a
 * bare-user repository, reads the metadata from xattrs). */
static bool can_link_objects(const sc_image *image, int rootfs_fd)
{
  struct stat repo_st, rootfs_st;
  return geteuid() == 0 && ostree_repo_get_mode(image->ostree->repo) == OSTREE_REPO_MODE_BARE &&
         fstat(ostree_repo_get_dfd(image->ostree->repo), &repo_st) == 0 &&
         fstat(rootfs_fd, &rootfs_st) == 0 && repo_st.st_dev == rootfs_st.st_dev;
}

static int checkout_layer(const sc_image *image, size_t index, int rootfs_fd,
                          volatile const int *interrupted, sc_error *err)
{
  const sc_descriptor *layer = &image->layers[index];
  _cleanup_free_ char *commit = NULL;
  if (layer_commit(image, index, &commit, err) < 0)
    return -1;
  bool fallback = !can_link_objects(image, rootfs_fd);
  if ((!fallback && sc_ostree_checkout_bare(image->ostree->repo, commit, rootfs_fd, interrupted,
                                            &fallback, err) < 0) ||
      (fallback && checkout_layer_libostree(image, commit, rootfs_fd, err) < 0))
    return sc_error_prefix(err, "checking out layer %zu of %zu (%s)", index + 1, image->layer_count,
                           layer->digest);
  return 0;
}

/* No fsync here: install syncs the filesystem once, after the last file of
 * the deployment and before anything is renamed into place (as atomic
 * does, disable_fsync = True); this handle only reads. */
int sc_image_ostree_checkout(const sc_image *image, int rootfs_fd,
                             const sc_checkout_options *options, sc_error *err)
{
  ostree_repo_set_disable_fsync(image->ostree->repo, TRUE);
  volatile const int *interrupted = options ? options->interrupted : NULL;
  for (size_t i = 0; i < image->layer_count; i++) {
    if (sc_check_interrupted(interrupted, "checkout", err) < 0)
      return -1;
    if (checkout_layer(image, i, rootfs_fd, interrupted, err) < 0)
      return -1;
  }
  return 0;
}

/* ---- export ---- */

int sc_image_ostree_checkout_layer_copy(const sc_image *image, size_t index, int dirfd,
                                        sc_error *err)
{
  _cleanup_free_ char *commit = NULL;
  if (layer_commit(image, index, &commit, err) < 0)
    return -1;
  OstreeRepoCheckoutAtOptions options = {0};
  options.mode = geteuid() == 0 ? OSTREE_REPO_CHECKOUT_MODE_NONE : OSTREE_REPO_CHECKOUT_MODE_USER;
  options.force_copy = TRUE; /* files of their own: a tar of them has no hard links */
  options.overwrite_mode = OSTREE_REPO_CHECKOUT_OVERWRITE_UNION_FILES; /* into the empty dirfd */
  g_autoptr(GError) gerror = NULL;
  if (!ostree_repo_checkout_at(image->ostree->repo, &options, dirfd, ".", commit, NULL, &gerror))
    return sc_error_from_gerror(err, g_steal_pointer(&gerror), "checking out layer %zu (%s)",
                                index + 1, image->layers[index].digest);
  return 0;
}

int sc_image_ostree_read_manifest(const sc_image *image, char **data, size_t *len, sc_error *err)
{
  if (sc_ostree_commit_metadata(image->ostree->repo, image->ostree_commit, "docker.manifest", data,
                                err) < 0)
    return -1;
  if (*data == NULL)
    return sc_error_set(err, SC_E_INVALID, "%s: no docker.manifest", image->ostree->repo_path);
  *len = strlen(*data);
  char digest[SC_DIGEST_LEN + 1];
  sc_sha256_digest(*data, *len, digest);
  if (strcmp(digest, image->manifest_digest) != 0) {
    free(*data);
    *data = NULL;
    return sc_error_set(err, SC_E_INVALID, "%s: the stored manifest changed since it was opened",
                        image->ostree->repo_path);
  }
  return 0;
}

int sc_image_ostree_read_config(const sc_image *image, char **data, size_t *len, sc_error *err)
{
  g_autoptr(GBytes) bytes = NULL;
  if (read_config_bytes(image, &bytes, err) < 0)
    return -1;
  gsize n = 0;
  const char *p = g_bytes_get_data(bytes, &n);
  *data = xmalloc(n + 1);
  memcpy(*data, p ? p : "", n);
  (*data)[n] = '\0';
  *len = n;
  return 0;
}

int sc_image_ostree_layer_has(const sc_image *image, size_t index, const char *path, bool *out,
                              sc_error *err)
{
  _cleanup_free_ char *commit = NULL;
  if (layer_commit(image, index, &commit, err) < 0)
    return -1;
  g_autoptr(GError) gerror = NULL;
  g_autoptr(GFile) root = NULL;
  if (!ostree_repo_read_commit(image->ostree->repo, commit, &root, NULL, NULL, &gerror))
    return sc_error_from_gerror(err, g_steal_pointer(&gerror), "layer commit %s", commit);
  g_autoptr(GFile) file = g_file_resolve_relative_path(root, path);
  *out = g_file_query_file_type(file, G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL) !=
         G_FILE_TYPE_UNKNOWN;
  return 0;
}
