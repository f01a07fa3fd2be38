/* txn.h: one change to a container's deployments and host files, all or
 * nothing across a failure or a crash (sc/install.h).
 *
 * The journal ROOT/var/lib/containers/atomic/.NAME.txn is a JSON object:
 *   op          "install", "update", "rollback" or "uninstall"
 *   txid        16 hex digits; every temporary name of the change ends in it
 *   state       "prepare" (undo on recovery) or "commit" (finish)
 *   target      the deployment index the link switches to, -1: remove it
 *   staging     true: the new deployment is built in .NAME.target.staging-TXID,
 *               renamed to NAME.target (the old one to .NAME.target.old-TXID)
 *   unit, tmpfiles   true: a new file waits as .NAME.service.sc-new-TXID
 *               (.NAME.conf.sc-new-TXID); false: the host's file goes
 *   new-files   host paths whose new content waits as .BASE.sc-new-TXID
 *   new-dirs    host directories the change creates (removed on undo)
 *   remove-files, remove-checksums   the replaced deployment's host files
 *               that the new one does not have (removed when unchanged)
 *   remove-deployments   uninstall: NAME.0 and NAME.1 go
 * Before commit nothing the host uses has changed, only new names were
 * added; after it, every step is a rename or removal that can be redone. */
#ifndef SC_TXN_H
#define SC_TXN_H

#include <stdbool.h>
#include <jansson.h>
#include <sc/error.h>
#include <sc/install.h>

#include "deploy.h"

typedef struct sc_txn {
  const sc_root *root;
  const char *name;
  const sc_install_options *options; /* for the test fault hook */
  char txid[17];
  char *suffix;  /* ".sc-new-TXID" */
  char *staging; /* ".NAME.N.staging-TXID", or NULL */
  json_t *doc;   /* the journal */
} sc_txn;

/* Lock the root against other changes (released when root->containers_fd
 * is closed), then finish or undo an interrupted change of name and remove
 * its stray temporary directories.  Quietly does nothing when the root has
 * no containers directory. */
int sc_txn_recover(const sc_root *root, const sc_install_options *options, sc_error *err);

/* sc_txn_recover for every name that has a journal or leftovers in the
 * root, when this user may write it (list only reads otherwise). */
int sc_txn_recover_all(const sc_root *root, sc_error *err);

/* Start a change and write its journal (state "prepare").  With staging,
 * the new deployment's directory name is chosen (sc_txn_staging). */
int sc_txn_begin(sc_txn *txn, const sc_root *root, const sc_install_options *options,
                 const char *op, int target, bool staging, sc_error *err);
const char *sc_txn_staging(const sc_txn *txn);
/* Rewrite the journal after changing txn->doc. */
int sc_txn_save(sc_txn *txn, sc_error *err);
/* The unit file and the tmpfiles file a deployment gives the host. */
typedef enum { SC_TXN_UNIT, SC_TXN_TMPFILES } sc_txn_unit_file;
/* Its name in the deployment directory: NAME.service, tmpfiles-NAME.conf. */
char *sc_txn_deployment_file(const char *name, sc_txn_unit_file which);
/* Its path on the host, from the root: SC_UNIT_DIR/NAME.service,
 * SC_TMPFILES_DIR/NAME.conf. */
char *sc_txn_host_file(const char *name, sc_txn_unit_file which);
/* Stage the deployment's unit and tmpfiles files (in directory dir under
 * dirfd) for the host, as .NAME.service.sc-new-TXID (.NAME.conf.sc-new-TXID)
 * beside the host's; a file the deployment lacks stages the removal of the
 * host's. */
int sc_txn_stage_unit_files(sc_txn *txn, int dirfd, const char *dir, sc_error *err);
/* Commit and finish: after this returns, even with an error, the change
 * happens (the next command finishes it).  Changed host files that were
 * kept are appended to *kept when kept is not NULL. */
int sc_txn_commit(sc_txn *txn, char ***kept, sc_error *err);
/* Undo a change not committed; what cannot be undone now stays in the
 * journal for the next command. */
void sc_txn_abort(sc_txn *txn);
void sc_txn_clear(sc_txn *txn);

/* The test fault hook: 0, or an error naming the injected step. */
int sc_txn_step(const sc_install_options *options, const char *step, sc_error *err);

#endif
