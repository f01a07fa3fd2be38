/* sc/image.h: reading images for install: OCI image layouts
 * (image-spec image-layout.md) by containers-transports(5) references. */
#ifndef SC_IMAGE_H
#define SC_IMAGE_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include <sc/error.h>

#ifdef __cplusplus
extern "C" {
#endif

/* An image-spec descriptor (descriptor.md) of one of an image's blobs:
 * an opaque handle (sc/runtime.h) owned by its image. */
typedef struct sc_descriptor sc_descriptor;

SC_PUBLIC const char *sc_descriptor_media_type(const sc_descriptor *descriptor);
/* "sha256:<hex>", checked to be well formed. */
SC_PUBLIC const char *sc_descriptor_digest(const sc_descriptor *descriptor);
SC_PUBLIC int64_t sc_descriptor_size(const sc_descriptor *descriptor);

typedef enum {
  SC_IMAGE_OCI_LAYOUT, /* oci:PATH[:TAG] */
  SC_IMAGE_OSTREE,     /* ostree:NAME:TAG@REPO (containers/image's ostree: transport) */
} sc_image_kind;

/* An open image: an opaque handle (sc/runtime.h) made by sc_image_open,
 * read through the accessors below; the strings and documents they return
 * belong to the image and live as long as it. */
typedef struct sc_image sc_image;

/* Open `oci:PATH[:TAG]`, or a bare PATH of an OCI layout directory.
 * Without TAG the layout must hold exactly one image.  `ostree:NAME[:TAG]@REPO`
 * opens an image in an OSTree repository (see SC_IMAGE_OSTREE).  The manifest and
 * config are read and checked against their digests. */
SC_PUBLIC int sc_image_open(const char *reference, sc_image **out, sc_error *err);
SC_PUBLIC void sc_image_free(sc_image *image);
/* Open a blob of the image for reading; the digest names the file only
 * after it is checked to be a well-formed sha256 digest. */
SC_PUBLIC int sc_image_open_blob(const sc_image *image, const char *digest, sc_error *err);
/* The same for a layer, checked to have its descriptor's size.  Blobs
 * must be regular files: a FIFO or a device is refused, never waited on. */
SC_PUBLIC int sc_image_open_layer(const sc_image *image, const sc_descriptor *layer, sc_error *err);
/* Options for checking an image's layers out into a rootfs: a versioned
 * struct (sc/runtime.h), initialised with SC_CHECKOUT_OPTIONS_INIT. */
typedef struct sc_checkout_options {
  size_t size;                     /* sizeof (sc_checkout_options), set by the INIT macro */
  volatile const int *interrupted; /* stop when it becomes non-zero, or NULL */
} sc_checkout_options;

#define SC_CHECKOUT_OPTIONS_INIT                                                                   \
  {                                                                                                \
    .size = sizeof(sc_checkout_options)                                                            \
  }

/* Apply the image's layers, base first, onto the directory rootfs_fd, with
 * OCI whiteouts; every layer's content is checked against its digest.
 * options may be NULL (the defaults). */
SC_PUBLIC int sc_image_checkout(const sc_image *image, int rootfs_fd,
                                const sc_checkout_options *options, sc_error *err);

/* This machine's architecture in Go's GOARCH names, as image configs and
 * indexes use them (image-spec config.md), newly allocated. */
SC_PUBLIC char *sc_host_architecture(void);

SC_PUBLIC sc_image_kind sc_image_kind_of(const sc_image *image);
/* "oci:/abs/hello.oci:hello-world:latest" (the path made absolute). */
SC_PUBLIC const char *sc_image_reference(const sc_image *image);
/* The reference without its transport ($IMAGE_NAME). */
SC_PUBLIC const char *sc_image_name(const sc_image *image);
/* The OCI layout directory, absolute. */
SC_PUBLIC const char *sc_image_layout_path(const sc_image *image);
/* The ref name in index.json, or NULL when the only image was taken. */
SC_PUBLIC const char *sc_image_tag(const sc_image *image);
/* "sha256:<hex>" */
SC_PUBLIC const char *sc_image_manifest_digest(const sc_image *image);
/* The manifest and config documents (borrowed: json_incref to keep them). */
SC_PUBLIC json_t *sc_image_manifest(const sc_image *image);
SC_PUBLIC json_t *sc_image_config(const sc_image *image);
SC_PUBLIC const sc_descriptor *sc_image_config_descriptor(const sc_image *image);
/* The layers, base first: sc_image_layer is NULL when i is out of range. */
SC_PUBLIC size_t sc_image_layer_count(const sc_image *image);
SC_PUBLIC const sc_descriptor *sc_image_layer(const sc_image *image, size_t i);
/* SC_IMAGE_OSTREE: the image branch's commit (atomic's info
 * "ostree-commit"); NULL for other images. */
SC_PUBLIC const char *sc_image_ostree_commit(const sc_image *image);
/* The manifest digest without "sha256:" ($IMAGE_ID). */
SC_PUBLIC const char *sc_image_id(const sc_image *image);
/* config.Labels[key], or NULL. */
SC_PUBLIC const char *sc_image_label(const sc_image *image, const char *key);

#ifdef __cplusplus
}
#endif
#endif
