/* store-args.h: the options images, rmi and prune share: which stores
 * (--layout, --repo, --cache) and where installed containers are (--root),
 * for what uses an image. */
#ifndef SC_CLI_STORE_ARGS_H
#define SC_CLI_STORE_ARGS_H

#include <getopt.h>
#include <jansson.h>

#include "cli.h"
#include "image-stores.h"

enum { SC_OPT_STORE_LAYOUT = 0x1800, SC_OPT_STORE_REPO, SC_OPT_STORE_CACHE, SC_OPT_STORE_ROOT };

#define SC_STORE_ROOT_OPTION                                                                       \
  {                                                                                                \
    "root", required_argument, SC_OPT_STORE_ROOT, "ROOT",                                          \
        "where the containers that use an image are installed (default /)"                         \
  }
#define SC_STORE_OPTIONS                                                                           \
  {"layout", required_argument, SC_OPT_STORE_LAYOUT, "LAYOUT",                                     \
   "an OCI image layout directory (repeatable)"},                                                  \
      {"repo", required_argument, SC_OPT_STORE_REPO, "REPO", "an OSTree repository (repeatable)"}, \
      {"cache", no_argument, SC_OPT_STORE_CACHE, NULL,                                             \
       "sc-build's cache: pulled bases and the layer cache"},                                      \
      SC_STORE_ROOT_OPTION

typedef struct sc_store_args {
  sc_store_spec *stores;
  size_t count;
  const char *root; /* --root: installed containers, and the default repository */
  bool cache;
  char *owned[2]; /* paths made here: the cache directory, the default repository */
} sc_store_args;

/* 1 when opt is one of SC_STORE_OPTIONS (taken), else 0. */
int sc_store_args_option(sc_store_args *a, int opt, const char *arg);
/* Without --layout, --repo or --cache: the cache, and atomic's repository
 * ROOT/ostree/repo when it exists. */
int sc_store_args_finish(sc_store_args *a, sc_error *err);
/* The containers installed under --root (sc_list), for what uses an image. */
int sc_store_args_installed(const sc_store_args *a, json_t **out, sc_error *err);
void sc_store_args_clear(sc_store_args *a);

#endif
