/* fuzz-unpack.c: libFuzzer target for the layer unpacker (runtime/unpack.c).
 *
 * Each input is a layer blob (tar, plain or gzip or zstd compressed: the
 * unpacker detects the filter) applied twice, as a lower and an upper layer,
 * to a fresh directory `t` inside a sandbox directory, which also holds a
 * sentinel directory and a sentinel file; a second sentinel directory
 * stands at a fixed absolute path, SENTINEL_ABS, for symlinks in the corpus
 * to aim at.  After each input the target is removed and everything outside
 * it must be exactly as it was (names, types, modes, sizes, mtimes, inode
 * numbers, contents): anything else is an escape, and abort()s.  A refused
 * layer is no finding; a crash, a sanitizer report or a leak is. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unpack.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Shared by every run on this machine: created once, then only read. */
#define SENTINEL_ABS "/tmp/sc-fuzz-unpack-sentinel"
#define SENTINEL_TEXT "sentinel\n"

/* What a tree looked like: one line per entry, sorted by the walk. */
static void fingerprint(int dirfd, const char *path, sc_buf *out)
{
  struct stat st;
  if (fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) < 0) {
    sc_buf_printf(out, "%s missing\n", path);
    return;
  }
  sc_buf_printf(out, "%s %o %lld %lld.%ld %lu\n", path, (unsigned)st.st_mode, (long long)st.st_size,
                (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec, (unsigned long)st.st_ino);
  if (S_ISREG(st.st_mode)) {
    char *text = NULL;
    size_t len = 0;
    if (sc_read_file_at(dirfd, path, &text, &len, NULL) == 0)
      sc_buf_append(out, text, len);
    free(text);
    return;
  }
  if (!S_ISDIR(st.st_mode))
    return;
  int fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
  if (d == NULL)
    abort();
  char **names = NULL;
  struct dirent *de;
  while ((de = readdir(d)) != NULL)
    if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
      sc_strv_push(&names, de->d_name);
  closedir(d);
  for (size_t n = sc_strv_length(names), i = 0; i < n; i++)
    for (size_t j = i + 1; j < n; j++)
      if (strcmp(names[j], names[i]) < 0) {
        char *t = names[i];
        names[i] = names[j];
        names[j] = t;
      }
  for (size_t i = 0; names && names[i]; i++) {
    char *child = xasprintf("%s/%s", path, names[i]);
    fingerprint(dirfd, child, out);
    free(child);
  }
  sc_strv_free(names);
}

typedef struct sandbox {
  char dir[64];
  int fd;
  char *before; /* fingerprint of the sandbox (without t) and of SENTINEL_ABS */
} sandbox;

/* The sandbox's own mtime changes as t comes and goes: its entries, and
 * SENTINEL_ABS, are what must not change. */
static char *take_fingerprint(const sandbox *s)
{
  sc_buf b = SC_BUF_INIT;
  fingerprint(s->fd, "sentinel-dir", &b);
  fingerprint(s->fd, "sentinel-file", &b);
  int fd = openat(s->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
  if (d == NULL)
    abort();
  struct dirent *de;
  size_t entries = 0;
  while ((de = readdir(d)) != NULL)
    entries++;
  closedir(d);
  sc_buf_printf(&b, "sandbox entries: %zu\n", entries);
  fingerprint(AT_FDCWD, SENTINEL_ABS, &b);
  return sc_buf_steal(&b);
}

/* Built once per process; still reachable at exit, not a leak. */
static sandbox *get_sandbox(void)
{
  static sandbox *s;
  if (s)
    return s;
  s = xcalloc(1, sizeof *s);
  strcpy(s->dir, "/tmp/sc-fuzz-unpack.XXXXXX");
  if (mkdtemp(s->dir) == NULL || (s->fd = open(s->dir, O_RDONLY | O_DIRECTORY)) < 0)
    abort();
  if (mkdirat(s->fd, "sentinel-dir", 0755) < 0 ||
      sc_write_file_at(s->fd, "sentinel-dir/file", SENTINEL_TEXT, strlen(SENTINEL_TEXT), 0644,
                       NULL) < 0 ||
      sc_write_file_at(s->fd, "sentinel-file", SENTINEL_TEXT, strlen(SENTINEL_TEXT), 0644, NULL) <
          0)
    abort();
  struct stat st;
  if (stat(SENTINEL_ABS "/file", &st) < 0 &&
      ((mkdir(SENTINEL_ABS, 0755) < 0 && errno != EEXIST) ||
       sc_write_file_at(AT_FDCWD, SENTINEL_ABS "/file", SENTINEL_TEXT, strlen(SENTINEL_TEXT), 0644,
                        NULL) < 0))
    abort();
  s->before = take_fingerprint(s);
  return s;
}

static int layer_fd(const uint8_t *data, size_t size)
{
  int fd = memfd_create("layer", MFD_CLOEXEC);
  if (fd < 0 || (size && sc_write_all(fd, data, size) < 0))
    abort();
  return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  sandbox *s = get_sandbox();
  if (mkdirat(s->fd, "t", 0755) < 0)
    abort();
  int target = openat(s->fd, "t", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int fd = layer_fd(data, size);
  sc_unpack_options options = {.allow_devices = geteuid() == 0};
  /* Twice: the second pass meets what the first left (symlinks, whiteout
   * victims), as an upper layer meets a lower one. */
  for (int pass = 0; pass < 2; pass++) {
    sc_error err = SC_ERROR_INIT;
    if (lseek(fd, 0, SEEK_SET) < 0)
      abort();
    (void)sc_unpack_layer_fd(fd, target, "fuzz layer", &options, NULL, &err);
    sc_error_clear(&err);
  }
  close(fd);
  close(target);
  if (sc_rm_rf_at(s->fd, "t", NULL) < 0)
    abort();
  char *after = take_fingerprint(s);
  if (strcmp(after, s->before) != 0) {
    fprintf(stderr, "fuzz-unpack: outside the target changed.\nbefore:\n%s\nafter:\n%s\n",
            s->before, after);
    abort();
  }
  free(after);
  return 0;
}
