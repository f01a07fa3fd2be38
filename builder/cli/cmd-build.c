/* cmd-build.c: `sc-build build [OPTION]... [DIR]`: validate the project,
 * then build its image (build.h; the options: the table below). */
#include "cli.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "build-ostree.h"
#include "build.h"
#include "diag-internal.h"
#include "layer-cache.h"
#include "project.h"
#include "registry-args.h"
#include "sbom.h"
#include "pgzip.h"
#include "pzstd.h"
#include "platform.h"
#include "util.h"
#include "validate.h"

enum {
  OPT_FROM = 0x2001,
  OPT_ARCH,
  OPT_ALLOW_SPECIAL,
  OPT_SET,
  OPT_COMPRESSION,
  OPT_COMPRESSION_LEVEL,
  OPT_THREADS,
  OPT_NO_CACHE,
  OPT_REPO,
  OPT_OSTREE_MODE,
  OPT_ANNOTATION,
  OPT_OS,
  OPT_VARIANT,
  OPT_PLATFORM,
  OPT_FORCE_PLATFORM,
  OPT_DIGESTFILE,
  OPT_SBOM,
};

typedef struct build_args {
  const char *dir;
  bool ostree;      /* --format ostree */
  const char *repo; /* --repo */
  const char *digestfile;
  sc_ostree_mode ostree_mode;
  sc_build_options build;
  sc_values *labels;
  sc_values *annotations;
  sc_values *set;
  const char *platform_arg; /* --platform OS/ARCH[/VARIANT][,...] */
  sc_platform platform;     /* --os, --arch, --variant, --platform: normalised */
  sc_platforms platforms;   /* --platform P1,P2,...: a multi-platform build */
  sc_platforms given;       /* the one platform of --platform, --arch, ..., for validate */
  sc_cli_registry_args reg; /* for a docker:// base */
  sc_pull_options pull;
  /* A docker:// base is pulled once, before validation, which reads it
   * from the cache as the build does: build.from then names the cached
   * copy and from_source the reference as given. */
  const char *from_source;
  sc_pull_result pulled;
  char *resolved_from;   /* an archive's, dir:'s or ostree:'s base in the cache */
  char *pulled_name;     /* build.from_name of a pulled base: docker://NAME it was pulled by */
  char *layer_cache_dir; /* build.layer_cache_dir: sc_cli_cache_path("layers") */
  sc_tree_stamp stamp;   /* build.rootfs_stamp, from validation's walk */
  sc_cli_progress bars;
  bool sbom;     /* --sbom */
  json_t *sboms; /* what --sbom attached (sc_sbom_attach) */
} build_args;

static int parse_pair(sc_cli *cli, sc_values **values, const char *option, const char *arg)
{
  sc_error err = SC_ERROR_INIT;
  if (*values == NULL)
    *values = sc_values_new();
  if (sc_values_parse_assignment(*values, arg, &err) < 0) {
    sc_error_clear(&err);
    return sc_cli_usage_error(cli, "build", "%s '%s': expected KEY=VALUE", option, arg);
  }
  return 0;
}

static int parse_metadata(sc_cli *cli, sc_values **values, const char *option, const char *arg)
{
  sc_error err = SC_ERROR_INIT;
  if (*values == NULL)
    *values = sc_values_new();
  if (sc_build_parse_metadata(*values, option, arg, &err) < 0) {
    int rc = sc_cli_usage_error(cli, "build", "%s", err.msg);
    sc_error_clear(&err);
    return rc;
  }
  return 0;
}

/* --platform P1,P2,...: several platforms, which --os, --arch and
 * --variant cannot narrow. */
static int settle_platform_list(sc_cli *cli, build_args *a)
{
  sc_error err = SC_ERROR_INIT;
  if (sc_platforms_parse_list(a->platform_arg, &a->platforms, &err) < 0) {
    int rc = sc_cli_usage_error(cli, "build", "%s", err.msg);
    sc_error_clear(&err);
    return rc;
  }
  if (a->platforms.count > 1 && (a->build.os || a->build.arch || a->build.variant))
    return sc_cli_usage_error(cli, "build",
                              "--platform %s names several platforms: --os, --arch and "
                              "--variant go with one",
                              a->platform_arg);
  return 0;
}

