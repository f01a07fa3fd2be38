/* fuzz-oci.c: libFuzzer target for the OCI documents an image layout or a
 * registry hands sc-build: index.json (image-spec image-layout.md,
 * image-index.md), the image manifest (manifest.md) and its config
 * (config.md), read by runtime/image.c (sc_image_open, which every command
 * uses), builder/oci.c (sc_oci_index_read, sc_oci_index_set_tag), the
 * platform choice in an index a registry sends (sc_pull_select_platform)
 * and the descriptor parser (runtime/descriptor.h) pull.c applies to it.
 *
 * The input is up to three documents separated by a line "----": the
 * index, the manifest, the config.  As the fuzzer cannot make sha256
 * digests, the placeholders @CONFIG@ and @CONFIG_SIZE@ in the manifest and
 * @MANIFEST@ and @MANIFEST_SIZE@ in the index are replaced by the digest
 * and size of the other documents, which are written as blobs of a layout
 * in a temporary directory; then the layout is opened as oci:DIR:latest.
 *
 * Checked besides crashes and sanitizer reports: an image that opens has a
 * manifest digest of the right form, a config descriptor that parsed, and
 * layers whose descriptors parse again; a platform chosen from an index is
 * one of its entries. */
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>
#include <sc/image.h>

#include "descriptor.h"
#include "oci.h"
#include "pull.h"
#include "sha256.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* On tmpfs when there is one: the layout writer fsyncs every file, which
 * on a disk makes each input take milliseconds of waiting. */
static char shm_layout[] = "/dev/shm/fuzz-oci.XXXXXX";
static char tmp_layout[] = "/tmp/fuzz-oci.XXXXXX";
static const char *layout;
static int layout_fd = -1, blobs_fd = -1;

static void remove_layout(void)
{
  sc_rm_rf_at(AT_FDCWD, layout, NULL);
}

static void setup(void)
{
  if (layout_fd >= 0)
    return;
  layout = mkdtemp(shm_layout) ? shm_layout : mkdtemp(tmp_layout);
  if (layout == NULL)
    abort();
  atexit(remove_layout);
  layout_fd = open(layout, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (layout_fd < 0 || sc_oci_layout_init(layout_fd, NULL) < 0)
    abort();
  blobs_fd = sc_oci_open_blobs(layout_fd, NULL);
  if (blobs_fd < 0)
    abort();
}

/* text with every `from` replaced by `to` (newly allocated). */
static char *replace_all(const char *text, const char *from, const char *to)
{
  sc_buf b = SC_BUF_INIT;
  size_t n = strlen(from);
  for (const char *p; (p = strstr(text, from)) != NULL; text = p + n) {
    sc_buf_append(&b, text, (size_t)(p - text));
    sc_buf_puts(&b, to);
  }
  sc_buf_puts(&b, text);
  return sc_buf_steal(&b);
}

/* Store a document as a blob; its digest and size replace the placeholders
 * `name` and `size_name` in `into` (freed and replaced). */
static void store(const char *doc, const char *name, const char *size_name, char **into)
{
  char digest[SC_DIGEST_LEN + 1];
  sc_oci_write_blob(blobs_fd, doc, strlen(doc), digest, NULL);
  char size[32];
  snprintf(size, sizeof size, "%zu", strlen(doc));
  char *a = replace_all(*into, name, digest);
  char *b = replace_all(a, size_name, size);
  free(a);
  free(*into);
  *into = b;
}

static void check_image(const sc_image *image)
{
  if (strncmp(image->manifest_digest, "sha256:", 7) != 0 || image->config_descriptor.digest == NULL)
    abort();
  for (size_t i = 0; i < image->layer_count; i++)
    if (image->layers[i].digest == NULL || image->layers[i].size < 0)
      abort();
  json_t *layers = json_object_get(image->manifest, "layers");
  for (size_t i = 0; i < json_array_size(layers); i++) {
    sc_descriptor d = {0};
    if (sc_descriptor_parse(json_array_get(layers, i), "layer", &d, NULL) == 0)
      sc_descriptor_clear(&d);
  }
}

/* An index from a registry: the entry for linux/amd64 (and arm64/v8). */
static void check_platforms(const char *index)
{
  json_t *doc = json_loads(index, JSON_REJECT_DUPLICATES, NULL);
  if (doc == NULL)
    return;
  static const char *const wanted[][3] = {{"linux", "amd64", NULL}, {"linux", "arm64", "v8"}};
  for (size_t i = 0; i < 2; i++) {
    sc_error err = SC_ERROR_INIT;
    json_t *m = sc_pull_select_platform(doc, wanted[i][0], wanted[i][1], wanted[i][2], &err);
    json_t *entries = json_object_get(doc, "manifests");
    bool found = m == NULL;
    for (size_t j = 0; j < json_array_size(entries) && !found; j++)
      found = json_array_get(entries, j) == m;
    if (!found || (m == NULL) == (err.msg == NULL))
      abort();
    sc_error_clear(&err);
  }
  json_decref(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  setup();
  char *text = xstrndup((const char *)data, size);
  char *parts[3] = {NULL, NULL, NULL};
  char *rest = text;
  for (int i = 0; i < 3; i++) {
    char *sep = i < 2 ? strstr(rest, "\n----\n") : NULL;
    parts[i] = sep ? xstrndup(rest, (size_t)(sep - rest)) : xstrdup(rest);
    if (sep == NULL)
      break;
    rest = sep + 6;
  }
  char *index = parts[0];
  char *manifest = parts[1] ? parts[1] : xstrdup("{}");
  if (parts[2])
    store(parts[2], "@CONFIG@", "@CONFIG_SIZE@", &manifest);
  store(manifest, "@MANIFEST@", "@MANIFEST_SIZE@", &index);
  sc_write_file_at(layout_fd, "index.json", index, strlen(index), 0644, NULL);

  check_platforms(index);
  json_t *doc = NULL;
  if (sc_oci_index_read(layout_fd, &doc, NULL) == 0) {
    json_t *d = json_pack("{s:s,s:s,s:i}", "mediaType", "x", "digest", "sha256:00", "size", 1);
    json_decref(sc_oci_index_set_tag(doc, "latest", d));
    json_decref(d);
    json_decref(doc);
  }
  _cleanup_free_ char *ref = xasprintf("oci:%s:latest", layout);
  sc_image *image = NULL;
  if (sc_image_open(ref, &image, NULL) == 0) {
    check_image(image);
    sc_image_free(image);
  }
  /* A multi-platform image: the index read whole (inspect, push) and a
   * named platform's manifest picked from it (build's per-platform base). */
  json_t *index_doc = NULL;
  char *index_digest = NULL;
  if (sc_image_open_index(ref, &index_doc, &index_digest, NULL) == 1 &&
      (!json_is_object(index_doc) || !sc_digest_is_valid(index_digest)))
    abort();
  json_decref(index_doc);
  free(index_digest);
  sc_image_platform arm = {"linux", "arm", "v7"};
  if (sc_image_open_platform(ref, &arm, &image, NULL) == 0) {
    check_image(image);
    sc_image_free(image);
  }
  /* The next input starts from an empty blob directory. */
  close(blobs_fd);
  sc_rm_rf_at(layout_fd, "blobs", NULL);
  sc_mkdir_p_at(layout_fd, SC_BLOBS_DIR, 0755, NULL);
  blobs_fd = sc_oci_open_blobs(layout_fd, NULL);
  if (blobs_fd < 0)
    abort();
  free(manifest);
  free(index);
  free(parts[2]);
  free(text);
  return 0;
}
