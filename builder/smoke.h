/* smoke.h: `sc-build test`: install an image into a fresh temporary root,
 * start its bundle with the OCI runtime as the unit's ExecStart would, run
 * probes, and tear everything down (docs/design.md section 5). */
#ifndef SC_SMOKE_H
#define SC_SMOKE_H

#include <stdbool.h>
#include <jansson.h>
#include <sc/error.h>
#include <sc/image.h>
#include <sc/values.h>

#include "container-root.h"
#include "smoke-probe.h"

/* Progress, as it happens (container-root.h). */
typedef sc_container_event_fn sc_smoke_event_fn;

typedef struct sc_smoke_options {
  const sc_image *image;
  const char *name;         /* base of the container name; "-test-XXXXXX" is appended */
  const sc_values *set;     /* --set values; their paths name files of the test root */
  json_t *probes;           /* array of probe objects (docs/sc-build-json.md) */
  double timeout;           /* default per-probe timeout, seconds */
  bool keep;                /* leave the root (and stop the container) for inspection */
  const char *runtime_path; /* NULL: runc, looked for in search_path */
  const char *search_path;  /* $PATH as the caller read it; NULL: SC_DEFAULT_SEARCH_PATH */
  const char *tmpdir;       /* where the root is made; NULL: /var/tmp */
  volatile const int *interrupted;
  sc_smoke_event_fn on_event;
  void *user;
} sc_smoke_options;

typedef struct sc_smoke_probe_report {
  char *label;
  bool passed;
  double seconds;
  char *reason;
} sc_smoke_probe_report;

typedef struct sc_smoke_report {
  char *root;             /* the temporary root (removed unless keep) */
  char *id;               /* container name and runtime id */
  char *runtime;          /* the runtime's absolute path */
  bool passed;            /* every probe passed */
  double seconds;         /* the whole run: install_seconds + probe_seconds + cleanup_seconds */
  double install_seconds; /* preflight, install into the root, tmpfiles, start */
  double probe_seconds;   /* the probes, from the first to the last */
  double cleanup_seconds; /* stop, delete, uninstall, remove the root */
  sc_smoke_probe_report *probes;
  size_t probe_count;
  char **notes;   /* things worth saying (no systemd, skipped tmpfiles lines, ...) */
  char *log_tail; /* last lines of the container's output, on failure */
  /* --systemd with keep: the kept host's overlay, its upper directory
   * (what the run wrote into the host) over lower (the host template). */
  char *kept_upper;
  char *kept_lower;
} sc_smoke_report;

/* Where a program named without a '/' is looked for when the caller gives
 * no search path (the library reads no environment: the CLI passes $PATH). */
#define SC_DEFAULT_SEARCH_PATH "/usr/local/bin:/usr/bin:/bin"

/* The path of program: program itself when it has a '/' (its real path),
 * else its first executable match in search_path (NULL:
 * SC_DEFAULT_SEARCH_PATH); NULL when there is none. */
char *sc_smoke_find_program(const char *program, const char *search_path);

/* Resolve the runtime (runc when NULL; a name without '/' in search_path,
 * a ':'-separated list as $PATH is) and run it once on a trivial bundle:
 * fails with the reason it cannot run containers here. */
int sc_smoke_preflight(const char *runtime_path, const char *search_path, const char *tmpdir,
                       char **resolved, sc_error *err);
/* Run the whole test; the process state is the caller's: when the caller
 * is a child subreaper (prctl(PR_SET_CHILD_SUBREAPER), as `sc-build test`
 * makes itself), the container's init becomes its child once the runtime
 * exits, so its exit status (a one-shot service's result) is reported;
 * otherwise only that it exited.  0 when it ran (look at report->passed), -1 when it
 * could not (err). Teardown happens in both cases. */
int sc_smoke_run(const sc_smoke_options *options, sc_smoke_report *report, sc_error *err);
void sc_smoke_report_clear(sc_smoke_report *report);

/* The steps of a run that a smoke test of another kind (smoke-systemd.h)
 * shares, with the probes rendered from values (the installed ones). */
/* Fail when a tcp or http probe's port already answers before the start:
 * the probe would prove nothing. */
int sc_smoke_refuse_taken_ports(const sc_smoke_options *options, const sc_values *values,
                                sc_error *err);
/* Run options->probes against target, one by one, into report (probes,
 * probe_count, passed); -1 when one cannot be rendered (err). */
int sc_smoke_run_probes(const sc_smoke_options *options, const sc_values *values,
                        sc_probe_target *target, sc_smoke_report *report, sc_error *err);
/* The last lines of a log file, or NULL when it is empty or unreadable. */
char *sc_smoke_read_tail(const char *path, int lines);

#endif
