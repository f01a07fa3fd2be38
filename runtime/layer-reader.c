/* layer-reader.c: a layer blob read through a decompressor and a
 * libarchive tar reader, both streams hashed on the way: what install
 * (unpack.c) and OSTree import check layers with.
 *
 * The blob is read, hashed and decompressed on a thread of its own, which
 * hands the tar to the reader's thread through a small ring of buffers
 * (tar_pipe): inflating a layer then overlaps with writing its files.
 * gzip, nearly every layer, is inflated with ISA-L (gunzip.c); zstd and
 * plain tars go through libarchive's "raw" format. */
#include "layer-reader.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gunzip.h"
#include "media-types.h"
#include "util.h"

/* Four buffers of 256 KiB: enough to keep both threads busy, little memory. */
#define PIPE_BUFFERS 4
#define PIPE_BUFFER_SIZE (256 * 1024)

/* The blob as read: compressed bytes, hashed and counted.  The first
 * buffer may be read ahead to look at the magic number (pending). */
typedef struct blob_stream {
  int fd;
  sc_sha256 *hash;
  uint64_t size;
  size_t pending;
  char buffer[1 << 16];
} blob_stream;

/* The uncompressed tar, from the decompressing thread to the tar reader:
 * buffer filled % PIPE_BUFFERS is the producer's next, taken % PIPE_BUFFERS
 * the consumer's; the one the consumer took last stays its own until it
 * asks for the next (libarchive reads from it until then). */
typedef struct tar_pipe {
  pthread_mutex_t lock;
  pthread_cond_t changed;
  char *buffers[PIPE_BUFFERS];
  size_t lengths[PIPE_BUFFERS];
  uint64_t filled, taken;
  bool done;      /* the producer stopped: the end, or error */
  bool cancelled; /* the consumer is gone: stop */
  sc_error error; /* the producer's, when done with one */
} tar_pipe;

struct sc_layer_reader {
  blob_stream blob;
  /* The producer's: the decompressor (gunzip or libarchive's), the tar's
   * hash and size.  The consumer reads them only after joining it. */
  sc_gunzip *gunzip;
  struct archive *decompressor;
  sc_sha256 *tar_hash;
  uint64_t tar_size;
  volatile const int *interrupted;
  tar_pipe pipe;
  pthread_t thread;
  bool thread_started;
  /* The consumer's. */
  sc_layer_reader_tap tap;
  void *tap_user;
  struct archive *tar_archive;
};

static ssize_t blob_read(blob_stream *s, const void **buf, sc_error *err)
{
  if (s->pending) {
    ssize_t n = (ssize_t)s->pending;
    s->pending = 0;
    *buf = s->buffer;
    return n;
  }
  for (;;) {
    ssize_t n = read(s->fd, s->buffer, sizeof s->buffer);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return sc_error_set_errno(err, errno, "cannot read the layer blob");
    sc_sha256_update(s->hash, s->buffer, (size_t)n);
    s->size += (uint64_t)n;
    *buf = s->buffer;
    return n;
  }
}

/* The first buffer, read ahead and kept for the next blob_read. */
static int blob_peek(blob_stream *s, const unsigned char **buf, size_t *len, sc_error *err)
{
  const void *data = s->buffer;
  ssize_t n = s->pending ? (ssize_t)s->pending : blob_read(s, &data, err);
  if (n < 0)
    return -1;
  s->pending = (size_t)n;
  *buf = data;
  *len = (size_t)n;
  return 0;
}

static la_ssize_t blob_archive_read(struct archive *a, void *user, const void **buf)
{
  sc_error err = SC_ERROR_INIT;
  ssize_t n = blob_read(user, buf, &err);
  if (n < 0) {
    archive_set_error(a, err.code, "%s", err.msg);
    sc_error_clear(&err);
  }
  return n;
}

static ssize_t blob_gunzip_source(void *user, const void **buf, sc_error *err)
{
  return blob_read(user, buf, err);
}

