/* image-stores.h: what the local image stores hold, and removing what is
 * no longer wanted (`sc-build images`, `rmi`, `prune`): an OCI image
 * layout (image-spec image-layout.md), an OSTree repository in the layout
 * containers/image's ostree: transport and atomic use (image-ostree.h),
 * and sc-build's own cache (pulled bases, an OCI layout, and the layer
 * cache, layer-cache.h).
 *
 * Every change holds the store's lock (store.h) and keeps the store
 * readable if it is killed at any point: a tag goes by one rename of
 * index.json or one ref removal; prune removes only what nothing reaches
 * any more, after the change that made it unreachable is on disk. */
#ifndef SC_IMAGE_STORES_H
#define SC_IMAGE_STORES_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>
#include <sc/error.h>

typedef enum {
  SC_STORE_LAYOUT, /* an OCI image layout directory */
  SC_STORE_OSTREE, /* an OSTree repository */
  SC_STORE_CACHE,  /* sc-build's cache: bases/ (a layout) and layers/ */
} sc_store_kind;

typedef struct sc_store_spec {
  sc_store_kind kind;
  const char *path; /* the layout, the repository, or the cache directory */
} sc_store_spec;

/* Append to out one object per image of store: store, kind, name, tag,
 * reference (what sc_image_open reads), digest, size (manifest, config
 * and layers), created (the config's), used_by (names of the containers
 * of installed, an sc_list array, that run it). */
int sc_stores_list(const sc_store_spec *store, json_t *installed, json_t *out, sc_error *err);

/* Remove the tag that reference names (oci:LAYOUT:TAG or
 * ostree:NAME:TAG@REPO); refused while a container of installed uses it,
 * unless force.  *removed: {reference, digest}. */
int sc_stores_remove(const char *reference, json_t *installed, bool force, json_t **removed,
                     sc_error *err);

/* Remove what nothing references: the blobs of a layout no index entry
 * reaches; the OSTree layer and config branches no image branch uses, then
 * the objects no ref reaches (ostree prune); cache entries not used for
 * keep_days days.  *report: {store, removed: [...], items, bytes}. */
int sc_stores_prune(const sc_store_spec *store, int keep_days, volatile const int *interrupted,
                    json_t **report, sc_error *err);

/* Whether a container of installed uses the image: its recorded reference
 * is reference, or its revision is the manifest digest's hex. */
json_t *sc_stores_used_by(json_t *installed, const char *reference, const char *digest);

#endif
