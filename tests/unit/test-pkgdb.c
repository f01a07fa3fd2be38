/* test-pkgdb.c: dpkg's status file, apk's installed database and rpm's
 * header values as hostile input (builder/pkgdb.h): the packages kept, the
 * fields kept, and every refusal naming the file and line (or header). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "pkgdb-rpm.h"
#include "pkgdb.h"
#include "sbom.h"

static const char status[] = "Package: zlib1g\n"
                             "Status: install ok installed\n"
                             "Priority: optional\n"
                             "Architecture: amd64\n"
                             "Multi-Arch: same\n"
                             "Maintainer: Mark Brown <broonie@debian.org>\n"
                             "Version: 1:1.2.13.dfsg-1\n"
                             "Description: compression library - runtime\n"
                             " zlib is a library implementing the deflate compression method.\n"
                             " .\n"
                             " Version: not a field\n"
                             "\n"
                             "Package: gone\n"
                             "Status: deinstall ok config-files\n"
                             "Version: 2\n"
                             "\n"
                             "package: libc6\n"
                             "STATUS: install ok installed\n"
                             "Version: 2.36-9+deb12u4\n"
                             "Architecture: amd64\n";

static void test_dpkg_status(void **state)
{
  (void)state;
  sc_pkg_list list;
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_pkgdb_parse_dpkg(status, strlen(status), "/s", &list, &err), 0);
  assert_int_equal(list.count, 2); /* "gone" has only config files left */
  sc_pkg_list_sort(&list);
  assert_string_equal(list.items[0].name, "libc6");
  assert_null(list.items[0].supplier);
  assert_string_equal(list.items[1].name, "zlib1g");
  assert_string_equal(list.items[1].version, "1:1.2.13.dfsg-1"); /* not the continuation's */
  assert_string_equal(list.items[1].arch, "amd64");
  assert_string_equal(list.items[1].supplier, "Mark Brown <broonie@debian.org>");
  char *purl = sc_pkg_purl(&list.items[1]);
  assert_string_equal(purl, "pkg:deb/debian/zlib1g@1%3A1.2.13.dfsg-1?arch=amd64");
  free(purl);
  purl = sc_pkg_purl(&list.items[0]);
  assert_string_equal(purl, "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64");
  free(purl);
  sc_pkg_list_clear(&list);
}

static void test_apk_installed(void **state)
{
  (void)state;
  static const char db[] =
      "C:Q1x=\nP:musl\nV:1.2.4-r2\nA:x86_64\nL:MIT\nm:Timo Ter\xc3\xa4s <t@e>\n"
      "F:lib\nR:ld-musl-x86_64.so.1\n\nP:busybox\nV:1.36.1-r5\n";
  sc_pkg_list list;
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_pkgdb_parse_apk(db, strlen(db), "/db", &list, &err), 0);
  assert_int_equal(list.count, 2);
  assert_string_equal(list.items[0].name, "musl");
  assert_string_equal(list.items[0].license, "MIT");
  assert_string_equal(list.items[0].supplier, "Timo Ter\xc3\xa4s <t@e>");
  assert_null(list.items[1].arch);
  char *purl = sc_pkg_purl(&list.items[1]);
  assert_string_equal(purl, "pkg:apk/alpine/busybox@1.36.1-r5");
  free(purl);
  sc_pkg_list_clear(&list);
}

static void assert_refused(const char *text, size_t len, const char *want)
{
  sc_pkg_list list;
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_pkgdb_parse_dpkg(text, len, "/s", &list, &err), -1);
  assert_non_null(err.msg);
  if (strstr(err.msg, want) == NULL)
    fail_msg("'%s' does not say '%s'", err.msg, want);
  assert_int_equal(list.count, 0);
  assert_null(list.items);
  sc_error_clear(&err);
}

/* A literal's length: it may hold a NUL. */
#define REFUSED(literal, want) assert_refused(literal, sizeof literal - 1, want)

static void test_dpkg_refusals(void **state)
{
  (void)state;
  REFUSED("Package: a\nVersion: 1\n\nPackage: b c\n", "/s:4: 'b c' is not a valid package name");
  REFUSED("Package: a\nVersion: 1\nVersion: 2\n", "/s:3: the version is given twice");
  REFUSED("Package: a\n", "/s:1: the package has no version");
  REFUSED("Version: 1\n", "/s:1: the package has no package name");
  REFUSED("Package: a\nVersion: 1\nMaintainer: \xff\n", "/s:3: the maintainer is not UTF-8");
  REFUSED("Package: a\nVersion: 1\nMaintainer: a\x01 b\n", "not UTF-8 text without control");
  REFUSED("Package: a\nVersion: 1\0\n", "/s:2: the version is not UTF-8 text");
  REFUSED("Package: a\nVersion: 1;rm\n", "'1;rm' is not a valid version");
  REFUSED("Package: a\nVersion: 1\nArchitecture: x/y\n", "not a valid architecture");
}

