/* build.h: `sc-build build`: a project into an image (docs/design.md section 3)
 * as an OCI layout, an oci-archive or a docker-archive.
 *
 * The caller validates the project first (validate.h); sc_build_image
 * only builds.  Output is atomic: a new DEST appears complete or not at
 * all; an existing layout gets its new blobs and then, in one rename, its
 * new index.json. */
#ifndef SC_BUILD_H
#define SC_BUILD_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>
#include <sc/diag.h>
#include <sc/error.h>
#include <sc/values.h>

#include "layer.h"
#include "platform.h"
#include "project.h"
#include "pull.h"

typedef enum {
  SC_FORMAT_OCI,            /* an image layout directory */
  SC_FORMAT_OCI_ARCHIVE,    /* a tar of the layout */
  SC_FORMAT_DOCKER_ARCHIVE, /* `docker save` format */
} sc_image_format;

/* Around each layer the build writes from the project (not the base's
 * layers, not a rootfs layer reused from the cache): begin fills the tap
 * that sees its tar as it is written (layer.h); end gets the layer, or
 * NULL when writing it failed, and may fail the build. */
typedef struct sc_build_layer_hooks {
  int (*begin)(void *user, sc_layer_tap *tap, sc_error *err);
  int (*end)(void *user, const sc_layer_result *layer, sc_error *err);
  void *user;
} sc_build_layer_hooks;

typedef struct sc_build_options {
  const char *dest; /* NULL: ./NAME.oci, ./NAME.oci.tar or ./NAME.docker.tar */
  sc_image_format format;
  const char *tag;             /* NULL: NAME:TAG from the project */
  const sc_values *labels;     /* --label values (win over sc-build.json's), or NULL */
  const char *from;            /* base image "oci:PATH[:TAG]" or "docker://...", or NULL */
  const sc_pull_options *pull; /* for a docker:// base (NULL: defaults, anonymous) */
  const char *from_name;       /* the base as the user named it (NULL: from), for annotations */
  /* The platform (platform.h names, normalised): NULL takes the base's,
   * else linux and the host's architecture.  One other than the base's is
   * an error unless force_platform. */
  const char *arch;
  const char *os;
  const char *variant;
  /* The platforms listed (sc_validate_platforms), or NULL.  Each image
   * gets the project's rootfs.OS-ARCH[-VARIANT]/ over rootfs/ (project.h)
   * when there is one.  One: built for it as for arch, os and variant.
   * Two or more: one image per platform, each on that platform's base,
   * under an image index the tag names (arch, os and variant unused). */
  const sc_platforms *platforms;
  bool force_platform;
  const sc_values *annotations; /* --annotation KEY=VALUE on the manifest, or NULL */
  bool allow_special;           /* device nodes and FIFOs in rootfs */
  sc_compression compression;
  int compression_level; /* 0: the format's default */
  unsigned threads;      /* compression (and rootfs/ walk) threads, 0: one per online CPU */
  volatile const int *interrupted;
  sc_diags *warnings;            /* may be NULL */
  sc_layer_progress_fn progress; /* the layer's progress, or NULL */
  void *progress_user;
  const char *layer_cache_dir; /* layer-cache.h; NULL: no cache */
  /* rootfs/ as validation's walk stamped it (sc_validate_options), so the
   * cache key needs no second walk; NULL or not done: walked here. */
  const struct sc_tree_stamp *rootfs_stamp;
  const char *tmpdir; /* scratch space (sc_tmp_base: NULL is /var/tmp) */
  bool no_cache;      /* build every layer, remember nothing */
  /* Every entry's mtime and the config's `created`, in seconds since 1970:
   * SOURCE_DATE_EPOCH as the caller read it (sc_source_date_epoch_parse). */
  int64_t source_date_epoch;
  const sc_build_layer_hooks *layer_hooks; /* or NULL */
  /* The layout is scratch and the hooks take the layers' tars: the
   * project's layer blobs are digested, never stored (layer.h). */
  bool layer_blobs_discarded;
} sc_build_options;

typedef struct sc_build_result {
  const char *format; /* "oci", "oci-archive", "docker-archive" */
  char *path;         /* DEST as written */
  char *reference;    /* "oci:hello-world.oci:hello-world:latest" */
  char *tag;
  /* A docker-archive holds no manifest: its digest is then that of the
   * manifest containers/image makes for it (sc_docker_archive_write), as
   * skopeo and podman report it. */
  char manifest_digest[SC_DIGEST_LEN + 1];
  char config_digest[SC_DIGEST_LEN + 1];
  json_t *layers; /* the manifest's layer descriptors, base first */
  /* A multi-platform build (manifest_digest is then the index's, and
   * config_digest and layers empty): per platform {platform, digest,
   * config_digest, layers, base_digest, platform_rootfs?}; else NULL. */
  json_t *platforms;
  size_t layers_reused;     /* the rootfs layer of an unchanged tree, from the layer cache */
  int64_t size;             /* config + layers (compressed), in bytes, as inspect shows */
  sc_pull_result base_pull; /* what a docker:// base took (oci_reference NULL otherwise) */
} sc_build_result;

void sc_build_result_clear(sc_build_result *result);

/* Parse "oci", "oci-archive", "docker-archive". */
int sc_image_format_parse(const char *name, sc_image_format *out, sc_error *err);
const char *sc_image_format_name(sc_image_format format);
/* The host architecture: sc_host_architecture() in <sc/image.h>. */

/* "KEY=VALUE" of a label or an annotation into values: any non-empty KEY
 * without '=' (image-spec config.md and annotations.md set no other
 * rule: "atomic.run", "org.opencontainers.image.source"); what names the
 * option in errors. */
int sc_build_parse_metadata(sc_values *values, const char *what, const char *arg, sc_error *err);
/* A --tag: a ref name by image-spec annotations.md that skopeo and umoci
 * read, and a [HOST/]NAME[:TAG] by distribution's grammar. */
int sc_build_check_tag(const char *tag, sc_error *err);

int sc_build_image(const sc_project *project, const sc_build_options *options,
                   sc_build_result *result, sc_error *err);

#endif
