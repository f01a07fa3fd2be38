/* registry.h: talking to a container registry over the OCI distribution
 * API (distribution-spec v1.0 spec.md) with libcurl: `docker://` reference
 * parsing, one connection per client, authentication (anonymous, Basic, and
 * Bearer tokens per distribution's docs/spec/auth/token.md), TLS options as
 * containers-certs.d(5) describes them, and bounded retries.
 *
 * Every answer is treated as hostile: bodies and headers are bounded,
 * Location headers are checked, and credentials are only ever sent to the
 * registry's own host (or the token realm the registry named). */
#ifndef SC_REGISTRY_H
#define SC_REGISTRY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sc/error.h>

#include "registry-auth.h"
#include "util.h"

/* docker://HOST[:PORT]/REPO[:TAG|@DIGEST] */
typedef struct sc_registry_ref {
  char *host;       /* "HOST[:PORT]" as written: the key for auth files */
  char *repository; /* "library/busybox", lower case */
  char *tag;        /* NULL when digest is set; "latest" when neither was given */
  char *digest;     /* "sha256:<hex>" or NULL */
} sc_registry_ref;

int sc_registry_ref_parse(const char *text, sc_registry_ref *out, sc_error *err);
/* True when ref is [HOST[:PORT]/]NAME[:TAG] by distribution's reference
 * grammar (reference/regexp.go): NAME lower-case path components joined
 * by '/', each [a-z0-9]+ with separators . _ __ or dashes inside; TAG
 * [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}.  A plain predicate, for any command
 * that names images (build's tags, init's names, push). */
bool sc_reference_is_valid(const char *ref);
void sc_registry_ref_clear(sc_registry_ref *ref);
/* True when repository (without host or tag) follows distribution's
 * reference grammar: lower-case path components [a-z0-9]+ joined by
 * separators . _ __ -*, separated by '/'; at most 255 characters. */
bool sc_registry_repository_is_valid(const char *repository);

/* How long to wait before retry number `attempt` (0-based): exponential
 * backoff from base_ms, capped at 30 s, unless the answer carried a
 * Retry-After of seconds or an HTTP-date (RFC 9110 section 10.2.3), which
 * wins, capped at 60 s.  now is the current time in seconds. */
long sc_registry_retry_delay_ms(int attempt, long base_ms, const char *retry_after, long now);

/* Whether host ("HOST[:PORT]", "[IPV6]:PORT") is this machine, on the
 * parsed host name: exactly "localhost" (any case), an address in
 * 127.0.0.0/8, or ::1.  Only such a registry may fall back to plain http
 * without --tls-verify=false. */
bool sc_registry_host_is_loopback(const char *host);

/* Called once per HTTP exchange (each hop of a redirect too): method, URL
 * path (query values other than digest, mount and from are left out),
 * status (0: no answer) and the origin asked ("https://HOST:PORT"). */
typedef void (*sc_registry_log_fn)(const char *method, const char *path, long status,
                                   const char *origin, void *user);

/* The system's certs.d roots, in containers-certs.d(5)'s order. */
#define SC_REGISTRY_CERT_ROOTS "/etc/containers/certs.d", "/etc/docker/certs.d"

/* Defaults of the limits in sc_registry_options. */
#define SC_REGISTRY_CONNECT_TIMEOUT_MS 30000L
#define SC_REGISTRY_FIRST_BYTE_TIMEOUT_MS 120000L
#define SC_REGISTRY_STALL_TIMEOUT_MS 30000L
#define SC_REGISTRY_STALL_BYTES 1024 /* fewer bytes than this in the stall time: stalled */
#define SC_REGISTRY_MAX_RESPONSE_SIZE SC_JSON_DOCUMENT_MAX

struct sc_registries_conf_paths;

