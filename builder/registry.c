/* registry.c: an HTTP client for one registry over libcurl with
 * authentication, TLS options and retries (registry.h). */
#include "registry.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <curl/curl.h>
#include <pthread.h>
#include <jansson.h>

#include "sha256.h"

/* Bounds on what a registry may send us besides the configurable ones
 * (registry.h): one header value, all the headers of one answer, and the
 * redirects of one request (as many as libcurl's old default of 5 for
 * the blob storage a registry sends downloads to). */
#define MAX_HEADER_VALUE 8192
#define MAX_HEADER_BYTES (256 * 1024)
#define MAX_REDIRECTS 5

/* What a registry asked for, and the tokens we got: shared by a client and
 * its clones (parallel uploads), so one token serves every connection. */
typedef struct registry_auth {
  pthread_mutex_t lock;
  int refs;
  sc_auth_scheme scheme; /* what the registry asked for in its last challenge */
  char *realm, *service; /* of the Bearer challenge */
  sc_token_cache tokens;
} registry_auth;

struct sc_registry {
  char *host;     /* as the user wrote it: auth file key, certs.d name */
  char *base_url; /* scheme://host */
  sc_registry_options options;
  CURL *curl;
  char errbuf[CURL_ERROR_SIZE];
  char *ca_blob; /* the *.crt files of the cert dir, concatenated */
  char *client_cert, *client_key;
  char *cert_place;      /* where the certificates came from or were looked for, for messages */
  registry_auth *shared; /* with the clones of this client */
  CURLcode last_rc;      /* of the last exchange, to tell a TLS handshake failure */
  /* Which limit stopped the last exchange (empty: none), and its errno:
   * EAGAIN for time limits (worth a retry), EFBIG for sizes. */
  char limit_msg[160];
  int limit_code;
};

static bool sleep_ms(long ms, volatile const int *interrupted)
{
  for (; ms > 0; ms -= 50) {
    if (sc_interrupted(interrupted))
      return false;
    struct timespec ts = {0, (ms < 50 ? ms : 50) * 1000000L};
    nanosleep(&ts, NULL);
  }
  return !(sc_interrupted(interrupted));
}

/* ---- responses ---- */

void sc_http_response_clear(sc_http_response *r)
{
  free(r->location);
  free(r->range);
  free(r->docker_content_digest);
  free(r->www_authenticate);
  free(r->retry_after);
  free(r->content_type);
  free(r->content_range);
  free(r->origin);
  sc_buf_free(&r->body);
  memset(r, 0, sizeof *r);
  r->content_length = -1;
}

static void set_header(char **slot, const char *value, size_t len)
{
  free(*slot);
  *slot = xstrndup(value, len > MAX_HEADER_VALUE ? MAX_HEADER_VALUE : len);
}

static long now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* What the callbacks of one exchange share. */
typedef struct exchange {
  sc_registry *registry;
  const sc_http_request *request;
  sc_http_response *response;
  volatile const int *interrupted;
  int64_t header_bytes;
  bool answered;        /* a byte of the answer came */
  long sent_at;         /* when the request was all sent (0: not yet) */
  long window_at;       /* the stall window: since when, */
  int64_t window_moved; /* and how many bytes had moved then (-1: set at next call) */
} exchange;

/* Stop the exchange for a limit: the message says which and where it is set. */
static void limit_hit(exchange *x, int code, const char *fmt, ...) SC_PRINTF(3, 4);
static void limit_hit(exchange *x, int code, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(x->registry->limit_msg, sizeof x->registry->limit_msg, fmt, ap);
  va_end(ap);
  x->registry->limit_code = code;
}

/* "HTTP/1.1 200 OK" -> 200 */
static long status_of(const char *line, size_t len)
{
  const char *sp = memchr(line, ' ', len);
  if (sp == NULL || (size_t)(sp - line) + 4 > len)
    return 0;
  long status = 0;
  for (int i = 1; i <= 3; i++)
    status = status * 10 + (isdigit((unsigned char)sp[i]) ? sp[i] - '0' : 0);
  return status;
}

static size_t on_header(char *data, size_t size, size_t n, void *user)
{
  exchange *x = user;
  sc_http_response *r = x->response;
  size_t len = size * n;
  if (!x->answered) { /* time to first byte ends; the stall window starts anew */
    x->answered = true;
    x->window_at = now_ms();
    x->window_moved = -1;
  }
  x->header_bytes += (int64_t)len;
  if (x->header_bytes > MAX_HEADER_BYTES) {
    limit_hit(x, EFBIG, "answer headers larger than %d bytes", MAX_HEADER_BYTES);
    return 0; /* stops the transfer */
  }
  if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) { /* a new answer (100 Continue, redirects) */
    sc_http_response_clear(r);
    r->status = status_of(data, len);
    return len;
  }
  const char *colon = memchr(data, ':', len);
  if (colon == NULL)
    return len;
  size_t name_len = (size_t)(colon - data);
  const char *v = colon + 1;
  size_t vlen = len - name_len - 1;
  while (vlen && (*v == ' ' || *v == '\t'))
    v++, vlen--;
  while (vlen && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' || v[vlen - 1] == ' '))
    vlen--;
  static const struct {
    const char *name;
    size_t offset;
  } wanted[] = {
      {"Location", offsetof(sc_http_response, location)},
      {"Range", offsetof(sc_http_response, range)},
      {"Docker-Content-Digest", offsetof(sc_http_response, docker_content_digest)},
      {"WWW-Authenticate", offsetof(sc_http_response, www_authenticate)},
      {"Retry-After", offsetof(sc_http_response, retry_after)},
      {"Content-Type", offsetof(sc_http_response, content_type)},
      {"Content-Range", offsetof(sc_http_response, content_range)},
  };
  /* Repeated WWW-Authenticate headers are one list of challenges
   * (RFC 9110 section 5.3): joined, not the last one kept. */
  if (name_len == 16 && strncasecmp(data, "WWW-Authenticate", 16) == 0 && r->www_authenticate) {
    _cleanup_free_ char *more = xstrndup(v, vlen);
    _cleanup_free_ char *joined = xasprintf("%s, %s", r->www_authenticate, more);
    set_header(&r->www_authenticate, joined, strlen(joined));
    return len;
  }
  for (size_t i = 0; i < sizeof wanted / sizeof wanted[0]; i++)
    if (strlen(wanted[i].name) == name_len && strncasecmp(data, wanted[i].name, name_len) == 0)
      set_header((char **)((char *)r + wanted[i].offset), v, vlen);
  if (name_len == 14 && strncasecmp(data, "Content-Length", 14) == 0 && vlen < 20)
    r->content_length = strtoll(v, NULL, 10);
  return len;
}

