/* compress-sink.h: what the compressor tests (test-pgzip.c, test-pzstd.c)
 * share: a sink that collects the compressed bytes (and can fail on a
 * given call, like a full disk), and compressible input. */
#ifndef SC_TEST_COMPRESS_SINK_H
#define SC_TEST_COMPRESS_SINK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

#endif
