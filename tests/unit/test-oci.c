/* test-oci.c: OCI image layout writing (oci.h): index.json tags, blob
 * garbage collection after a tag is replaced, checked blob copies, and
 * reading back with sc_image_open. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sc/image.h>

#include "digest.h"
#include "oci.h"
#include "util.h"

typedef struct fixture {
  char root[64];
  int layout_fd;
  int blobs_fd;
} fixture;

static int setup(void **state)
{
  fixture *f = xcalloc(1, sizeof *f);
  strcpy(f->root, "/tmp/sc-test-oci.XXXXXX");
  assert_non_null(mkdtemp(f->root));
  f->layout_fd = open(f->root, O_RDONLY | O_DIRECTORY);
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_oci_layout_init(f->layout_fd, &err), 0);
  f->blobs_fd = sc_oci_open_blobs(f->layout_fd, &err);
  assert_true(f->blobs_fd >= 0);
  *state = f;
  return 0;
}

static int teardown(void **state)
{
  fixture *f = *state;
  close(f->layout_fd);
  close(f->blobs_fd);
  int parent = open("/tmp", O_RDONLY | O_DIRECTORY);
  sc_rm_rf_at(parent, f->root + 5, NULL);
  close(parent);
  free(f);
  return 0;
}

static bool blob_exists(fixture *f, const char *digest)
{
  struct stat st;
  return fstatat(f->blobs_fd, sc_digest_hex(digest), &st, 0) == 0;
}

/* Write an image whose layer blob holds `layer` and config labels `label`;
 * return its manifest descriptor tagged `tag`. */
static json_t *write_image(fixture *f, const char *layer, const char *label, const char *tag,
                           char layer_digest[SC_DIGEST_LEN + 1])
{
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_oci_write_blob(f->blobs_fd, layer, strlen(layer), layer_digest, &err), 0);
  char diff_id[SC_DIGEST_LEN + 1];
  sc_sha256_digest(layer, strlen(layer), diff_id);
  json_t *config =
      json_pack("{s:s,s:s,s:{s:{s:s}},s:{s:s,s:[s]}}", "architecture", "amd64", "os", "linux",
                "config", "Labels", "x", label, "rootfs", "type", "layers", "diff_ids", diff_id);
  json_t *cd = sc_oci_write_json_blob(f->blobs_fd, config, SC_MEDIA_TYPE_OCI_CONFIG, &err);
  assert_non_null(cd);
  json_t *manifest = json_pack("{s:i,s:s,s:o,s:[{s:s,s:s,s:I}]}", "schemaVersion", 2, "mediaType",
                               SC_MEDIA_TYPE_OCI_MANIFEST, "config", cd, "layers", "mediaType",
                               "application/vnd.oci.image.layer.v1.tar", "digest", layer_digest,
                               "size", (json_int_t)strlen(layer));
  json_t *md = sc_oci_write_json_blob(f->blobs_fd, manifest, SC_MEDIA_TYPE_OCI_MANIFEST, &err);
  assert_non_null(md);
  json_object_set_new(md, "annotations", json_pack("{s:s}", SC_ANNOTATION_REF_NAME, tag));
  json_decref(config);
  json_decref(manifest);
  return md;
}

static void add_to_index(fixture *f, json_t *descriptor, json_t **replaced)
{
  sc_error err = SC_ERROR_INIT;
  json_t *index = NULL;
  assert_int_equal(sc_oci_index_read(f->layout_fd, &index, &err), 0);
  *replaced =
      sc_oci_index_set_tag(index,
                           json_string_value(json_object_get(
                               json_object_get(descriptor, "annotations"), SC_ANNOTATION_REF_NAME)),
                           descriptor);
  assert_int_equal(sc_oci_index_write(f->layout_fd, index, &err), 0);
  if (*replaced)
    assert_int_equal(sc_oci_remove_unreferenced(f->layout_fd, index, *replaced, &err), 0);
  json_decref(index);
}

static const char *label_of(fixture *f, const char *tag)
{
  static char value[64];
  char ref[128];
  snprintf(ref, sizeof ref, "oci:%s:%s", f->root, tag);
  sc_image *image = NULL;
  sc_error err = SC_ERROR_INIT;
  if (sc_image_open(ref, &image, &err) < 0) {
    sc_error_clear(&err);
    return NULL;
  }
  snprintf(value, sizeof value, "%s", sc_image_label(image, "x"));
  sc_image_free(image);
  return value;
}

