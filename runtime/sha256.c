/* sha256.c: SHA-256 via OpenSSL's EVP interface. */
#include "sha256.h"

#include <errno.h>
#include <openssl/evp.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

struct sc_sha256 {
  EVP_MD_CTX *ctx;
};

static sc_sha256 *hash_new(const EVP_MD *md)
{
  sc_sha256 *h = xmalloc(sizeof *h);
  h->ctx = EVP_MD_CTX_new();
  if (h->ctx == NULL || EVP_DigestInit_ex(h->ctx, md, NULL) != 1)
    abort();
  return h;
}

sc_sha256 *sc_sha256_new(void)
{
  return hash_new(EVP_sha256());
}

sc_sha256 *sc_sha1_new(void)
{
  return hash_new(EVP_sha1());
}

void sc_sha256_update(sc_sha256 *h, const void *data, size_t len)
{
  if (len && EVP_DigestUpdate(h->ctx, data, len) != 1)
    abort();
}

void sc_sha256_free(sc_sha256 *h)
{
  if (h == NULL)
    return;
  EVP_MD_CTX_free(h->ctx);
  free(h);
}

/* The digest of want bytes as hex into out (2 * want + 1 bytes); frees h. */
static void finish_hex(sc_sha256 *h, unsigned want, char *out)
{
  static const char hex[] = "0123456789abcdef";
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (EVP_DigestFinal_ex(h->ctx, md, &n) != 1 || n != want)
    abort();
  for (unsigned i = 0; i < want; i++) {
    out[2 * i] = hex[md[i] >> 4];
    out[2 * i + 1] = hex[md[i] & 0xf];
  }
  out[2 * want] = '\0';
  sc_sha256_free(h);
}

void sc_sha256_finish(sc_sha256 *h, char out[SC_DIGEST_LEN + 1])
{
  memcpy(out, "sha256:", 7);
  finish_hex(h, 32, out + 7);
}

void sc_sha1_finish(sc_sha256 *h, char out[SC_SHA1_HEX_LEN + 1])
{
  finish_hex(h, 20, out);
}

void sc_sha256_digest(const void *data, size_t len, char out[SC_DIGEST_LEN + 1])
{
  sc_sha256 *h = sc_sha256_new();
  sc_sha256_update(h, data, len);
  sc_sha256_finish(h, out);
}

int sc_sha256_fd(int fd, char out[SC_DIGEST_LEN + 1], sc_error *err)
{
  sc_sha256 *h = sc_sha256_new();
  char buf[1 << 16];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int e = errno;
      sc_sha256_free(h);
      return sc_error_set_errno(err, e, "cannot read for checksum");
    }
    if (n == 0)
      break;
    sc_sha256_update(h, buf, (size_t)n);
  }
  sc_sha256_finish(h, out);
  return 0;
}

const char *sc_digest_hex(const char *digest)
{
  return strncmp(digest, "sha256:", 7) == 0 ? digest + 7 : digest;
}

bool sc_digest_is_valid(const char *s)
{
  if (s == NULL || strncmp(s, "sha256:", 7) != 0 || strlen(s) != SC_DIGEST_LEN)
    return false;
  for (const char *p = s + 7; *p; p++)
    if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
      return false;
  return true;
}
