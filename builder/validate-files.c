/* validate-files.c: checks on service.template, the rendered
 * tmpfiles.template and sc-build.json (docs/design.md sections 1 and 2). */
#include <stdlib.h>
#include <string.h>

#include <sc/values.h>

#include "util.h"
#include "smoke-probe.h"
#include "tmpfiles-line.h"
#include "validate-checks.h"

/* ---- service.template (systemd.service(5), as atomic renders it) ---- */

typedef struct unit_scan {
  int service_line; /* of [Service], 0 when absent */
  bool exec_start, exec_stop, exec_stoppost, pidfile, working_directory;
} unit_scan;

static bool setting_is(const char *line, size_t len, const char *key, const char *variable)
{
  size_t klen = strlen(key);
  if (len <= klen || memcmp(line, key, klen) != 0 || line[klen] != '=')
    return false;
  const char *value = line + klen + 1;
  size_t vlen = len - klen - 1;
  /* systemd.service(5): Exec lines may start with the prefixes - @ : + !
   * ("ExecStop=-$EXEC_STOP" ignores a failing stop). */
  if (strncmp(key, "Exec", 4) == 0)
    while (vlen > 0 && strchr("-@:+!", *value)) {
      value++;
      vlen--;
    }
  while (vlen > 0 && (value[vlen - 1] == ' ' || value[vlen - 1] == '\t' || value[vlen - 1] == '\r'))
    vlen--;
  _cleanup_free_ char *plain = xasprintf("$%s", variable);
  _cleanup_free_ char *braced = xasprintf("${%s}", variable);
  return (vlen == strlen(plain) && memcmp(value, plain, vlen) == 0) ||
         (vlen == strlen(braced) && memcmp(value, braced, vlen) == 0);
}

static void scan_unit_line(unit_scan *u, const char *line, size_t len, int number, bool *in_service)
{
  line += strspn(line, " \t");
  len = strcspn(line, "\n");
  if (len > 0 && line[0] == '[') {
    *in_service = len >= 9 && memcmp(line, "[Service]", 9) == 0;
    if (*in_service && u->service_line == 0)
      u->service_line = number;
    return;
  }
  if (!*in_service)
    return;
  u->exec_start |= setting_is(line, len, "ExecStart", "EXEC_START");
  u->exec_stop |= setting_is(line, len, "ExecStop", "EXEC_STOP");
  u->exec_stoppost |= setting_is(line, len, "ExecStopPost", "EXEC_STOPPOST");
  u->pidfile |= setting_is(line, len, "PIDFile", "PIDFILE");
  u->working_directory |= setting_is(line, len, "WorkingDirectory", "DESTDIR");
}

#define unit_warn(v, line, ...)                                                                    \
  sc_validation_report(v, SC_DIAG_WARNING, SC_FILE_SERVICE_TEMPLATE, line, 1, __VA_ARGS__)

void sc_validate_service(sc_validation *v)
{
  const char *text = v->project->service_template.data;
  unit_scan u = {0};
  bool in_service = false;
  int number = 1;
  for (const char *line = text; *line; number++) {
    size_t len = strcspn(line, "\n");
    scan_unit_line(&u, line, len, number, &in_service);
    line += len + (line[len] == '\n');
  }
  if (u.service_line == 0) {
    sc_validation_report(v, SC_DIAG_ERROR, SC_FILE_SERVICE_TEMPLATE, 1, 1,
                         "no [Service] section: the unit must run the container with "
                         "ExecStart=$EXEC_START");
    return;
  }
  int at = u.service_line;
  if (!u.exec_start)
    unit_warn(v, at,
              "[Service] has no ExecStart=$EXEC_START: the install writes the runc "
              "command line in it");
  if (sc_service_template_uses_pidfile(text)) {
    if (!u.exec_stoppost)
      unit_warn(v, at,
                "pidfile mode ($EXEC_STOPPOST and $PIDFILE used) without "
                "ExecStopPost=$EXEC_STOPPOST: the container is not deleted on stop");
    if (!u.pidfile)
      unit_warn(v, at,
                "pidfile mode ($EXEC_STOPPOST and $PIDFILE used) without "
                "PIDFile=$PIDFILE: systemd cannot follow the container");
  } else if (!u.exec_stop) {
    unit_warn(v, at,
              "[Service] has no ExecStop=$EXEC_STOP: the container is not stopped with "
              "runc kill");
  }
  if (!u.working_directory)
    unit_warn(v, at,
              "[Service] has no WorkingDirectory=$DESTDIR: runc finds the bundle "
              "(config.json, rootfs) in the working directory");
}

