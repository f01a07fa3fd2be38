/* test-tarsplit.c: the tar-split of a layer (ostree-tarsplit.h): Go's
 * CRC-64/ISO, and JSON lines from which segments and file data rebuild
 * the stream byte for byte, the same whether entries come before their
 * bytes (a tar writer) or after (a tar reader). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib.h>
#include <jansson.h>
#include <libdeflate.h>
#include <stdlib.h>
#include <string.h>

#include "ostree-tarsplit.h"
#include "util.h"

/* The catalogue check value of CRC-64/GO-ISO, whole and in every split
 * (the slicing-by-8 path and the byte path must agree). */
static void test_crc64_check_value(void **state)
{
  (void)state;
  sc_crc64_table table;
  sc_crc64_table_init(&table);
  const char *check = "123456789";
  assert_true(sc_crc64_update(&table, 0, check, 9) == 0xB90956C775A41001ull);
  for (size_t cut = 0; cut <= 9; cut++) {
    uint64_t crc = sc_crc64_update(&table, 0, check, cut);
    assert_true(sc_crc64_update(&table, crc, check + cut, 9 - cut) == 0xB90956C775A41001ull);
  }
  assert_true(sc_crc64_update(&table, 0, "", 0) == 0);
}

/* A fake tar of 100 bytes with four entries: data at 10+5, none at 20,
 * data at 30+17, none at 60. */
static const struct {
  const char *name;
  uint64_t offset, size;
} entries[] = {{"a", 10, 5}, {"dir/", 20, 0}, {"dir/caf\xc3\xa9", 30, 17}, {"link", 60, 0}};
#define STREAM_LEN 100

static char *gunzip_all(const char *b64, size_t *out_len)
{
  gsize len = 0;
  guchar *gz = g_base64_decode(b64, &len);
  struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
  size_t cap = 1 << 20, in = 0, out = 0;
  char *text = xmalloc(cap);
  while (in < len) {
    size_t used = 0, made = 0;
    assert_int_equal(
        libdeflate_gzip_decompress_ex(d, gz + in, len - in, text + out, cap - out, &used, &made),
        LIBDEFLATE_SUCCESS);
    in += used;
    out += made;
  }
  libdeflate_free_decompressor(d);
  g_free(gz);
  *out_len = out;
  return text;
}

/* Rebuild the stream from the lines as containers/image's ostree: source
 * does, with file data from stream itself. */
static void assert_rebuilds(const char *b64, const unsigned char *stream)
{
  size_t len;
  _cleanup_free_ char *text = gunzip_all(b64, &len);
  unsigned char rebuilt[STREAM_LEN];
  size_t at = 0, files = 0;
  json_int_t position = 0;
  sc_crc64_table table;
  sc_crc64_table_init(&table);
  for (char *line = text; line < text + len;) {
    char *end = memchr(line, '\n', (size_t)(text + len - line));
    assert_non_null(end);
    json_t *e = json_loadb(line, (size_t)(end - line), 0, NULL);
    assert_non_null(e);
    assert_int_equal(json_integer_value(json_object_get(e, "position")), position++);
    gsize n = 0;
    const char *payload = json_string_value(json_object_get(e, "payload"));
    if (json_integer_value(json_object_get(e, "type")) == 2) {
      guchar *seg = g_base64_decode(payload, &n);
      memcpy(rebuilt + at, seg, n);
      at += n;
      g_free(seg);
    } else {
      assert_string_equal(json_string_value(json_object_get(e, "name")), entries[files].name);
      size_t size = (size_t)json_integer_value(json_object_get(e, "size"));
      assert_int_equal(size, entries[files].size);
      assert_int_equal(at, entries[files].offset);
      if (size == 0) {
        assert_true(json_is_null(json_object_get(e, "payload")));
      } else {
        guchar *crc = g_base64_decode(payload, &n);
        assert_int_equal(n, 8);
        uint64_t want = 0;
        for (int i = 0; i < 8; i++)
          want = want << 8 | crc[i];
        g_free(crc);
        assert_true(sc_crc64_update(&table, 0, stream + at, size) == want);
        memcpy(rebuilt + at, stream + at, size);
        at += size;
      }
      files++;
    }
    json_decref(e);
    line = end + 1;
  }
  assert_int_equal(files, 4);
  assert_int_equal(at, STREAM_LEN);
  assert_memory_equal(rebuilt, stream, STREAM_LEN);
}

static char *split(const unsigned char *stream, bool entries_first, size_t chunk)
{
  sc_tarsplit *t = sc_tarsplit_new();
  sc_error err = SC_ERROR_INIT;
  size_t next = 0;
  for (size_t at = 0; at < STREAM_LEN; at += chunk) {
    size_t n = at + chunk > STREAM_LEN ? STREAM_LEN - at : chunk;
    /* A writer knows an entry once its header is out, before the bytes;
     * a reader after the bytes that hold the header. */
    for (; next < 4 && entries_first && entries[next].offset <= at + n; next++)
      sc_tarsplit_entry(t, entries[next].name, entries[next].offset, entries[next].size);
    assert_int_equal(sc_tarsplit_write(t, stream + at, n, &err), 0);
    for (; next < 4 && !entries_first && entries[next].offset <= at + n; next++)
      sc_tarsplit_entry(t, entries[next].name, entries[next].offset, entries[next].size);
  }
  char *b64 = sc_tarsplit_finish(t, &err);
  assert_non_null(b64);
  sc_tarsplit_free(t);
  return b64;
}

static void test_rebuilds_in_either_order(void **state)
{
  (void)state;
  unsigned char stream[STREAM_LEN];
  for (size_t i = 0; i < STREAM_LEN; i++)
    stream[i] = (unsigned char)(i * 7 + 3);
  _cleanup_free_ char *first = split(stream, true, 100);
  assert_rebuilds(first, stream);
  size_t chunks[] = {1, 3, 8, 64};
  for (size_t i = 0; i < 4; i++) {
    _cleanup_free_ char *before = split(stream, true, chunks[i]);
    _cleanup_free_ char *after = split(stream, false, chunks[i]);
    assert_string_equal(before, first);
    assert_string_equal(after, first);
  }
}

/* An entry whose data would start before bytes already placed, or whose
 * data the stream does not hold, is an error, not a wrong tar-split. */
static void test_inconsistent_entries_fail(void **state)
{
  (void)state;
  unsigned char stream[40] = {0};
  sc_error err = SC_ERROR_INIT;
  sc_tarsplit *t = sc_tarsplit_new();
  sc_tarsplit_entry(t, "a", 10, 5);
  assert_int_equal(sc_tarsplit_write(t, stream, 30, &err), 0);
  sc_tarsplit_entry(t, "b", 12, 1);
  assert_int_equal(sc_tarsplit_write(t, stream + 30, 10, &err), -1);
  assert_non_null(strstr(err.msg, "entry b starts at byte 12"));
  sc_error_clear(&err);
  sc_tarsplit_free(t);

  t = sc_tarsplit_new();
  sc_tarsplit_entry(t, "big", 10, 100);
  assert_int_equal(sc_tarsplit_write(t, stream, 40, &err), 0);
  assert_null(sc_tarsplit_finish(t, &err));
  assert_non_null(strstr(err.msg, "before the data of big"));
  sc_error_clear(&err);
  sc_tarsplit_free(t);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_crc64_check_value),
      cmocka_unit_test(test_rebuilds_in_either_order),
      cmocka_unit_test(test_inconsistent_entries_fail),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
