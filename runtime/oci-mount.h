/* oci-mount.h: facts about an OCI runtime-spec mount (config.json's
 * "mounts"), shared by validation, installs and the smoke test. */
#ifndef SC_OCI_MOUNT_H
#define SC_OCI_MOUNT_H

#include <stdbool.h>
#include <jansson.h>

/* A bind mount, as runc takes one: type "bind" (or the "rbind" some
 * configs give), or the option "bind" or "rbind" whatever the type. */
bool sc_oci_mount_is_bind(json_t *mount);

#endif
