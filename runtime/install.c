/* install.c: install and update (docs/design.md section 4).  A change is one
 * transaction (txn.h): the deployment is built in a private staging
 * directory, the host files, unit and tmpfiles file are written beside
 * their destinations under temporary names, and only the commit of the
 * journal makes them, the slot and the NAME symlink switch. */
#include <sc/install.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sc/template.h>
#include "bind-tmpfiles.h"
#include "deploy.h"
#include "exports.h"
#include "hostfs.h"
#include "image-internal.h"
#include "install-internal.h"
#include "jsonpos.h"
#include "manifest-internal.h"
#include "process.h"
#include "txn.h"
#include "util.h"

#define DEFAULT_RUNTIME "/usr/bin/runc"

typedef struct deploy_job {
  const sc_image *image;
  const sc_install_options *options;
  sc_root *root;
  int index;
  json_t *saved_info; /* update: info of the deployment being replaced as active */
  sc_txn txn;
  int staging_fd;
  int rootfs_fd;
  sc_exports exports;
  sc_values *values;
  bool has_service;
  sc_hostfs_record hostfs;
  json_t *info;
} deploy_job;

static void job_clear(deploy_job *job)
{
  /* Directory fds: a close has no write to report. */
  if (job->rootfs_fd >= 0)
    close(job->rootfs_fd);
  if (job->staging_fd >= 0)
    close(job->staging_fd);
  sc_txn_clear(&job->txn);
  sc_exports_clear(&job->exports);
  sc_values_free(job->values);
  sc_hostfs_record_clear(&job->hostfs);
  json_decref(job->info);
}

static const char *runtime_path(const sc_install_options *options)
{
  return options->runtime_path ? options->runtime_path : DEFAULT_RUNTIME;
}

/* atomic adds --systemd-cgroup when the runtime's --help offers it. */
static bool runtime_offers_systemd_cgroup(const sc_install_options *options)
{
  if (options->no_systemd_cgroup)
    return false;
  char *argv[] = {(char *)runtime_path(options), (char *)"--help", NULL};
  sc_spawn_result result = {0};
  if (sc_spawn_capture(argv, NULL, 1 << 20, &result, NULL) < 0)
    return false;
  bool offers = strstr(result.output, "--systemd-cgroup") != NULL;
  sc_spawn_result_clear(&result);
  return offers;
}

/* The deployment stays mode 0700, as podman keeps its storage: an image's
 * device nodes and setuid files must not be reachable by other users. */
