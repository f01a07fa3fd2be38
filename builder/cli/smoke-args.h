/* smoke-args.h: what `test` and `run` share: --keep beside the install
 * and registry options (--set, --runtime, --creds...), the parsing of
 * their command lines, and the IMAGE|DIR they take, opened as the smoke
 * test reads it: a docker:// reference pulled, an archive imported, a
 * project directory built first. */
#ifndef SC_CLI_SMOKE_ARGS_H
#define SC_CLI_SMOKE_ARGS_H

#include <getopt.h>
#include <stdbool.h>

#include "cli.h"
#include "install-args.h"
#include "smoke-source.h"

enum { SC_OPT_KEEP = 0x1900 };

#define SC_SMOKE_KEEP_OPTION                                                                       \
  {                                                                                                \
    "keep", no_argument, SC_OPT_KEEP, NULL,                                                        \
        "leave the temporary root and the container's state for a look"                            \
  }

typedef struct sc_smoke_args {
  sc_install_args install; /* --set, --runtime, the registry options */
  bool keep;               /* --keep: leave the root and the container */
} sc_smoke_args;

void sc_smoke_args_init(sc_smoke_args *a);
void sc_smoke_args_clear(sc_smoke_args *a);

/* A command's own option: 1 taken, 0 not its own, -1 a bad value (err). */
typedef int (*sc_smoke_option_fn)(void *own_args, int opt, const char *arg, sc_error *err);

typedef struct sc_smoke_parser {
  const char *command;           /* "test", for messages */
  int argc;                      /* the arguments parsed: argv[0 .. argc) */
  const sc_cli_options *options; /* SC_SMOKE_KEEP_OPTION among them; its --help too */
  sc_smoke_option_fn own;        /* the command's options first, or NULL */
  void *own_args;
} sc_smoke_parser;

/* Parse p->argc arguments of argv: each option goes to p->own, then to
 * --keep and the install and registry options, then to the global ones;
 * anything else is a usage error naming the command.  1: --help was
 * printed; 0: parsed, optind at the operands; -1 with err set. */
int sc_smoke_args_parse(sc_cli *cli, const sc_smoke_parser *p, char **argv, sc_smoke_args *a,
                        sc_error *err);

/* Open image for a smoke run: resolved with the registry options, then
 * opened (a project directory built first, in $TMPDIR); an image pulled
 * from a registry is named after its repository, not its cache tag.
 * *local (to free) is what was opened; *build_seconds how long the build
 * took, < 0 for an image. */
int sc_smoke_args_open(sc_cli *cli, sc_smoke_args *a, const char *image, sc_smoke_source *out,
                       char **local, double *build_seconds, sc_error *err);

#endif
