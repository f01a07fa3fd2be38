/* datadir.c: locating installed data (skeletons, templates). */
#include "datadir.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

static bool is_directory(const char *path)
{
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

char *sc_datadir(void)
{
  const char *env = getenv("SC_BUILD_DATADIR");
  if (env && env[0])
    return xstrdup(env);
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) {
    exe[n] = '\0';
    _cleanup_free_ char *bindir = sc_path_dirname(exe);
    char *candidate = xasprintf("%s/../share/sc-build", bindir);
    if (is_directory(candidate))
      return candidate;
    free(candidate);
  }
  return xstrdup(SC_DATADIR);
}

int sc_datadir_sub(const char *sub, char **out, sc_error *err)
{
  _cleanup_free_ char *dir = sc_datadir();
  char *path = sc_path_join(dir, sub);
  if (!is_directory(path)) {
    sc_error_set(err, ENOENT,
                 "cannot find %s: sc-build's data is missing (reinstall, or set "
                 "SC_BUILD_DATADIR to the directory holding skeletons/ and templates/)",
                 path);
    free(path);
    return -1;
  }
  *out = path;
  return 0;
}

char *sc_user_cache_path(const char *leaf)
{
  const char *xdg = getenv("XDG_CACHE_HOME");
  if (xdg && xdg[0] == '/')
    return xasprintf("%s/sc-build/%s", xdg, leaf);
  const char *home = getenv("HOME");
  return home && home[0] == '/' ? xasprintf("%s/.cache/sc-build/%s", home, leaf) : NULL;
}
