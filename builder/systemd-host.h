/* systemd-host.h: a disposable systemd host for `sc-build test --systemd`
 * (docs/design.md section 5): a Debian root file system booted with
 * systemd as PID 1 in a runc container, so that an image is installed and
 * started as a real host does it (daemon-reload, systemd-tmpfiles, systemctl
 * start), not only as the unit's ExecStart would run it.
 *
 * The host is made of a template directory that is never written: each run
 * mounts an overlay of it (the run's writes go to an upper directory in its
 * container root, container-root.h, whose removal detaches the mount, that
 * of a killed run too).  The container shares this machine's network (a
 * probe on 127.0.0.1 reaches the service inside), has its own PID, mount,
 * IPC, UTS and cgroup namespaces, tmpfs on /run and /tmp, the capabilities
 * this process may give, and the runtime binary bound in at its own path,
 * so the runc the install names in the unit runs inside the host. */
#ifndef SC_SYSTEMD_HOST_H
#define SC_SYSTEMD_HOST_H

#include <stdbool.h>
#include <sys/types.h>
#include <sc/error.h>
#include <sc/image.h>
#include <sc/runc.h>

#include "container-root.h"
#include "smoke-probe.h"

/* The Debian suite and mirror of the hosts sc-build makes itself, unless
 * told others (--host-suite, --host-mirror). */
#define SC_SYSTEMD_HOST_SUITE "bookworm"
#define SC_SYSTEMD_HOST_MIRROR "http://deb.debian.org/debian"

typedef struct sc_systemd_host_template {
  const char *given;       /* --host DIR or IMAGE as typed, or NULL: the cached one, made when
                            * missing */
  const sc_image *image;   /* --host IMAGE, opened: its rootfs is unpacked into the cache */
  const char *suite;       /* what debootstrap makes; NULL: SC_SYSTEMD_HOST_SUITE */
  const char *mirror;      /* where it downloads from; NULL: SC_SYSTEMD_HOST_MIRROR */
  const char *cache_dir;   /* where the made one is kept; NULL: none (--host is needed) */
  const char *search_path; /* where debootstrap and unshare are looked for */
  volatile const int *interrupted;
  sc_container_event_fn on_event;
  void *user;
} sc_systemd_host_template;

/* What --host names: a directory, used as it is, or an image, whose
 * rootfs sc-build unpacks.  An existing directory is always one (a path
 * with no transport is an OCI layout's only where a directory is not); any
 * other value must name its transport, so that a mistyped DIR is not read
 * as an OCI layout that is not there. */
typedef enum { SC_SYSTEMD_HOST_DIR, SC_SYSTEMD_HOST_IMAGE } sc_systemd_host_kind;

/* given's kind into *kind, or -1 with err (SC_E_USAGE) naming given as
 * typed and what --host takes. */
int sc_systemd_host_given_kind(const char *given, sc_systemd_host_kind *kind, sc_error *err);

/* The template's path into *path: t->given once checked; for t->image,
 * CACHE/sha256-HEX (HEX of its manifest digest), its layers checked out
 * into a flocked temporary directory beside it when missing and renamed
 * into place once complete and found to have /sbin/init; else
 * CACHE/KEY, made when missing with `debootstrap --variant=minbase
 * --include=systemd,systemd-sysv,dbus SUITE TARGET MIRROR` (in a mount
 * namespace of its
 * own, so a killed debootstrap leaves no mount) into a flocked temporary
 * directory beside it and renamed into place once complete: a killed run
 * leaves no half-made host, and the next run removes what it left.  KEY
 * is sc_systemd_host_cache_key's. */
int sc_systemd_host_template_path(const sc_systemd_host_template *t, char **path, sc_error *err);

/* The name of t's made host in the cache: SUITE for the default mirror
 * (the name hosts made before the mirror could be chosen have), else
 * SUITE-HASH, HASH the first 12 hex digits of the mirror's SHA-256, so
 * that neither two suites nor two mirrors share a host.  NULL, with err
 * (SC_E_USAGE), for a suite that is not a plain name or a mirror that is
 * not an http, https or file URL. */
char *sc_systemd_host_cache_key(const sc_systemd_host_template *t, sc_error *err);

typedef struct sc_systemd_host {
  sc_container_root dir; /* the run's directory: the overlay's upper and work, the bundle */
  char *id;              /* the host container's runtime id */
  char *fs;              /* the host's "/" as reached from here (the overlay) */
  char *upper;           /* what the run wrote into the host */
  char *log_path;        /* the host container's console output */
  char *runtime_path;
  sc_runtime runtime;   /* its state in dir */
  sc_probe_target init; /* systemd, PID 1 inside: its pid (our child when we are a subreaper) */
  bool started;
  volatile const int *interrupted;
} sc_systemd_host;

/* Mount the overlay of template in a new container root in tmpdir (NULL:
 * /var/tmp), start systemd in it with runtime (an absolute path) and wait
 * up to timeout seconds until it has booted (`systemctl is-system-running
 * --wait` says running or degraded).  The caller closes host whatever
 * this returns. */
int sc_systemd_host_boot(const char *template_dir, const char *runtime, const char *tmpdir,
                         double timeout, volatile const int *interrupted, sc_systemd_host *host,
                         sc_error *err);

/* `RUNTIME exec ID argv...` in the booted host: *status and *output (may
 * be NULL) as sc_runtime_exec. */
int sc_systemd_host_exec(const sc_systemd_host *host, const char *const argv[], int *status,
                         char **output, sc_error *err);
/* The same, failing (with its output) unless it exits 0. */
int sc_systemd_host_run(const sc_systemd_host *host, const char *const argv[], sc_error *err);

/* The PID, as seen from here, of the process that is pid inside the host,
 * or 0 when there is none. */
pid_t sc_systemd_host_outer_pid(const sc_systemd_host *host, pid_t pid);

/* Power the host off (SIGRTMIN+3, systemd's halt), kill it when it takes
 * too long, delete it, and remove the run's directory with the overlay:
 * the template is as it was.  With keep, the run's directory stays, marked
 * as kept (container-root.h): the overlay's upper and work directories,
 * which mount the host again over its template. */
void sc_systemd_host_close(sc_systemd_host *host, bool keep);

#endif
