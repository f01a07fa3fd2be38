/* sc/install.h: the install lifecycle of system containers under a root
 * directory (docs/design.md section 4): install, update, rollback, uninstall,
 * list.  Layout under ROOT:
 *
 *   var/lib/containers/atomic/NAME -> NAME.0   active deployment (symlink)
 *   var/lib/containers/atomic/NAME.N/          rootfs/ config.json info NAME.service
 *                                              tmpfiles-NAME.conf
 *   etc/systemd/system/NAME.service
 *   etc/tmpfiles.d/NAME.conf
 *
 * Every change (install, update, rollback, uninstall) is all or nothing,
 * also across a crash: it is planned and everything new is written under
 * temporary names while a journal, var/lib/containers/atomic/.NAME.txn,
 * says how to undo it; rewriting the journal as committed is the one
 * switch (link, unit, tmpfiles and host files follow it); old files are
 * removed last.  Each command on NAME first finishes (committed) or undoes
 * (not committed) what a killed run left, and removes stray .NAME.N.*
 * directories.  Deployment directories are mode 0700: an image's device
 * nodes and setuid files are not reachable by other users.
 *
 * ROOT is the future "/" (as for rpm --root, systemctl --root,
 * systemd-tmpfiles --root and atomic's install prefix): files land under
 * ROOT, but every path written into the unit, config.json, the tmpfiles
 * file and info is the path as seen from inside ROOT (DESTDIR is
 * /var/lib/containers/atomic/NAME.N; RUN_, STATE_ and CONF_DIRECTORY
 * default to /run, /var/lib and /etc, and hostfs destinations and renames
 * are resolved beneath ROOT).  An install creates a missing ROOT. */
#ifndef SC_INSTALL_H
#define SC_INSTALL_H

#include <stdbool.h>
#include <jansson.h>
#include <sc/error.h>
#include <sc/image.h>
#include <sc/values.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SC_CONTAINERS_DIR "var/lib/containers/atomic"
#define SC_UNIT_DIR "etc/systemd/system"
#define SC_TMPFILES_DIR "etc/tmpfiles.d"

/* A versioned struct (sc/runtime.h): initialise it with
 * SC_INSTALL_OPTIONS_INIT, then set the fields. */
typedef struct sc_install_options {
  size_t size;                /* sizeof (sc_install_options), set by the INIT macro */
  const char *root;           /* install root; NULL or "/" for the host */
  const char *name;           /* container name */
  const sc_values *set;       /* --set values, or NULL */
  const char *runtime_path;   /* OCI runtime; NULL: /usr/bin/runc */
  const char *installer_path; /* $ATOMIC; NULL: /usr/bin/sc-build */
  /* How EXEC_START is written: with --systemd-cgroup when the runtime's
   * --help offers it (probed) unless no_systemd_cgroup is set. */
  bool no_systemd_cgroup;
  volatile const int *interrupted; /* stop when it becomes non-zero, or NULL */
  /* For tests only (NULL otherwise): called with a step's name before each
   * step of a change to the root; a non-zero return (an errno value) makes
   * that step fail as if the system had returned it. */
  int (*test_fault)(void *data, const char *step);
  void *test_fault_data;
  /* atomic's OSTree repository, where an update without an image finds
   * the NAME:TAG atomic installed (atomic takes $ATOMIC_OSTREE_REPO: the
   * caller reads it, the library reads no environment); NULL: /ostree/repo
   * in the root when it exists, else the storage beside the deployments. */
  const char *atomic_ostree_repo;
} sc_install_options;

#define SC_INSTALL_OPTIONS_INIT                                                                    \
  {                                                                                                \
    .size = sizeof(sc_install_options)                                                             \
  }

/* What a command did: an opaque handle (sc/runtime.h) made by
 * sc_install_result_new, filled by sc_install, sc_update, sc_rollback and
 * sc_uninstall (pass a new or cleared one: it is overwritten), emptied by
 * sc_install_result_clear.  What the accessors return belongs to it. */
typedef struct sc_install_result sc_install_result;

SC_PUBLIC sc_install_result *sc_install_result_new(void);
SC_PUBLIC void sc_install_result_free(sc_install_result *result);
SC_PUBLIC void sc_install_result_clear(sc_install_result *result);
/* The deployment directory as reached from here: ROOT/var/lib/... */
SC_PUBLIC const char *sc_install_result_deployment(const sc_install_result *result);
/* The deployment's index: 0 or 1. */
SC_PUBLIC int sc_install_result_index(const sc_install_result *result);
/* update: neither the image nor the values changed. */
SC_PUBLIC bool sc_install_result_nothing_to_do(const sc_install_result *result);
/* uninstall: the host files changed since install, kept; NULL-terminated,
 * or NULL when there are none. */
SC_PUBLIC char *const *sc_install_result_kept_files(const sc_install_result *result);
/* The deployment's info document (borrowed: json_incref to keep it). */
SC_PUBLIC json_t *sc_install_result_info(const sc_install_result *result);

SC_PUBLIC bool sc_container_name_is_valid(const char *name);
/* atomic's default container name for an image (newly allocated): the
 * last path component of its tag (or of its layout's path when it has
 * none), "-TAG" appended unless the tag is "latest":
 * "registry/ns/etcd:3.5" -> "etcd-3.5", "etcd:latest" -> "etcd". */
SC_PUBLIC char *sc_container_default_name(const sc_image *image);

SC_PUBLIC int sc_install(const sc_image *image, const sc_install_options *options,
                         sc_install_result *result, sc_error *err);
/* image may be NULL: re-deploy the image recorded in info (values only). */
SC_PUBLIC int sc_update(const sc_image *image, const sc_install_options *options,
                        sc_install_result *result, sc_error *err);
SC_PUBLIC int sc_rollback(const sc_install_options *options, sc_install_result *result,
                          sc_error *err);
SC_PUBLIC int sc_uninstall(const sc_install_options *options, sc_install_result *result,
                           sc_error *err);
/* Finish or undo what an interrupted command on options->name left under
 * options->root (every command on a name does this first). */
SC_PUBLIC int sc_recover(const sc_install_options *options, sc_error *err);
/* The containers installed under root, after finishing or undoing the
 * interrupted changes it can (when the root is writable): an array of objects (name,
 * deployment, image, revision, created, values, ...). */
SC_PUBLIC int sc_list(const char *root, json_t **out, sc_error *err);
/* info: the keys and types atomic writes (image, revision, ostree-commit,
 * created, values with HOST_UID and HOST_GID as numbers, ...), plus the
 * reference sc-build opened the image by (atomic's "image" is NAME:TAG of
 * its OSTree repository for an ostree: image). */
#define SC_INFO_IMAGE_REFERENCE "sc-build-image"
/* The values an info document records, as strings (numbers in decimal). */
SC_PUBLIC sc_values *sc_values_from_info(json_t *info);

/* The info document of the active deployment of name. */
SC_PUBLIC int sc_read_info(const char *root, const char *name, json_t **out, sc_error *err);

#ifdef __cplusplus
}
#endif
#endif
