/* validate-mounts.c: can runc make each mount point?  runc creates a
 * missing destination (directories, or an empty file for a file source)
 * before it remounts the root read-only, so root.readonly is no obstacle;
 * it fails when a component of the destination is a file in the image
 * ("not a directory").  (It also fails to create one inside an earlier
 * read-only mount, but whether that filesystem already has it, as the
 * host's /sys has /sys/fs/cgroup, is known only on the host: not
 * checked.) */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "validate-checks.h"

#define destination_report(v, severity, index, ...)                                                \
  do {                                                                                             \
    sc_jsonpos_step path_[] = {SC_JSONPOS_KEY("mounts"), SC_JSONPOS_INDEX(index),                  \
                               SC_JSONPOS_KEY("destination")};                                     \
    sc_validation_report_path(v, severity, (v)->project->config_name,                              \
                              (v)->project->config_template.data, path_, 3, false, __VA_ARGS__);   \
  } while (0)

static const char *destination_of(json_t *mounts, size_t i)
{
  return json_string_value(json_object_get(json_array_get(mounts, i), "destination"));
}

/* path equals dir, but for trailing slashes of dir. */
static bool same_path(const char *path, const char *dir)
{
  if (dir == NULL)
    return false;
  size_t n = strlen(dir);
  while (n > 1 && dir[n - 1] == '/')
    n--;
  return strlen(path) == n && strncmp(path, dir, n) == 0;
}

/* The first component of dest that the image has as something else than a
 * directory (runc: "not a directory"), up to where an earlier mount hides
 * the image, or where it is missing (runc makes the rest). */
static char *blocking_component(sc_image_view *view, json_t *mounts, size_t index, const char *dest)
{
  for (const char *slash = strchr(dest + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
    _cleanup_free_ char *prefix = xstrndup(dest, (size_t)(slash - dest));
    for (size_t j = 0; j < index; j++)
      if (same_path(prefix, destination_of(mounts, j)))
        return NULL; /* below here is mounts[j]'s filesystem, not the image */
    sc_view_file st;
    int r = sc_image_view_stat(view, prefix, &st);
    bool blocks = r == -ENOTDIR || (r == 0 && st.type != SC_VIEW_DIR);
    sc_view_file_clear(&st);
    if (blocks)
      return steal_pointer(&prefix);
    if (r < 0)
      return NULL;
  }
  return NULL;
}

void sc_validate_mount_points(sc_validation *v, sc_image_view *view, const char *image,
                              json_t *mounts)
{
  for (size_t i = 0; i < json_array_size(mounts); i++) {
    const char *dest = destination_of(mounts, i);
    if (dest == NULL || dest[0] != '/')
      continue;
    _cleanup_free_ char *blocker = blocking_component(view, mounts, i, dest);
    if (blocker)
      destination_report(v, SC_DIAG_ERROR, i,
                         "runc cannot make the mount point %s: %s is not a directory in %s", dest,
                         blocker, image);
  }
}
