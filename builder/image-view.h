/* image-view.h: the filesystem a container of the built image would see,
 * held in memory for validation: a base image's layers (their tar headers
 * applied in order with OCI whiteouts, image-spec layer.md, never unpacked
 * to disk) with the project's rootfs/ on top, as `build --from` stacks
 * them.
 *
 * Paths are looked up as the container sees them: symlinks are resolved
 * inside the image, an absolute target starting again at the image's root
 * and `..` stopping there, never on the host.  The content of a file is
 * known only as far as validation needs it: for a base layer's files, read
 * while its tar streams by, the ELF facts of every ELF file, the `#!` line
 * of every script, and the whole of the small loader configuration files
 * (/etc/ld.so.conf, /etc/ld.so.conf.d/, /etc/ld-musl-*.path); rootfs/
 * files are read from disk when asked for. */
#ifndef SC_IMAGE_VIEW_H
#define SC_IMAGE_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sc/error.h>
#include <sc/image.h>

#include "elf-check.h"

struct archive;
typedef struct sc_image_view sc_image_view;

typedef enum { SC_VIEW_DIR, SC_VIEW_REG, SC_VIEW_SYMLINK, SC_VIEW_OTHER } sc_view_type;

typedef struct sc_view_file {
  sc_view_type type;
  mode_t mode;      /* permission bits */
  bool from_rootfs; /* the project's rootfs/ (else a base layer) */
  char *path;       /* the absolute path, every symlink resolved */
} sc_view_file;

typedef struct sc_view_content {
  const unsigned char *head; /* the `#!` line's bytes, or a whole loader config file */
  size_t head_len;
  const sc_elf_info *elf; /* when the file is an ELF file that parsed */
  const char *elf_error;  /* when it is an ELF file that did not: why */
  bool too_large;         /* an ELF file too large to read: nothing is known */
  /* With sc_image_view_record_files, a layer file's whole content when its
   * path matched a pattern (NUL-terminated; NULL otherwise), or
   * whole_too_large when it was larger than the limit. */
  const unsigned char *whole;
  size_t whole_len;
  bool whole_too_large;
} sc_view_content;

/* A node as sc_image_view_walk shows it. */
typedef struct sc_view_entry {
  const char *path; /* "usr/bin/env": relative, as layers name it */
  sc_view_type type;
  mode_t mode;
  const char *digest; /* regular files of recorded layers: "sha256:<hex>", else NULL */
  const char *sha1;   /* with digest: the SHA-1 in hex (SPDX 2.3 asks for it) */
  uint64_t size;
} sc_view_entry;

sc_image_view *sc_image_view_new(void);
void sc_image_view_free(sc_image_view *view);
/* For an SBOM: hash every regular file of the layers added afterwards
 * (sha256 and sha1, read while the tar streams by), and keep whole, up to
 * keep_max bytes each and keep_total in all, the files whose clean path
 * ("var/lib/dpkg/status") matches one of the fnmatch(3) patterns in keep
 * (NULL-terminated, kept by reference: it must outlive the view). */
void sc_image_view_record_files(sc_image_view *view, const char *const *keep, size_t keep_max,
                                size_t keep_total);
/* Apply the next layer from its tar (any entries; whiteouts hide what the
 * layers below hold). */
int sc_image_view_add_layer(sc_image_view *view, struct archive *tar, sc_error *err);
/* Every layer of an image, base first. */
int sc_image_view_add_image(sc_image_view *view, const sc_image *image,
                            volatile const int *interrupted, sc_error *err);
/* The project's rootfs/ as the top layer (rootfs_fd is duplicated). */
int sc_image_view_add_rootfs(sc_image_view *view, int rootfs_fd, sc_error *err);
/* The same, telling observe what lstat says of each entry as it is read,
 * in the order sc_layer_stat_walk gives (names sorted bytewise, a
 * directory before what it holds), so that the walk also keys the layer
 * cache; st is NULL when what is below rel is left out of the view (too
 * deep, or under a name the view cannot hold). */
typedef void (*sc_view_entry_fn)(void *user, const char *rel, const struct stat *st);
int sc_image_view_add_rootfs_observed(sc_image_view *view, int rootfs_fd, sc_view_entry_fn observe,
                                      void *user, sc_error *err);
/* The threads that walk rootfs/ (the two above), counting the caller's:
 * 1 walks on the caller's thread alone; 0 (the default) one per online
 * CPU.  The view, the observer's calls and the errors are the same with
 * any number (dir-walk.h). */
void sc_image_view_set_threads(sc_image_view *view, unsigned threads);

/* What is at path, symlinks followed inside the image: 0, or -ENOENT,
 * -ENOTDIR or -ELOOP. */
int sc_image_view_stat(sc_image_view *view, const char *path, sc_view_file *out);
void sc_view_file_clear(sc_view_file *file);
/* The target of the symlink at path (its last component not followed),
 * newly allocated; NULL when path is not a symlink. */
char *sc_image_view_readlink(sc_image_view *view, const char *path);
/* The known content of the regular file at path (resolved as above);
 * valid until the view is freed. */
int sc_image_view_content(sc_image_view *view, const char *path, sc_view_content *out,
                          sc_error *err);
/* Call fn for every node, depth first, each directory's names in byte
 * order (a directory before what is below it: the same order for the same
 * image), down to the depth lookups reach; stops at fn's first non-zero return and returns it. */
typedef int (*sc_view_visit_fn)(const sc_view_entry *entry, void *user);
int sc_image_view_walk(sc_image_view *view, sc_view_visit_fn fn, void *user);
/* The names in the directory at path (sorted), or NULL when it is not one. */
char **sc_image_view_list(sc_image_view *view, const char *path);

#endif
