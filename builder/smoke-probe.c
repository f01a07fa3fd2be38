/* smoke-probe.c: alive, tcp, http (libcurl), exec (runtime exec) and exit probes. */
#include "smoke-probe.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sc/template.h>
#include "util.h"

#define POLL_INTERVAL 0.1
/* runc exec starts a process in the container each time: not as often. */
#define EXEC_RETRY_INTERVAL 0.5

double sc_now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void sc_probe_clear(sc_probe *probe)
{
  free(probe->label);
  free(probe->host);
  free(probe->url);
  free(probe->body);
  sc_strv_free(probe->argv);
  *probe = (sc_probe){0};
}

/* ---- parsing ---- */

static int render_field(json_t *spec, const char *key, const sc_values *values, bool required,
                        char **out, sc_error *err)
{
  json_t *v = json_object_get(spec, key);
  *out = NULL;
  if (v == NULL)
    return required ? sc_error_set(err, SC_E_INVALID, "probe: \"%s\" is required", key) : 0;
  if (!json_is_string(v))
    return sc_error_set(err, SC_E_INVALID, "probe: \"%s\" must be a string", key);
  const char *text = json_string_value(v);
  if (sc_template_render(text, strlen(text), "probe", values, SC_TEMPLATE_SINGLE_LINE_VALUES, out,
                         NULL, err) < 0)
    return sc_error_prefix(err, "probe \"%s\"", key);
  return 0;
}

static int parse_tcp(json_t *spec, const sc_values *values, sc_probe *p, sc_error *err)
{
  _cleanup_free_ char *address = NULL;
  if (render_field(spec, "address", values, true, &address, err) < 0)
    return -1;
  const char *colon = strrchr(address, ':');
  char *end = NULL;
  long port = colon ? strtol(colon + 1, &end, 10) : 0;
  if (colon == NULL || end == colon + 1 || *end || port <= 0 || port > 65535)
    return sc_error_set(err, SC_E_INVALID, "tcp probe: \"%s\" is not HOST:PORT", address);
  p->host = xstrndup(address, (size_t)(colon - address));
  p->port = (int)port;
  p->label = xasprintf("tcp %s", address);
  return 0;
}

static int parse_http(json_t *spec, const sc_values *values, sc_probe *p, sc_error *err)
{
  if (render_field(spec, "url", values, true, &p->url, err) < 0 ||
      render_field(spec, "body", values, false, &p->body, err) < 0)
    return -1;
  json_t *status = json_object_get(spec, "status");
  if (status && !json_is_integer(status))
    return sc_error_set(err, SC_E_INVALID, "http probe: \"status\" must be an integer");
  p->status = status ? (long)json_integer_value(status) : 200;
  p->label = xasprintf("http %s", p->url);
  return 0;
}

static int parse_exec(json_t *spec, const sc_values *values, sc_probe *p, sc_error *err)
{
  json_t *command = json_object_get(spec, "command");
  if (!json_is_array(command) || json_array_size(command) == 0)
    return sc_error_set(err, SC_E_INVALID, "exec probe: \"command\" must be a non-empty array");
  size_t i;
  json_t *word;
  sc_buf label = SC_BUF_INIT;
  sc_buf_puts(&label, "exec");
  json_array_foreach(command, i, word)
  {
    const char *w = json_string_value(word);
    _cleanup_free_ char *rendered = NULL;
    if (w == NULL ||
        sc_template_render(w, strlen(w), "probe", values, 0, &rendered, NULL, err) < 0) {
      sc_buf_free(&label);
      return w ? -1 : sc_error_set(err, SC_E_INVALID, "exec probe: command words are strings");
    }
    sc_strv_push(&p->argv, rendered);
    sc_buf_printf(&label, " %s", rendered);
  }
  p->label = sc_buf_steal(&label);
  return 0;
}

static int parse_number(json_t *spec, const char *key, double *out, sc_error *err)
{
  json_t *v = json_object_get(spec, key);
  if (v == NULL)
    return 0;
  if (!json_is_number(v) || json_number_value(v) < 0)
    return sc_error_set(err, SC_E_INVALID, "probe: \"%s\" must be a number of seconds", key);
  *out = json_number_value(v);
  return 0;
}

bool sc_probe_key_is_known(const char *type, const char *key)
{
  static const char *const keys[][4] = {
      {"alive", "seconds"}, {"tcp", "address"}, {"http", "url", "body", "status"},
      {"exec", "command"},  {"exit", "status"},
  };
  for (size_t i = 0; type && i < sizeof keys / sizeof *keys; i++) {
    if (strcmp(keys[i][0], type) != 0)
      continue;
    if (strcmp(key, "type") == 0 || strcmp(key, "timeout") == 0)
      return true;
    for (size_t k = 1; k < 4 && keys[i][k]; k++)
      if (strcmp(keys[i][k], key) == 0)
        return true;
  }
  return false;
}

