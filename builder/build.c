/* build.c: `sc-build build`: layer, config, manifest and index, written
 * atomically in one of three forms (docs/design.md section 3). */
#include "build.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sc/image.h>
#include <sc/imageref.h>

#include "descriptor.h"
#include "digest.h"
#include "image-archive.h"
#include "image-source.h"
#include "layer-cache.h"
#include "platform.h"
#include "referrer.h"
#include "registry.h"
#include "oci.h"
#include "store.h"
#include "util.h"

typedef struct build_ctx {
  const sc_project *project;
  const sc_build_options *opts;
  sc_build_result *result;
  int64_t mtime;
  char created[32];
  int parent_fd;   /* the directory DEST is in */
  char *dest_base; /* DEST's last component */
  char *tmp_dir;   /* hidden layout dir in parent_fd, NULL when writing in place */
  char *tmp_file;  /* hidden archive file in parent_fd, or NULL */
  int layout_fd;
  int blobs_fd;
  /* What one platform's image is made of (reset between the platforms of
   * a multi-platform build). */
  const sc_platform *want; /* the platform asked for, or NULL: opts' os/arch/variant */
  sc_image *base;
  sc_platform platform;  /* what the image is for */
  char *platform_rootfs; /* "rootfs.OS-ARCH/" when the project has one for it */
  json_t *layers;        /* manifest layer descriptors */
  json_t *config;
  json_t *manifest;
  json_t *manifest_descriptor; /* the manifest's, then (index.json's entry) the image's */
  /* Every platform shares the rootfs/ and /exports layers: written once. */
  sc_layer_result shared_rootfs, shared_exports;
  bool have_rootfs, have_exports;
  json_t *written;   /* descriptors of every blob this build names, for a merge */
  json_t *platforms; /* per-platform results (sc_build_result.platforms) */
} build_ctx;

void sc_build_result_clear(sc_build_result *result)
{
  free(result->path);
  free(result->reference);
  free(result->tag);
  json_decref(result->layers);
  json_decref(result->platforms);
  sc_pull_result_clear(&result->base_pull);
  *result = (sc_build_result){0};
}

static const char *const format_names[] = {"oci", "oci-archive", "docker-archive"};

int sc_image_format_parse(const char *name, sc_image_format *out, sc_error *err)
{
  for (size_t i = 0; i < sizeof format_names / sizeof format_names[0]; i++)
    if (strcmp(name, format_names[i]) == 0) {
      *out = (sc_image_format)i;
      return 0;
    }
  return sc_error_set(err, SC_E_USAGE,
                      "unknown format '%s' (choose oci, oci-archive or docker-archive)", name);
}

const char *sc_image_format_name(sc_image_format format)
{
  return format_names[format];
}

static int check_interrupted(const build_ctx *c, sc_error *err)
{
  return sc_check_interrupted(c->opts->interrupted, NULL, err);
}

/* ---- where the output goes ---- */

static char *default_dest(const sc_project *project, sc_image_format format)
{
  static const char *const suffixes[] = {".oci", ".oci.tar", ".docker.tar"};
  return xasprintf("%s%s", project->image_name, suffixes[format]);
}

/* The prefix of DEST's temporary names beside it: ".DEST.tmp-". */
static char *tmp_prefix(const build_ctx *c)
{
  return xasprintf(".%s.tmp-", c->dest_base);
}

static int make_tmp_layout(build_ctx *c, sc_error *err)
{
  _cleanup_free_ char *prefix = tmp_prefix(c);
  c->layout_fd = sc_store_tmp_create(c->parent_fd, prefix, NULL, true, &c->tmp_dir, err);
  if (c->layout_fd < 0)
    return sc_error_prefix(err, "cannot create a temporary directory next to %s", c->result->path);
  return sc_oci_layout_init(c->layout_fd, err);
}

/* Writing into an existing layout: hold its lock from the first blob to
 * the last garbage collection, so that no other run reads index.json
 * between our read and our write, or collects a blob we are about to
 * name.  Under the lock, any temporary file in it is a dead run's. */
static int lock_layout(build_ctx *c, sc_error *err)
{
  if (sc_store_lock(c->layout_fd, c->result->path, c->opts->interrupted, err) < 0)
    return -1;
  sc_store_remove_stale(c->layout_fd, ".index.json.tmp-");
  _cleanup_close_ int blobs_fd = sc_oci_open_blobs(c->layout_fd, err);
  if (blobs_fd < 0)
    return sc_error_prefix(err, "%s", c->result->path);
  /* Blobs are named by their hex digest: every hidden name is a
   * temporary (.tmp-layer-, .tmp-copy-, .HEX.tmp-). */
  sc_store_remove_stale(blobs_fd, ".");
  return 0;
}

/* An existing DEST: a layout to add to (oci), a file to replace (archives),
 * anything else refused. */
/* An archive replaces only an archive: a file that is not a tar (its
 * header's "ustar" magic, POSIX.1 pax and GNU alike) is somebody's data. */
