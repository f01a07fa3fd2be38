/* deploy.h: deployments NAME.0 / NAME.1 under ROOT/var/lib/containers/atomic,
 * the NAME symlink that selects the active one, and their info files. */
#ifndef SC_DEPLOY_H
#define SC_DEPLOY_H

#include <stdbool.h>
#include <jansson.h>
#include <sc/error.h>

typedef struct sc_root {
  char *path;        /* absolute, no trailing '/' ("" for the host's /) */
  int fd;            /* the root directory */
  int containers_fd; /* ROOT/var/lib/containers/atomic */
} sc_root;

/* Open (creating the standard directories when create is set) a root. */
int sc_root_open(const char *root, bool create, sc_root *out, sc_error *err);
void sc_root_close(sc_root *root);

/* The active deployment index of name (0 or 1), -1 when not installed. */
int sc_deploy_active(const sc_root *root, const char *name, sc_error *err);
/* Point NAME at NAME.index atomically (new symlink, then rename over). */
int sc_deploy_switch(const sc_root *root, const char *name, int index, sc_error *err);
/* "NAME.N", newly allocated. */
char *sc_deploy_dirname(const char *name, int index);
/* The deployment directory as the machine running sc-build reaches it
 * (ROOT/var/lib/containers/atomic/NAME.N). */
char *sc_deploy_destdir(const sc_root *root, const char *name, int index);
/* The deployment directory as seen from inside the root, once it is "/"
 * (DESTDIR): /var/lib/containers/atomic/NAME.N whatever the root. */
char *sc_deploy_destdir_in_root(const char *name, int index);
/* Read NAME.index/info. */
int sc_deploy_read_info(const sc_root *root, const char *name, int index, json_t **out,
                        sc_error *err);
bool sc_deploy_exists(const sc_root *root, const char *name, int index);

/* Stage in txn the hostfs files of deployment NAME.index for the host
 * again, with the values recorded in its info, in place of those of the
 * deployment replaced_info describes (rollback). */
struct sc_txn;
int sc_deploy_stage_hostfs(struct sc_txn *txn, int index, json_t *info, json_t *replaced_info,
                           sc_error *err);

#endif