int sc_probe_from_json(json_t *spec, const sc_values *values, double default_timeout, sc_probe *out,
                       sc_error *err)
{
  *out = (sc_probe){.timeout = default_timeout};
  const char *type = json_string_value(json_object_get(spec, "type"));
  int r = -1;
  if (!json_is_object(spec) || type == NULL)
    return sc_error_set(err, SC_E_INVALID, "a probe is an object with a \"type\"");
  if (parse_number(spec, "timeout", &out->timeout, err) < 0)
    return -1;
  if (strcmp(type, "alive") == 0) {
    out->type = SC_PROBE_ALIVE;
    out->timeout = 2;
    r = parse_number(spec, "seconds", &out->timeout, err);
    out->label = xasprintf("alive %gs", out->timeout);
  } else if (strcmp(type, "tcp") == 0) {
    out->type = SC_PROBE_TCP;
    r = parse_tcp(spec, values, out, err);
  } else if (strcmp(type, "http") == 0) {
    out->type = SC_PROBE_HTTP;
    r = parse_http(spec, values, out, err);
  } else if (strcmp(type, "exec") == 0) {
    out->type = SC_PROBE_EXEC;
    r = parse_exec(spec, values, out, err);
  } else if (strcmp(type, "exit") == 0) {
    out->type = SC_PROBE_EXIT;
    json_t *status = json_object_get(spec, "status");
    out->exit_code = status ? (int)json_integer_value(status) : 0;
    out->label = xasprintf("exit %d", out->exit_code);
    r = status && !json_is_integer(status)
            ? sc_error_set(err, SC_E_INVALID, "exit probe: \"status\" must be an integer")
            : 0;
  } else {
    return sc_error_set(err, SC_E_INVALID, "unknown probe type '%s' (alive, tcp, http, exec, exit)",
                        type);
  }
  if (r < 0)
    sc_probe_clear(out);
  return r;
}

json_t *sc_probe_flag_to_json(const char *flag, sc_error *err)
{
  if (flag[0] == '{') {
    json_error_t jerr;
    json_t *j = json_loads(flag, 0, &jerr);
    if (j == NULL)
      sc_error_set(err, SC_E_USAGE, "--probe: invalid JSON at column %d: %s", jerr.column,
                   jerr.text);
    return j;
  }
  const char *colon = strchr(flag, ':');
  _cleanup_free_ char *type = colon ? xstrndup(flag, (size_t)(colon - flag)) : xstrdup(flag);
  const char *arg = colon ? colon + 1 : "";
  if (strcmp(type, "alive") == 0)
    return json_pack("{s:s, s:f}", "type", "alive", "seconds", arg[0] ? atof(arg) : 2.0);
  if (strcmp(type, "tcp") == 0)
    return json_pack("{s:s, s:s}", "type", "tcp", "address", arg);
  if (strcmp(type, "http") == 0)
    return json_pack("{s:s, s:s}", "type", "http", "url", arg);
  if (strcmp(type, "exit") == 0)
    return json_pack("{s:s, s:i}", "type", "exit", "status", atoi(arg));
  if (strcmp(type, "exec") == 0 && arg[0]) {
    json_t *command = json_array();
    _cleanup_free_ char *copy = xstrdup(arg);
    char *save = NULL;
    for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save))
      json_array_append_new(command, json_string(w));
    return json_pack("{s:s, s:o}", "type", "exec", "command", command);
  }
  sc_error_set(err, SC_E_USAGE,
               "--probe '%s': use alive:SECONDS, tcp:HOST:PORT, http:URL, exec:COMMAND, "
               "exit:STATUS or a JSON object",
               flag);
  return NULL;
}

/* ---- the container ---- */

void sc_probe_target_poll(sc_probe_target *target)
{
  if (target->exited || target->pid <= 0)
    return;
  int status = 0;
  pid_t r = waitpid(target->pid, &status, WNOHANG);
  if (r == target->pid) {
    target->exited = true;
    target->exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  } else if (r < 0 && errno == ECHILD) {
    /* Not our child (no subreaper): fall back to whether it exists. */
    if (kill(target->pid, 0) < 0 && errno == ESRCH) {
      target->exited = true;
      target->exit_status = target->read_exit_status ? target->read_exit_status(target->user) : -1;
    }
  }
}

void sc_probe_sleep(sc_probe_target *target, double seconds)
{
  double end = sc_now() + seconds;
  while (sc_now() < end && !sc_interrupted(target->interrupted)) {
    sc_probe_target_poll(target);
    if (target->exited)
      return;
    double left = end - sc_now();
    usleep((useconds_t)((left < POLL_INTERVAL ? left : POLL_INTERVAL) * 1e6));
  }
}

