/* fuzz-layers.h: what the layer fuzz targets share: a sandbox whose
 * sentinels must never change, and inputs read as layers.
 *
 * The sandbox (a temporary directory, once per process) holds a sentinel
 * directory and a sentinel file; a second sentinel directory stands at a
 * fixed absolute path, SENTINEL_ABS, for symlinks in the corpus to aim at.
 * Each input is applied to a fresh directory `t` inside the sandbox; then
 * t is removed, and everything outside it must be exactly as it was
 * (names, types, modes, sizes, mtimes, inode numbers, contents): anything
 * else is an escape, and abort()s.
 *
 * An input is a layer blob (tar, plain or gzip or zstd compressed), used
 * twice, as a lower and an upper layer; or, when it starts with
 * SCRIPT_MAGIC, layers described line by line: mutating a tar's bytes
 * rarely gives a tar whose entries say something new (libarchive, which
 * parses them, is not instrumented).  Layers are separated by "--" lines,
 * one entry a line: "TYPE PATH [ARG]" with TYPE f (a file, ARG its
 * content), d (directory), l (symlink to ARG), h (hard link to ARG), c
 * (character device 1,3) or p (fifo); each layer is written as a tar. */
#ifndef SC_FUZZ_LAYERS_H
#define SC_FUZZ_LAYERS_H

#include <stddef.h>
#include <stdint.h>

#define SENTINEL_ABS "/tmp/sc-fuzz-unpack-sentinel"
#define SCRIPT_MAGIC "#layers\n"

typedef struct fuzz_sandbox {
  char dir[64];
  int fd;
  char *before; /* the sentinels' fingerprint */
} fuzz_sandbox;

/* The process's sandbox, made on first use (kept: not a leak). */
fuzz_sandbox *fuzz_sandbox_get(void);
/* Make the target directory t; its fd. */
int fuzz_sandbox_target(fuzz_sandbox *s);
/* Remove t; abort() when anything outside it changed. */
void fuzz_sandbox_check(fuzz_sandbox *s);

/* The input's layers as tar fds (at offset 0 or not: seek first), -1
 * terminated, in a new array. */
int *fuzz_input_layers(const uint8_t *data, size_t size);

#endif
