/* exports.c: read /exports of an image's rootfs (docs/design.md sections 1 and 4). */
#include "exports.h"
#include "diag-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

/* atomic's SYSTEMD_UNIT_FILE_DEFAULT_TEMPLATE, used when the image has no
 * service.template (it selects pidfile mode). */
const char sc_default_service_template[] = "\n"
                                           "[Unit]\n"
                                           "Description=$NAME\n"
                                           "\n"
                                           "[Service]\n"
                                           "ExecStartPre=$EXEC_STARTPRE\n"
                                           "ExecStart=$EXEC_START\n"
                                           "ExecStop=$EXEC_STOP\n"
                                           "ExecStopPost=$EXEC_STOPPOST\n"
                                           "Restart=on-failure\n"
                                           "WorkingDirectory=$DESTDIR\n"
                                           "PIDFile=$PIDFILE\n"
                                           "\n"
                                           "[Install]\n"
                                           "WantedBy=multi-user.target\n";

/* Read exports/NAME; *out stays NULL when the file is missing. */
static int read_optional(int exports_fd, const char *name, char **out, size_t *len, sc_error *err)
{
  *out = NULL;
  if (exports_fd < 0)
    return 0;
  sc_error local = SC_ERROR_INIT;
  if (sc_read_file_at(exports_fd, name, out, len, &local) == 0)
    return 0;
  if (local.code == ENOENT) {
    sc_error_clear(&local);
    return 0;
  }
  sc_error_move(err, &local);
  return sc_error_prefix(err, "/exports/%s of the image", name);
}

#define MANIFEST_FILE "/exports/manifest.json"

static int read_manifest(int exports_fd, sc_exports *out, sc_error *err)
{
  _cleanup_free_ char *text = NULL;
  size_t len = 0;
  if (read_optional(exports_fd, "manifest.json", &text, &len, err) < 0)
    return -1;
  if (text == NULL) /* atomic's defaults */
    return sc_manifest_parse("{}", 2, MANIFEST_FILE, &out->manifest, NULL, err);
  /* The parser validate uses: what it calls an error fails the install,
   * rather than being read some other way here (warnings are validate's). */
  sc_diags diags = SC_DIAGS_INIT;
  int r = sc_manifest_parse(text, len, MANIFEST_FILE, &out->manifest, &diags, err);
  for (size_t i = 0; r == 0 && i < diags.count; i++) {
    const sc_diag *d = &diags.items[i];
    if (d->severity == SC_DIAG_ERROR)
      r = sc_error_set_at(err, SC_E_INVALID, d->file, d->line, d->col,
                          "the image's manifest.json: %s (`sc-build validate` reports every "
                          "problem of a project)",
                          d->msg);
  }
  sc_diags_clear(&diags);
  return r;
}

int sc_exports_read(int rootfs_fd, sc_exports *out, sc_error *err)
{
  *out = (sc_exports){0};
  _cleanup_close_ int exports_fd =
      openat(rootfs_fd, "exports", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (exports_fd < 0 && errno != ENOENT)
    return sc_error_set_errno(err, errno,
                              "cannot open /exports of the image (a symlink is "
                              "refused)");
  if (read_manifest(exports_fd, out, err) < 0)
    goto fail;
  /* atomic: a plain config.json takes precedence and is copied verbatim. */
  if (read_optional(exports_fd, "config.json", &out->config, &out->config_len, err) < 0)
    goto fail;
  if (out->config == NULL) {
    out->config_is_template = true;
    if (read_optional(exports_fd, "config.json.template", &out->config, &out->config_len, err) < 0)
      goto fail;
  }
  if (out->config == NULL) {
    sc_error_set(err, ENOENT,
                 "the image has no /exports/config.json.template: it is not a "
                 "system container image");
    goto fail;
  }
  if (read_optional(exports_fd, "service.template", &out->service, &out->service_len, err) < 0 ||
      read_optional(exports_fd, "tmpfiles.template", &out->tmpfiles, &out->tmpfiles_len, err) < 0)
    goto fail;
  if (out->service == NULL) {
    out->service = xstrdup(sc_default_service_template);
    out->service_len = strlen(sc_default_service_template);
  }
  return 0;
fail:
  sc_exports_clear(out);
  return -1;
}

void sc_exports_clear(sc_exports *exports)
{
  sc_manifest_free(exports->manifest);
  free(exports->config);
  free(exports->service);
  free(exports->tmpfiles);
  *exports = (sc_exports){0};
}