static char *exited_reason(const sc_probe_target *t)
{
  return t->exit_status >= 0 ? xasprintf("the container exited with status %d", t->exit_status)
                             : xstrdup("the container exited");
}

/* ---- probes ---- */

static bool tcp_connects(const char *host, int port)
{
  struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
  char service[16];
  snprintf(service, sizeof service, "%d", port);
  struct addrinfo *res = NULL;
  if (getaddrinfo(host, service, &hints, &res) != 0)
    return false;
  bool ok = false;
  for (struct addrinfo *a = res; a && !ok; a = a->ai_next) {
    int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0)
      continue;
    ok = connect(fd, a->ai_addr, a->ai_addrlen) == 0;
    close(fd);
  }
  freeaddrinfo(res);
  return ok;
}

/* Host and port an http probe's URL names (libcurl's URL API). */
static bool url_host_port(const char *url, char **host, int *port)
{
  CURLU *u = curl_url();
  char *h = NULL, *p = NULL;
  bool ok = u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
            curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK &&
            curl_url_get(u, CURLUPART_PORT, &p, CURLU_DEFAULT_PORT) == CURLUE_OK;
  if (ok) {
    *host = xstrdup(h);
    *port = atoi(p);
  }
  curl_free(h);
  curl_free(p);
  curl_url_cleanup(u);
  return ok;
}

char *sc_probe_port_taken(const sc_probe *p)
{
  if (p->type == SC_PROBE_TCP)
    return tcp_connects(p->host, p->port) ? xasprintf("%s:%d", p->host, p->port) : NULL;
  _cleanup_free_ char *host = NULL;
  int port = 0;
  if (p->type != SC_PROBE_HTTP || !url_host_port(p->url, &host, &port))
    return NULL;
  /* A bracketed IPv6 host comes back bracketed: getaddrinfo wants it bare. */
  size_t len = strlen(host);
  if (len > 2 && host[0] == '[' && host[len - 1] == ']') {
    memmove(host, host + 1, len - 2);
    host[len - 2] = '\0';
  }
  return tcp_connects(host, port) ? xasprintf("%s:%d", host, port) : NULL;
}

/* Between two tries of a probe (tcp, http and exec are retried until
 * their timeout: a service that is still coming up fails its first
 * checks): false when there is no next try, because the run was
 * interrupted, the time is up or the container died (r->reason then says
 * so). */
static bool wait_to_retry(sc_probe_target *t, double end, double interval, sc_probe_result *r)
{
  sc_probe_target_poll(t);
  if (t->exited) {
    r->reason = exited_reason(t);
    return false;
  }
  if (sc_now() >= end || sc_interrupted(t->interrupted))
    return false;
  sc_probe_sleep(t, interval);
  return !sc_interrupted(t->interrupted);
}

static void run_tcp(const sc_probe *p, sc_probe_target *t, sc_probe_result *r)
{
  double end = sc_now() + p->timeout;
  do {
    if (tcp_connects(p->host, p->port)) {
      r->passed = true;
      return;
    }
  } while (wait_to_retry(t, end, POLL_INTERVAL, r));
  if (r->reason == NULL)
    r->reason =
        xasprintf("nothing accepted connections on %s:%d within %gs", p->host, p->port, p->timeout);
}

static size_t collect_body(char *data, size_t size, size_t n, void *user)
{
  sc_buf *b = user;
  if (b->len < (1 << 20))
    sc_buf_append(b, data, size * n);
  return size * n;
}

/* One GET; *status 0 when no answer came. */
static void http_get(const char *url, double timeout, long *status, sc_buf *body, char *error)
{
  CURL *curl = curl_easy_init();
  *status = 0;
  if (curl == NULL)
    return;
  curl_easy_setopt(curl, CURLOPT_URL, url);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)(timeout * 1000) + 1);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, body);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  if (curl_easy_perform(curl) == CURLE_OK)
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, status);
  curl_easy_cleanup(curl);
}

/* Why an HTTP answer (status 0: none came) fails the probe, or NULL. */
static char *http_mismatch(const sc_probe *p, long status, const sc_buf *body, const char *error)
{
  if (status == 0)
    return xasprintf("no HTTP answer within %gs (%s)", p->timeout, error[0] ? error : "-");
  if (status != p->status)
    return xasprintf("answered status %ld, expected %ld", status, p->status);
  if (p->body && (body->data == NULL || strstr(body->data, p->body) == NULL))
    return xasprintf("the body does not contain \"%s\" (it was \"%.200s\")", p->body,
                     body->data ? body->data : "");
  return NULL;
}

