/* hello-server.c: the hello-world skeleton's service.
 *
 * A tiny HTTP/1.x server with no dependencies (linked statically, no DNS or
 * NSS): it listens on 0.0.0.0:$PORT (default 8081) and answers every GET with
 * "Hello $RECEIVER\n" (default "World"), one log line per request on stdout.
 * It runs as PID 1 in a container, where the kernel gives no default action
 * to SIGTERM/SIGINT, so it installs handlers and exits 0 on either.
 *
 * One thread, one poll() loop.  Each client has a deadline and a bounded
 * request buffer, so a slow or hostile client costs one slot for a few
 * seconds and nothing more. */
#define _GNU_SOURCE /* accept4, ppoll, asprintf */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CLIENTS 64
#define MAX_REQUEST 8192 /* bytes of request line and headers */
#define CLIENT_TIMEOUT_MS 5000

typedef enum { CLIENT_FREE, CLIENT_READING, CLIENT_WRITING } client_state;

typedef struct client {
  client_state state;
  int fd;
  char peer[INET_ADDRSTRLEN + 8];
  char request[MAX_REQUEST + 1];
  size_t request_len;
  char *response;
  size_t response_len;
  size_t response_sent;
  long long deadline_ms;
} client;

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
  stop_signal = sig;
}

static long long now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void log_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void log_line(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  putchar('\n');
  fflush(stdout);
}

static int parse_port(const char *text)
{
  char *end = NULL;
  errno = 0;
  long port = strtol(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || port < 1 || port > 65535)
    return -1;
  return (int)port;
}

static int listen_on(int port)
{
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -1;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
  addr.sin_addr.s_addr = htonl(INADDR_ANY);
  if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(fd, 64) < 0) {
    int e = errno;
    close(fd);
    errno = e;
    return -1;
  }
  return fd;
}

static void client_close(client *c)
{
  if (c->fd >= 0)
    close(c->fd);
  free(c->response);
  c->fd = -1;
  c->response = NULL;
  c->state = CLIENT_FREE;
}

static char *make_response(int status, const char *reason, const char *body, size_t *len)
{
  char *out = NULL;
  int n = asprintf(&out,
                   "HTTP/1.1 %d %s\r\n"
                   "Content-Type: text/plain\r\n"
                   "Content-Length: %zu\r\n"
                   "Connection: close\r\n"
                   "\r\n"
                   "%s",
                   status, reason, strlen(body), body);
  if (n < 0)
    return NULL;
  *len = (size_t)n;
  return out;
}

/* Decide the answer once the request head is complete (or cannot be). */
static void client_respond(client *c, const char *greeting, const char *why_bad)
{
  char method[16] = "", target[256] = "";
  int status = 200;
  const char *reason = "OK", *body = greeting;
  if (why_bad) {
    status = 400;
    reason = "Bad Request";
    body = "Bad Request\n";
  } else if (sscanf(c->request, "%15s %255s", method, target) != 2 ||
             strncmp(c->request + strlen(method) + 1 + strlen(target), " HTTP/1.", 8) != 0) {
    status = 400;
    reason = "Bad Request";
    body = "Bad Request\n";
    why_bad = "malformed request line";
  } else if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
    status = 405;
    reason = "Method Not Allowed";
    body = "Method Not Allowed\n";
  }
  c->response = make_response(status, reason, body, &c->response_len);
  if (c->response && strcmp(method, "HEAD") == 0 && status == 200) {
    /* Same headers, no body (RFC 9110 section 9.3.2). */
    c->response_len -= strlen(body);
  }
  if (why_bad)
    log_line("%s %d (%s)", c->peer, status, why_bad);
  else
    log_line("%s \"%s %s\" %d", c->peer, method, target, status);
  if (c->response == NULL) {
    client_close(c);
    return;
  }
  c->response_sent = 0;
  c->state = CLIENT_WRITING;
}

static void client_read(client *c, const char *greeting)
{
  for (;;) {
    size_t room = MAX_REQUEST - c->request_len;
    if (room == 0) {
      client_respond(c, greeting, "request head too large");
      return;
    }
    ssize_t n = read(c->fd, c->request + c->request_len, room);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK)
        client_close(c);
      return;
    }
    if (n == 0) {
      client_close(c); /* gone before the request was complete */
      return;
    }
    c->request_len += (size_t)n;
    c->request[c->request_len] = '\0';
    if (memchr(c->request, '\0', c->request_len)) {
      client_respond(c, greeting, "NUL byte in request");
      return;
    }
    if (strstr(c->request, "\r\n\r\n") || strstr(c->request, "\n\n")) {
      client_respond(c, greeting, NULL);
      return;
    }
  }
}

static void client_write(client *c)
{
  while (c->response_sent < c->response_len) {
    ssize_t n = send(c->fd, c->response + c->response_sent, c->response_len - c->response_sent,
                     MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK)
        client_close(c);
      return;
    }
    c->response_sent += (size_t)n;
  }
  shutdown(c->fd, SHUT_WR);
  client_close(c);
}

