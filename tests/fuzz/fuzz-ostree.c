/* fuzz-ostree.c: libFuzzer target for the OSTree backend: import
 * (builder/ostree-import.c) and checkout (runtime/image-ostree.c).
 *
 * Each input's layers (fuzz-layers.h) become an OCI layout in the sandbox,
 * which is imported into a new OSTree repository as `sc-build import` does,
 * then opened as ostree:f:1@REPO and checked out, layer over layer with
 * whiteouts, into a fresh directory; afterwards nothing outside it may
 * have changed.  The same corpus as fuzz-unpack serves.  A refused image is
 * no finding; an escape, a crash (libostree's own aborts included), a GLib
 * critical warning (made fatal: libostree goes on after one, and stored a
 * corrupt object so), a sanitizer report or a leak is. */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <glib.h>
#include <jansson.h>

#include <sc/image.h>
#include "fuzz-layers.h"
#include "layer-reader.h"
#include "ostree-import.h"
#include "sha256.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define WORK "w" /* in the sandbox: the layout and the repository */

static json_t *descriptor(const char *media_type, const char *digest, size_t size)
{
  return json_pack("{s:s, s:s, s:I}", "mediaType", media_type, "digest", digest, "size",
                   (json_int_t)size);
}

/* Store data as a blob of the layout; its digest in digest. */
static void put_blob(int layout_fd, const void *data, size_t len, char digest[SC_DIGEST_LEN + 1])
{
  sc_sha256_digest(data, len, digest);
  _cleanup_free_ char *path = xasprintf("blobs/sha256/%s", digest + 7);
  if (sc_write_file_at(layout_fd, path, data, len, 0644, NULL) < 0)
    abort();
}

static void put_json_blob(int layout_fd, json_t *doc, char digest[SC_DIGEST_LEN + 1], size_t *len)
{
  _cleanup_free_ char *text = json_dumps(doc, JSON_COMPACT);
  *len = strlen(text);
  put_blob(layout_fd, text, *len, digest);
}

/* The layer's diff_id: the digest of its tar, however it is compressed
 * (a tar that does not read to its end gets the digest of what did). */
static void diff_id_of(int fd, char diff_id[SC_DIGEST_LEN + 1])
{
  sc_layer_reader *reader = NULL;
  if (lseek(fd, 0, SEEK_SET) < 0)
    abort();
  if (sc_layer_reader_open(fcntl(fd, F_DUPFD_CLOEXEC, 3), NULL, NULL, &reader, NULL) == 0) {
    struct archive_entry *entry;
    while (archive_read_next_header(sc_layer_reader_tar(reader), &entry) == ARCHIVE_OK)
      ;
  }
  sc_layer_sums sums;
  sc_layer_reader_finish(reader, &sums, NULL);
  sc_layer_reader_free(reader);
  memcpy(diff_id, sums.diff_id, SC_DIGEST_LEN + 1);
}

/* Read a whole layer fd. */
static char *read_layer(int fd, size_t *len)
{
  sc_buf b = SC_BUF_INIT;
  char chunk[65536];
  ssize_t n;
  if (lseek(fd, 0, SEEK_SET) < 0)
    abort();
  while ((n = read(fd, chunk, sizeof chunk)) > 0)
    sc_buf_append(&b, chunk, (size_t)n);
  *len = b.len;
  sc_buf_puts(&b, "");
  return sc_buf_steal(&b);
}

static json_t *layers_to_blobs(int layout_fd, const int *layers, json_t *diff_ids)
{
  json_t *descriptors = json_array();
  for (size_t i = 0; layers[i] >= 0; i++) {
    size_t len = 0;
    _cleanup_free_ char *blob = read_layer(layers[i], &len);
    char digest[SC_DIGEST_LEN + 1], diff_id[SC_DIGEST_LEN + 1];
    put_blob(layout_fd, blob, len, digest);
    diff_id_of(layers[i], diff_id);
    json_array_append_new(diff_ids, json_string(diff_id));
    json_array_append_new(descriptors,
                          descriptor("application/vnd.oci.image.layer.v1.tar", digest, len));
  }
  return descriptors;
}

/* An OCI layout (image-spec image-layout.md) at WORK/layout holding the
 * image f:1 made of the layers. */