/* ---- the pipe ---- */

static void pipe_init(tar_pipe *p)
{
  pthread_mutex_init(&p->lock, NULL);
  pthread_cond_init(&p->changed, NULL);
  for (size_t i = 0; i < PIPE_BUFFERS; i++)
    p->buffers[i] = xmalloc(PIPE_BUFFER_SIZE);
}

static void pipe_destroy(tar_pipe *p)
{
  pthread_mutex_destroy(&p->lock);
  pthread_cond_destroy(&p->changed);
  for (size_t i = 0; i < PIPE_BUFFERS; i++)
    free(p->buffers[i]);
  sc_error_clear(&p->error);
}

/* The producer's next empty buffer, once the consumer is done with it;
 * NULL when the consumer has gone. */
static char *pipe_next_empty(tar_pipe *p)
{
  pthread_mutex_lock(&p->lock);
  /* taken - 1 is still the consumer's: PIPE_BUFFERS - 1 may be ahead. */
  while (!p->cancelled && p->filled - (p->taken ? p->taken - 1 : 0) >= PIPE_BUFFERS)
    pthread_cond_wait(&p->changed, &p->lock);
  char *buf = p->cancelled ? NULL : p->buffers[p->filled % PIPE_BUFFERS];
  pthread_mutex_unlock(&p->lock);
  return buf;
}

static void pipe_push(tar_pipe *p, size_t len)
{
  pthread_mutex_lock(&p->lock);
  p->lengths[p->filled % PIPE_BUFFERS] = len;
  p->filled++;
  pthread_cond_broadcast(&p->changed);
  pthread_mutex_unlock(&p->lock);
}

static void pipe_close(tar_pipe *p, sc_error *err)
{
  pthread_mutex_lock(&p->lock);
  if (err && err->code)
    sc_error_move(&p->error, err);
  p->done = true;
  pthread_cond_broadcast(&p->changed);
  pthread_mutex_unlock(&p->lock);
}

/* The next filled buffer (and the last one back to the producer): its
 * length, 0 at the end, -1 with err set when the producer failed. */
static ssize_t pipe_take(tar_pipe *p, const void **buf, sc_error *err)
{
  pthread_mutex_lock(&p->lock);
  while (p->taken == p->filled && !p->done)
    pthread_cond_wait(&p->changed, &p->lock);
  ssize_t n = 0;
  if (p->taken < p->filled) {
    *buf = p->buffers[p->taken % PIPE_BUFFERS];
    n = (ssize_t)p->lengths[p->taken % PIPE_BUFFERS];
    p->taken++;
    pthread_cond_broadcast(&p->changed); /* the one taken before is free now */
  } else if (p->error.code) {
    n = sc_error_set(err, p->error.code, "%s", p->error.msg);
  }
  pthread_mutex_unlock(&p->lock);
  return n;
}

/* ---- the producer ---- */

/* Up to PIPE_BUFFER_SIZE bytes of the tar into buf: the count, 0 at its
 * end, -1 on an error. */
static ssize_t decompress(sc_layer_reader *r, char *buf, sc_error *err)
{
  if (r->gunzip)
    return sc_gunzip_read(r->gunzip, buf, PIPE_BUFFER_SIZE, err);
  la_ssize_t n = archive_read_data(r->decompressor, buf, PIPE_BUFFER_SIZE);
  if (n < 0)
    return sc_error_set(err, SC_E_INVALID, "%s", archive_error_string(r->decompressor));
  return n;
}

/* The rest of the blob, for its digest: what follows the compressed
 * stream is refused by gunzip, and libarchive may stop short of it. */
static int drain_blob(blob_stream *s, sc_error *err)
{
  const void *buf;
  ssize_t n;
  while ((n = blob_read(s, &buf, err)) > 0)
    ;
  return (int)n;
}

