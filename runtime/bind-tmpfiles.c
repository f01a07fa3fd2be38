/* bind-tmpfiles.c: tmpfiles.d lines for missing bind-mount sources
 * (bind-tmpfiles.h). */
#include "bind-tmpfiles.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

/* atomic tests `"bind" in mount["type"]`: "bind", "rbind", ... */
static const char *missing_bind_source(const json_t *mount)
{
  const char *type = json_string_value(json_object_get(mount, "type"));
  const char *source = json_string_value(json_object_get(mount, "source"));
  if (type == NULL || source == NULL || strstr(type, "bind") == NULL)
    return NULL;
  struct stat st;
  /* os.path.exists: any stat failure counts as missing. */
  return stat(source, &st) == 0 ? NULL : source;
}

/* tmpfiles.d(5) splits fields at blanks and takes absolute paths: a source
 * that breaks the line would create something else than the source. */
static bool tmpfiles_can_name(const char *path)
{
  if (path[0] != '/')
    return false;
  for (const unsigned char *p = (const unsigned char *)path; *p; p++)
    if (*p <= ' ' || *p == 0x7f)
      return false;
  return true;
}

int sc_bind_tmpfiles_lines(const json_t *config, uid_t uid, gid_t gid, char **out, sc_error *err)
{
  *out = NULL;
  sc_buf lines = SC_BUF_INIT;
  sc_buf_puts(&lines, "");
  size_t i;
  const json_t *mount;
  json_array_foreach(json_object_get(config, "mounts"), i, mount)
  {
    const char *source = missing_bind_source(mount);
    if (source == NULL)
      continue;
    if (!tmpfiles_can_name(source)) {
      sc_buf_free(&lines);
      return sc_error_set(err, SC_E_INVALID,
                          "config.json mounts[%zu]: the bind source '%s' does not exist on the "
                          "host and a tmpfiles.d line cannot create it (it must be an absolute "
                          "path without blanks): create it, or add it to tmpfiles.template",
                          i, source);
    }
    /* Byte for byte as atomic writes it. */
    sc_buf_printf(&lines, "d    %s   0700 %u %u - -\n", source, (unsigned)uid, (unsigned)gid);
  }
  *out = sc_buf_steal(&lines);
  return 0;
}