static void write_layout(int work_fd, const int *layers)
{
  if (sc_mkdir_p_at(work_fd, "layout/blobs/sha256", 0755, NULL) < 0)
    abort();
  _cleanup_close_ int layout_fd = openat(work_fd, "layout", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  json_t *diff_ids = json_array();
  json_t *layer_descriptors = layers_to_blobs(layout_fd, layers, diff_ids);
  json_t *config = json_pack("{s:s, s:s, s:{s:s, s:o}}", "architecture", "amd64", "os", "linux",
                             "rootfs", "type", "layers", "diff_ids", diff_ids);
  char config_digest[SC_DIGEST_LEN + 1], manifest_digest[SC_DIGEST_LEN + 1];
  size_t config_len = 0, manifest_len = 0;
  put_json_blob(layout_fd, config, config_digest, &config_len);
  json_t *manifest =
      json_pack("{s:i, s:s, s:o, s:o}", "schemaVersion", 2, "mediaType",
                "application/vnd.oci.image.manifest.v1+json", "config",
                descriptor("application/vnd.oci.image.config.v1+json", config_digest, config_len),
                "layers", layer_descriptors);
  put_json_blob(layout_fd, manifest, manifest_digest, &manifest_len);
  json_t *entry =
      descriptor("application/vnd.oci.image.manifest.v1+json", manifest_digest, manifest_len);
  json_object_set_new(entry, "annotations",
                      json_pack("{s:s}", "org.opencontainers.image.ref.name", "f:1"));
  json_t *index = json_pack("{s:i, s:[o]}", "schemaVersion", 2, "manifests", entry);
  _cleanup_free_ char *index_text = json_dumps(index, JSON_COMPACT);
  const char *marker = "{\"imageLayoutVersion\":\"1.0.0\"}";
  if (sc_write_file_at(layout_fd, "index.json", index_text, strlen(index_text), 0644, NULL) < 0 ||
      sc_write_file_at(layout_fd, "oci-layout", marker, strlen(marker), 0644, NULL) < 0)
    abort();
  json_decref(config);
  json_decref(manifest);
  json_decref(index);
}

/* Import the layout and check the image out into the target. */
static void import_and_check_out(fuzz_sandbox *s)
{
  _cleanup_free_ char *layout = xasprintf("oci:%s/" WORK "/layout:f:1", s->dir);
  _cleanup_free_ char *repo = xasprintf("%s/" WORK "/repo", s->dir);
  sc_error err = SC_ERROR_INIT;
  sc_image *image = NULL, *stored = NULL;
  sc_ostree_import_options options = {.tag = "f:1"};
  sc_ostree_import_result result = {0};
  if (sc_image_open(layout, &image, &err) == 0 &&
      sc_ostree_import(image, repo, &options, &result, &err) == 0 &&
      sc_image_open(result.reference, &stored, &err) == 0) {
    int target = fuzz_sandbox_target(s);
    (void)sc_image_checkout(stored, target, NULL, &err);
    close(target);
  }
  sc_error_clear(&err);
  sc_image_free(stored);
  sc_image_free(image);
  sc_ostree_import_result_clear(&result);
}

/* A GLib critical is a finding: libostree goes on after one. */
static GLogWriterOutput abort_on_critical(GLogLevelFlags level, const GLogField *fields,
                                          gsize n_fields, gpointer user_data)
{
  GLogWriterOutput out = g_log_writer_default(level, fields, n_fields, user_data);
  if (level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR))
    abort();
  return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static bool logging_set;
  if (!logging_set) {
    g_log_set_writer_func(abort_on_critical, NULL, NULL);
    logging_set = true;
  }
  fuzz_sandbox *s = fuzz_sandbox_get();
  int *layers = fuzz_input_layers(data, size);
  if (mkdirat(s->fd, WORK, 0755) < 0)
    abort();
  _cleanup_close_ int work_fd = openat(s->fd, WORK, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  write_layout(work_fd, layers);
  for (size_t i = 0; layers[i] >= 0; i++)
    close(layers[i]);
  free(layers);
  import_and_check_out(s);
  if (sc_rm_rf_at(s->fd, WORK, NULL) < 0)
    abort();
  fuzz_sandbox_check(s);
  return 0;
}
