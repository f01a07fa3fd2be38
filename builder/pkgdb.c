/* pkgdb.c: dpkg's status file, apk's installed database and the values of
 * rpm's headers (pkgdb.h). */
#include "pkgdb.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <jansson.h>

#include "util.h"

/* The fields an SBOM keeps, by what they mean in either database. */
enum { F_NAME, F_VERSION, F_ARCH, F_SUPPLIER, F_LICENSE, F_STATUS, F_EPOCH, F_RELEASE, F_COUNT };
static const char *const field_what[F_COUNT] = {"package name", "version", "architecture",
                                                "maintainer",   "license", "status",
                                                "epoch",        "release"};

typedef struct stanza {
  char *value[F_COUNT];
  size_t line[F_COUNT];
  size_t first_line; /* 0: no field seen yet */
} stanza;

typedef struct parser {
  const char *origin;
  sc_pkg_kind kind;
  sc_pkg_list *out;
  sc_error *err;
} parser;

static void stanza_clear(stanza *s)
{
  for (size_t i = 0; i < F_COUNT; i++)
    free(s->value[i]);
  *s = (stanza){0};
}

static bool chars_in(const char *s, const char *allowed, bool alnum)
{
  for (; *s; s++) {
    bool ok = (alnum && ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
                         (*s >= '0' && *s <= '9'))) ||
              strchr(allowed, *s);
    if (!ok)
      return false;
  }
  return true;
}

/* UTF-8 as JSON needs it (jansson checks), without control characters. */
static bool is_clean_text(const char *s, size_t len)
{
  for (size_t i = 0; i < len; i++)
    if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
      return false;
  json_t *j = json_stringn(s, len);
  json_decref(j);
  return j != NULL;
}

/* What each kept field may hold, beyond clean text. */
static bool value_is_valid(sc_pkg_kind kind, int field, const char *v)
{
  switch (field) {
  case F_NAME: /* Debian policy 5.6.1 (lower case); apk and rpm names are wider */
    return v[0] != '\0' && v[0] != '-' && v[0] != '.' && chars_in(v, "+-._", true);
  case F_VERSION:           /* policy 5.6.12, and apk's `_` suffixes */
    if (kind == SC_PKG_RPM) /* rpmbuild's check of Version, without its macro characters */
      return v[0] != '\0' && chars_in(v, ".+~^_", true);
    return v[0] != '\0' && chars_in(v, ".+~:-_", true);
  case F_RELEASE:
    return v[0] != '\0' && chars_in(v, ".+~^_", true);
  case F_EPOCH: /* an unsigned 32-bit number in rpm's header */
    return v[0] != '\0' && strlen(v) <= 10 && strspn(v, "0123456789") == strlen(v);
  case F_ARCH:
    return v[0] != '\0' && chars_in(v, "-_", true);
  default:
    return true;
  }
}

/* The field as its database names it, in errors. */
static const char *field_name(const parser *p, int field)
{
  return p->kind == SC_PKG_RPM && field == F_SUPPLIER ? "vendor (or packager)" : field_what[field];
}

static int set_field(parser *p, stanza *s, int field, const char *v, size_t len, size_t line)
{
  if (s->value[field])
    return sc_error_set(p->err, SC_E_INVALID, "%s:%zu: the %s is given twice in one package",
                        p->origin, line, field_name(p, field));
  if (len > SC_PKGDB_MAX_VALUE)
    return sc_error_set(p->err, SC_E_INVALID, "%s:%zu: the %s is longer than %u bytes", p->origin,
                        line, field_name(p, field), SC_PKGDB_MAX_VALUE);
  if (!is_clean_text(v, len))
    return sc_error_set(p->err, SC_E_INVALID,
                        "%s:%zu: the %s is not UTF-8 text without control characters", p->origin,
                        line, field_name(p, field));
  s->value[field] = xstrndup(v, len);
  s->line[field] = line;
  if (!value_is_valid(p->kind, field, s->value[field]))
    return sc_error_set(p->err, SC_E_INVALID, "%s:%zu: '%s' is not a valid %s", p->origin, line,
                        s->value[field], field_name(p, field));
  return 0;
}