/* ---- tmpfiles.template, rendered (tmpfiles.d(5)) ---- */

static const char *line_at(const char *text, int number, size_t *len)
{
  for (int n = 1; n < number && text; n++) {
    text = strchr(text, '\n');
    text = text ? text + 1 : NULL;
  }
  *len = text ? strcspn(text, "\n") : 0;
  return text ? text : "";
}

static bool type_is_valid(const char *type)
{
  if (type[0] == '\0' || strchr("fFwdDevqQpLcbCxXrRzZtThHaA", type[0]) == NULL)
    return false;
  return strspn(type + 1, "!-+=~^$") == strlen(type + 1);
}

static bool mode_is_valid(const char *mode)
{
  if (strcmp(mode, "-") == 0)
    return true;
  mode += strspn(mode, "~:");
  size_t len = strlen(mode);
  return len >= 3 && len <= 4 && strspn(mode, "01234567") == len;
}

#define tmpfiles_error(v, line, col, ...)                                                          \
  sc_validation_report(v, SC_DIAG_ERROR, SC_FILE_TMPFILES_TEMPLATE, line, col, __VA_ARGS__)

static void check_tmpfiles_line(sc_validation *v, const sc_tmpfiles_line *r, const int *cols,
                                int number)
{
  if (r->count < 2) {
    tmpfiles_error(v, number, cols[0],
                   "a tmpfiles.d line has 2 to 7 fields (type path mode user group age "
                   "argument), this one has %zu",
                   r->count);
    return;
  }
  const char *type = r->field[0], *path = r->field[1];
  if (!type_is_valid(type))
    tmpfiles_error(v, number, cols[0],
                   "unknown tmpfiles.d type '%s': a letter of fFwdDevqQpLcbCxXrRzZtThHaA, "
                   "then modifiers !-+=~^$",
                   type);
  else if (strchr("wcbaAhHtT", type[0]) && r->count < SC_TMPFILES_FIELDS)
    tmpfiles_error(v, number, cols[0], "tmpfiles.d type '%c' needs an argument (the 7th field)",
                   type[0]);
  if (path[0] != '/' && path[0] != '%')
    tmpfiles_error(v, number, cols[1], "the path '%s' must be absolute after rendering", path);
  if (r->count > 2 && !mode_is_valid(r->field[2]))
    tmpfiles_error(v, number, cols[2], "the mode '%s' is not an octal mode or '-'", r->field[2]);
}

/* One rendered line, reported at the columns of the template line when its
 * fields line up with the rendered ones (a value with a blank would shift
 * them). */
static void check_rendered_line(sc_validation *v, const char *line, size_t len, int number)
{
  sc_tmpfiles_line r, t;
  if (sc_tmpfiles_line_split(line, len, &r) < 0) {
    tmpfiles_error(v, number, r.error_col, "%s", r.error);
    return;
  }
  size_t tlen;
  const char *tline = line_at(v->project->tmpfiles_template.data, number, &tlen);
  bool aligned = sc_tmpfiles_line_split(tline, tlen, &t) == 0 && t.count == r.count;
  if (r.count > 0)
    check_tmpfiles_line(v, &r, aligned ? t.col : r.col, number);
  sc_tmpfiles_line_clear(&t);
  sc_tmpfiles_line_clear(&r);
}

