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
 * rootfs is named by its absolute path.  What the machine cannot give the
 * container is left out (sc_test_bundle_fit).  The deployment's own
 * config.json stays as installed. */
#ifndef SC_TEST_BUNDLE_H
#define SC_TEST_BUNDLE_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>
#include <sc/error.h>

/* What this machine lets a container have.  runc, started by sc-build,
 * grants only capabilities of sc-build's own bounding set (a container
 * host, or a container itself, often lacks some), and refuses to start a
 * container with an SELinux label where SELinux is not enabled. */
typedef struct sc_machine_security {
  uint64_t capabilities; /* bit N set: capability N can be granted */
  bool selinux;          /* SELinux is enabled: labels can be applied */
} sc_machine_security;

/* This process's bounding set (CapBnd of /proc/self/status; every
 * capability when it cannot be read) and whether selinuxfs is mounted. */
void sc_machine_security_read(sc_machine_security *out);

/* Fit config (changed in place) to the machine, so that a template written
 * for a host (atomic-system-containers' net-snmp asks for every capability,
 * others for SELinux labels) runs here: the capabilities of
 * process.capabilities the machine lacks are left out of every list, and
 * without SELinux process.selinuxLabel and linux.mountLabel are removed.
 * Each kind removed adds a note to *notes naming what was removed, as does
 * a bind source neither the root nor the machine has.  A
 * capability whose name is unknown is left for the runtime to judge. */
void sc_test_bundle_fit(json_t *config, const sc_machine_security *machine, char ***notes);

/* Relocate config (a parsed config.json, changed in place) into the root
 * root_fd, for the deployment at deployment (a path of this machine). */
int sc_test_bundle_relocate(json_t *config, int root_fd, const char *deployment, sc_error *err);

/* Read DEPLOYMENT/config.json, relocate it, fit it to machine, and write
 * it as BUNDLE_DIR/config.json (BUNDLE_DIR is made, mode 0700); notes as
 * sc_test_bundle_fit adds them. */
int sc_test_bundle_write(const char *root_path, const char *deployment, const char *bundle_dir,
                         const sc_machine_security *machine, char ***notes, sc_error *err);

#endif
