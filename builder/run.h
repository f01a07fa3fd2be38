/* run.h: `sc-build run`: a one-off command in an image's rootfs, through
 * the OCI runtime, as `atomic run --storage ostree` and `buildah run` do.
 * The image is installed into a disposable root (container-root.h) exactly
 * as a host would render it; its config.json is then adjusted for the
 * command (args, terminal, writable root, network, extra binds) and the
 * runtime runs it in the foreground with our stdio.  Unlike `sc-build test`
 * nothing is probed: the command's exit status is the result. */
#ifndef SC_RUN_H
#define SC_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include <sc/error.h>
#include <sc/image.h>
#include <sc/values.h>

#include "container-root.h"

typedef enum {
  SC_RUN_NET_IMAGE, /* as the image's config.json says */
  SC_RUN_NET_HOST,  /* no network namespace: the host's network */
  SC_RUN_NET_NONE,  /* a new network namespace with only loopback */
} sc_run_net;

typedef struct sc_run_bind {
  char *source;      /* absolute path on the host */
  char *destination; /* absolute path in the container */
  bool readonly;
} sc_run_bind;

typedef struct sc_run_options {
  const sc_image *image;
  const char *name;     /* base of the container name; "-run-XXXXXX" is appended */
  const sc_values *set; /* --set values; then the manifest's defaults */
  char *const *command; /* replaces process.args, or NULL for the image's */
  bool terminal;        /* process.terminal: our terminal becomes the container's */
  bool writable;        /* root.readonly false: writes go to the disposable checkout */
  bool keep;            /* leave the root and its runtime state */
  sc_run_net net;
  const sc_run_bind *binds;
  size_t bind_count;
  const char *runtime_path; /* NULL: runc, looked for in search_path */
  const char *search_path;  /* $PATH as the caller read it; NULL: SC_DEFAULT_SEARCH_PATH */
  const char *tmpdir;       /* where the root is made; NULL: /var/tmp */
  volatile const int *interrupted;
  sc_container_event_fn on_event; /* "step" and "note" */
  void *user;
} sc_run_options;

/* Parse `HOST:CONTAINER[:ro|:rw]`: HOST must exist (made absolute), and
 * CONTAINER must be absolute. */
int sc_run_bind_parse(const char *text, sc_run_bind *out, sc_error *err);
void sc_run_bind_clear(sc_run_bind *bind);

/* Apply the options' changes to a rendered config.json. */
int sc_run_adjust_config(json_t *config, const sc_run_options *options, sc_error *err);

/* Run the command; 0 with *exit_status the command's (128 + N when a
 * signal N ended it), -1 when it could not be run (err).  The root and the
 * runtime's state are removed afterwards in every case unless keep; a run
 * killed outright leaves them to the next run, which removes them. */
int sc_run(const sc_run_options *options, int *exit_status, sc_error *err);

#endif