void sc_validate_tmpfiles(sc_validation *v, const char *rendered)
{
  int number = 1;
  for (const char *line = rendered; *line; number++) {
    size_t len = strcspn(line, "\n");
    check_rendered_line(v, line, len, number);
    line += len + (line[len] == '\n');
  }
}

/* ---- sc-build.json ---- */

#define settings_report(v, severity, path, depth, at_key, ...)                                     \
  sc_validation_report_path(v, severity, SC_FILE_SETTINGS, (v)->project->settings_text.data, path, \
                            depth, at_key, __VA_ARGS__)

static void check_labels(sc_validation *v, json_t *labels)
{
  sc_jsonpos_step path[] = {SC_JSONPOS_KEY("labels"), SC_JSONPOS_KEY(NULL)};
  if (!json_is_object(labels)) {
    settings_report(v, SC_DIAG_ERROR, path, 1, false,
                    "\"labels\" must be an object of label names to string values");
    return;
  }
  const char *key;
  json_t *value;
  json_object_foreach(labels, key, value)
  {
    path[1].key = key;
    if (key[0] == '\0')
      settings_report(v, SC_DIAG_ERROR, path, 2, true, "a label name cannot be empty");
    if (!json_is_string(value))
      settings_report(v, SC_DIAG_ERROR, path, 2, false, "label '%s' must be a string", key);
  }
}

/* Each probe as `sc-build test` will read it (probe.c, with the values an
 * install computes plus test.set), and keys no probe reads, which a typo
 * would otherwise turn into a silently weaker test. */
/* The key of spec that probe.c's message is about: its messages quote the
 * key ("url", "status"), so the diagnostic can point at its value; NULL
 * (the whole probe) when none is quoted. */
static const char *probe_error_key(json_t *spec, const char *msg)
{
  const char *key;
  json_t *value;
  json_object_foreach(spec, key, value)
  {
    _cleanup_free_ char *quoted = xasprintf("\"%s\"", key);
    if (strstr(msg, quoted))
      return key;
  }
  return NULL;
}

static void check_probe(sc_validation *v, const sc_values *values, json_t *spec, size_t i)
{
  sc_jsonpos_step path[] = {SC_JSONPOS_KEY("test"), SC_JSONPOS_KEY("probes"), SC_JSONPOS_INDEX(i),
                            SC_JSONPOS_KEY(NULL)};
  sc_probe probe;
  sc_error err = SC_ERROR_INIT;
  if (values && sc_probe_from_json(spec, values, 10, &probe, &err) < 0) {
    path[3].key = probe_error_key(spec, err.msg);
    settings_report(v, SC_DIAG_ERROR, path, path[3].key ? 4 : 3, false, "probe %zu: %s", i + 1,
                    err.msg);
  } else if (values)
    sc_probe_clear(&probe);
  sc_error_clear(&err);
  const char *type = json_string_value(json_object_get(spec, "type"));
  const char *key;
  json_t *value;
  json_object_foreach(spec, key, value)
  {
    path[3].key = key;
    /* An unknown type is reported above; its keys would only add noise. */
    if (sc_probe_key_is_known(type, "type") && !sc_probe_key_is_known(type, key))
      settings_report(v, SC_DIAG_WARNING, path, 4, true,
                      "probe %zu: a %s probe has no \"%s\" (see docs/sc-build-json.md): it is "
                      "ignored",
                      i + 1, type ? type : "typeless", key);
  }
}