/* --platform, then --os, --arch and --variant over it, normalised once. */
static int settle_platform(sc_cli *cli, build_args *a)
{
  sc_error err = SC_ERROR_INIT;
  sc_platform given = {0};
  if (a->platform_arg && strchr(a->platform_arg, ','))
    return settle_platform_list(cli, a);
  if (a->platform_arg && sc_platform_parse(a->platform_arg, &given, &err) < 0) {
    int rc = sc_cli_usage_error(cli, "build", "%s", err.msg);
    sc_error_clear(&err);
    return rc;
  }
  const char *os = a->build.os ? a->build.os : given.os;
  const char *arch = a->build.arch ? a->build.arch : given.architecture;
  const char *variant = a->build.variant ? a->build.variant : a->build.arch ? NULL : given.variant;
  int rc = sc_platform_normalize(os, arch, variant, &a->platform, &err);
  sc_platform_clear(&given);
  if (rc < 0) {
    rc = sc_cli_usage_error(cli, "build", "%s", err.msg);
    sc_error_clear(&err);
    return rc;
  }
  a->build.os = a->platform.os;
  a->build.arch = a->platform.architecture;
  a->build.variant = a->platform.variant;
  if (a->platform.architecture) {
    if (a->platform.os == NULL)
      a->platform.os = xstrdup("linux");
    sc_platforms_add(&a->given, &a->platform);
  }
  return 0;
}

static int parse_option(sc_cli *cli, build_args *a, int opt, char **argv)
{
  sc_error err = SC_ERROR_INIT;
  switch (opt) {
  case 'o':
    a->build.dest = optarg;
    return 0;
  case 'f':
    a->ostree = strcmp(optarg, "ostree") == 0;
    if (!a->ostree && sc_image_format_parse(optarg, &a->build.format, &err) < 0) {
      int rc = sc_cli_fail(cli, &err);
      sc_error_clear(&err);
      return rc;
    }
    return 0;
  case 't':
    if (sc_build_check_tag(optarg, &err) < 0) {
      int rc = sc_cli_usage_error(cli, "build", "--tag: %s", err.msg);
      sc_error_clear(&err);
      return rc;
    }
    a->build.tag = optarg;
    return 0;
  case 'l':
    return parse_metadata(cli, &a->labels, "--label", optarg);
  case OPT_ANNOTATION:
    return parse_metadata(cli, &a->annotations, "--annotation", optarg);
  case OPT_OS:
    a->build.os = optarg;
    return 0;
  case OPT_VARIANT:
    a->build.variant = optarg;
    return 0;
  case OPT_PLATFORM:
    a->platform_arg = optarg;
    return 0;
  case OPT_FORCE_PLATFORM:
    a->build.force_platform = true;
    return 0;
  case OPT_SBOM:
    a->sbom = true;
    return 0;
  case OPT_SET:
    return parse_pair(cli, &a->set, "--set", optarg);
  case OPT_FROM:
    if (sc_cli_check_source(cli, "build", optarg) != 0)
      return SC_EXIT_USAGE;
    a->build.from = optarg;
    return 0;
  case OPT_ARCH:
    a->build.arch = optarg;
    return 0;
  case OPT_REPO:
    a->repo = optarg;
    return 0;
  case OPT_DIGESTFILE:
    a->digestfile = optarg;
    return 0;
  case OPT_OSTREE_MODE:
    if (sc_ostree_mode_parse(optarg, &a->ostree_mode, &err) < 0) {
      sc_error_clear(&err);
      return sc_cli_usage_error(cli, "build", "--ostree-mode must be bare, bare-user or archive");
    }
    return 0;
  case OPT_ALLOW_SPECIAL:
    a->build.allow_special = true;
    return 0;
  case OPT_COMPRESSION:
    if (strcmp(optarg, "gzip") == 0)
      a->build.compression = SC_COMPRESSION_GZIP;
    else if (strcmp(optarg, "zstd") == 0)
      a->build.compression = SC_COMPRESSION_ZSTD;
    else
      return sc_cli_usage_error(cli, "build", "--compression must be gzip or zstd");
    return 0;
  case OPT_COMPRESSION_LEVEL: {
    /* The range depends on --compression, which may come later: checked
     * once every option is read. */
    long level = 0;
    if (sc_cli_parse_number(cli, "build", "--compression-level", optarg, 1, INT_MAX, &level) != 0)
      return 2;
    a->build.compression_level = (int)level;
    return 0;
  }
  case OPT_NO_CACHE:
    a->build.no_cache = true;
    return 0;
  case OPT_THREADS: {
    long threads = 0;
    if (sc_cli_parse_number(cli, "build", "--threads", optarg, 1, 256, &threads) != 0)
      return 2;
    a->build.threads = (unsigned)threads;
    return 0;
  }
  default: {
    int taken = sc_cli_registry_option(cli, "build", &a->reg, opt, optarg);
    if (taken == 0 && !sc_cli_global_option(cli, opt))
      return sc_cli_usage_error(cli, "build", "unknown option '%s'", argv[optind - 1]);
    return taken == 1 ? 0 : taken;
  }
  }
}

