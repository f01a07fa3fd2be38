/* layer-reader.c: a layer blob read through two libarchive readers, both
 * streams hashed on the way: what install (unpack.c) and OSTree import
 * check layers with. */
#include "layer-reader.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "media-types.h"
#include "util.h"

/* The blob as read: compressed bytes, hashed and counted. */
typedef struct blob_stream {
  int fd;
  sc_sha256 *hash;
  uint64_t size;
  char buffer[1 << 16];
} blob_stream;

/* The uncompressed tar, pulled from the decompressor, hashed and counted. */
typedef struct tar_stream {
  struct archive *decompressor;
  volatile const int *interrupted;
  sc_sha256 *hash;
  uint64_t size;
  sc_layer_reader_tap tap;
  void *tap_user;
} tar_stream;

struct sc_layer_reader {
  blob_stream blob;
  tar_stream tar;
  struct archive *tar_archive;
};

static la_ssize_t blob_stream_read(struct archive *a, void *user, const void **buf)
{
  blob_stream *s = user;
  for (;;) {
    ssize_t n = read(s->fd, s->buffer, sizeof s->buffer);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      if (a)
        archive_set_error(a, errno, "read error");
      return -1;
    }
    sc_sha256_update(s->hash, s->buffer, (size_t)n);
    s->size += (uint64_t)n;
    *buf = s->buffer;
    return n;
  }
}

static la_ssize_t tar_stream_read(struct archive *a, void *user, const void **buf)
{
  tar_stream *s = user;
  if (sc_interrupted(s->interrupted)) {
    if (a)
      archive_set_error(a, EINTR, "interrupted");
    return -1;
  }
  size_t len = 0;
  la_int64_t offset;
  int r = archive_read_data_block(s->decompressor, buf, &len, &offset);
  if (r == ARCHIVE_EOF)
    return 0;
  if (r < ARCHIVE_WARN) {
    if (a)
      archive_set_error(a, archive_errno(s->decompressor), "%s",
                        archive_error_string(s->decompressor));
    return -1;
  }
  sc_sha256_update(s->hash, *buf, len);
  s->size += len;
  if (s->tap)
    s->tap(s->tap_user, *buf, len);
  return (la_ssize_t)len;
}

void sc_layer_reader_free(sc_layer_reader *reader)
{
  if (reader == NULL)
    return;
  archive_read_free(reader->tar_archive);
  archive_read_free(reader->tar.decompressor);
  sc_sha256_free(reader->blob.hash);
  sc_sha256_free(reader->tar.hash);
  if (reader->blob.fd >= 0)
    close(reader->blob.fd);
  free(reader);
}

int sc_layer_compression_of(const char *media_type, sc_layer_compression *out)
{
  /* image-spec media-types.md (layers, and the non-distributable ones it
   * deprecates) and Docker's image manifest v2 schema 2. */
  static const struct {
    const char *media_type;
    sc_layer_compression compression;
  } known[] = {
      {SC_MEDIA_TYPE_LAYER_TAR, SC_LAYER_TAR},
      {SC_MEDIA_TYPE_LAYER_GZIP, SC_LAYER_GZIP},
      {SC_MEDIA_TYPE_LAYER_ZSTD, SC_LAYER_ZSTD},
      {SC_MEDIA_TYPE_FOREIGN_TAR, SC_LAYER_TAR},
      {SC_MEDIA_TYPE_FOREIGN_GZIP, SC_LAYER_GZIP},
      {SC_MEDIA_TYPE_FOREIGN_ZSTD, SC_LAYER_ZSTD},
      {SC_MEDIA_TYPE_DOCKER_LAYER, SC_LAYER_GZIP},
      {SC_MEDIA_TYPE_DOCKER_FOREIGN_LAYER, SC_LAYER_GZIP},
  };
  for (size_t i = 0; media_type && i < sizeof known / sizeof known[0]; i++)
    if (strcmp(media_type, known[i].media_type) == 0) {
      *out = known[i].compression;
      return 0;
    }
  return -1;
}

static const char *compression_name(sc_layer_compression c)
{
  return c == SC_LAYER_GZIP ? "gzip" : c == SC_LAYER_ZSTD ? "zstd" : "an uncompressed tar";
}

/* Only the decompressors we name, built into libarchive: never
 * archive_read_support_filter_all, whose filters may run external
 * programs (ARCHIVE_WARN from a support call means that one would). */
