/* ostree-layer.h: a layer's tar made into an OSTree tree, as ostree-import.c
 * commits it: the checks every entry passes before libostree reads it, the
 * tree itself, and the same read on a thread of its own while a build
 * writes the tar (sc_layer_tap), so that build --format ostree commits the
 * tree an import of the built image would, without compressing the layer
 * and reading it back.  Both also make the layer's tar-split
 * (ostree-tarsplit.h). */
#ifndef SC_OSTREE_LAYER_H
#define SC_OSTREE_LAYER_H

#include <stdbool.h>
#include <ostree.h>
#include <sc/error.h>

#include "layer.h"

struct archive;
struct archive_entry;

/* Entry checks of one layer: each entry as unpack.c checks it, its name
 * and symlink target UTF-8 (libostree stores them as GVariant strings),
 * and, with below_files, none below a symlink or file of the same layer
 * (which needs every such path kept: a tar written from a walk of a real
 * tree cannot have one, and leaves it out). */
typedef struct sc_ostree_entry_checker sc_ostree_entry_checker;
sc_ostree_entry_checker *sc_ostree_entry_checker_new(bool below_files);
int sc_ostree_entry_check(sc_ostree_entry_checker *checker, struct archive_entry *entry,
                          sc_error *err);
void sc_ostree_entry_checker_free(sc_ostree_entry_checker *checker);

/* The tar's entries into mtree: owners and modes from the tar, whiteout
 * files kept as files (checkout applies them), device nodes, FIFOs and
 * sockets left out as skopeo deletes them.  The repository is in a
 * transaction. */
int sc_ostree_tar_to_mtree(OstreeRepo *repo, struct archive *tar, OstreeMutableTree *mtree,
                           sc_error *err);

/* A tar read into a new tree of repo (in a transaction) on a thread of its
 * own while a layer writer feeds it through *tap, which this fills. */
typedef struct sc_ostree_layer_stream sc_ostree_layer_stream;
sc_ostree_layer_stream *sc_ostree_layer_stream_start(OstreeRepo *repo, sc_layer_tap *tap,
                                                     sc_error *err);
/* Wait for the tree.  complete: the writer wrote the whole tar; else the
 * tree is dropped and 0 returned.  On success *mtree and *tarsplit (the
 * tarsplit.output value) are the caller's.  Frees the stream. */
int sc_ostree_layer_stream_finish(sc_ostree_layer_stream *stream, bool complete,
                                  OstreeMutableTree **mtree, char **tarsplit, sc_error *err);

#endif
