/* fuzz-gunzip.c: libFuzzer target for the ISA-L gzip reader install
 * unpacks layers with (runtime/gunzip.h).
 *
 * Input: one byte, the size of the pieces the stream is handed over in
 * (0 means 1), then the stream.  Checked besides crashes and sanitizer
 * reports: the stream read in those pieces and read whole give the same
 * bytes and the same verdict (the reader keeps no state tied to where its
 * input or output buffers end); a stream that reads has a member; an error
 * has a message. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gunzip.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Layers inflate to far more; a fuzz input need not. */
#define OUTPUT_MAX (4u << 20)

typedef struct pieces {
  const uint8_t *data;
  size_t len, pos, piece;
} pieces;

static ssize_t pieces_read(void *user, const void **buf, sc_error *err)
{
  pieces *p = user;
  size_t n = p->len - p->pos < p->piece ? p->len - p->pos : p->piece;
  *buf = p->data + p->pos;
  p->pos += n;
  return (ssize_t)n;
}

/* The whole output (up to OUTPUT_MAX) in out; 0, or -1 on an error. */
static int gunzip(const uint8_t *data, size_t len, size_t piece, size_t out_piece, sc_buf *out)
{
  pieces src = {data, len, 0, piece};
  sc_gunzip *z = sc_gunzip_new(pieces_read, &src);
  sc_error err = SC_ERROR_INIT;
  char *buf = xmalloc(out_piece);
  ssize_t n;
  while ((n = sc_gunzip_read(z, buf, out_piece, &err)) > 0 && out->len < OUTPUT_MAX)
    sc_buf_append(out, buf, (size_t)n);
  if (n < 0 && (err.msg == NULL || err.msg[0] == '\0'))
    abort();
  if (n == 0 && sc_gunzip_members(z) == 0)
    abort();
  free(buf);
  sc_error_clear(&err);
  sc_gunzip_free(z);
  return n < 0 ? -1 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size < 1)
    return 0;
  size_t piece = data[0] ? data[0] : 1;
  sc_buf cut = SC_BUF_INIT, whole = SC_BUF_INIT;
  int r_cut = gunzip(data + 1, size - 1, piece, piece * 61 + 1, &cut);
  int r_whole = gunzip(data + 1, size - 1, size, 1 << 16, &whole);
  /* Past OUTPUT_MAX the two stop at different places, and the bytes a
   * failing read made before it failed are not handed out: compare what
   * both have. */
  size_t common = cut.len < whole.len ? cut.len : whole.len;
  bool complete = common < OUTPUT_MAX;
  if (complete && r_cut != r_whole)
    abort();
  if (complete && r_cut == 0 && cut.len != whole.len)
    abort();
  if (common && memcmp(cut.data, whole.data, common) != 0)
    abort();
  sc_buf_free(&cut);
  sc_buf_free(&whole);
  return 0;
}
