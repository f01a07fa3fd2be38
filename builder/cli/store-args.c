/* store-args.c: the store options of images, rmi and prune. */
#include "store-args.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sc/install.h>
#include "util.h"

/* atomic's repository (containers/image's ostree: default). */
#define DEFAULT_REPO "ostree/repo"

static void add_store(sc_store_args *a, sc_store_kind kind, const char *path)
{
  a->stores = xrealloc(a->stores, (a->count + 1) * sizeof *a->stores);
  a->stores[a->count++] = (sc_store_spec){.kind = kind, .path = path};
}

int sc_store_args_option(sc_store_args *a, int opt, const char *arg)
{
  switch (opt) {
  case SC_OPT_STORE_LAYOUT:
    add_store(a, SC_STORE_LAYOUT, arg);
    return 1;
  case SC_OPT_STORE_REPO:
    add_store(a, SC_STORE_OSTREE, arg);
    return 1;
  case SC_OPT_STORE_CACHE:
    a->cache = true;
    return 1;
  case SC_OPT_STORE_ROOT:
    a->root = arg;
    return 1;
  default:
    return 0;
  }
}

int sc_store_args_finish(sc_store_args *a, sc_error *err)
{
  bool defaults = a->count == 0 && !a->cache;
  if (a->cache || defaults) {
    a->owned[0] = sc_cli_cache_path(NULL);
    if (a->owned[0] == NULL)
      return sc_error_set(err, SC_E_USAGE, "no cache directory: set XDG_CACHE_HOME or HOME");
    add_store(a, SC_STORE_CACHE, a->owned[0]);
  }
  if (defaults) {
    const char *root = a->root ? a->root : "/";
    a->owned[1] = xasprintf("%s%s" DEFAULT_REPO, root, sc_str_has_suffix(root, "/") ? "" : "/");
    if (access(a->owned[1], F_OK) == 0)
      add_store(a, SC_STORE_OSTREE, a->owned[1]);
  }
  return 0;
}

int sc_store_args_installed(const sc_store_args *a, json_t **out, sc_error *err)
{
  return sc_list(a->root, out, err);
}

void sc_store_args_clear(sc_store_args *a)
{
  free(a->stores);
  free(a->owned[0]);
  free(a->owned[1]);
  *a = (sc_store_args){0};
}