static bool is_tar_file(int parent_fd, const char *name)
{
  _cleanup_close_ int fd =
      openat(parent_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  char header[512];
  return fd >= 0 && pread(fd, header, sizeof header, 0) == (ssize_t)sizeof header &&
         memcmp(header + 257, "ustar", 5) == 0;
}

static int open_existing_dest(build_ctx *c, const struct stat *st, sc_error *err)
{
  const char *dest = c->result->path;
  if (c->opts->format != SC_FORMAT_OCI) {
    if (!S_ISREG(st->st_mode))
      return sc_error_set(err, SC_E_EXISTS, "%s exists and is not a file; choose another -o", dest);
    if (st->st_size > 0 && !is_tar_file(c->parent_fd, c->dest_base))
      return sc_error_set(err, SC_E_EXISTS,
                          "%s exists and is not a tar archive: sc-build replaces only an "
                          "archive; remove it or choose another -o",
                          dest);
    return make_tmp_layout(c, err);
  }
  if (!S_ISDIR(st->st_mode))
    return sc_error_set(err, SC_E_EXISTS,
                        "%s exists and is not an OCI image layout; remove it or choose another -o",
                        dest);
  c->layout_fd =
      openat(c->parent_fd, c->dest_base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (c->layout_fd < 0)
    return sc_error_set_errno(err, errno, "cannot open %s", dest);
  if (!sc_oci_is_layout(c->layout_fd))
    return sc_error_set(err, SC_E_EXISTS,
                        "%s exists and is not an OCI image layout (no oci-layout file); remove "
                        "it or choose another -o",
                        dest);
  return lock_layout(c, err);
}

static int prepare_dest(build_ctx *c, sc_error *err)
{
  const char *dest = c->result->path;
  _cleanup_free_ char *parent = sc_path_dirname(dest);
  c->dest_base = sc_path_basename(dest);
  if (c->dest_base[0] == '\0' || strcmp(c->dest_base, ".") == 0 || strcmp(c->dest_base, "..") == 0)
    return sc_error_set(err, SC_E_USAGE, "'%s' cannot be an output path", dest);
  c->parent_fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (c->parent_fd < 0)
    return sc_error_set_errno(err, errno, "cannot open directory %s", parent);
  /* What killed builds of this DEST left beside it. */
  _cleanup_free_ char *prefix = tmp_prefix(c);
  sc_store_remove_stale(c->parent_fd, prefix);
  struct stat st;
  if (fstatat(c->parent_fd, c->dest_base, &st, AT_SYMLINK_NOFOLLOW) == 0)
    return open_existing_dest(c, &st, err);
  if (errno != ENOENT)
    return sc_error_set_errno(err, errno, "cannot stat %s", dest);
  return make_tmp_layout(c, err);
}

/* ---- the base image (--from) ---- */

/* The platform asked for (NULL members: not asked). */
static sc_image_platform wanted_platform(const build_ctx *c)
{
  if (c->want)
    return (sc_image_platform){c->want->os, c->want->architecture, c->want->variant};
  return (sc_image_platform){c->opts->os, c->opts->arch, c->opts->variant};
}

/* A docker:// base goes through the pull cache and is read from there;
 * from an index, the manifest of the platform asked for (else the host's). */
static int open_base(build_ctx *c, sc_error *err)
{
  const char *from = c->opts->from;
  static const sc_pull_options defaults = {.registry.tls_verify = true};
  sc_pull_options pull = c->opts->pull ? *c->opts->pull : defaults;
  if (pull.registry.interrupted == NULL)
    pull.registry.interrupted = c->opts->interrupted;
  sc_image_platform want = wanted_platform(c);
  if (want.architecture) { /* a docker:// index: this platform's manifest */
    pull.os = want.os;
    pull.architecture = want.architecture;
    pull.variant = want.variant;
  }
  sc_image_source_options options = {
      .pull = &pull, .need_layout = true, .base_image = true, .tmpdir = c->opts->tmpdir};
  sc_image_source src;
  if (sc_image_source_resolve(from, &options, &src, err) < 0)
    return sc_error_prefix(err, "base image");
  sc_pull_result_clear(&c->result->base_pull);
  c->result->base_pull = src.pulled;
  src.pulled = (sc_pull_result){0};
  /* sc_image_open applies the runtime's rules (descriptor.h): layer
   * media types, one diff_id per layer, at most 127 layers. */
  int rc = sc_image_open_platform(src.local, want.architecture ? &want : NULL, &c->base, err);
  sc_image_source_clear(&src);
  return rc < 0 ? sc_error_prefix(err, "base image %s", from) : 0;
}

/* --os, --arch and --variant (normalised), else the base's, else linux on
 * this machine's architecture; a platform other than the base's would
 * put its binaries on machines that cannot run them, unless forced. */
static int choose_platform(build_ctx *c, sc_error *err)
{
  const sc_build_options *o = c->opts;
  sc_image_platform want = wanted_platform(c);
  if (sc_platform_normalize(want.os, want.architecture, want.variant, &c->platform, err) < 0)
    return -1;
  sc_platform base = {0};
  json_t *config = c->base ? c->base->config : NULL;
  if (config)
    sc_platform_normalize(json_string_value(json_object_get(config, "os")),
                          json_string_value(json_object_get(config, "architecture")),
                          json_string_value(json_object_get(config, "variant")), &base, NULL);
  sc_platform *p = &c->platform;
  bool arch_given = p->architecture != NULL;
  if (p->os == NULL)
    p->os = xstrdup(base.os ? base.os : "linux");
  if (p->architecture == NULL)
    p->architecture = base.architecture ? xstrdup(base.architecture) : sc_host_architecture();
  if (!arch_given && p->variant == NULL && base.variant)
    p->variant = xstrdup(base.variant);
  bool differs =
      base.architecture && (strcmp(base.os ? base.os : "linux", p->os) != 0 ||
                            strcmp(base.architecture, p->architecture) != 0 ||
                            (base.variant && p->variant && strcmp(base.variant, p->variant) != 0));
  int rc = 0;
  if (differs && !o->force_platform) {
    _cleanup_free_ char *wanted = sc_platform_format(p), *have = sc_platform_format(&base);
    rc = sc_error_set(err, SC_E_USAGE,
                      "the base image %s is for %s, not %s: build on a base for %s, or give "
                      "--force-platform to build for %s anyway",
                      o->from_name ? o->from_name : o->from, have, wanted, wanted, wanted);
  }
  sc_platform_clear(&base);
  return rc;
}

static int copy_base_layers(build_ctx *c, sc_error *err)
{
  _cleanup_close_ int from_blobs = sc_oci_open_blobs(c->base->layout_fd, err);
  if (from_blobs < 0)
    return sc_error_prefix(err, "base image");
  for (size_t i = 0; i < c->base->layer_count; i++) {
    const sc_descriptor *d = &c->base->layers[i];
    /* Each layer is read whole before it is used: digest, size, its
     * media type's compression and the config's diff_id must all hold,
     * or the image we write would carry what its base only claimed. */
    if (check_interrupted(c, err) < 0 ||
        sc_image_verify_layer(c->base, i, c->opts->interrupted, err) < 0)
      return sc_error_prefix(err, "base image %s", c->opts->from);
    if (sc_oci_copy_blob(from_blobs, c->blobs_fd, d->digest, d->size, err) < 0)
      return sc_error_prefix(err, "copying base layer %s", d->digest);
    json_t *layer = json_pack("{s:s,s:s,s:I}", "mediaType", sc_oci_layer_media_type(d->media_type),
                              "digest", d->digest, "size", (json_int_t)d->size);
    /* descriptor.md: a layer's annotations travel with it */
    json_t *annotations = json_object_get(
        json_array_get(json_object_get(c->base->manifest, "layers"), i), "annotations");
    if (json_is_object(annotations))
      json_object_set_new(layer, "annotations", json_deep_copy(annotations));
    json_array_append_new(c->layers, layer);
  }
  return 0;
}

/* ---- layer, config, manifest ---- */

/* The project's two layers (image-spec layer.md), in this order:
 *  - rootfs/ at `/`: the big one, which an edit of a template leaves as it is;
 *  - /exports: the four files and hostfs/, a few kilobytes, so that an edit
 *    of a template rebuilds and re-pushes only them (the Dockerfiles of
 *    atomic-system-containers COPY them to /exports in a layer of their own).
 * A project without rootfs/ has only the second.  A build for listed
 * platforms (build.h, platforms) puts a platform's rootfs.OS-ARCH[-VARIANT]/
 * (project.h) in a layer of its own between them, so that every platform
 * shares the other two. */
typedef struct project_layers {
  sc_layer_result results[3];
  const char *created_by[3];
  size_t count;
} project_layers;

static sc_layer_options base_layer_options(const build_ctx *c)
{
  return (sc_layer_options){
      .rootfs_fd = -1,
      .hostfs_fd = -1,
      .allow_special = c->opts->allow_special,
      .mtime = c->mtime,
      .compression = c->opts->compression,
      .compression_level = c->opts->compression_level,
      .threads = c->opts->threads,
      .interrupted = c->opts->interrupted,
      .warnings = c->opts->warnings,
      .digest_only = c->opts->layer_blobs_discarded,
  };
}

static void append_descriptor(build_ctx *c, const sc_layer_result *layer)
{
  json_array_append_new(c->layers,
                        json_pack("{s:s,s:s,s:I}", "mediaType", layer->media_type, "digest",
                                  layer->digest, "size", (json_int_t)layer->size));
}

/* The layer, seen by the caller's hooks as it is written. */
static int write_layer(build_ctx *c, const sc_layer_options *lo, sc_layer_result *layer,
                       sc_error *err)
{
  const sc_build_layer_hooks *hooks = c->opts->layer_hooks;
  if (hooks == NULL)
    return sc_layer_write(lo, c->blobs_fd, layer, err);
  sc_layer_tap tap = {0};
  if (hooks->begin(hooks->user, &tap, err) < 0)
    return -1;
  sc_layer_options tapped = *lo;
  tapped.tap = &tap;
  if (sc_layer_write(&tapped, c->blobs_fd, layer, err) < 0) {
    sc_error ignored = SC_ERROR_INIT;
    hooks->end(hooks->user, NULL, &ignored);
    sc_error_clear(&ignored);
    return -1;
  }
  return hooks->end(hooks->user, layer, err);
}

static int add_layer(build_ctx *c, const sc_layer_options *lo, const char *created_by,
                     project_layers *out, sc_error *err)
{
  sc_layer_result *layer = &out->results[out->count];
  if (write_layer(c, lo, layer, err) < 0)
    return sc_error_prefix(err, "building the %s layer", created_by);
  out->created_by[out->count++] = created_by;
  append_descriptor(c, layer);
  return 0;
}

/* A tree's layer (rootfs/ or a platform's), or the one an unchanged tree
 * gave last time when its blob is in the output already (layer-cache.h); a
 * digest never depends on which. */
static int write_rootfs_layer(build_ctx *c, int tree_fd, const sc_tree_stamp *stamp,
                              const char *created_by, project_layers *out, sc_error *err)
{
  sc_layer_options rootfs = base_layer_options(c);
  rootfs.rootfs_fd = tree_fd;
  const char *cache_dir = c->opts->no_cache ? NULL : c->opts->layer_cache_dir;
  sc_layer_cache_key key;
  sc_error ignored = SC_ERROR_INIT;
  bool keyed =
      cache_dir && sc_layer_cache_key_of(&rootfs, stamp, (int64_t)time(NULL), &key, &ignored) == 0;
  sc_error_clear(&ignored);
  if (keyed && sc_layer_cache_lookup(cache_dir, &key, c->blobs_fd, &out->results[out->count])) {
    append_descriptor(c, &out->results[out->count]);
    out->created_by[out->count++] = created_by;
    c->result->layers_reused++;
    return 0;
  }
  rootfs.progress = c->opts->progress;
  rootfs.progress_user = c->opts->progress_user;
  if (add_layer(c, &rootfs, created_by, out, err) < 0)
    return -1;
  if (keyed)
    sc_layer_cache_store(cache_dir, &key, &out->results[out->count - 1]);
  return 0;
}

/* A layer another platform of this build has written already. */
static void reuse_layer(build_ctx *c, const sc_layer_result *layer, const char *created_by,
                        project_layers *out)
{
  out->results[out->count] = *layer;
  out->created_by[out->count++] = created_by;
  append_descriptor(c, layer);
}

/* The platform's own tree over rootfs/, when the project has one. */
static int write_platform_layer(build_ctx *c, project_layers *out, sc_error *err)
{
  int fd = -1;
  if (c->want == NULL || sc_project_open_platform_rootfs(c->project, &c->platform, &fd, err) < 0)
    return c->want == NULL ? 0 : -1;
  if (fd < 0)
    return 0;
  _cleanup_free_ char *name = sc_project_platform_rootfs_name(&c->platform);
  c->platform_rootfs = xasprintf("%s/", name);
  int rc = write_rootfs_layer(c, fd, NULL, c->platform_rootfs, out, err);
  close(fd);
  return rc;
}

static int write_exports_layer(build_ctx *c, project_layers *out, sc_error *err);

static int write_layers(build_ctx *c, project_layers *out, sc_error *err)
{
  const sc_project *p = c->project;
  if (p->rootfs_fd >= 0 && c->have_rootfs) {
    reuse_layer(c, &c->shared_rootfs, "rootfs/", out);
  } else if (p->rootfs_fd >= 0) {
    if (write_rootfs_layer(c, p->rootfs_fd, c->opts->rootfs_stamp, "rootfs/", out, err) < 0)
      return -1;
    c->shared_rootfs = out->results[out->count - 1];
    c->have_rootfs = true;
  }
  if (write_platform_layer(c, out, err) < 0)
    return -1;
  if (c->have_exports) {
    reuse_layer(c, &c->shared_exports, "/exports", out);
    return 0;
  }
  if (write_exports_layer(c, out, err) < 0)
    return -1;
  c->shared_exports = out->results[out->count - 1];
  c->have_exports = true;
  return 0;
}

/* The project's files at /exports and hostfs/ at /exports/hostfs. */
static int write_exports_layer(build_ctx *c, project_layers *out, sc_error *err)
{
  const sc_project *p = c->project;
  const struct {
    const char *name;
    const sc_text *text;
  } files[] = {{p->config_name, &p->config_template},
               {SC_FILE_MANIFEST, &p->manifest},
               {SC_FILE_SERVICE_TEMPLATE, &p->service_template},
               {SC_FILE_TMPFILES_TEMPLATE, &p->tmpfiles_template}};
  sc_layer_file exports[4];
  size_t n = 0;
  for (size_t i = 0; i < 4; i++)
    if (files[i].text->data)
      exports[n++] = (sc_layer_file){files[i].name, files[i].text->data, files[i].text->len};
  sc_layer_options lo = base_layer_options(c);
  lo.hostfs_fd = p->hostfs_fd;
  lo.hide_lower_exports = c->base != NULL;
  lo.exports = exports;
  lo.export_count = n;
  return add_layer(c, &lo, "/exports", out, err);
}

static void set_labels(build_ctx *c, json_t *labels)
{
  /* atomic reads atomic.type=system to install an image as a system
   * container; user labels follow, later ones winning. */
  json_object_set_new(labels, "atomic.type", json_string("system"));
  const sc_values *sets[] = {c->project->labels, c->opts->labels};
  for (size_t s = 0; s < 2; s++)
    for (size_t i = 0; sets[s] && i < sc_values_count(sets[s]); i++)
      json_object_set_new(labels, sc_values_key_at(sets[s], i),
                          json_string(sc_values_value_at(sets[s], i)));
}

/* image-spec config.md: architecture, os, created, config.Labels,
 * rootfs.diff_ids and history, extending the base image's when there is
 * one (its Env, Cmd, ... are kept). */
static json_t *make_config(build_ctx *c, const project_layers *layers)
{
  json_t *config = c->base ? json_deep_copy(c->base->config) : json_object();
  json_object_set_new(config, "architecture", json_string(c->platform.architecture));
  json_object_set_new(config, "os", json_string(c->platform.os));
  if (c->platform.variant)
    json_object_set_new(config, "variant", json_string(c->platform.variant));
  else
    json_object_del(config, "variant");
  json_object_set_new(config, "created", json_string(c->created));
  json_t *inner = json_object_get(config, "config");
  if (!json_is_object(inner)) {
    inner = json_object();
    json_object_set_new(config, "config", inner);
  }
  json_t *labels = json_object_get(inner, "Labels");
  if (!json_is_object(labels)) {
    labels = json_object();
    json_object_set_new(inner, "Labels", labels);
  }
  set_labels(c, labels);
  json_t *rootfs = json_object_get(config, "rootfs");
  json_t *diff_ids = json_object_get(rootfs, "diff_ids");
  if (!json_is_array(diff_ids)) {
    rootfs = json_pack("{s:s,s:[]}", "type", "layers", "diff_ids");
    json_object_set_new(config, "rootfs", rootfs);
    diff_ids = json_object_get(rootfs, "diff_ids");
  }
  json_t *history = json_object_get(config, "history");
  if (!json_is_array(history)) {
    history = json_array();
    json_object_set_new(config, "history", history);
  }
  for (size_t i = 0; i < layers->count; i++) {
    json_array_append_new(diff_ids, json_string(layers->results[i].diff_id));
    _cleanup_free_ char *by = xasprintf("sc-build build: %s", layers->created_by[i]);
    json_array_append_new(history, json_pack("{s:s,s:s}", "created", c->created, "created_by", by));
  }
  return config;
}

/* image-spec annotations.md: the base manifest's annotations are kept
 * (but for what names the base, which this image is not), base.name and
 * base.digest name the base, and --annotation values win. */
static json_t *manifest_annotations(build_ctx *c)
{
  json_t *base = c->base ? json_object_get(c->base->manifest, "annotations") : NULL;
  json_t *a = json_is_object(base) ? json_deep_copy(base) : json_object();
  json_object_del(a, SC_ANNOTATION_REF_NAME);
  if (c->base) {
    /* A base this build pulled: the name it was pulled by, a short name
     * as registries.conf resolved it. */
    const char *pulled = c->result->base_pull.name;
    const char *name = c->opts->from_name ? c->opts->from_name : c->opts->from;
    json_object_set_new(a, SC_ANNOTATION_BASE_NAME,
                        pulled ? json_sprintf("docker://%s", pulled) : json_string(name));
    json_object_set_new(a, SC_ANNOTATION_BASE_DIGEST, json_string(c->base->manifest_digest));
  }
  const sc_values *given = c->opts->annotations;
  for (size_t i = 0; given && i < sc_values_count(given); i++)
    json_object_set_new(a, sc_values_key_at(given, i), json_string(sc_values_value_at(given, i)));
  return a;
}

static int write_config_and_manifest(build_ctx *c, const project_layers *layers, sc_error *err)
{
  c->config = make_config(c, layers);
  _cleanup_(json_decrefp) json_t *config_descriptor =
      sc_oci_write_json_blob(c->blobs_fd, c->config, SC_MEDIA_TYPE_OCI_CONFIG, err);
  if (config_descriptor == NULL)
    return sc_error_prefix(err, "writing the image config");
  /* image-spec manifest.md */
  c->manifest =
      json_pack("{s:i,s:s,s:O,s:O}", "schemaVersion", 2, "mediaType", SC_MEDIA_TYPE_OCI_MANIFEST,
                "config", config_descriptor, "layers", c->layers);
  json_t *annotations = manifest_annotations(c);
  if (json_object_size(annotations))
    json_object_set_new(c->manifest, "annotations", annotations);
  else
    json_decref(annotations);
  c->manifest_descriptor =
      sc_oci_write_json_blob(c->blobs_fd, c->manifest, SC_MEDIA_TYPE_OCI_MANIFEST, err);
  if (c->manifest_descriptor == NULL)
    return sc_error_prefix(err, "writing the image manifest");
  /* image-spec annotations.md: ref.name is the tag exactly as given. */
  json_object_set_new(c->manifest_descriptor, "annotations",
                      json_pack("{s:s}", SC_ANNOTATION_REF_NAME, c->result->tag));
  json_t *platform =
      json_pack("{s:s,s:s}", "architecture", c->platform.architecture, "os", c->platform.os);
  if (c->platform.variant)
    json_object_set_new(platform, "variant", json_string(c->platform.variant));
  json_object_set_new(c->manifest_descriptor, "platform", platform);
  snprintf(c->result->config_digest, sizeof c->result->config_digest, "%s",
           json_string_value(json_object_get(config_descriptor, "digest")));
  snprintf(c->result->manifest_digest, sizeof c->result->manifest_digest, "%s",
           json_string_value(json_object_get(c->manifest_descriptor, "digest")));
  c->result->size = json_integer_value(json_object_get(config_descriptor, "size"));
  size_t i;
  json_t *l;
  json_array_foreach(c->layers, i, l) c->result->size +=
      json_integer_value(json_object_get(l, "size"));
  return 0;
}

/* ---- committing ---- */

static int update_index(build_ctx *c, sc_error *err)
{
  _cleanup_(json_decrefp) json_t *index = NULL;
  if (sc_oci_index_read(c->layout_fd, &index, err) < 0)
    return sc_error_prefix(err, "%s", c->result->path);
  _cleanup_(json_decrefp) json_t *gone = json_array();
  json_t *replaced = sc_oci_index_set_tag(index, c->result->tag, c->manifest_descriptor);
  if (replaced)
    json_array_append_new(gone, replaced);
  /* The image the tag named, and its SBOM, are replaced: --sbom attaches
   * the new image's afterwards. */
  sc_referrer_prune(c->blobs_fd, index, c->manifest_descriptor, gone);
  if (check_interrupted(c, err) < 0 || sc_oci_index_write(c->layout_fd, index, err) < 0)
    return -1;
  if (sc_oci_remove_all_unreferenced(c->layout_fd, index, gone, err) < 0)
    return sc_error_prefix(err, "%s", c->result->path);
  return 0;
}

static int rename_into_place(build_ctx *c, const char *tmp, unsigned flags, sc_error *err)
{
  if (renameat2(c->parent_fd, tmp, c->parent_fd, c->dest_base, flags) < 0)
    return sc_error_set_errno(err, errno, "cannot move the image into place as %s",
                              c->result->path);
  if (fsync(c->parent_fd) < 0)
    return sc_error_set_errno(err, errno, "cannot sync the directory of %s", c->result->path);
  return 0;
}

static int write_archive(build_ctx *c, sc_error *err)
{
  _cleanup_free_ char *prefix = tmp_prefix(c);
  _cleanup_close_ int fd =
      sc_store_tmp_create(c->parent_fd, prefix, ".tar", false, &c->tmp_file, err);
  if (fd < 0)
    return sc_error_prefix(err, "writing %s", c->result->path);
  int r;
  if (c->opts->format == SC_FORMAT_OCI_ARCHIVE)
    r = sc_oci_archive_write(c->layout_fd, fd, c->mtime, c->opts->interrupted, err);
  else
    r = sc_docker_archive_write(
        c->blobs_fd, c->manifest, json_object_get(json_object_get(c->config, "rootfs"), "diff_ids"),
        c->result->tag, fd, c->mtime, c->result->manifest_digest, c->opts->interrupted, err);
  if (r < 0)
    return sc_error_prefix(err, "writing %s", c->result->path);
  if (fsync(fd) < 0)
    return sc_error_set_errno(err, errno, "cannot write %s", c->result->path);
  if (rename_into_place(c, c->tmp_file, 0, err) < 0)
    return -1;
  free(c->tmp_file);
  c->tmp_file = NULL;
  return 0;
}

/* Another build made DEST while we built ours aside (both found none):
 * add our image to it as to any existing layout, under its lock. */
static int merge_into_existing(build_ctx *c, sc_error *err)
{
  /* Held open, and closed on return: our layout aside, whose blobs we copy. */
  _cleanup_close_ int tmp_layout_fd = steal_fd(&c->layout_fd);
  _cleanup_close_ int tmp_blobs_fd = steal_fd(&c->blobs_fd);
  (void)tmp_layout_fd;
  struct stat st;
  if (fstatat(c->parent_fd, c->dest_base, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return sc_error_set_errno(err, errno, "cannot stat %s", c->result->path);
  if (open_existing_dest(c, &st, err) < 0)
    return -1;
  c->blobs_fd = sc_oci_open_blobs(c->layout_fd, err);
  if (c->blobs_fd < 0)
    return sc_error_prefix(err, "%s", c->result->path);
  size_t i;
  json_t *d;
  json_array_foreach(c->written, i, d)
  {
    const char *digest = json_string_value(json_object_get(d, "digest"));
    if (sc_oci_copy_blob(tmp_blobs_fd, c->blobs_fd, digest,
                         json_integer_value(json_object_get(d, "size")), err) < 0)
      return sc_error_prefix(err, "adding to %s", c->result->path);
  }
  return update_index(c, err);
}

static int commit(build_ctx *c, sc_error *err)
{
  if (check_interrupted(c, err) < 0)
    return -1;
  if (c->tmp_dir == NULL)
    return update_index(c, err);
  _cleanup_(json_decrefp) json_t *index =
      json_pack("{s:i,s:[O]}", "schemaVersion", 2, "manifests", c->manifest_descriptor);
  if (sc_oci_index_write(c->layout_fd, index, err) < 0)
    return -1;
  if (c->opts->format != SC_FORMAT_OCI)
    return write_archive(c, err);
  /* RENAME_NOREPLACE: never clobber a DEST that appeared meanwhile. */
  if (renameat2(c->parent_fd, c->tmp_dir, c->parent_fd, c->dest_base, RENAME_NOREPLACE) < 0) {
    if (errno == EEXIST)
      return merge_into_existing(c, err);
    return sc_error_set_errno(err, errno, "cannot move the image into place as %s",
                              c->result->path);
  }
  if (fsync(c->parent_fd) < 0)
    return sc_error_set_errno(err, errno, "cannot sync the directory of %s", c->result->path);
  free(c->tmp_dir);
  c->tmp_dir = NULL;
  return 0;
}

static void format_created(int64_t epoch, char out[32])
{
  time_t t = (time_t)epoch;
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void fill_result(build_ctx *c)
{
  sc_build_result *r = c->result;
  if (c->opts->format == SC_FORMAT_DOCKER_ARCHIVE)
    r->reference = xasprintf("docker-archive:%s", r->path);
  else
    r->reference = xasprintf("%s:%s:%s", sc_image_format_name(c->opts->format), r->path, r->tag);
  r->layers = json_incref(c->layers);
  r->platforms = json_incref(c->platforms);
}

/* The blobs of the image just written, for merge_into_existing. */
static void note_written(build_ctx *c)
{
  json_array_extend(c->written, c->layers);
  json_array_append(c->written, json_object_get(c->manifest, "config"));
  json_array_append(c->written, c->manifest_descriptor);
}

static int run_build(build_ctx *c, sc_error *err)
{
  project_layers layers = {0};
  if ((c->opts->from && open_base(c, err) < 0) || choose_platform(c, err) < 0)
    return -1;
  if (prepare_dest(c, err) < 0)
    return -1;
  c->blobs_fd = sc_oci_open_blobs(c->layout_fd, err);
  if (c->blobs_fd < 0)
    return -1;
  if (c->base && copy_base_layers(c, err) < 0)
    return -1;
  if (write_layers(c, &layers, err) < 0 || write_config_and_manifest(c, &layers, err) < 0)
    return -1;
  note_written(c);
  return commit(c, err);
}

/* What one platform's image is, for the result; then its state is reset
 * for the next platform. */
static void finish_platform(build_ctx *c, json_t *index_manifests)
{
  json_t *descriptor = json_deep_copy(c->manifest_descriptor);
  json_object_del(descriptor, "annotations"); /* ref.name is the index's */
  json_array_append_new(index_manifests, descriptor);
  _cleanup_free_ char *name = sc_platform_format(&c->platform);
  json_t *base = c->base ? json_string(c->base->manifest_digest) : json_null();
  json_array_append_new(c->platforms,
                        json_pack("{s:s,s:s,s:s,s:o,s:o,s:s*}", "platform", name, "digest",
                                  c->result->manifest_digest, "config_digest",
                                  c->result->config_digest, "layers", json_copy(c->layers),
                                  "base_digest", base, "platform_rootfs", c->platform_rootfs));
  note_written(c);
  sc_image_free(c->base);
  c->base = NULL;
  sc_platform_clear(&c->platform);
  free(c->platform_rootfs);
  c->platform_rootfs = NULL;
  json_decref(c->config);
  json_decref(c->manifest);
  json_decref(c->manifest_descriptor);
  c->config = c->manifest = c->manifest_descriptor = NULL;
  json_array_clear(c->layers);
}

/* image-spec image-index.md: one manifest per platform, named by the tag;
 * it becomes the image's index.json entry. */
static int write_image_index(build_ctx *c, json_t *manifests, sc_error *err)
{
  _cleanup_(json_decrefp) json_t *index =
      json_pack("{s:i,s:s,s:O}", "schemaVersion", 2, "mediaType", SC_MEDIA_TYPE_OCI_INDEX,
                "manifests", manifests);
  c->manifest_descriptor = sc_oci_write_json_blob(c->blobs_fd, index, SC_MEDIA_TYPE_OCI_INDEX, err);
  if (c->manifest_descriptor == NULL)
    return sc_error_prefix(err, "writing the image index");
  json_array_append(c->written, c->manifest_descriptor);
  json_object_set_new(c->manifest_descriptor, "annotations",
                      json_pack("{s:s}", SC_ANNOTATION_REF_NAME, c->result->tag));
  snprintf(c->result->manifest_digest, sizeof c->result->manifest_digest, "%s",
           json_string_value(json_object_get(c->manifest_descriptor, "digest")));
  c->result->config_digest[0] = '\0';
  c->result->size = 0;
  size_t i;
  json_t *d;
  json_array_foreach(c->written, i, d)
  {
    const char *digest = json_string_value(json_object_get(d, "digest"));
    bool seen = false; /* a shared layer counts once */
    for (size_t j = 0; j < i && !seen; j++)
      seen =
          strcmp(digest,
                 json_string_value(json_object_get(json_array_get(c->written, j), "digest"))) == 0;
    if (!seen)
      c->result->size += json_integer_value(json_object_get(d, "size"));
  }
  return 0;
}

/* Every platform's image over its own base, then the index naming them. */
static int run_multi_build(build_ctx *c, sc_error *err)
{
  if (prepare_dest(c, err) < 0)
    return -1;
  c->blobs_fd = sc_oci_open_blobs(c->layout_fd, err);
  if (c->blobs_fd < 0)
    return -1;
  _cleanup_(json_decrefp) json_t *manifests = json_array();
  for (size_t i = 0; i < c->opts->platforms->count; i++) {
    project_layers layers = {0};
    c->want = &c->opts->platforms->items[i];
    if ((c->opts->from && open_base(c, err) < 0) || choose_platform(c, err) < 0 ||
        (c->base && copy_base_layers(c, err) < 0) || write_layers(c, &layers, err) < 0 ||
        write_config_and_manifest(c, &layers, err) < 0) {
      _cleanup_free_ char *name = sc_platform_format(c->want);
      return sc_error_prefix(err, "platform %s", name);
    }
    finish_platform(c, manifests);
  }
  c->want = NULL;
  if (write_image_index(c, manifests, err) < 0)
    return -1;
  return commit(c, err);
}

static void cleanup_ctx(build_ctx *c)
{
  if (c->tmp_file)
    unlinkat(c->parent_fd, c->tmp_file, 0);
  if (c->tmp_dir)
    sc_rm_rf_at(c->parent_fd, c->tmp_dir, NULL);
  free(c->tmp_file);
  free(c->tmp_dir);
  free(c->dest_base);
  if (c->blobs_fd >= 0)
    close(c->blobs_fd);
  if (c->layout_fd >= 0)
    close(c->layout_fd);
  if (c->parent_fd >= 0)
    close(c->parent_fd);
  sc_image_free(c->base);
  sc_platform_clear(&c->platform);
  json_decref(c->layers);
  json_decref(c->config);
  json_decref(c->manifest);
  json_decref(c->manifest_descriptor);
  json_decref(c->written);
  json_decref(c->platforms);
  free(c->platform_rootfs);
}

int sc_build_parse_metadata(sc_values *values, const char *what, const char *arg, sc_error *err)
{
  const char *eq = strchr(arg, '=');
  if (eq == NULL || eq == arg)
    return sc_error_set(err, SC_E_USAGE, "%s '%s': expected KEY=VALUE with a non-empty KEY", what,
                        arg);
  _cleanup_free_ char *key = xstrndup(arg, (size_t)(eq - arg));
  sc_values_set(values, key, eq + 1);
  return 0;
}

int sc_build_check_tag(const char *tag, sc_error *err)
{
  if (sc_oci_ref_name_is_valid(tag) && sc_reference_is_valid(tag))
    return 0;
  return sc_error_set(err, SC_E_USAGE,
                      "'%s' is not a valid image reference: [HOST[:PORT]/]NAME[:TAG] with "
                      "NAME in lower-case letters, digits and separators (. _ __ -) inside "
                      "'/'-separated components, TAG up to 128 letters, digits, _ . - not "
                      "starting with . or -",
                      tag);
}

int sc_build_image(const sc_project *project, const sc_build_options *options,
                   sc_build_result *result, sc_error *err)
{
  *result = (sc_build_result){0};
  result->format = sc_image_format_name(options->format);
  result->path = options->dest ? xstrdup(options->dest) : default_dest(project, options->format);
  result->tag = options->tag ? xstrdup(options->tag)
                             : xasprintf("%s:%s", project->image_name, project->image_tag);
  /* The ref name is what skopeo, podman and atomic pull by: one they
   * cannot parse would make an image no one can name. */
  if (sc_build_check_tag(result->tag, err) < 0) {
    err->code = options->tag ? SC_E_USAGE : SC_E_INVALID;
    sc_build_result_clear(result);
    return -1;
  }
  build_ctx c = {
      .project = project,
      .opts = options,
      .result = result,
      .parent_fd = -1,
      .layout_fd = -1,
      .blobs_fd = -1,
      .layers = json_array(),
      .written = json_array(),
  };
  c.mtime = options->source_date_epoch;
  format_created(c.mtime, c.created);
  bool multi = options->platforms && options->platforms->count > 1;
  int r;
  if (multi && options->format == SC_FORMAT_DOCKER_ARCHIVE)
    r = sc_error_set(err, SC_E_USAGE,
                     "a docker-archive holds one platform per tag: build several platforms as "
                     "--format oci or oci-archive, or give one --platform");
  else if (multi) {
    c.platforms = json_array();
    r = run_multi_build(&c, err);
  } else {
    if (options->platforms && options->platforms->count == 1)
      c.want = &options->platforms->items[0];
    r = run_build(&c, err);
  }
  if (r == 0)
    fill_result(&c);
  cleanup_ctx(&c);
  if (r < 0)
    sc_build_result_clear(result);
  return r;
}
