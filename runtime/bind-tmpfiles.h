/* bind-tmpfiles.h: the tmpfiles.d lines an install writes, when the image
 * has no tmpfiles.template, for the bind-mount sources the host lacks
 * (atomic's _check_oci_configuration_file and _generate_tmpfiles_data in
 * Atomic/syscontainers.py), so that runc finds them on a fresh host. */
#ifndef SC_BIND_TMPFILES_H
#define SC_BIND_TMPFILES_H

#include <sys/types.h>
#include <jansson.h>
#include <sc/error.h>

/* One line `d    SOURCE   0700 UID GID - -` (atomic's spacing) for each
 * mount of config whose "type" contains "bind" and whose "source" does not
 * exist on the host (stat follows symlinks: a dangling link is missing),
 * in config order.  *out is "" when none is missing.  A missing source that
 * a tmpfiles.d line cannot name (relative, or holding a blank or a control
 * character) is an error naming the mount. */
int sc_bind_tmpfiles_lines(const json_t *config, uid_t uid, gid_t gid, char **out, sc_error *err);

#endif