static void check_test(sc_validation *v, json_t *test)
{
  sc_jsonpos_step path[] = {SC_JSONPOS_KEY("test"), SC_JSONPOS_KEY(NULL)};
  if (!json_is_object(test)) {
    settings_report(v, SC_DIAG_ERROR, path, 1, false,
                    "\"test\" must be an object (probes, set, timeout)");
    return;
  }
  const char *key;
  json_t *value;
  json_object_foreach(test, key, value)
  {
    path[1].key = key;
    if (strcmp(key, "probes") != 0 && strcmp(key, "set") != 0 && strcmp(key, "timeout") != 0)
      settings_report(v, SC_DIAG_WARNING, path, 2, true,
                      "unknown key \"%s\" in \"test\" (it has probes, set, timeout): it is "
                      "ignored",
                      key);
  }
  json_t *probes = json_object_get(test, "probes");
  json_t *set = json_object_get(test, "set");
  sc_values *values = v->values ? sc_values_copy(v->values) : NULL;
  json_object_foreach(json_is_object(set) ? set : NULL, key, value)
  {
    if (values && json_is_string(value))
      sc_values_set(values, key, json_string_value(value));
  }
  size_t i;
  json_t *spec;
  json_array_foreach(json_is_array(probes) ? probes : NULL, i, spec)
      check_probe(v, values, spec, i);
  sc_values_free(values);
}

/* "platforms": OS/ARCH[/VARIANT] strings, as --platform takes them. */
static void check_platforms(sc_validation *v, json_t *value)
{
  sc_jsonpos_step at[] = {SC_JSONPOS_KEY("platforms")};
  if (!json_is_array(value) || json_array_size(value) == 0) {
    settings_report(v, SC_DIAG_ERROR, at, 1, false,
                    "\"platforms\" must be a non-empty array of \"OS/ARCH[/VARIANT]\" strings "
                    "(e.g. [\"linux/amd64\", \"linux/arm64\"])");
    return;
  }
  size_t i;
  json_t *item;
  json_array_foreach(value, i, item)
  {
    sc_jsonpos_step path[] = {SC_JSONPOS_KEY("platforms"), SC_JSONPOS_INDEX(i)};
    sc_platform p;
    sc_error err = SC_ERROR_INIT;
    const char *text = json_string_value(item);
    if (text == NULL)
      settings_report(v, SC_DIAG_ERROR, path, 2, false,
                      "a platform is a string \"OS/ARCH[/VARIANT]\", e.g. \"linux/arm64\"");
    else if (sc_platform_parse(text, &p, &err) < 0)
      settings_report(v, SC_DIAG_ERROR, path, 2, false, "%s", err.msg);
    else
      sc_platform_clear(&p);
    sc_error_clear(&err);
  }
}

static void check_settings_member(sc_validation *v, const char *key, json_t *value)
{
  sc_jsonpos_step path[] = {SC_JSONPOS_KEY(key)};
  if (strcmp(key, "name") == 0 || strcmp(key, "tag") == 0 || strcmp(key, "from") == 0) {
    const char *s = json_string_value(value);
    if (s == NULL || s[0] == '\0')
      settings_report(v, SC_DIAG_ERROR, path, 1, false, "\"%s\" must be a non-empty string", key);
  } else if (strcmp(key, "labels") == 0) {
    check_labels(v, value);
  } else if (strcmp(key, "platforms") == 0) {
    check_platforms(v, value);
  } else if (strcmp(key, "test") == 0) {
    check_test(v, value);
  } else {
    settings_report(
        v, SC_DIAG_WARNING, path, 1, true,
        "unknown key \"%s\" (sc-build.json has name, tag, from, labels, platforms, test): it is "
        "ignored",
        key);
  }
}

void sc_validate_settings(sc_validation *v)
{
  const sc_text *t = &v->project->settings_text;
  if (t->data == NULL)
    return;
  json_error_t jerr;
  json_t *doc = json_loadb(t->data, t->len, 0, &jerr);
  if (doc == NULL) {
    sc_validation_report(v, SC_DIAG_ERROR, SC_FILE_SETTINGS, jerr.line,
                         jerr.column > 0 ? jerr.column : 1, "not valid JSON: %s", jerr.text);
    return;
  }
  if (!json_is_object(doc)) {
    settings_report(v, SC_DIAG_ERROR, NULL, 0, false,
                    "sc-build.json must be a JSON object ({\"name\": ..., \"tag\": ...})");
  } else {
    const char *key;
    json_t *value;
    json_object_foreach(doc, key, value)
    {
      check_settings_member(v, key, value);
    }
  }
  json_decref(doc);
}
