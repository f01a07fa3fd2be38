/* validate.h: every check `sc-build validate` makes (docs/design.md section 2). */
#ifndef SC_VALIDATE_H
#define SC_VALIDATE_H

#include <sc/diag.h>
#include <sc/error.h>
#include <sc/values.h>
#include "project.h"
#include "pull.h"

typedef struct sc_validate_options {
  const sc_values *set; /* --set values an install would be given, or NULL */
  /* The base image the project's layer goes on (oci:PATH[:TAG] or
   * docker://...), overriding sc-build.json "from"; NULL: that one. */
  const char *from;
  const sc_pull_options *pull; /* for a docker:// base; NULL: anonymous, TLS verified */
  /* A docker:// base the caller has pulled already: the oci: reference of
   * its cached copy (sc_pull_result), read instead of pulling again. */
  const char *pulled;
  volatile const int *interrupted;
  /* The platforms the image is built for (a multi-platform build, or
   * sc-build.json "platforms"), or NULL.  Given, the image of each is
   * checked: its base, rootfs/ and rootfs.OS-ARCH[-VARIANT]/, and its
   * programs must be ELF files of its architecture.  The caller decides
   * whether sc-build.json's apply (sc_validate_platforms). */
  const sc_platforms *platforms;
  const char *tmpdir; /* where an archive base is unpacked (sc_tmp_base) */
  /* When not NULL, begun (sc_tree_stamp_begin) and not yet added to: the
   * walk of rootfs/ that checks the programs stamps it for the layer
   * cache (layer-cache.h), and finishes it. */
  struct sc_tree_stamp *rootfs_stamp;
  /* Threads for the walk of rootfs/ (sc_image_view_set_threads); 0: one
   * per online CPU.  Nothing found depends on it. */
  unsigned threads;
} sc_validate_options;

/* The platforms whose images validate checks and build builds, from what
 * the command line gave (--platform's list, or the one platform of
 * --platform or --arch and the like; NULL: none): two or more given; one
 * given when the project opted in (sc-build.json lists platforms, or it
 * has a rootfs.* tree); else sc-build.json's list; else NULL: one image,
 * no per-platform tree and no architecture check, as before platforms. */
const sc_platforms *sc_validate_platforms(const sc_project *project, const sc_platforms *given);

/* Check the project and add every problem found to diags, errors and
 * warnings, each with FILE:LINE:COL where known.  Returns 0 when the checks
 * ran (the verdict is sc_diags_count(diags, SC_DIAG_ERROR) == 0) and -1
 * only when they could not run at all. */
int sc_validate_project(const sc_project *project, const sc_validate_options *options,
                        sc_diags *diags, sc_error *err);

/* What build (and the smoke test, which builds) does first: validate the
 * project, every diagnostic going to diags, and refuse it when validate
 * finds an error: -1 with SC_E_CHECK at the first error's FILE:LINE:COL,
 * its message, the count and what to run.  -1 with another code when the
 * checks could not run. */
int sc_validate_before_build(const sc_project *project, const sc_validate_options *options,
                             sc_diags *diags, sc_error *err);

#endif
