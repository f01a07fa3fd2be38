/* inroot.h: keep a path inside a root directory (internal, not installed).
 *
 * The one place that resolves a relative path under a directory fd so that
 * it cannot leave it.  Two policies, for two kinds of trees:
 *
 *  - an image's tree (unpack, OSTree checkout): nothing in it is trusted,
 *    so no symlink is ever followed and `..` is refused
 *    (sc_open_parent_beneath: the kernel's RESOLVE_BENEATH |
 *    RESOLVE_NO_SYMLINKS, walked by hand with O_NOFOLLOW);
 *  - a host's tree or a project's rootfs (hostfs, validate): symlinks are
 *    followed as a chroot would, but an absolute target or a `..` never
 *    climbs above the root (sc_open_in_root: openat2(2) RESOLVE_IN_ROOT,
 *    and the same resolution by hand where the kernel lacks openat2,
 *    Linux < 5.6). */
#ifndef SC_INROOT_H
#define SC_INROOT_H

#include <stdbool.h>
#include <sys/types.h>
#include <sc/error.h>

/* Whether a name from an image names a directory entry: not empty, not
 * "." or "..", no "/" (as libostree's ot_util_filename_validate). */
bool sc_name_is_valid(const char *name);

/* Open the directory that holds `path` (relative, with no "." or ".."
 * component) under root_fd, one component at a time with O_NOFOLLOW, so
 * that no symlink is followed; missing directories are made (0755) when
 * create is set.  *base points at the last component of path.  A symlink
 * or a non-directory on the way is refused (SC_E_INVALID, naming it); a
 * missing one is ENOENT. */
int sc_open_parent_beneath(int root_fd, const char *path, bool create, const char **base,
                           sc_error *err);

/* Resolve without openat2 even where the kernel has it: for tests of the
 * fallback, and for callers that must behave the same on every kernel. */
#define SC_IN_ROOT_NO_OPENAT2 0x1u

/* openat(2) of path under root_fd as openat2(2) with RESOLVE_IN_ROOT |
 * RESOLVE_NO_MAGICLINKS opens it: "/" and ".." stop at the root, symlinks
 * are followed (at most 40) and their absolute targets start again at the
 * root.  Where openat2 fails with ENOSYS (or with SC_IN_ROOT_NO_OPENAT2 in
 * options), the path is resolved by hand, component by component with
 * O_NOFOLLOW.  Returns the fd, or -1 with errno set. */
int sc_open_in_root(int root_fd, const char *path, int flags, mode_t mode, unsigned options);

#endif
