/* smoke-args.c: what `test` and `run` share (smoke-args.h). */
#include "smoke-args.h"

#include <stdio.h>
#include <stdlib.h>

#include "smoke-probe.h"
#include "util.h"

void sc_smoke_args_init(sc_smoke_args *a)
{
  *a = (sc_smoke_args){0};
  sc_install_args_init(&a->install, sc_cli_catch_interrupts());
}

void sc_smoke_args_clear(sc_smoke_args *a)
{
  sc_install_args_clear(&a->install);
}

static int shared_option(sc_smoke_args *a, int opt, const char *arg, sc_error *err)
{
  if (opt != SC_OPT_KEEP)
    return sc_install_args_option(&a->install, opt, arg, err);
  a->keep = true;
  return 1;
}

int sc_smoke_args_parse(sc_cli *cli, const sc_smoke_parser *p, char **argv, sc_smoke_args *a,
                        sc_error *err)
{
  int opt;
  while ((opt = sc_cli_getopt(p->command, p->argc, argv, p->options, err)) != -1) {
    if (opt == '?')
      return -1;
    if (opt == 'h') {
      sc_cli_print_help(stdout, p->command, p->options);
      return 1;
    }
    int r = p->own ? p->own(p->own_args, opt, optarg, err) : 0;
    if (r == 0)
      r = shared_option(a, opt, optarg, err);
    if (r < 0)
      return -1;
    if (r == 0 && !sc_cli_global_option(cli, opt))
      return sc_error_set(err, SC_E_USAGE, "unknown option (see 'sc-build %s --help')", p->command);
  }
  sc_cli_finish_options(cli);
  return 0;
}

int sc_smoke_args_open(sc_cli *cli, sc_smoke_args *a, const char *image, sc_smoke_source *out,
                       char **local, double *build_seconds, sc_error *err)
{
  _cleanup_free_ char *name = NULL;
  *local = NULL;
  if (sc_cli_resolve_image(cli, &a->install.reg, image, local, &name, err) < 0)
    return -1;
  double start = sc_now();
  if (sc_smoke_source_open(*local, sc_cli_tmpdir(), out, err) < 0)
    return -1;
  *build_seconds = out->build_dir ? sc_now() - start : -1;
  if (name) {
    free(out->name);
    out->name = steal_pointer(&name);
  }
  return 0;
}
