/* registries-conf.h: containers-registries.conf(5) version 2, the part
 * sc-build applies: unqualified-search-registries, short-name-mode,
 * [aliases], and [[registry]] tables with prefix, location, insecure,
 * blocked, mirror-by-digest-only and [[registry.mirror]] (location,
 * insecure, pull-from-mirror).  Files are read with the TOML subset of
 * toml.h; the caller says which (containers-registries.conf.d(5) order),
 * the library reads no environment. */
#ifndef SC_REGISTRIES_CONF_H
#define SC_REGISTRIES_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include <sc/error.h>

typedef struct sc_registries_mirror {
  char *location;
  bool insecure;
  char *pull_from; /* "all" (also when empty), "digest-only" or "tag-only" */
} sc_registries_mirror;

typedef struct sc_registries_entry {
  char *prefix;   /* HOST[/PATH], or *.DOMAIN */
  char *location; /* what the prefix is rewritten to; the prefix when not given */
  bool insecure, blocked, mirror_by_digest_only;
  sc_registries_mirror *mirrors;
  size_t n_mirrors;
  char *file; /* which file defined it, for messages */
} sc_registries_entry;

typedef struct sc_registries_conf {
  char **search; /* unqualified-search-registries */
  size_t n_search;
  bool search_set;       /* the key was given (maybe as []) */
  char *short_name_mode; /* "enforcing", "permissive" or "disabled"; NULL: permissive */
  json_t *aliases;       /* short name -> "HOST/REPO" */
  sc_registries_entry *entries;
  size_t n_entries;
  char *files; /* the files read, ", "-separated ("none" when none), for messages */
} sc_registries_conf;

#define SC_REGISTRIES_CONF_INIT                                                                    \
  {                                                                                                \
    0                                                                                              \
  }

/* Which files to read, as containers-registries.conf.d(5) orders them:
 * the main file, then *.conf of each directory in name order; a later
 * file's keys win, [[registry]] tables by prefix, [aliases] by name. */
typedef struct sc_registries_conf_paths {
  const char *file;        /* NULL: none */
  bool file_required;      /* --registries-conf: missing is an error; else it is no file */
  const char *const *dirs; /* NULL-terminated; missing directories are skipped */
} sc_registries_conf_paths;

int sc_registries_conf_load(const sc_registries_conf_paths *paths, sc_registries_conf *out,
                            sc_error *err);
/* Merge one file's text into conf (what load does per file; the fuzz
 * target's entry).  Errors are FILE:LINE:COL for the syntax, FILE: KEY for
 * a value of the wrong kind. */
int sc_registries_conf_merge(sc_registries_conf *conf, const char *text, size_t len,
                             const char *file, sc_error *err);
void sc_registries_conf_clear(sc_registries_conf *conf);

/* The [[registry]] whose prefix matches ref ("HOST[:PORT]/REPO[:TAG|@DIGEST]")
 * longest (a prefix matches the whole ref or up to a '/', ':' or '@'), or
 * NULL. */
const sc_registries_entry *sc_registries_conf_find(const sc_registries_conf *conf, const char *ref);

/* One place to try a pull from: "docker://HOST/REPO:TAG|@DIGEST". */
typedef struct sc_pull_attempt {
  char *reference;
  bool insecure; /* plain http or unverified TLS allowed (insecure = true) */
  bool mirror;   /* a [[registry.mirror]], not the image's own registry */
  /* The image's name this place serves, "HOST/REPO:TAG|@DIGEST": a short
   * name qualified (the logical name, before any mirror or location). */
  char *name;
} sc_pull_attempt;

/* docker's rule for a name without its transport (NAME[:TAG|@DIGEST]): it
 * is short when its first component is no host (no '.' or ':', not
 * "localhost") or it has one component. */
bool sc_registries_is_short_name(const char *name);

/* Where to pull reference (docker://NAME) from, in order: a short NAME
 * (no host) resolved by [aliases], then unqualified-search-registries (an
 * error when ambiguous in enforcing mode, as with no terminal to ask;
 * without either, docker.io as docker and skopeo read it); then for each
 * candidate its registry's mirrors that serve this kind of pull, then the
 * registry's location.  An error when the registry is blocked. */
int sc_registries_pull_plan(const sc_registries_conf *conf, const char *reference,
                            sc_pull_attempt **out, size_t *n, sc_error *err);
void sc_pull_attempts_free(sc_pull_attempt *attempts, size_t n);

/* Where a push of reference (docker://HOST/REPO...) goes: its registry's
 * location (never a mirror), and whether it is insecure.  An error when
 * blocked. */
int sc_registries_push_target(const sc_registries_conf *conf, const char *reference, char **out,
                              bool *insecure, sc_error *err);

/* Whether the registry HOST[:PORT] itself may be talked to (login), as
 * containers/image decides it: by the [[registry]] whose prefix matches
 * HOST (no location rewrite); *insecure from it.  An error naming the file
 * and the entry when it is blocked. */
int sc_registries_host_target(const sc_registries_conf *conf, const char *host, bool *insecure,
                              sc_error *err);

/* The registry login and logout act on: given when there is one, else the
 * first of unqualified-search-registries, as podman login and logout pick
 * it; NULL and a usage error naming the files read when there is none. */
const char *sc_registries_login_registry(const sc_registries_conf *conf, const char *given,
                                         sc_error *err);

#endif