/* The level's range is the chosen compression's. */
static int check_compression_level(sc_cli *cli, const sc_build_options *b)
{
  bool gzip = b->compression == SC_COMPRESSION_GZIP;
  int max = gzip ? SC_PGZIP_MAX_LEVEL : SC_PZSTD_MAX_LEVEL;
  if (b->compression_level <= max)
    return 0;
  return sc_cli_usage_error(cli, "build",
                            "--compression-level %d: %s levels go from 1 to %d (with "
                            "--compression %s, from 1 to %d)",
                            b->compression_level, gzip ? "gzip" : "zstd", max,
                            gzip ? "zstd" : "gzip", gzip ? SC_PZSTD_MAX_LEVEL : SC_PGZIP_MAX_LEVEL);
}

static const sc_cli_option build_options[] = {
    {"output", required_argument, 'o', "DEST",
     "where to write (default NAME.oci, NAME.oci.tar or NAME.docker.tar); an existing layout "
     "gets the new tag"},
    {"format", required_argument, 'f', "FORMAT",
     "oci (default), oci-archive, docker-archive or ostree"},
    {"tag", required_argument, 't', "NAME:TAG",
     "the image's ref name (default NAME:TAG of sc-build.json)"},
    {"label", required_argument, 'l', "K=V",
     "add an image label (repeatable; wins over sc-build.json)"},
    {"from", required_argument, OPT_FROM, "IMAGE",
     "put the layer on top of a base image: oci:, oci-archive:, docker-archive:, dir:, "
     "docker:// or ostree: (default: \"from\" of sc-build.json)"},
    {"arch", required_argument, OPT_ARCH, "ARCH",
     "the image architecture, normalised (x86_64 is amd64, arm/v7 is arm v7; default: the "
     "base's, else the host's)"},
    {"os", required_argument, OPT_OS, "OS", "the image OS (default: the base's, else linux)"},
    {"variant", required_argument, OPT_VARIANT, "VARIANT", "the architecture variant (v7, ...)"},
    {"platform", required_argument, OPT_PLATFORM, "OS/ARCH[/VARIANT]",
     "the platform at once; several, comma-separated (linux/amd64,linux/arm64), build an image "
     "index with one image per platform (default: \"platforms\" of sc-build.json)"},
    {"force-platform", no_argument, OPT_FORCE_PLATFORM, NULL,
     "build for a platform other than the base's"},
    {"sbom", no_argument, OPT_SBOM, NULL,
     "attach each image's SPDX SBOM (sc-build sbom) to it in the layout, as an OCI 1.1 "
     "artifact (--format oci)"},
    {"annotation", required_argument, OPT_ANNOTATION, "K=V",
     "add a manifest annotation (repeatable)"},
    {"allow-special", no_argument, OPT_ALLOW_SPECIAL, NULL,
     "store device nodes and FIFOs of rootfs (sockets are skipped)"},
    {"set", required_argument, OPT_SET, "NAME=VALUE",
     "a value an install would give, for validation (repeatable)"},
    {"compression", required_argument, OPT_COMPRESSION, "ALGORITHM", "gzip (default) or zstd"},
    {"compression-level", required_argument, OPT_COMPRESSION_LEVEL, "N",
     "gzip 1-12 (default 1), zstd 1-19 (default 3); the digest depends on it"},
    {"threads", required_argument, OPT_THREADS, "N",
     "threads compressing and reading rootfs/ (default: one per CPU); the digest does not "
     "depend on it"},
    {"no-cache", no_argument, OPT_NO_CACHE, NULL,
     "build the rootfs layer even when rootfs/ is unchanged"},
    {"repo", required_argument, OPT_REPO, "REPO",
     "with --format ostree: the OSTree repository (made if missing)"},
    {"ostree-mode", required_argument, OPT_OSTREE_MODE, "MODE",
     "bare, bare-user or archive, for a new repository"},
    {"digestfile", required_argument, OPT_DIGESTFILE, "FILE",
     "write the manifest digest to FILE (a docker-archive's: the one skopeo and podman "
     "compute for it)"},
    SC_CLI_REGISTRY_OPTIONS,
    SC_CLI_GLOBAL_OPTIONS,
    SC_CLI_OPTIONS_END,
};
const sc_cli_options sc_cmd_build_options = {
    .options = build_options,
    .shortopts = "o:f:t:l:" SC_CLI_GLOBAL_SHORT,
    .operands = "[DIR]",
    .about = "Validate the project in DIR (default: the current directory) and build its\n"
             "image: a layer with rootfs/ at /, then a small one with the project files at\n"
             "/exports/ (an unchanged rootfs/ reuses its layer: see --no-cache).\n"
             "The build is reproducible: set SOURCE_DATE_EPOCH to date it (default 1970).\n"
             "A docker:// base (--from) must satisfy the signature policy of --policy and\n"
             "--registries.d (see sc-build push --help).\n",
};

