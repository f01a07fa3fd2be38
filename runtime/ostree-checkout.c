/* ostree-checkout.c: check a layer commit out of a bare OSTree repository
 * by walking its dirtree and dirmeta objects and hard-linking the file
 * objects, the work `ostree checkout -H` does, without libostree's generic
 * checkout: that one reads every file object's header and xattrs
 * (ostree_repo_load_file) before linking it, and install walked the tree a
 * second time through GFile to check it first.  Here the names are checked
 * and the rootfs made ready in the same single walk.
 *
 * Union semantics are those of sc_image_ostree_checkout's libostree path
 * (atomic's _checkout_layer): whiteouts remove what lower layers put there,
 * files replace what is there, directories that exist are kept as they are
 * (libostree leaves their metadata alone too), and a directory of the
 * layer replaces a symlink or file of a lower layer rather than being
 * written through it.  Every path is opened relative to its parent's fd
 * with O_NOFOLLOW: nothing outside the rootfs is reached. */
#include "image-ostree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <ostree.h>

#include "unpack.h"
#include "util.h"

#define WHITEOUT_OPAQUE ".wh..wh..opq"

typedef struct walk {
  OstreeRepo *repo;
  int repo_fd;
  volatile const int *interrupted;
  bool need_fallback; /* a file could not be linked (EMLINK): libostree copies */
} walk;

#define OBJECT_PATH_SIZE (sizeof "objects/xx/" + OSTREE_SHA256_STRING_LEN - 2 + sizeof ".file")

/* objects/XX/YYYY....file: a bare repository's file object, which is the
 * file itself, its owner, mode and xattrs included. */
static void object_path(const char *hex, char out[OBJECT_PATH_SIZE])
{
  snprintf(out, OBJECT_PATH_SIZE, "objects/%.2s/%s.file", hex, hex + 2);
}

static int checksum_of(GVariant *csum_v, char hex[OSTREE_SHA256_STRING_LEN + 1], sc_error *err)
{
  g_autoptr(GError) gerror = NULL;
  const guchar *bytes = ostree_checksum_bytes_peek_validate(csum_v, &gerror);
  if (bytes == NULL)
    return sc_error_from_gerror(err, g_steal_pointer(&gerror), "a dirtree entry");
  ostree_checksum_inplace_from_bytes(bytes, hex);
  return 0;
}

/* The layer's name in the directory at path, checked. */
static int check_name(const char *name, const char *path, sc_error *err)
{
  _cleanup_free_ char *child = path[0] ? xasprintf("%s/%s", path, name) : xstrdup(name);
  return sc_ostree_check_layer_name(name, child, err);
}

/* Empty the directory dfd: an opaque whiteout hides all a lower layer put
 * there.  Whiteouts are applied before this layer adds anything to the
 * directory, so all that is there is from lower layers. */
static int empty_dir(int dfd, const char *path, sc_error *err)
{
  int fd = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
  DIR *d = fd < 0 ? NULL : fdopendir(fd);
  if (d == NULL) {
    if (fd >= 0)
      close(fd);
    return sc_error_set_errno(err, errno, "cannot read /%s for its opaque whiteout", path);
  }
  int ret = 0;
  for (struct dirent *de; ret == 0 && (de = readdir(d)) != NULL;)
    if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
      ret = sc_rm_rf_at(dfd, de->d_name, err);
  closedir(d);
  return ret;
}

/* The layer's whiteouts in this directory, before its own entries. */
static int apply_whiteouts(GVariant *files, int dfd, const char *path, sc_error *err)
{
  GVariantIter iter;
  const char *name;
  g_variant_iter_init(&iter, files);
  while (g_variant_iter_next(&iter, "(&s@ay)", &name, NULL)) {
    if (check_name(name, path, err) < 0)
      return -1;
    if (strcmp(name, WHITEOUT_OPAQUE) == 0) {
      if (empty_dir(dfd, path, err) < 0)
        return -1;
    } else if (sc_whiteout_victim(name) && sc_rm_rf_at(dfd, sc_whiteout_victim(name), err) < 0) {
      return -1;
    }
  }
  return 0;
}