static size_t on_body(char *data, size_t size, size_t n, void *user)
{
  exchange *x = user;
  sc_http_response *r = x->response;
  size_t len = size * n;
  if (x->request->sink && r->status >= 200 && r->status < 300) {
    /* 0 stops the transfer with CURLE_WRITE_ERROR; the sink keeps why. */
    return x->request->sink(data, len, x->request->sink_user) < 0 ? 0 : len;
  }
  int64_t max = x->registry->options.max_response_size;
  if ((int64_t)r->body.len + (int64_t)len > max) {
    limit_hit(x, EFBIG, "answer body larger than %lld bytes (--max-response-size)", (long long)max);
    return 0; /* stops the transfer */
  }
  sc_buf_append(&r->body, data, len);
  return len;
}

/* ---- request bodies ---- */

typedef struct body_reader {
  const sc_http_body *body;
  int64_t pos;
} body_reader;

static int64_t body_length(const sc_http_body *b)
{
  return b->fd >= 0 ? b->length : (int64_t)b->data_len;
}

static size_t on_read(char *buf, size_t size, size_t n, void *user)
{
  body_reader *r = user;
  int64_t left = body_length(r->body) - r->pos;
  size_t want = size * n;
  if ((int64_t)want > left)
    want = (size_t)left;
  if (want == 0)
    return 0;
  if (r->body->fd < 0) {
    memcpy(buf, (const char *)r->body->data + r->pos, want);
  } else {
    ssize_t got = pread(r->body->fd, buf, want, r->body->offset + r->pos);
    if (got <= 0)
      return CURL_READFUNC_ABORT;
    want = (size_t)got;
  }
  r->pos += (int64_t)want;
  return want;
}

static int on_seek(void *user, curl_off_t offset, int origin)
{
  body_reader *r = user;
  if (origin != SEEK_SET || offset < 0 || offset > body_length(r->body))
    return CURL_SEEKFUNC_CANTSEEK;
  r->pos = offset;
  return CURL_SEEKFUNC_OK;
}

/* Time limits (registry.h): from the request all sent to the first byte
 * of the answer; otherwise, while bytes should flow (sending the body,
 * receiving the answer), at least SC_REGISTRY_STALL_BYTES per stall time.
 * libcurl calls this about once a second even when nothing moves.  True
 * when the exchange must stop. */
static bool over_time(exchange *x, int64_t body_len, curl_off_t dlnow, curl_off_t ulnow)
{
  const sc_registry_options *o = &x->registry->options;
  curl_off_t ready = 0; /* still connecting (--connect-timeout's part) while 0 */
  if (curl_easy_getinfo(x->registry->curl, CURLINFO_PRETRANSFER_TIME_T, &ready) != CURLE_OK ||
      ready == 0)
    return false;
  long now = now_ms();
  int64_t moved = (int64_t)dlnow + (int64_t)ulnow + x->header_bytes;
  if (!x->answered && ulnow >= body_len) {
    if (x->sent_at == 0)
      x->sent_at = now;
    if (now - x->sent_at <= o->first_byte_timeout_ms)
      return false;
    limit_hit(x, EAGAIN, "no answer within %g s of the request (--first-byte-timeout)",
              (double)o->first_byte_timeout_ms / 1000);
    return true;
  }
  if (x->window_moved < 0 || moved - x->window_moved >= SC_REGISTRY_STALL_BYTES) {
    x->window_moved = moved;
    x->window_at = now;
    return false;
  }
  if (now - x->window_at <= o->stall_timeout_ms)
    return false;
  limit_hit(x, EAGAIN, "stalled: fewer than %d bytes moved in %g s (--stall-timeout)",
            SC_REGISTRY_STALL_BYTES, (double)o->stall_timeout_ms / 1000);
  return true;
}

static int on_progress(void *user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
  (void)dltotal;
  (void)ultotal;
  exchange *x = user;
  if (sc_interrupted(x->interrupted))
    return 1;
  const sc_http_body *body = x->request->body;
  if (over_time(x, body ? body_length(body) : 0, dlnow, ulnow))
    return 1;
  curl_off_t now = x->request->sink ? dlnow : ulnow;
  if (x->request->progress && now > 0)
    x->request->progress(now, x->request->progress_user);
  return 0;
}

