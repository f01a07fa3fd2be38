/* cmd-pull.c: sc-build pull [OPTIONS] IMAGE: a registry's image into the
 * base cache (pull.h), where install docker://, build --from, inspect and
 * images find it without the registry. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "platform.h"
#include "pull.h"
#include "registry-args.h"
#include "util.h"

enum { OPT_PLATFORM = 0x1700 };

static const sc_cli_option pull_options[] = {
    SC_CLI_GLOBAL_OPTIONS,
    SC_CLI_REGISTRY_OPTIONS,
    {"platform", required_argument, OPT_PLATFORM, "OS/ARCH[/VARIANT]",
     "the platform's image of an index (default: linux and this machine's architecture)"},
    SC_CLI_OPTIONS_END,
};
const sc_cli_options sc_cmd_pull_options = {
    .options = pull_options,
    .shortopts = SC_CLI_GLOBAL_SHORT,
    .operands = "IMAGE",
    .about = "Pull IMAGE, docker://HOST/REPO[:TAG|@DIGEST] (the docker:// may be left out; a\n"
             "short name is resolved through registries.conf), into sc-build's cache of base\n"
             "images, $XDG_CACHE_HOME/sc-build/bases, once it satisfies the signature policy of\n"
             "--policy and --registries.d: nothing of a refused image is kept.  Prints the\n"
             "manifest digest; install and build read docker://HOST/REPO@DIGEST from\n"
             "the cache then, with the registry out of reach.\n",
};

typedef struct pull_args {
  sc_cli_registry_args reg;
  sc_platform platform; /* --platform; NULL parts: the defaults */
  char *source;         /* IMAGE with its docker:// */
} pull_args;

static void pull_args_clear(pull_args *a)
{
  sc_cli_registry_args_clear(&a->reg);
  sc_platform_clear(&a->platform);
  free(a->source);
}

/* IMAGE as a docker:// reference: a name without a transport is one (as
 * podman pull reads it); another transport is not pulled from anywhere. */
static int settle_source(sc_cli *cli, const char *image, char **source)
{
  const char *colon = strchr(image, ':');
  _cleanup_free_ char *prefix = colon ? xstrndup(image, (size_t)(colon - image)) : NULL;
  const sc_transport_info *t = prefix ? sc_transport_find(prefix) : NULL;
  if (t && t->transport != SC_TRANSPORT_DOCKER)
    return sc_cli_usage_error(cli, "pull",
                              "'%s' is not in a registry: pull reads "
                              "docker://HOST/REPO[:TAG|@DIGEST]",
                              image);
  *source = t ? xstrdup(image) : xasprintf("docker://%s", image);
  sc_image_ref ref;
  sc_error err = SC_ERROR_INIT;
  if (sc_image_ref_parse(*source, SC_REF_SOURCE | SC_REF_EXPLICIT, &ref, &err) < 0) {
    int rc = sc_cli_usage_error(cli, "pull", "%s", err.msg);
    sc_error_clear(&err);
    return rc;
  }
  sc_image_ref_clear(&ref);
  return 0;
}

static int parse_args(sc_cli *cli, int argc, char **argv, pull_args *a)
{
  sc_error err = SC_ERROR_INIT;
  int opt, taken;
  while ((opt = sc_cli_getopt("pull", argc, argv, &sc_cmd_pull_options, &err)) != -1) {
    if (opt == '?')
      return sc_cli_fail_clear(cli, &err);
    if (opt == 'h') {
      sc_cli_print_help(stdout, "pull", &sc_cmd_pull_options);
      return -1;
    }
    if ((taken = sc_cli_registry_option(cli, "pull", &a->reg, opt, optarg)) != 0) {
      if (taken != 1)
        return taken;
    } else if (opt == OPT_PLATFORM) {
      sc_platform_clear(&a->platform);
      if (sc_platform_parse(optarg, &a->platform, &err) < 0) {
        int rc = sc_cli_usage_error(cli, "pull", "--platform: %s", err.msg);
        sc_error_clear(&err);
        return rc;
      }
    } else if (!sc_cli_global_option(cli, opt)) {
      return sc_cli_usage_error(cli, "pull", "unknown option '%s'", argv[optind - 1]);
    }
  }
  sc_cli_finish_options(cli);
  int stray = sc_cli_registry_stray_bool(cli, "pull", optind, argc, argv);
  if (stray != 0)
    return stray;
  if (argc - optind != 1)
    return sc_cli_usage_error(cli, "pull", "pull takes one IMAGE");
  return settle_source(cli, argv[optind], &a->source);
}

static void print_result(sc_cli *cli, const pull_args *a, const sc_pull_result *r,
                         const char *cache_dir)
{
  if (cli->json) {
    sc_cli_print_json(json_pack(
        "{s:b,s:s,s:s,s:s,s:s,s:s,s:i,s:i,s:I,s:b}", "ok", 1, "source", a->source, "name", r->name,
        "digest", r->manifest_digest, "reference", r->oci_reference, "cache", cache_dir,
        "blobs_downloaded", r->blobs_downloaded, "blobs_cached", r->blobs_cached,
        "bytes_downloaded", (json_int_t)r->bytes_downloaded, "offline", r->offline));
    return;
  }
  sc_cli_info(cli, "pulled %s (%d blobs downloaded, %lld bytes; %d already cached%s)", r->name,
              r->blobs_downloaded, (long long)r->bytes_downloaded, r->blobs_cached,
              r->offline ? "; no network needed" : "");
  sc_cli_info(cli, "kept in %s as %s", cache_dir, r->oci_reference);
  printf("%s\n", r->manifest_digest);
}

/* Credentials, then the pull itself, with bars on a terminal. */
static int run_pull(sc_cli *cli, pull_args *a, sc_error *err)
{
  if (sc_cli_registry_creds_for(&a->reg, a->source, err) < 0)
    return -1;
  sc_cli_progress bars = {0};
  sc_pull_options options = sc_cli_pull_options(cli, &a->reg, &bars);
  options.os = a->platform.os;
  options.architecture = a->platform.architecture;
  options.variant = a->platform.variant;
  sc_pull_result result = {0};
  int rc = sc_pull(a->source, &options, &result, err);
  sc_cli_progress_clear(&bars);
  if (rc == 0)
    print_result(cli, a, &result, options.cache_dir);
  else if (err->msg && !strstr(err->msg, a->source))
    sc_error_prefix(err, "%s", a->source);
  sc_pull_result_clear(&result);
  return rc;
}

int sc_cmd_pull(sc_cli *cli, int argc, char **argv)
{
  pull_args a = {.reg = SC_CLI_REGISTRY_ARGS_INIT};
  sc_error err = SC_ERROR_INIT;
  int rc = parse_args(cli, argc, argv, &a);
  if (rc == -1) /* --help */
    rc = SC_EXIT_OK;
  else if (rc == 0 && run_pull(cli, &a, &err) < 0)
    rc = sc_cli_fail(cli, &err);
  sc_error_clear(&err);
  pull_args_clear(&a);
  return rc;
}
