/* docker-scope.c: the lookup names of a docker:// image (docker-scope.h). */
#include "docker-scope.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

char **sc_docker_scopes(const char *host, const char *repository, const char *tag,
                        const char *digest)
{
  char **scopes = NULL;
  _cleanup_free_ char *identity = digest ? xasprintf("%s/%s@%s", host, repository, digest)
                                  : tag  ? xasprintf("%s/%s:%s", host, repository, tag)
                                         : NULL;
  if (identity)
    sc_strv_push(&scopes, identity);
  /* HOST/A/B/C, HOST/A/B, HOST/A: drop one trailing component at a time */
  _cleanup_free_ char *name = xasprintf("%s/%s", host, repository);
  for (char *slash; (slash = strrchr(name, '/')) != NULL; *slash = '\0')
    sc_strv_push(&scopes, name);
  sc_strv_push(&scopes, host);
  return scopes;
}
