/* cmd-inspect.c: `sc-build inspect IMAGE [--json]`. */
#include "cli.h"
#include "registry-args.h"
#include "registry.h"
#include "util.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "inspect.h"
#include "referrer.h"
#include "util.h"

static const char *string_or(const json_t *doc, const char *key, const char *fallback)
{
  const char *s = json_string_value(json_object_get(doc, key));
  return s ? s : fallback;
}

static void print_image(const json_t *doc);

/* An image index: its digest, then each platform's image. */
static void print_index(const json_t *doc)
{
  printf("Reference:     %s\n", string_or(doc, "reference", "?"));
  if (json_object_get(doc, "tag"))
    printf("Tag:           %s\n", string_or(doc, "tag", "?"));
  printf("Index:         %s\n", string_or(doc, "digest", "?"));
  json_t *platforms = json_object_get(doc, "platforms");
  printf("Platforms:     %zu\n", json_array_size(platforms));
  size_t i;
  json_t *p;
  json_array_foreach(platforms, i, p)
  {
    json_t *platform = json_object_get(p, "platform");
    const char *variant = string_or(platform, "variant", NULL);
    printf("\nImage for:     %s/%s%s%s\n", string_or(platform, "os", "?"),
           string_or(platform, "architecture", "?"), variant ? "/" : "", variant ? variant : "");
    print_image(p);
  }
}

static void print_plain(const json_t *doc)
{
  if (json_object_get(doc, "platforms")) {
    print_index(doc);
    return;
  }
  printf("Reference:     %s\n", string_or(doc, "reference", "?"));
  if (json_object_get(doc, "tag"))
    printf("Tag:           %s\n", string_or(doc, "tag", "?"));
  if (json_object_get(doc, "repo_tags")) {
    json_t *tags = json_object_get(doc, "repo_tags");
    size_t i;
    json_t *t;
    printf("Tags:         ");
    json_array_foreach(tags, i, t) printf(" %s", json_string_value(t) ? json_string_value(t) : "");
    printf("\n");
  }
  print_image(doc);
}

/* What one platform's image is. */
static void print_image(const json_t *doc)
{
  if (json_object_get(doc, "digest"))
    printf("Digest:        %s\n", string_or(doc, "digest", "?"));
  printf("Config:        %s\n", string_or(doc, "config_digest", "?"));
  printf("Created:       %s\n", string_or(doc, "created", "unknown"));
  const char *variant = string_or(doc, "variant", NULL);
  printf("Platform:      %s/%s%s%s\n", string_or(doc, "os", "?"),
         string_or(doc, "architecture", "?"), variant ? "/" : "", variant ? variant : "");
  printf("Labels:\n");
  const char *key;
  json_t *v;
  json_object_foreach((json_t *)json_object_get(doc, "labels"), key, v)
      printf("  %s=%s\n", key, json_string_value(v) ? json_string_value(v) : "");
  printf("Layers:\n");
  size_t i;
  json_array_foreach(json_object_get(doc, "layers"), i, v) printf(
      "  %s  %lld  %s\n", string_or(v, "digest", "?"),
      (long long)json_integer_value(json_object_get(v, "size")), string_or(v, "mediaType", "?"));
  printf("Size:          %lld bytes\n",
         (long long)json_integer_value(json_object_get(doc, "size")));
  printf("Exports:\n");
  json_object_foreach((json_t *)json_object_get(doc, "exports"), key, v)
      printf("  %-22s %s\n", key, json_is_true(v) ? "present" : "missing");
  json_t *referrers = json_object_get(doc, "referrers");
  if (json_array_size(referrers))
    printf("Referrers:\n");
  json_array_foreach(referrers, i, v)
      printf("  %s %s %lld bytes\n", string_or(v, "artifactType", "?"), string_or(v, "digest", "?"),
             (long long)json_integer_value(json_object_get(v, "size")));
}

/* A docker:// image's referrers, from the registry (the cache holds
 * none): per platform of an index, else the image's. */
