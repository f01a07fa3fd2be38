/* build-ostree.h: `sc-build build --format ostree --repo REPO`: the image
 * built as an OCI layout in a temporary directory, its layers' tars
 * committed into the OSTree repository while they are written (the commits
 * an import of that layout would make, ostree-import.h), then its config
 * and image branch, as containers/image's ostree: transport lays them out. */
#ifndef SC_BUILD_OSTREE_H
#define SC_BUILD_OSTREE_H

#include "build.h"
#include "ostree-import.h"

int sc_build_ostree(const sc_project *project, const sc_build_options *options,
                    const char *repo_path, sc_ostree_mode mode, sc_build_result *build,
                    sc_ostree_import_result *result, sc_error *err);

#endif
