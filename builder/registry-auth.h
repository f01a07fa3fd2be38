/* registry-auth.h: credentials for container registries and the pieces of
 * the Docker token authentication protocol that need no network:
 *
 *  - credentials from --creds USER[:PASS] or from the auth files that
 *    containers-auth.json(5) and docker's config.json define
 *    ("auths": {"HOST[:PORT]": {"auth": base64("user:pass")}});
 *  - the WWW-Authenticate challenge (RFC 7235 section 4.1; distribution's
 *    docs/spec/auth/token.md: Bearer realm="...",service="...",scope="...");
 *  - the token endpoint's answer ({"token": ...} or {"access_token": ...}).
 *
 * Passwords and tokens are secrets: nothing here puts them in an error
 * message, and they are wiped when freed. */
#ifndef SC_REGISTRY_AUTH_H
#define SC_REGISTRY_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <sc/error.h>

typedef struct sc_registry_creds {
  char *username;
  char *password;
  char *source; /* where they came from ("--creds", a file path), for messages */
  /* An auth file's "identitytoken" (or a helper's "<token>" answer): an
   * OAuth2 refresh token the token endpoint takes instead of a password. */
  char *identity_token;
} sc_registry_creds;

/* Wipe the password and free everything. */
void sc_registry_creds_clear(sc_registry_creds *creds);

/* Parse "USER[:PASS]"; *has_password tells whether ":PASS" was there. */
int sc_registry_creds_parse(const char *text, sc_registry_creds *out, bool *has_password,
                            sc_error *err);

/* Look host ("HOST[:PORT]") up in the auth file at path.  Returns 1 with
 * out filled when an entry with credentials is there, 0 when the file or
 * the entry is missing, -1 on a malformed file. */
int sc_auth_file_lookup(const char *path, const char *host, sc_registry_creds *out, sc_error *err);
/* The same for an image of repository (NULL: the registry as a whole):
 * a key "HOST/NS/REPO" or "HOST/NS" wins over "HOST", as
 * containers-auth.json(5) says; docker's legacy keys
 * ("https://index.docker.io/v1/" for docker.io) name the registry. */
int sc_auth_file_lookup_for(const char *path, const char *host, const char *repository,
                            sc_registry_creds *out, sc_error *err);

/* What containers-auth.json(5) looks at, as the caller read it from its
 * environment (NULL: unset; the library reads no environment itself:
 * builder/cli/environment.c fills this). */
typedef struct sc_auth_env {
  const char *registry_auth_file; /* REGISTRY_AUTH_FILE */
  const char *xdg_runtime_dir;    /* XDG_RUNTIME_DIR */
  const char *xdg_config_home;    /* XDG_CONFIG_HOME */
  const char *docker_config;      /* DOCKER_CONFIG */
  const char *home;               /* HOME */
  uid_t uid;                      /* for /run/containers/$UID */
} sc_auth_env;

/* The auth files to search, in order (NULL-terminated, sc_strv_free it):
 * authfile (--authfile) alone when given, else containers-auth.json(5)'s
 * order: REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/auth.json
 * (/run/containers/$UID/auth.json without XDG_RUNTIME_DIR),
 * $XDG_CONFIG_HOME/containers/auth.json (~/.config/...), then
 * $DOCKER_CONFIG/config.json or ~/.docker/config.json, and last docker's
 * legacy ~/.dockercfg. */
char **sc_auth_files(const sc_auth_env *env, const char *authfile);
/* Find credentials for host (and repository, or NULL) in the first of
 * paths (sc_auth_files) that has them.  Returns 1 when found, 0 when not,
 * -1 on a malformed file. */
int sc_registry_creds_find(const char *host, const char *repository, char *const *paths,
                           sc_registry_creds *out, sc_error *err);

/* The auth file `sc-build login` writes: REGISTRY_AUTH_FILE, else
 * $XDG_RUNTIME_DIR/containers/auth.json, else
 * /run/containers/$UID/auth.json (newly allocated). */
char *sc_auth_file_default_path(const sc_auth_env *env);
/* Add (creds != NULL) or remove host's entry in the auth file at path,
 * keeping the other entries; written atomically with mode 0600.  Removing
 * returns 0 when there was an entry, 1 when there was none. */
int sc_auth_file_store(const char *path, const char *host, const sc_registry_creds *creds,
                       sc_error *err);

/* "Basic base64(user:pass)" value for an Authorization header. */
char *sc_basic_auth_value(const sc_registry_creds *creds);

typedef enum { SC_AUTH_NONE, SC_AUTH_BASIC, SC_AUTH_BEARER } sc_auth_scheme;

typedef struct sc_auth_challenge {
  sc_auth_scheme scheme;
  char *realm;
  char *service;
  char *scope;
  char *error; /* e.g. "insufficient_scope", or NULL */
} sc_auth_challenge;

/* Parse one WWW-Authenticate value (the first challenge when there are
 * several schemes we do not know, such as Negotiate). */
int sc_auth_challenge_parse(const char *header, sc_auth_challenge *out, sc_error *err);
void sc_auth_challenge_clear(sc_auth_challenge *challenge);

/* The token from the token endpoint's JSON body: "token", else
 * "access_token" (token.md "Token Response Fields"). */
char *sc_auth_token_parse(const char *body, size_t len, sc_error *err);

/* The auth-file key `login ARG` writes, as containers/image writes it:
 * "https://HOST[:PORT]/..." becomes "HOST[:PORT]"; "HOST/NS[/REPO]"
 * stays a namespace or repository key, without trailing slashes. */
int sc_auth_key_normalize(const char *arg, char **key, sc_error *err);

/* The form body of an OAuth2 refresh-token request to a token realm, as
 * containers/image sends it for an identity token: grant_type=
 * refresh_token, service, client_id, refresh_token and one scope per
 * space-separated scope, every value percent-encoded. */
char *sc_token_refresh_form(const char *service, const char *scope, const char *refresh_token);

/* A run's bearer tokens, one per scope string. */
typedef struct sc_token_cache {
  char **scopes;
  char **tokens;
  size_t count;
} sc_token_cache;

const char *sc_token_cache_get(const sc_token_cache *cache, const char *scope);
void sc_token_cache_put(sc_token_cache *cache, const char *scope, const char *token);
void sc_token_cache_drop(sc_token_cache *cache, const char *scope);
void sc_token_cache_clear(sc_token_cache *cache);

#endif
