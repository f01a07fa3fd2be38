/* cmd-push.c: sc-build push IMAGE docker://HOST[:PORT]/REPO[:TAG|@DIGEST] */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "imageref-internal.h"
#include "push.h"
#include "sign.h"
#include "sigstore-key.h"
#include "docker-scope.h"
#include "registries-d.h"
#include "image-dest.h"
#include "registry-args.h"
#include "descriptor.h"
#include "platform.h"
#include "referrer.h"
#include "util.h"

enum {
  OPT_CHUNK_SIZE = 0x1300,
  OPT_DIGESTFILE,
  OPT_JOBS,
  OPT_ALL,
  OPT_PLATFORM,
  OPT_SIGN_BY,
  OPT_SIGN_SIGSTORE,
  OPT_SIGN_PASSPHRASE_FILE
};

/* --sign-by-sigstore-private-key and its --sign-passphrase-file. */
typedef struct sigstore_args {
  const char *key, *passphrase_file;
} sigstore_args;

static const char *const state_names[] = {"checking", "exists", "mounted", "uploading", "uploaded"};

static void on_progress(const char *digest, sc_push_blob_state state, int64_t done, int64_t total,
                        void *user)
{
  sc_cli_progress_update(user, digest, state_names[state], done, total);
}

static void print_result(sc_cli *cli, const sc_push_result *r)
{
  const char *signature = r->signature;
  if (cli->json) {
    sc_cli_print_json(json_pack(
        "{s:b,s:s,s:s,s:s,s:i,s:i,s:i,s:I,s:I,s:s?,s:s?,s:O}", "ok", 1, "digest",
        r->manifest_digest, "reference", r->reference, "destination", r->destination,
        "blobs_existing", r->blobs_existing, "blobs_mounted", r->blobs_mounted, "blobs_uploaded",
        r->blobs_uploaded, "bytes_uploaded", (json_int_t)r->bytes_uploaded, "platforms",
        (json_int_t)r->platforms, "signature", signature, "sigstore_attachment",
        r->sigstore_attachment, "referrers", r->referrers));
    return;
  }
  if (r->platforms)
    sc_cli_info(cli, "pushed the image index of %zu platforms", r->platforms);
  sc_cli_info(cli, "pushed %s (%s; %d blobs uploaded, %d mounted, %d already there)", r->reference,
              r->manifest_digest, r->blobs_uploaded, r->blobs_mounted, r->blobs_existing);
  size_t referrers = json_array_size(r->referrers);
  const char *listed_by =
      json_string_value(json_object_get(json_array_get(r->referrers, 0), "listed_by"));
  if (referrers)
    sc_cli_info(cli, "pushed %zu artifact%s that refer%s to it (listed by %s)", referrers,
                referrers == 1 ? "" : "s", referrers == 1 ? "s" : "",
                listed_by && strcmp(listed_by, "referrers-api") == 0
                    ? "the registry's referrers API"
                    : "the referrers tag sha256-HEX");
  if (signature)
    sc_cli_info(cli, "signed it: %s", signature);
  if (r->sigstore_attachment)
    sc_cli_info(cli, "signed it with sigstore: %s", r->sigstore_attachment);
  printf("%s\n", r->manifest_digest);
}

/* What a copy wrote: the digest (a manifest's, an index's, or a
 * docker-archive's config's) to --digestfile and the output. */
static int copied(sc_cli *cli, const sc_image_ref *dest, const char *digestfile, const char *digest,
                  const char *config_digest, const json_t *referrers, sc_error *err)
{
  if (digestfile && sc_cli_write_digestfile(digestfile, digest, err) < 0)
    return sc_error_prefix(err, "wrote %s, but", dest->text);
  size_t n = json_array_size(referrers);
  if (cli->json)
    sc_cli_print_json(json_pack("{s:b,s:s,s:s,s:s,s:s*,s:O}", "ok", 1, "digest", digest,
                                "reference", dest->text, "destination", dest->text, "config_digest",
                                config_digest, "referrers", referrers));
  else {
    sc_cli_info(cli, "wrote %s (%s)", dest->text, digest);
    if (n)
      sc_cli_info(cli, "with %zu artifact%s that refer%s to it", n, n == 1 ? "" : "s",
                  n == 1 ? "s" : "");
    printf("%s\n", digest);
  }
  return 0;
}

/* An image index copied whole to oci: or oci-archive: (skopeo copy
 * --all's layout): every platform's image, then the index.  1 when
 * written, with *digest the index's; 0 when the source is no index. */