static int parse_args(sc_cli *cli, build_args *a, int argc, char **argv, bool *help)
{

  sc_error err = SC_ERROR_INIT;
  int opt;
  while ((opt = sc_cli_getopt("build", argc, argv, &sc_cmd_build_options, &err)) != -1) {
    if (opt == '?')
      return sc_cli_fail_clear(cli, &err);
    if (opt == 'h') {
      *help = true;
      return 0;
    }
    int rc = parse_option(cli, a, opt, argv);
    if (rc != 0)
      return rc;
  }
  sc_cli_finish_options(cli);
  int rc = sc_cli_source_date_epoch(cli, &a->build.source_date_epoch);
  if (rc != 0)
    return rc;
  int settled = settle_platform(cli, a);
  if (settled != 0)
    return settled;
  if (argc - optind > 1)
    return sc_cli_usage_error(cli, "build", "one project directory only (got '%s' and '%s')",
                              argv[optind], argv[optind + 1]);
  a->dir = optind < argc ? argv[optind] : ".";
  a->build.labels = a->labels;
  a->build.annotations = a->annotations;
  if (a->ostree != (a->repo != NULL))
    return sc_cli_usage_error(cli, "build", "--format ostree and --repo REPO go together");
  if (a->sbom && (a->ostree || a->build.format != SC_FORMAT_OCI))
    return sc_cli_usage_error(cli, "build",
                              "--sbom attaches the SBOM in an OCI layout: build with --format "
                              "oci, or write it with `sc-build sbom IMAGE -o DEST`");
  if (a->ostree && a->build.dest)
    return sc_cli_usage_error(cli, "build", "--format ostree writes to --repo, not -o");
  return check_compression_level(cli, &a->build);
}

/* build refuses a project that validate rejects (docs/sc-build.1, build). */
static int validate_first(sc_cli *cli, const sc_project *project, build_args *a, sc_diags *diags)
{
  /* Validation's walk of rootfs/ keys the layer cache: one walk, not two. */
  if (!a->build.no_cache && a->build.layer_cache_dir) {
    sc_tree_stamp_begin(&a->stamp, (int64_t)time(NULL));
    a->build.rootfs_stamp = &a->stamp;
  }
  sc_error err = SC_ERROR_INIT;
  /* The base the layer goes on is the one validation looks through. */
  const char *from = a->from_source ? a->from_source : a->build.from;
  sc_validate_options vo = {.set = a->set,
                            /* NULL when it is sc-build.json's, so messages point there */
                            .from = from != project->from ? from : NULL,
                            .pulled = a->pulled.oci_reference ? a->pulled.oci_reference
                                                              : a->resolved_from,
                            .interrupted = a->build.interrupted,
                            .pull = a->build.pull,
                            .platforms = a->build.platforms,
                            .tmpdir = a->build.tmpdir,
                            .rootfs_stamp = a->build.rootfs_stamp ? &a->stamp : NULL,
                            .threads = a->build.threads};
  if (sc_validate_before_build(project, &vo, diags, &err) == 0)
    return 0;
  if (err.code != SC_E_CHECK) {
    int rc = sc_cli_fail(cli, &err);
    sc_error_clear(&err);
    return rc;
  }
  sc_error_clear(&err);
  /* Every error, not only the first, as validate prints them. */
  size_t errors = sc_diags_count(diags, SC_DIAG_ERROR);
  if (cli->json) {
    sc_cli_print_json(json_pack("{s:b,s:o,s:{s:s}}", "ok", 0, "diagnostics",
                                sc_cli_diags_json(diags), "error", "message",
                                "the project has errors; nothing was built"));
  } else {
    sc_cli_print_diags(cli, diags);
    fprintf(stderr, "sc-build: error: %s has %zu error%s; nothing was built\n", project->path,
            errors, errors == 1 ? "" : "s");
  }
  return SC_EXIT_FAILED;
}

