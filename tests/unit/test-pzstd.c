/* test-pzstd.c: the zstd writer (pzstd.h): one zstd frame that
 * decompresses to the input at every size around the job boundary, the
 * same bytes with any number of workers and any write size, a sink error
 * that stops the stream, and levels out of range refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "pzstd.h"
#include "util.h"

#include "compress-sink.h"

static out_buf compress_with(const unsigned char *in, size_t len, unsigned workers, size_t chunk)
{
  out_buf o = {0};
  sc_error err = SC_ERROR_INIT;
  sc_pzstd *z = sc_pzstd_new(SC_PZSTD_DEFAULT_LEVEL, workers, sink, &o, &err);
  assert_non_null(z);
  for (size_t off = 0; off < len; off += chunk)
    assert_int_equal(sc_pzstd_write(z, in + off, len - off < chunk ? len - off : chunk, &err), 0);
  assert_int_equal(sc_pzstd_finish(z, &err), 0);
  sc_pzstd_free(z);
  return o;
}

/* One frame, nothing after it, and the input back. */
static void assert_decompresses_to(const out_buf *o, const unsigned char *in, size_t len)
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

static void test_sizes_round_trip(void **state)
{
  (void)state;
  const size_t sizes[] = {0,
                          1,
                          SC_PZSTD_JOB_SIZE - 1,
                          SC_PZSTD_JOB_SIZE,
                          SC_PZSTD_JOB_SIZE + 1,
                          3 * SC_PZSTD_JOB_SIZE + 5};
  for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
    unsigned char *in = make_input(sizes[i]);
    out_buf o = compress_with(in, sizes[i], 2, 4096);
    assert_decompresses_to(&o, in, sizes[i]);
    free(o.data);
    free(in);
  }
}

static void test_same_bytes_with_any_worker_count(void **state)
{
  (void)state;
  size_t len = 5 * SC_PZSTD_JOB_SIZE + 12345;
  unsigned char *in = make_input(len);
  out_buf ref = compress_with(in, len, 1, 65536);
  const unsigned workers[] = {0, 2, 3};
  for (size_t i = 0; i < sizeof workers / sizeof *workers; i++) {
    out_buf o = compress_with(in, len, workers[i], 1000 + 777 * i);
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
  size_t len = 4 * SC_PZSTD_JOB_SIZE;
  unsigned char *in = make_input(len);
  out_buf o = {.fail_after = 1};
  sc_error err = SC_ERROR_INIT;
  sc_pzstd *z = sc_pzstd_new(SC_PZSTD_DEFAULT_LEVEL, 2, sink, &o, &err);
  assert_non_null(z);
  int r = sc_pzstd_write(z, in, len, &err);
  if (r == 0)
    r = sc_pzstd_finish(z, &err);
  assert_int_equal(r, -1);
  assert_string_equal(err.msg, "disk full");
  sc_pzstd_free(z);
  sc_error_clear(&err);
  free(o.data);
  free(in);
}

static void test_level_out_of_range(void **state)
{
  (void)state;
  sc_error err = SC_ERROR_INIT;
  assert_null(sc_pzstd_new(20, 1, sink, NULL, &err));
  assert_non_null(strstr(err.msg, "out of range 1-19"));
  sc_error_clear(&err);
  assert_null(sc_pzstd_new(0, 1, sink, NULL, &err));
  sc_error_clear(&err);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sizes_round_trip),
      cmocka_unit_test(test_same_bytes_with_any_worker_count),
      cmocka_unit_test(test_sink_error_stops_the_stream),
      cmocka_unit_test(test_level_out_of_range),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
