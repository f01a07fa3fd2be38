/* smoke-source.c: open what `sc-build test` tests. */
#include "smoke-source.h"
#include "image-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "project.h"
#include "store.h"
#include "smoke-build.h"
#include "util.h"

#define DEFAULT_PROBE_TIMEOUT 30.0

static bool is_project_dir(const char *path)
{
  struct stat st;
  _cleanup_free_ char *config = sc_path_join(path, SC_FILE_CONFIG_TEMPLATE);
  _cleanup_free_ char *plain = sc_path_join(path, SC_FILE_CONFIG);
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode) &&
         (stat(config, &st) == 0 || stat(plain, &st) == 0);
}

/* sc-build.json "test": {"probes": [...], "set": {...}, "timeout": N}. */
static int read_test_settings(const sc_project *project, sc_smoke_source *out, sc_error *err)
{
  json_t *test = json_object_get(project->settings, "test");
  if (test == NULL)
    return 0;
  _cleanup_free_ char *file = sc_project_file_path(project, SC_FILE_SETTINGS);
  json_t *probes = json_object_get(test, "probes");
  json_t *set = json_object_get(test, "set");
  json_t *timeout = json_object_get(test, "timeout");
  if ((probes && !json_is_array(probes)) || (set && !json_is_object(set)) ||
      (timeout && !json_is_number(timeout)))
    return sc_error_set(err, SC_E_INVALID,
                        "%s: \"test\" has probes (an array), set (an object) and timeout (a "
                        "number): see docs/sc-build-json.md",
                        file);
  if (probes)
    json_array_extend(out->probes, probes);
  const char *key;
  json_t *value;
  json_object_foreach(set, key, value)
  {
    if (!json_is_string(value))
      return sc_error_set(err, SC_E_INVALID, "%s: test.set.%s must be a string", file, key);
    sc_values_set(out->set, key, json_string_value(value));
  }
  if (timeout)
    out->timeout = json_number_value(timeout);
  return 0;
}

static int open_project(const char *path, const char *tmpdir, sc_smoke_source *out, sc_error *err)
{
  sc_project *project = NULL;
  if (sc_project_open(path, &project, err) < 0)
    return -1;
  out->name = xstrdup(project->image_name);
  out->no_settings = project->settings_text.data == NULL;
  int r = read_test_settings(project, out, err);
  _cleanup_free_ char *reference = NULL;
  if (r == 0)
    r = sc_smoke_build_project(project, tmpdir, &out->build_dir, &out->build_lock_fd, &reference,
                               err);
  if (r == 0)
    r = sc_image_open(reference, &out->image, err);
  sc_project_free(project);
  return r;
}

int sc_smoke_source_open(const char *source, const char *tmpdir, sc_smoke_source *out,
                         sc_error *err)
{
  *out = (sc_smoke_source){.probes = json_array(),
                           .set = sc_values_new(),
                           .timeout = DEFAULT_PROBE_TIMEOUT,
                           .build_lock_fd = -1};
  int r;
  if (is_project_dir(source)) {
    r = open_project(source, tmpdir, out, err);
  } else {
    r = sc_image_open(source, &out->image, err);
    if (r == 0) {
      const char *tag = out->image->tag ? out->image->tag : "image";
      out->name = xstrndup(tag, strcspn(tag, ":"));
    }
  }
  if (r < 0)
    sc_smoke_source_close(out);
  return r;
}

void sc_smoke_source_close(sc_smoke_source *source)
{
  sc_image_free(source->image);
  free(source->name);
  json_decref(source->probes);
  sc_values_free(source->set);
  sc_store_tmp_dir_remove(&source->build_dir, &source->build_lock_fd);
  *source = (sc_smoke_source){.build_lock_fd = -1};
}

/* Without probes only `alive` runs, which proves little: say how to add one. */
static char *no_probes_note(const sc_smoke_source *source, const char *path)
{
  static const char example[] =
      "{\"test\": {\"probes\": [{\"type\": \"tcp\", \"address\": \"127.0.0.1:${PORT}\"}]}}";
  if (source->build_dir == NULL)
    return xstrdup("an image carries no probes: checking only that the container stays up for "
                   "2 s (give --probe, or test the project directory to use its sc-build.json "
                   "probes)");
  _cleanup_free_ char *settings = sc_path_join(path, "sc-build.json");
  if (source->no_settings)
    return xasprintf("%s has no sc-build.json, so no probes: checking only that the container "
                     "stays up for 2 s.  To check that the service works, write %s with a probe, "
                     "for example %s (probe types: tcp, http, exec, exit, alive; see "
                     "docs/sc-build-json.md), or give --probe",
                     path, settings, example);
  return xasprintf("%s has no test.probes: checking only that the container stays up for 2 s.  "
                   "To check that the service works, add a probe, for example %s (probe types: "
                   "tcp, http, exec, exit, alive; see docs/sc-build-json.md), or give --probe",
                   settings, example);
}

void sc_smoke_source_plan(sc_smoke_source *source, const char *path, json_t *probes,
                          const sc_values *set, double timeout, sc_smoke_options *options,
                          char **note)
{
  *note = NULL;
  if (json_array_size(probes)) {
    json_array_clear(source->probes);
    json_array_extend(source->probes, probes);
  }
  if (json_array_size(source->probes) == 0) {
    json_array_append_new(source->probes, json_pack("{s:s, s:f}", "type", "alive", "seconds", 2.0));
    *note = no_probes_note(source, path);
  }
  for (size_t i = 0; set && i < sc_values_count(set); i++)
    sc_values_set(source->set, sc_values_key_at(set, i), sc_values_value_at(set, i));
  options->image = source->image;
  options->name = source->name;
  options->set = source->set;
  options->probes = source->probes;
  options->timeout = timeout > 0 ? timeout : source->timeout;
}
