/* install-args.h: options shared by install, update, rollback, uninstall and
 * list (--root, --set, --runtime, --no-systemd-cgroup), and how their
 * results are printed. */
#ifndef SC_CLI_INSTALL_ARGS_H
#define SC_CLI_INSTALL_ARGS_H

#include <getopt.h>
#include <limits.h>
#include <sc/install.h>
#include "cli.h"
#include "registry-args.h"

enum {
  SC_OPT_ROOT = 0x1100,
  SC_OPT_SET,
  SC_OPT_RUNTIME,
  SC_OPT_NO_SYSTEMD_CGROUP,
  SC_OPT_NAME,
  SC_OPT_IMAGE,
};

#define SC_INSTALL_ROOT_OPTION                                                                     \
  {                                                                                                \
    "root", required_argument, SC_OPT_ROOT, "ROOT",                                                \
        "the root the system containers are installed under (default /)"                           \
  }
#define SC_INSTALL_SET_OPTION                                                                      \
  {                                                                                                \
    "set", required_argument, SC_OPT_SET, "NAME=VALUE",                                            \
        "a value for the templates, over the manifest's default (repeatable)"                      \
  }
#define SC_INSTALL_RUNTIME_OPTION                                                                  \
  {                                                                                                \
    "runtime", required_argument, SC_OPT_RUNTIME, "PATH",                                          \
        "the OCI runtime the unit runs (default runc, looked for in PATH)"                         \
  }
#define SC_INSTALL_NO_SYSTEMD_CGROUP_OPTION                                                        \
  {                                                                                                \
    "no-systemd-cgroup", no_argument, SC_OPT_NO_SYSTEMD_CGROUP, NULL,                              \
        "run the container without the runtime's systemd cgroup driver"                            \
  }
#define SC_INSTALL_OPTIONS                                                                         \
  SC_INSTALL_ROOT_OPTION, SC_INSTALL_SET_OPTION, SC_INSTALL_RUNTIME_OPTION,                        \
      SC_INSTALL_NO_SYSTEMD_CGROUP_OPTION

/* rollback's and uninstall's: they only switch or remove what is under
 * --root. */
extern const sc_cli_option sc_install_root_only_options[];

typedef struct sc_install_args {
  sc_install_options options;
  sc_cli_registry_args reg; /* for a docker:// IMAGE (SC_CLI_REGISTRY_OPTIONS) */
  sc_values *set;
  char installer_path[PATH_MAX]; /* $ATOMIC: this executable */
} sc_install_args;

void sc_install_args_init(sc_install_args *args, volatile const int *interrupted);
void sc_install_args_clear(sc_install_args *args);
/* Handle one of SC_INSTALL_OPTIONS or SC_CLI_REGISTRY_OPTIONS; 1 when
 * handled, 0 when not ours, -1 on a bad value (err set). */
int sc_install_args_option(sc_install_args *args, int opt, const char *arg, sc_error *err);
/* Print "VERB NAME: deployment ..." (or JSON) for a lifecycle result. */
int sc_install_print_result(sc_cli *cli, const char *verb, const char *name,
                            const sc_install_result *result);

/* A lifecycle operation on an installed NAME; image is --image, opened
 * (docker:// pulled first), or NULL. */
typedef int (*sc_lifecycle_fn)(const sc_image *image, const sc_install_options *options,
                               sc_install_result *result, sc_error *err);

/* Parse `COMMAND NAME [options]` with the command's options (update's
 * has --image), run fn, print its result with verb. Returns the exit
 * code. */
int sc_install_run_named(sc_cli *cli, int argc, char **argv, const sc_cli_options *options,
                         const char *verb, sc_lifecycle_fn fn);

#endif
