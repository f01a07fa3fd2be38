/* pkgdb.h: the package databases an image's rootfs carries, read as
 * hostile input for an SBOM: dpkg's status file (deb822 stanzas, dpkg(1)
 * "INFORMATION ABOUT PACKAGES", deb-control(5)) and apk's installed
 * database (apk-tools' "installed" format: one `K:value` line per field,
 * a blank line between packages).
 *
 * Only the fields an SBOM names are kept; every kept value is checked
 * (bounded length, valid UTF-8 and no control characters, a package name
 * and version of the characters Debian policy 5.6.1 and 5.6.12 allow) so
 * that it can be written into JSON and a purl as it is.  Errors name the
 * file and line. */
#ifndef SC_PKGDB_H
#define SC_PKGDB_H

#include <stddef.h>
#include <sc/error.h>

/* Bounds: larger input is refused with an error, never truncated. */
#define SC_PKGDB_MAX_SIZE (64u << 20)    /* the whole database file */
#define SC_PKGDB_MAX_PACKAGES 200000u    /* stanzas */
#define SC_PKGDB_MAX_VALUE 4096u         /* one kept field's value */
#define SC_PKGDB_MAX_LIST_PATHS 1000000u /* paths in one dpkg .list file */
#define SC_PKGDB_MAX_PATH 4096u          /* one of them (PATH_MAX) */

typedef enum { SC_PKG_DEB, SC_PKG_APK } sc_pkg_kind;

typedef struct sc_pkg {
  sc_pkg_kind kind;
  char *name;
  char *version;
  char *arch;     /* NULL when the database names none */
  char *supplier; /* Maintainer (dpkg) or m: (apk), NULL when absent */
  char *license;  /* apk's L:, NULL when absent (dpkg keeps none) */
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
/* Sort by kind, name, version, arch (byte order): the same list for the
 * same packages whatever order the database has them in. */
void sc_pkg_list_sort(sc_pkg_list *list);
void sc_pkg_list_clear(sc_pkg_list *list);
/* The package's purl (github.com/package-url/purl-spec):
 * pkg:deb/debian/NAME@VERSION?arch=ARCH or pkg:apk/alpine/...,
 * percent-encoded, newly allocated. */
char *sc_pkg_purl(const sc_pkg *pkg);

#endif
