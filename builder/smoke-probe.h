/* smoke-probe.h: the checks `sc-build test` runs against a started container
 * (docs/design.md section 5): alive, tcp, http, exec, exit. */
#ifndef SC_SMOKE_PROBE_H
#define SC_SMOKE_PROBE_H

#include <stdbool.h>
#include <sys/types.h>
#include <jansson.h>
#include <sc/error.h>
#include <sc/runc.h>
#include <sc/values.h>

typedef enum {
  SC_PROBE_ALIVE,
  SC_PROBE_TCP,
  SC_PROBE_HTTP,
  SC_PROBE_EXEC,
  SC_PROBE_EXIT
} sc_probe_type;

typedef struct sc_probe {
  sc_probe_type type;
  char *label;    /* what it checks, for output: "http http://127.0.0.1:8081/" */
  double timeout; /* seconds; for alive: how long it must keep running */
  char *host;     /* tcp */
  int port;       /* tcp */
  char *url;      /* http */
  long status;    /* http: expected status (default 200) */
  char *body;     /* http: a string the body must contain, or NULL */
  char **argv;    /* exec */
  int exit_code;  /* exit: expected status */
} sc_probe;

/* A probe from its JSON form (docs/sc-build-json.md), string fields rendered
 * with values (so "http://127.0.0.1:${PORT}/" works). */
int sc_probe_from_json(json_t *spec, const sc_values *values, double default_timeout, sc_probe *out,
                       sc_error *err);
/* The JSON form of a --probe flag: JSON itself, or a shorthand
 * alive:SECONDS, tcp:HOST:PORT, http:URL, exec:COMMAND ARGS, exit:STATUS. */
json_t *sc_probe_flag_to_json(const char *flag, sc_error *err);
void sc_probe_clear(sc_probe *probe);
/* Whether a probe of this type reads key (docs/sc-build-json.md); false
 * for every key of an unknown type ("type" included). */
bool sc_probe_key_is_known(const char *type, const char *key);
/* For a tcp or http probe: "HOST:PORT" when something already answers
 * there (before the container starts, the probe would prove nothing), else
 * NULL. */
char *sc_probe_port_taken(const sc_probe *probe);

/* What the probes run against. */
typedef struct sc_probe_target {
  const sc_runtime *runtime;
  const char *id;
  pid_t pid;       /* the container's init, a child of ours (subreaper) */
  bool exited;     /* set once it has been reaped */
  int exit_status; /* valid when exited */
  volatile const int *interrupted;
  /* When the container runs inside another one (sc-build test --systemd:
   * the service of a booted systemd host), runtime and id name the outer
   * one and an exec probe's command follows exec_prefix (the inner
   * runtime's "exec NAME"); NULL otherwise. */
  char *const *exec_prefix;
  /* pid is not our child there: once it is gone, this reads the status it
   * ended with (-1: unknown); NULL: unknown. */
  int (*read_exit_status)(void *user);
  void *user;
} sc_probe_target;

typedef struct sc_probe_result {
  bool passed;
  double seconds;
  char *reason; /* on failure, or a detail on success; may be NULL */
} sc_probe_result;

void sc_probe_run(const sc_probe *probe, sc_probe_target *target, sc_probe_result *result);
/* Reap the container's init if it has exited (non-blocking). */
void sc_probe_target_poll(sc_probe_target *target);
/* Sleep up to seconds, returning early when interrupted or the container exits. */
void sc_probe_sleep(sc_probe_target *target, double seconds);
double sc_now(void);

#endif
