/* test-layer-reader.c: a layer blob read as a tar yields the digests its
 * descriptor and the config's diff_id promise (image-spec descriptor.md,
 * config.md rootfs), whatever the compression, up to the last byte. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "layer-reader.h"
#include "sha256.h"
#include "util.h"

/* A tar with two files, compressed with gzip when asked, in memory. */
static size_t make_tar(char *buf, size_t cap, bool gzip)
{
  struct archive *a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  if (gzip)
    archive_write_add_filter_gzip(a);
  size_t used = 0;
  assert_int_equal(archive_write_open_memory(a, buf, cap, &used), ARCHIVE_OK);
  const char *names[] = {"etc/a", "usr/bin/b"};
  for (size_t i = 0; i < 2; i++) {
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, names[i]);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, 5);
    assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
    assert_int_equal(archive_write_data(a, "hello", 5), 5);
    archive_entry_free(e);
  }
  assert_int_equal(archive_write_close(a), ARCHIVE_OK);
  archive_write_free(a);
  return used;
}

/* A pipe-free fd holding data: a deleted temp file. */
static int fd_with(const char *data, size_t len)
{
  char path[] = "/tmp/sc-test-layer-reader.XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  unlink(path);
  assert_int_equal(write(fd, data, len), (ssize_t)len);
  assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
  return fd;
}

/* Read every entry, then the sums. */
static void read_all(const char *data, size_t len, volatile const int *interrupted, size_t *entries,
                     sc_layer_sums *sums)
{
  sc_layer_reader *reader = NULL;
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_layer_reader_open(fd_with(data, len), NULL, interrupted, &reader, &err), 0);
  struct archive *tar = sc_layer_reader_tar(reader);
  struct archive_entry *e;
  *entries = 0;
  while (archive_read_next_header(tar, &e) == ARCHIVE_OK)
    (*entries)++;
  assert_int_equal(sc_layer_reader_finish(reader, sums, NULL), 0);
  sc_layer_reader_free(reader);
}

static void check_sums(bool gzip)
{
  static char tar[1 << 16], blob[1 << 16];
  size_t tar_len = make_tar(tar, sizeof tar, false);
  size_t blob_len = gzip ? make_tar(blob, sizeof blob, true) : tar_len;
  if (!gzip)
    memcpy(blob, tar, tar_len);
  char want_digest[SC_DIGEST_LEN + 1], want_diff_id[SC_DIGEST_LEN + 1];
  sc_sha256_digest(blob, blob_len, want_digest);
  sc_sha256_digest(tar, tar_len, want_diff_id);
  size_t entries;
  sc_layer_sums sums;
  read_all(blob, blob_len, NULL, &entries, &sums);
  assert_int_equal(entries, 2);
  assert_string_equal(sums.digest, want_digest);
  assert_int_equal(sums.size, blob_len);
  /* The end-of-archive blocks and padding count: the whole tar is hashed. */
  assert_string_equal(sums.diff_id, want_diff_id);
  assert_int_equal(sums.uncompressed_size, tar_len);
}

static void test_gzip_layer_sums(void **state)
{
  (void)state;
  check_sums(true);
}

static void test_plain_tar_sums(void **state)
{
  (void)state;
  check_sums(false);
}

/* A flipped byte changes the blob digest even where the tar still reads. */
static void test_corrupt_blob_changes_digest(void **state)
{
  (void)state;
  static char tar[1 << 16];
  size_t len = make_tar(tar, sizeof tar, false);
  char want[SC_DIGEST_LEN + 1];
  sc_sha256_digest(tar, len, want);
  tar[len - 1] ^= 1; /* in the trailing zero blocks */
  size_t entries;
  sc_layer_sums sums;
  read_all(tar, len, NULL, &entries, &sums);
  assert_int_equal(entries, 2);
  assert_string_not_equal(sums.digest, want);
}

/* The flag is polled as the tar is pulled: set, nothing is read. */
static void test_interrupted_stops_reading(void **state)
{
  (void)state;
  static char blob[1 << 16];
  size_t len = make_tar(blob, sizeof blob, true);
  static volatile int stop = 1;
  sc_layer_reader *reader = NULL;
  sc_error err = SC_ERROR_INIT;
  int r = sc_layer_reader_open(fd_with(blob, len), NULL, &stop, &reader, &err);
  sc_layer_reader_free(reader);
  assert_int_equal(r, -1);
  assert_non_null(strstr(err.msg, "interrupted"));
  sc_error_clear(&err);
}

/* Open a blob as media_type; 0 or -1, the message left in err. */
static int open_as(const char *blob, size_t len, const char *media_type, sc_error *err)
{
  sc_layer_reader *reader = NULL;
  int r = sc_layer_reader_open(fd_with(blob, len), media_type, NULL, &reader, err);
  sc_layer_reader_free(reader);
  return r;
}

/* Each media type is read with exactly its decompressor: gzip data is no
 * plain tar nor zstd, a plain tar no gzip, a non-layer type nothing. */
static void test_media_type_names_the_decompressor(void **state)
{
  (void)state;
  static char tar[1 << 16], gz[1 << 16];
  size_t tar_len = make_tar(tar, sizeof tar, false);
  size_t gz_len = make_tar(gz, sizeof gz, true);
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(open_as(gz, gz_len, "application/vnd.oci.image.layer.v1.tar+gzip", &err), 0);
  assert_int_equal(open_as(gz, gz_len, "application/vnd.docker.image.rootfs.diff.tar.gzip", &err),
                   0);
  assert_int_equal(open_as(tar, tar_len, "application/vnd.oci.image.layer.v1.tar", &err), 0);
  assert_int_equal(open_as(tar, tar_len, "application/vnd.oci.image.layer.v1.tar+gzip", &err), -1);
  assert_non_null(strstr(err.msg, "not gzip"));
  sc_error_clear(&err);
  assert_int_equal(open_as(gz, gz_len, "application/vnd.oci.image.layer.v1.tar+zstd", &err), -1);
  assert_non_null(strstr(err.msg, "not zstd"));
  sc_error_clear(&err);
  assert_int_equal(open_as(gz, gz_len, "application/vnd.oci.image.layer.v1.tar", &err), -1);
  sc_error_clear(&err);
  assert_int_equal(open_as(gz, gz_len, "text/html", &err), -1);
  assert_non_null(strstr(err.msg, "text/html"));
  sc_error_clear(&err);
  sc_layer_compression c;
  assert_int_equal(sc_layer_compression_of("", &c), -1);
  assert_int_equal(sc_layer_compression_of(NULL, &c), -1);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_gzip_layer_sums),
      cmocka_unit_test(test_plain_tar_sums),
      cmocka_unit_test(test_corrupt_blob_changes_digest),
      cmocka_unit_test(test_interrupted_stops_reading),
      cmocka_unit_test(test_media_type_names_the_decompressor),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