static void run_http(const sc_probe *p, sc_probe_target *t, sc_probe_result *r)
{
  double end = sc_now() + p->timeout;
  char error[CURL_ERROR_SIZE] = "";
  long status = 0;
  sc_buf body = SC_BUF_INIT;
  do {
    sc_buf_free(&body);
    double left = end - sc_now();
    http_get(p->url, left > 1 ? 1 : (left > 0.1 ? left : 0.1), &status, &body, error);
  } while (status == 0 && wait_to_retry(t, end, POLL_INTERVAL, r));
  if (r->reason == NULL) /* else the container died */
    r->reason = http_mismatch(p, status, &body, error);
  r->passed = r->reason == NULL;
  sc_buf_free(&body);
}

static void run_alive(const sc_probe *p, sc_probe_target *t, sc_probe_result *r)
{
  sc_probe_sleep(t, p->timeout);
  if (t->exited)
    r->reason = exited_reason(t);
  else if (sc_interrupted(t->interrupted))
    r->reason = xstrdup("interrupted");
  else
    r->passed = true;
}

static void run_exit(const sc_probe *p, sc_probe_target *t, sc_probe_result *r)
{
  sc_probe_sleep(t, p->timeout);
  if (!t->exited)
    r->reason = xasprintf("still running after %gs", p->timeout);
  else if (t->exit_status != p->exit_code)
    r->reason = xasprintf("exited with status %d, expected %d", t->exit_status, p->exit_code);
  else
    r->passed = true;
}

/* One runc exec; *reason says why it failed, NULL when it passed. */
static void exec_once(const sc_probe *p, sc_probe_target *t, char **reason)
{
  int status = 0;
  _cleanup_free_ char *output = NULL;
  sc_error err = SC_ERROR_INIT;
  free(*reason);
  *reason = NULL;
  _cleanup_strv_ char **argv = NULL;
  for (size_t i = 0; t->exec_prefix && t->exec_prefix[i]; i++)
    sc_strv_push(&argv, t->exec_prefix[i]);
  for (size_t i = 0; p->argv[i]; i++)
    sc_strv_push(&argv, p->argv[i]);
  if (sc_runtime_exec(t->runtime, t->id, argv, &status, &output, &err) < 0) {
    *reason = xstrdup(err.msg);
    sc_error_clear(&err);
  } else if (status != 0) {
    *reason = xasprintf("exited with status %d: %.300s", status, output ? output : "");
  }
}

/* Retried until the timeout, as tcp and http are: a service that is still
 * coming up (a socket, a pid file, a database not yet open) fails its
 * first checks. */
static void run_exec(const sc_probe *p, sc_probe_target *t, sc_probe_result *r)
{
  double end = sc_now() + p->timeout;
  _cleanup_free_ char *reason = NULL;
  unsigned tries = 0;
  do {
    exec_once(p, t, &reason);
    tries++;
    if (reason == NULL) {
      r->passed = true;
      return;
    }
  } while (wait_to_retry(t, end, EXEC_RETRY_INTERVAL, r));
  if (r->reason == NULL)
    r->reason = xasprintf("%s (the last of %u tries in %gs)", reason, tries, p->timeout);
}

/* Once the container has died, only an exit probe has anything to read:
 * the others are not run (runc exec would only say "stopped container"). */
static bool skip_after_exit(const sc_probe *probe, sc_probe_target *target, sc_probe_result *result)
{
  if (probe->type == SC_PROBE_EXIT)
    return false;
  sc_probe_target_poll(target);
  if (!target->exited)
    return false;
  _cleanup_free_ char *why = exited_reason(target);
  result->reason = xasprintf("not run: %s before this probe", why);
  return true;
}

void sc_probe_run(const sc_probe *probe, sc_probe_target *target, sc_probe_result *result)
{
  *result = (sc_probe_result){0};
  if (skip_after_exit(probe, target, result))
    return;
  double start = sc_now();
  switch (probe->type) {
  case SC_PROBE_ALIVE:
    run_alive(probe, target, result);
    break;
  case SC_PROBE_TCP:
    run_tcp(probe, target, result);
    break;
  case SC_PROBE_HTTP:
    run_http(probe, target, result);
    break;
  case SC_PROBE_EXEC:
    run_exec(probe, target, result);
    break;
  case SC_PROBE_EXIT:
    run_exit(probe, target, result);
    break;
  }
  /* An answer on a port proves nothing once the container is gone:
   * something else on the host answered (or it died right after). */
  if (result->passed && (probe->type == SC_PROBE_TCP || probe->type == SC_PROBE_HTTP)) {
    sc_probe_target_poll(target);
    if (target->exited) {
      result->passed = false;
      _cleanup_free_ char *why = exited_reason(target);
      result->reason = xasprintf("%s, so the answer came from something else on the host "
                                 "(is the port already in use?)",
                                 why);
    }
  }
  if (!result->passed && result->reason == NULL)
    result->reason = xstrdup(sc_interrupted(target->interrupted) ? "interrupted" : "failed");
  result->seconds = sc_now() - start;
}