static int copy_index(const char *local, const sc_image_ref *dest, int64_t mtime, char **digest,
                      json_t *referrers, sc_error *err)
{
  sc_transport t = dest->transport->transport;
  _cleanup_(json_decrefp) json_t *index = NULL;
  if (t != SC_TRANSPORT_OCI && t != SC_TRANSPORT_OCI_ARCHIVE)
    return 0;
  int r = sc_image_open_index(local, &index, digest, err);
  json_t *manifests = json_object_get(index, "manifests");
  size_t n = json_array_size(manifests);
  if (r <= 0 || n == 0)
    return r;
  sc_image **images = xcalloc(n, sizeof *images);
  for (size_t i = 0; i < n && r > 0; i++) {
    sc_image_platform want;
    if (sc_image_index_platform(json_array_get(manifests, i), &want) < 0)
      r = sc_error_set(err, SC_E_INVALID, "index entry %zu names no platform", i + 1);
    else if (sc_image_open_platform(local, &want, &images[i], err) < 0)
      r = -1;
  }
  /* What is written may differ: a Docker manifest list becomes an OCI index. */
  char written[SC_DIGEST_LEN + 1];
  snprintf(written, sizeof written, "%s", *digest);
  sc_image_set set = {.images = (const sc_image *const *)images,
                      .count = n,
                      .index_digest = *digest,
                      .archive_digest = written,
                      .referrers = referrers};
  if (r > 0 &&
      sc_image_write_set(&set, dest, mtime, sc_cli_tmpdir(), sc_cli_catch_interrupts(), err) < 0)
    r = -1;
  if (r > 0 && strcmp(written, *digest) != 0) {
    free(*digest);
    *digest = xstrdup(written);
  }
  for (size_t i = 0; i < n; i++)
    sc_image_free(images[i]);
  free(images);
  return r;
}

/* docker-archive: and dir: hold one image and no OCI artifacts: the
 * referrers of the source's image (an SBOM, a signature) are left behind,
 * which a note says rather than a silent copy without them. */
static void note_dropped_referrers(sc_cli *cli, const sc_image *image, const sc_image_ref *dest)
{
  sc_transport t = dest->transport->transport;
  json_t *referrers = NULL;
  if ((t != SC_TRANSPORT_DOCKER_ARCHIVE && t != SC_TRANSPORT_DIR) ||
      image->kind != SC_IMAGE_OCI_LAYOUT ||
      sc_referrer_list(image->layout_fd, image->manifest_digest, &referrers, NULL) < 0)
    return;
  size_t n = json_array_size(referrers);
  if (n)
    sc_cli_info(cli,
                "note: %s holds no OCI artifacts: %zu that refer%s to %s (an SBOM, a signature) "
                "%s not copied; copy to oci: or oci-archive: to keep them",
                dest->transport->name, n, n == 1 ? "s" : "", image->manifest_digest,
                n == 1 ? "was" : "were");
  json_decref(referrers);
}

/* A local destination (image-dest.h): the image read through the cache
 * as a layout, its blobs and manifest copied as they are; of an image
 * index, the host's platform's image, or --platform's. */
static int copy_image(sc_cli *cli, const char *image, const sc_image_ref *dest,
                      sc_cli_registry_args *reg, const char *digestfile, int64_t mtime,
                      const sc_image_platform *platform, sc_error *err)
{
  sc_image_source src;
  sc_image *opened = NULL;
  reg->pull_all = platform == NULL; /* an index is copied whole */
  if ((digestfile && sc_cli_check_digestfile(digestfile, err) < 0) ||
      sc_cli_resolve_source(cli, reg, image, true, &src, err) < 0)
    return -1;
  _cleanup_free_ char *index_digest = NULL;
  _cleanup_(json_decrefp) json_t *referrers = json_array();
  int whole = platform ? 0 : copy_index(src.local, dest, mtime, &index_digest, referrers, err);
  if (whole != 0) {
    sc_image_source_clear(&src);
    return whole < 0 ? -1 : copied(cli, dest, digestfile, index_digest, NULL, referrers, err);
  }
  int rc = sc_image_open_platform(src.local, platform, &opened, err);
  char digest[SC_DIGEST_LEN + 1];
  if (rc == 0)
    rc = sc_image_write(opened, dest, mtime, sc_cli_tmpdir(), sc_cli_catch_interrupts(), digest,
                        referrers, err);
  if (rc == 0)
    note_dropped_referrers(cli, opened, dest);
  if (rc == 0)
    rc = copied(cli, dest, digestfile, digest, opened->config_descriptor.digest, referrers, err);
  sc_image_free(opened);
  sc_image_source_clear(&src);
  return rc;
}

