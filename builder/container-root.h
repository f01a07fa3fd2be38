/* container-root.h: a disposable root that an image is installed into and
 * started from by an OCI runtime (`sc-build test`, `sc-build run`), and the
 * removal of those that killed runs left behind.
 *
 * The root is a temporary directory flocked by its run for as long as it
 * lives (store.h); the runtime keeps its state under it.  A root whose lock
 * is free belongs to a run that died (SIGKILL included): the next run made
 * with the same prefix first deletes the containers that root's runtime
 * state still holds, which kept running without their run, then removes
 * it.  A root kept on purpose (--keep) carries a marker and is left alone. */
#ifndef SC_CONTAINER_ROOT_H
#define SC_CONTAINER_ROOT_H

#include <stdbool.h>
#include <sc/error.h>
#include <sc/image.h>
#include <sc/install.h>
#include <sc/runc.h>
#include <sc/values.h>
#include "install-internal.h"

/* In a root: where a mount may be made for what runs there (the overlay
 * that is the systemd host of `sc-build test --systemd`); it is detached
 * before the root is removed, that of a killed run's root too. */
#define SC_CONTAINER_ROOT_MOUNT "mnt"

/* Progress of test and run as it happens (the library never prints): kind
 * is "step", "note" or "probe". */
typedef void (*sc_container_event_fn)(void *user, const char *kind, const char *text);
/* Call fn (when set) with the formatted text. */
void sc_container_emit(sc_container_event_fn fn, void *user, const char *kind, const char *fmt, ...)
    SC_PRINTF(4, 5);

typedef struct sc_container_root {
  char *path;       /* the root's real path (runc refuses a bundle reached by a symlink) */
  char *state_root; /* PATH/run/runc-state: the runtime's --root */
  int lock_fd;      /* holds the root's flock while this run lives */
  char *name;       /* the container installed, once it is */
  sc_values *set;   /* the values the image was installed with */
  sc_install_result install;
  bool installed;
  char *bundle; /* the bundle to run, once installed (test-bundle.h) */
} sc_container_root;

/* Make a root named prefix + random hex in tmpdir (NULL:
 * /var/tmp) for containers run by runtime (an absolute path), after
 * removing what dead runs left under the same prefix. */
int sc_container_root_make(const char *tmpdir, const char *prefix, const char *runtime,
                           sc_container_root *out, sc_error *err);

/* Install image as name into the root, as a host would, with the values
 * of set; the root is the future "/", so the paths the deployment names
 * are as seen from inside it.  Then apply the image's tmpfiles lines
 * inside the root (lines it skips go to *notes) and write the bundle the
 * runtime is given, with those paths relocated into the root
 * (test-bundle.h), so that what the service writes stays there. */
int sc_container_root_install(sc_container_root *root, const sc_image *image, const char *name,
                              const sc_values *set, const sc_runtime *runtime,
                              volatile const int *interrupted, char ***notes, sc_error *err);

/* Mark the root as kept, so that no later run takes it for a leftover. */
void sc_container_root_keep(sc_container_root *root);

/* Uninstall and remove the root unless keep; then release its lock. */
void sc_container_root_close(sc_container_root *root, bool keep);

#endif
