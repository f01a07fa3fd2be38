/* platform.c: platform names normalised as containers/image does
 * (platform.h). */
#include "platform.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

static const struct {
  const char *alias, *architecture, *variant;
} aliases[] = {
    {"x86_64", "amd64", NULL},    {"x86-64", "amd64", NULL}, {"aarch64", "arm64", NULL},
    {"i386", "386", NULL},        {"i686", "386", NULL},     {"armhf", "arm", "v7"},
    {"armel", "arm", "v6"},       {"armv7l", "arm", "v7"},   {"armv6l", "arm", "v6"},
    {"ppc64el", "ppc64le", NULL},
};

static bool is_name(const char *s)
{
  return s && s[0] && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") == strlen(s);
}

static char *lower(const char *s)
{
  char *r = xstrdup(s);
  for (char *p = r; *p; p++)
    if (*p >= 'A' && *p <= 'Z')
      *p = (char)(*p - 'A' + 'a');
  return r;
}

/* arm variants: "7" -> "v7"; arm64's v8 is its default, so none. */
static char *normal_variant(const char *architecture, const char *variant)
{
  if (variant == NULL)
    return NULL;
  if (variant[0] >= '0' && variant[0] <= '9')
    return xasprintf("v%s", variant);
  if (architecture && strcmp(architecture, "arm64") == 0 &&
      (strcmp(variant, "v8") == 0 || strcmp(variant, "8") == 0))
    return NULL;
  return xstrdup(variant);
}

static int set_architecture(sc_platform *out, const char *given, sc_error *err)
{
  _cleanup_free_ char *arch = lower(given);
  char *slash = strchr(arch, '/');
  const char *variant = NULL;
  if (slash) { /* "arm/v7" */
    *slash = '\0';
    variant = slash + 1;
  }
  if (!is_name(arch) || (variant && !is_name(variant)))
    return sc_error_set(err, SC_E_USAGE,
                        "'%s' is not an architecture (amd64, arm64, arm/v7, 386, ppc64le, ...)",
                        given);
  const char *name = arch, *implied = NULL;
  for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
    if (strcmp(arch, aliases[i].alias) == 0) {
      name = aliases[i].architecture;
      implied = aliases[i].variant;
    }
  out->architecture = xstrdup(name);
  out->variant = normal_variant(name, variant ? variant : implied);
  return 0;
}

int sc_platform_normalize(const char *os, const char *architecture, const char *variant,
                          sc_platform *out, sc_error *err)
{
  memset(out, 0, sizeof *out);
  int rc = 0;
  if (os) {
    out->os = lower(os);
    if (!is_name(out->os))
      rc = sc_error_set(err, SC_E_USAGE, "'%s' is not an operating system (linux, ...)", os);
  }
  if (rc == 0 && architecture)
    rc = set_architecture(out, architecture, err);
  if (rc == 0 && variant) {
    _cleanup_free_ char *v = lower(variant);
    _cleanup_free_ char *given = is_name(v) ? normal_variant(out->architecture, v) : NULL;
    if (!is_name(v))
      rc = sc_error_set(err, SC_E_USAGE, "'%s' is not a variant (v6, v7, v8, ...)", variant);
    else if (out->variant && given && strcmp(out->variant, given) != 0)
      rc = sc_error_set(err, SC_E_USAGE, "variant '%s' contradicts architecture '%s'", variant,
                        architecture);
    else if (given && out->variant == NULL)
      out->variant = steal_pointer(&given);
  }
  if (rc < 0)
    sc_platform_clear(out);
  return rc;
}

int sc_platform_parse(const char *text, sc_platform *out, sc_error *err)
{
  const char *slash = strchr(text, '/');
  if (slash == NULL || slash == text || slash[1] == '\0')
    return sc_error_set(err, SC_E_USAGE, "'%s' is not a platform: give OS/ARCH[/VARIANT]", text);
  _cleanup_free_ char *os = xstrndup(text, (size_t)(slash - text));
  return sc_platform_normalize(os, slash + 1, NULL, out, err) < 0
             ? sc_error_prefix(err, "--platform %s", text)
             : 0;
}

static bool same(const char *a, const char *b)
{
  return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

bool sc_platform_equal(const sc_platform *a, const sc_platform *b)
{
  return same(a->os, b->os) && same(a->architecture, b->architecture) &&
         same(a->variant, b->variant);
}

void sc_platform_clear(sc_platform *p)
{
  free(p->os);
  free(p->architecture);
  free(p->variant);
  memset(p, 0, sizeof *p);
}

void sc_platform_copy(sc_platform *dst, const sc_platform *src)
{
  dst->os = src->os ? xstrdup(src->os) : NULL;
  dst->architecture = src->architecture ? xstrdup(src->architecture) : NULL;
  dst->variant = src->variant ? xstrdup(src->variant) : NULL;
}

char *sc_platform_format(const sc_platform *p)
{
  return xasprintf("%s/%s%s%s", p->os ? p->os : "?", p->architecture ? p->architecture : "?",
                   p->variant ? "/" : "", p->variant ? p->variant : "");
}

int sc_platforms_add(sc_platforms *list, const sc_platform *p)
{
  for (size_t i = 0; i < list->count; i++)
    if (sc_platform_equal(&list->items[i], p))
      return 0;
  list->items = xrealloc(list->items, (list->count + 1) * sizeof *list->items);
  sc_platform_copy(&list->items[list->count++], p);
  return 1;
}

int sc_platforms_parse_list(const char *text, sc_platforms *out, sc_error *err)
{
  memset(out, 0, sizeof *out);
  _cleanup_free_ char *copy = xstrdup(text);
  char *save = NULL;
  for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
    sc_platform p;
    if (sc_platform_parse(item, &p, err) < 0) {
      sc_platforms_clear(out);
      return -1;
    }
    sc_platforms_add(out, &p);
    sc_platform_clear(&p);
  }
  if (out->count == 0)
    return sc_error_set(err, SC_E_USAGE,
                        "--platform '%s' names no platform: give OS/ARCH[/VARIANT]", text);
  return 0;
}

void sc_platforms_clear(sc_platforms *list)
{
  for (size_t i = 0; i < list->count; i++)
    sc_platform_clear(&list->items[i]);
  free(list->items);
  memset(list, 0, sizeof *list);
}
