/* test-source.h: what `sc-build test` tests: an image reference, or a
 * project directory built first into a temporary OCI layout (removed on
 * close), with the test settings of its sc-build.json. */
#ifndef SC_TEST_SOURCE_H
#define SC_TEST_SOURCE_H

#include <stdbool.h>
#include <jansson.h>
#include <sc/error.h>
#include <sc/image.h>
#include <sc/values.h>

typedef struct sc_test_source {
  sc_image *image;
  char *name;        /* base name for the container */
  json_t *probes;    /* sc-build.json test.probes (an array, possibly empty) */
  sc_values *set;    /* sc-build.json test.set */
  double timeout;    /* sc-build.json test.timeout, default 30 */
  char *build_dir;   /* temporary layout of a built project, removed on close */
  bool no_settings;  /* a project without sc-build.json */
  int build_lock_fd; /* holds build_dir's flock while it exists */
} sc_test_source;

int sc_test_source_open(const char *source, sc_test_source *out, sc_error *err);
void sc_test_source_close(sc_test_source *source);

#endif
