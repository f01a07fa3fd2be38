/* registry-args.h: the registry options push, build --from docker:// and
 * login share: --creds, --tls-verify, --cert-dir, and where credentials
 * come from when --creds is not given. */
#ifndef SC_CLI_REGISTRY_ARGS_H
#define SC_CLI_REGISTRY_ARGS_H

#include <stdbool.h>

#include <sc/image.h>

#include "cli.h"
#include "image-source.h"
#include "pull.h"
#include "registries-conf.h"
#include "registry-auth.h"

enum {
  SC_OPT_CREDS = 0x1500,
  SC_OPT_TLS_VERIFY,
  SC_OPT_CERT_DIR,
  SC_OPT_CONNECT_TIMEOUT,
  SC_OPT_FIRST_BYTE_TIMEOUT,
  SC_OPT_STALL_TIMEOUT,
  SC_OPT_MAX_RESPONSE_SIZE,
  SC_OPT_AUTHFILE,
  SC_OPT_RETRY_TIMES,
  SC_OPT_RETRY_DELAY,
  SC_OPT_REGISTRIES_CONF,
  SC_OPT_POLICY,
  SC_OPT_REGISTRIES_D,
};

/* The limits (registry.h) are options of every command that talks to a
 * registry, so a user behind a slow link, or a test, can set them.
 * --help lists them apart, after the command's own (help.c). */
#define SC_CLI_REGISTRY_OPTIONS                                                                    \
  {"creds", required_argument, SC_OPT_CREDS, "USER[:PASS]",                                        \
   "credentials for the registry (the password is asked for when missing)"},                       \
      {"tls-verify", optional_argument, SC_OPT_TLS_VERIFY, "BOOL",                                 \
       "verify the registry's certificate (default true)"},                                        \
      {"cert-dir", required_argument, SC_OPT_CERT_DIR, "DIR",                                      \
       "the CA certificates and client keys for the registry, as in certs.d"},                     \
      {"authfile", required_argument, SC_OPT_AUTHFILE, "FILE",                                     \
       "the auth.json to read credentials from (and login's to write)"},                           \
      {"retry-times", required_argument, SC_OPT_RETRY_TIMES, "N",                                  \
       "retries of a request that failed for a passing cause (0 to 100)"},                         \
      {"retry-delay", required_argument, SC_OPT_RETRY_DELAY, "DURATION",                           \
       "a fixed delay between retries (500ms, 2s, 1m30s); default: growing"},                      \
      {"registries-conf", required_argument, SC_OPT_REGISTRIES_CONF, "FILE",                       \
       "the containers-registries.conf(5) to read instead of the user's or system's"},             \
      {"policy", required_argument, SC_OPT_POLICY, "FILE",                                         \
       "the containers-policy.json(5) a pulled image's signatures must satisfy"},                  \
      {"registries.d", required_argument, SC_OPT_REGISTRIES_D, "DIR",                              \
       "where signatures are, as containers-registries.d(5) says"},                                \
      {"connect-timeout", required_argument, SC_OPT_CONNECT_TIMEOUT, "SECONDS",                    \
       "the time to connect (default 30)"},                                                        \
      {"first-byte-timeout", required_argument, SC_OPT_FIRST_BYTE_TIMEOUT, "SECONDS",              \
       "the time to wait for an answer (default 120)"},                                            \
      {"stall-timeout", required_argument, SC_OPT_STALL_TIMEOUT, "SECONDS",                        \
       "give up on a transfer moving under 1 KiB in that time (default 30)"},                      \
  {                                                                                                \
    "max-response-size", required_argument, SC_OPT_MAX_RESPONSE_SIZE, "SIZE",                      \
        "the largest answer other than a blob, in bytes, Nk or NM (default 4M)"                    \
  }

typedef struct sc_cli_registry_args {
  const char *creds_arg;    /* --creds USER[:PASS] */
  bool tls_verify;          /* --tls-verify[=true|false], default true */
  const char *cert_dir;     /* --cert-dir DIR */
  const char *authfile;     /* --authfile FILE: the only auth file read (and login's) */
  const char *policy;       /* --policy FILE: containers-policy.json(5) for reads (policy.h) */
  const char *registries_d; /* --registries.d DIR: where signatures are (registries-d.h) */
  long connect_timeout_ms, first_byte_timeout_ms, stall_timeout_ms; /* 0: the defaults */
  int64_t max_response_size;                                        /* 0: the default */
  int retry_times;     /* --retry-times N: retries of a transient failure; -1: the default */
  long retry_delay_ms; /* --retry-delay DURATION: fixed delay; 0: exponential backoff */
  sc_registry_creds creds;
  bool have_creds;
  /* The certs.d roots: the user's, then SC_REGISTRY_CERT_ROOTS (filled by
   * sc_cli_registry_options). */
  char *cert_roots[4];
  const char *registries_conf; /* --registries-conf FILE */
  /* The registries.conf files (sc_cli_registries_conf_files), filled by
   * sc_cli_registry_options. */
  char *registries_file, *registries_dirs[3];
  sc_registries_conf_paths registries_paths;
  /* A docker:// image index is pulled whole (inspect, push to a local
   * destination), not only the host's platform (sc_pull_options.all). */
  bool pull_all;
  /* --policy and --registries.d, else the user's when they exist
   * (sc_cli_registry_policy, sc_cli_registry_registries_d). */
  bool signature_paths_filled;
  char *policy_file, *registries_d_dir;
  char *bases_cache_dir; /* sc_cli_cache_path("bases"), filled by sc_cli_pull_options */
} sc_cli_registry_args;

