/* datadir.h: where sc-build finds its skeletons and templates. */
#ifndef SC_DATADIR_H
#define SC_DATADIR_H

#include <sc/error.h>

/* The data directory: $SC_BUILD_DATADIR, else <dir of the executable>/../share/sc-build
 * when it exists (a build tree or a relocated install), else the configured
 * install path.  Returns a newly allocated path. */
char *sc_datadir(void);
/* <datadir>/<sub>, checked to be a directory. */
int sc_datadir_sub(const char *sub, char **out, sc_error *err);

/* $XDG_CACHE_HOME/sc-build/<leaf> (XDG_CACHE_HOME when absolute), else
 * ~/.cache/sc-build/<leaf>; NULL when there is no HOME either. */
char *sc_user_cache_path(const char *leaf);

#endif