typedef struct sc_registry_options {
  bool tls_verify; /* default true */
  /* The registries.conf files (registries-conf.h) pulls and pushes read:
   * blocked registries, insecure ones, mirrors, short names.  NULL: none. */
  const struct sc_registries_conf_paths *registries;
  /* Credentials for a host registries.conf sends a request to instead of
   * the one creds were looked up for (a mirror, a location elsewhere): 1
   * with *out filled, 0 for none, -1 with err set.  NULL: such hosts are
   * asked anonymously. */
  int (*creds_for)(const char *host, const char *repository, sc_registry_creds *out, void *user,
                   sc_error *err);
  void *creds_user;
  /* Where the TLS certificates for HOST[:PORT] come from (containers-certs.d(5)):
   * *.crt are CAs trusted besides the system's, NAME.cert with NAME.key the
   * client certificate.  cert_dir (--cert-dir) is that directory; else the
   * first ROOT/HOST[:PORT] that exists of cert_roots (NULL-terminated; NULL:
   * SC_REGISTRY_CERT_ROOTS; the caller adds the user's own first). */
  const char *cert_dir;
  const char *const *cert_roots;
  const sc_registry_creds *creds; /* NULL: anonymous */
  int max_attempts;               /* per request, for transient failures; 0: 5 */
  long backoff_ms;                /* first retry delay, doubled each time; 0: 500 */
  long retry_delay_ms;            /* > 0: this fixed delay instead of the backoff
                                     (skopeo's --retry-delay); Retry-After still wins */
  sc_registry_log_fn log;
  void *log_user;
  volatile const int *interrupted;
  /* Bounds on each exchange (0: the SC_REGISTRY_* default above): the TCP
   * and TLS handshakes; from the end of the request to the first line of
   * the answer (libcurl hands over whole header lines); a transfer moving fewer than
   * SC_REGISTRY_STALL_BYTES in stall_timeout_ms; and any answer body not streamed to a blob
   * (manifests, tokens, errors, /v2/), refused beyond max_response_size. */
  long connect_timeout_ms;
  long first_byte_timeout_ms;
  long stall_timeout_ms;
  int64_t max_response_size;
} sc_registry_options;

typedef struct sc_registry sc_registry;

/* Connect to host: choose the scheme (https; on a loopback host or with
 * tls_verify off, http when the TLS handshake fails) and ping /v2/. */
int sc_registry_open(const char *host, const sc_registry_options *options, sc_registry **out,
                     sc_error *err);
void sc_registry_free(sc_registry *registry);
/* A second connection to the same registry for another thread: same
 * scheme, TLS settings and options; the authentication state (scheme,
 * Bearer tokens) is shared, under a lock, with the original.  Each client
 * is used by one thread at a time. */
sc_registry *sc_registry_clone(const sc_registry *registry);
/* What the registry asked for when it was opened: SC_AUTH_NONE (no
 * credentials needed), SC_AUTH_BASIC or SC_AUTH_BEARER. */
sc_auth_scheme sc_registry_auth_scheme(const sc_registry *registry);
/* Check the credentials the registry was opened with (`sc-build login`):
 * Basic ones were checked by the ping already; for Bearer, ask the token
 * endpoint for a token without a scope, as podman login does. */
int sc_registry_check_login(sc_registry *registry, sc_error *err);
/* "https://HOST:PORT" or "http://...", as chosen. */
const char *sc_registry_base_url(const sc_registry *registry);

/* A request body: bytes in memory, or `length` bytes of fd from `offset`. */
typedef struct sc_http_body {
  const void *data;
  size_t data_len;
  int fd; /* -1 when data is used */
  off_t offset;
  int64_t length;
} sc_http_body;

typedef struct sc_http_response {
  long status;
  char *location;
  char *range;
  char *docker_content_digest;
  char *www_authenticate;
  char *retry_after;
  char *content_type;
  char *content_range;
  int64_t content_length; /* -1 when not given */
  sc_buf body;            /* at most max_response_size (a larger one is an error) */
  char *origin;           /* "https://HOST:PORT" that answered (after redirects) */
  bool foreign;           /* origin is not the registry (a redirect, an upload Location) */
  int attempts;           /* how many times the request was sent (transient answers retried) */
} sc_http_response;

void sc_http_response_clear(sc_http_response *response);