#define SC_CLI_REGISTRY_ARGS_INIT                                                                  \
  {                                                                                                \
    .tls_verify = true, .retry_times = -1                                                          \
  }

/* The usage error for a --from IMAGE of another transport (%s: IMAGE). */
#define SC_CLI_FROM_USAGE "--from: %s"
/* Whether IMAGE is a reference a base image can be read from (its
 * transport named): 0, or the usage error (exit 2) naming the transports. */
int sc_cli_check_source(sc_cli *cli, const char *command, const char *image);

/* Take opt when it is one of SC_CLI_REGISTRY_OPTIONS: 1 when it was, 0
 * when not, -1 with err set for a bad value. */
int sc_cli_registry_parse(sc_cli_registry_args *a, int opt, const char *arg, sc_error *err);
/* The same, reporting a bad value as a usage error: 1, 0, or the usage
 * exit code (2). */
int sc_cli_registry_option(sc_cli *cli, const char *command, sc_cli_registry_args *a, int opt,
                           const char *arg);

/* "--tls-verify false" leaves "false" as an operand, which would be read
 * as an image: 0 when operands from first hold no bare "true" or
 * "false", else the usage error (exit 2) saying the value goes after '='. */
int sc_cli_registry_stray_bool(sc_cli *cli, const char *command, int first, int argc, char **argv);

/* "N", "Nk" or "NM" bytes, N > 0: 0, or -1 when it is not a size. */
int sc_cli_parse_size(const char *text, int64_t *out);

/* Credentials for host and repository (NULL: the registry): --creds
 * (asking for the password on a terminal when it has none), else
 * --authfile or the auth files (registry-auth.h). */
int sc_cli_registry_creds(sc_cli_registry_args *a, const char *host, const char *repository,
                          sc_error *err);
/* The same for IMAGE, a reference of any transport: only a registry
 * (docker://) needs credentials; the others are left alone. */
int sc_cli_registry_creds_for(sc_cli_registry_args *a, const char *image, sc_error *err);

/* Read a password from the terminal with echo off. */
int sc_cli_ask_password(const char *username, char **out, sc_error *err);

void sc_cli_registry_args_clear(sc_cli_registry_args *a);

/* Open IMAGE of any transport for install, update or test
 * (sc_image_source_open: a docker:// reference pulled, an archive or dir:
 * imported into the base cache), named after the reference: a pulled
 * image's name ($IMAGE_NAME) is HOST/REPO:TAG and its tag REPO:TAG, as
 * atomic names a pulled image. */
int sc_cli_open_image(sc_cli *cli, sc_cli_registry_args *a, const char *image, sc_image **out,
                      sc_error *err);

/* The registry client options from the arguments: credentials (looked up
 * already), TLS, Ctrl-C, the requests on stderr with --verbose, and the
 * backoff of $SC_PUSH_BACKOFF_MS (the tests make retries quick). */
sc_registry_options sc_cli_registry_options(sc_cli *cli, sc_cli_registry_args *a);
/* Pull options from the registry arguments: credentials (already looked
 * up), TLS, interrupts, and progress bars into `bars` on a terminal or the
 * requests with --verbose. */
sc_pull_options sc_cli_pull_options(sc_cli *cli, sc_cli_registry_args *a, sc_cli_progress *bars);

/* IMAGE of any transport resolved (image-source.h) with the registry
 * arguments: credentials for docker://, progress on a terminal, the
 * requests with --verbose. */
int sc_cli_resolve_source(sc_cli *cli, sc_cli_registry_args *a, const char *image, bool need_layout,
                          sc_image_source *out, sc_error *err);
/* The same as a reference sc_image_open reads (*local) and, for an image
 * read through the cache, *name: the last component of its name without
 * the tag (the repository's for docker://), else NULL. */
int sc_cli_resolve_image(sc_cli *cli, sc_cli_registry_args *a, const char *image, char **local,
                         char **name, sc_error *err);

/* The signature policy file to read: --policy, else the user's when it
 * exists, else NULL (the library reads the system's). */
const char *sc_cli_registry_policy(sc_cli_registry_args *a);
/* The registries.d directory: --registries.d, else the user's when it
 * exists, else NULL (the system's). */
const char *sc_cli_registry_registries_d(sc_cli_registry_args *a);

#endif
