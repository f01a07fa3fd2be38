/* install-internal.h: what sc_install_result holds.  Internal API
 * (docs/design.md section 0): sc/install.h has only the name and the
 * accessors; the runtime and libscbuild keep results on the stack
 * (sc_install_result r = {0}) and read the fields directly. */
#ifndef SC_INSTALL_INTERNAL_H
#define SC_INSTALL_INTERNAL_H

#include <sc/install.h>

struct sc_install_result {
  char *deployment;   /* the deployment directory as reached from here: ROOT/var/lib/... */
  int index;          /* 0 or 1 */
  bool nothing_to_do; /* update: neither image nor values changed */
  char **kept_files;  /* uninstall: host files changed since install, kept */
  json_t *info;       /* the deployment's info document */
};

#endif