static void *produce(void *user)
{
  sc_layer_reader *r = user;
  sc_error err = SC_ERROR_INIT;
  for (;;) {
    char *buf = pipe_next_empty(&r->pipe);
    if (buf == NULL || sc_check_interrupted(r->interrupted, "reading the layer", &err) < 0)
      break;
    ssize_t n = decompress(r, buf, &err);
    if (n < 0)
      break;
    if (n == 0) {
      drain_blob(&r->blob, &err);
      break;
    }
    sc_sha256_update(r->tar_hash, buf, (size_t)n);
    r->tar_size += (uint64_t)n;
    pipe_push(&r->pipe, (size_t)n);
  }
  pipe_close(&r->pipe, &err);
  sc_error_clear(&err);
  return NULL;
}

/* ---- the consumer ---- */

static la_ssize_t tar_stream_read(struct archive *a, void *user, const void **buf)
{
  sc_layer_reader *r = user;
  sc_error err = SC_ERROR_INIT;
  ssize_t n = sc_check_interrupted(r->interrupted, "reading the layer", &err) < 0
                  ? -1
                  : pipe_take(&r->pipe, buf, &err);
  if (n < 0) {
    if (a)
      archive_set_error(a,
                        err.code == SC_E_INTERRUPTED ? EINTR
                        : err.code < SC_E_INVALID    ? err.code
                                                     : EIO,
                        "%s", err.msg);
    sc_error_clear(&err);
    return -1;
  }
  if (n > 0 && r->tap)
    r->tap(r->tap_user, *buf, (size_t)n);
  return n;
}

/* Stop and join the producer: it may be waiting for a buffer. */
static void stop_producer(sc_layer_reader *r)
{
  if (!r->thread_started)
    return;
  pthread_mutex_lock(&r->pipe.lock);
  r->pipe.cancelled = true;
  pthread_cond_broadcast(&r->pipe.changed);
  pthread_mutex_unlock(&r->pipe.lock);
  pthread_join(r->thread, NULL);
  r->thread_started = false;
}