/* ---- the client ---- */

static registry_auth *new_auth(void)
{
  registry_auth *a = xcalloc(1, sizeof *a);
  pthread_mutex_init(&a->lock, NULL);
  a->refs = 1;
  return a;
}

static void release_auth(registry_auth *a)
{
  pthread_mutex_lock(&a->lock);
  bool last = --a->refs == 0;
  pthread_mutex_unlock(&a->lock);
  if (!last)
    return;
  sc_token_cache_clear(&a->tokens);
  free(a->realm);
  free(a->service);
  pthread_mutex_destroy(&a->lock);
  free(a);
}

const char *sc_registry_base_url(const sc_registry *registry)
{
  return registry->base_url;
}

char *sc_registry_resolve_location(const sc_registry *r, const char *location)
{
  return sc_location_resolve(r->base_url, location);
}

static bool same_origin(const sc_registry *r, const char *url)
{
  size_t n = strlen(r->base_url);
  return strncmp(url, r->base_url, n) == 0 && (url[n] == '/' || url[n] == '\0' || url[n] == '?');
}

/* The host part of "HOST[:PORT]" as libcurl's URL parser reads it (the
 * parser the requests go through), without IPv6 brackets; NULL when it is
 * not a valid host. */
static char *parsed_host(const char *host)
{
  CURLU *u = curl_url();
  _cleanup_free_ char *url = xasprintf("https://%s/", host);
  char *part = NULL, *out = NULL;
  if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_HOST, &part, 0) == CURLUE_OK) {
    size_t len = strlen(part);
    bool bracketed = len >= 2 && part[0] == '[' && part[len - 1] == ']';
    out = bracketed ? xstrndup(part + 1, len - 2) : xstrdup(part);
  }
  curl_free(part);
  curl_url_cleanup(u);
  return out;
}

bool sc_registry_host_is_loopback(const char *host)
{
  _cleanup_free_ char *name = parsed_host(host);
  if (name == NULL)
    return false;
  struct in_addr v4;
  struct in6_addr v6;
  if (inet_pton(AF_INET, name, &v4) == 1) /* 127.0.0.0/8 (RFC 1122 3.2.1.3) */
    return (ntohl(v4.s_addr) >> 24) == 127;
  if (inet_pton(AF_INET6, name, &v6) == 1)
    return memcmp(&v6, &in6addr_loopback, sizeof v6) == 0;
  return strcasecmp(name, "localhost") == 0;
}

static bool is_transient(CURLcode rc)
{
  switch (rc) {
  case CURLE_COULDNT_CONNECT:
  case CURLE_SEND_ERROR:
  case CURLE_RECV_ERROR:
  case CURLE_OPERATION_TIMEDOUT:
  case CURLE_GOT_NOTHING:
  case CURLE_PARTIAL_FILE:
  case CURLE_HTTP2:
  case CURLE_HTTP2_STREAM:
    return true;
  default:
    return false;
  }
}

/* Whether libcurl's message is a TLS alert from the server (with TLS 1.3
 * a refused client certificate arrives after the handshake, as a read
 * error), which no retry mends. */
static bool tls_alert(const char *why)
{
  return strstr(why, "alert") != NULL && (strstr(why, "SSL") || strstr(why, "TLS"));
}

/* Why no answer came from url (the registry, or where it sent us): a
 * limit the exchange hit, a TLS failure, or libcurl's reason. */
static int curl_failure(sc_registry *r, CURLcode rc, const char *url, sc_error *err)
{
  const char *why = r->errbuf[0] ? r->errbuf : curl_easy_strerror(rc);
  _cleanup_free_ char *place = sc_url_place(url);
  if (r->limit_msg[0])
    return sc_error_set(err, r->limit_code, "%s: %s", place, r->limit_msg);
  if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE)
    return sc_error_set(err, SC_E_INVALID,
                        "%s: TLS certificate verification failed: %s (certificates for %s: %s; "
                        "put the registry's CA there as *.crt, give --cert-dir DIR, or use "
                        "--tls-verify=false)",
                        place, why, r->host, r->cert_place);
  if (rc == CURLE_SSL_CONNECT_ERROR || rc == CURLE_SSL_CERTPROBLEM || tls_alert(why))
    return sc_error_set(err, SC_E_INVALID,
                        "%s: TLS handshake failed: %s (certificates for %s: %s; a registry that "
                        "asks for a client certificate needs NAME.cert and NAME.key there)",
                        place, why, r->host, r->cert_place);
  if (rc == CURLE_ABORTED_BY_CALLBACK)
    return sc_error_set(err, SC_E_INTERRUPTED, "interrupted");
  if (rc == CURLE_OPERATION_TIMEDOUT) /* only the connect timeout is curl's */
    return sc_error_set(err, EAGAIN, "%s: no connection within %g s (--connect-timeout)", place,
                        (double)r->options.connect_timeout_ms / 1000);
  return sc_error_set(err, is_transient(rc) ? EAGAIN : EIO, "%s: %s", place, why);
}

/* libcurl's own CA bundle, then the directory's CAs: containers-certs.d(5)
 * adds CAs to the system's, and CURLOPT_CAINFO_BLOB would replace them
 * (blob storage a registry redirects to has a public certificate). */
