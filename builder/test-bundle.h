/* test-bundle.h: the bundle `sc-build test` hands the OCI runtime.
 *
 * An install under a root writes every path as seen from inside the root,
 * which is the future "/" (sc/install.h): a bind source /var/lib/NAME is
 * ROOT/var/lib/NAME once ROOT boots.  A test runs the container on this
 * machine's own "/", so it runs a copy of the deployment's config.json in
 * which those paths are relocated into the root: an absolute bind source
 * that exists beneath the root (symlinks resolved inside it) is taken from
 * the root, any other from this machine (a host interface such as
 * /etc/resolv.conf or /run/systemd that the root lacks); a relative one is
 * relative to the deployment, as for the unit's WorkingDirectory.  The
 * rootfs is named by its absolute path.  The deployment's own config.json
 * stays as installed. */
#ifndef SC_TEST_BUNDLE_H
#define SC_TEST_BUNDLE_H

#include <jansson.h>
#include <sc/error.h>

/* Relocate config (a parsed config.json, changed in place) into the root
 * root_fd, for the deployment at deployment (a path of this machine). */
int sc_test_bundle_relocate(json_t *config, int root_fd, const char *deployment, sc_error *err);

/* Read DEPLOYMENT/config.json, relocate it, and write it as
 * BUNDLE_DIR/config.json (BUNDLE_DIR is made, mode 0700). */
int sc_test_bundle_write(const char *root_path, const char *deployment, const char *bundle_dir,
                         sc_error *err);

#endif
