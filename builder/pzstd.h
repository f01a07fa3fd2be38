/* pzstd.h: zstd on every core, with bytes that do not depend on the core
 * count, in bounded memory.
 *
 * libzstd's own workers compress fixed-size jobs (ZSTD_c_jobSize); in its
 * multi-threaded mode the frame it writes depends on the level and the job
 * size, never on the number of workers (zstd.h, ZSTD_c_nbWorkers), so
 * sc-build always asks for at least one worker.  The job size is set here
 * rather than left to zstd, whose default (4 x the window, 8 MiB at level
 * 3) keeps about 50 MB of job buffers in flight; 2 MiB jobs keep about 10
 * and, on bench/run's tree, compress as well (docs/bench.md). */
#ifndef SC_PZSTD_H
#define SC_PZSTD_H

#include <stddef.h>
#include <sc/error.h>

#include "compressor.h"

#define SC_PZSTD_JOB_SIZE (2u << 20)
#define SC_PZSTD_MIN_LEVEL 1
/* zstd's levels past 19 are its "ultra" levels, which need a large window
 * to decompress: not offered. */
#define SC_PZSTD_MAX_LEVEL 19
#define SC_PZSTD_DEFAULT_LEVEL 3

typedef struct sc_pzstd sc_pzstd;

/* workers: zstd worker threads, at least 1 (0 is taken as 1). */
sc_pzstd *sc_pzstd_new(int level, unsigned workers, sc_compress_sink sink, void *user,
                       sc_error *err);
int sc_pzstd_write(sc_pzstd *z, const void *buf, size_t len, sc_error *err);
/* End the frame and write what is left; call once. */
int sc_pzstd_finish(sc_pzstd *z, sc_error *err);
void sc_pzstd_free(sc_pzstd *z);

#endif