static void test_tag_replacement_keeps_other_tags(void **state)
{
  fixture *f = *state;
  char l1[SC_DIGEST_LEN + 1], l2[SC_DIGEST_LEN + 1], l3[SC_DIGEST_LEN + 1];
  json_t *replaced = NULL;
  json_t *a = write_image(f, "layer one", "one", "app:1", l1);
  add_to_index(f, a, &replaced);
  assert_null(replaced);
  json_t *b = write_image(f, "layer two", "two", "app:2", l2);
  add_to_index(f, b, &replaced);
  assert_null(replaced);
  json_t *c = write_image(f, "layer three", "three", "app:1", l3);
  add_to_index(f, c, &replaced);
  assert_non_null(replaced);
  assert_string_equal(json_string_value(json_object_get(replaced, "digest")),
                      json_string_value(json_object_get(a, "digest")));
  assert_string_equal(label_of(f, "app:1"), "three");
  assert_string_equal(label_of(f, "app:2"), "two");
  /* The replaced image's blobs are gone; the kept ones stay. */
  assert_false(blob_exists(f, l1));
  assert_false(blob_exists(f, json_string_value(json_object_get(a, "digest"))));
  assert_true(blob_exists(f, l2));
  assert_true(blob_exists(f, l3));
  /* index.json parses and has two entries. */
  json_t *index = NULL;
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_oci_index_read(f->layout_fd, &index, &err), 0);
  assert_int_equal(json_array_size(json_object_get(index, "manifests")), 2);
  assert_int_equal(json_integer_value(json_object_get(index, "schemaVersion")), 2);
  json_decref(index);
  json_decref(replaced);
  json_decref(a);
  json_decref(b);
  json_decref(c);
}

static void test_shared_blobs_survive_replacement(void **state)
{
  fixture *f = *state;
  char l1[SC_DIGEST_LEN + 1], l2[SC_DIGEST_LEN + 1];
  json_t *replaced = NULL;
  json_t *a = write_image(f, "same layer", "a", "x:1", l1);
  add_to_index(f, a, &replaced);
  json_t *b = write_image(f, "same layer", "b", "x:2", l2);
  add_to_index(f, b, &replaced);
  json_t *c = write_image(f, "other layer", "c", "x:1", l1);
  add_to_index(f, c, &replaced);
  assert_true(blob_exists(f, l2)); /* still used by x:2 */
  json_decref(replaced);
  json_decref(a);
  json_decref(b);
  json_decref(c);
}

static void test_copy_blob_checks_digest(void **state)
{
  fixture *f = *state;
  char other[64];
  strcpy(other, "/tmp/sc-test-oci2.XXXXXX");
  assert_non_null(mkdtemp(other));
  int to = open(other, O_RDONLY | O_DIRECTORY);
  sc_error err = SC_ERROR_INIT;
  char digest[SC_DIGEST_LEN + 1];
  assert_int_equal(sc_oci_write_blob(f->blobs_fd, "hello", 5, digest, &err), 0);
  assert_int_equal(sc_oci_copy_blob(f->blobs_fd, to, digest, 5, &err), 0);
  struct stat st;
  assert_int_equal(fstatat(to, sc_digest_hex(digest), &st, 0), 0);
  assert_int_equal(st.st_size, 5);
  /* A wrong size is refused. */
  char bad[SC_DIGEST_LEN + 1];
  assert_int_equal(sc_oci_write_blob(f->blobs_fd, "world", 5, bad, &err), 0);
  assert_int_equal(sc_oci_copy_blob(f->blobs_fd, to, bad, 6, &err), -1);
  sc_error_clear(&err);
  close(to);
  int parent = open("/tmp", O_RDONLY | O_DIRECTORY);
  sc_rm_rf_at(parent, other + 5, NULL);
  close(parent);
}

static void test_json_dump_is_stable(void **state)
{
  (void)state;
  json_t *a = json_pack("{s:i,s:s}", "b", 1, "a", "x");
  json_t *b = json_pack("{s:s,s:i}", "a", "x", "b", 1);
  char *sa = sc_oci_json_dump(a, NULL), *sb = sc_oci_json_dump(b, NULL);
  assert_string_equal(sa, "{\"a\":\"x\",\"b\":1}");
  assert_string_equal(sa, sb);
  free(sa);
  free(sb);
  json_decref(a);
  json_decref(b);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_tag_replacement_keeps_other_tags, setup, teardown),
      cmocka_unit_test_setup_teardown(test_shared_blobs_survive_replacement, setup, teardown),
      cmocka_unit_test_setup_teardown(test_copy_blob_checks_digest, setup, teardown),
      cmocka_unit_test(test_json_dump_is_stable),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
