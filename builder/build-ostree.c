/* build-ostree.c: build, committing each layer's tar into the OSTree
 * repository while it is written. */
#include "build-ostree.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "store.h"
#include "util.h"

/* Beside other programs' files in $TMPDIR: only ours match. */
#define TMP_PREFIX "sc-build-ostree."

static int layer_begin(void *user, sc_layer_tap *tap, sc_error *err)
{
  return sc_ostree_session_layer_begin(user, tap, err);
}

static int layer_end(void *user, const sc_layer_result *layer, sc_error *err)
{
  return sc_ostree_session_layer_end(user, layer, err);
}

/* The image is built as an OCI layout aside (the manifest names the
 * compressed layers, digested but not stored); its layers' trees are
 * committed as they are written, so the import that follows reads only
 * what the build did not write (a base image's layers). */
static int build_and_import(const sc_project *project, const sc_build_options *options,
                            const char *dest, const char *repo_path, sc_ostree_mode mode,
                            sc_build_result *build, sc_ostree_import_result *result, sc_error *err)
{
  sc_ostree_session *session = NULL;
  const sc_ostree_import_options session_options = {
      .mode = mode,
      .interrupted = options->interrupted,
      .timestamp = options->source_date_epoch,
  };
  int r = sc_ostree_session_open(repo_path, &session_options, result, &session, err);
  const sc_build_layer_hooks hooks = {layer_begin, layer_end, session};
  sc_build_options layout = *options;
  layout.dest = dest;
  layout.format = SC_FORMAT_OCI;
  layout.layer_hooks = &hooks;
  /* The layers go to the repository: writing and syncing their blobs into
   * the scratch layout would only be thrown away.  The layer cache names
   * blobs of the output layout, which this one never holds: no key walk,
   * no entry. */
  layout.layer_blobs_discarded = true;
  layout.no_cache = true;
  if (r == 0)
    r = sc_build_image(project, &layout, build, err);
  sc_image *image = NULL;
  if (r == 0)
    r = sc_image_open(build->reference, &image, err);
  if (r == 0 && sc_ostree_session_import(session, image, build->tag, err) < 0)
    r = sc_error_prefix(err, "committing %s into %s", build->reference, repo_path);
  sc_image_free(image);
  sc_ostree_session_free(session);
  if (r < 0)
    sc_ostree_import_result_clear(result);
  return r;
}

int sc_build_ostree(const sc_project *project, const sc_build_options *options,
                    const char *repo_path, sc_ostree_mode mode, sc_build_result *build,
                    sc_ostree_import_result *result, sc_error *err)
{
  /* Private: the layout may hold secrets.  Killed builds leave their
   * directories (a whole layout each): the ones no live run holds go now. */
  char *dir = NULL;
  int lock_fd = sc_store_tmp_dir(options->tmpdir, TMP_PREFIX, 0700, NULL, &dir, err);
  if (lock_fd < 0)
    return -1;
  _cleanup_free_ char *dest = xasprintf("%s/image.oci", dir);
  int r = build_and_import(project, options, dest, repo_path, mode, build, result, err);
  sc_store_tmp_dir_remove(&dir, &lock_fd);
  return r;
}
