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
  char *const
      *templated; /* manifest installedFilesTemplate: host paths, NULL-terminated, or NULL */
  const sc_values *rename; /* manifest renameFiles: host path -> template, or NULL */
  bool use_links;          /* hardlink files under /usr/ when on the same filesystem */
  /* When set, files and symlinks are written beside their destination as
   * ".BASE<temp_suffix>", for the caller to rename into place once the
   * change is committed (install.c); directories are created in place. */
  const char *temp_suffix;
  /* Checksums (host path -> sha256 hex, "0" for directories) of the
   * deployment being replaced: such a destination may exist when unchanged
   * since it was installed, and is taken over by the new deployment. */
  json_t *replaceable;
} sc_hostfs_plan;

/* A file named in installedFilesTemplate is rendered in memory, so its size
 * is capped; every other file is streamed, whatever its size. */
#define SC_HOSTFS_TEMPLATE_MAX (16 << 20)

typedef struct sc_hostfs_record {
  json_t *files;     /* array of host paths created, in creation order */
  json_t *checksums; /* object: host path -> sha256 hex, "0" for directories */
  json_t *renamed;   /* object: original host path -> rendered destination */
  /* The directories of files that atomic does not record: the missing
   * parents of a destination and the hostfs/ directories that are not
   * empty (atomic's os.makedirs makes them unrecorded; it records only
   * what _copyfile creates, an empty directory among them). */
  json_t *made_dirs;
} sc_hostfs_record;

/* The info key that keeps made_dirs, so that an uninstall by sc-build
 * removes them (when empty) while installed-files and
 * installed-files-checksum hold exactly what atomic's would. */
#define SC_INFO_MADE_DIRECTORIES "sc-build-made-directories"

/* Set installed-files, installed-files-checksum and
 * SC_INFO_MADE_DIRECTORIES of info from a record. */
void sc_hostfs_record_to_info(const sc_hostfs_record *record, json_t *info);
/* What a deployment's info says it installed, as one list in creation
 * order (the made directories before the files, which may be in them) and
 * their checksums ("0" for a directory); new references. */
void sc_hostfs_info_files(json_t *info, json_t **files, json_t **checksums);

/* Copy rootfs/exports/hostfs (under rootfs_fd) into the root root_fd.  A
 * destination that exists already and was not installed by us is refused
 * before anything is written.  On failure, what was written is removed,
 * except staged files (temp_suffix): the caller knows them from
 * sc_hostfs_check and discards them. */
int sc_hostfs_install(int rootfs_fd, int root_fd, const sc_hostfs_plan *plan,
                      sc_hostfs_record *record, sc_error *err);

/* Remove what a record lists, files whose checksum still matches and then
 * the directories it created if empty.  Changed files are kept and their
 * host paths appended to *kept. */
int sc_hostfs_remove(int root_fd, json_t *files, json_t *checksums, char ***kept, sc_error *err);

/* Check the plan against the host as sc_hostfs_install would, without
 * writing: *files gets the host paths of the files and symlinks it would
 * write, *new_dirs those of the directories it would create. */
int sc_hostfs_check(int rootfs_fd, int root_fd, const sc_hostfs_plan *plan, json_t **files,
                    json_t **new_dirs, sc_error *err);

/* The destination of host_path ("/etc/app/app.conf"), renamed as atomic's
 * _do_rename_path renames (Atomic/rpm_host_install.py): from the root
 * down, each prefix, as renamed so far, that rename (renameFiles: host
 * path -> template) names is replaced by its value rendered with values.
 * A renamed directory carries what it holds, and a key below its original
 * name is then not consulted. */
int sc_hostfs_rename(const sc_values *rename, const sc_values *values, const char *host_path,
                     char **out, sc_error *err);

/* The directory holding a host path, opened beneath root_fd (symlinks the
 * admin made stay inside the root); *base points into path. */
int sc_hostfs_open_parent(int root_fd, const char *path, const char **base, sc_error *err);

void sc_hostfs_record_clear(sc_hostfs_record *record);

#endif
