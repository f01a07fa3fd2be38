/* test-gunzip.c: the ISA-L gzip reader install unpacks layers with
 * (runtime/gunzip.h): whole streams come back byte for byte however the
 * input is cut, several members read as one stream, and a stream that is
 * truncated or whose trailer (CRC32, ISIZE) does not match its data is an
 * error that says so. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <libdeflate.h>
#include <stdlib.h>
#include <string.h>

#include "gunzip.h"
#include "util.h"

/* The compressed bytes, handed out `chunk` at a time. */
typedef struct memory_source {
  const uint8_t *data;
  size_t len, pos, chunk;
} memory_source;

static ssize_t memory_read(void *user, const void **buf, sc_error *err)
{
  memory_source *s = user;
  size_t n = s->len - s->pos < s->chunk ? s->len - s->pos : s->chunk;
  *buf = s->data + s->pos;
  s->pos += n;
  return (ssize_t)n;
}

/* Text-like data with repeats, so that deflate finds matches. */
static uint8_t *make_data(size_t len, unsigned seed)
{
  uint8_t *p = xmalloc(len);
  uint32_t x = seed * 2654435761u + 1;
  for (size_t i = 0; i < len; i++) {
    x = x * 1103515245u + 12345u;
    p[i] = (uint8_t)("etc/usr/bin/lib/share "[(x >> 16) % 22]);
  }
  return p;
}

/* data gzipped as one member, appended at *len in out (of size cap). */
static void add_member(uint8_t *out, size_t cap, size_t *len, const uint8_t *data, size_t n)
{
  struct libdeflate_compressor *c = libdeflate_alloc_compressor(6);
  size_t made = libdeflate_gzip_compress(c, data, n, out + *len, cap - *len);
  libdeflate_free_compressor(c);
  assert_true(made > 0);
  *len += made;
}

/* Read all of stream through chunk-sized input into *out; the result of
 * the last read (0 at a clean end, -1 on an error, in err). */
static int gunzip_all(const uint8_t *stream, size_t len, size_t chunk, sc_buf *out,
                      uint64_t *members, sc_error *err)
{
  memory_source src = {stream, len, 0, chunk};
  sc_gunzip *z = sc_gunzip_new(memory_read, &src);
  static char buf[100003]; /* odd sized: output is cut in odd places too */
  ssize_t n;
  while ((n = sc_gunzip_read(z, buf, sizeof buf, err)) > 0)
    sc_buf_append(out, buf, (size_t)n);
  if (members)
    *members = sc_gunzip_members(z);
  sc_gunzip_free(z);
  return (int)n;
}

/* One member of 1 MB, the input cut in 1-byte, 7-byte and 64 KiB pieces
 * and given whole. */
static void test_good_stream(void **state)
{
  (void)state;
  size_t n = 1 << 20, cap = 2 << 20, len = 0;
  _cleanup_free_ uint8_t *data = make_data(n, 1);
  _cleanup_free_ uint8_t *gz = xmalloc(cap);
  add_member(gz, cap, &len, data, n);
  size_t chunks[] = {1, 7, 65536, len};
  for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
    sc_buf out = SC_BUF_INIT;
    uint64_t members = 0;
    sc_error err = SC_ERROR_INIT;
    assert_int_equal(gunzip_all(gz, len, chunks[i], &out, &members, &err), 0);
    assert_int_equal(out.len, n);
    assert_memory_equal(out.data, data, n);
    assert_int_equal(members, 1);
    sc_buf_free(&out);
  }
}

/* Three members (one of them empty, as pigz may end) are one stream. */
static void test_multi_member(void **state)
{
  (void)state;
  size_t cap = 1 << 20, len = 0;
  _cleanup_free_ uint8_t *a = make_data(200000, 2);
  _cleanup_free_ uint8_t *b = make_data(300000, 3);
  _cleanup_free_ uint8_t *gz = xmalloc(cap);
  add_member(gz, cap, &len, a, 200000);
  add_member(gz, cap, &len, b, 300000);
  add_member(gz, cap, &len, a, 0);
  size_t chunks[] = {3, 4096, len};
  for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
    sc_buf out = SC_BUF_INIT;
    uint64_t members = 0;
    sc_error err = SC_ERROR_INIT;
    assert_int_equal(gunzip_all(gz, len, chunks[i], &out, &members, &err), 0);
    assert_int_equal(members, 3);
    assert_int_equal(out.len, 500000);
    assert_memory_equal(out.data, a, 200000);
    assert_memory_equal(out.data + 200000, b, 300000);
    sc_buf_free(&out);
  }
}

/* gunzip_all must fail with a message containing want. */
static void expect_error(const uint8_t *gz, size_t len, size_t chunk, const char *want)
{
  sc_buf out = SC_BUF_INIT;
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(gunzip_all(gz, len, chunk, &out, NULL, &err), -1);
  assert_non_null(err.msg);
  if (strstr(err.msg, want) == NULL)
    fail_msg("error '%s' does not say '%s'", err.msg, want);
  sc_error_clear(&err);
  sc_buf_free(&out);
}

/* Cut in the trailer, in the deflate data, in the header, and a second
 * member cut short: each says it is truncated. */
