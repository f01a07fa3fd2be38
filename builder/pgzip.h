/* pgzip.h: gzip on every core, with bytes that do not depend on the core
 * count or the machine.
 *
 * The stream is cut into blocks of SC_PGZIP_BLOCK bytes; each block becomes
 * one gzip member (RFC 1952 section 2.2: "a gzip file consists of a series
 * of members"), compressed by libdeflate on a worker thread, and members are
 * written in order.  Block boundaries and the level are fixed, and
 * libdeflate's compressor is portable C, so the output is the same with one
 * thread or many, here or elsewhere.  Every reader of layers in use reads
 * multi-member gzip: zlib's gzread and gunzip, Go's compress/gzip
 * (Reader.Multistream is on by default) and pgzip used by containers/image
 * and umoci, libarchive, Python's gzip.  Memory is bounded: at most
 * 2 x threads blocks are in flight. */
#ifndef SC_PGZIP_H
#define SC_PGZIP_H

#include <stddef.h>
#include <sc/error.h>

#include "compressor.h"

#define SC_PGZIP_BLOCK (1u << 20)
#define SC_PGZIP_MIN_LEVEL 1
#define SC_PGZIP_MAX_LEVEL 12
/* Chosen by bench/run: level 1 is 2.7x faster than level 4 and 3% larger
 * on the synthetic tree, and already smaller than umoci's layers. */
#define SC_PGZIP_DEFAULT_LEVEL 1

typedef struct sc_pgzip sc_pgzip;

/* threads: worker threads (0: compress on the calling thread). */
sc_pgzip *sc_pgzip_new(int level, unsigned threads, sc_compress_sink sink, void *user,
                       sc_error *err);
int sc_pgzip_write(sc_pgzip *z, const void *buf, size_t len, sc_error *err);
/* Compress what is left and write every member; call once. */
int sc_pgzip_finish(sc_pgzip *z, sc_error *err);
/* Stops the workers; safe after an error or without finish. */
void sc_pgzip_free(sc_pgzip *z);

#endif