static char *with_system_cas(sc_registry *r, sc_buf *cas)
{
  char *bundle = NULL;
  sc_buf all = SC_BUF_INIT;
  _cleanup_free_ char *system = NULL;
  size_t len = 0;
  if (curl_easy_getinfo(r->curl, CURLINFO_CAINFO, &bundle) == CURLE_OK && bundle &&
      sc_read_file_at_max(AT_FDCWD, bundle, 16 * 1024 * 1024, &system, &len, NULL) == 0) {
    sc_buf_append(&all, system, len);
    sc_buf_putc(&all, '\n');
  }
  sc_buf_append(&all, cas->data, cas->len);
  return sc_buf_steal(&all);
}

/* The *.crt (CAs) and *.cert and *.key (client certificate) of a
 * containers-certs.d(5) directory. */
static int load_cert_dir(sc_registry *r, const char *dir, sc_error *err)
{
  DIR *d = opendir(dir);
  if (d == NULL)
    return sc_error_set_errno(err, errno, "--cert-dir %s", dir);
  sc_buf cas = SC_BUF_INIT;
  struct dirent *e;
  int rc = 0;
  while ((e = readdir(d)) != NULL && rc == 0) {
    _cleanup_free_ char *path = sc_path_join(dir, e->d_name);
    if (sc_str_has_suffix(e->d_name, ".crt")) {
      _cleanup_free_ char *pem = NULL;
      size_t len = 0;
      rc = sc_read_file_at(AT_FDCWD, path, &pem, &len, err);
      if (rc == 0) {
        sc_buf_append(&cas, pem, len);
        sc_buf_putc(&cas, '\n');
      }
    } else if (sc_str_has_suffix(e->d_name, ".cert") && r->client_cert == NULL) {
      r->client_cert = xstrdup(path);
      r->client_key = xasprintf("%.*s.key", (int)(strlen(path) - 5), path);
      if (access(r->client_key, R_OK) != 0)
        rc = sc_error_set(err, SC_E_INVALID, "%s: no matching .key for %s", dir, e->d_name);
    }
  }
  closedir(d);
  if (cas.len > 0 && rc == 0)
    r->ca_blob = with_system_cas(r, &cas);
  sc_buf_free(&cas);
  return rc;
}

static bool is_dir(const char *path)
{
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* --cert-dir, else the first ROOT/HOST[:PORT] of the roots that is a
 * directory (containers-certs.d(5): the user's, then /etc/containers,
 * then /etc/docker); none is no error. */
static int find_cert_dir(sc_registry *r, const sc_registry_options *o, sc_error *err)
{
  static const char *const default_roots[] = {SC_REGISTRY_CERT_ROOTS, NULL};
  if (o->cert_dir) {
    r->cert_place = xasprintf("--cert-dir %s", o->cert_dir);
    return load_cert_dir(r, o->cert_dir, err);
  }
  sc_buf searched = SC_BUF_INIT;
  for (const char *const *root = o->cert_roots ? o->cert_roots : default_roots; *root; root++) {
    _cleanup_free_ char *dir = sc_path_join(*root, r->host);
    if (is_dir(dir)) {
      sc_buf_free(&searched);
      r->cert_place = xstrdup(dir);
      return load_cert_dir(r, dir, err);
    }
    sc_buf_printf(&searched, "%s%s", searched.len ? ", " : "", dir);
  }
  r->cert_place = xasprintf("none in %s", searched.len ? searched.data : "(no directories)");
  sc_buf_free(&searched);
  return 0;
}

static void set_tls(sc_registry *r, CURL *c, const char *url)
{
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, r->options.tls_verify ? 1L : 0L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, r->options.tls_verify ? 2L : 0L);
  if (r->ca_blob) {
    struct curl_blob blob = {r->ca_blob, strlen(r->ca_blob), CURL_BLOB_COPY};
    curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &blob);
  }
  if (r->client_cert && same_origin(r, url)) {
    curl_easy_setopt(c, CURLOPT_SSLCERT, r->client_cert);
    curl_easy_setopt(c, CURLOPT_SSLKEY, r->client_key);
  }
}

static void set_body(CURL *c, const char *method, body_reader *reader)
{
  int64_t len = reader->body ? body_length(reader->body) : 0;
  if (strcmp(method, "HEAD") == 0) {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (strcmp(method, "POST") == 0) {
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
  } else if (strcmp(method, "PUT") == 0 || strcmp(method, "PATCH") == 0) {
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
  }
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
  curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
  curl_easy_setopt(c, CURLOPT_READDATA, reader);
  curl_easy_setopt(c, CURLOPT_SEEKFUNCTION, on_seek);
  curl_easy_setopt(c, CURLOPT_SEEKDATA, reader);
}

/* One HTTP exchange, no retries; headers is a curl list (may be NULL). */
static CURLcode perform(sc_registry *r, const sc_http_request *req, const char *url,
                        struct curl_slist *headers, sc_http_response *resp)
{
  static const sc_http_body empty = {.fd = -1};
  body_reader reader = {req->body ? req->body : &empty, 0};
  exchange x = {.registry = r,
                .request = req,
                .response = resp,
                .interrupted = r->options.interrupted,
                .window_moved = -1};
  CURL *c = r->curl;
  curl_easy_reset(c); /* keeps the connection cache */
  r->errbuf[0] = '\0';
  r->limit_msg[0] = '\0';
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, r->errbuf);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  /* The TCP and TLS handshakes; the rest of the time limits are
   * on_progress's (redirects are ours to follow: see follow()). */
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, r->options.connect_timeout_ms);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "sc-build/" SC_VERSION);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &x);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &x);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, &x);
  set_tls(r, c, url);
  set_body(c, req->method, &reader);
  CURLcode rc = curl_easy_perform(c);
  r->last_rc = rc;
  resp->status = 0;
  if (rc == CURLE_OK)
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
  free(resp->origin);
  resp->origin = sc_url_origin(url);
  resp->foreign = !same_origin(r, url);
  if (r->options.log) {
    _cleanup_free_ char *path = sc_url_loggable_path(url);
    r->options.log(req->method, path, resp->status, resp->origin, r->options.log_user);
  }
  return rc;
}

