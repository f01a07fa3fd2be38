/* image-ostree.h: the OSTree backend of sc_image (internal, not installed).
 *
 * Images stored in an OSTree repository the way containers/image's
 * `ostree:` transport writes them and atomic reads them
 * (atomic's Atomic/syscontainers.py, containers/image's ostree transport): one branch
 * `ociimage/<hex>` per layer and for the config blob, and the image branch
 * `ociimage/<encoded NAME:TAG>` whose commit metadata holds the manifest.
 *
 * This header stays free of GLib so that image.c, which only dispatches to
 * the backend, does not see it; GError and OstreeRepo appear only as opaque
 * structs. */
#ifndef SC_IMAGE_OSTREE_H
#define SC_IMAGE_OSTREE_H

#include <stdbool.h>
#include <sc/error.h>
#include <sc/image.h>

#define SC_OSTREE_REF_PREFIX "ociimage/"
#define SC_OSTREE_TRANSPORT "ostree:"
/* containers/image ostree transport: the repository when none is named. */
#define SC_OSTREE_DEFAULT_REPO "/ostree/repo"

struct _GError;

/* The backend state an SC_IMAGE_OSTREE sc_image holds (sc_image.ostree). */
typedef struct sc_image_ostree sc_image_ostree;

/* Encode an image name for a branch, as atomic's _encode_to_ostree_ref and
 * skopeo's encodeOStreeRef do: every byte that is not [A-Za-z0-9.-] becomes
 * "_" and two upper-case hex digits ("hello-world:latest" ->
 * "hello-world_3Alatest").  Returns a new string. */
char *sc_ostree_encode_ref(const char *name);
/* The inverse; NULL when encoded is not a valid encoding ("_" not followed
 * by two hex digits, a byte that is never left as is, a NUL). */
char *sc_ostree_decode_ref(const char *encoded);
/* "NAME" -> "NAME:latest" when NAME has no tag, as skopeo's NewReference
 * does; a digest reference ("NAME@sha256:...") is refused. */
int sc_ostree_normalize_name(const char *name, char **out, sc_error *err);
/* Split "ostree:NAME[:TAG][@REPO]" (the transport prefix optional) into the
 * normalized name and the repository path (SC_OSTREE_DEFAULT_REPO when
 * absent, as given otherwise). */
int sc_ostree_parse_reference(const char *reference, char **name, char **repo, sc_error *err);

struct OstreeRepo;
/* The commit a branch points at in *out (a new string), NULL when there is
 * no such branch. */
int sc_ostree_resolve_branch(struct OstreeRepo *repo, const char *branch, char **out,
                             sc_error *err);
/* A string value of a commit's metadata in *out (a new string), NULL when
 * the key is absent. */
int sc_ostree_commit_metadata(struct OstreeRepo *repo, const char *commit, const char *key,
                              char **out, sc_error *err);

/* A layer's entry name at path (relative): a name, and a whiteout's victim
 * a name too; else an error naming path. */
int sc_ostree_check_layer_name(const char *name, const char *path, sc_error *err);

/* Check the commit out onto rootfs_fd by walking its dirtree objects and
 * hard-linking its file objects (ostree-checkout.c): for a bare repository
 * on rootfs_fd's filesystem, run as root.  *need_fallback when a file
 * could not be linked (its object has the most links the filesystem
 * allows): libostree's checkout must then finish the layer, copying. */
int sc_ostree_checkout_bare(struct OstreeRepo *repo, const char *commit, int rootfs_fd,
                            volatile const int *interrupted, bool *need_fallback, sc_error *err);

/* Fill err from a GError (which is freed) with a context prefix; returns -1. */
int sc_error_from_gerror(sc_error *err, struct _GError *gerror, const char *fmt, ...)
    SC_PRINTF(3, 4);

/* sc_image_open() for "ostree:..." references. */
int sc_image_ostree_open(const char *reference, sc_image **out, sc_error *err);
/* sc_image_checkout() for SC_IMAGE_OSTREE images. */
int sc_image_ostree_checkout(const sc_image *image, int rootfs_fd,
                             const sc_checkout_options *options, sc_error *err);
void sc_image_ostree_free(sc_image_ostree *backend);

/* For exporting an SC_IMAGE_OSTREE image back to OCI (push from ostree:):
 * layer `index` checked out into the empty directory dirfd as stored, as
 * plain copies (no hard links into the repository) with whiteout files
 * left as files; and the stored bytes of the manifest and of the config,
 * each checked against its digest. */
int sc_image_ostree_checkout_layer_copy(const sc_image *image, size_t index, int dirfd,
                                        sc_error *err);
int sc_image_ostree_read_manifest(const sc_image *image, char **data, size_t *len, sc_error *err);
int sc_image_ostree_read_config(const sc_image *image, char **data, size_t *len, sc_error *err);
/* Whether layer `index` holds an entry at path (relative, e.g.
 * "exports/manifest.json"), as stored: whiteout files are entries. */
int sc_image_ostree_layer_has(const sc_image *image, size_t index, const char *path, bool *out,
                              sc_error *err);

#endif