static int prepare_staging(deploy_job *job, sc_error *err)
{
  const char *staging = sc_txn_staging(&job->txn);
  if (mkdirat(job->root->containers_fd, staging, 0700) < 0)
    return sc_error_set_errno(err, errno, "cannot create a staging directory in %s/%s",
                              job->root->path, SC_CONTAINERS_DIR);
  job->staging_fd =
      openat(job->root->containers_fd, staging, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (job->staging_fd < 0 || fchmod(job->staging_fd, 0700) < 0)
    return sc_error_set_errno(err, errno, "cannot open the staging directory");
  if (mkdirat(job->staging_fd, "rootfs", 0755) < 0)
    return sc_error_set_errno(err, errno, "cannot create rootfs");
  job->rootfs_fd = openat(job->staging_fd, "rootfs", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (job->rootfs_fd < 0)
    return sc_error_set_errno(err, errno, "cannot open rootfs");
  return 0;
}

static int checkout_layers(deploy_job *job, sc_error *err)
{
  sc_checkout_options options = SC_CHECKOUT_OPTIONS_INIT;
  options.interrupted = job->options->interrupted;
  return sc_image_checkout(job->image, job->rootfs_fd, &options, err);
}

sc_values *sc_values_from_info(json_t *info)
{
  sc_values *values = sc_values_new();
  const char *key;
  json_t *value;
  json_object_foreach(json_object_get(info, "values"), key, value)
  {
    if (json_is_string(value)) {
      sc_values_set(values, key, json_string_value(value));
    } else if (json_is_integer(value)) {
      _cleanup_free_ char *number = xasprintf("%" JSON_INTEGER_FORMAT, json_integer_value(value));
      sc_values_set(values, key, number);
    }
  }
  return values;
}

static int compute_values(deploy_job *job, sc_error *err)
{
  sc_values *defaults = sc_values_copy(job->exports.manifest->default_values);
  sc_values *saved = job->saved_info ? sc_values_from_info(job->saved_info) : NULL;
  _cleanup_free_ char *destdir = sc_deploy_destdir_in_root(job->options->name, job->index);
  sc_values_context ctx = {
      .size = sizeof ctx,
      .name = job->options->name,
      .destdir = destdir,
      .runtime_path = runtime_path(job->options),
      .runtime_systemd_cgroup = runtime_offers_systemd_cgroup(job->options),
      .installer_path = job->options->installer_path,
      .image_name = job->image->name,
      .image_id = sc_image_id(job->image),
      .service_template = job->exports.service,
      .host_uid = (unsigned)getuid(),
      .host_gid = (unsigned)getgid(),
      .saved = saved,
      .set = job->options->set,
      .defaults = defaults,
  };
  int r = sc_values_compute(&ctx, &job->values, NULL, err);
  sc_values_free(defaults);
  sc_values_free(saved);
  return r;
}

/* The file an image holds its runc configuration in, for messages. */
static const char *config_file(const deploy_job *job)
{
  return job->exports.config_is_template ? "/exports/config.json.template" : "/exports/config.json";
}

/* An error about root.KEY at its place in the image's file (the key's
 * parent when the key is missing). */
static int root_key_error(const deploy_job *job, const char *key, const char *msg, sc_error *err)
{
  const sc_exports *e = &job->exports;
  sc_jsonpos_step path[] = {SC_JSONPOS_KEY("root"), SC_JSONPOS_KEY(key)};
  sc_jsonpos pos;
  sc_jsonpos_find(e->config, e->config_len, path, 2, &pos);
  return sc_error_set_at(err, SC_E_INVALID, config_file(job), pos.value_line, pos.value_col,
                         "config.json: %s", msg);
}

/* atomic's _check_oci_configuration_file. */
static int check_config(const deploy_job *job, const json_t *config, sc_error *err)
{
  json_t *root = json_object_get(config, "root");
  const char *path = json_string_value(json_object_get(root, "path"));
  bool path_ok = path && strcmp(path, "rootfs") == 0;
  bool readonly = json_is_true(json_object_get(root, "readonly"));
  bool empty = json_object_size(config) == 0; /* atomic accepts {} */
  if (!empty && !path_ok)
    return root_key_error(job, "path", "root.path must be \"rootfs\"", err);
  if (!empty && !readonly)
    return root_key_error(job, "readonly",
                          "root.readonly must be true (only read-only images are supported)", err);
  return 0;
}

static int render_to(deploy_job *job, const char *text, size_t len, const char *label,
                     unsigned flags, const char *dest, char **out, size_t *out_len, sc_error *err)
{
  if (sc_template_render(text, len, label, job->values, flags, out, out_len, err) < 0)
    return -1;
  return sc_write_file_at(job->staging_fd, dest, *out, *out_len, 0644, err);
}

/* No tmpfiles.template: atomic writes, and renders with the values like a
 * template, a line for each bind source the host lacks. */
static int render_bind_tmpfiles(deploy_job *job, const json_t *config, const char *dest,
                                sc_error *err)
{
  _cleanup_free_ char *lines = NULL, *rendered = NULL;
  size_t len = 0;
  if (sc_bind_tmpfiles_lines(config, getuid(), getgid(), &lines, err) < 0)
    return -1;
  if (lines[0] == '\0')
    return 0; /* atomic writes no tmpfiles file then */
  return render_to(job, lines, strlen(lines), "the tmpfiles lines for missing bind sources",
                   SC_TEMPLATE_TMPFILES_VALUES, dest, &rendered, &len, err);
}

/* config.json as an install writes it: the template rendered, or a plain
 * config.json copied unchanged (atomic's _write_config_to_dest). */
static int render_config(deploy_job *job, char **config, size_t *len, sc_error *err)
{
  const sc_exports *e = &job->exports;
  if (e->config_is_template)
    return render_to(job, e->config, e->config_len, "/exports/config.json.template",
                     SC_TEMPLATE_JSON_STRING_VALUES, "config.json", config, len, err);
  *len = e->config_len;
  *config = xstrndup(e->config, *len);
  return sc_write_file_at(job->staging_fd, "config.json", *config, *len, 0644, err);
}

/* A JSON error points into the file the image holds: in a template, at the
 * literal text or the placeholder whose value it falls in. */
static int parse_config(const deploy_job *job, const char *text, size_t len, json_t **out,
                        sc_error *err)
{
  json_error_t jerr;
  *out = json_loadb(text, len, 0, &jerr);
  if (*out != NULL)
    return 0;
  const sc_exports *e = &job->exports;
  if (!e->config_is_template)
    return sc_error_set_at(err, SC_E_INVALID, config_file(job), jerr.line, jerr.column,
                           "config.json is not JSON: %s", jerr.text);
  _cleanup_free_ char *variable = NULL;
  size_t rendered = jerr.position > 0 ? (size_t)jerr.position - 1 : 0;
  size_t offset =
      sc_template_source_offset(e->config, e->config_len, job->values, rendered, &variable);
  int line, col;
  sc_text_position(e->config, e->config_len, offset, &line, &col);
  return sc_error_set_at(err, SC_E_INVALID, config_file(job), line, col,
                         "after rendering with the values, config.json is not JSON: %s "
                         "(rendered line %d, column %d%s%s%s)",
                         jerr.text, jerr.line, jerr.column, variable ? ", in the value of '" : "",
                         variable ? variable : "", variable ? "'" : "");
}

static int render_files(deploy_job *job, sc_error *err)
{
  const char *name = job->options->name;
  _cleanup_free_ char *config = NULL, *unit = NULL, *tmpfiles = NULL;
  _cleanup_(json_decrefp) json_t *parsed = NULL;
  size_t len = 0;
  if (render_config(job, &config, &len, err) < 0 ||
      parse_config(job, config, len, &parsed, err) < 0 || check_config(job, parsed, err) < 0)
    return -1;
  job->has_service = !job->exports.manifest->no_container_service;
  _cleanup_free_ char *unit_name = sc_txn_deployment_file(name, SC_TXN_UNIT);
  if (job->has_service &&
      render_to(job, job->exports.service, job->exports.service_len, "/exports/service.template",
                SC_TEMPLATE_UNIT_VALUES, unit_name, &unit, &len, err) < 0)
    return -1;
  _cleanup_free_ char *tmpfiles_name = sc_txn_deployment_file(name, SC_TXN_TMPFILES);
  if (job->exports.tmpfiles == NULL)
    return render_bind_tmpfiles(job, parsed, tmpfiles_name, err);
  return render_to(job, job->exports.tmpfiles, job->exports.tmpfiles_len,
                   "/exports/tmpfiles.template", SC_TEMPLATE_TMPFILES_VALUES, tmpfiles_name,
                   &tmpfiles, &len, err);
}

/* atomic writes HOST_UID and HOST_GID as the numbers os.getuid() and
 * os.getgid() return, every other value as a string. */
static json_t *values_to_json(const sc_values *values)
{
  json_t *o = json_object();
  for (size_t i = 0; i < sc_values_count(values); i++) {
    const char *key = sc_values_key_at(values, i), *value = sc_values_value_at(values, i);
    bool numeric = strcmp(key, "HOST_UID") == 0 || strcmp(key, "HOST_GID") == 0;
    json_object_set_new(o, key,
                        numeric ? json_integer(strtoll(value, NULL, 10)) : json_string(value));
  }
  return o;
}

/* atomic names an image of its OSTree repository by NAME:TAG alone and
 * finds it in its repository (update); sc-build also keeps the reference
 * it opened, repository included, to reopen it itself. */
static const char *atomic_image_name(const sc_image *image)
{
  return image->kind == SC_IMAGE_OSTREE ? image->name : image->reference;
}

/* The info file: atomic's keys with atomic's types, so that each tool can
 * update, roll back and uninstall what the other installed. */
static json_t *build_info(const deploy_job *job)
{
  const sc_manifest *manifest = job->exports.manifest;
  json_t *templated = json_array();
  for (size_t i = 0; i < manifest->installed_files_count; i++)
    json_array_append_new(templated, json_string(manifest->installed_files_template[i]));
  json_t *info =
      json_pack("{s:s, s:s, s:s?, s:I, s:o, s:b, s:o, s:O, s:n, s:s, s:n, s:b, s:s}", "image",
                atomic_image_name(job->image), "revision", sc_image_id(job->image), "ostree-commit",
                job->image->ostree_commit, "created", (json_int_t)time(NULL), "values",
                values_to_json(job->values), "has-container-service", job->has_service,
                "installed-files-template", templated, "rename-installed-files",
                job->hostfs.renamed, "rpm-installed", "system-package", "no", "remote", "use-links",
                manifest->use_links, "runtime", runtime_path(job->options));
  sc_hostfs_record_to_info(&job->hostfs, info);
  json_object_set_new(info, SC_INFO_IMAGE_REFERENCE, json_string(job->image->reference));
  return info;
}

/* The replaced deployment's host files that the new one does not have:
 * removed (when unchanged) once the change is committed. */
static void set_removals(sc_txn *txn, json_t *replaced_info, json_t *new_files)
{
  json_t *old = NULL, *checksums = NULL;
  sc_hostfs_info_files(replaced_info, &old, &checksums);
  json_t *remove = json_array();
  size_t i, j;
  json_t *v, *w;
  json_array_foreach(old, i, v)
  {
    bool kept = false;
    json_array_foreach(new_files, j, w) kept = kept || json_equal(v, w);
    if (!kept)
      json_array_append(remove, v);
  }
  json_object_set_new(txn->doc, "remove-files", remove);
  json_object_set_new(txn->doc, "remove-checksums", checksums);
  json_decref(old);
}

/* Check the host files of a deployment against the host and the replaced
 * deployment (replaced_info, or NULL), journal what will be written, then
 * write it beside the destinations under temporary names. */
static int stage_hostfs_from(sc_txn *txn, int rootfs_fd, const sc_exports *exports,
                             const sc_values *values, json_t *replaced_info,
                             sc_hostfs_record *record, sc_error *err)
{
  json_t *replaced_files = NULL, *replaceable = NULL;
  sc_hostfs_info_files(replaced_info, &replaced_files, &replaceable);
  json_decref(replaced_files);
  sc_hostfs_plan plan = {
      .values = values,
      .templated = exports->manifest->installed_files_template,
      .rename = exports->manifest->rename_files,
      .use_links = exports->manifest->use_links,
      .temp_suffix = txn->suffix,
      .replaceable = replaceable,
  };
  json_t *files = NULL, *dirs = NULL;
  int r = sc_hostfs_check(rootfs_fd, txn->root->fd, &plan, &files, &dirs, err);
  json_object_set_new(txn->doc, "new-files", files);
  json_object_set_new(txn->doc, "new-dirs", dirs);
  if (r == 0)
    r = sc_txn_save(txn, err);
  if (r == 0)
    r = sc_hostfs_install(rootfs_fd, txn->root->fd, &plan, record, err);
  if (r == 0)
    r = sc_txn_step(txn->options, "hostfs", err);
  if (r == 0)
    set_removals(txn, replaced_info, record->files);
  json_decref(replaceable);
  return r;
}

int sc_deploy_stage_hostfs(struct sc_txn *txn, int index, json_t *info, json_t *replaced_info,
                           sc_error *err)
{
  _cleanup_free_ char *rootfs = xasprintf("%s.%d/rootfs", txn->name, index);
  _cleanup_close_ int rootfs_fd =
      openat(txn->root->containers_fd, rootfs, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (rootfs_fd < 0 && errno != ENOENT)
    return sc_error_set_errno(err, errno, "cannot open %s", rootfs);
  sc_exports exports = {0};
  if (rootfs_fd >= 0 && sc_exports_read(rootfs_fd, &exports, err) < 0)
    return -1;
  sc_values *values = sc_values_from_info(info);
  sc_hostfs_record record = {0};
  int r = 0;
  if (rootfs_fd >= 0)
    r = stage_hostfs_from(txn, rootfs_fd, &exports, values, replaced_info, &record, err);
  else /* noContainerService: no rootfs kept, no host files to put back */
    set_removals(txn, replaced_info, NULL);
  sc_values_free(values);
  sc_exports_clear(&exports);
  sc_hostfs_record_clear(&record);
  return r;
}

static int write_info(deploy_job *job, sc_error *err)
{
  job->info = build_info(job);
  _cleanup_free_ char *text = json_dumps(job->info, JSON_INDENT(4) | JSON_SORT_KEYS);
  _cleanup_free_ char *with_newline = xasprintf("%s\n", text);
  if (sc_write_file_at(job->staging_fd, "info", with_newline, strlen(with_newline), 0644, err) < 0)
    return -1;
  if (syncfs(job->staging_fd) < 0)
    return sc_error_set_errno(err, errno, "cannot sync the new deployment");
  return 0;
}

/* Build everything of the deployment in staging; nothing outside it
 * changes here. */
static int build_deployment(deploy_job *job, sc_error *err)
{
  const sc_install_options *o = job->options;
  if (prepare_staging(job, err) < 0 || sc_txn_step(o, "staging", err) < 0 ||
      checkout_layers(job, err) < 0 || sc_txn_step(o, "checkout", err) < 0 ||
      sc_exports_read(job->rootfs_fd, &job->exports, err) < 0 || compute_values(job, err) < 0 ||
      render_files(job, err) < 0 || sc_txn_step(o, "render", err) < 0)
    return -1;
  return 0;
}

/* Everything the change writes outside staging, under temporary names. */
static int stage_host_side(deploy_job *job, sc_error *err)
{
  if (stage_hostfs_from(&job->txn, job->rootfs_fd, &job->exports, job->values, job->saved_info,
                        &job->hostfs, err) < 0)
    return -1;
  if (!job->has_service && sc_rm_rf_at(job->staging_fd, "rootfs", err) < 0)
    return -1;
  if (write_info(job, err) < 0 || sc_txn_step(job->options, "info", err) < 0)
    return -1;
  return sc_txn_stage_unit_files(&job->txn, job->staging_fd, ".", err);
}

static void fill_result(deploy_job *job, sc_install_result *result)
{
  result->deployment = sc_deploy_destdir(job->root, job->options->name, job->index);
  result->index = job->index;
  result->info = json_incref(job->info);
}

static int run_job(deploy_job *job, sc_install_result *result, sc_error *err)
{
  const char *op = job->saved_info ? "update" : "install";
  int r = sc_txn_begin(&job->txn, job->root, job->options, op, job->index, true, err);
  if (r == 0) {
    r = build_deployment(job, err) < 0 || stage_host_side(job, err) < 0 ? -1 : 0;
    if (r < 0)
      sc_txn_abort(&job->txn);
    else
      r = sc_txn_commit(&job->txn, NULL, err);
  }
  if (r == 0)
    fill_result(job, result);
  job_clear(job);
  return r;
}

static int refuse_existing(const sc_root *root, const char *name, sc_error *err)
{
  int active = sc_deploy_active(root, name, err);
  if (active < -1)
    return -1;
  if (active >= 0)
    return sc_error_set(err, SC_E_EXISTS,
                        "a container '%s' is already installed in %s: use 'sc-build update %s' "
                        "or uninstall it first",
                        name, root->path[0] ? root->path : "/", name);
  for (int i = 0; i < 2; i++)
    if (sc_deploy_exists(root, name, i))
      return sc_error_set(err, SC_E_EXISTS,
                          "%s/%s/%s.%d exists without an active link: remove the leftover "
                          "deployment first",
                          root->path, SC_CONTAINERS_DIR, name, i);
  for (sc_txn_unit_file which = SC_TXN_UNIT; which <= SC_TXN_TMPFILES; which++) {
    _cleanup_free_ char *path = sc_txn_host_file(name, which);
    struct stat st;
    if (fstatat(root->fd, path, &st, AT_SYMLINK_NOFOLLOW) == 0)
      return sc_error_set(err, SC_E_EXISTS, "the file %s/%s already exists", root->path, path);
  }
  return 0;
}

int sc_install(const sc_image *image, const sc_install_options *caller_options,
               sc_install_result *result, sc_error *err)
{
  *result = (sc_install_result){0};
  sc_install_options known;
  if (sc_options_read(caller_options, sizeof known, &known, "install options", err) < 0)
    return -1;
  const sc_install_options *options = &known;
  if (!sc_container_name_is_valid(options->name))
    return sc_error_set(err, SC_E_USAGE,
                        "invalid container name '%s': use letters, digits, '_', '-' and '.'",
                        options->name ? options->name : "");
  sc_root root;
  if (sc_root_open(options->root, true, &root, err) < 0 ||
      sc_txn_recover(&root, options, err) < 0 || refuse_existing(&root, options->name, err) < 0) {
    sc_root_close(&root);
    return -1;
  }
  deploy_job job = {.image = image,
                    .options = options,
                    .root = &root,
                    .index = 0,
                    .staging_fd = -1,
                    .rootfs_fd = -1};
  int r = run_job(&job, result, err);
  sc_root_close(&root);
  return r < 0 ? sc_error_prefix(err, "installing %s", options->name) : 0;
}

/* atomic: "Latest version already installed" when the image is the same and
 * every --set value equals the saved one. */
static bool update_changes_nothing(const sc_image *image, json_t *info, const sc_values *set)
{
  const char *revision = json_string_value(json_object_get(info, "revision"));
  if (revision == NULL || strcmp(revision, sc_image_id(image)) != 0)
    return false;
  json_t *saved = json_object_get(info, "values");
  for (size_t i = 0; i < sc_values_count(set); i++) {
    const char *old = json_string_value(json_object_get(saved, sc_values_key_at(set, i)));
    if (old == NULL || strcmp(old, sc_values_value_at(set, i)) != 0)
      return false;
  }
  return true;
}

/* atomic's OSTree repository, as its _find_ostree_repo_location finds it:
 * $ATOMIC_OSTREE_REPO (given), else /ostree/repo when it exists, else the
 * storage beside the deployments (both in the root). */
static char *atomic_repository(const sc_root *root, const char *given)
{
  if (given && given[0])
    return xstrdup(given);
  if (faccessat(root->fd, "ostree/repo/config", F_OK, 0) == 0)
    return xasprintf("%s/ostree/repo", root->path);
  return xasprintf("%s/%s/.storage/ostree", root->path, SC_CONTAINERS_DIR);
}

/* The image an update without --image deploys again: the reference
 * sc-build opened, or, in what atomic installed, the NAME:TAG of an image
 * in atomic's repository. */
static char *installed_image_reference(const sc_root *root, const sc_install_options *options,
                                       json_t *info)
{
  const char *ours = json_string_value(json_object_get(info, SC_INFO_IMAGE_REFERENCE));
  if (ours)
    return xstrdup(ours);
  const char *image = json_string_value(json_object_get(info, "image"));
  if (image == NULL)
    return NULL;
  if (sc_str_has_prefix(image, "oci:") || sc_str_has_prefix(image, "ostree:"))
    return xstrdup(image);
  _cleanup_free_ char *repo = atomic_repository(root, options->atomic_ostree_repo);
  return xasprintf("ostree:%s@%s", image, repo);
}

static int update_in_root(sc_root *root, const sc_image *image, const sc_install_options *options,
                          sc_install_result *result, sc_error *err)
{
  int active = sc_deploy_active(root, options->name, err);
  if (active < -1)
    return -1;
  if (active == -1)
    return sc_error_set(err, ENOENT, "no container '%s' is installed in %s", options->name,
                        root->path[0] ? root->path : "/");
  _cleanup_(json_decrefp) json_t *info = NULL;
  if (sc_deploy_read_info(root, options->name, active, &info, err) < 0)
    return -1;
  sc_image *reopened = NULL;
  if (image == NULL) {
    _cleanup_free_ char *ref = installed_image_reference(root, options, info);
    if (ref == NULL || sc_image_open(ref, &reopened, err) < 0)
      return ref ? sc_error_prefix(err, "reopening the installed image (give one with --image)")
                 : sc_error_set(err, SC_E_INVALID, "the deployment's info names no image");
    image = reopened;
  }
  int r = 0;
  if (update_changes_nothing(image, info, options->set)) {
    result->nothing_to_do = true;
    result->index = active;
    result->deployment = sc_deploy_destdir(root, options->name, active);
    result->info = json_incref(info);
  } else {
    deploy_job job = {.image = image,
                      .options = options,
                      .root = root,
                      .index = 1 - active,
                      .saved_info = info,
                      .staging_fd = -1,
                      .rootfs_fd = -1};
    r = run_job(&job, result, err);
  }
  sc_image_free(reopened);
  return r;
}

int sc_update(const sc_image *image, const sc_install_options *caller_options,
              sc_install_result *result, sc_error *err)
{
  *result = (sc_install_result){0};
  sc_install_options known;
  if (sc_options_read(caller_options, sizeof known, &known, "install options", err) < 0)
    return -1;
  const sc_install_options *options = &known;
  if (!sc_container_name_is_valid(options->name))
    return sc_error_set(err, SC_E_USAGE, "invalid container name '%s'",
                        options->name ? options->name : "");
  sc_root root;
  int r = sc_root_open(options->root, true, &root, err);
  if (r == 0)
    r = sc_txn_recover(&root, options, err);
  if (r == 0)
    r = update_in_root(&root, image, options, result, err);
  sc_root_close(&root);
  return r < 0 ? sc_error_prefix(err, "updating %s", options->name) : 0;
}

sc_install_result *sc_install_result_new(void)
{
  return xcalloc(1, sizeof(sc_install_result));
}

void sc_install_result_free(sc_install_result *result)
{
  if (result == NULL)
    return;
  sc_install_result_clear(result);
  free(result);
}

void sc_install_result_clear(sc_install_result *result)
{
  free(result->deployment);
  sc_strv_free(result->kept_files);
  json_decref(result->info);
  *result = (sc_install_result){0};
}

const char *sc_install_result_deployment(const sc_install_result *result)
{
  return result->deployment;
}

int sc_install_result_index(const sc_install_result *result)
{
  return result->index;
}

bool sc_install_result_nothing_to_do(const sc_install_result *result)
{
  return result->nothing_to_do;
}

char *const *sc_install_result_kept_files(const sc_install_result *result)
{
  return result->kept_files;
}

json_t *sc_install_result_info(const sc_install_result *result)
{
  return result->info;
}
