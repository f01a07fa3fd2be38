/* smoke-build.c: a project built for `sc-build test`, validated first as
 * `sc-build build` does, into a temporary OCI layout. */
#include "smoke-build.h"
#include "diag-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <sc/image.h>

#include "build.h"
#include "store.h"
#include "util.h"
#include "validate.h"

static int refuse_invalid(const sc_project *project, const sc_platforms *platforms,
                          const char *tmpdir, sc_error *err)
{
  sc_diags diags = SC_DIAGS_INIT;
  sc_validate_options options = {.platforms = platforms, .tmpdir = tmpdir};
  int r = sc_validate_before_build(project, &options, &diags, err);
  sc_diags_clear(&diags);
  return r;
}

#define BUILD_DIR_PREFIX "sc-build-test-image."

/* The temporary directory, flocked while this run lives, after removing
 * those of killed runs. */
static int make_build_dir(const char *tmpdir, char **build_dir, int *lock_fd, sc_error *err)
{
  *lock_fd = sc_store_tmp_dir(tmpdir, BUILD_DIR_PREFIX, 0700, NULL, build_dir, err);
  return *lock_fd < 0 ? -1 : 0;
}

static int smoke_build(const sc_project *project, const sc_platforms *platforms, const char *tmpdir,
                       char **build_dir, int *lock_fd, char **reference, sc_error *err);

int sc_smoke_build_project(const sc_project *project, const char *tmpdir, char **build_dir,
                           int *lock_fd, char **reference, sc_error *err)
{
  *build_dir = NULL;
  *lock_fd = -1;
  *reference = NULL;
  /* The container runs here: this host's platform's image, with its
   * rootfs.OS-ARCH/ tree when the project has platforms. */
  sc_platform host = {.os = xstrdup("linux"), .architecture = sc_host_architecture()};
  sc_platforms given = {.items = &host, .count = 1};
  const sc_platforms *platforms = sc_validate_platforms(project, &given);
  int rc = smoke_build(project, platforms, tmpdir, build_dir, lock_fd, reference, err);
  sc_platform_clear(&host);
  return rc;
}

static int smoke_build(const sc_project *project, const sc_platforms *platforms, const char *tmpdir,
                       char **build_dir, int *lock_fd, char **reference, sc_error *err)
{
  if (refuse_invalid(project, platforms, tmpdir, err) < 0 ||
      make_build_dir(tmpdir, build_dir, lock_fd, err) < 0)
    return -1;
  const char *dir = *build_dir;
  _cleanup_free_ char *dest = xasprintf("%s/image.oci", dir);
  /* On sc-build.json's base, as build and validate take it. */
  sc_build_options options = {.dest = dest,
                              .format = SC_FORMAT_OCI,
                              .from = project->from,
                              .platforms = platforms,
                              .tmpdir = tmpdir};
  sc_build_result result = {0};
  if (sc_build_image(project, &options, &result, err) < 0)
    return sc_error_prefix(err, "building %s for the test", project->path);
  *reference = xstrdup(result.reference);
  sc_build_result_clear(&result);
  return 0;
}
