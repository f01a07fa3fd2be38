/* manifest.c: parsing manifest.json (the keys Atomic/syscontainers.py reads; docs/design.md section
 * 1). */
#include <sc/manifest.h>
#include <sc/template.h>

#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "jsonpos.h"
#include "manifest-internal.h"
#include "util.h"

typedef struct manifest_parse {
  const char *text;
  size_t len;
  const char *file;
  sc_diags *diags;
  sc_manifest *manifest;
} manifest_parse;

/* A diagnostic at the key (at_key) or the value of a path in the file. */
static void SC_PRINTF(6, 7)
    report(const manifest_parse *mp, sc_diag_severity severity, const sc_jsonpos_step *path,
           size_t depth, bool at_key, const char *fmt, ...)
{
  if (mp->diags == NULL)
    return;
  sc_jsonpos pos;
  sc_jsonpos_find(mp->text, mp->len, path, depth, &pos);
  va_list ap;
  va_start(ap, fmt);
  _cleanup_free_ char *msg = xvasprintf(fmt, ap);
  va_end(ap);
  sc_diags_add(mp->diags, severity, mp->file, at_key ? pos.key_line : pos.value_line,
               at_key ? pos.key_col : pos.value_col, "%s", msg);
}

static void parse_version(manifest_parse *mp, const char *key, json_t *value)
{
  sc_jsonpos_step path[] = {SC_JSONPOS_KEY(key)};
  if (!json_is_string(value)) {
    report(mp, SC_DIAG_ERROR, path, 1, false, "\"%s\" must be a string (e.g. \"1.0\")", key);
    return;
  }
  mp->manifest->version = xstrdup(json_string_value(value));
}

static void parse_bool(manifest_parse *mp, const char *key, json_t *value, bool *out)
{
  sc_jsonpos_step path[] = {SC_JSONPOS_KEY(key)};
  if (!json_is_boolean(value)) {
    report(mp, SC_DIAG_ERROR, path, 1, false, "\"%s\" must be true or false", key);
    return;
  }
  *out = json_is_true(value);
}

static void parse_use_links(manifest_parse *mp, const char *key, json_t *value)
{
  parse_bool(mp, key, value, &mp->manifest->use_links);
}

static void parse_no_container_service(manifest_parse *mp, const char *key, json_t *value)
{
  parse_bool(mp, key, value, &mp->manifest->no_container_service);
}

/* An object of string values into values; wrong members are reported and
 * skipped. */
static void parse_string_map(manifest_parse *mp, const char *key, json_t *value, const char *what,
                             sc_values *values)
{
  sc_jsonpos_step path[] = {SC_JSONPOS_KEY(key), SC_JSONPOS_KEY(NULL)};
  if (!json_is_object(value)) {
    report(mp, SC_DIAG_ERROR, path, 1, false, "\"%s\" must be an object of %s", key, what);
    return;
  }
  const char *name;
  json_t *member;
  json_object_foreach(value, name, member)
  {
    path[1].key = name;
    if (!json_is_string(member)) {
      report(mp, SC_DIAG_ERROR, path, 2, false, "%s.%s must be a string", key, name);
      continue;
    }
    sc_values_set(values, name, json_string_value(member));
  }
}

static void parse_default_values(manifest_parse *mp, const char *key, json_t *value)
{
  mp->manifest->has_default_values = json_is_object(value);
  parse_string_map(mp, key, value, "variable names to string values", mp->manifest->default_values);
  sc_jsonpos_step path[] = {SC_JSONPOS_KEY(key), SC_JSONPOS_KEY(NULL)};
  for (size_t i = 0; i < sc_values_count(mp->manifest->default_values); i++) {
    const char *name = sc_values_key_at(mp->manifest->default_values, i);
    path[1].key = name;
    if (!sc_template_is_identifier(name, strlen(name)))
      report(mp, SC_DIAG_WARNING, path, 2, true,
             "default value '%s' is not a variable name (letters, digits and '_', not starting "
             "with a digit): no template can use it",
             name);
  }
}

static void parse_rename_files(manifest_parse *mp, const char *key, json_t *value)
{
  parse_string_map(mp, key, value, "host paths to templated host paths",
                   mp->manifest->rename_files);
}

