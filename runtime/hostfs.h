/* hostfs.h: the files an image ships in /exports/hostfs, copied onto the
 * host at install (atomic's rpm_host_install), recorded with checksums so
 * that uninstall removes exactly those it installed and the admin left
 * unchanged. */
#ifndef SC_HOSTFS_H
#define SC_HOSTFS_H

#include <stdbool.h>
#include <jansson.h>
#include <sc/error.h>
#include <sc/values.h>

typedef struct sc_hostfs_plan {
  const sc_values *values; /* for templated files and renames */
  json_t *templated;       /* manifest installedFilesTemplate: array of host paths, or NULL */
  json_t *rename;          /* manifest renameFiles: object host path -> template, or NULL */
  bool use_links;          /* hardlink files under /usr/ when on the same filesystem */
} sc_hostfs_plan;

/* A file named in installedFilesTemplate is rendered in memory, so its size
 * is capped; every other file is streamed, whatever its size. */
#define SC_HOSTFS_TEMPLATE_MAX (16 << 20)

typedef struct sc_hostfs_record {
  json_t *files;     /* array of host paths created, in creation order */
  json_t *checksums; /* object: host path -> sha256 hex, "0" for directories */
  json_t *renamed;   /* object: original host path -> rendered destination */
} sc_hostfs_record;

/* Copy rootfs/exports/hostfs (under rootfs_fd) into the root root_fd.  A
 * destination that exists already and was not installed by us is refused
 * before anything is written.  On failure, what was written is removed. */
int sc_hostfs_install(int rootfs_fd, int root_fd, const sc_hostfs_plan *plan,
                      sc_hostfs_record *record, sc_error *err);

/* Remove what a record lists, files whose checksum still matches and then
 * the directories it created if empty.  Changed files are kept and their
 * host paths appended to *kept. */
int sc_hostfs_remove(int root_fd, json_t *files, json_t *checksums, char ***kept, sc_error *err);

void sc_hostfs_record_clear(sc_hostfs_record *record);

#endif
