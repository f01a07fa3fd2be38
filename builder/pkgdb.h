/* pkgdb.h: the package databases an image's rootfs carries, read as
 * hostile input for an SBOM: dpkg's status file (deb822 stanzas, dpkg(1)
 * "INFORMATION ABOUT PACKAGES", deb-control(5)), apk's installed
 * database (apk-tools' "installed" format: one `K:value` line per field,
 * a blank line between packages) and the values of an rpm database's
 * headers (read by librpm in pkgdb-rpm.c, checked here like the others).
 *
 * Only the fields an SBOM names are kept; every kept value is checked
 * (bounded length, valid UTF-8 and no control characters, a package name
 * and version of the characters Debian policy 5.6.1 and 5.6.12 allow) so
 * that it can be written into JSON and a purl as it is.  Errors name the
 * file and line. */
#ifndef SC_PKGDB_H
#define SC_PKGDB_H

#include <stdbool.h>
#include <stddef.h>
#include <sc/error.h>

/* Bounds: larger input is refused with an error, never truncated. */
#define SC_PKGDB_MAX_SIZE (64u << 20)    /* the whole database file */
#define SC_PKGDB_MAX_PACKAGES 200000u    /* stanzas */
#define SC_PKGDB_MAX_VALUE 4096u         /* one kept field's value */
#define SC_PKGDB_MAX_LIST_PATHS 1000000u /* paths in one dpkg .list file */
#define SC_PKGDB_MAX_PATH 4096u          /* one of them (PATH_MAX) */

typedef enum { SC_PKG_DEB, SC_PKG_APK, SC_PKG_RPM } sc_pkg_kind;

typedef struct sc_pkg {
  sc_pkg_kind kind;
  char *name;
  char *version;  /* rpm: VERSION-RELEASE */
  char *epoch;    /* rpm's EPOCH (digits), NULL when none (dpkg's is in version) */
  char *arch;     /* NULL when the database names none */
  char *supplier; /* Maintainer (dpkg), m: (apk), VENDOR else PACKAGER (rpm), or NULL */
  bool supplier_is_organization; /* rpm's VENDOR: a company or project, not a person */
  char *license;                 /* apk's L:, rpm's LICENSE, NULL when absent (dpkg keeps none) */
} sc_pkg;

typedef struct sc_pkg_list {
  sc_pkg *items;
  size_t count;
} sc_pkg_list;

/* The packages dpkg has files of on disk (not "not-installed" or
 * "config-files"), in file order.  data need not be NUL-terminated;
 * origin names the file in errors. */
int sc_pkgdb_parse_dpkg(const char *data, size_t len, const char *origin, sc_pkg_list *out,
                        sc_error *err);
/* The packages of apk's installed database, in file order. */
int sc_pkgdb_parse_apk(const char *data, size_t len, const char *origin, sc_pkg_list *out,
                       sc_error *err);
/* One header of an rpm database, as librpm gives its tags (NULL: the
 * header has no such tag; epoch in decimal). */
typedef struct sc_rpm_header {
  const char *name, *epoch, *version, *release, *arch, *vendor, *packager, *license;
} sc_rpm_header;
/* Check the header's values as the other databases' are (rpm's version and
 * release also without `-` or `:`, which would make VERSION-RELEASE and
 * EPOCH:VERSION-RELEASE ambiguous; `^` allowed, rpm 4.15's snapshot
 * marker) and append the package to out.  Errors name origin and the
 * header's number in the database (rpm's DBINSTANCE) as origin:NUMBER. */
int sc_pkgdb_add_rpm(const sc_rpm_header *header, const char *origin, unsigned instance,
                     sc_pkg_list *out, sc_error *err);
typedef struct sc_pkg_paths {
  char **items;
  size_t count, cap;
} sc_pkg_paths;

/* The paths a dpkg package installed (var/lib/dpkg/info/NAME[:ARCH].list:
 * one absolute path a line, directories included), appended to paths. */
int sc_pkgdb_parse_dpkg_list(const char *data, size_t len, const char *origin, sc_pkg_paths *paths,
                             sc_error *err);
/* Append path (taken over). */
void sc_pkg_paths_push(sc_pkg_paths *paths, char *path);
void sc_pkg_paths_clear(sc_pkg_paths *paths);
/* Sort by kind, name, version, epoch, arch (byte order): the same list for the
 * same packages whatever order the database has them in. */
void sc_pkg_list_sort(sc_pkg_list *list);
void sc_pkg_list_clear(sc_pkg_list *list);
/* The package's purl (github.com/package-url/purl-spec):
 * pkg:deb/debian/NAME@VERSION?arch=ARCH, pkg:apk/alpine/... or
 * pkg:rpm/fedora/NAME@VERSION-RELEASE?arch=ARCH&epoch=EPOCH (rpm's
 * namespace is the vendor; like dpkg's `debian`, one fixed name: the
 * databases do not say which distribution an image is), percent-encoded,
 * newly allocated. */
char *sc_pkg_purl(const sc_pkg *pkg);

#endif
