/* compressor.h: the layer compressors (pgzip.h, pzstd.h) behind one
 * interface, so the layer writer and the tests treat them alike.  Both
 * stream: bytes go in with write, compressed bytes come out in order
 * through the sink, on the caller's thread; and both give the same bytes
 * for any thread count. */
#ifndef SC_COMPRESSOR_H
#define SC_COMPRESSOR_H

#include <stddef.h>
#include <sc/error.h>

/* Where compressed bytes go, in order, on the thread that calls write or
 * finish. */
typedef int (*sc_compress_sink)(void *user, const void *buf, size_t len, sc_error *err);

typedef struct sc_compressor_kind {
  const char *name; /* as --compression names it */
  int min_level, max_level, default_level;
  void *(*open)(int level, unsigned threads, sc_compress_sink sink, void *user, sc_error *err);
  int (*write)(void *state, const void *buf, size_t len, sc_error *err);
  int (*finish)(void *state, sc_error *err); /* once, at the end */
  void (*free)(void *state);                 /* safe after an error, or without finish */
} sc_compressor_kind;

extern const sc_compressor_kind sc_compressor_gzip, sc_compressor_zstd;

typedef struct sc_compressor {
  const sc_compressor_kind *kind;
  void *state;
} sc_compressor;

/* level 0: the kind's default; outside its range: an error naming it. */
int sc_compressor_open(sc_compressor *c, const sc_compressor_kind *kind, int level,
                       unsigned threads, sc_compress_sink sink, void *user, sc_error *err);
int sc_compressor_write(sc_compressor *c, const void *buf, size_t len, sc_error *err);
int sc_compressor_finish(sc_compressor *c, sc_error *err);
void sc_compressor_close(sc_compressor *c);

#endif
