/* base64.h: base64 decoding through libcrypto, kept out of util.c so that
 * what links util.c alone needs no libcrypto. */
#ifndef SC_BASE64_H
#define SC_BASE64_H

#include <stddef.h>

/* Padded standard base64 (RFC 4648 section 4) decoded into a new buffer,
 * NUL-terminated (*out_len not counting it): 0, or -1 when text is not
 * base64 (nothing allocated then). */
int sc_base64_decode(const char *text, size_t len, unsigned char **out, size_t *out_len);

#endif
