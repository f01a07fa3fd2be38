/* smoke-source.h: what `sc-build test` tests: an image reference, or a
 * project directory built first into a temporary OCI layout (removed on
 * close), with the test settings of its sc-build.json. */
#ifndef SC_SMOKE_SOURCE_H
#define SC_SMOKE_SOURCE_H

#include <stdbool.h>
#include <jansson.h>
#include <sc/error.h>
#include <sc/image.h>
#include <sc/values.h>

#include "smoke.h"

typedef struct sc_smoke_source {
  sc_image *image;
  char *name;        /* base name for the container */
  json_t *probes;    /* sc-build.json test.probes (an array, possibly empty) */
  sc_values *set;    /* sc-build.json test.set */
  double timeout;    /* sc-build.json test.timeout, default 30 */
  char *build_dir;   /* temporary layout of a built project, removed on close */
  bool no_settings;  /* a project without sc-build.json */
  int build_lock_fd; /* holds build_dir's flock while it exists */
} sc_smoke_source;

/* A project directory is built in tmpdir (sc_tmp_base). */
int sc_smoke_source_open(const char *source, const char *tmpdir, sc_smoke_source *out,
                         sc_error *err);
void sc_smoke_source_close(sc_smoke_source *source);

/* The smoke test's plan (docs/sc-build.1, test) into options' image,
 * name, set, probes and timeout: the probes given (an array; empty: none
 * given) win over the source's, else alive:2 and *note (to free) says why
 * and how to add one to path, the source as given; the
 * values given (or NULL) over the source's test.set; a timeout > 0 over
 * the source's.  What options points to is the source's until it closes. */
void sc_smoke_source_plan(sc_smoke_source *source, const char *path, json_t *probes,
                          const sc_values *set, double timeout, sc_smoke_options *options,
                          char **note);

#endif