static int support_filter(struct archive *a, sc_layer_compression c, sc_error *err)
{
  int r = c == SC_LAYER_GZIP   ? archive_read_support_filter_gzip(a)
          : c == SC_LAYER_ZSTD ? archive_read_support_filter_zstd(a)
                               : ARCHIVE_OK;
  if (r != ARCHIVE_OK)
    return sc_error_set(err, SC_E_INVALID, "this libarchive cannot read %s itself",
                        compression_name(c));
  return 0;
}

/* After the first header: the filter libarchive found is the one named. */
static int check_filter(struct archive *a, const char *media_type, sc_layer_compression c,
                        sc_error *err)
{
  int want = c == SC_LAYER_GZIP   ? ARCHIVE_FILTER_GZIP
             : c == SC_LAYER_ZSTD ? ARCHIVE_FILTER_ZSTD
                                  : ARCHIVE_FILTER_NONE;
  if (archive_filter_code(a, 0) != want)
    return sc_error_set(err, SC_E_INVALID, "the layer is not %s, as its media type %s says",
                        compression_name(c), media_type);
  return 0;
}

int sc_layer_support_filters(struct archive *a, const char *media_type, sc_error *err)
{
  sc_layer_compression c = SC_LAYER_GZIP;
  if (media_type && sc_layer_compression_of(media_type, &c) < 0)
    return sc_error_set(err, SC_E_INVALID, "'%s' is not a layer media type", media_type);
  if (media_type)
    return support_filter(a, c, err);
  if (support_filter(a, SC_LAYER_GZIP, err) < 0 || support_filter(a, SC_LAYER_ZSTD, err) < 0)
    return -1;
  return 0;
}

static int open_decompressor(sc_layer_reader *r, const char *media_type, sc_error *err)
{
  sc_layer_compression c = SC_LAYER_GZIP;
  if (sc_layer_support_filters(r->tar.decompressor, media_type, err) < 0)
    return -1;
  if (media_type)
    sc_layer_compression_of(media_type, &c);
  archive_read_support_format_raw(r->tar.decompressor);
  struct archive_entry *entry;
  if (archive_read_open(r->tar.decompressor, &r->blob, NULL, blob_stream_read, NULL) !=
          ARCHIVE_OK ||
      archive_read_next_header(r->tar.decompressor, &entry) != ARCHIVE_OK)
    return sc_error_set(err, SC_E_INVALID, "%s", archive_error_string(r->tar.decompressor));
  return media_type ? check_filter(r->tar.decompressor, media_type, c, err) : 0;
}

/* The "raw" format undoes the blob's compression and yields the tar,
 * which the second reader parses. */
int sc_layer_reader_open(int fd, const char *media_type, volatile const int *interrupted,
                         sc_layer_reader **out, sc_error *err)
{
  return sc_layer_reader_open_tapped(fd, media_type, interrupted, NULL, NULL, out, err);
}

int sc_layer_reader_open_tapped(int fd, const char *media_type, volatile const int *interrupted,
                                sc_layer_reader_tap tap, void *tap_user, sc_layer_reader **out,
                                sc_error *err)
{
  sc_layer_reader *r = xcalloc(1, sizeof *r);
  /* Before the tar reader opens: it reads the first block then. */
  r->tar.tap = tap;
  r->tar.tap_user = tap_user;
  r->blob.fd = fd;
  r->blob.hash = sc_sha256_new();
  r->tar.hash = sc_sha256_new();
  r->tar.interrupted = interrupted;
  r->tar.decompressor = archive_read_new();
  r->tar_archive = archive_read_new();
  archive_read_support_format_tar(r->tar_archive);
  *out = r;
  if (open_decompressor(r, media_type, err) < 0)
    return -1;
  if (archive_read_open(r->tar_archive, &r->tar, NULL, tar_stream_read, NULL) != ARCHIVE_OK)
    return sc_error_set(err, SC_E_INVALID, "%s", archive_error_string(r->tar_archive));
  return 0;
}

struct archive *sc_layer_reader_tar(sc_layer_reader *reader)
{
  return reader->tar_archive;
}

void sc_layer_reader_finish(sc_layer_reader *reader, sc_layer_sums *sums)
{
  const void *buf;
  while (tar_stream_read(NULL, &reader->tar, &buf) > 0)
    ;
  while (blob_stream_read(NULL, &reader->blob, &buf) > 0)
    ;
  sc_sha256_finish(steal_pointer(&reader->blob.hash), sums->digest);
  sc_sha256_finish(steal_pointer(&reader->tar.hash), sums->diff_id);
  sums->size = reader->blob.size;
  sums->uncompressed_size = reader->tar.size;
}
