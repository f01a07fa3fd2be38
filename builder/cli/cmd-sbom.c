/* cmd-sbom.c: `sc-build sbom IMAGE [-o DEST]`. */
#include "cli.h"
#include "registry-args.h"

#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "image-source.h"
#include "sbom.h"
#include "util.h"

static int write_document(sc_cli *cli, json_t *doc, const char *output, sc_error *err)
{
  size_t len = 0;
  _cleanup_free_ char *line = sc_sbom_text(doc, &len);
  if (output == NULL) {
    fputs(line, stdout);
    return 0;
  }
  if (sc_write_file_at(AT_FDCWD, output, line, len, 0644, err) < 0)
    return sc_error_prefix(err, "cannot write the SBOM");
  size_t packages = json_array_size(json_object_get(doc, "packages"));
  size_t files = json_array_size(json_object_get(doc, "files"));
  if (cli->json)
    sc_cli_print_json(json_pack("{s:b, s:s, s:I, s:I}", "ok", 1, "output", output, "packages",
                                (json_int_t)(packages ? packages - 1 : 0), "files",
                                (json_int_t)files));
  else
    sc_cli_info(cli, "wrote %s: %zu packages, %zu files\n", output, packages ? packages - 1 : 0,
                files);
  return 0;
}

static int sbom_of(sc_cli *cli, sc_cli_registry_args *reg, const char *ref, const char *output,
                   sc_sbom_options *options, sc_error *err)
{
  sc_image_source source = {0};
  sc_image *image = NULL;
  json_t *doc = NULL;
  int r = sc_cli_resolve_source(cli, reg, ref, true, &source, err);
  if (r == 0)
    r = sc_image_open(source.local, &image, err);
  if (r == 0) {
    options->name = source.name;
    r = sc_sbom_document(image, options, &doc, err);
  }
  if (r == 0)
    r = write_document(cli, doc, output, err);
  json_decref(doc);
  sc_image_free(image);
  sc_image_source_clear(&source);
  return r;
}

static void print_attached(sc_cli *cli, const char *ref, json_t *attached)
{
  if (cli->json) {
    sc_cli_print_json(json_pack("{s:b,s:s,s:O}", "ok", 1, "image", ref, "attached", attached));
    return;
  }
  size_t i;
  json_t *a;
  json_array_foreach(attached, i, a) sc_cli_info(cli, "attached the SBOM of %s as %s",
                                                 json_string_value(json_object_get(a, "subject")),
                                                 json_string_value(json_object_get(a, "digest")));
}

/* --attach: into the image's own layout, never a cache's copy. */
static int attach(sc_cli *cli, sc_cli_registry_args *reg, const char *ref, sc_sbom_options *options,
                  sc_error *err)
{
  sc_image_source source = {0};
  _cleanup_(json_decrefp) json_t *attached = NULL;
  int r = sc_cli_resolve_source(cli, reg, ref, true, &source, err);
  if (r == 0 && source.ref.transport->transport != SC_TRANSPORT_OCI)
    r = sc_error_set(err, SC_E_USAGE,
                     "--attach stores the SBOM in an OCI layout: %s is a %s: image; copy it "
                     "into one (skopeo copy %s oci:DIR:TAG) and attach there",
                     ref, source.ref.transport->name, ref);
  if (r == 0) {
    options->name = source.name;
    r = sc_sbom_attach(source.local, options, &attached, err);
  }
  if (r == 0)
    print_attached(cli, ref, attached);
  sc_image_source_clear(&source);
  return r;
}

static const sc_cli_option sbom_options[] = {
    SC_CLI_GLOBAL_OPTIONS,
    SC_CLI_REGISTRY_OPTIONS,
    {"output", required_argument, 'o', "DEST",
     "write the document to DEST (atomically), not stdout; --json then prints a summary"},
    {"attach", no_argument, 'A', NULL,
     "store it in IMAGE's OCI layout as an OCI 1.1 artifact (artifactType "
     "application/spdx+json) whose subject is the image's manifest, one per platform"},
    SC_CLI_OPTIONS_END,
};
const sc_cli_options sc_cmd_sbom_options = {
    .options = sbom_options,
    .shortopts = SC_CLI_GLOBAL_SHORT "o:",
    .operands = "IMAGE",
    .about = "Write an SPDX 2.3 JSON document for an image: the image (by its manifest\n"
             "digest), the packages of its dpkg, apk and rpm databases (rpm's read by\n"
             "librpm), and every other regular file (one no dpkg package owns) with its\n"
             "sha256.  The same image gives the same bytes: `created` is\n"
             "SOURCE_DATE_EPOCH when set, else the image's creation time.  IMAGE is any\n"
             "reference `sc-build inspect` reads (oci:, oci-archive:, docker-archive:,\n"
             "dir:, ostree:, docker://, or an OCI layout's path).\n",
};

int sc_cmd_sbom(sc_cli *cli, int argc, char **argv)
{
  sc_cli_registry_args reg = SC_CLI_REGISTRY_ARGS_INIT;
  const char *output = NULL;
  bool attaching = false;
  sc_error err = SC_ERROR_INIT;
  int opt, taken;
  while ((opt = sc_cli_getopt("sbom", argc, argv, &sc_cmd_sbom_options, &err)) != -1) {
    if (opt == '?')
      return sc_cli_fail_clear(cli, &err);
    if (opt == 'h') {
      sc_cli_print_help(stdout, "sbom", &sc_cmd_sbom_options);
      return SC_EXIT_OK;
    }
    if (opt == 'o') {
      output = optarg;
    } else if (opt == 'A') {
      attaching = true;
    } else if ((taken = sc_cli_registry_option(cli, "sbom", &reg, opt, optarg)) != 0) {
      if (taken != 1)
        return taken;
    } else if (!sc_cli_global_option(cli, opt)) {
      return sc_cli_usage_error(cli, "sbom", "unknown option '%s'", argv[optind - 1]);
    }
  }
  sc_cli_finish_options(cli);
  if (argc - optind != 1)
    return sc_cli_usage_error(cli, "sbom", "expected one IMAGE");
  if (attaching && output)
    return sc_cli_usage_error(cli, "sbom", "--attach and --output: give one");
  sc_sbom_options sbom = {.interrupted = sc_cli_catch_interrupts(), .tmpdir = sc_cli_tmpdir()};
  int rc = sc_cli_source_date_epoch_if_set(cli, &sbom.dated, &sbom.source_date_epoch);
  if (rc != 0) {
    sc_cli_registry_args_clear(&reg);
    return rc;
  }
  int failed = (attaching ? attach(cli, &reg, argv[optind], &sbom, &err)
                          : sbom_of(cli, &reg, argv[optind], output, &sbom, &err)) < 0;
  sc_cli_registry_args_clear(&reg);
  if (failed) {
    rc = sc_cli_fail(cli, &err);
    sc_error_clear(&err);
    return rc;
  }
  return SC_EXIT_OK;
}