/* dpkg keeps a package's stanza after it is removed: its files are on
 * disk in every state but these two (dpkg-query(1) "Package states"). */
static bool has_files(const char *status)
{
  const char *state = strrchr(status, ' ');
  state = state ? state + 1 : status;
  return strcmp(state, "not-installed") != 0 && strcmp(state, "config-files") != 0;
}

static int end_stanza(parser *p, stanza *s)
{
  if (s->first_line == 0)
    return 0;
  if (p->kind == SC_PKG_DEB && s->value[F_STATUS] && !has_files(s->value[F_STATUS])) {
    stanza_clear(s);
    return 0;
  }
  for (int f = F_NAME; f <= F_VERSION; f++)
    if (s->value[f] == NULL)
      return sc_error_set(p->err, SC_E_INVALID, "%s:%zu: the package has no %s", p->origin,
                          s->first_line, field_what[f]);
  if (p->out->count >= SC_PKGDB_MAX_PACKAGES)
    return sc_error_set(p->err, SC_E_INVALID, "%s:%zu: more than %u packages", p->origin,
                        s->first_line, SC_PKGDB_MAX_PACKAGES);
  p->out->items = xrealloc(p->out->items, (p->out->count + 1) * sizeof *p->out->items);
  p->out->items[p->out->count++] = (sc_pkg){.kind = p->kind,
                                            .name = s->value[F_NAME],
                                            .version = s->value[F_VERSION],
                                            .epoch = s->value[F_EPOCH],
                                            .arch = s->value[F_ARCH],
                                            .supplier = s->value[F_SUPPLIER],
                                            .license = s->value[F_LICENSE]};
  free(s->value[F_STATUS]);
  free(s->value[F_RELEASE]);
  *s = (stanza){0};
  return 0;
}

/* The kept field a line names, or -1: "Name: value" (dpkg, names in any
 * case) or "K:value" (apk). */
static int field_of(sc_pkg_kind kind, const char *line, size_t len, size_t *value_at)
{
  static const char *const deb[F_COUNT] = {"Package",    "Version", "Architecture",
                                           "Maintainer", NULL,      "Status"};
  static const char apk[F_COUNT] = {'P', 'V', 'A', 'm', 'L'};
  const char *colon = memchr(line, ':', len);
  if (colon == NULL)
    return -1;
  size_t name_len = (size_t)(colon - line);
  *value_at = name_len + 1;
  for (int f = 0; f < F_COUNT; f++) {
    if (kind == SC_PKG_APK && name_len == 1 && apk[f] && line[0] == apk[f])
      return f;
    if (kind == SC_PKG_DEB && deb[f] && strlen(deb[f]) == name_len &&
        strncasecmp(line, deb[f], name_len) == 0)
      return f;
  }
  return -1;
}

static int parse_line(parser *p, stanza *s, const char *line, size_t len, size_t lineno)
{
  if (len == 0)
    return end_stanza(p, s);
  if (s->first_line == 0)
    s->first_line = lineno;
  if (p->kind == SC_PKG_DEB && (line[0] == ' ' || line[0] == '\t'))
    return 0; /* a continuation: of a multi-line field, never one kept */
  size_t at = 0;
  int field = field_of(p->kind, line, len, &at);
  if (field < 0)
    return 0;
  const char *v = line + at;
  size_t vlen = len - at;
  while (vlen && (*v == ' ' || *v == '\t'))
    v++, vlen--;
  while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
    vlen--;
  return set_field(p, s, field, v, vlen, lineno);
}