/* Hard-link one file object at dfd/name, replacing what is there. */
static int link_file(walk *w, const char *hex, int dfd, const char *name, const char *path,
                     sc_error *err)
{
  char object[OBJECT_PATH_SIZE];
  object_path(hex, object);
  for (int attempt = 0;; attempt++) {
    if (linkat(w->repo_fd, object, dfd, name, 0) == 0)
      return 0;
    if (errno == EMLINK) { /* the object has all the links it may: copy it instead */
      w->need_fallback = true;
      return 0;
    }
    if (errno != EEXIST || attempt > 0)
      return sc_error_set_errno(err, errno, "cannot link /%s/%s to the repository's %s", path, name,
                                object);
    if (sc_rm_rf_at(dfd, name, err) < 0)
      return -1;
  }
}

static int link_files(walk *w, GVariant *files, int dfd, const char *path, sc_error *err)
{
  GVariantIter iter;
  const char *name;
  GVariant *csum_v;
  g_variant_iter_init(&iter, files);
  while (g_variant_iter_next(&iter, "(&s@ay)", &name, &csum_v)) {
    g_autoptr(GVariant) owned = csum_v;
    char hex[OSTREE_SHA256_STRING_LEN + 1];
    if (sc_whiteout_victim(name) || strcmp(name, WHITEOUT_OPAQUE) == 0)
      continue;
    if (checksum_of(owned, hex, err) < 0 || link_file(w, hex, dfd, name, path, err) < 0)
      return -1;
  }
  return 0;
}

/* dirmeta: (uid, gid, mode, xattrs), big-endian. */
static int apply_dirmeta(walk *w, GVariant *meta_csum_v, int dfd, const char *path, sc_error *err)
{
  char hex[OSTREE_SHA256_STRING_LEN + 1];
  if (checksum_of(meta_csum_v, hex, err) < 0)
    return -1;
  g_autoptr(GError) gerror = NULL;
  g_autoptr(GVariant) meta = NULL;
  if (!ostree_repo_load_variant(w->repo, OSTREE_OBJECT_TYPE_DIR_META, hex, &meta, &gerror))
    return sc_error_from_gerror(err, g_steal_pointer(&gerror), "the dirmeta of /%s", path);
  guint32 uid, gid, mode;
  g_autoptr(GVariant) xattrs = NULL;
  g_variant_get(meta, "(uuu@a(ayay))", &uid, &gid, &mode, &xattrs);
  GVariantIter iter;
  const char *xname;
  GVariant *value;
  g_variant_iter_init(&iter, xattrs);
  while (g_variant_iter_next(&iter, "(^&ay@ay)", &xname, &value)) {
    g_autoptr(GVariant) owned = value;
    gsize len = 0;
    const void *data = g_variant_get_fixed_array(owned, &len, 1);
    if (fsetxattr(dfd, xname, data, len, 0) < 0)
      return sc_error_set_errno(err, errno, "cannot set xattr %s on /%s", xname, path);
  }
  /* Owner before mode: chown clears setgid.  mtime 0, as libostree's
   * checkout leaves it (OSTREE_TIMESTAMP). */
  const struct timespec times[2] = {{0, UTIME_OMIT}, {0, 0}};
  if (fchown(dfd, GUINT32_FROM_BE(uid), GUINT32_FROM_BE(gid)) < 0 ||
      fchmod(dfd, GUINT32_FROM_BE(mode) & 07777) < 0 || futimens(dfd, times) < 0)
    return sc_error_set_errno(err, errno, "cannot set the owner, mode or time of /%s", path);
  return 0;
}

/* parent/name as a directory of ours: *created when it was not there (a
 * file or symlink of a lower layer is removed first). */
