/* test-compressor.c: the layer compressors (compressor.h; pgzip.h, pzstd.h)
 * give the same bytes with any number of threads and any write size, a
 * stream every reader takes back to the input at every size around their
 * block (gzip: one member per 1 MiB block; zstd: one frame of 2 MiB jobs),
 * stop at the first sink error, and refuse levels out of range. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <libdeflate.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "compressor.h"
#include "pgzip.h"
#include "pzstd.h"
#include "util.h"

typedef struct out_buf {
  unsigned char *data;
  size_t len, cap;
  int fail_after; /* fail the sink call number N (1-based), 0: never */
  int calls;
} out_buf;

static int sink(void *user, const void *buf, size_t len, sc_error *err)
{
  out_buf *o = user;
  if (o->fail_after && ++o->calls >= o->fail_after)
    return sc_error_set(err, 28, "disk full");
  if (o->len + len > o->cap) {
    o->cap = (o->len + len) * 2;
    o->data = realloc(o->data, o->cap);
    assert_non_null(o->data);
  }
  memcpy(o->data + o->len, buf, len);
  o->len += len;
  return 0;
}

/* Compressible but not trivial input: text lines with a counter. */
static unsigned char *make_input(size_t len)
{
  unsigned char *p = malloc(len + 1);
  assert_non_null(p);
  size_t i = 0;
  for (unsigned n = 0; i < len; n++) {
    char line[64];
    int k = snprintf(line, sizeof line, "line %u of the layer, value %u\n", n, n * 2654435761u);
    for (int j = 0; j < k && i < len; j++)
      p[i++] = (unsigned char)line[j];
  }
  return p;
}

static out_buf compress_with(const sc_compressor_kind *kind, const unsigned char *in, size_t len,
                             unsigned threads, size_t chunk)
{
  out_buf o = {0};
  sc_error err = SC_ERROR_INIT;
  sc_compressor c;
  assert_int_equal(sc_compressor_open(&c, kind, 0, threads, sink, &o, &err), 0);
  for (size_t off = 0; off < len; off += chunk)
    assert_int_equal(sc_compressor_write(&c, in + off, len - off < chunk ? len - off : chunk, &err),
                     0);
  assert_int_equal(sc_compressor_finish(&c, &err), 0);
  sc_compressor_close(&c);
  return o;
}

/* Member after member, as a multi-member reader does: one per block. */
static void assert_gzip_decompresses_to(const out_buf *o, const unsigned char *in, size_t len)
{
  struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
  unsigned char *got = malloc(len + SC_PGZIP_BLOCK);
  size_t in_off = 0, out_off = 0, members = 0;
  while (in_off < o->len) {
    size_t used = 0, produced = 0;
    enum libdeflate_result r =
        libdeflate_gzip_decompress_ex(d, o->data + in_off, o->len - in_off, got + out_off,
                                      len + SC_PGZIP_BLOCK - out_off, &used, &produced);
    assert_int_equal(r, LIBDEFLATE_SUCCESS);
    in_off += used;
    out_off += produced;
    members++;
  }
  assert_int_equal(out_off, len);
  assert_memory_equal(got, in, len);
  assert_int_equal(members, len ? (len + SC_PGZIP_BLOCK - 1) / SC_PGZIP_BLOCK : 1);
  free(got);
  libdeflate_free_decompressor(d);
}

/* One frame, nothing after it, and the input back. */
static void assert_zstd_decompresses_to(const out_buf *o, const unsigned char *in, size_t len)
{
  assert_int_equal(ZSTD_findFrameCompressedSize(o->data, o->len), o->len);
  unsigned char *got = malloc(len + 1);
  assert_non_null(got);
  size_t n = ZSTD_decompress(got, len + 1, o->data, o->len);
  assert_false(ZSTD_isError(n));
  assert_int_equal(n, len);
  assert_memory_equal(got, in, len);
  free(got);
}

static void assert_decompresses_to(const sc_compressor_kind *kind, const out_buf *o,
                                   const unsigned char *in, size_t len)
{
  if (kind == &sc_compressor_gzip)
    assert_gzip_decompresses_to(o, in, len);
  else
    assert_zstd_decompresses_to(o, in, len);
}