static void test_dpkg_bounds(void **state)
{
  (void)state;
  size_t long_len = SC_PKGDB_MAX_VALUE + 32;
  char *text = malloc(long_len);
  memset(text, 'a', long_len);
  memcpy(text, "Package: ", 9);
  assert_refused(text, long_len, "/s:1: the package name is longer than 4096 bytes");
  free(text);
  sc_pkg_list list;
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_pkgdb_parse_dpkg("", (size_t)SC_PKGDB_MAX_SIZE + 1, "/s", &list, &err), -1);
  assert_non_null(strstr(err.msg, "larger than"));
  sc_error_clear(&err);
  assert_int_equal(sc_pkgdb_parse_dpkg("\n\n\n", 3, "/s", &list, &err), 0);
  assert_int_equal(list.count, 0);
}

static void test_dpkg_list(void **state)
{
  (void)state;
  static const char list[] = "/.\n/usr\n/usr/bin/tar\n\n/usr/share/doc/tar";
  sc_pkg_paths paths = {0};
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_pkgdb_parse_dpkg_list(list, sizeof list - 1, "/l", &paths, &err), 0);
  assert_int_equal(paths.count, 4);
  assert_string_equal(paths.items[2], "/usr/bin/tar");
  assert_string_equal(paths.items[3], "/usr/share/doc/tar");
  assert_int_equal(sc_pkgdb_parse_dpkg_list("/a\nb\n", 5, "/l", &paths, &err), -1);
  assert_non_null(strstr(err.msg, "/l:2: not an absolute path"));
  sc_error_clear(&err);
  assert_int_equal(sc_pkgdb_parse_dpkg_list("/a\0b\n", 5, "/l", &paths, &err), -1);
  sc_error_clear(&err);
  sc_pkg_paths_clear(&paths);
}

static void test_rpm_header(void **state)
{
  (void)state;
  sc_pkg_list list = {0};
  sc_error err = SC_ERROR_INIT;
  const sc_rpm_header bash = {.name = "bash",
                              .epoch = "2",
                              .version = "5.2.26",
                              .release = "3.fc40",
                              .arch = "x86_64",
                              .vendor = "Fedora Project",
                              .packager = "Fedora Project <fedora@example.org>",
                              .license = "GPL-3.0-or-later"};
  const sc_rpm_header tool = {.name = "sc-tool",
                              .version = "1.0^20240101git",
                              .release = "1",
                              .arch = "noarch",
                              .packager = "Jane Doe <jane@example.org>"};
  assert_int_equal(sc_pkgdb_add_rpm(&bash, "/db", 7, &list, &err), 0);
  assert_int_equal(sc_pkgdb_add_rpm(&tool, "/db", 8, &list, &err), 0);
  assert_int_equal(list.count, 2);
  const sc_pkg *p = &list.items[0];
  assert_int_equal(p->kind, SC_PKG_RPM);
  assert_string_equal(p->version, "5.2.26-3.fc40");
  assert_string_equal(p->epoch, "2");
  assert_string_equal(p->supplier, "Fedora Project"); /* VENDOR before PACKAGER */
  assert_true(p->supplier_is_organization);
  assert_string_equal(p->license, "GPL-3.0-or-later");
  char *purl = sc_pkg_purl(p);
  assert_string_equal(purl, "pkg:rpm/fedora/bash@5.2.26-3.fc40?arch=x86_64&epoch=2");
  free(purl);
  p = &list.items[1];
  assert_null(p->epoch);
  assert_null(p->license);
  assert_string_equal(p->supplier, "Jane Doe <jane@example.org>");
  assert_false(p->supplier_is_organization);
  purl = sc_pkg_purl(p);
  assert_string_equal(purl, "pkg:rpm/fedora/sc-tool@1.0%5E20240101git-1?arch=noarch");
  free(purl);
  sc_pkg_list_clear(&list);
}

static void assert_rpm_refused(const sc_rpm_header *header, const char *want)
{
  sc_pkg_list list = {0};
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_pkgdb_add_rpm(header, "/rpmdb.sqlite", 12, &list, &err), -1);
  assert_non_null(err.msg);
  if (strstr(err.msg, want) == NULL)
    fail_msg("'%s' does not say '%s'", err.msg, want);
  assert_int_equal(list.count, 0);
  assert_null(list.items);
  sc_error_clear(&err);
}

