/* smoke-build.h: build a project into a temporary OCI layout for `sc-build test`. */
#ifndef SC_SMOKE_BUILD_H
#define SC_SMOKE_BUILD_H

#include <sc/error.h>
#include "project.h"

/* Validate and build project into a new temporary directory *build_dir
 * in tmpdir (sc_tmp_base: NULL is /var/tmp; the caller removes it, then closes *lock_fd,
 * which holds its flock so that no other run takes it for a killed run's leftover: store.h);
 * *reference is "oci:DIR:NAME:TAG". */
int sc_smoke_build_project(const sc_project *project, const char *tmpdir, char **build_dir,
                           int *lock_fd, char **reference, sc_error *err);

#endif
