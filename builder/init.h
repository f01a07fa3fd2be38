/* init.h: making a project directory from a skeleton (`sc-build init`).
 *
 * A skeleton is a directory under <datadir>/skeletons/ holding a complete
 * project (docs/design.md section 1) plus a one-line DESCRIPTION that is not
 * copied.  A new project appears whole or not at all: it is copied into a
 * hidden directory next to its destination and renamed into place, and an
 * existing destination is never touched. */
#ifndef SC_INIT_H
#define SC_INIT_H

#include <stddef.h>
#include <sc/error.h>

/* The skeleton used when neither --skeleton nor the directory's name picks one. */
#define SC_INIT_DEFAULT_SKELETON "hello-world"
/* The file in a skeleton that describes it; never copied into a project. */
#define SC_SKELETON_DESCRIPTION "DESCRIPTION"

typedef struct sc_skeleton {
  char *name;
  char *description; /* first line of DESCRIPTION, "" when absent */
} sc_skeleton;

typedef struct sc_skeleton_list {
  sc_skeleton *items; /* sorted by name */
  size_t count;
} sc_skeleton_list;

/* The skeletons in skeletons_dir: its subdirectories whose names do not
 * start with '.'. */
int sc_skeleton_list_read(const char *skeletons_dir, sc_skeleton_list *out, sc_error *err);
void sc_skeleton_list_free(sc_skeleton_list *list);
const sc_skeleton *sc_skeleton_list_find(const sc_skeleton_list *list, const char *name);
/* "hello-world, oneshot", newly allocated. */
char *sc_skeleton_list_names(const sc_skeleton_list *list);

/* The skeleton for a new project at path: `requested` when given (an
 * SC_E_INVALID error naming the available skeletons when it is unknown),
 * else the skeleton named like the path's base name, else the default. */
int sc_init_choose_skeleton(const sc_skeleton_list *list, const char *requested, const char *path,
                            const char **out, sc_error *err);

/* Copy the tree src (relative to src_dirfd) to dst (relative to dst_dirfd,
 * which must not exist): regular files and directories with their
 * permission bits, symbolic links verbatim.  Never follows a symlink, in
 * the source or the destination.  Top-level entries named in skip (a
 * NULL-terminated list, may be NULL) are left out.  Other file types are
 * refused.  On failure dst may be partly written: the caller removes it. */
int sc_copy_tree_at(int src_dirfd, const char *src, int dst_dirfd, const char *dst,
                    const char *const *skip, sc_error *err);

typedef struct sc_init_options {
  const char *skeletons_dir; /* <datadir>/skeletons */
  const char *skeleton;      /* a name from sc_init_choose_skeleton */
  const char *path;          /* the new project directory */
} sc_init_options;

/* Create the project at options->path from the skeleton, with sc-build.json
 * "name" set to the path's base name.  Refuses (SC_E_EXISTS) when anything
 * exists at the path, and never touches it; on any failure nothing is left
 * behind. */
int sc_init_project(const sc_init_options *options, sc_error *err);

/* The path's last component without trailing slashes ("a/b/" -> "b"),
 * newly allocated; "" for "/" or "". */
char *sc_init_project_name(const char *path);

#endif
