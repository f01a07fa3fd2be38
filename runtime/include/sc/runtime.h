/* sc/runtime.h: libscruntime, the shared runtime library of sc-build.
 *
 * What a host-side installer of system containers links: template values
 * and rendering, image manifests, and (as it grows) install, update,
 * rollback, uninstall and running with an OCI runtime.  It knows nothing of
 * building images. */
#ifndef SC_RUNTIME_H
#define SC_RUNTIME_H

#include <sc/error.h>
#include <sc/diag.h>
#include <sc/values.h>
#include <sc/template.h>
#include <sc/manifest.h>
#include <sc/image.h>
#include <sc/install.h>
#include <sc/runc.h>

#endif
