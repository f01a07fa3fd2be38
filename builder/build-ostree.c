/* build-ostree.c: build, then import into an OSTree repository. */
#include "build-ostree.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>

#include "util.h"

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
  };
  int r = sc_ostree_import(image, repo_path, &import, result, err);
  sc_image_free(image);
  return r;
}

int sc_build_ostree(const sc_project *project, const sc_build_options *options,
                    const char *repo_path, sc_ostree_mode mode, sc_build_result *build,
                    sc_ostree_import_result *result, sc_error *err)
{
  const char *tmp = getenv("TMPDIR");
  _cleanup_free_ char *dir =
      xasprintf("%s/sc-build-ostree.XXXXXX", tmp && tmp[0] ? tmp : "/var/tmp");
  if (mkdtemp(dir) == NULL)
    return sc_error_set_errno(err, errno, "cannot create a temporary directory");
  _cleanup_free_ char *dest = xasprintf("%s/image.oci", dir);
  sc_build_options layout = *options;
  layout.dest = dest;
  layout.format = SC_FORMAT_OCI;
  int r = sc_build_image(project, &layout, build, err);
  if (r == 0)
    r = import_built(build, repo_path, options, mode, result, err);
  sc_rm_rf_at(AT_FDCWD, dir, NULL);
  return r;
}