static void accept_clients(int listen_fd, client *clients)
{
  for (;;) {
    struct sockaddr_in addr;
    socklen_t addr_len = sizeof addr;
    int fd = accept4(listen_fd, (struct sockaddr *)&addr, &addr_len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
      return; /* EAGAIN, or a transient error: poll again */
    client *slot = NULL;
    for (int i = 0; i < MAX_CLIENTS && !slot; i++)
      if (clients[i].state == CLIENT_FREE)
        slot = &clients[i];
    if (slot == NULL) {
      close(fd); /* full: shed load rather than queue without bound */
      continue;
    }
    *slot =
        (client){.state = CLIENT_READING, .fd = fd, .deadline_ms = now_ms() + CLIENT_TIMEOUT_MS};
    char ip[INET_ADDRSTRLEN] = "?";
    inet_ntop(AF_INET, &addr.sin_addr, ip, sizeof ip);
    snprintf(slot->peer, sizeof slot->peer, "%s:%u", ip, ntohs(addr.sin_port));
  }
}

/* SIGTERM and SIGINT stay blocked except inside ppoll(), so a signal that
 * arrives between the check of stop_signal and the wait cannot be lost. */
static int serve(int listen_fd, const char *greeting, const sigset_t *wait_mask)
{
  static client clients[MAX_CLIENTS];
  for (int i = 0; i < MAX_CLIENTS; i++)
    clients[i] = (client){.state = CLIENT_FREE, .fd = -1};
  struct pollfd fds[MAX_CLIENTS + 1];
  int owner[MAX_CLIENTS + 1];
  while (!stop_signal) {
    nfds_t n = 0;
    fds[n++] = (struct pollfd){.fd = listen_fd, .events = POLLIN};
    long long now = now_ms(), timeout = -1;
    for (int i = 0; i < MAX_CLIENTS; i++) {
      client *c = &clients[i];
      if (c->state == CLIENT_FREE)
        continue;
      if (now >= c->deadline_ms) {
        log_line("%s timed out", c->peer);
        client_close(c);
        continue;
      }
      if (timeout < 0 || c->deadline_ms - now < timeout)
        timeout = c->deadline_ms - now;
      owner[n] = i;
      fds[n++] =
          (struct pollfd){.fd = c->fd, .events = c->state == CLIENT_READING ? POLLIN : POLLOUT};
    }
    struct timespec ts = {.tv_sec = timeout / 1000, .tv_nsec = (timeout % 1000) * 1000000};
    int ready = ppoll(fds, n, timeout < 0 ? NULL : &ts, wait_mask);
    if (ready < 0) {
      if (errno == EINTR)
        continue;
      perror("hello-server: ppoll");
      return 1;
    }
    for (nfds_t k = 1; k < n; k++) {
      client *c = &clients[owner[k]];
      if (fds[k].revents == 0 || c->state == CLIENT_FREE)
        continue;
      if (c->state == CLIENT_READING)
        client_read(c, greeting);
      if (c->state == CLIENT_WRITING)
        client_write(c);
    }
    if (fds[0].revents & POLLIN)
      accept_clients(listen_fd, clients);
  }
  for (int i = 0; i < MAX_CLIENTS; i++)
    if (clients[i].state != CLIENT_FREE)
      client_close(&clients[i]);
  return 0;
}

int main(void)
{
  const char *port_text = getenv("PORT");
  const char *receiver = getenv("RECEIVER");
  if (port_text == NULL || port_text[0] == '\0')
    port_text = "8081";
  if (receiver == NULL || receiver[0] == '\0')
    receiver = "World";
  int port = parse_port(port_text);
  if (port < 0) {
    fprintf(stderr, "hello-server: invalid PORT '%s' (want 1-65535)\n", port_text);
    return 2;
  }

  struct sigaction sa = {.sa_handler = on_stop};
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
  sigset_t stop_set, wait_mask;
  sigemptyset(&stop_set);
  sigaddset(&stop_set, SIGTERM);
  sigaddset(&stop_set, SIGINT);
  sigprocmask(SIG_BLOCK, &stop_set, &wait_mask);
  sigdelset(&wait_mask, SIGTERM);
  sigdelset(&wait_mask, SIGINT);

  char *greeting = NULL;
  if (asprintf(&greeting, "Hello %s\n", receiver) < 0)
    return 1;
  int listen_fd = listen_on(port);
  if (listen_fd < 0) {
    fprintf(stderr, "hello-server: cannot listen on 0.0.0.0:%d: %s\n", port, strerror(errno));
    free(greeting);
    return 1;
  }
  log_line("hello-server listening on 0.0.0.0:%d, greeting %s", port, receiver);
  int rc = serve(listen_fd, greeting, &wait_mask);
  close(listen_fd);
  free(greeting);
  if (stop_signal)
    log_line("hello-server stopping on signal %d", (int)stop_signal);
  return rc;
}