static void append_query(sc_buf *b, CURL *c, const char *key, const char *value, char *sep)
{
  char *escaped = curl_easy_escape(c, value, 0);
  sc_buf_printf(b, "%c%s=%s", *sep, key, escaped);
  curl_free(escaped);
  *sep = '&';
}

/* Cache the token of a 200 answer to a token request for scope. */
static int take_token(sc_registry *r, const char *scope, sc_http_response *resp, sc_error *err)
{
  _cleanup_free_ char *token =
      sc_auth_token_parse(resp->body.data ? resp->body.data : "", resp->body.len, err);
  if (token == NULL)
    return -1;
  sc_token_cache_put(&r->shared->tokens, scope, token);
  explicit_bzero(token, strlen(token));
  return 0;
}

/* An identity token: POST grant_type=refresh_token to the realm, as
 * containers/image does (docker's "OAuth2 token" flow), never in a URL. */
static int fetch_token_refresh(sc_registry *r, const char *scope, sc_error *err)
{
  char *form = sc_token_refresh_form(r->shared->service, scope, r->options.creds->identity_token);
  sc_http_body body = {.data = form, .data_len = strlen(form), .fd = -1, .length = -1};
  sc_http_request req = {
      .method = "POST", .content_type = "application/x-www-form-urlencoded", .body = &body};
  sc_http_response resp = {.content_length = -1};
  CURLcode rc = perform(r, &req, r->shared->realm, NULL, &resp);
  explicit_bzero(form, strlen(form));
  free(form);
  int ret = -1;
  if (rc != CURLE_OK)
    curl_failure(r, rc, r->shared->realm, err);
  else if (resp.status != 200)
    sc_registry_error(err, &resp,
                      "%s: token request for scope \"%s\" with the identity token of %s", r->host,
                      scope, r->options.creds->source ? r->options.creds->source : "?");
  else
    ret = take_token(r, scope, &resp, err);
  sc_http_response_clear(&resp);
  return ret;
}

/* token.md "Requesting a Token": GET realm?service=...&scope=... (one
 * scope parameter per space-separated scope), with Basic credentials when
 * we have some. */
static int fetch_token(sc_registry *r, const char *scope, sc_error *err)
{
  if (!sc_str_has_prefix(r->shared->realm, "https://") &&
      !sc_str_has_prefix(r->shared->realm, "http://"))
    return sc_error_set(err, SC_E_INVALID, "%s: token realm is not an http(s) URL", r->host);
  if (r->options.creds && sc_str_has_prefix(r->shared->realm, "http://") &&
      !sc_str_has_prefix(r->base_url, "http://"))
    return sc_error_set(err, SC_E_INVALID,
                        "%s: refusing to send credentials to a plain-http token realm", r->host);
  if (r->options.creds && r->options.creds->identity_token)
    return fetch_token_refresh(r, scope, err);
  sc_buf url = SC_BUF_INIT;
  sc_buf_puts(&url, r->shared->realm);
  char sep = strchr(r->shared->realm, '?') ? '&' : '?';
  if (r->shared->service)
    append_query(&url, r->curl, "service", r->shared->service, &sep);
  _cleanup_free_ char *scopes = xstrdup(scope);
  for (char *save = NULL, *s = strtok_r(scopes, " ", &save); s; s = strtok_r(NULL, " ", &save))
    append_query(&url, r->curl, "scope", s, &sep);
  struct curl_slist *headers = NULL;
  if (r->options.creds) {
    _cleanup_free_ char *basic = sc_basic_auth_value(r->options.creds);
    _cleanup_free_ char *line = xasprintf("Authorization: %s", basic);
    headers = curl_slist_append(headers, line);
    explicit_bzero(line, strlen(line));
    explicit_bzero(basic, strlen(basic));
  }
  sc_http_request req = {.method = "GET"};
  sc_http_response resp = {.content_length = -1};
  CURLcode rc = perform(r, &req, url.data, headers, &resp);
  curl_slist_free_all(headers); /* its copy of the credentials goes with it */
  int ret = -1;
  if (rc != CURLE_OK)
    curl_failure(r, rc, url.data, err);
  else if (resp.status != 200)
    sc_registry_error(err, &resp, "%s: token request for scope \"%s\"%s", r->host, scope,
                      resp.status != 401 && resp.status != 403 ? ""
                      : r->options.creds
                          ? " (the credentials were refused)"
                          : " (no credentials: use --creds, `sc-build login` or an auth file)");
  else {
    _cleanup_free_ char *token =
        sc_auth_token_parse(resp.body.data ? resp.body.data : "", resp.body.len, err);
    if (token) {
      sc_token_cache_put(&r->shared->tokens, scope, token);
      explicit_bzero(token, strlen(token));
      ret = 0;
    }
  }
  sc_http_response_clear(&resp);
  sc_buf_free(&url);
  return ret;
}