/* What pulling a docker:// base took, or NULL. */
static json_t *base_pull_json(const build_args *a, const sc_pull_result *p)
{
  if (p->oci_reference == NULL)
    return json_null();
  return json_pack("{s:s,s:s,s:s,s:i,s:i,s:I,s:b}", "source", a->from_source, "digest",
                   p->manifest_digest, "cache", p->oci_reference, "blobs_downloaded",
                   p->blobs_downloaded, "blobs_cached", p->blobs_cached, "bytes_downloaded",
                   (json_int_t)p->bytes_downloaded, "offline", p->offline);
}

static void print_base_pull(const build_args *a, const sc_pull_result *p)
{
  if (p->oci_reference)
    printf("  base:    %s@%s (%d blobs downloaded, %d cached%s)\n", a->from_source,
           p->manifest_digest, p->blobs_downloaded, p->blobs_cached,
           p->offline ? ", no network needed" : "");
}

/* A multi-platform build: the index, then each platform's manifest. */
static void print_index_result(const sc_build_result *r)
{
  printf("Built %s\n", r->reference);
  printf("  path:    %s (%s)\n", r->path, r->format);
  printf("  tag:     %s\n", r->tag);
  printf("  index:   %s\n", r->manifest_digest);
  printf("  size:    %lld bytes (every platform, shared layers once)\n", (long long)r->size);
  size_t i;
  json_t *p;
  json_array_foreach(r->platforms, i, p)
  {
    const char *own = json_string_value(json_object_get(p, "platform_rootfs"));
    printf("  %-14s %s (%zu layers%s%s)\n", json_string_value(json_object_get(p, "platform")),
           json_string_value(json_object_get(p, "digest")),
           json_array_size(json_object_get(p, "layers")), own ? ", with " : "", own ? own : "");
  }
  if (r->layers_reused)
    printf("  reused:  %zu layer%s of unchanged trees\n", r->layers_reused,
           r->layers_reused == 1 ? "" : "s");
}

static void print_sboms(const sc_cli *cli, const build_args *a)
{
  size_t i;
  json_t *s;
  json_array_foreach(cli->quiet ? NULL : a->sboms, i, s)
      printf("  sbom:    %s (of %s)\n", json_string_value(json_object_get(s, "digest")),
             json_string_value(json_object_get(s, "subject")));
}

static void print_result(sc_cli *cli, const build_args *a, const sc_build_result *r,
                         const sc_diags *diags)
{
  if (cli->json) {
    json_t *doc = json_pack(
        "{s:b,s:s,s:s,s:s,s:s,s:s,s:s,s:O,s:I,s:I,s:o,s:o}", "ok", 1, "format", r->format, "path",
        r->path, "reference", r->reference, "tag", r->tag, "digest", r->manifest_digest,
        "config_digest", r->config_digest, "layers", r->layers, "layers_reused",
        (json_int_t)r->layers_reused, "size", (json_int_t)r->size, "base_pull",
        base_pull_json(a, &r->base_pull), "diagnostics", sc_cli_diags_json(diags));
    if (r->platforms) {
      json_object_set_new(doc, "media_type", json_string(SC_MEDIA_TYPE_OCI_INDEX));
      json_object_set(doc, "platforms", r->platforms);
    }
    if (a->sboms)
      json_object_set(doc, "sboms", a->sboms);
    sc_cli_print_json(doc);
    return;
  }
  if (r->platforms) {
    sc_cli_print_diags(cli, diags);
    if (!cli->quiet)
      print_index_result(r);
    print_sboms(cli, a);
    return;
  }
  sc_cli_print_diags(cli, diags);
  if (cli->quiet)
    return;
  printf("Built %s\n", r->reference);
  printf("  path:    %s (%s)\n", r->path, r->format);
  printf("  tag:     %s\n", r->tag);
  printf("  digest:  %s\n", r->manifest_digest);
  printf("  config:  %s\n", r->config_digest);
  printf("  size:    %lld bytes in %zu layer%s\n", (long long)r->size, json_array_size(r->layers),
         json_array_size(r->layers) == 1 ? "" : "s");
  if (r->layers_reused)
    printf("  reused:  the rootfs layer (rootfs/ is unchanged since it was built)\n");
  print_base_pull(a, &r->base_pull);
  print_sboms(cli, a);
}