static int add_registry_referrers(sc_cli *cli, sc_cli_registry_args *reg, const char *image,
                                  json_t *doc, sc_error *err)
{
  sc_registry_options options = sc_cli_registry_options(cli, reg);
  json_t *platforms = json_object_get(doc, "platforms");
  size_t count = platforms ? json_array_size(platforms) : 1;
  for (size_t i = 0; i < count; i++) {
    json_t *one = platforms ? json_array_get(platforms, i) : doc, *referrers = NULL;
    const char *digest = json_string_value(json_object_get(one, "digest"));
    if (digest && sc_referrer_fetch(image, &options, digest, &referrers, err) < 0)
      return -1;
    if (referrers)
      json_object_set_new(one, "referrers", referrers);
  }
  return 0;
}

/* The referrers are extra: an image read from the cache while its
 * registry cannot be reached is still shown, without them. */
static void show_registry_referrers(sc_cli *cli, sc_cli_registry_args *reg, const char *image,
                                    json_t *doc)
{
  sc_error err = SC_ERROR_INIT;
  if (add_registry_referrers(cli, reg, image, doc, &err) < 0)
    sc_cli_info(cli, "the referrers of %s are not listed: %s", image, err.msg);
  sc_error_clear(&err);
}

static const sc_cli_option inspect_options[] = {
    SC_CLI_GLOBAL_OPTIONS,
    SC_CLI_REGISTRY_OPTIONS,
    SC_CLI_OPTIONS_END,
};
const sc_cli_options sc_cmd_inspect_options = {
    .options = inspect_options,
    .shortopts = SC_CLI_GLOBAL_SHORT,
    .operands = "IMAGE",
    .about = "Show an image: reference, manifest digest, creation time, platform, labels,\n"
             "layers, size, and which of the four /exports/ files it has.  IMAGE is\n"
             "oci:PATH[:REF|@DIGEST], oci-archive:PATH[:REF], docker-archive:PATH[:NAME:TAG|:@N],\n"
             "dir:PATH, ostree:NAME[:TAG][@REPO], the path of an OCI layout directory, or\n"
             "docker://HOST/REPO[:TAG|@DIGEST], pulled into the cache (--creds USER[:PASS],\n"
             "--tls-verify[=BOOL] and --cert-dir DIR as for push).\n",
};

/* A pulled image is described as the docker:// reference it came from. */
int sc_cmd_inspect(sc_cli *cli, int argc, char **argv)
{
  sc_cli_registry_args reg = SC_CLI_REGISTRY_ARGS_INIT;
  reg.pull_all = true; /* an index is shown with every platform */
  sc_error err = SC_ERROR_INIT;
  int opt, taken;
  while ((opt = sc_cli_getopt("inspect", argc, argv, &sc_cmd_inspect_options, &err)) != -1) {
    if (opt == '?')
      return sc_cli_fail_clear(cli, &err);
    if (opt == 'h') {
      sc_cli_print_help(stdout, "inspect", &sc_cmd_inspect_options);
      return SC_EXIT_OK;
    }
    if ((taken = sc_cli_registry_option(cli, "inspect", &reg, opt, optarg)) != 0) {
      if (taken != 1)
        return taken;
    } else if (!sc_cli_global_option(cli, opt)) {
      return sc_cli_usage_error(cli, "inspect", "unknown option '%s'", argv[optind - 1]);
    }
  }
  sc_cli_finish_options(cli);
  if (argc - optind != 1)
    return sc_cli_usage_error(cli, "inspect", "expected one IMAGE");
  json_t *doc = NULL;
  sc_image_source source = {0};
  int failed = sc_cli_resolve_source(cli, &reg, argv[optind], false, &source, &err) < 0 ||
               sc_inspect_source(&source, &doc, &err) < 0;
  if (!failed && source.ref.transport->transport == SC_TRANSPORT_DOCKER)
    show_registry_referrers(cli, &reg, argv[optind], doc);
  sc_image_source_clear(&source);
  sc_cli_registry_args_clear(&reg);
  if (failed) {
    json_decref(doc);
    int rc = sc_cli_fail(cli, &err);
    sc_error_clear(&err);
    return rc;
  }
  if (cli->json) {
    json_object_set_new(doc, "ok", json_true());
    sc_cli_print_json(doc);
    return SC_EXIT_OK;
  }
  if (!cli->quiet)
    print_plain(doc);
  json_decref(doc);
  return SC_EXIT_OK;
}
