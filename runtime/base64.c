/* base64.c: base64 decoding (base64.h). */
#include "base64.h"

#include <limits.h>
#include <stdlib.h>
#include <openssl/evp.h>

#include "util.h"

int sc_base64_decode(const char *text, size_t len, unsigned char **out, size_t *out_len)
{
  if (len == 0 || len % 4 != 0 || len > INT_MAX)
    return -1;
  unsigned char *raw = xmalloc(len / 4 * 3 + 1);
  int n = EVP_DecodeBlock(raw, (const unsigned char *)text, (int)len);
  if (n < 0) {
    free(raw);
    return -1;
  }
  /* EVP_DecodeBlock counts the bytes that padding stands for. */
  for (size_t i = len; i > 0 && text[i - 1] == '='; i--)
    n--;
  raw[n] = '\0';
  *out = raw;
  *out_len = (size_t)n;
  return 0;
}
