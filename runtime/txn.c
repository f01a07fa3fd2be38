/* txn.c: journaled changes of a container (txn.h).  The scheme is a redo
 * and undo log in one file: before the commit only new names exist, so
 * undoing removes them; from the commit on, every step is a rename into
 * place or a removal, which a later run can repeat. */
#include "txn.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hostfs.h"
#include "util.h"

/* The unit and tmpfiles files, by sc_txn_unit_file: their journal keys,
 * where the host has them (DIR/NAME SUFFIX) and what the deployment calls
 * them (PREFIX NAME SUFFIX), as atomic names them. */
static const struct {
  const char *key, *dir, *prefix, *suffix;
} unit_files[] = {
    [SC_TXN_UNIT] = {"unit", SC_UNIT_DIR, "", ".service"},
    [SC_TXN_TMPFILES] = {"tmpfiles", SC_TMPFILES_DIR, "tmpfiles-", ".conf"},
};

char *sc_txn_deployment_file(const char *name, sc_txn_unit_file which)
{
  return xasprintf("%s%s%s", unit_files[which].prefix, name, unit_files[which].suffix);
}

char *sc_txn_host_file(const char *name, sc_txn_unit_file which)
{
  return xasprintf("%s/%s%s", unit_files[which].dir, name, unit_files[which].suffix);
}

int sc_txn_step(const sc_install_options *options, const char *step, sc_error *err)
{
  if (options == NULL || options->test_fault == NULL)
    return 0;
  int e = options->test_fault(options->test_fault_data, step);
  return e ? sc_error_set_errno(err, e, "injected failure at step '%s'", step) : 0;
}

/* Hand a local error to the caller's err, which may be NULL; returns -1. */
static int pass_error(sc_error *err, sc_error *local)
{
  if (err)
    sc_error_move(err, local);
  else
    sc_error_clear(local);
  return -1;
}

static char *journal_name(const char *name)
{
  return xasprintf(".%s.txn", name);
}

static const char *doc_string(const sc_txn *txn, const char *key)
{
  return json_string_value(json_object_get(txn->doc, key));
}

static int doc_target(const sc_txn *txn)
{
  return (int)json_integer_value(json_object_get(txn->doc, "target"));
}

/* "DIR/.BASE.sc-new-TXID" for the host path DIR/BASE. */
static char *staged_path(const sc_txn *txn, const char *dir, const char *base)
{
  return xasprintf("%s/.%s%s", dir, base, txn->suffix);
}

/* Where the unit or tmpfiles file waits for the commit, beside the host's. */
static char *staged_unit_file(const sc_txn *txn, sc_txn_unit_file which)
{
  _cleanup_free_ char *base = xasprintf("%s%s", txn->name, unit_files[which].suffix);
  return staged_path(txn, unit_files[which].dir, base);
}

static void set_ids(sc_txn *txn, const char *txid)
{
  snprintf(txn->txid, sizeof txn->txid, "%s", txid);
  txn->suffix = xasprintf(".sc-new-%s", txn->txid);
}

const char *sc_txn_staging(const sc_txn *txn)
{
  return txn->staging;
}

/* Write a file under a name only this change uses (it holds the txid, or
 * the root's lock is held), replacing a copy a killed run left. */
static int write_new_file(int dirfd, const char *path, const char *data, size_t len, mode_t mode,
                          sc_error *err)
{
  if (unlinkat(dirfd, path, 0) < 0 && errno != ENOENT)
    return sc_error_set_errno(err, errno, "cannot remove %s", path);
  _cleanup_close_ int fd =
      openat(dirfd, path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0)
    return sc_error_set_errno(err, errno, "cannot create %s", path);
  if (fchmod(fd, mode) < 0 || sc_write_all(fd, data, len) < 0 || fsync(fd) < 0 ||
      close(steal_fd(&fd)) < 0)
    return sc_error_set_errno(err, errno, "cannot write %s", path);
  return 0;
}

static int sync_dir_at(int dirfd, const char *path, sc_error *err)
{
  _cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || fsync(fd) < 0)
    return sc_error_set_errno(err, errno, "cannot sync %s", path);
  return 0;
}

/* Write the journal and rename it into place: -1 when the rename did not
 * happen, 1 when it did but the directory could not be synced. */
