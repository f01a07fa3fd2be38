/* fuzz-pkgdb.c: libFuzzer target for the package database parsers an SBOM
 * reads from an image (builder/pkgdb.h): dpkg's status file and apk's
 * installed database, dpkg's per-package file lists, and the values of an
 * rpm header as librpm hands them over (the input split at NUL bytes into
 * name, epoch, version, release, arch, vendor, packager, license).
 *
 * Checked besides crashes and sanitizer reports: a refusal says why and
 * leaves no list; every package kept has the fields an SBOM needs, each
 * within its bound and writable into JSON as it is, and a purl. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "pkgdb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_text(const char *s)
{
  if (s == NULL)
    return;
  if (strlen(s) > SC_PKGDB_MAX_VALUE)
    abort();
  json_t *j = json_string(s);
  if (j == NULL)
    abort();
  json_decref(j);
}

static void check(int r, sc_pkg_list *list, sc_error *err)
{
  if (r < 0) {
    if (err->msg == NULL || list->count != 0 || list->items != NULL)
      abort();
    sc_error_clear(err);
    return;
  }
  sc_pkg_list_sort(list);
  for (size_t i = 0; i < list->count; i++) {
    const sc_pkg *p = &list->items[i];
    if (p->name == NULL || p->name[0] == '\0' || p->version == NULL || p->version[0] == '\0')
      abort();
    check_text(p->name);
    check_text(p->version);
    check_text(p->arch);
    check_text(p->supplier);
    check_text(p->license);
    if (p->epoch && strspn(p->epoch, "0123456789") != strlen(p->epoch))
      abort();
    char *purl = sc_pkg_purl(p);
    if (strncmp(purl, "pkg:", 4) != 0 || strpbrk(purl + 4, " \"\\<>") != NULL)
      abort();
    free(purl);
  }
  sc_pkg_list_clear(list);
}

/* The input as an rpm header's string tags, absent where a part is empty. */
static void check_rpm(const uint8_t *data, size_t size)
{
  char *copy = malloc(size + 1);
  memcpy(copy, data, size);
  copy[size] = '\0';
  const char *parts[8] = {0};
  char *at = copy;
  for (size_t i = 0; i < 8 && at <= copy + size; i++) {
    parts[i] = *at ? at : NULL;
    at += strlen(at) + 1;
  }
  sc_rpm_header h = {parts[0], parts[1], parts[2], parts[3],
                     parts[4], parts[5], parts[6], parts[7]};
  sc_pkg_list list = {0};
  sc_error err = SC_ERROR_INIT;
  check(sc_pkgdb_add_rpm(&h, "rpmdb", 1, &list, &err), &list, &err);
  free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  sc_pkg_list list;
  sc_error err = SC_ERROR_INIT;
  check(sc_pkgdb_parse_dpkg((const char *)data, size, "status", &list, &err), &list, &err);
  check(sc_pkgdb_parse_apk((const char *)data, size, "installed", &list, &err), &list, &err);
  sc_pkg_paths paths = {0};
  if (sc_pkgdb_parse_dpkg_list((const char *)data, size, "list", &paths, &err) < 0)
    sc_error_clear(&err);
  for (size_t i = 0; i < paths.count; i++)
    if (paths.items[i][0] != '/' || strlen(paths.items[i]) > SC_PKGDB_MAX_PATH)
      abort();
  sc_pkg_paths_clear(&paths);
  check_rpm(data, size);
  return 0;
}
