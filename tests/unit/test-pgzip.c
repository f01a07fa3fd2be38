/* test-pgzip.c: the parallel gzip writer (pgzip.h): the same bytes with
 * any number of threads, a valid multi-member gzip that decompresses to
 * the input at every size around the block boundary, and a sink error
 * that stops the stream. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <libdeflate.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgzip.h"
#include "util.h"

#include "compress-sink.h"

static out_buf compress_with(const unsigned char *in, size_t len, unsigned threads, size_t chunk)
{
  out_buf o = {0};
  sc_error err = SC_ERROR_INIT;
  sc_pgzip *z = sc_pgzip_new(SC_PGZIP_DEFAULT_LEVEL, threads, sink, &o, &err);
  assert_non_null(z);
  for (size_t off = 0; off < len; off += chunk)
    assert_int_equal(sc_pgzip_write(z, in + off, len - off < chunk ? len - off : chunk, &err), 0);
  assert_int_equal(sc_pgzip_finish(z, &err), 0);
  sc_pgzip_free(z);
  return o;
}

/* Decompress member after member, as a multi-member reader does. */
static void assert_decompresses_to(const out_buf *o, const unsigned char *in, size_t len)
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

static void test_sizes_round_trip(void **state)
{
  (void)state;
  const size_t sizes[] = {
      0, 1, SC_PGZIP_BLOCK - 1, SC_PGZIP_BLOCK, SC_PGZIP_BLOCK + 1, 3 * SC_PGZIP_BLOCK + 5};
  for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
    unsigned char *in = make_input(sizes[i]);
    out_buf o = compress_with(in, sizes[i], 2, 4096);
    assert_decompresses_to(&o, in, sizes[i]);
    free(o.data);
    free(in);
  }
}

static void test_same_bytes_with_any_thread_count(void **state)
{
  (void)state;
  size_t len = 9 * SC_PGZIP_BLOCK + 12345;
  unsigned char *in = make_input(len);
  out_buf ref = compress_with(in, len, 0, 65536);
  const unsigned threads[] = {1, 2, 3, 8};
  for (size_t i = 0; i < sizeof threads / sizeof *threads; i++) {
    /* A different write size too: members are cut by the byte count only. */
    out_buf o = compress_with(in, len, threads[i], 1000 + 777 * i);
    assert_int_equal(o.len, ref.len);
    assert_memory_equal(o.data, ref.data, ref.len);
    free(o.data);
  }
  assert_decompresses_to(&ref, in, len);
  free(ref.data);
  free(in);
}

static void test_sink_error_stops_the_stream(void **state)
{
  (void)state;
  size_t len = 6 * SC_PGZIP_BLOCK;
  unsigned char *in = make_input(len);
  out_buf o = {.fail_after = 2};
  sc_error err = SC_ERROR_INIT;
  sc_pgzip *z = sc_pgzip_new(SC_PGZIP_DEFAULT_LEVEL, 2, sink, &o, &err);
  assert_non_null(z);
  int r = sc_pgzip_write(z, in, len, &err);
  if (r == 0)
    r = sc_pgzip_finish(z, &err);
  assert_int_equal(r, -1);
  assert_string_equal(err.msg, "disk full");
  sc_pgzip_free(z);
  sc_error_clear(&err);
  free(o.data);
  free(in);
}

static void test_level_out_of_range(void **state)
{
  (void)state;
  sc_error err = SC_ERROR_INIT;
  assert_null(sc_pgzip_new(13, 1, sink, NULL, &err));
  assert_non_null(strstr(err.msg, "out of range 1-12"));
  sc_error_clear(&err);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sizes_round_trip),
      cmocka_unit_test(test_same_bytes_with_any_thread_count),
      cmocka_unit_test(test_sink_error_stops_the_stream),
      cmocka_unit_test(test_level_out_of_range),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
