/* environment.c: the one place sc-build reads the environment variables the
 * library takes as options, so that a host program linking the library
 * decides them itself. */
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <unistd.h>

#include "layer.h"
#include "registry-auth.h"
#include "util.h"

int sc_cli_source_date_epoch(sc_cli *cli, int64_t *out)
{
  sc_error err = SC_ERROR_INIT;
  if (sc_source_date_epoch_parse(getenv("SOURCE_DATE_EPOCH"), out, &err) == 0)
    return 0;
  int rc = sc_cli_fail(cli, &err);
  sc_error_clear(&err);
  return rc;
}

int sc_cli_source_date_epoch_if_set(sc_cli *cli, bool *set, int64_t *out)
{
  const char *text = getenv("SOURCE_DATE_EPOCH");
  *set = text != NULL && text[0] != '\0';
  *out = 0;
  return *set ? sc_cli_source_date_epoch(cli, out) : 0;
}

long sc_cli_backoff_ms(void)
{
  const char *text = getenv("SC_PUSH_BACKOFF_MS");
  if (text == NULL || text[0] == '\0')
    return 0;
  char *end = NULL;
  long v = strtol(text, &end, 10);
  return *end == '\0' && v > 0 && v <= 600000 ? v : 0;
}

/* A variable's value, NULL when unset or empty. */
static const char *nonempty_env(const char *name)
{
  const char *value = getenv(name);
  return value && value[0] ? value : NULL;
}

const char *sc_cli_tmpdir(void)
{
  return nonempty_env("TMPDIR");
}

const char *sc_cli_atomic_ostree_repo(void)
{
  return nonempty_env("ATOMIC_OSTREE_REPO");
}

char *sc_cli_cache_path(const char *leaf)
{
  const char *xdg = getenv("XDG_CACHE_HOME");
  if (xdg && xdg[0] == '/')
    return xasprintf("%s/sc-build%s%s", xdg, leaf ? "/" : "", leaf ? leaf : "");
  const char *home = getenv("HOME");
  if (home == NULL || home[0] != '/')
    return NULL;
  return xasprintf("%s/.cache/sc-build%s%s", home, leaf ? "/" : "", leaf ? leaf : "");
}

const char *sc_cli_search_path(void)
{
  return nonempty_env("PATH");
}

sc_auth_env sc_cli_auth_env(void)
{
  return (sc_auth_env){.registry_auth_file = getenv("REGISTRY_AUTH_FILE"),
                       .xdg_runtime_dir = getenv("XDG_RUNTIME_DIR"),
                       .xdg_config_home = getenv("XDG_CONFIG_HOME"),
                       .docker_config = getenv("DOCKER_CONFIG"),
                       .home = getenv("HOME"),
                       .uid = getuid()};
}

static bool is_directory(const char *path)
{
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The data directory: $SC_BUILD_DATADIR, else <dir of the executable>/../share/sc-build
 * when it exists (a build tree or a relocated install), else the configured
 * install path.  Returns a newly allocated path. */
static char *datadir(void)
{
  const char *env = nonempty_env("SC_BUILD_DATADIR");
  if (env)
    return xstrdup(env);
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) {
    exe[n] = '\0';
    _cleanup_free_ char *bindir = sc_path_dirname(exe);
    char *candidate = xasprintf("%s/../share/sc-build", bindir);
    if (is_directory(candidate))
      return candidate;
    free(candidate);
  }
  return xstrdup(SC_DATADIR);
}

int sc_cli_datadir_sub(const char *sub, char **out, sc_error *err)
{
  _cleanup_free_ char *dir = datadir();
  char *path = sc_path_join(dir, sub);
  if (!is_directory(path)) {
    sc_error_set(err, ENOENT,
                 "cannot find %s: sc-build's data is missing (reinstall, or set "
                 "SC_BUILD_DATADIR to the directory holding skeletons/ and templates/)",
                 path);
    free(path);
    return -1;
  }
  *out = path;
  return 0;
}

char *sc_cli_user_config_path(const char *suffix)
{
  const char *xdg = getenv("XDG_CONFIG_HOME");
  if (xdg && xdg[0] == '/')
    return sc_path_join(xdg, suffix);
  const char *home = getenv("HOME");
  if (home && home[0] == '/')
    return xasprintf("%s/.config/%s", home, suffix);
  return NULL;
}

void sc_cli_registries_conf_files(const char *option_file, char **file, char *dirs[3])
{
  char *user_file = sc_cli_user_config_path("containers/registries.conf");
  char *user_dir = sc_cli_user_config_path("containers/registries.conf.d");
  size_t n = 0;
  if (option_file) {
    *file = xstrdup(option_file);
    free(user_file);
    dirs[n++] = xstrdup("/etc/containers/registries.conf.d");
  } else if (user_file && access(user_file, F_OK) == 0) {
    *file = user_file; /* the user's file replaces the system's, drop-ins too */
  } else {
    free(user_file);
    *file = xstrdup("/etc/containers/registries.conf");
    dirs[n++] = xstrdup("/etc/containers/registries.conf.d");
  }
  if (user_dir)
    dirs[n++] = user_dir;
  dirs[n] = NULL;
}

/* path when it exists, else NULL; path is taken either way. */
static char *existing(char *path)
{
  if (path && access(path, F_OK) == 0)
    return path;
  free(path);
  return NULL;
}

char *sc_cli_user_policy_file(void)
{
  const char *home = nonempty_env("HOME");
  return existing(home ? xasprintf("%s/.config/containers/policy.json", home) : NULL);
}

char *sc_cli_user_registries_d(void)
{
  return existing(sc_cli_user_config_path("containers/registries.d"));
}
