/* exports.h: the /exports files of a checked-out image, read without ever
 * following a symlink out of its rootfs. */
#ifndef SC_EXPORTS_H
#define SC_EXPORTS_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include <sc/error.h>
#include <sc/manifest.h>
#include <sc/values.h>

typedef struct sc_exports {
  sc_manifest *manifest; /* manifest.json as validate reads it (the defaults when absent) */
  char *config;          /* config.json or config.json.template */
  size_t config_len;
  bool config_is_template; /* false for a plain config.json (copied verbatim) */
  char *service;           /* service.template, or atomic's default unit */
  size_t service_len;
  char *tmpfiles; /* tmpfiles.template, or NULL */
  size_t tmpfiles_len;
} sc_exports;

/* atomic's SYSTEMD_UNIT_FILE_DEFAULT_TEMPLATE, installed for an image without
 * service.template (the pidfile form). */
extern const char sc_default_service_template[];

int sc_exports_read(int rootfs_fd, sc_exports *out, sc_error *err);
void sc_exports_clear(sc_exports *exports);

#endif
