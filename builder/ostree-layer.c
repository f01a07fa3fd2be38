/* ostree-layer.c: a layer's tar into an OSTree tree, checked entry by
 * entry, read from a file or while it is written. */
#include "ostree-layer.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "image-ostree.h"
#include "ostree-tarsplit.h"
#include "unpack.h"
#include "util.h"

/* ---- entry checks ---- */

struct sc_ostree_entry_checker {
  GHashTable *files; /* the layer's non-directory paths so far, or NULL */
};

sc_ostree_entry_checker *sc_ostree_entry_checker_new(bool below_files)
{
  sc_ostree_entry_checker *c = xcalloc(1, sizeof *c);
  if (below_files)
    c->files = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  return c;
}

void sc_ostree_entry_checker_free(sc_ostree_entry_checker *checker)
{
  if (checker == NULL)
    return;
  if (checker->files)
    g_hash_table_unref(checker->files);
  free(checker);
}

/* An entry below a symlink or another non-directory this layer made:
 * libostree fails on it without a message, unpack.c refuses it; refuse it
 * here by name. */
static int check_no_file_above(GHashTable *files, const char *path, sc_error *err)
{
  _cleanup_free_ char *prefix = xstrdup(path);
  for (char *slash = strchr(prefix, '/'); slash; slash = strchr(slash + 1, '/')) {
    *slash = '\0';
    bool below_file = g_hash_table_contains(files, prefix);
    *slash = '/';
    if (below_file)
      return sc_error_set(err, SC_E_INVALID,
                          "refusing %s: '%.*s' is a symlink or not a directory, and an image's "
                          "entry is never written through a symlink",
                          path, (int)(slash - prefix), path);
  }
  return 0;
}

/* libostree stores names and symlink targets as GVariant strings, which
 * must be UTF-8: it stored a symlink with another target as a corrupt
 * object, after a GLib-CRITICAL (found by fuzz-ostree). */
static int check_utf8(struct archive_entry *entry, const char *path, sc_error *err)
{
  const char *target = archive_entry_symlink(entry);
  if (!g_utf8_validate(path, -1, NULL))
    return sc_error_set(err, SC_E_INVALID,
                        "refusing entry '%s': its name is not UTF-8, which OSTree requires", path);
  if (target && !g_utf8_validate(target, -1, NULL))
    return sc_error_set(err, SC_E_INVALID,
                        "refusing symlink '%s': its target is not UTF-8, which OSTree requires",
                        path);
  return 0;
}

int sc_ostree_entry_check(sc_ostree_entry_checker *checker, struct archive_entry *entry,
                          sc_error *err)
{
  _cleanup_free_ char *path = NULL;
  if (sc_unpack_check_entry(entry, &path, err) < 0 || check_utf8(entry, path, err) < 0)
    return -1;
  if (checker->files == NULL)
    return 0;
  if (check_no_file_above(checker->files, path, err) < 0)
    return -1;
  /* A directory entry replaces what stood there, as in unpack.c. */
  if (archive_entry_filetype(entry) == AE_IFDIR && archive_entry_hardlink(entry) == NULL)
    g_hash_table_remove(checker->files, path);
  else
    g_hash_table_add(checker->files, g_steal_pointer(&path));
  return 0;
}

/* ---- the tree ---- */

int sc_ostree_tar_to_mtree(OstreeRepo *repo, struct archive *tar, OstreeMutableTree *mtree,
                           sc_error *err)
{
  OstreeRepoImportArchiveOptions opts = {0};
  opts.autocreate_parents = TRUE;
  opts.ignore_unsupported_content = TRUE;
  g_autoptr(GError) gerror = NULL;
  if (!ostree_repo_import_archive_to_mtree(repo, &opts, tar, mtree, NULL, NULL, &gerror))
    return sc_error_from_gerror(err, g_steal_pointer(&gerror), "unpacking the tar");
  return 0;
}

/* ---- while the tar is written ---- */

/* The writer's thread checks entries, makes the tar-split and writes the
 * tar into a pipe; the stream's thread reads the pipe into the tree.  The
 * reader always reads to the end, even after a failure, so the writer
 * never blocks on a pipe nobody reads. */
struct sc_ostree_layer_stream {
  OstreeRepo *repo;
  int pipe_r, pipe_w;
  pthread_t thread;
  OstreeMutableTree *mtree;
  sc_ostree_entry_checker *checker;
  sc_tarsplit *tarsplit;
  int thread_rc;
  sc_error thread_err;
};

