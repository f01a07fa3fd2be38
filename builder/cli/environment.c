/* environment.c: the one place sc-build reads the environment variables the
 * library takes as options, so that a host program linking the library
 * decides them itself. */
#include "cli.h"

#include <stdlib.h>
#include <unistd.h>

#include "layer.h"
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
