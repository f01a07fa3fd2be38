/* oci-mount.c: OCI runtime-spec mounts (oci-mount.h). */
#include "oci-mount.h"

#include <string.h>

static bool is_bind_word(const char *s)
{
  return s && (strcmp(s, "bind") == 0 || strcmp(s, "rbind") == 0);
}

bool sc_oci_mount_is_bind(json_t *mount)
{
  if (is_bind_word(json_string_value(json_object_get(mount, "type"))))
    return true;
  size_t i;
  json_t *option;
  json_array_foreach(json_object_get(mount, "options"), i, option)
  {
    if (is_bind_word(json_string_value(option)))
      return true;
  }
  return false;
}
