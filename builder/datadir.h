/* datadir.h: where sc-build keeps its caches.  (Its installed data, the
 * skeletons, is the CLI's to find: sc_cli_datadir_sub, environment.c.) */
#ifndef SC_DATADIR_H
#define SC_DATADIR_H

/* $XDG_CACHE_HOME/sc-build/<leaf> (XDG_CACHE_HOME when absolute), else
 * ~/.cache/sc-build/<leaf>; NULL when there is no HOME either. */
char *sc_user_cache_path(const char *leaf);

#endif
