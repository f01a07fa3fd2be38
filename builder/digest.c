/* digest.c: streaming digests of what the builder writes. */
#include "digest.h"

#include <errno.h>

#include "util.h"

void sc_digest_writer_init(sc_digest_writer *w, int fd)
{
  w->fd = fd;
  w->hash = sc_sha256_new();
  w->size = 0;
}

int sc_digest_writer_write(sc_digest_writer *w, const void *data, size_t len, sc_error *err)
{
  sc_sha256_update(w->hash, data, len);
  w->size += (int64_t)len;
  if (w->fd >= 0 && sc_write_all(w->fd, data, len) < 0)
    return sc_error_set_errno(err, errno, "cannot write");
  return 0;
}

void sc_digest_writer_finish(sc_digest_writer *w, char out[SC_DIGEST_LEN + 1])
{
  sc_sha256_finish(w->hash, out);
  w->hash = NULL;
}

void sc_digest_writer_clear(sc_digest_writer *w)
{
  sc_sha256_free(w->hash);
  w->hash = NULL;
}
