/* fuzz-registries-conf.c: libFuzzer target for registries.conf files: the
 * TOML subset (toml.h) and what registries-conf.h makes of a document.
 *
 * Checked besides crashes and sanitizer reports: a refused document has a
 * message, a syntax error a line and column inside the input; an accepted
 * one is a JSON object that dumps; a merged configuration plans pulls and
 * pushes for a few references (tagged, by digest, short) where every
 * place is a docker:// reference, and a plan or target is never made for a
 * blocked registry. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "registries-conf.h"
#include "toml.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_toml(const char *text, size_t size)
{
  sc_error err = SC_ERROR_INIT;
  json_t *doc = sc_toml_parse(text, size, "f.conf", &err);
  if (doc == NULL) {
    if (err.msg == NULL)
      abort();
    if (err.file && (err.line < 1 || err.col < 1 || (size_t)err.col > size + 1))
      abort();
    sc_error_clear(&err);
    return;
  }
  char *dump = json_dumps(doc, JSON_COMPACT);
  if (!json_is_object(doc) || dump == NULL)
    abort();
  free(dump);
  json_decref(doc);
}

static void check_plan(const sc_registries_conf *conf, const char *reference)
{
  sc_pull_attempt *plan = NULL;
  size_t n = 0;
  sc_error err = SC_ERROR_INIT;
  if (sc_registries_pull_plan(conf, reference, &plan, &n, &err) < 0) {
    if (err.msg == NULL || plan != NULL || n != 0)
      abort();
    sc_error_clear(&err);
  } else {
    if (n == 0)
      abort();
    for (size_t i = 0; i < n; i++)
      if (!sc_str_has_prefix(plan[i].reference, "docker://"))
        abort();
    sc_pull_attempts_free(plan, n);
  }
  char *target = NULL;
  bool insecure;
  if (sc_registries_push_target(conf, reference, &target, &insecure, &err) < 0) {
    if (err.msg == NULL || target != NULL)
      abort();
    sc_error_clear(&err);
  } else if (!sc_str_has_prefix(target, "docker://")) {
    abort();
  }
  free(target);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *text = (const char *)data;
  check_toml(text, size);
  sc_registries_conf conf = SC_REGISTRIES_CONF_INIT;
  sc_error err = SC_ERROR_INIT;
  if (sc_registries_conf_merge(&conf, text, size, "f.conf", &err) < 0) {
    if (err.msg == NULL)
      abort();
    sc_error_clear(&err);
  } else {
    static const char *const refs[] = {
        "docker://example.com/foo/image:latest", "docker://busybox", "docker://ns/app:1",
        ("docker://registry.example:5000/a/b@sha256:"
         "0000000000000000000000000000000000000000000000000000000000000000"),
        "docker://a.b.example/x"};
    for (size_t i = 0; i < sizeof refs / sizeof refs[0]; i++)
      check_plan(&conf, refs[i]);
  }
  sc_registries_conf_clear(&conf);
  return 0;
}