static int write_journal(sc_txn *txn, sc_error *err)
{
  _cleanup_free_ char *text = json_dumps(txn->doc, JSON_INDENT(2) | JSON_SORT_KEYS);
  _cleanup_free_ char *journal = journal_name(txn->name);
  _cleanup_free_ char *tmp = xasprintf("%s.new", journal);
  int fd = txn->root->containers_fd;
  if (write_new_file(fd, tmp, text, strlen(text), 0600, err) < 0)
    return sc_error_prefix(err, "writing the journal of %s", txn->name);
  if (renameat(fd, tmp, fd, journal) < 0)
    return sc_error_set_errno(err, errno, "cannot write the journal %s", journal);
  if (fsync(fd) < 0)
    return sc_error_set_errno(err, errno, "cannot sync %s", SC_CONTAINERS_DIR), 1;
  return 0;
}

int sc_txn_save(sc_txn *txn, sc_error *err)
{
  if (write_journal(txn, err) != 0)
    return -1;
  return sc_txn_step(txn->options, "journal", err);
}

int sc_txn_begin(sc_txn *txn, const sc_root *root, const sc_install_options *options,
                 const char *op, int target, bool staging, sc_error *err)
{
  *txn = (sc_txn){.root = root, .name = options->name, .options = options};
  char txid[17];
  sc_random_hex(txid, 16);
  set_ids(txn, txid);
  txn->doc = json_pack("{s:s, s:s, s:s, s:i, s:b}", "op", op, "txid", txn->txid, "state", "prepare",
                       "target", target, "staging", staging);
  if (staging)
    txn->staging = xasprintf(".%s.%d.staging-%s", txn->name, target, txn->txid);
  if (sc_txn_save(txn, err) < 0) {
    sc_txn_abort(txn);
    return -1;
  }
  return 0;
}

/* Stage one file for the host from the deployment's file src (under
 * dirfd), or, when src is missing, the removal of the host's file. */
static int stage_unit_file(sc_txn *txn, int dirfd, const char *src, sc_txn_unit_file which,
                           sc_error *err)
{
  const char *key = unit_files[which].key;
  _cleanup_free_ char *text = NULL;
  size_t len = 0;
  sc_error local = SC_ERROR_INIT;
  bool present = sc_read_file_at(dirfd, src, &text, &len, &local) == 0;
  if (!present && local.code != ENOENT)
    return pass_error(err, &local);
  sc_error_clear(&local);
  json_object_set_new(txn->doc, key, json_boolean(present));
  if (!present)
    return 0;
  _cleanup_free_ char *path = staged_unit_file(txn, which);
  if (write_new_file(txn->root->fd, path, text, len, 0644, err) < 0 ||
      sync_dir_at(txn->root->fd, unit_files[which].dir, err) < 0)
    return -1;
  return sc_txn_step(txn->options, key, err);
}

int sc_txn_stage_unit_files(sc_txn *txn, int dirfd, const char *dir, sc_error *err)
{
  for (sc_txn_unit_file which = SC_TXN_UNIT; which <= SC_TXN_TMPFILES; which++) {
    _cleanup_free_ char *file = sc_txn_deployment_file(txn->name, which);
    _cleanup_free_ char *src = sc_path_join(dir, file);
    if (stage_unit_file(txn, dirfd, src, which, err) < 0)
      return -1;
  }
  return 0;
}

/* ---- finishing a committed change ---- */