static int parse(sc_pkg_kind kind, const char *data, size_t len, const char *origin,
                 sc_pkg_list *out, sc_error *err)
{
  *out = (sc_pkg_list){0};
  if (len > SC_PKGDB_MAX_SIZE)
    return sc_error_set(err, SC_E_INVALID, "%s: larger than %u bytes", origin, SC_PKGDB_MAX_SIZE);
  parser p = {.origin = origin, .kind = kind, .out = out, .err = err};
  stanza s = {0};
  size_t lineno = 0, pos = 0;
  int ret = 0;
  while (ret == 0 && pos < len) {
    const char *nl = memchr(data + pos, '\n', len - pos);
    size_t line_len = nl ? (size_t)(nl - (data + pos)) : len - pos;
    ret = parse_line(&p, &s, data + pos, line_len, ++lineno);
    pos += line_len + 1;
  }
  if (ret == 0)
    ret = end_stanza(&p, &s);
  stanza_clear(&s);
  if (ret < 0)
    sc_pkg_list_clear(out);
  return ret;
}

int sc_pkgdb_parse_dpkg(const char *data, size_t len, const char *origin, sc_pkg_list *out,
                        sc_error *err)
{
  return parse(SC_PKG_DEB, data, len, origin, out, err);
}

int sc_pkgdb_parse_apk(const char *data, size_t len, const char *origin, sc_pkg_list *out,
                       sc_error *err)
{
  return parse(SC_PKG_APK, data, len, origin, out, err);
}

static int set_rpm_value(parser *p, stanza *s, int field, const char *v)
{
  return v ? set_field(p, s, field, v, strnlen(v, SC_PKGDB_MAX_VALUE + 1), s->first_line) : 0;
}

/* rpm's VERSION-RELEASE is the package's version, as `rpm -q` shows it. */
static int join_release(parser *p, stanza *s)
{
  if (s->value[F_RELEASE] == NULL)
    return sc_error_set(p->err, SC_E_INVALID, "%s:%zu: the package has no release", p->origin,
                        s->first_line);
  if (s->value[F_VERSION] == NULL)
    return 0; /* end_stanza says so */
  char *joined = xasprintf("%s-%s", s->value[F_VERSION], s->value[F_RELEASE]);
  free(s->value[F_VERSION]);
  s->value[F_VERSION] = joined;
  return 0;
}

int sc_pkgdb_add_rpm(const sc_rpm_header *header, const char *origin, unsigned instance,
                     sc_pkg_list *out, sc_error *err)
{
  parser p = {.origin = origin, .kind = SC_PKG_RPM, .out = out, .err = err};
  stanza s = {.first_line = instance ? instance : 1};
  const char *const values[F_COUNT] = {
      [F_NAME] = header->name,
      [F_VERSION] = header->version,
      [F_ARCH] = header->arch,
      [F_SUPPLIER] = header->vendor ? header->vendor : header->packager,
      [F_LICENSE] = header->license,
      [F_EPOCH] = header->epoch,
      [F_RELEASE] = header->release,
  };
  int r = 0;
  for (int f = 0; r == 0 && f < F_COUNT; f++)
    r = set_rpm_value(&p, &s, f, values[f]);
  if (r == 0)
    r = join_release(&p, &s);
  bool organization = header->vendor != NULL;
  size_t before = out->count;
  if (r == 0)
    r = end_stanza(&p, &s);
  if (r == 0 && out->count > before)
    out->items[before].supplier_is_organization = organization && out->items[before].supplier;
  stanza_clear(&s);
  return r;
}

void sc_pkg_paths_push(sc_pkg_paths *paths, char *path)
{
  if (paths->count == paths->cap) {
    paths->cap = paths->cap ? paths->cap * 2 : 64;
    paths->items = xrealloc(paths->items, paths->cap * sizeof *paths->items);
  }
  paths->items[paths->count++] = path;
}

void sc_pkg_paths_clear(sc_pkg_paths *paths)
{
  for (size_t i = 0; i < paths->count; i++)
    free(paths->items[i]);
  free(paths->items);
  *paths = (sc_pkg_paths){0};
}