static void print_ostree_result(sc_cli *cli, const build_args *a, const sc_build_result *b,
                                const sc_ostree_import_result *r, const sc_diags *diags)
{
  if (cli->json) {
    json_t *branches = json_array();
    for (size_t i = 0; i < r->branch_count; i++)
      json_array_append_new(branches,
                            json_pack("{s:s,s:s,s:b}", "branch", r->branches[i].name, "commit",
                                      r->branches[i].commit, "reused", r->branches[i].reused));
    sc_cli_print_json(json_pack("{s:b,s:s,s:s,s:s,s:s,s:s,s:o,s:o,s:o}", "ok", 1, "format",
                                "ostree", "repo", r->repo_path, "reference", r->reference, "tag",
                                b->tag, "digest", b->manifest_digest, "branches", branches,
                                "base_pull", base_pull_json(a, &b->base_pull), "diagnostics",
                                sc_cli_diags_json(diags)));
    return;
  }
  sc_cli_print_diags(cli, diags);
  if (cli->quiet)
    return;
  printf("Built %s\n", r->reference);
  printf("  repo:    %s (%s%s)\n", r->repo_path, r->mode, r->created ? ", created" : "");
  printf("  digest:  %s\n", b->manifest_digest);
  for (size_t i = 0; i < r->branch_count; i++)
    printf("  branch:  %s %.12s%s\n", r->branches[i].name, r->branches[i].commit,
           r->branches[i].reused ? " (reused)" : "");
  print_base_pull(a, &b->base_pull);
}

/* The build read the pulled base from the cache: what the pull took is
 * the base's. */
static void take_pull_result(build_args *a, sc_build_result *result)
{
  if (a->pulled.oci_reference == NULL)
    return;
  sc_pull_result_clear(&result->base_pull);
  result->base_pull = a->pulled;
  a->pulled = (sc_pull_result){0};
}

/* --sbom: each image's SBOM beside it in the layout just written, dated
 * as the image is (SOURCE_DATE_EPOCH, else the build's own date). */
static int attach_sboms(build_args *a, const sc_build_result *result, sc_error *err)
{
  sc_sbom_options o = {
      .name = result->tag,
      .interrupted = a->build.interrupted,
      .dated = true,
      .source_date_epoch = a->build.source_date_epoch,
      .tmpdir = a->build.tmpdir,
  };
  if (sc_sbom_attach(result->reference, &o, &a->sboms, err) < 0)
    return sc_error_prefix(err, "--sbom: the image is built as %s", result->reference);
  return 0;
}

static int build(sc_cli *cli, build_args *a, const sc_project *project, sc_build_result *result,
                 const sc_diags *diags, sc_error *err)
{
  if (a->digestfile && sc_cli_check_digestfile(a->digestfile, err) < 0)
    return -1;
  if (!a->ostree) {
    if (sc_build_image(project, &a->build, result, err) < 0 ||
        (a->sbom && attach_sboms(a, result, err) < 0) ||
        (a->digestfile && sc_cli_write_digestfile(a->digestfile, result->manifest_digest, err) < 0))
      return -1;
    take_pull_result(a, result);
    print_result(cli, a, result, diags);
    return 0;
  }
  sc_ostree_import_result imported = {0};
  int r = sc_build_ostree(project, &a->build, a->repo, a->ostree_mode, result, &imported, err);
  if (r == 0 && a->digestfile)
    r = sc_cli_write_digestfile(a->digestfile, result->manifest_digest, err);
  if (r == 0) {
    take_pull_result(a, result);
    print_ostree_result(cli, a, result, &imported, diags);
  }
  sc_ostree_import_result_clear(&imported);
  return r;
}