/* A valid header but for one field. */
#define RPM_REFUSED(field, value, want)                                                            \
  do {                                                                                             \
    sc_rpm_header h = {.name = "a", .version = "1", .release = "1"};                               \
    h.field = value;                                                                               \
    assert_rpm_refused(&h, want);                                                                  \
  } while (0)

static void test_rpm_refusals(void **state)
{
  (void)state;
  RPM_REFUSED(name, "a b", "/rpmdb.sqlite:12: 'a b' is not a valid package name");
  RPM_REFUSED(name, "-a", "not a valid package name");
  RPM_REFUSED(version, "1-2", "'1-2' is not a valid version");
  RPM_REFUSED(version, "1:2", "'1:2' is not a valid version");
  RPM_REFUSED(version, "%{v}", "not a valid version");
  RPM_REFUSED(release, "1-2", "'1-2' is not a valid release");
  RPM_REFUSED(epoch, "1a", "'1a' is not a valid epoch");
  RPM_REFUSED(epoch, "12345678901", "not a valid epoch");
  RPM_REFUSED(arch, "x86_64;", "not a valid architecture");
  RPM_REFUSED(license, "MIT\nSPDXID: x", "/rpmdb.sqlite:12: the license is not UTF-8 text");
  RPM_REFUSED(vendor, "a\x1b[31m", "the vendor (or packager) is not UTF-8 text without control");
  RPM_REFUSED(packager, "\xff", "the vendor (or packager) is not UTF-8 text");
  assert_rpm_refused(&(sc_rpm_header){.name = "a", .version = "1"},
                     "/rpmdb.sqlite:12: the package has no release");
  assert_rpm_refused(&(sc_rpm_header){.name = "a", .release = "1"}, "the package has no version");
  assert_rpm_refused(&(sc_rpm_header){.version = "1", .release = "1"},
                     "the package has no package name");
  char *long_license = malloc(SC_PKGDB_MAX_VALUE + 2);
  memset(long_license, 'M', SC_PKGDB_MAX_VALUE + 1);
  long_license[SC_PKGDB_MAX_VALUE + 1] = '\0';
  RPM_REFUSED(license, long_license, "the license is longer than 4096 bytes");
  free(long_license);
}

static void test_rpmdb_magic(void **state)
{
  (void)state;
  const sc_rpmdb_format *sqlite = &sc_rpmdb_formats[0];
  assert_string_equal(sqlite->file, "rpmdb.sqlite");
  assert_true(sc_rpmdb_has_magic(sqlite, "SQLite format 3\0\x10\0", 18));
  assert_false(sc_rpmdb_has_magic(sqlite, "SQLite format 3", 15)); /* too short */
  assert_false(sc_rpmdb_has_magic(sqlite, "SQLite format 4\0", 16));
  assert_true(sc_rpmdb_has_magic(&sc_rpmdb_formats[1], "RpmP\0\0", 6));
  assert_true(sc_rpmdb_has_magic(&sc_rpmdb_formats[2], "", 0)); /* bdb_ro checks its own */
}

static void test_timestamps(void **state)
{
  (void)state;
  char out[21];
  assert_int_equal(sc_sbom_timestamp("2024-02-29T23:59:59.123456789Z", out), 0);
  assert_string_equal(out, "2024-02-29T23:59:59Z");
  assert_int_equal(sc_sbom_timestamp("2024-03-01T01:30:00+02:00", out), 0);
  assert_string_equal(out, "2024-02-29T23:30:00Z");
  assert_int_equal(sc_sbom_timestamp("1970-01-01T00:00:00Z", out), 0);
  assert_string_equal(out, "1970-01-01T00:00:00Z");
  assert_int_equal(sc_sbom_timestamp("2024-03-01T01:30:00", out), -1);
  assert_int_equal(sc_sbom_timestamp("2024-03-01T01:30:00Zjunk", out), -1);
  assert_int_equal(sc_sbom_timestamp("yesterday", out), -1);
  assert_int_equal(sc_sbom_timestamp(NULL, out), -1);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_dpkg_status),   cmocka_unit_test(test_apk_installed),
      cmocka_unit_test(test_dpkg_refusals), cmocka_unit_test(test_dpkg_bounds),
      cmocka_unit_test(test_dpkg_list),     cmocka_unit_test(test_timestamps),
      cmocka_unit_test(test_rpm_header),    cmocka_unit_test(test_rpm_refusals),
      cmocka_unit_test(test_rpmdb_magic),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