int sc_pkgdb_parse_dpkg_list(const char *data, size_t len, const char *origin, sc_pkg_paths *paths,
                             sc_error *err)
{
  if (len > SC_PKGDB_MAX_SIZE)
    return sc_error_set(err, SC_E_INVALID, "%s: larger than %u bytes", origin, SC_PKGDB_MAX_SIZE);
  size_t lineno = 0, pos = 0;
  while (pos < len) {
    const char *line = data + pos, *nl = memchr(line, '\n', len - pos);
    size_t line_len = nl ? (size_t)(nl - line) : len - pos;
    pos += line_len + 1;
    if (++lineno > SC_PKGDB_MAX_LIST_PATHS)
      return sc_error_set(err, SC_E_INVALID, "%s:%zu: more than %u paths", origin, lineno,
                          SC_PKGDB_MAX_LIST_PATHS);
    if (line_len == 0)
      continue;
    if (line[0] != '/' || line_len > SC_PKGDB_MAX_PATH || memchr(line, '\0', line_len))
      return sc_error_set(err, SC_E_INVALID, "%s:%zu: not an absolute path of at most %u bytes",
                          origin, lineno, SC_PKGDB_MAX_PATH);
    sc_pkg_paths_push(paths, xstrndup(line, line_len));
  }
  return 0;
}

static int strcmp_null(const char *a, const char *b)
{
  return strcmp(a ? a : "", b ? b : "");
}

static int pkg_compare(const void *pa, const void *pb)
{
  const sc_pkg *a = pa, *b = pb;
  int c;
  if (a->kind != b->kind)
    return a->kind < b->kind ? -1 : 1;
  if ((c = strcmp(a->name, b->name)) || (c = strcmp(a->version, b->version)) ||
      (c = strcmp_null(a->epoch, b->epoch)) || (c = strcmp_null(a->arch, b->arch)) ||
      (c = strcmp_null(a->supplier, b->supplier)))
    return c;
  return strcmp_null(a->license, b->license);
}

void sc_pkg_list_sort(sc_pkg_list *list)
{
  if (list->count > 1)
    qsort(list->items, list->count, sizeof *list->items, pkg_compare);
}

void sc_pkg_list_clear(sc_pkg_list *list)
{
  for (size_t i = 0; i < list->count; i++) {
    sc_pkg *p = &list->items[i];
    free(p->name);
    free(p->version);
    free(p->epoch);
    free(p->arch);
    free(p->supplier);
    free(p->license);
  }
  free(list->items);
  *list = (sc_pkg_list){0};
}

/* purl-spec: what is not unreserved is percent-encoded (a Debian epoch's
 * `:` as %3A, `+` as %2B). */
static void put_encoded(sc_buf *b, const char *s)
{
  for (; *s; s++) {
    if (chars_in((char[]){*s, '\0'}, "-._~", true))
      sc_buf_putc(b, *s);
    else
      sc_buf_printf(b, "%%%02X", (unsigned char)*s);
  }
}

char *sc_pkg_purl(const sc_pkg *pkg)
{
  sc_buf b = SC_BUF_INIT;
  static const char *const prefix[] = {[SC_PKG_DEB] = "pkg:deb/debian/",
                                       [SC_PKG_APK] = "pkg:apk/alpine/",
                                       [SC_PKG_RPM] = "pkg:rpm/fedora/"};
  sc_buf_puts(&b, prefix[pkg->kind]);
  put_encoded(&b, pkg->name);
  sc_buf_putc(&b, '@');
  put_encoded(&b, pkg->version);
  if (pkg->arch) {
    sc_buf_puts(&b, "?arch=");
    put_encoded(&b, pkg->arch);
  }
  if (pkg->epoch) { /* qualifiers sorted by key, as the spec's canonical form has them */
    sc_buf_puts(&b, pkg->arch ? "&epoch=" : "?epoch=");
    put_encoded(&b, pkg->epoch);
  }
  return sc_buf_steal(&b);
}