/* Staging becomes NAME.target; what was there goes to .NAME.target.old-TXID. */
static int move_staging_into_slot(sc_txn *txn, char ***kept, sc_error *err)
{
  (void)kept;
  int fd = txn->root->containers_fd;
  struct stat st;
  if (txn->staging == NULL || fstatat(fd, txn->staging, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return txn->staging == NULL || errno == ENOENT
               ? 0
               : sc_error_set_errno(err, errno, "cannot stat %s", txn->staging);
  _cleanup_free_ char *slot = sc_deploy_dirname(txn->name, doc_target(txn));
  _cleanup_free_ char *trash = xasprintf(".%s.old-%s", slot, txn->txid);
  if (renameat(fd, slot, fd, trash) < 0 && errno != ENOENT)
    return sc_error_set_errno(err, errno, "cannot move the old deployment %s aside", slot);
  if (renameat(fd, txn->staging, fd, slot) < 0)
    return sc_error_set_errno(err, errno, "cannot move the new deployment into %s", slot);
  return fsync(fd) < 0 ? sc_error_set_errno(err, errno, "cannot sync %s", SC_CONTAINERS_DIR) : 0;
}

/* The staged unit and tmpfiles files go into place, or the host's go. */
static int publish_unit_files(sc_txn *txn, char ***kept, sc_error *err)
{
  (void)kept;
  int fd = txn->root->fd;
  for (sc_txn_unit_file i = SC_TXN_UNIT; i <= SC_TXN_TMPFILES; i++) {
    _cleanup_free_ char *dest = sc_txn_host_file(txn->name, i);
    _cleanup_free_ char *staged = staged_unit_file(txn, i);
    if (json_is_true(json_object_get(txn->doc, unit_files[i].key))) {
      if (renameat(fd, staged, fd, dest) < 0 && errno != ENOENT)
        return sc_error_set_errno(err, errno, "cannot rename %s to %s", staged, dest);
    } else if (unlinkat(fd, dest, 0) < 0 && errno != ENOENT) {
      return sc_error_set_errno(err, errno, "cannot remove %s/%s", txn->root->path, dest);
    }
    if (sync_dir_at(fd, unit_files[i].dir, err) < 0)
      return -1;
  }
  return 0;
}

static int switch_link(sc_txn *txn, char ***kept, sc_error *err)
{
  (void)kept;
  int target = doc_target(txn);
  if (target >= 0)
    return sc_deploy_active(txn->root, txn->name, NULL) == target
               ? 0
               : sc_deploy_switch(txn->root, txn->name, target, err);
  int fd = txn->root->containers_fd;
  if (unlinkat(fd, txn->name, 0) < 0 && errno != ENOENT)
    return sc_error_set_errno(err, errno, "cannot remove the link %s", txn->name);
  return fsync(fd) < 0 ? sc_error_set_errno(err, errno, "cannot sync %s", SC_CONTAINERS_DIR) : 0;
}

/* Rename (publish) or remove (discard) the staged host files. */
static int settle_new_files(sc_txn *txn, bool publish, sc_error *err)
{
  size_t i;
  json_t *v;
  json_array_foreach(json_object_get(txn->doc, "new-files"), i, v)
  {
    const char *path = json_string_value(v), *base;
    _cleanup_close_ int parent =
        path ? sc_hostfs_open_parent(txn->root->fd, path, &base, NULL) : -1;
    if (parent < 0)
      continue; /* nothing was staged beneath a directory that is not there */
    _cleanup_free_ char *staged = staged_path(txn, ".", base);
    int r = publish ? renameat(parent, staged, parent, base) : unlinkat(parent, staged, 0);
    if (r < 0 && errno != ENOENT)
      return sc_error_set_errno(err, errno, "cannot %s %s", publish ? "install" : "remove", path);
    if (fsync(parent) < 0)
      return sc_error_set_errno(err, errno, "cannot sync the directory of %s", path);
  }
  return 0;
}

static int publish_new_files(sc_txn *txn, char ***kept, sc_error *err)
{
  (void)kept;
  return settle_new_files(txn, true, err);
}

static int remove_old_files(sc_txn *txn, char ***kept, sc_error *err)
{
  return sc_hostfs_remove(txn->root->fd, json_object_get(txn->doc, "remove-files"),
                          json_object_get(txn->doc, "remove-checksums"), kept, err);
}

static int remove_deployments(sc_txn *txn, char ***kept, sc_error *err)
{
  (void)kept;
  if (!json_is_true(json_object_get(txn->doc, "remove-deployments")))
    return 0;
  for (int i = 0; i < 2; i++) {
    _cleanup_free_ char *dir = sc_deploy_dirname(txn->name, i);
    if (sc_rm_rf_at(txn->root->containers_fd, dir, err) < 0)
      return -1;
  }
  return 0;
}

static int remove_trash(sc_txn *txn, char ***kept, sc_error *err)
{
  (void)kept;
  if (txn->staging == NULL)
    return 0;
  _cleanup_free_ char *trash = xasprintf(".%s.%d.old-%s", txn->name, doc_target(txn), txn->txid);
  return sc_rm_rf_at(txn->root->containers_fd, trash, err);
}

static int remove_journal(sc_txn *txn, sc_error *err)
{
  _cleanup_free_ char *journal = journal_name(txn->name);
  int fd = txn->root->containers_fd;
  if (unlinkat(fd, journal, 0) < 0 && errno != ENOENT)
    return sc_error_set_errno(err, errno, "cannot remove the journal %s", journal);
  return fsync(fd) < 0 ? sc_error_set_errno(err, errno, "cannot sync %s", SC_CONTAINERS_DIR) : 0;
}

/* Link and unit switch in the same step of the journal: whatever happens
 * between them, a later run finishes both. */
static int finish(sc_txn *txn, char ***kept, sc_error *err)
{
  static const struct {
    const char *name;
    int (*run)(sc_txn *, char ***, sc_error *);
  } steps[] = {
      {"slot", move_staging_into_slot},
      {"unit-files", publish_unit_files},
      {"link", switch_link},
      {"host-files", publish_new_files},
      {"old-host-files", remove_old_files},
      {"deployments", remove_deployments},
      {"trash", remove_trash},
  };
  for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
    if (steps[i].run(txn, kept, err) < 0 || sc_txn_step(txn->options, steps[i].name, err) < 0)
      return -1;
  return remove_journal(txn, err);
}

int sc_txn_commit(sc_txn *txn, char ***kept, sc_error *err)
{
  if (sc_txn_step(txn->options, "commit", err) < 0) {
    sc_txn_abort(txn);
    return -1;
  }
  json_object_set_new(txn->doc, "state", json_string("commit"));
  int w = write_journal(txn, err);
  if (w < 0) {
    json_object_set_new(txn->doc, "state", json_string("prepare"));
    sc_txn_abort(txn);
    return -1;
  }
  /* From here on the change happens: a failure is left for the next run. */
  if (w > 0 || sc_txn_step(txn->options, "committed", err) < 0 || finish(txn, kept, err) < 0)
    return sc_error_prefix(err,
                           "%s is changed but not cleaned up (the next command on it "
                           "finishes that)",
                           txn->name);
  return 0;
}

/* ---- undoing a change not committed ---- */

static int undo(sc_txn *txn, sc_error *err)
{
  int fd = txn->root->fd;
  for (sc_txn_unit_file i = SC_TXN_UNIT; i <= SC_TXN_TMPFILES; i++) {
    _cleanup_free_ char *staged = staged_unit_file(txn, i);
    if (unlinkat(fd, staged, 0) < 0 && errno != ENOENT)
      return sc_error_set_errno(err, errno, "cannot remove %s", staged);
  }
  if (settle_new_files(txn, false, err) < 0)
    return -1;
  json_t *dirs = json_object_get(txn->doc, "new-dirs");
  for (size_t i = json_array_size(dirs); i-- > 0;) {
    const char *path = json_string_value(json_array_get(dirs, i)), *base;
    _cleanup_close_ int parent = path ? sc_hostfs_open_parent(fd, path, &base, NULL) : -1;
    if (parent >= 0)
      unlinkat(parent, base, AT_REMOVEDIR); /* kept when something else is in it */
  }
  if (txn->staging && sc_rm_rf_at(txn->root->containers_fd, txn->staging, err) < 0)
    return -1;
  return remove_journal(txn, err);
}

void sc_txn_abort(sc_txn *txn)
{
  undo(txn, NULL);
}

void sc_txn_clear(sc_txn *txn)
{
  free(txn->suffix);
  free(txn->staging);
  json_decref(txn->doc);
  *txn = (sc_txn){0};
}

/* ---- recovery ---- */

static bool is_hex(const char *s, size_t min_len)
{
  size_t n = strspn(s, "0123456789abcdef");
  return s[n] == '\0' && n >= min_len;
}

/* Temporary directories and files a killed run of name can leave in the
 * containers directory: .NAME.N.staging-X, .NAME.N.old-X (older releases:
 * X a pid), .NAME.link-X, .NAME.txn.new. */
static bool is_stray(const char *name, const char *entry)
{
  size_t n = strlen(name);
  if (entry[0] != '.' || strncmp(entry + 1, name, n) != 0 || entry[n + 1] != '.')
    return false;
  const char *rest = entry + n + 2;
  if (strcmp(rest, "txn.new") == 0)
    return true;
  if (strncmp(rest, "link-", 5) == 0)
    return is_hex(rest + 5, 1);
  if ((rest[0] != '0' && rest[0] != '1') || rest[1] != '.')
    return false;
  if (strncmp(rest + 2, "staging-", 8) == 0)
    return is_hex(rest + 10, 1);
  return strncmp(rest + 2, "old-", 4) == 0 && is_hex(rest + 6, 1);
}

/* Deployments made before they were private get mode 0700 too. */
static int make_private(const sc_root *root, const char *name, sc_error *err)
{
  for (int i = 0; i < 2; i++) {
    _cleanup_free_ char *dir = sc_deploy_dirname(name, i);
    _cleanup_close_ int fd =
        openat(root->containers_fd, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0 || (st.st_mode & 07777) == 0700)
      continue;
    if (fchmod(fd, 0700) < 0)
      return sc_error_set_errno(err, errno, "cannot make %s private", dir);
  }
  return 0;
}

static int sweep(const sc_root *root, const char *name, sc_error *err)
{
  _cleanup_strv_ char **all = NULL;
  if (sc_list_dir_at(root->containers_fd, &all, err) < 0)
    return sc_error_prefix(err, "%s/%s", root->path, SC_CONTAINERS_DIR);
  _cleanup_strv_ char **stray = xcalloc(1, sizeof(char *));
  for (size_t i = 0; all[i]; i++)
    if (is_stray(name, all[i]))
      sc_strv_push(&stray, all[i]);
  for (size_t i = 0; stray[i]; i++)
    if (sc_rm_rf_at(root->containers_fd, stray[i], err) < 0)
      return sc_error_prefix(err, "removing what an interrupted command left");
  return make_private(root, name, err);
}

/* The journal a killed run left, checked: its names are built from the
 * txid and target only, never taken from the file. */
static int load_journal(const sc_root *root, const char *name, json_t **out, sc_error *err)
{
  _cleanup_free_ char *journal = journal_name(name);
  _cleanup_free_ char *text = NULL;
  size_t len = 0;
  sc_error local = SC_ERROR_INIT;
  *out = NULL;
  if (sc_read_file_at(root->containers_fd, journal, &text, &len, &local) < 0) {
    if (local.code != ENOENT)
      return pass_error(err, &local);
    sc_error_clear(&local);
    return 0;
  }
  json_t *doc = json_loadb(text, len, 0, NULL);
  const char *txid = json_string_value(json_object_get(doc, "txid"));
  json_t *target = json_object_get(doc, "target");
  if (txid == NULL || strlen(txid) != 16 || !is_hex(txid, 16) || !json_is_integer(target) ||
      json_integer_value(target) < -1 || json_integer_value(target) > 1) {
    json_decref(doc);
    return sc_error_set(err, SC_E_INVALID,
                        "%s/%s/%s is not a journal of sc-build: move it away to go on", root->path,
                        SC_CONTAINERS_DIR, journal);
  }
  *out = doc;
  return 0;
}

int sc_txn_recover(const sc_root *root, const sc_install_options *options, sc_error *err)
{
  if (root->containers_fd < 0)
    return 0;
  while (flock(root->containers_fd, LOCK_EX) < 0)
    if (errno != EINTR)
      return sc_error_set_errno(err, errno, "cannot lock %s/%s", root->path, SC_CONTAINERS_DIR);
  json_t *doc = NULL;
  if (load_journal(root, options->name, &doc, err) < 0)
    return -1;
  if (doc) {
    sc_txn txn = {.root = root, .name = options->name, .options = NULL, .doc = doc};
    set_ids(&txn, json_string_value(json_object_get(doc, "txid")));
    if (json_is_true(json_object_get(doc, "staging")))
      txn.staging = xasprintf(".%s.%d.staging-%s", txn.name, doc_target(&txn), txn.txid);
    bool committed =
        strcmp(doc_string(&txn, "state") ? doc_string(&txn, "state") : "", "commit") == 0;
    const char *op = doc_string(&txn, "op");
    _cleanup_free_ char *what = xstrdup(op ? op : "change");
    int r = committed ? finish(&txn, NULL, err) : undo(&txn, err);
    sc_txn_clear(&txn);
    if (r < 0)
      return sc_error_prefix(err, "%s the interrupted %s of %s",
                             committed ? "finishing" : "undoing", what, options->name);
  }
  return sweep(root, options->name, err);
}

/* The names whose journal or leftover entry is `entry` (".NAME.txn",
 * ".NAME.0.staging-X", ...): NAME may itself hold dots, so every split is
 * tried. */
static void push_names_of(const char *entry, char ***names)
{
  if (entry[0] != '.')
    return;
  for (const char *dot = strchr(entry + 1, '.'); dot; dot = strchr(dot + 1, '.')) {
    _cleanup_free_ char *name = xstrndup(entry + 1, (size_t)(dot - entry - 1));
    bool ours = strcmp(dot, ".txn") == 0 || is_stray(name, entry);
    if (ours && sc_container_name_is_valid(name) && !sc_strv_contains(*names, name))
      sc_strv_push(names, name);
  }
}

int sc_txn_recover_all(const sc_root *root, sc_error *err)
{
  if (root->containers_fd < 0 || faccessat(root->containers_fd, ".", W_OK, AT_EACCESS) < 0)
    return 0;
  _cleanup_strv_ char **all = NULL;
  if (sc_list_dir_at(root->containers_fd, &all, err) < 0)
    return sc_error_prefix(err, "%s/%s", root->path, SC_CONTAINERS_DIR);
  _cleanup_strv_ char **names = xcalloc(1, sizeof(char *));
  for (size_t i = 0; all[i]; i++)
    push_names_of(all[i], &names);
  for (size_t i = 0; names[i]; i++) {
    sc_install_options options = {.size = sizeof options, .name = names[i]};
    if (sc_txn_recover(root, &options, err) < 0)
      return -1;
  }
  return 0;
}
