/* pzstd.c: a zstd frame written by libzstd's workers (see pzstd.h). */
#include "pzstd.h"

#include <errno.h>
#include <stdlib.h>
#include <zstd.h>

#include "util.h"

struct sc_pzstd {
  ZSTD_CCtx *cctx;
  sc_compress_sink sink;
  void *user;
  void *out;
  size_t out_cap;
};

static int zstd_failed(size_t rc, const char *what, sc_error *err)
{
  return sc_error_set(err, SC_E_INVALID, "zstd: %s: %s", what, ZSTD_getErrorName(rc));
}

static int set_param(ZSTD_CCtx *cctx, ZSTD_cParameter p, int value, const char *what, sc_error *err)
{
  size_t rc = ZSTD_CCtx_setParameter(cctx, p, value);
  return ZSTD_isError(rc) ? zstd_failed(rc, what, err) : 0;
}

sc_pzstd *sc_pzstd_new(int level, unsigned workers, sc_compress_sink sink, void *user,
                       sc_error *err)
{
  sc_pzstd *z = xcalloc(1, sizeof *z);
  z->sink = sink;
  z->user = user;
  z->cctx = ZSTD_createCCtx();
  if (z->cctx == NULL) {
    sc_error_set(err, ENOMEM, "cannot allocate a zstd compressor: out of memory");
    sc_pzstd_free(z);
    return NULL;
  }
  if (set_param(z->cctx, ZSTD_c_compressionLevel, level, "setting the level", err) < 0 ||
      set_param(z->cctx, ZSTD_c_nbWorkers, workers ? (int)workers : 1,
                "starting workers (is libzstd built with threads?)", err) < 0 ||
      set_param(z->cctx, ZSTD_c_jobSize, (int)SC_PZSTD_JOB_SIZE, "setting the job size", err) < 0) {
    sc_pzstd_free(z);
    return NULL;
  }
  z->out_cap = ZSTD_CStreamOutSize();
  z->out = xmalloc(z->out_cap);
  return z;
}

/* One call of ZSTD_compressStream2, its output handed to the sink.
 * Returns zstd's hint (0: a flush or end is complete), or -1. */
static long long compress_step(sc_pzstd *z, ZSTD_inBuffer *in, ZSTD_EndDirective mode,
                               sc_error *err)
{
  ZSTD_outBuffer out = {z->out, z->out_cap, 0};
  size_t rc = ZSTD_compressStream2(z->cctx, &out, in, mode);
  if (ZSTD_isError(rc))
    return zstd_failed(rc, "compressing", err);
  if (out.pos > 0 && z->sink(z->user, z->out, out.pos, err) < 0)
    return -1;
  return (long long)rc;
}

int sc_pzstd_write(sc_pzstd *z, const void *buf, size_t len, sc_error *err)
{
  ZSTD_inBuffer in = {buf, len, 0};
  while (in.pos < in.size)
    if (compress_step(z, &in, ZSTD_e_continue, err) < 0)
      return -1;
  return 0;
}

int sc_pzstd_finish(sc_pzstd *z, sc_error *err)
{
  ZSTD_inBuffer in = {NULL, 0, 0};
  long long left;
  do {
    left = compress_step(z, &in, ZSTD_e_end, err);
    if (left < 0)
      return -1;
  } while (left > 0);
  return 0;
}

void sc_pzstd_free(sc_pzstd *z)
{
  if (z == NULL)
    return;
  ZSTD_freeCCtx(z->cctx);
  free(z->out);
  free(z);
}
