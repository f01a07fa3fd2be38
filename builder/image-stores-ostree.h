/* image-stores-ostree.h: the OSTree side of image-stores.h (GLib stays in
 * image-stores-ostree.c).  Images are the branches ociimage/<encoded
 * NAME:TAG>; layers and configs the branches ociimage/<digest hex>
 * (image-ostree.h). */
#ifndef SC_IMAGE_STORES_OSTREE_H
#define SC_IMAGE_STORES_OSTREE_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>
#include <sc/error.h>

int sc_stores_ostree_list(const char *repo, json_t *installed, json_t *out, sc_error *err);
int sc_stores_ostree_remove(const char *reference, json_t *installed, bool force, json_t **removed,
                            sc_error *err);
int sc_stores_ostree_prune(const char *repo, volatile const int *interrupted, json_t *report,
                           sc_error *err);

/* A prune report {store, removed: [], items: 0, bytes: 0}, and one more
 * thing removed in it. */
json_t *sc_stores_report_new(const char *store);
void sc_stores_report_add(json_t *report, const char *what, int64_t bytes);

#endif
