/* pkgdb-rpm.h: the packages of an rpm database, read with librpm (rpm
 * 4.18's rpmdb API: rpmts, RPMDBI_PACKAGES) from a private copy of the
 * database's files, never from the image's own tree.  Every librpm call
 * of sc-build is in pkgdb-rpm.c. */
#ifndef SC_PKGDB_RPM_H
#define SC_PKGDB_RPM_H

#include <stdbool.h>
#include <stddef.h>
#include <sc/error.h>

#include "pkgdb.h"

/* The rpm database files an SBOM reads, by the backend that reads them
 * (rpm's lib/backend: sqlite's rpmdb.sqlite, ndb's Packages.db, Berkeley
 * DB's Packages through the read-only bdb_ro), in the order rpm 4.18
 * detects them. */
typedef struct sc_rpmdb_format {
  const char *backend; /* the %_db_backend that reads it */
  const char *file;    /* the file that holds the headers */
  const char *extra;   /* a file read with it when the image has it, or NULL */
  const char *magic;   /* how file begins, or NULL (bdb_ro checks its own) */
  size_t magic_len;
} sc_rpmdb_format;
extern const sc_rpmdb_format sc_rpmdb_formats[];
#define SC_RPMDB_FORMATS 3

/* Append the packages of the database in the directory dbpath (an absolute
 * path, only read; backend as sc_rpmdb_formats names it) to out, each
 * checked by sc_pkgdb_add_rpm; the gpg-pubkey headers rpm keeps for its
 * keyring are not packages and are left out.  origin names the database
 * in errors: one damaged header fails the whole database, as a damaged
 * dpkg status does. */
/* Whether data begins as format's file does: librpm is given only files
 * that do (its sqlite backend leaks the handle of a file it cannot open). */
bool sc_rpmdb_has_magic(const sc_rpmdb_format *format, const void *data, size_t len);
int sc_pkgdb_read_rpm(const char *dbpath, const char *backend, const char *origin, sc_pkg_list *out,
                      sc_error *err);

#endif