void sc_layer_reader_free(sc_layer_reader *reader)
{
  if (reader == NULL)
    return;
  stop_producer(reader);
  archive_read_free(reader->tar_archive);
  archive_read_free(reader->decompressor);
  sc_gunzip_free(reader->gunzip);
  pipe_destroy(&reader->pipe);
  sc_sha256_free(reader->blob.hash);
  sc_sha256_free(reader->tar_hash);
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

/* libarchive's raw format undoes zstd (or nothing, for a plain tar); its
 * first header is read here, so a blob that is not what its media type
 * says fails the open. */
static int open_libarchive_decompressor(sc_layer_reader *r, const char *media_type, sc_error *err)
{
  sc_layer_compression c = SC_LAYER_GZIP;
  r->decompressor = archive_read_new();
  if (sc_layer_support_filters(r->decompressor, media_type, err) < 0)
    return -1;
  if (media_type)
    sc_layer_compression_of(media_type, &c);
  archive_read_support_format_raw(r->decompressor);
  struct archive_entry *entry;
  if (archive_read_open(r->decompressor, &r->blob, NULL, blob_archive_read, NULL) != ARCHIVE_OK ||
      archive_read_next_header(r->decompressor, &entry) != ARCHIVE_OK)
    return sc_error_set(err, SC_E_INVALID, "%s", archive_error_string(r->decompressor));
  return media_type ? check_filter(r->decompressor, media_type, c, err) : 0;
}

/* What the first bytes of a blob say it is. */
static sc_layer_compression sniff_compression(const unsigned char *head, size_t len)
{
  static const unsigned char zstd_magic[] = {0x28, 0xb5, 0x2f, 0xfd};
  if (len >= 2 && head[0] == 0x1f && head[1] == 0x8b)
    return SC_LAYER_GZIP;
  if (len >= sizeof zstd_magic && memcmp(head, zstd_magic, sizeof zstd_magic) == 0)
    return SC_LAYER_ZSTD;
  return SC_LAYER_TAR;
}

int sc_layer_check_format(int fd, const char *media_type, const char *digest, sc_error *err)
{
  sc_layer_compression want;
  if (sc_layer_compression_of(media_type, &want) < 0)
    return 0;
  unsigned char head[4];
  ssize_t n = pread(fd, head, sizeof head, 0);
  if (n < 0)
    return sc_error_set_errno(err, errno, "cannot read blob %s", digest);
  sc_layer_compression got = sniff_compression(head, (size_t)n);
  if (got != want)
    return sc_error_set(err, SC_E_INVALID,
                        "blob %s is %s, but its media type %s says %s: refused rather than "
                        "copied as it is (fix the layer's media type in the manifest)",
                        digest, compression_name(got), media_type, compression_name(want));
  return 0;
}

/* gzip by its magic number (any layer when media_type is NULL) goes to
 * ISA-L, all else to libarchive. */
static int open_decompressor(sc_layer_reader *r, const char *media_type, sc_error *err)
{
  sc_layer_compression c = SC_LAYER_GZIP;
  if (media_type && sc_layer_compression_of(media_type, &c) < 0)
    return sc_error_set(err, SC_E_INVALID, "'%s' is not a layer media type", media_type);
  if (media_type && c != SC_LAYER_GZIP)
    return open_libarchive_decompressor(r, media_type, err);
  const unsigned char *head;
  size_t len;
  if (blob_peek(&r->blob, &head, &len, err) < 0)
    return -1;
  bool gzip = sniff_compression(head, len) == SC_LAYER_GZIP;
  if (media_type && !gzip)
    return sc_error_set(err, SC_E_INVALID, "the layer is not gzip, as its media type %s says",
                        media_type);
  if (!gzip)
    return open_libarchive_decompressor(r, NULL, err);
  r->gunzip = sc_gunzip_new(blob_gunzip_source, &r->blob);
  return 0;
}

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
  r->tap = tap;
  r->tap_user = tap_user;
  r->blob.fd = fd;
  r->blob.hash = sc_sha256_new();
  r->tar_hash = sc_sha256_new();
  r->interrupted = interrupted;
  pipe_init(&r->pipe);
  r->tar_archive = archive_read_new();
  archive_read_support_format_tar(r->tar_archive);
  *out = r;
  if (open_decompressor(r, media_type, err) < 0)
    return -1;
  int e = pthread_create(&r->thread, NULL, produce, r);
  if (e != 0)
    return sc_error_set_errno(err, e, "cannot start the thread that decompresses the layer");
  r->thread_started = true;
  if (archive_read_open(r->tar_archive, r, NULL, tar_stream_read, NULL) != ARCHIVE_OK)
    return sc_error_set(err, SC_E_INVALID, "%s", archive_error_string(r->tar_archive));
  return 0;
}

struct archive *sc_layer_reader_tar(sc_layer_reader *reader)
{
  return reader->tar_archive;
}

int sc_layer_reader_finish(sc_layer_reader *reader, sc_layer_sums *sums, sc_error *err)
{
  const void *buf = NULL;
  /* The tar reader stops at the end-of-archive blocks: the padding after
   * them and the compressed stream's end are still to be read and checked. */
  ssize_t n = 0;
  /* No producer when the open failed: there is only the blob to hash. */
  while (reader->thread_started && (n = pipe_take(&reader->pipe, &buf, err)) > 0)
    if (reader->tap)
      reader->tap(reader->tap_user, buf, (size_t)n);
  stop_producer(reader);
  /* Also after an error: the blob's digest, against its descriptor, is
   * what tells a corrupt blob from a bad image. */
  sc_error ignored = SC_ERROR_INIT;
  drain_blob(&reader->blob, &ignored);
  sc_error_clear(&ignored);
  sc_sha256_finish(steal_pointer(&reader->blob.hash), sums->digest);
  sc_sha256_finish(steal_pointer(&reader->tar_hash), sums->diff_id);
  sums->size = reader->blob.size;
  sums->uncompressed_size = reader->tar_size;
  return n < 0 ? -1 : 0;
}