typedef struct sc_http_request {
  const char *method;
  const char *target;        /* "/v2/..." or an absolute URL from a Location */
  const char *scope;         /* token scope, e.g. "repository:hw:pull,push" */
  const char *content_type;  /* NULL: none */
  const char *content_range; /* NULL: none */
  const sc_http_body *body;  /* NULL: no body */
  const char *accept;        /* Accept header value, or NULL */
  const char *range;         /* Range header value ("bytes=N-"), or NULL */
  bool retry;                /* retry transient failures (not for PATCH of a chunk) */
  /* Where the body of a 2xx answer goes instead of response->body (a
   * blob download): return 0 to go on, -1 to stop the transfer.  Redirects
   * are followed for such requests (blob storage elsewhere), at most 5,
   * never from https to plain http; another origin gets no credentials,
   * and its challenges are not taken. */
  int (*sink)(const void *data, size_t len, void *user);
  void *sink_user;
  /* Bytes of the body sent (or, for a sink, received) so far; may be NULL. */
  void (*progress)(int64_t sent, void *user);
  void *progress_user;
} sc_http_request;

/* Wait before retry number `attempt` (0-based) of an operation made of
 * several requests (a chunked upload, a resumed download), by the same
 * backoff as single requests; false when interrupted meanwhile. */
bool sc_registry_backoff(const sc_registry *registry, int attempt);

/* Send a request, authenticating as the registry asks (only the
 * registry's own origin gets credentials, and only its challenges are
 * answered).  Returns 0 with the answer's status (any status) in response,
 * or -1 with response cleared when no answer came; err->code is then
 * EAGAIN when the failure is a transient transport error (connection
 * refused or dropped, a timeout or stall), EFBIG for an answer over a
 * size limit. */
int sc_registry_request(sc_registry *registry, const sc_http_request *request,
                        sc_http_response *response, sc_error *err);

/* Describe a failed answer: "HTTP 401: UNAUTHORIZED: authentication
 * required" from the registry's {"errors": [{"code", "message"}]} body;
 * "HTTP 401 from ORIGIN: ..." when another origin answered. */
int sc_registry_error(sc_error *err, const sc_http_response *response, const char *fmt, ...)
    SC_PRINTF(3, 4);

/* The same, with a hint for 401 and 403: whether credentials were given,
 * and the access ("push", "pull") the operation needs; for another origin,
 * that it got no credentials. */
int sc_registry_unexpected(sc_error *err, const sc_http_response *response, bool have_creds,
                           const char *access, const char *what);

/* Resolve a Location header against the registry: a path on the registry,
 * or an absolute http(s) URL (no downgrade from https).  NULL when it is
 * neither. */
char *sc_registry_resolve_location(const sc_registry *registry, const char *location);

/* ---- parsers that need no connection (registry-ref.c) ---- */

/* sc_registry_resolve_location against a base URL ("https://HOST:PORT"). */
char *sc_location_resolve(const char *base_url, const char *location);
/* Where a redirect from url to location leads: location resolved against
 * url (RFC 9110 section 10.2.2) by libcurl's URL parser; NULL with err
 * set when it is not http(s), or goes from https down to plain http. */
char *sc_redirect_target(const char *url, const char *location, sc_error *err);
/* "https://HOST:PORT" of an absolute URL, without user info. */
char *sc_url_origin(const char *url);
/* The path of url with only the digest, mount and from query parameters
 * (no secrets or opaque state), for logs and messages. */
char *sc_url_loggable_path(const char *url);
/* "HOST:PORT/PATH": sc_url_origin without the scheme, then the loggable path. */
char *sc_url_place(const char *url);

/* Content-Range of a 206 answer (RFC 9110 section 14.4): "bytes
 * FIRST-LAST/LENGTH", where LENGTH may be "*" (unknown: *length = -1).
 * 0, or -1 when it is anything else or out of order (LAST < FIRST, LAST >=
 * LENGTH). */
int sc_content_range_parse(const char *value, int64_t *first, int64_t *last, int64_t *length);
/* The bytes an upload session holds from its Range "0-N" (distribution
 * spec, "Pushing a blob in chunks"): N+1, with "0-0" read as none (at worst
 * one 416 and a restart); -1 when it is not of that form. */
int64_t sc_upload_range_held(const char *range);

#endif
