/* docker-scope.h: the names a docker:// image goes by when configuration
 * is looked up for it, most specific first, as containers-policy.json(5)
 * and containers-registries.d(5) both match them: the image's own
 * identity (HOST/REPO:TAG, or HOST/REPO@DIGEST when pulled by digest),
 * then its repository HOST/REPO, each enclosing namespace HOST/NS, and
 * the registry HOST.  The policy's "" and registries.d's default-docker
 * come after these, in their own files' terms. */
#ifndef SC_DOCKER_SCOPE_H
#define SC_DOCKER_SCOPE_H

/* NULL-terminated, newly allocated (sc_strv_free); tag or digest may be
 * NULL (a repository-only identity then comes first). */
char **sc_docker_scopes(const char *host, const char *repository, const char *tag,
                        const char *digest);

#endif