/* The Authorization line for a request to url, or NULL. */
static int auth_line_locked(sc_registry *r, const char *scope, char **out, sc_error *err)
{
  if (r->shared->scheme == SC_AUTH_BASIC && r->options.creds) {
    _cleanup_free_ char *basic = sc_basic_auth_value(r->options.creds);
    *out = xasprintf("Authorization: %s", basic);
    explicit_bzero(basic, strlen(basic));
  } else if (r->shared->scheme == SC_AUTH_BEARER && scope) {
    if (sc_token_cache_get(&r->shared->tokens, scope) == NULL && fetch_token(r, scope, err) < 0)
      return -1;
    *out = xasprintf("Authorization: Bearer %s", sc_token_cache_get(&r->shared->tokens, scope));
  }
  return 0;
}

static int auth_line(sc_registry *r, const char *url, const char *scope, char **out, sc_error *err)
{
  *out = NULL;
  if (!same_origin(r, url)) /* never hand credentials to another host */
    return 0;
  pthread_mutex_lock(&r->shared->lock);
  int rc = auth_line_locked(r, scope, out, err);
  pthread_mutex_unlock(&r->shared->lock);
  return rc;
}

static struct curl_slist *request_headers(const sc_http_request *req, const char *auth)
{
  struct curl_slist *h = curl_slist_append(NULL, "Expect:"); /* no 100-continue round trip */
  _cleanup_free_ char *ct =
      req->content_type ? xasprintf("Content-Type: %s", req->content_type) : NULL;
  _cleanup_free_ char *cr =
      req->content_range ? xasprintf("Content-Range: %s", req->content_range) : NULL;
  _cleanup_free_ char *accept = req->accept ? xasprintf("Accept: %s", req->accept) : NULL;
  _cleanup_free_ char *range = req->range ? xasprintf("Range: %s", req->range) : NULL;
  if (ct)
    h = curl_slist_append(h, ct);
  if (cr)
    h = curl_slist_append(h, cr);
  if (accept)
    h = curl_slist_append(h, accept);
  if (range)
    h = curl_slist_append(h, range);
  if (auth)
    h = curl_slist_append(h, auth);
  return h;
}

/* A 401 with a challenge we can answer: remember it; true to resend. */
static bool take_challenge(sc_registry *r, const sc_http_response *resp, const char *scope)
{
  sc_auth_challenge ch;
  if (resp->www_authenticate == NULL ||
      sc_auth_challenge_parse(resp->www_authenticate, &ch, NULL) < 0)
    return false;
  bool again = false;
  pthread_mutex_lock(&r->shared->lock);
  if (ch.scheme == SC_AUTH_BEARER) {
    bool first = r->shared->scheme != SC_AUTH_BEARER;
    r->shared->scheme = SC_AUTH_BEARER;
    free(r->shared->realm);
    free(r->shared->service);
    r->shared->realm = steal_pointer(&ch.realm);
    r->shared->service = steal_pointer(&ch.service);
    if (scope) {
      /* A cached token may have expired: fetch once more. */
      again = first || sc_token_cache_get(&r->shared->tokens, scope) != NULL;
      sc_token_cache_drop(&r->shared->tokens, scope);
    }
  } else if (ch.scheme == SC_AUTH_BASIC) {
    again = r->shared->scheme != SC_AUTH_BASIC && r->options.creds != NULL;
    r->shared->scheme = SC_AUTH_BASIC;
  }
  pthread_mutex_unlock(&r->shared->lock);
  sc_auth_challenge_clear(&ch);
  return again;
}

static char *request_url(const sc_registry *r, const char *target)
{
  return target[0] == '/' ? xasprintf("%s%s", r->base_url, target) : xstrdup(target);
}

/* The wait before retry `attempt`: the answer's Retry-After, else the
 * fixed --retry-delay, else the exponential backoff. */
static long retry_delay(const sc_registry *r, int attempt, const char *retry_after)
{
  long fixed = r->options.retry_delay_ms;
  if (fixed > 0 && retry_after == NULL)
    return fixed;
  return sc_registry_retry_delay_ms(fixed > 0 ? 0 : attempt,
                                    fixed > 0 ? fixed : r->options.backoff_ms, retry_after,
                                    (long)time(NULL));
}

bool sc_registry_backoff(const sc_registry *r, int attempt)
{
  return sleep_ms(retry_delay(r, attempt, NULL), r->options.interrupted);
}