static void parse_installed_files(manifest_parse *mp, const char *key, json_t *value)
{
  sc_jsonpos_step path[] = {SC_JSONPOS_KEY(key), SC_JSONPOS_INDEX(0)};
  if (!json_is_array(value)) {
    report(mp, SC_DIAG_ERROR, path, 1, false, "\"%s\" must be an array of absolute host paths",
           key);
    return;
  }
  sc_manifest *m = mp->manifest;
  size_t i;
  json_t *element;
  json_array_foreach(value, i, element)
  {
    path[1].index = i;
    const char *s = json_string_value(element);
    if (s == NULL || s[0] != '/') {
      report(mp, SC_DIAG_ERROR, path, 2, false,
             "%s[%zu] must be an absolute host path (a string starting with '/')", key, i);
      continue;
    }
    m->installed_files_template =
        xrealloc(m->installed_files_template, (m->installed_files_count + 2) * sizeof(char *));
    m->installed_files_template[m->installed_files_count++] = xstrdup(s);
    m->installed_files_template[m->installed_files_count] = NULL;
  }
}

typedef void (*key_parser)(manifest_parse *mp, const char *key, json_t *value);

static const struct {
  const char *key;
  key_parser parse;
} known_keys[] = {
    {"version", parse_version},
    {"defaultValues", parse_default_values},
    {"installedFilesTemplate", parse_installed_files},
    {"renameFiles", parse_rename_files},
    {"useLinks", parse_use_links},
    {"noContainerService", parse_no_container_service},
};

static key_parser find_parser(const char *key)
{
  for (size_t i = 0; i < sizeof known_keys / sizeof known_keys[0]; i++)
    if (strcmp(known_keys[i].key, key) == 0)
      return known_keys[i].parse;
  return NULL;
}

static sc_manifest *manifest_new(void)
{
  sc_manifest *m = xcalloc(1, sizeof *m);
  m->default_values = sc_values_new();
  m->rename_files = sc_values_new();
  m->installed_files_template = xcalloc(1, sizeof(char *));
  m->use_links = true;
  return m;
}

static void parse_members(manifest_parse *mp, json_t *doc)
{
  const char *key;
  json_t *value;
  json_object_foreach(doc, key, value)
  {
    key_parser parse = find_parser(key);
    if (parse) {
      parse(mp, key, value);
      continue;
    }
    sc_jsonpos_step path[] = {SC_JSONPOS_KEY(key)};
    report(mp, SC_DIAG_WARNING, path, 1, true,
           "unknown key \"%s\" (atomic reads version, defaultValues, installedFilesTemplate, "
           "renameFiles, useLinks, noContainerService): it is ignored",
           key);
  }
  if (!mp->manifest->has_default_values && json_object_get(doc, "defaultValues") == NULL)
    report(mp, SC_DIAG_WARNING, NULL, 0, false,
           "no \"defaultValues\": atomic's images info fails on it: write \"defaultValues\": {}");
}

int sc_manifest_parse(const char *text, size_t len, const char *file, sc_manifest **out,
                      sc_diags *diags, sc_error *err)
{
  json_error_t jerr;
  _cleanup_(json_decrefp) json_t *doc = json_loadb(text, len, 0, &jerr);
  if (doc == NULL)
    return sc_error_set_at(err, SC_E_INVALID, file, jerr.line, jerr.column > 0 ? jerr.column : 1,
                           "not valid JSON: %s", jerr.text);
  if (!json_is_object(doc)) {
    sc_jsonpos pos;
    sc_jsonpos_find(text, len, NULL, 0, &pos);
    return sc_error_set_at(err, SC_E_INVALID, file, pos.value_line, pos.value_col,
                           "the manifest must be a JSON object ({\"defaultValues\": {...}})");
  }
  manifest_parse mp = {text, len, file, diags, manifest_new()};
  parse_members(&mp, doc);
  *out = mp.manifest;
  return 0;
}

void sc_manifest_free(sc_manifest *manifest)
{
  if (manifest == NULL)
    return;
  free(manifest->version);
  sc_values_free(manifest->default_values);
  sc_strv_free(manifest->installed_files_template);
  sc_values_free(manifest->rename_files);
  free(manifest);
}

/* ---- accessors of the opaque handle (sc/manifest.h) ---- */

const char *sc_manifest_version(const sc_manifest *manifest)
{
  return manifest->version;
}

bool sc_manifest_has_default_values(const sc_manifest *manifest)
{
  return manifest->has_default_values;
}

const sc_values *sc_manifest_default_values(const sc_manifest *manifest)
{
  return manifest->default_values;
}

char *const *sc_manifest_installed_files_template(const sc_manifest *manifest)
{
  return manifest->installed_files_template;
}

size_t sc_manifest_installed_files_count(const sc_manifest *manifest)
{
  return manifest->installed_files_count;
}

const sc_values *sc_manifest_rename_files(const sc_manifest *manifest)
{
  return manifest->rename_files;
}

bool sc_manifest_use_links(const sc_manifest *manifest)
{
  return manifest->use_links;
}

bool sc_manifest_no_container_service(const sc_manifest *manifest)
{
  return manifest->no_container_service;
}