static void test_truncated(void **state)
{
  (void)state;
  size_t n = 100000, cap = 1 << 20, len = 0;
  _cleanup_free_ uint8_t *data = make_data(n, 4);
  _cleanup_free_ uint8_t *gz = xmalloc(cap);
  add_member(gz, cap, &len, data, n);
  size_t one = len;
  add_member(gz, cap, &len, data, n);
  size_t cuts[] = {one - 3, one - 8, one / 2, 5, len - 1, one + 4};
  for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
    expect_error(gz, cuts[i], 4096, "truncated");
    expect_error(gz, cuts[i], cuts[i], "truncated");
  }
}

static void test_bad_crc(void **state)
{
  (void)state;
  size_t n = 100000, cap = 1 << 20, len = 0;
  _cleanup_free_ uint8_t *data = make_data(n, 5);
  _cleanup_free_ uint8_t *gz = xmalloc(cap);
  add_member(gz, cap, &len, data, n);
  gz[len - 8] ^= 0x01; /* the CRC32's first byte */
  expect_error(gz, len, len, "CRC32");
  expect_error(gz, len, 1, "CRC32");
  gz[len - 8] ^= 0x01;
  add_member(gz, cap, &len, data, n);
  gz[len - 5] ^= 0x80; /* the second member's CRC32, last byte */
  expect_error(gz, len, 4096, "gzip member 2");
}

static void test_bad_isize(void **state)
{
  (void)state;
  size_t n = 100000, cap = 1 << 20, len = 0;
  _cleanup_free_ uint8_t *data = make_data(n, 6);
  _cleanup_free_ uint8_t *gz = xmalloc(cap);
  add_member(gz, cap, &len, data, n);
  gz[len - 1] ^= 0x01; /* ISIZE's top byte: the CRC32 still matches */
  expect_error(gz, len, len, "ISIZE");
  expect_error(gz, len, 3, "ISIZE");
}

/* A header with every optional field (FEXTRA, FNAME, FCOMMENT, FHCRC) reads
 * however it is cut; a wrong FHCRC fails however it is cut. */
static void test_header_fields(void **state)
{
  (void)state;
  size_t n = 5000, cap = 1 << 16, len = 0;
  _cleanup_free_ uint8_t *data = make_data(n, 8);
  _cleanup_free_ uint8_t *gz = xmalloc(cap);
  const uint8_t fixed[] = {0x1f, 0x8b, 8, 0x02 | 0x04 | 0x08 | 0x10, 0, 0, 0, 0, 0, 3};
  memcpy(gz, fixed, sizeof fixed);
  len = sizeof fixed;
  static const char fields[] = "\003\000abc" /* FEXTRA: XLEN 3, then 3 bytes */
                               "layer.tar\0" /* FNAME */
                               "a comment";  /* FCOMMENT, with the string's NUL */
  memcpy(gz + len, fields, sizeof fields);
  len += sizeof fields;
  uint32_t hcrc = libdeflate_crc32(0, gz, len);
  gz[len++] = (uint8_t)hcrc;
  gz[len++] = (uint8_t)(hcrc >> 8);
  struct libdeflate_compressor *c = libdeflate_alloc_compressor(6);
  len += libdeflate_deflate_compress(c, data, n, gz + len, cap - len);
  libdeflate_free_compressor(c);
  uint32_t crc = libdeflate_crc32(0, data, n);
  for (int i = 0; i < 4; i++)
    gz[len++] = (uint8_t)(crc >> (8 * i));
  for (int i = 0; i < 4; i++)
    gz[len++] = (uint8_t)(n >> (8 * i));
  size_t chunks[] = {1, 2, 11, len};
  for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
    sc_buf out = SC_BUF_INIT;
    sc_error err = SC_ERROR_INIT;
    assert_int_equal(gunzip_all(gz, len, chunks[i], &out, NULL, &err), 0);
    assert_int_equal(out.len, n);
    assert_memory_equal(out.data, data, n);
    sc_buf_free(&out);
  }
  gz[sizeof fixed + sizeof fields] ^= 0x01; /* FHCRC */
  for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++)
    expect_error(gz, len, chunks[i], "FHCRC");
}

/* Not gzip at all, nothing, data after the last member, corrupt deflate. */
static void test_not_gzip(void **state)
{
  (void)state;
  size_t n = 100000, cap = 1 << 20, len = 0;
  _cleanup_free_ uint8_t *data = make_data(n, 7);
  _cleanup_free_ uint8_t *gz = xmalloc(cap);
  expect_error(data, n, 4096, "not gzip");
  expect_error(data, 0, 4096, "not gzip");
  add_member(gz, cap, &len, data, n);
  memcpy(gz + len, "\0\0\0\0", 4);
  expect_error(gz, len + 4, 4096, "after gzip member 1");
  gz[2] = 7; /* the method: not deflate */
  expect_error(gz, len, 4096, "deflate");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_good_stream), cmocka_unit_test(test_multi_member),
      cmocka_unit_test(test_truncated),   cmocka_unit_test(test_bad_crc),
      cmocka_unit_test(test_bad_isize),   cmocka_unit_test(test_header_fields),
      cmocka_unit_test(test_not_gzip),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
