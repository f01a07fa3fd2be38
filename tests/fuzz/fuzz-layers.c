/* fuzz-layers.c: what the layer fuzz targets share (fuzz-layers.h). */
#include "fuzz-layers.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "util.h"

/* SENTINEL_ABS is shared by every run on this machine: created once, then
 * only read. */
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

/* The sandbox's own mtime changes as t comes and goes: its entries, and
 * SENTINEL_ABS, are what must not change. */
static char *take_fingerprint(const fuzz_sandbox *s)
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
static fuzz_sandbox *the_sandbox;

static void remove_sandbox(void)
{
  sc_rm_rf_at(AT_FDCWD, the_sandbox->dir, NULL);
}

fuzz_sandbox *fuzz_sandbox_get(void)
{
  fuzz_sandbox *s = the_sandbox;
  if (s)
    return s;
  s = the_sandbox = xcalloc(1, sizeof *s);
  atexit(remove_sandbox);
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

/* ---- script inputs (fuzz-layers.h) ---- */

static void script_entry(struct archive *a, char *line)
{
  char *save = NULL;
  char *type = strtok_r(line, " ", &save);
  char *path = type ? strtok_r(NULL, " ", &save) : NULL;
  char *arg = path ? strtok_r(NULL, "", &save) : NULL;
  if (path == NULL || type[1] != '\0' || !strchr("fdlhcp", type[0]))
    return;
  struct archive_entry *e = archive_entry_new();
  archive_entry_set_pathname(e, path);
  archive_entry_set_perm(e, type[0] == 'd' ? 0755 : 0644);
  archive_entry_set_mtime(e, 1700000000, 0);
  static const mode_t types[] = {['f'] = AE_IFREG, ['d'] = AE_IFDIR, ['l'] = AE_IFLNK,
                                 ['h'] = AE_IFREG, ['c'] = AE_IFCHR, ['p'] = AE_IFIFO};
  archive_entry_set_filetype(e, types[(unsigned char)type[0]]);
  size_t len = type[0] == 'f' && arg ? strlen(arg) : 0;
  archive_entry_set_size(e, (la_int64_t)len);
  if (type[0] == 'l')
    archive_entry_set_symlink(e, arg ? arg : "");
  if (type[0] == 'h')
    archive_entry_set_hardlink(e, arg ? arg : "");
  if (type[0] == 'c')
    archive_entry_set_rdev(e, makedev(1, 3));
  if (archive_write_header(a, e) == ARCHIVE_OK && len)
    archive_write_data(a, arg, len);
  archive_entry_free(e);
}

/* One layer's lines (NUL-terminated text) as a tar in a new memfd. */
static int script_layer_fd(char *text)
{
  int fd = memfd_create("layer", MFD_CLOEXEC);
  struct archive *a = archive_write_new();
  if (fd < 0 || a == NULL || archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
      archive_write_open_fd(a, fd) != ARCHIVE_OK)
    abort();
  char *save = NULL;
  for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
    script_entry(a, line);
  archive_write_close(a);
  archive_write_free(a);
  return fd;
}

/* The layers an input describes, each a tar fd, -1 terminated; a raw input
 * is one layer, applied twice (the second pass meets what the first left,
 * as an upper layer meets a lower one). */
int *fuzz_input_layers(const uint8_t *data, size_t size)
{
  int *fds = xcalloc(3, sizeof(int));
  if (size < strlen(SCRIPT_MAGIC) || memcmp(data, SCRIPT_MAGIC, strlen(SCRIPT_MAGIC)) != 0) {
    fds[0] = layer_fd(data, size);
    fds[1] = fcntl(fds[0], F_DUPFD_CLOEXEC, 3);
    fds[2] = -1;
    return fds;
  }
  char *text = xstrndup((const char *)data + strlen(SCRIPT_MAGIC), size - strlen(SCRIPT_MAGIC));
  size_t n = 0;
  for (char *layer = text, *next; layer && n < 8; layer = next) {
    next = strstr(layer, "\n--\n");
    if (next) {
      *next = '\0';
      next += 4;
    }
    fds = xrealloc(fds, (n + 2) * sizeof(int));
    fds[n++] = script_layer_fd(layer);
  }
  fds[n] = -1;
  free(text);
  return fds;
}

int fuzz_sandbox_target(fuzz_sandbox *s)
{
  if (mkdirat(s->fd, "t", 0755) < 0)
    abort();
  int fd = openat(s->fd, "t", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    abort();
  return fd;
}

void fuzz_sandbox_check(fuzz_sandbox *s)
{
  if (sc_rm_rf_at(s->fd, "t", NULL) < 0)
    abort();
  char *after = take_fingerprint(s);
  if (strcmp(after, s->before) != 0) {
    fprintf(stderr, "fuzz: outside the target changed.\nbefore:\n%s\nafter:\n%s\n", s->before,
            after);
    abort();
  }
  free(after);
}
