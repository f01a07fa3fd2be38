/* host-files.h: the list of a host's files, path and type, taken before
 * an install and again after its uninstall, so that `sc-build test
 * --systemd` reports every path the container left on the host, whatever
 * its name (smoke-systemd.h). */
#ifndef SC_HOST_FILES_H
#define SC_HOST_FILES_H

#include <stddef.h>
#include <sc/error.h>

typedef struct sc_host_file {
  char *path; /* as seen in the host: "/etc/x" */
  char type;  /* 'f' file, 'd' directory, 'l' symlink, 's' anything else */
} sc_host_file;

typedef struct sc_host_files {
  sc_host_file *files; /* sorted by path (strcmp) */
  size_t count;
} sc_host_files;

/* Every entry below root_fd (the host's "/"), never following a symlink,
 * except the paths skip names (a NULL-terminated list of absolute paths:
 * the path and all below it; one that ends in '*' stands for every path
 * that starts with what precedes the '*').  An entry that goes away while
 * it is read (a live host's files come and go) is left out; any other
 * failure is an error naming the path. */
int sc_host_files_read(int root_fd, const char *const *skip, sc_host_files *out, sc_error *err);

/* What after has that before had not, each as "PATH" (only the topmost of
 * a new tree: what is below a new directory is new too), and what changed
 * type, as "PATH (a directory before, now a file)"; NULL when nothing. */
char **sc_host_files_added(const sc_host_files *before, const sc_host_files *after);

void sc_host_files_clear(sc_host_files *f);

#endif
