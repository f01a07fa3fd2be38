/* build-ostree.c: build, then import into an OSTree repository. */
#include "build-ostree.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "store.h"
#include "util.h"

/* Beside other programs' files in $TMPDIR: only ours match. */
#define TMP_PREFIX "sc-build-ostree."

static int import_built(const sc_build_result *build, const char *repo_path,
                        const sc_build_options *options, sc_ostree_mode mode,
                        sc_ostree_import_result *result, sc_error *err)
{
  sc_image *image = NULL;
  if (sc_image_open(build->reference, &image, err) < 0)
    return -1;
  sc_ostree_import_options import = {
      .tag = build->tag,
      .mode = mode,
      .interrupted = options->interrupted,
      .timestamp = options->source_date_epoch,
  };
  int r = sc_ostree_import(image, repo_path, &import, result, err);
  sc_image_free(image);
  return r;
}

int sc_build_ostree(const sc_project *project, const sc_build_options *options,
                    const char *repo_path, sc_ostree_mode mode, sc_build_result *build,
                    sc_ostree_import_result *result, sc_error *err)
{
  /* Private: the layout may hold secrets.  Killed builds leave their
   * directories (a whole layout each): the ones no live run holds go now. */
  char *dir = NULL;
  int lock_fd = sc_store_tmp_dir(NULL, TMP_PREFIX, 0700, NULL, &dir, err);
  if (lock_fd < 0)
    return -1;
  _cleanup_free_ char *dest = xasprintf("%s/image.oci", dir);
  sc_build_options layout = *options;
  layout.dest = dest;
  layout.format = SC_FORMAT_OCI;
  int r = sc_build_image(project, &layout, build, err);
  if (r == 0)
    r = import_built(build, repo_path, options, mode, result, err);
  sc_store_tmp_dir_remove(&dir, &lock_fd);
  return r;
}
