/* sc/runtime.h: libscruntime, the shared runtime library of sc-build.
 *
 * What a host-side installer of system containers links: template values
 * and rendering, image manifests, and (as it grows) install, update,
 * rollback, uninstall and running with an OCI runtime.  It knows nothing of
 * building images.
 *
 * The ABI rule (SOVERSION 1; docs/design.md section 0): a program built
 * against these headers keeps working with a later libscruntime.1, so no
 * struct whose layout could grow is shared with it.
 *
 * - What the library makes is an opaque handle read through accessor
 *   functions, as libarchive and jansson do: sc_image, sc_descriptor,
 *   sc_manifest, sc_install_result, sc_image_ref, sc_transport_info,
 *   sc_diags and sc_diag, sc_placeholder, sc_values.  The headers hold only
 *   `typedef struct sc_x sc_x;`; a handle the caller passes in to be
 *   filled comes from sc_x_new() (sc_install_result, sc_image_ref,
 *   sc_diags).  Accessors are named sc_x_FIELD, or sc_x_FIELD_of where
 *   that name is already a type (sc_image_kind_of).
 * - What the caller fills in is a versioned struct: sc_install_options,
 *   sc_checkout_options, sc_values_context, sc_runtime.  Its first member
 *   is `size_t size`, set by its SC_X_INIT macro to sizeof at the caller's
 *   compile time; new fields are only ever added at the end.  The library
 *   reads a field only when it lies within size and takes the rest as
 *   zero, the default of every field; a size larger than the library knows
 *   is refused (SC_E_INVALID) unless the extra bytes are all zero, as
 *   Linux's openat2(2) and clone3(2) treat their extensible structs.
 * - One exception, frozen: sc_error stays transparent.  Every call takes
 *   one, callers keep it on the stack (SC_ERROR_INIT) and read code, msg,
 *   file, line and col directly; an allocated handle per call would cost
 *   every caller for no gain, since it is the vocabulary every error is
 *   told in.  Any change to it is an incompatible change: a SOVERSION bump.
 *   Enums (sc_image_kind, sc_transport, ...) keep their values; new ones
 *   are only added at the end.
 *
 * The `abi` test (scripts/check-abi.sh, abidiff against
 * abi/libscruntime.abi.xml) fails on any change to what these headers
 * export. */
#ifndef SC_RUNTIME_H
#define SC_RUNTIME_H

#include <sc/error.h>
#include <sc/diag.h>
#include <sc/values.h>
#include <sc/template.h>
#include <sc/manifest.h>
#include <sc/image.h>
#include <sc/imageref.h>
#include <sc/install.h>
#include <sc/runc.h>

#endif