static bool is_redirect(long status)
{
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

/* One request, with the redirects of a blob download followed: each hop
 * gets credentials only when it is the registry's origin (auth_line).
 * 0 with the last answer in resp, or -1 with err set. */
static int follow(sc_registry *r, const sc_http_request *req, const char *url,
                  sc_http_response *resp, sc_error *err)
{
  _cleanup_free_ char *hop = xstrdup(url);
  for (int hops = 0;; hops++) {
    _cleanup_free_ char *auth = NULL;
    if (auth_line(r, hop, req->scope, &auth, err) < 0)
      return -1;
    struct curl_slist *headers = request_headers(req, auth);
    if (auth)
      explicit_bzero(auth, strlen(auth));
    CURLcode rc = perform(r, req, hop, headers, resp);
    curl_slist_free_all(headers);
    if (rc != CURLE_OK)
      return curl_failure(r, rc, hop, err);
    if (req->sink == NULL || !is_redirect(resp->status))
      return 0;
    if (hops == MAX_REDIRECTS) {
      _cleanup_free_ char *place = sc_url_place(url);
      return sc_error_set(err, SC_E_INVALID, "%s: more than %d redirects", place, MAX_REDIRECTS);
    }
    char *next = sc_redirect_target(hop, resp->location, err);
    if (next == NULL)
      return -1;
    free(hop);
    hop = next;
    sc_http_response_clear(resp);
  }
}

/* Add "(gave up after N attempts)" to a failure that was retried. */
static int gave_up(sc_error *err, int attempts)
{
  if (attempts > 1) {
    _cleanup_free_ char *msg = steal_pointer(&err->msg);
    sc_error_set(err, err->code, "%s (gave up after %d attempts)", msg, attempts);
  }
  return -1;
}

int sc_registry_request(sc_registry *r, const sc_http_request *req, sc_http_response *resp,
                        sc_error *err)
{
  _cleanup_free_ char *url = request_url(r, req->target);
  int max = req->retry ? (r->options.max_attempts > 0 ? r->options.max_attempts : 5) : 1;
  bool auth_retried = false;
  for (int attempt = 0;; attempt++) {
    sc_http_response_clear(resp);
    long delay = -1;
    if (follow(r, req, url, resp, err) < 0) {
      sc_http_response_clear(resp); /* nothing of a failed exchange is kept */
      if (err->code != EAGAIN || attempt + 1 >= max)
        return gave_up(err, attempt + 1);
      sc_error_clear(err);
      delay = retry_delay(r, attempt, NULL);
    } else if (resp->status == 401 && !resp->foreign && !auth_retried &&
               take_challenge(r, resp, req->scope)) {
      /* Only the registry's own challenges are answered: a 401 from the
       * host a download was redirected to must not pull credentials there. */
      auth_retried = true;
      attempt--;
      continue;
    } else if ((resp->status >= 500 || resp->status == 429) && attempt + 1 < max) {
      delay = retry_delay(r, attempt, resp->retry_after);
    } else {
      resp->attempts = attempt + 1;
      return 0;
    }
    if (!sleep_ms(delay, r->options.interrupted)) {
      sc_http_response_clear(resp);
      return sc_error_set(err, SC_E_INTERRUPTED, "interrupted");
    }
  }
}

static void append_sanitized(sc_buf *b, const char *s, size_t max)
{
  for (size_t i = 0; s[i] && i < max; i++)
    sc_buf_putc(b, isprint((unsigned char)s[i]) ? s[i] : '?');
}

int sc_registry_error(sc_error *err, const sc_http_response *resp, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  _cleanup_free_ char *what = xvasprintf(fmt, ap);
  va_end(ap);
  sc_buf b = SC_BUF_INIT;
  sc_buf_printf(&b, "%s: HTTP %ld", what, resp->status);
  bool from = resp->foreign && resp->origin;
  if (from) /* "HTTP 401 from https://cdn.example: UNAUTHORIZED: ..." */
    sc_buf_printf(&b, " from %s", resp->origin);
  json_t *doc = resp->body.data ? json_loadb(resp->body.data, resp->body.len, 0, NULL) : NULL;
  json_t *first = json_array_get(json_object_get(doc, "errors"), 0);
  const char *code = json_string_value(json_object_get(first, "code"));
  const char *message = json_string_value(json_object_get(first, "message"));
  if (code) {
    sc_buf_puts(&b, from ? ": " : " ");
    append_sanitized(&b, code, 64);
  }
  if (message) {
    sc_buf_puts(&b, ": ");
    append_sanitized(&b, message, 512);
  }
  json_decref(doc);
  if (resp->attempts > 1)
    sc_buf_printf(&b, " (gave up after %d attempts)", resp->attempts);
  int code_out = resp->status == 404                          ? ENOENT
                 : resp->status == 401 || resp->status == 403 ? EACCES
                                                              : EIO;
  int rc = sc_error_set(err, code_out, "%s", b.data);
  sc_buf_free(&b);
  return rc;
}

int sc_registry_unexpected(sc_error *err, const sc_http_response *resp, bool have_creds,
                           const char *access, const char *what)
{
  const char *hint = "";
  if (resp->foreign && (resp->status == 401 || resp->status == 403))
    hint = " (the registry sent the request to another host, which asked for credentials: "
           "sc-build gives credentials only to the registry and the token service it names)";
  else if (resp->status == 401)
    hint = have_creds ? " (the credentials were refused)"
                      : " (no credentials: use --creds, `sc-build login` or an auth file)";
  _cleanup_free_ char *denied =
      resp->status == 403 && !resp->foreign
          ? xasprintf(" (the credentials lack %s access to this repository)", access)
          : NULL;
  sc_registry_error(err, resp, "%s", what);
  _cleanup_free_ char *msg = steal_pointer(&err->msg);
  return sc_error_set(err, err->code, "%s%s", msg, denied ? denied : hint);
}

/* GET /v2/ (distribution-spec "Determining support"): 200 or 401 with a
 * challenge.  With Basic credentials the ping checks them right away. */
static int ping(sc_registry *r, sc_error *err)
{
  sc_http_request req = {.method = "GET", .target = "/v2/", .retry = true};
  sc_http_response resp = {.content_length = -1};
  int rc = sc_registry_request(r, &req, &resp, err);
  if (rc == 0 && resp.status == 401 && r->shared->scheme == SC_AUTH_BASIC && r->options.creds)
    rc = sc_registry_error(err, &resp,
                           "%s: authentication failed (credentials from %s: check the user "
                           "name and password, or log in again with sc-build login)",
                           r->host, r->options.creds->source ? r->options.creds->source : "?");
  else if (rc == 0 && (resp.status >= 500 || resp.status == 429))
    rc = sc_registry_error(err, &resp,
                           "%s: GET /v2/: the registry is unavailable (try later, or allow "
                           "more --retry-times)",
                           r->host);
  else if (rc == 0 && resp.status != 200 && resp.status != 401)
    rc = sc_registry_error(err, &resp, "%s: GET /v2/: not an OCI registry", r->host);
  else if (rc == 0 && resp.status == 401 && r->shared->scheme == SC_AUTH_NONE)
    take_challenge(r, &resp, NULL);
  sc_http_response_clear(&resp);
  return rc;
}

/* Ping over https; on a loopback host or with tls_verify off, when the
 * TLS handshake fails, over plain http (podman's rule for insecure and
 * loopback registries).  When plain http fails too (a TLS registry that
 * refused our client certificate answers http with 400), the TLS failure
 * is the one reported; unless plain http refused the credentials (401 or
 * 403): that registry speaks http, and its refusal is the error. */
static int ping_with_fallback(sc_registry *r, const char *api_host, sc_error *err)
{
  sc_error first = SC_ERROR_INIT;
  int rc = ping(r, &first);
  if (rc == 0)
    return 0;
  if (r->last_rc != CURLE_SSL_CONNECT_ERROR ||
      (r->options.tls_verify && !sc_registry_host_is_loopback(r->host))) {
    sc_error_move(err, &first);
    return -1;
  }
  free(r->base_url);
  r->base_url = xasprintf("http://%s", api_host);
  sc_error second = SC_ERROR_INIT;
  rc = ping(r, &second);
  if (rc < 0 && second.code == EACCES) {
    /* A registry that speaks plain http refused the credentials: that
     * is the error, not the TLS handshake it was never going to take. */
    sc_error_move(err, &second);
  } else if (rc < 0) {
    sc_error_set(err, first.code, "%s (plain http failed too: %s)", first.msg, second.msg);
    free(r->base_url);
    r->base_url = xasprintf("https://%s", api_host);
  }
  sc_error_clear(&first);
  sc_error_clear(&second);
  return rc;
}

static void set_default_limits(sc_registry_options *o)
{
  if (o->connect_timeout_ms <= 0)
    o->connect_timeout_ms = SC_REGISTRY_CONNECT_TIMEOUT_MS;
  if (o->first_byte_timeout_ms <= 0)
    o->first_byte_timeout_ms = SC_REGISTRY_FIRST_BYTE_TIMEOUT_MS;
  if (o->stall_timeout_ms <= 0)
    o->stall_timeout_ms = SC_REGISTRY_STALL_TIMEOUT_MS;
  if (o->max_response_size <= 0)
    o->max_response_size = SC_REGISTRY_MAX_RESPONSE_SIZE;
}

int sc_registry_open(const char *host, const sc_registry_options *options, sc_registry **out,
                     sc_error *err)
{
  static bool curl_ready;
  if (!curl_ready) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    curl_ready = true;
  }
  sc_registry *r = xcalloc(1, sizeof *r);
  r->shared = new_auth();
  r->host = xstrdup(host);
  r->options = *options;
  if (r->options.backoff_ms <= 0)
    r->options.backoff_ms = 500;
  set_default_limits(&r->options);
  r->curl = curl_easy_init();
  const char *api_host = strcmp(host, "docker.io") == 0 ? "registry-1.docker.io" : host;
  r->base_url = xasprintf("https://%s", api_host);
  int rc = find_cert_dir(r, options, err);
  if (rc == 0)
    rc = ping_with_fallback(r, api_host, err);
  if (rc < 0) {
    sc_registry_free(r);
    return -1;
  }
  *out = r;
  return 0;
}