static int make_dir(int parent, const char *name, const char *path, bool *created, sc_error *err)
{
  *created = mkdirat(parent, name, 0700) == 0;
  if (!*created && errno == EEXIST) {
    struct stat st;
    if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
      return sc_error_set_errno(err, errno, "cannot stat /%s", path);
    if (S_ISDIR(st.st_mode))
      return 0;
    if (unlinkat(parent, name, 0) < 0)
      return sc_error_set_errno(err, errno, "cannot remove /%s for the layer's directory", path);
    *created = mkdirat(parent, name, 0700) == 0;
  }
  if (!*created)
    return sc_error_set_errno(err, errno, "cannot create directory /%s", path);
  return 0;
}

static int walk_dir(walk *w, const char *tree_hex, int dfd, const char *path, sc_error *err);

static int walk_subdirs(walk *w, GVariant *dirs, int dfd, const char *path, sc_error *err)
{
  GVariantIter iter;
  const char *name;
  GVariant *tree_v, *meta_v;
  g_variant_iter_init(&iter, dirs);
  while (g_variant_iter_next(&iter, "(&s@ay@ay)", &name, &tree_v, &meta_v)) {
    g_autoptr(GVariant) tree_owned = tree_v;
    g_autoptr(GVariant) meta_owned = meta_v;
    _cleanup_free_ char *child = path[0] ? xasprintf("%s/%s", path, name) : xstrdup(name);
    char tree_hex[OSTREE_SHA256_STRING_LEN + 1];
    bool created = false;
    if (check_name(name, path, err) < 0 || checksum_of(tree_owned, tree_hex, err) < 0 ||
        make_dir(dfd, name, child, &created, err) < 0)
      return -1;
    _cleanup_close_ int child_fd =
        openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (child_fd < 0)
      return sc_error_set_errno(err, errno, "cannot open /%s", child);
    if (walk_dir(w, tree_hex, child_fd, child, err) < 0)
      return -1;
    /* Last, as libostree does: nobody else works in a half-made directory. */
    if (created && apply_dirmeta(w, meta_owned, child_fd, child, err) < 0)
      return -1;
  }
  return 0;
}

/* dirtree: (files a(say), dirs a(sayay)), each sorted by name. */
static int walk_dir(walk *w, const char *tree_hex, int dfd, const char *path, sc_error *err)
{
  if (sc_check_interrupted(w->interrupted, "checkout", err) < 0)
    return -1;
  g_autoptr(GError) gerror = NULL;
  g_autoptr(GVariant) tree = NULL;
  if (!ostree_repo_load_variant(w->repo, OSTREE_OBJECT_TYPE_DIR_TREE, tree_hex, &tree, &gerror))
    return sc_error_from_gerror(err, g_steal_pointer(&gerror), "the dirtree of /%s", path);
  g_autoptr(GVariant) files = g_variant_get_child_value(tree, 0);
  g_autoptr(GVariant) dirs = g_variant_get_child_value(tree, 1);
  if (apply_whiteouts(files, dfd, path, err) < 0 || link_files(w, files, dfd, path, err) < 0)
    return -1;
  return walk_subdirs(w, dirs, dfd, path, err);
}

int sc_ostree_checkout_bare(struct OstreeRepo *repo, const char *commit, int rootfs_fd,
                            volatile const int *interrupted, bool *need_fallback, sc_error *err)
{
  g_autoptr(GError) gerror = NULL;
  g_autoptr(GVariant) commit_v = NULL;
  if (!ostree_repo_load_variant(repo, OSTREE_OBJECT_TYPE_COMMIT, commit, &commit_v, &gerror))
    return sc_error_from_gerror(err, g_steal_pointer(&gerror), "commit %s", commit);
  /* commit: (metadata, parent, related, subject, body, time, root dirtree,
   * root dirmeta).  The rootfs exists: its own metadata stays. */
  g_autoptr(GVariant) root_v = g_variant_get_child_value(commit_v, 6);
  char root_hex[OSTREE_SHA256_STRING_LEN + 1];
  if (checksum_of(root_v, root_hex, err) < 0)
    return -1;
  walk w = {.repo = repo, .repo_fd = ostree_repo_get_dfd(repo), .interrupted = interrupted};
  if (walk_dir(&w, root_hex, rootfs_fd, "", err) < 0)
    return -1;
  *need_fallback = w.need_fallback;
  return 0;
}
