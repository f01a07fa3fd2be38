/* test-build.h: build a project into a temporary OCI layout for `sc-build test`. */
#ifndef SC_TEST_BUILD_H
#define SC_TEST_BUILD_H

#include <sc/error.h>
#include "project.h"

/* Validate and build project into a new temporary directory *build_dir
 * (the caller removes it); *reference is "oci:DIR:NAME:TAG". */
int sc_test_build_project(const sc_project *project, char **build_dir, char **reference,
                          sc_error *err);

#endif