/* The layer's progress bar on a terminal: MB and entries, rate and time
 * left, at most ten times a second. */
typedef struct build_progress {
  sc_cli_progress *bars;
  struct timespec start, shown;
} build_progress;

static double seconds_since(const struct timespec *t0, const struct timespec *t1)
{
  return (double)(t1->tv_sec - t0->tv_sec) + (double)(t1->tv_nsec - t0->tv_nsec) / 1e9;
}

static void show_build_progress(void *user, const sc_layer_progress *p)
{
  build_progress *bp = user;
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  bool last = p->entries_done >= p->entries_total && p->bytes_done >= p->bytes_total;
  if (!last && bp->shown.tv_sec && seconds_since(&bp->shown, &now) < 0.1)
    return;
  bp->shown = now;
  double secs = seconds_since(&bp->start, &now);
  double rate = secs > 0 ? (double)p->bytes_done / secs : 0;
  char bar[SC_CLI_BAR_WIDTH + 1];
  sc_cli_progress_bar(bar, (int64_t)p->bytes_done, (int64_t)p->bytes_total);
  char left[32] = "";
  if (secs >= 1 && rate > 0 && p->bytes_total > p->bytes_done)
    snprintf(left, sizeof left, ", %.0f s left", (double)(p->bytes_total - p->bytes_done) / rate);
  _cleanup_free_ char *line =
      xasprintf("layer [%s] %llu/%llu MB, %llu/%llu entries, %.0f MB/s%s", bar,
                (unsigned long long)(p->bytes_done >> 20),
                (unsigned long long)(p->bytes_total >> 20), (unsigned long long)p->entries_done,
                (unsigned long long)p->entries_total, rate / 1048576, left);
  sc_cli_progress_show(bp->bars, "layer", line);
}

/* Pull a docker:// base into the cache (registry options and credentials
 * from the command line); validation and the build then read it there. */
/* A base of another transport than oci: and docker:// is read through
 * the cache (image-source.h) once, before validation. */
static int resolve_base(sc_cli *cli, build_args *a, sc_error *err)
{
  /* Each platform's validation of a multi-platform build reads the base
   * through the same cache. */
  a->pull = sc_cli_pull_options(cli, &a->reg, &a->bars);
  a->build.pull = &a->pull;
  sc_image_source src;
  if (sc_cli_resolve_source(cli, &a->reg, a->build.from, true, &src, err) < 0)
    return sc_error_prefix(err, "base image");
  a->from_source = a->build.from;
  a->build.from_name = a->from_source;
  a->resolved_from = steal_pointer(&src.local);
  a->build.from = a->resolved_from;
  sc_image_source_clear(&src);
  return 0;
}

static int pull_options(sc_cli *cli, build_args *a, sc_error *err)
{
  if (sc_cli_registry_creds_for(&a->reg, a->build.from, err) < 0)
    return -1;
  a->pull = sc_cli_pull_options(cli, &a->reg, &a->bars);
  a->pull.architecture = a->build.arch;
  a->pull.os = a->build.os;
  a->pull.variant = a->build.variant;
  a->pull.registry.interrupted = a->build.interrupted;
  a->build.pull = &a->pull;
  a->from_source = a->build.from;
  a->build.from_name = a->from_source;
  return 0;
}

static int pull_base(sc_cli *cli, build_args *a, sc_error *err)
{
  if (pull_options(cli, a, err) < 0)
    return -1;
  if (sc_pull(a->build.from, &a->pull, &a->pulled, err) < 0)
    return sc_error_prefix(err, "base image");
  a->build.from = a->pulled.oci_reference;
  /* The annotation names the base as registries.conf resolved a short name. */
  free(a->pulled_name);
  a->pulled_name = xasprintf("docker://%s", a->pulled.name);
  a->build.from_name = a->pulled_name;
  return 0;
}

/* The platforms validate and build agree on (sc_validate_platforms):
 * --platform's list, the one of --platform or --arch when sc-build.json
 * lists platforms, else sc-build.json's.  Two or more make an image index;
 * one is built as --platform would, with its rootfs.OS-ARCH/ tree. */