static const sc_compressor_kind *const kinds[] = {&sc_compressor_gzip, &sc_compressor_zstd};
#define EACH_KIND(k)                                                                               \
  for (size_t k##_i = 0; k##_i < 2; k##_i++)                                                       \
    for (const sc_compressor_kind *k = kinds[k##_i]; k; k = NULL)

/* The unit that cuts the stream: a gzip member, a zstd job. */
static size_t block_of(const sc_compressor_kind *kind)
{
  return kind == &sc_compressor_gzip ? SC_PGZIP_BLOCK : SC_PZSTD_JOB_SIZE;
}

static void test_sizes_round_trip(void **state)
{
  (void)state;
  EACH_KIND(kind)
  {
    size_t b = block_of(kind);
    const size_t sizes[] = {0, 1, b - 1, b, b + 1, 3 * b + 5};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
      unsigned char *in = make_input(sizes[i]);
      out_buf o = compress_with(kind, in, sizes[i], 2, 4096);
      assert_decompresses_to(kind, &o, in, sizes[i]);
      free(o.data);
      free(in);
    }
  }
}

static void test_same_bytes_with_any_thread_count(void **state)
{
  (void)state;
  EACH_KIND(kind)
  {
    size_t len = 5 * block_of(kind) + 12345;
    unsigned char *in = make_input(len);
    out_buf ref = compress_with(kind, in, len, 1, 65536);
    /* 0: gzip compresses on the caller's thread, zstd still on a worker. */
    const unsigned threads[] = {0, 2, 3, 8};
    for (size_t i = 0; i < sizeof threads / sizeof *threads; i++) {
      /* A different write size too: blocks are cut by the byte count only. */
      out_buf o = compress_with(kind, in, len, threads[i], 1000 + 777 * i);
      assert_int_equal(o.len, ref.len);
      assert_memory_equal(o.data, ref.data, ref.len);
      free(o.data);
    }
    assert_decompresses_to(kind, &ref, in, len);
    free(ref.data);
    free(in);
  }
}

static void test_sink_error_stops_the_stream(void **state)
{
  (void)state;
  EACH_KIND(kind)
  {
    size_t len = 6 * block_of(kind);
    unsigned char *in = make_input(len);
    out_buf o = {.fail_after = 2};
    sc_error err = SC_ERROR_INIT;
    sc_compressor c;
    assert_int_equal(sc_compressor_open(&c, kind, 0, 2, sink, &o, &err), 0);
    int r = sc_compressor_write(&c, in, len, &err);
    if (r == 0)
      r = sc_compressor_finish(&c, &err);
    assert_int_equal(r, -1);
    assert_string_equal(err.msg, "disk full");
    sc_compressor_close(&c);
    sc_error_clear(&err);
    free(o.data);
    free(in);
  }
}

static void test_levels(void **state)
{
  (void)state;
  sc_error err = SC_ERROR_INIT;
  sc_compressor c;
  assert_int_equal(sc_compressor_open(&c, &sc_compressor_gzip, 13, 1, sink, NULL, &err), -1);
  assert_string_equal(err.msg, "gzip compression level 13 is out of range 1-12");
  sc_error_clear(&err);
  assert_int_equal(sc_compressor_open(&c, &sc_compressor_zstd, 20, 1, sink, NULL, &err), -1);
  assert_string_equal(err.msg, "zstd compression level 20 is out of range 1-19");
  sc_error_clear(&err);
  assert_int_equal(sc_compressor_open(&c, &sc_compressor_zstd, -1, 1, sink, NULL, &err), -1);
  sc_error_clear(&err);
  sc_compressor_close(&c); /* nothing opened: nothing to free */
  /* The highest levels work, and give other bytes than the default. */
  EACH_KIND(kind)
  {
    size_t len = 100000;
    unsigned char *in = make_input(len);
    out_buf def = compress_with(kind, in, len, 1, len);
    out_buf max = {0};
    assert_int_equal(sc_compressor_open(&c, kind, kind->max_level, 1, sink, &max, &err), 0);
    assert_int_equal(sc_compressor_write(&c, in, len, &err), 0);
    assert_int_equal(sc_compressor_finish(&c, &err), 0);
    sc_compressor_close(&c);
    assert_true(max.len < def.len);
    assert_decompresses_to(kind, &max, in, len);
    free(max.data);
    free(def.data);
    free(in);
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sizes_round_trip),
      cmocka_unit_test(test_same_bytes_with_any_thread_count),
      cmocka_unit_test(test_sink_error_stops_the_stream),
      cmocka_unit_test(test_levels),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
