/* layer-reader.h: read an image layer blob as a tar with libarchive while
 * computing what its descriptor and the image config promise about it: the
 * blob's digest and size, and the digest and size of the uncompressed tar
 * (image-spec config.md rootfs.diff_ids). */
#ifndef SC_LAYER_READER_H
#define SC_LAYER_READER_H

#include <archive.h>
#include <stddef.h>
#include <stdint.h>
#include <sc/error.h>
#include <sc/image.h>

#include "sha256.h"
#include "util.h"

typedef struct sc_layer_reader sc_layer_reader;

typedef struct sc_layer_sums {
  char digest[SC_DIGEST_LEN + 1]; /* of the blob as stored (compressed) */
  uint64_t size;
  char diff_id[SC_DIGEST_LEN + 1]; /* of the uncompressed tar */
  uint64_t uncompressed_size;
} sc_layer_sums;

typedef enum { SC_LAYER_TAR, SC_LAYER_GZIP, SC_LAYER_ZSTD } sc_layer_compression;

/* The compression a layer media type names (OCI's and Docker's layer
 * types); -1 when media_type is not a layer media type. */
int sc_layer_compression_of(const char *media_type, sc_layer_compression *out);

/* Whether the blob at fd starts as its layer media type says (gzip's or
 * zstd's magic number; neither for a plain tar), read with pread so the
 * offset is left alone.  A copy checks this so that data compressed
 * otherwise than its media type says is refused, never passed on.  0 for a
 * media type that is not a layer's. */
int sc_layer_check_format(int fd, const char *media_type, const char *digest, sc_error *err);
/* The same for every layer of image: what a copy checks before it sends or
 * writes any blob. */
int sc_image_check_layer_formats(const sc_image *image, sc_error *err);

/* Enable on a libarchive reader exactly the decompressor media_type names
 * (none for a plain tar), or with media_type NULL gzip and zstd: always
 * built into libarchive, never one that runs an external program (as
 * archive_read_support_filter_all may). */
int sc_layer_support_filters(struct archive *a, const char *media_type, sc_error *err);

/* Read the blob from fd (taken over: closed by sc_layer_reader_free) as
 * exactly what its media type names (a tar, gzip or zstd, decompressed
 * in-process), refusing a blob that is something else; with media_type
 * NULL, any of the three.  Reading stops with an error when *interrupted
 * becomes non-zero. */
int sc_layer_reader_open(int fd, const char *media_type, volatile const int *interrupted,
                         sc_layer_reader **out, sc_error *err);
/* The tar reader, opened: read its entries (archive_read_next_header). */
struct archive *sc_layer_reader_tar(sc_layer_reader *reader);
/* sc_layer_reader_open, handing the uncompressed tar's bytes to tap too, in
 * order, as the tar reader pulls them (OSTree import writes the layer's
 * tar-split from them). */
typedef void (*sc_layer_reader_tap)(void *user, const void *buf, size_t len);
int sc_layer_reader_open_tapped(int fd, const char *media_type, volatile const int *interrupted,
                                sc_layer_reader_tap tap, void *tap_user, sc_layer_reader **out,
                                sc_error *err);
/* Read what the tar reader left (end-of-archive padding, the end of the
 * compressed stream, whose trailer is checked) and fill sums; -1 when
 * the rest of the blob could not be read or decompressed (sums are then of
 * what was read).  Call once, after the entries. */
int sc_layer_reader_finish(sc_layer_reader *reader, sc_layer_sums *sums, sc_error *err);
void sc_layer_reader_free(sc_layer_reader *reader);
SC_DEFINE_TRIVIAL_CLEANUP_FUNC(sc_layer_reader, sc_layer_reader_free)
/* libarchive's handles. */
SC_DEFINE_TRIVIAL_CLEANUP_FUNC(struct archive, archive_read_free)
SC_DEFINE_TRIVIAL_CLEANUP_FUNC(struct archive, archive_write_free)

#endif
