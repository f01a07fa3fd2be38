/* datadir.c: the user's cache directory (datadir.h). */
#include "datadir.h"

#include <stdlib.h>

#include "util.h"

char *sc_user_cache_path(const char *leaf)
{
  const char *xdg = getenv("XDG_CACHE_HOME");
  if (xdg && xdg[0] == '/')
    return xasprintf("%s/sc-build/%s", xdg, leaf);
  const char *home = getenv("HOME");
  return home && home[0] == '/' ? xasprintf("%s/.cache/sc-build/%s", home, leaf) : NULL;
}
