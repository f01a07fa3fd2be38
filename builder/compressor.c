/* compressor.c: the two layer compressors as sc_compressor_kind tables. */
#include "compressor.h"

#include "pgzip.h"
#include "pzstd.h"

/* Typed wrappers: calling a function through a pointer of another type is
 * undefined behaviour, however alike the two look. */
static void *gzip_open(int level, unsigned threads, sc_compress_sink sink, void *user,
                       sc_error *err)
{
  return sc_pgzip_new(level, threads, sink, user, err);
}
static int gzip_write(void *z, const void *buf, size_t len, sc_error *err)
{
  return sc_pgzip_write(z, buf, len, err);
}
static int gzip_finish(void *z, sc_error *err)
{
  return sc_pgzip_finish(z, err);
}
static void gzip_free(void *z)
{
  sc_pgzip_free(z);
}

static void *zstd_open(int level, unsigned threads, sc_compress_sink sink, void *user,
                       sc_error *err)
{
  return sc_pzstd_new(level, threads, sink, user, err);
}
static int zstd_write(void *z, const void *buf, size_t len, sc_error *err)
{
  return sc_pzstd_write(z, buf, len, err);
}
static int zstd_finish(void *z, sc_error *err)
{
  return sc_pzstd_finish(z, err);
}
static void zstd_free(void *z)
{
  sc_pzstd_free(z);
}

const sc_compressor_kind sc_compressor_gzip = {
    "gzip",    SC_PGZIP_MIN_LEVEL, SC_PGZIP_MAX_LEVEL, SC_PGZIP_DEFAULT_LEVEL,
    gzip_open, gzip_write,         gzip_finish,        gzip_free,
};

const sc_compressor_kind sc_compressor_zstd = {
    "zstd",    SC_PZSTD_MIN_LEVEL, SC_PZSTD_MAX_LEVEL, SC_PZSTD_DEFAULT_LEVEL,
    zstd_open, zstd_write,         zstd_finish,        zstd_free,
};

int sc_compressor_open(sc_compressor *c, const sc_compressor_kind *kind, int level,
                       unsigned threads, sc_compress_sink sink, void *user, sc_error *err)
{
  *c = (sc_compressor){kind, NULL};
  if (level == 0)
    level = kind->default_level;
  if (level < kind->min_level || level > kind->max_level)
    return sc_error_set(err, SC_E_INVALID, "%s compression level %d is out of range %d-%d",
                        kind->name, level, kind->min_level, kind->max_level);
  c->state = kind->open(level, threads, sink, user, err);
  return c->state ? 0 : -1;
}

int sc_compressor_write(sc_compressor *c, const void *buf, size_t len, sc_error *err)
{
  return c->kind->write(c->state, buf, len, err);
}

int sc_compressor_finish(sc_compressor *c, sc_error *err)
{
  return c->kind->finish(c->state, err);
}

void sc_compressor_close(sc_compressor *c)
{
  if (c->kind && c->state)
    c->kind->free(c->state);
  c->state = NULL;
}