/* Deep enough for a few of the writer's blocks: the two sides then wait on
 * each other less often. */
#define STREAM_PIPE_SIZE (1 << 20)

static void drain(int fd)
{
  char buf[1 << 16];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n == 0 || (n < 0 && errno != EINTR))
      return;
  }
}

static void *stream_main(void *arg)
{
  sc_ostree_layer_stream *s = arg;
  struct archive *tar = archive_read_new();
  archive_read_support_format_tar(tar);
  if (archive_read_open_fd(tar, s->pipe_r, 1 << 16) != ARCHIVE_OK)
    s->thread_rc = sc_error_set(&s->thread_err, SC_E_INVALID, "reading the layer's tar: %s",
                                archive_error_string(tar));
  else
    s->thread_rc = sc_ostree_tar_to_mtree(s->repo, tar, s->mtree, &s->thread_err);
  drain(s->pipe_r);
  archive_read_free(tar);
  return NULL;
}

static int stream_check(void *user, struct archive_entry *entry, sc_error *err)
{
  sc_ostree_layer_stream *s = user;
  return sc_ostree_entry_check(s->checker, entry, err);
}

static void stream_entry(void *user, const char *path, uint64_t data_offset, uint64_t size)
{
  sc_ostree_layer_stream *s = user;
  sc_tarsplit_entry(s->tarsplit, path, data_offset, size);
}

static int stream_write(void *user, const void *buf, size_t len, sc_error *err)
{
  sc_ostree_layer_stream *s = user;
  if (sc_tarsplit_write(s->tarsplit, buf, len, err) < 0)
    return -1;
  if (sc_write_all(s->pipe_w, buf, len) < 0)
    return sc_error_set_errno(err, errno, "writing the layer to the OSTree commit");
  return 0;
}

static void stream_free(sc_ostree_layer_stream *s)
{
  if (s->pipe_w >= 0)
    close(s->pipe_w);
  if (s->pipe_r >= 0)
    close(s->pipe_r);
  g_clear_object(&s->mtree);
  g_clear_object(&s->repo);
  sc_ostree_entry_checker_free(s->checker);
  sc_tarsplit_free(s->tarsplit);
  sc_error_clear(&s->thread_err);
  free(s);
}

sc_ostree_layer_stream *sc_ostree_layer_stream_start(OstreeRepo *repo, sc_layer_tap *tap,
                                                     sc_error *err)
{
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) < 0) {
    sc_error_set_errno(err, errno, "cannot make a pipe for the OSTree commit");
    return NULL;
  }
  /* Best effort: a smaller pipe is only slower. */
  (void)fcntl(fds[1], F_SETPIPE_SZ, STREAM_PIPE_SIZE);
  sc_ostree_layer_stream *s = xcalloc(1, sizeof *s);
  s->repo = g_object_ref(repo);
  s->pipe_r = fds[0];
  s->pipe_w = fds[1];
  s->mtree = ostree_mutable_tree_new();
  /* The build writes the tar from a walk of the project's trees. */
  s->checker = sc_ostree_entry_checker_new(false);
  s->tarsplit = sc_tarsplit_new();
  int rc = pthread_create(&s->thread, NULL, stream_main, s);
  if (rc != 0) {
    sc_error_set_errno(err, rc, "cannot start the thread that commits the layer");
    stream_free(s);
    return NULL;
  }
  *tap = (sc_layer_tap){
      .check = stream_check, .entry = stream_entry, .write = stream_write, .user = s};
  return s;
}

int sc_ostree_layer_stream_finish(sc_ostree_layer_stream *s, bool complete,
                                  OstreeMutableTree **mtree, char **tarsplit, sc_error *err)
{
  close(s->pipe_w);
  s->pipe_w = -1;
  pthread_join(s->thread, NULL);
  int rc = 0;
  if (complete && s->thread_rc < 0) {
    sc_error_move(err, &s->thread_err);
    rc = -1;
  } else if (complete) {
    *tarsplit = sc_tarsplit_finish(s->tarsplit, err);
    if (*tarsplit == NULL)
      rc = -1;
    else
      *mtree = g_steal_pointer(&s->mtree);
  }
  stream_free(s);
  return rc;
}