/* Ready to sign before anything is pushed: the key and a lookaside. */
static int prepare_signer(const char *sign_by, const char *dest, sc_cli_registry_args *reg,
                          sc_signer **signer, sc_error *err)
{
  *signer = NULL;
  if (sign_by == NULL)
    return 0;
  sc_registry_ref ref;
  if (sc_registry_ref_parse(dest, &ref, err) < 0)
    return -1;
  int rc = sc_signer_new(sign_by, sc_cli_registry_registries_d(reg), ref.host, ref.repository,
                         ref.tag, signer, err);
  sc_registry_ref_clear(&ref);
  return rc;
}

/* The destination's registries.d entry must keep sigstore signatures as
 * attachments: skopeo refuses to write them otherwise, and no reader
 * would look for them. */
static int check_attachments(const char *dest, sc_cli_registry_args *reg, sc_error *err)
{
  sc_registry_ref ref;
  if (sc_registry_ref_parse(dest, &ref, err) < 0)
    return -1;
  sc_registries_d *d = NULL;
  int rc = sc_registries_d_load(sc_cli_registry_registries_d(reg), &d, err);
  _cleanup_strv_ char **scopes = sc_docker_scopes(ref.host, ref.repository, ref.tag, ref.digest);
  if (rc == 0 && !sc_registries_d_use_sigstore_attachments(d, scopes, NULL))
    rc = sc_error_set(err, SC_E_INVALID,
                      "--sign-by-sigstore-private-key: registries.d %s does not set "
                      "use-sigstore-attachments: true for %s/%s: add `docker: {%s: "
                      "{use-sigstore-attachments: true}}` to a .yaml file there, or name another "
                      "directory with --registries.d",
                      sc_registries_d_dir(d), ref.host, ref.repository, ref.host);
  sc_registries_d_free(d);
  sc_registry_ref_clear(&ref);
  return rc;
}

/* The sigstore key, decrypted before anything is pushed. */
static int prepare_sigstore(const sigstore_args *args, const char *dest, sc_cli_registry_args *reg,
                            EVP_PKEY **key, sc_error *err)
{
  *key = NULL;
  if (args->key == NULL)
    return 0;
  char *passphrase = NULL;
  if (check_attachments(dest, reg, err) < 0 ||
      (args->passphrase_file &&
       sc_sigstore_passphrase_read(args->passphrase_file, &passphrase, err) < 0))
    return -1;
  int rc = sc_sigstore_key_load(args->key, passphrase, key, err);
  sc_sigstore_passphrase_free(passphrase);
  return rc;
}

static int push_to_registry(sc_cli *cli, const char *image, const char *dest,
                            sc_cli_registry_args *reg, const char *digestfile, const char *sign_by,
                            const sigstore_args *sigstore, sc_push_options *options)
{
  sc_error err = SC_ERROR_INIT;
  sc_push_result result = {0};
  sc_signer *signer = NULL;
  EVP_PKEY *sigstore_key = NULL;
  int rc = SC_EXIT_OK;
  if ((digestfile && sc_cli_check_digestfile(digestfile, &err) < 0) ||
      prepare_signer(sign_by, dest, reg, &signer, &err) < 0 ||
      prepare_sigstore(sigstore, dest, reg, &sigstore_key, &err) < 0 ||
      sc_cli_registry_creds_for(reg, dest, &err) < 0) {
    rc = sc_cli_fail(cli, &err);
    goto out;
  }
  options->registry = sc_cli_registry_options(cli, reg);
  options->policy = sc_cli_registry_policy(reg);
  options->registries_d = sc_cli_registry_registries_d(reg);
  options->sigstore_key = sigstore_key;
  options->sigstore_timestamp = (int64_t)time(NULL);
  options->signer = signer;
  options->signer_timestamp = options->sigstore_timestamp;
  if (sc_push(image, dest, options, &result, &err) < 0) {
    rc = sc_cli_fail(cli, &err);
  } else if (digestfile && sc_cli_write_digestfile(digestfile, result.manifest_digest, &err) < 0) {
    sc_error_prefix(&err, "pushed %s as %s, but", result.reference, result.manifest_digest);
    rc = sc_cli_fail(cli, &err);
  } else {
    print_result(cli, &result);
  }
out:
  sc_signer_free(signer);
  EVP_PKEY_free(sigstore_key);
  sc_push_result_clear(&result);
  sc_cli_registry_args_clear(reg);
  sc_error_clear(&err);
  return rc;
}

