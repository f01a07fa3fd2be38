/* platform.h: image platforms (image-spec image-index.md "platform",
 * config.md architecture/os/variant) named as containers/image names them:
 * Go's GOOS/GOARCH, and the normalisation its platform matching applies
 * (containerd's platforms.Normalize): x86_64 and x86-64 are amd64, aarch64
 * is arm64 (its v8 variant the default, so none), i386 is 386, armhf is
 * arm v7 and armel arm v6, "arm/v7" an architecture with its variant, and
 * an arm variant "7" is "v7". */
#ifndef SC_PLATFORM_H
#define SC_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <sc/error.h>

typedef struct sc_platform {
  char *os;           /* "linux" */
  char *architecture; /* "amd64" */
  char *variant;      /* "v7", or NULL */
} sc_platform;

/* Normalise os, architecture and variant (each may be NULL: left NULL,
 * but an architecture that names a variant sets it).  Refused: an empty
 * or non-[a-z0-9_] part, and a variant given twice differently. */
int sc_platform_normalize(const char *os, const char *architecture, const char *variant,
                          sc_platform *out, sc_error *err);
/* "OS/ARCH[/VARIANT]", normalised. */
int sc_platform_parse(const char *text, sc_platform *out, sc_error *err);
/* The same platform once both are normalised (a NULL variant matches the
 * architecture's default, none). */
bool sc_platform_equal(const sc_platform *a, const sc_platform *b);
void sc_platform_clear(sc_platform *p);
void sc_platform_copy(sc_platform *dst, const sc_platform *src);
/* "linux/arm/v7" for messages and JSON ("?" for a part not known). */
char *sc_platform_format(const sc_platform *p);

/* The platforms of a multi-platform build, in the order given, each once. */
typedef struct sc_platforms {
  sc_platform *items;
  size_t count;
} sc_platforms;

/* Add a copy of p unless an equal one is there: 1 added, 0 already there. */
int sc_platforms_add(sc_platforms *list, const sc_platform *p);
/* "linux/amd64,linux/arm64" (a --platform value), each normalised. */
int sc_platforms_parse_list(const char *text, sc_platforms *out, sc_error *err);
void sc_platforms_clear(sc_platforms *list);

#endif
