/* sc/values.h: template values, and how an install computes them. */
#ifndef SC_VALUES_H
#define SC_VALUES_H

#include <stdbool.h>
#include <stddef.h>
#include <sc/diag.h>
#include <sc/error.h>

#ifdef __cplusplus
extern "C" {
#endif

/* An ordered map of string to string (insertion order kept). */
typedef struct sc_values sc_values;

SC_PUBLIC sc_values *sc_values_new(void);
SC_PUBLIC void sc_values_free(sc_values *values);
SC_PUBLIC sc_values *sc_values_copy(const sc_values *values);
/* Set key to value, replacing an existing value in place. */
SC_PUBLIC void sc_values_set(sc_values *values, const char *key, const char *value);
SC_PUBLIC const char *sc_values_get(const sc_values *values, const char *key);
SC_PUBLIC bool sc_values_has(const sc_values *values, const char *key);
SC_PUBLIC size_t sc_values_count(const sc_values *values);
SC_PUBLIC const char *sc_values_key_at(const sc_values *values, size_t i);
SC_PUBLIC const char *sc_values_value_at(const sc_values *values, size_t i);
SC_PUBLIC bool sc_values_equal(const sc_values *a, const sc_values *b);
/* Parse a `--set KEY=VALUE` argument into values (split at the first `=`). */
SC_PUBLIC int sc_values_parse_assignment(sc_values *values, const char *arg, sc_error *err);

/* Built-in variable names (docs/design.md section 2). */
SC_PUBLIC bool sc_values_is_forced(const char *name);  /* DESTDIR, NAME, EXEC_*, ... */
SC_PUBLIC bool sc_values_is_builtin(const char *name); /* forced or OS default or UUID */

/* What an install knows when it computes the values: a versioned struct
 * (sc/runtime.h), initialised with SC_VALUES_CONTEXT_INIT. */
typedef struct sc_values_context {
  size_t size;                  /* sizeof (sc_values_context), set by the INIT macro */
  const char *name;             /* container name */
  const char *destdir;          /* deployment directory as seen from inside the root */
  const char *runtime_path;     /* OCI runtime, default /usr/bin/runc */
  bool runtime_systemd_cgroup;  /* the runtime's --help offers --systemd-cgroup */
  const char *installer_path;   /* value of $ATOMIC */
  const char *image_name;       /* reference without its transport */
  const char *image_id;         /* manifest digest without "sha256:" */
  const char *service_template; /* text of service.template (pidfile mode), or NULL */
  unsigned host_uid;
  unsigned host_gid;
  const char *uuid;              /* NULL: a new random v4 UUID */
  const char *capabilities_path; /* NULL: /proc/sys/kernel/cap_last_cap */
  const sc_values *saved;        /* on update: values saved in `info`, else NULL */
  const sc_values *set;          /* --set pairs, or NULL */
  const sc_values *defaults;     /* manifest defaultValues, or NULL */
} sc_values_context;

#define SC_VALUES_CONTEXT_INIT                                                                     \
  {                                                                                                \
    .size = sizeof(sc_values_context)                                                              \
  }

/* Compute the values as atomic's _amend_values does: saved, then --set;
 * OS defaults where absent; manifest defaults where still absent; UUID;
 * forced values last.  A --set of a forced variable is an error.  Manifest
 * defaults that name a built-in are reported in warnings (may be NULL). */
SC_PUBLIC int sc_values_compute(const sc_values_context *ctx, sc_values **out, sc_diags *warnings,
                                sc_error *err);

/* True when service.template selects pidfile mode: the literal strings
 * "$EXEC_STOPPOST" and "$PIDFILE" both appear (atomic's rule). */
SC_PUBLIC bool sc_service_template_uses_pidfile(const char *service_template);

/* The ALL_PROCESS_CAPABILITIES value for a kernel whose last capability is
 * last_cap: "\"CAP_CHOWN\",\n\"CAP_DAC_OVERRIDE\",\n...\n". */
SC_PUBLIC char *sc_capabilities_value(int last_cap);

#ifdef __cplusplus
}
#endif
#endif