static int run_push(sc_cli *cli, const char *image, const char *dest, sc_cli_registry_args *reg,
                    const char *digestfile, const char *sign_by, const sigstore_args *sigstore,
                    sc_push_options *options)
{
  sc_image_ref dest_ref;
  sc_error parse_err = SC_ERROR_INIT;
  if (sc_image_ref_parse(dest, SC_REF_DESTINATION, &dest_ref, &parse_err) < 0) {
    int bad = sc_cli_usage_error(cli, "push", "%s", parse_err.msg);
    sc_error_clear(&parse_err);
    sc_cli_registry_args_clear(reg);
    return bad;
  }
  bool registry = dest_ref.transport->transport == SC_TRANSPORT_DOCKER;
  if (!registry && (sign_by || sigstore->key)) {
    sc_image_ref_clear(&dest_ref);
    sc_cli_registry_args_clear(reg);
    return sc_cli_usage_error(cli, "push", "%s signs images pushed to docker:// only",
                              sign_by ? "--sign-by" : "--sign-by-sigstore-private-key");
  }
  if (!registry) {
    int64_t mtime = 0;
    int exit = sc_cli_source_date_epoch(cli, &mtime);
    if (exit == 0 && copy_image(cli, image, &dest_ref, reg, digestfile, mtime, options->platform,
                                &parse_err) < 0)
      exit = sc_cli_fail(cli, &parse_err);
    sc_image_ref_clear(&dest_ref);
    sc_error_clear(&parse_err);
    sc_cli_registry_args_clear(reg);
    return exit;
  }
  sc_image_ref_clear(&dest_ref);
  return push_to_registry(cli, image, dest, reg, digestfile, sign_by, sigstore, options);
}

static const sc_cli_option push_options[] = {
    SC_CLI_GLOBAL_OPTIONS,
    SC_CLI_REGISTRY_OPTIONS,
    {"chunk-size", required_argument, OPT_CHUNK_SIZE, "BYTES",
     "blobs larger than this upload in chunks of this size (default 32M)"},
    {"digestfile", required_argument, OPT_DIGESTFILE, "FILE",
     "write the manifest digest to FILE, as skopeo does"},
    {"jobs", required_argument, OPT_JOBS, "N", "blobs uploaded at once (default 4)"},
    {"sign-by", required_argument, OPT_SIGN_BY, "FINGERPRINT",
     "sign the manifest with this GnuPG secret key (a simple signing signature)"},
    {"sign-by-sigstore-private-key", required_argument, OPT_SIGN_SIGSTORE, "KEY",
     "sign the manifest with this cosign private key (a sigstore signature)"},
    {"sign-passphrase-file", required_argument, OPT_SIGN_PASSPHRASE_FILE, "FILE",
     "the sigstore key's passphrase: the first line of FILE"},
    {"all", no_argument, OPT_ALL, NULL, "push an image index whole (the default)"},
    {"platform", required_argument, OPT_PLATFORM, "OS/ARCH[/VARIANT]",
     "push this platform's image of an index alone, as a plain manifest"},
    SC_CLI_OPTIONS_END,
};
const sc_cli_options sc_cmd_push_options = {
    .options = push_options,
    .shortopts = SC_CLI_GLOBAL_SHORT,
    .operands = "IMAGE docker://HOST[:PORT]/REPO[:TAG|@DIGEST]\n"
                "IMAGE oci:PATH[:REF]|oci-archive:PATH[:REF]|dir:PATH\n"
                "IMAGE docker-archive:PATH[:NAME:TAG]",
    .about = "Push IMAGE (oci:, oci-archive:, docker-archive:, dir:, docker:// or ostree:) to a\n"
             "registry over the OCI distribution API, or copy it to a local destination, and\n"
             "print the manifest digest.\n\n"
             "Blobs the registry has are skipped; blobs pushed before to another repository of\n"
             "the registry are mounted; the others upload, up to --jobs (default 4) at once, and\n"
             "the manifest goes last.  An ostree: image's layers are packed again and must match\n"
             "the config's diff_ids.  Credentials come from --creds, else REGISTRY_AUTH_FILE,\n"
             "$XDG_RUNTIME_DIR/containers/auth.json (see sc-build login),\n"
             "$DOCKER_CONFIG/config.json or ~/.docker/config.json.  --verbose lists each request\n"
             "(method, path, status, origin) on stderr.  Each request is bounded: the connection\n"
             "(--connect-timeout, default 30 s), the wait for an answer (--first-byte-timeout,\n"
             "default 120 s), a transfer moving under 1 KiB in --stall-timeout (default 30 s),\n"
             "and answers other than blobs (--max-response-size, default 4M).\n\n"
             "--sign-by FINGERPRINT signs the pushed manifest with that GnuPG secret key\n"
             "($GNUPGHOME) as a containers-signature(5) simple signature, stored under the\n"
             "lookaside-staging directory registries.d (--registries.d DIR) configures for the\n"
             "destination.  --sign-by-sigstore-private-key KEY signs it with a cosign/sigstore\n"
             "private key (encrypted: its passphrase is the first line of --sign-passphrase-file)\n"
             "as a sigstore signature, attached in the registry as the tag sha256-HEX.sig;\n"
             "registries.d must set use-sigstore-attachments: true for the destination.\n"
             "A docker:// IMAGE is checked against the signature policy\n"
             "(--policy FILE; see docs/signatures.md).\n\n"
             "An image index (sc-build build --platform P1,P2) is pushed whole to a registry\n"
             "(--all, the default): every platform's blobs and manifest, then the index under\n"
             "the tag, and copied whole to oci: and oci-archive:.  --platform P pushes P's\n"
             "image alone, as a plain manifest; dir: and docker-archive: get one platform's\n"
             "image: the host's, or --platform's.\n",
};