sc_registry *sc_registry_clone(const sc_registry *r)
{
  sc_registry *c = xcalloc(1, sizeof *c);
  c->host = xstrdup(r->host);
  c->base_url = xstrdup(r->base_url);
  c->options = r->options;
  c->curl = curl_easy_init();
  c->ca_blob = r->ca_blob ? xstrdup(r->ca_blob) : NULL;
  c->client_cert = r->client_cert ? xstrdup(r->client_cert) : NULL;
  c->client_key = r->client_key ? xstrdup(r->client_key) : NULL;
  c->cert_place = r->cert_place ? xstrdup(r->cert_place) : NULL;
  c->shared = r->shared;
  pthread_mutex_lock(&c->shared->lock);
  c->shared->refs++;
  pthread_mutex_unlock(&c->shared->lock);
  return c;
}

sc_auth_scheme sc_registry_auth_scheme(const sc_registry *r)
{
  return r->shared->scheme;
}

int sc_registry_check_login(sc_registry *r, sc_error *err)
{
  if (r->shared->scheme != SC_AUTH_BEARER || r->options.creds == NULL)
    return 0;
  pthread_mutex_lock(&r->shared->lock);
  int rc = fetch_token(r, "", err);
  sc_token_cache_drop(&r->shared->tokens, "");
  pthread_mutex_unlock(&r->shared->lock);
  return rc;
}

void sc_registry_free(sc_registry *r)
{
  if (r == NULL)
    return;
  if (r->curl)
    curl_easy_cleanup(r->curl);
  release_auth(r->shared);
  free(r->host);
  free(r->base_url);
  free(r->ca_blob);
  free(r->client_cert);
  free(r->client_key);
  free(r->cert_place);
  free(r);
}