static int choose_platforms(sc_cli *cli, build_args *a, const sc_project *project)
{
  const sc_platforms *list = sc_validate_platforms(project, a->platforms.count ? &a->platforms
                                                            : a->given.count   ? &a->given
                                                                               : NULL);
  if (list == NULL)
    return 0;
  if (list->count == 1) {
    a->build.os = list->items[0].os;
    a->build.arch = list->items[0].architecture;
    a->build.variant = list->items[0].variant;
  } else if (a->ostree) {
    return sc_cli_usage_error(cli, "build",
                              "--format ostree stores one platform: give one --platform (%zu "
                              "are asked for)",
                              list->count);
  }
  a->build.platforms = list;
  return 0;
}

static int run(sc_cli *cli, build_args *a)
{
  sc_error err = SC_ERROR_INIT;
  sc_project *project = NULL;
  sc_diags diags = SC_DIAGS_INIT;
  sc_build_result result = {0};
  int rc = SC_EXIT_OK;
  if (sc_project_open(a->dir, &project, &err) < 0) {
    rc = sc_cli_fail(cli, &err);
    goto out;
  }
  if (a->build.from == NULL) /* --from wins over sc-build.json "from" */
    a->build.from = project->from;
  if ((rc = choose_platforms(cli, a, project)) != 0)
    goto out;
  a->build.interrupted = sc_cli_catch_interrupts();
  a->build.tmpdir = sc_cli_tmpdir();
  a->build.warnings = &diags;
  sc_image_ref base = {0};
  bool other = a->build.from &&
               sc_image_ref_parse(a->build.from, SC_REF_SOURCE, &base, NULL) == 0 &&
               base.transport->transport != SC_TRANSPORT_OCI;
  bool docker = other && base.transport->transport == SC_TRANSPORT_DOCKER;
  sc_image_ref_clear(&base);
  /* Several platforms: the build pulls each one's base itself. */
  bool multi = a->build.platforms && a->build.platforms->count > 1;
  if ((docker && multi && pull_options(cli, a, &err) < 0) ||
      (docker && !multi && pull_base(cli, a, &err) < 0) ||
      (other && !docker && resolve_base(cli, a, &err) < 0)) {
    rc = sc_cli_fail(cli, &err);
    goto out;
  }
  if ((rc = validate_first(cli, project, a, &diags)) != 0)
    goto out;
  build_progress progress = {.bars = &a->bars};
  if (cli->progress) {
    fprintf(stderr, "sc-build: building %s\n", project->path);
    clock_gettime(CLOCK_MONOTONIC, &progress.start);
    a->build.progress = show_build_progress;
    a->build.progress_user = &progress;
  }
  if (build(cli, a, project, &result, &diags, &err) < 0) {
    if (!cli->json)
      sc_cli_print_diags(cli, &diags);
    rc = sc_cli_fail(cli, &err);
  }
out:
  sc_build_result_clear(&result);
  sc_diags_clear(&diags);
  sc_project_free(project);
  sc_error_clear(&err);
  return rc;
}

int sc_cmd_build(sc_cli *cli, int argc, char **argv)
{
  build_args a = {.reg = SC_CLI_REGISTRY_ARGS_INIT};
  bool help = false;
  int rc = parse_args(cli, &a, argc, argv, &help);
  if (rc == 0 && help)
    sc_cli_print_help(stdout, "build", &sc_cmd_build_options);
  else if (rc == 0) {
    a.layer_cache_dir = sc_cli_cache_path("layers");
    a.build.layer_cache_dir = a.layer_cache_dir;
    rc = run(cli, &a);
  }
  sc_values_free(a.labels);
  sc_values_free(a.annotations);
  sc_values_free(a.set);
  sc_platform_clear(&a.platform);
  sc_platforms_clear(&a.platforms);
  sc_platforms_clear(&a.given);
  sc_cli_registry_args_clear(&a.reg);
  sc_cli_progress_clear(&a.bars);
  sc_pull_result_clear(&a.pulled);
  free(a.resolved_from);
  free(a.pulled_name);
  free(a.layer_cache_dir);
  json_decref(a.sboms);
  sc_tree_stamp_clear(&a.stamp);
  return rc;
}