int sc_cmd_push(sc_cli *cli, int argc, char **argv)
{
  sc_push_options push = {.all = true, .tmpdir = sc_cli_tmpdir()};
  sc_platform platform = {0};
  sc_image_platform want = {0};
  sc_cli_registry_args reg = SC_CLI_REGISTRY_ARGS_INIT;
  const char *digestfile = NULL, *sign_by = NULL;
  sc_error err = SC_ERROR_INIT;
  sigstore_args sigstore = {0};
  int opt, taken;
  while ((opt = sc_cli_getopt("push", argc, argv, &sc_cmd_push_options, &err)) != -1) {
    if (opt == '?') {
      return sc_cli_fail_clear(cli, &err);
    } else if (opt == 'h') {
      sc_cli_print_help(stdout, "push", &sc_cmd_push_options);
      return SC_EXIT_OK;
    } else if ((taken = sc_cli_registry_option(cli, "push", &reg, opt, optarg)) != 0) {
      if (taken != 1)
        return taken;
    } else if (opt == OPT_CHUNK_SIZE) {
      if (sc_cli_parse_size(optarg, &push.chunk_size) < 0)
        return sc_cli_usage_error(cli, "push", "--chunk-size takes a size in bytes (or Nk, NM)");
    } else if (opt == OPT_DIGESTFILE) {
      digestfile = optarg;
    } else if (opt == OPT_SIGN_BY) {
      sign_by = optarg;
    } else if (opt == OPT_SIGN_SIGSTORE) {
      sigstore.key = optarg;
    } else if (opt == OPT_SIGN_PASSPHRASE_FILE) {
      sigstore.passphrase_file = optarg;
    } else if (opt == OPT_ALL) {
      /* the default; named for skopeo copy --all's users */
    } else if (opt == OPT_PLATFORM) {
      sc_platform_clear(&platform);
      if (sc_platform_parse(optarg, &platform, &err) < 0) {
        int bad = sc_cli_usage_error(cli, "push", "%s", err.msg);
        sc_error_clear(&err);
        return bad;
      }
      want = (sc_image_platform){platform.os, platform.architecture, platform.variant};
      push.platform = &want;
    } else if (opt == OPT_JOBS) {
      push.jobs = atoi(optarg);
      if (push.jobs < 1 || push.jobs > 64)
        return sc_cli_usage_error(cli, "push", "--jobs takes a number from 1 to 64");
    } else if (!sc_cli_global_option(cli, opt)) {
      return sc_cli_usage_error(cli, "push", "unknown option '%s'", argv[optind - 1]);
    }
  }
  sc_cli_finish_options(cli);
  int stray = sc_cli_registry_stray_bool(cli, "push", optind, argc, argv);
  if (stray != 0)
    return stray;
  if (optind != argc - 2)
    return sc_cli_usage_error(cli, "push", "push takes IMAGE and a docker:// destination");
  if (sigstore.passphrase_file && sigstore.key == NULL)
    return sc_cli_usage_error(cli, "push",
                              "--sign-passphrase-file goes with --sign-by-sigstore-private-key");
  sc_cli_progress bars = {0};
  if (cli->progress && !cli->verbose) {
    push.progress = on_progress;
    push.progress_user = &bars;
  }
  _cleanup_free_ char *blob_record = sc_cli_cache_path("registry-blobs.json");
  _cleanup_free_ char *bases = sc_cli_cache_path("bases");
  push.cache_path = blob_record;
  push.bases_cache_dir = bases;
  int rc =
      run_push(cli, argv[optind], argv[optind + 1], &reg, digestfile, sign_by, &sigstore, &push);
  sc_cli_progress_clear(&bars);
  sc_platform_clear(&platform);
  return rc;
}
