/* pkgdb-rpm.c: an rpm database through librpm (pkgdb-rpm.h).
 *
 * librpm keeps process-wide state: its macro context (which %_dbpath and
 * %_db_backend select the database), its configuration and its log.  That
 * is why every librpm call is here, in one function that sets that state
 * up, reads, and puts it back as it found it (its configuration freed, the
 * log callback restored): sc-build reads an SBOM's databases from one
 * thread, one database at a time, and nothing else in the process uses
 * librpm, so no other caller sees the macros while they are pushed. */
#include "pkgdb-rpm.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <rpm/header.h>
#include <rpm/rpmdb.h>
#include <rpm/rpmlib.h>
#include <rpm/rpmlog.h>
#include <rpm/rpmmacro.h>
#include <rpm/rpmtag.h>
#include <rpm/rpmts.h>

#include "util.h"

const sc_rpmdb_format sc_rpmdb_formats[SC_RPMDB_FORMATS] = {
    /* an uncheckpointed write-ahead log holds committed packages too;
     * sqlite's file format: "The Database Header", offset 0 */
    {"sqlite", "rpmdb.sqlite", "rpmdb.sqlite-wal", "SQLite format 3", 16},
    /* rpm's lib/backend/ndb/rpmpkg.c: PKGDB_MAGIC, little-endian */
    {"ndb", "Packages.db", "Index.db", "RpmP", 4},
    {"bdb_ro", "Packages", NULL, NULL, 0},
};

bool sc_rpmdb_has_magic(const sc_rpmdb_format *format, const void *data, size_t len)
{
  return format->magic == NULL ||
         (len >= format->magic_len && memcmp(data, format->magic, format->magic_len) == 0);
}

/* What librpm logged as an error while the database was read: it reports
 * a damaged header by logging it and going on to the next. */
typedef struct rpm_log {
  char *first_error;
} rpm_log;

static int keep_errors(rpmlogRec rec, rpmlogCallbackData data)
{
  rpm_log *log = data;
  if (rpmlogRecPriority(rec) <= RPMLOG_ERR && log->first_error == NULL) {
    const char *msg = rpmlogRecMessage(rec);
    size_t len = strlen(msg);
    while (len && msg[len - 1] == '\n')
      len--;
    log->first_error = xstrndup(msg, len);
  }
  return 0; /* never printed: the error travels up as an sc_error */
}

static void header_values(Header h, char epoch[16], sc_rpm_header *out)
{
  *out = (sc_rpm_header){
      .name = headerGetString(h, RPMTAG_NAME),
      .version = headerGetString(h, RPMTAG_VERSION),
      .release = headerGetString(h, RPMTAG_RELEASE),
      .arch = headerGetString(h, RPMTAG_ARCH),
      .vendor = headerGetString(h, RPMTAG_VENDOR),
      .packager = headerGetString(h, RPMTAG_PACKAGER),
      .license = headerGetString(h, RPMTAG_LICENSE),
  };
  if (headerIsEntry(h, RPMTAG_EPOCH)) {
    snprintf(epoch, 16, "%" PRIu64, headerGetNumber(h, RPMTAG_EPOCH));
    out->epoch = epoch;
  }
}

/* rpm keeps the OpenPGP keys it trusts as headers named gpg-pubkey
 * (rpmkeys(8)): a keyring, not installed software. */
static bool is_pubkey(Header h)
{
  const char *name = headerGetString(h, RPMTAG_NAME);
  return name && strcmp(name, "gpg-pubkey") == 0;
}

static int read_headers(rpmts ts, const char *origin, sc_pkg_list *out, sc_error *err)
{
  rpmdbMatchIterator mi = rpmtsInitIterator(ts, RPMDBI_PACKAGES, NULL, 0);
  if (mi == NULL)
    return 0; /* no headers at all: an empty database */
  Header h;
  int r = 0;
  while (r == 0 && (h = rpmdbNextIterator(mi)) != NULL) {
    if (is_pubkey(h))
      continue;
    char epoch[16];
    sc_rpm_header values;
    header_values(h, epoch, &values);
    r = sc_pkgdb_add_rpm(&values, origin, rpmdbGetIteratorOffset(mi), out, err);
  }
  rpmdbFreeIterator(mi);
  return r;
}

static int open_and_read(const char *origin, sc_pkg_list *out, rpm_log *log, sc_error *err)
{
  rpmts ts = rpmtsCreate();
  /* The database's copy is read as data: no keyring, no signature checks
   * (the image's headers are what it says it has, signed or not). */
  rpmtsSetVSFlags(ts, RPMVSF_MASK_NOSIGNATURES);
  rpmtsSetRootDir(ts, "/");
  int r = 0;
  if (rpmtsOpenDB(ts, O_RDONLY) != 0)
    r = sc_error_set(err, SC_E_INVALID, "%s: librpm cannot open it as an rpm database: %s", origin,
                     log->first_error ? log->first_error : "no reason given");
  if (r == 0)
    r = read_headers(ts, origin, out, err);
  rpmtsFree(ts);
  if (r == 0 && log->first_error)
    r = sc_error_set(err, SC_E_INVALID, "%s: a damaged rpm database: %s", origin, log->first_error);
  return r;
}

int sc_pkgdb_read_rpm(const char *dbpath, const char *backend, const char *origin, sc_pkg_list *out,
                      sc_error *err)
{
  /* librpm expands macros in %_dbpath more than once, so no escape of a
   * `%` holds; and at a path with no database it quietly finds none. */
  if (strchr(dbpath, '%'))
    return sc_error_set(err, SC_E_INVALID,
                        "%s: cannot be read by librpm from %s: a temporary directory whose path "
                        "holds a %%; set TMPDIR to another",
                        origin, dbpath);
  rpm_log log = {0};
  rpmlogSetCallback(keep_errors, &log);
  int r = 0;
  if (rpmReadConfigFiles(NULL, NULL) != 0)
    r = sc_error_set(err, SC_E_INVALID, "%s: librpm cannot read its configuration: %s", origin,
                     log.first_error ? log.first_error : "no reason given");
  if (r == 0) {
    rpmPushMacro(NULL, "_dbpath", NULL, dbpath, RMIL_CMDLINE);
    rpmPushMacro(NULL, "_db_backend", NULL, backend, RMIL_CMDLINE);
    r = open_and_read(origin, out, &log, err);
    rpmPopMacro(NULL, "_db_backend");
    rpmPopMacro(NULL, "_dbpath");
  }
  rpmFreeMacros(NULL);
  rpmFreeRpmrc();
  rpmlogSetCallback(NULL, NULL); /* librpm's default, as nothing else sets one */
  rpmlogClose();
  free(log.first_error);
  return r;
}
