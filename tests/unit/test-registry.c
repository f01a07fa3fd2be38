/* test-registry.c: docker:// reference parsing, WWW-Authenticate
 * challenges, auth files and retry delays (registry.h, registry-auth.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "process.h"
#include "pull.h"
#include "registry-auth.h"
#include "registry.h"
#include "util.h"

static void expect_ref(const char *text, const char *host, const char *repo, const char *tag,
                       const char *digest)
{
  sc_registry_ref ref;
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_registry_ref_parse(text, &ref, &err), 0);
  assert_string_equal(ref.host, host);
  assert_string_equal(ref.repository, repo);
  if (tag)
    assert_string_equal(ref.tag, tag);
  else
    assert_null(ref.tag);
  if (digest)
    assert_string_equal(ref.digest, digest);
  else
    assert_null(ref.digest);
  sc_registry_ref_clear(&ref);
}

static void expect_bad_ref(const char *text)
{
  sc_registry_ref ref;
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_registry_ref_parse(text, &ref, &err), -1);
  assert_int_equal(err.code, SC_E_USAGE);
  sc_error_clear(&err);
}

#define D "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void test_ref_parse(void **state)
{
  expect_ref("docker://127.0.0.1:5000/hw:latest", "127.0.0.1:5000", "hw", "latest", NULL);
  expect_ref("docker://127.0.0.1:5000/hw", "127.0.0.1:5000", "hw", "latest", NULL);
  expect_ref("docker://quay.io/a/b-c/d_e:v1.2", "quay.io", "a/b-c/d_e", "v1.2", NULL);
  expect_ref("docker://localhost/hw@" D, "localhost", "hw", NULL, D);
  expect_ref("docker://busybox", "docker.io", "library/busybox", "latest", NULL);
  expect_ref("docker://busybox@" D, "docker.io", "library/busybox", NULL, D);
  expect_ref("docker://user/img:1", "docker.io", "user/img", "1", NULL);
  expect_ref("docker://[::1]:5000/hw:x", "[::1]:5000", "hw", "x", NULL);
  expect_bad_ref("oci:hw");
  expect_bad_ref("docker://127.0.0.1:5000/Upper:latest");
  expect_bad_ref("docker://127.0.0.1:5000/hw:");
  expect_bad_ref("docker://127.0.0.1:5000/hw:-bad");
  expect_bad_ref("docker://127.0.0.1:5000/hw@sha256:short");
  expect_bad_ref("docker://127.0.0.1:5000/a//b");
  expect_bad_ref("docker://127.0.0.1:5000/a-/b");
  expect_bad_ref("docker://ho st:5000/a");
  expect_bad_ref("docker://host:99x/a");
  /* a tag on a name without a slash was not checked (found by fuzz-registry) */
  expect_bad_ref("docker://busybox:../../v2/x");
  expect_bad_ref("docker://127.0.0.1:50\001");
  expect_bad_ref("docker://busybox:a b");
  /* credentials in the reference: refused without echoing them */
  sc_registry_ref ref;
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_registry_ref_parse("docker://alice:S3cret@127.0.0.1:5000/hw", &ref, &err),
                   -1);
  assert_null(strstr(err.msg, "S3cret"));
  assert_non_null(strstr(err.msg, "--creds"));
  sc_error_clear(&err);
}

static void test_challenge_parse(void **state)
{
  sc_auth_challenge c;
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_auth_challenge_parse("Bearer realm=\"https://auth.example/token\","
                                           "service=\"registry.example\","
                                           "scope=\"repository:a/b:pull,push\","
                                           "error=\"insufficient_scope\"",
                                           &c, &err),
                   0);
  assert_int_equal(c.scheme, SC_AUTH_BEARER);
  assert_string_equal(c.realm, "https://auth.example/token");
  assert_string_equal(c.service, "registry.example");
  assert_string_equal(c.scope, "repository:a/b:pull,push");
  assert_string_equal(c.error, "insufficient_scope");
  sc_auth_challenge_clear(&c);

  assert_int_equal(sc_auth_challenge_parse("basic realm=\"a \\\"quoted\\\" realm\"", &c, &err), 0);
  assert_int_equal(c.scheme, SC_AUTH_BASIC);
  assert_string_equal(c.realm, "a \"quoted\" realm");
  sc_auth_challenge_clear(&c);

  assert_int_equal(sc_auth_challenge_parse("Bearer realm=token-host,service=s", &c, &err), 0);
  assert_string_equal(c.realm, "token-host");
  assert_string_equal(c.service, "s");
  sc_auth_challenge_clear(&c);

  assert_int_equal(sc_auth_challenge_parse("Bearer service=\"s\"", &c, &err), -1);
  sc_error_clear(&err);
  assert_int_equal(sc_auth_challenge_parse("Negotiate abc", &c, &err), -1);
  assert_non_null(strstr(err.msg, "'Negotiate'"));
  sc_error_clear(&err);

  /* Every challenge is read, the first Basic or Bearer one taken: a
   * scheme of its own first (token68 or parameters), and repeated
   * headers as the client joins them. */
  assert_int_equal(sc_auth_challenge_parse("Negotiate YWJjZA==, Bearer realm=\"https://t/token\","
                                           "service=\"reg\"",
                                           &c, &err),
                   0);
  assert_int_equal(c.scheme, SC_AUTH_BEARER);
  assert_string_equal(c.realm, "https://t/token");
  assert_string_equal(c.service, "reg");
  sc_auth_challenge_clear(&c);
  assert_int_equal(sc_auth_challenge_parse("Custom a=1, b=\"x,y\", Basic realm=\"r\"", &c, &err),
                   0);
  assert_int_equal(c.scheme, SC_AUTH_BASIC);
  assert_string_equal(c.realm, "r");
  sc_auth_challenge_clear(&c);
  assert_int_equal(sc_auth_challenge_parse("Negotiate, Bearer realm=\"https://t/token\"", &c, &err),
                   0);
  assert_int_equal(c.scheme, SC_AUTH_BEARER);
  sc_auth_challenge_clear(&c);
  assert_int_equal(
      sc_auth_challenge_parse("Basic realm=\"b\", Bearer realm=\"https://t\"", &c, &err), 0);
  assert_int_equal(c.scheme, SC_AUTH_BASIC);
  assert_string_equal(c.realm, "b");
  sc_auth_challenge_clear(&c);
  assert_int_equal(sc_auth_challenge_parse("Negotiate abc, NTLM", &c, &err), -1);
  assert_non_null(strstr(err.msg, "'Negotiate'"));
  sc_error_clear(&err);
  assert_int_equal(sc_auth_challenge_parse("Bearer realm=\"unterminated", &c, &err), -1);
  sc_error_clear(&err);
}

static char *write_temp(const char *text)
{
  char *path = xstrdup("/tmp/sc-test-auth.XXXXXX");
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  assert_int_equal(sc_write_all(fd, text, strlen(text)), 0);
  close(fd);
  return path;
}

static void test_auth_file(void **state)
{
  /* base64("user:pa:ss") */
  char *path = write_temp("{\"auths\": {\"reg.example:5000\": {\"auth\": \"dXNlcjpwYTpzcw==\"},"
                          " \"https://other.example\": {\"auth\": \"dTpw\"},"
                          " \"bad.example\": {\"auth\": \"!!!!\"}}}");
  sc_registry_creds creds = {0};
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_auth_file_lookup(path, "reg.example:5000", &creds, &err), 1);
  assert_string_equal(creds.username, "user");
  assert_string_equal(creds.password, "pa:ss");
  sc_registry_creds_clear(&creds);
  assert_int_equal(sc_auth_file_lookup(path, "other.example", &creds, &err), 1);
  assert_string_equal(creds.username, "u");
  assert_string_equal(creds.password, "p");
  sc_registry_creds_clear(&creds);
  assert_int_equal(sc_auth_file_lookup(path, "none.example", &creds, &err), 0);
  assert_int_equal(sc_auth_file_lookup(path, "bad.example", &creds, &err), -1);
  assert_null(strstr(err.msg, "!!!!"));
  sc_error_clear(&err);
  assert_int_equal(sc_auth_file_lookup("/nonexistent/auth.json", "x", &creds, &err), 0);
  unlink(path);
  free(path);

  path = write_temp("not json");
  assert_int_equal(sc_auth_file_lookup(path, "x", &creds, &err), -1);
  sc_error_clear(&err);
  /* login writes an entry the lookup reads back, mode 0600 */
  sc_registry_creds in = {.username = "me", .password = "secret"};
  unlink(path);
  assert_int_equal(sc_auth_file_store(path, "h:1", &in, &err), 0);
  assert_int_equal(sc_auth_file_lookup(path, "h:1", &creds, &err), 1);
  assert_string_equal(creds.password, "secret");
  sc_registry_creds_clear(&creds);
  assert_int_equal(sc_auth_file_store(path, "h:1", NULL, &err), 0);
  assert_int_equal(sc_auth_file_lookup(path, "h:1", &creds, &err), 0);
  unlink(path);
  free(path);
}

/* The user name of the credentials found for host/repository in path:
 * "u1" ... as the test files name them, or NULL. */
static char *user_for(const char *path, const char *host, const char *repository)
{
  sc_registry_creds creds = {0};
  sc_error err = SC_ERROR_INIT;
  int rc = sc_auth_file_lookup_for(path, host, repository, &creds, &err);
  assert_true(rc >= 0);
  char *user = rc == 1 ? xstrdup(creds.username) : NULL;
  sc_registry_creds_clear(&creds);
  return user;
}

static void expect_user(const char *path, const char *host, const char *repository,
                        const char *want)
{
  _cleanup_free_ char *got = user_for(path, host, repository);
  if (want == NULL ? got != NULL : got == NULL || strcmp(got, want) != 0)
    fail_msg("%s/%s: got %s, want %s", host, repository ? repository : "", got ? got : "none",
             want ? want : "none");
}

/* containers-auth.json(5): repository-scoped keys, the most specific
 * first; docker's legacy key for docker.io. */
static void test_auth_file_scopes(void **state)
{
  (void)state;
  /* base64 of "u1:p" ... "u5:p" */
  char *path = write_temp("{\"auths\": {\"reg.io\": {\"auth\": \"dTE6cA==\"},"
                          " \"reg.io/team\": {\"auth\": \"dTI6cA==\"},"
                          " \"reg.io/team/app\": {\"auth\": \"dTM6cA==\"},"
                          " \"https://index.docker.io/v1/\": {\"auth\": \"dTQ6cA==\"},"
                          " \"docker.io/library/busybox\": {\"auth\": \"dTU6cA==\"}}}");
  expect_user(path, "reg.io", "team/app", "u3");
  expect_user(path, "reg.io", "team/app/sub", "u3");
  expect_user(path, "reg.io", "team/other", "u2");
  expect_user(path, "reg.io", "teamx/app", "u1");
  expect_user(path, "reg.io", NULL, "u1");
  expect_user(path, "docker.io", "library/busybox", "u5");
  expect_user(path, "docker.io", "library/alpine", "u4");
  expect_user(path, "other.io", "team/app", NULL);
  unlink(path);
  free(path);
}

/* The lookup order, and --authfile alone when given. */
static void test_auth_file_order(void **state)
{
  (void)state;
  char dir[] = "/tmp/sc-test-authdirs.XXXXXX";
  assert_non_null(mkdtemp(dir));
  _cleanup_free_ char *config = xasprintf("%s/config", dir);
  _cleanup_free_ char *run = xasprintf("%s/run", dir);
  _cleanup_free_ char *home = xasprintf("%s/home", dir);
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_mkdir_p_at(AT_FDCWD, config, 0700, &err), 0);
  assert_int_equal(sc_mkdir_p_at(AT_FDCWD, run, 0700, &err), 0);
  assert_int_equal(sc_mkdir_p_at(AT_FDCWD, home, 0700, &err), 0);
  /* the variables as the caller read them; the library reads none */
  sc_auth_env env = {.xdg_config_home = config, .xdg_runtime_dir = run, .home = home};
  setenv("REGISTRY_AUTH_FILE", "/nonexistent/ignored.json", 1);
  char **paths = sc_auth_files(&env, NULL);
  assert_int_equal(sc_strv_length(paths), 4);
  sc_registry_creds in = {.username = "cfg", .password = "p"};
  _cleanup_free_ char *cfg_file = xasprintf("%s/containers/auth.json", config);
  assert_int_equal(sc_auth_file_store(cfg_file, "h.io", &in, &err), 0);
  sc_registry_creds out = {0};
  assert_int_equal(sc_registry_creds_find("h.io", "a/b", paths, &out, &err), 1);
  assert_string_equal(out.username, "cfg");
  sc_registry_creds_clear(&out);
  /* $XDG_RUNTIME_DIR/containers/auth.json comes first */
  _cleanup_free_ char *run_file = xasprintf("%s/containers/auth.json", run);
  sc_registry_creds in2 = {.username = "run", .password = "p"};
  assert_int_equal(sc_auth_file_store(run_file, "h.io", &in2, &err), 0);
  assert_int_equal(sc_registry_creds_find("h.io", "a/b", paths, &out, &err), 1);
  assert_string_equal(out.username, "run");
  sc_registry_creds_clear(&out);
  sc_strv_free(paths);
  unsetenv("REGISTRY_AUTH_FILE");
  /* without XDG_CONFIG_HOME and DOCKER_CONFIG: HOME's */
  env = (sc_auth_env){.home = home, .uid = 7};
  paths = sc_auth_files(&env, NULL);
  assert_int_equal(sc_strv_length(paths), 4);
  assert_string_equal(paths[0], "/run/containers/7/auth.json");
  _cleanup_free_ char *home_config = xasprintf("%s/.config/containers/auth.json", home);
  _cleanup_free_ char *home_docker = xasprintf("%s/.docker/config.json", home);
  _cleanup_free_ char *home_legacy = xasprintf("%s/.dockercfg", home);
  assert_string_equal(paths[1], home_config);
  assert_string_equal(paths[2], home_docker);
  assert_string_equal(paths[3], home_legacy);
  /* the legacy file is the "auths" map itself, read last */
  static const char legacy[] = "{\"old.io\": {\"auth\": \"bGVnYWN5OnB3\"}}";
  assert_int_equal(sc_write_file_at(AT_FDCWD, home_legacy, legacy, strlen(legacy), 0600, &err), 0);
  assert_int_equal(sc_registry_creds_find("old.io", "a/b", paths, &out, &err), 1);
  assert_string_equal(out.username, "legacy");
  assert_string_equal(out.password, "pw");
  sc_registry_creds_clear(&out);
  sc_strv_free(paths);
  /* --authfile alone: the others are not read */
  _cleanup_free_ char *given = xasprintf("%s/given.json", dir);
  paths = sc_auth_files(&env, given);
  assert_int_equal(sc_strv_length(paths), 1);
  assert_int_equal(sc_registry_creds_find("h.io", "a/b", paths, &out, &err), 0);
  sc_strv_free(paths);
  sc_rm_rf_at(AT_FDCWD, dir, &err);
}

static void test_creds_parse(void **state)
{
  sc_registry_creds c = {0};
  bool has;
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_registry_creds_parse("u:p:q", &c, &has, &err), 0);
  assert_true(has);
  assert_string_equal(c.password, "p:q");
  sc_registry_creds_clear(&c);
  assert_int_equal(sc_registry_creds_parse("u", &c, &has, &err), 0);
  assert_false(has);
  sc_registry_creds_clear(&c);
  assert_int_equal(sc_registry_creds_parse(":p", &c, &has, &err), -1);
  sc_error_clear(&err);
  sc_registry_creds basic = {.username = "user", .password = "pass"};
  char *v = sc_basic_auth_value(&basic);
  assert_string_equal(v, "Basic dXNlcjpwYXNz");
  free(v);
}

static void test_token_parse(void **state)
{
  sc_error err = SC_ERROR_INIT;
  const char *a = "{\"token\": \"t1\", \"access_token\": \"t2\"}";
  char *t = sc_auth_token_parse(a, strlen(a), &err);
  assert_string_equal(t, "t1");
  free(t);
  const char *b = "{\"access_token\": \"t2\"}";
  t = sc_auth_token_parse(b, strlen(b), &err);
  assert_string_equal(t, "t2");
  free(t);
  const char *c = "{\"token\": \"a\\r\\nX-Evil: 1\"}";
  assert_null(sc_auth_token_parse(c, strlen(c), &err));
  sc_error_clear(&err);
  assert_null(sc_auth_token_parse("[]", 2, &err));
  sc_error_clear(&err);
  sc_token_cache cache = {0};
  sc_token_cache_put(&cache, "s1", "a");
  sc_token_cache_put(&cache, "s2", "b");
  sc_token_cache_put(&cache, "s1", "c");
  assert_string_equal(sc_token_cache_get(&cache, "s1"), "c");
  sc_token_cache_drop(&cache, "s1");
  assert_null(sc_token_cache_get(&cache, "s1"));
  assert_string_equal(sc_token_cache_get(&cache, "s2"), "b");
  sc_token_cache_clear(&cache);
}

static void test_retry_delay(void **state)
{
  assert_int_equal(sc_registry_retry_delay_ms(0, 500, NULL, 0), 500);
  assert_int_equal(sc_registry_retry_delay_ms(1, 500, NULL, 0), 1000);
  assert_int_equal(sc_registry_retry_delay_ms(3, 500, NULL, 0), 4000);
  assert_int_equal(sc_registry_retry_delay_ms(40, 500, NULL, 0), 30000);
  assert_int_equal(sc_registry_retry_delay_ms(0, 500, "3", 0), 3000);
  assert_int_equal(sc_registry_retry_delay_ms(0, 500, "0", 0), 0);
  assert_int_equal(sc_registry_retry_delay_ms(0, 500, "99999999999", 0), 60000);
  /* HTTP-date: 784111777 is Sun, 06 Nov 1994 08:49:37 GMT */
  assert_int_equal(
      sc_registry_retry_delay_ms(0, 500, "Sun, 06 Nov 1994 08:49:37 GMT", 784111777 - 7), 7000);
  assert_int_equal(
      sc_registry_retry_delay_ms(0, 500, "Sun, 06 Nov 1994 08:49:37 GMT", 784111777 + 5), 0);
  assert_int_equal(sc_registry_retry_delay_ms(2, 500, "soon", 0), 2000);
  /* issue 10: a far-away "date" overflowed a signed multiplication (the
   * registry fuzzer's find); what is not an RFC 9110 HTTP-date is no date */
  assert_int_equal(sc_registry_retry_delay_ms(0, 500, "01271201271Oct.03", 1700000000L), 500);
  assert_int_equal(sc_registry_retry_delay_ms(0, 500, "Fri, 31 Dec 9999 23:59:59 GMT", 0), 60000);
  assert_int_equal(sc_registry_retry_delay_ms(0, 500, "Sun, 06 Nov 1994 08:49:37 GMT junk", 0),
                   500);
  /* the obsolete forms a recipient must still read (RFC 9110 5.6.7) */
  assert_int_equal(
      sc_registry_retry_delay_ms(0, 500, "Sunday, 06-Nov-94 08:49:37 GMT", 784111777 - 9), 9000);
  assert_int_equal(sc_registry_retry_delay_ms(0, 500, "Sun Nov  6 08:49:37 1994", 784111777 - 2),
                   2000);
  assert_int_equal(sc_registry_retry_delay_ms(0, 500, "Sun, 06 Nov 1994 25:49:37 GMT", 0), 500);
  assert_int_equal(sc_registry_retry_delay_ms(0, 500, "-5", 0), 500);
  assert_int_equal(sc_registry_retry_delay_ms(0, LONG_MAX, NULL, 0), 30000);
}

static void test_ranges(void **state)
{
  (void)state;
  int64_t first, last, length;
  assert_int_equal(sc_content_range_parse("bytes 10-99/100", &first, &last, &length), 0);
  assert_true(first == 10 && last == 99 && length == 100);
  assert_int_equal(sc_content_range_parse("bytes 0-0/*", &first, &last, &length), 0);
  assert_true(length == -1);
  static const char *const bad[] = {"bytes 10-99/99",
                                    "bytes 99-10/100",
                                    "bytes -1-5/9",
                                    "bytes 1-5",
                                    "items 1-5/9",
                                    "bytes 1-5/9 ",
                                    "bytes  1-5/9",
                                    "bytes 1-99999999999999999999/9",
                                    ""};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    assert_int_equal(sc_content_range_parse(bad[i], &first, &last, &length), -1);
  assert_int_equal(sc_content_range_parse(NULL, &first, &last, &length), -1);
  assert_int_equal(sc_upload_range_held("0-0"), 0);
  assert_int_equal(sc_upload_range_held("0-99"), 100);
  assert_int_equal(sc_upload_range_held("1-99"), -1);
  assert_int_equal(sc_upload_range_held("0-"), -1);
  assert_int_equal(sc_upload_range_held("0-9999999999999999999999"), -1);
  assert_int_equal(sc_upload_range_held(NULL), -1);
}

/* issue 10: a redirect is resolved as a browser would, and never goes from
 * https down to http; messages name both ends. */
static void test_redirects(void **state)
{
  (void)state;
  sc_error err = SC_ERROR_INIT;
  char *u = sc_redirect_target("https://r.test/v2/x/blobs/sha256:1", "/cdn/1?sig=s", &err);
  assert_string_equal(u, "https://r.test/cdn/1?sig=s");
  free(u);
  u = sc_redirect_target("http://r.test:5000/v2/a", "https://cdn.test/b", &err);
  assert_string_equal(u, "https://cdn.test/b");
  free(u);
  assert_null(sc_redirect_target("https://r.test/v2/a?x=1", "http://cdn.test/b?sig=1", &err));
  assert_string_equal(err.msg, "refused a redirect from https://r.test/v2/a to "
                               "http://cdn.test/b: a downgrade to plain http");
  sc_error_clear(&err);
  assert_null(sc_redirect_target("https://r.test/v2/a", "ftp://cdn.test/b", &err));
  sc_error_clear(&err);
  assert_null(sc_redirect_target("https://r.test/v2/a", "", &err));
  sc_error_clear(&err);
  char *o = sc_url_origin("https://user:pw@cdn.test:8443/path?q");
  assert_string_equal(o, "https://cdn.test:8443");
  free(o);
  o = sc_location_resolve("https://r.test", "http://elsewhere.test/up");
  assert_null(o);
  o = sc_location_resolve("http://r.test", "/v2/up");
  assert_string_equal(o, "http://r.test/v2/up");
  free(o);
}

/* issue 10: plain http only for a loopback host, decided on the parsed
 * host; a name that merely starts like one is not loopback. */
static void test_loopback(void **state)
{
  (void)state;
  static const char *const yes[] = {"localhost", "LOCALHOST:5000", "127.0.0.1", "127.1.2.3:80",
                                    "[::1]",     "[::1]:5000",     "LocalHost", "127.255.255.255"};
  static const char *const no[] = {
      "localhost.evil.test", "127.evil.test", "localhost.evil.test:5000",
      "127.0.0.1.evil.test", "[::2]",         "128.0.0.1",
      "evil.test",           "localhostx",    "127.0.0.1x",
      "[::1].evil",          "127.0.0.256",   ""};
  for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
    assert_true(sc_registry_host_is_loopback(yes[i]));
  for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
    assert_false(sc_registry_host_is_loopback(no[i]));
}

/* An index (or Docker manifest list) resolves to the first entry for the
 * platform; a variant, when asked for, must match; no match lists them. */
static void test_select_platform(void **state)
{
  (void)state;
  json_t *index = json_loads(
      "{\"manifests\": ["
      "{\"digest\": \"sha256:a\", \"platform\": {\"os\": \"linux\", \"architecture\": \"arm\", "
      "\"variant\": \"v6\"}},"
      "{\"digest\": \"sha256:b\", \"platform\": {\"os\": \"linux\", \"architecture\": \"arm\", "
      "\"variant\": \"v7\"}},"
      "{\"digest\": \"sha256:c\", \"platform\": {\"os\": \"windows\", \"architecture\": "
      "\"amd64\"}},"
      "{\"digest\": \"sha256:d\", \"platform\": {\"os\": \"linux\", \"architecture\": \"amd64\"}},"
      "{\"digest\": \"sha256:e\"}]}",
      0, NULL);
  assert_non_null(index);
  sc_error err = SC_ERROR_INIT;
  json_t *m = sc_pull_select_platform(index, "linux", "amd64", NULL, &err);
  assert_string_equal(json_string_value(json_object_get(m, "digest")), "sha256:d");
  m = sc_pull_select_platform(index, "linux", "arm", "v7", &err);
  assert_string_equal(json_string_value(json_object_get(m, "digest")), "sha256:b");
  m = sc_pull_select_platform(index, "linux", "arm", NULL, &err);
  assert_string_equal(json_string_value(json_object_get(m, "digest")), "sha256:a");
  assert_null(sc_pull_select_platform(index, "linux", "s390x", NULL, &err));
  assert_non_null(strstr(err.msg, "no manifest for linux/s390x (it has: linux/arm/v6, "
                                  "linux/arm/v7, windows/amd64, linux/amd64)"));
  sc_error_clear(&err);
  json_decref(index);
}

/* Without XDG_RUNTIME_DIR (CI containers), login writes and push reads
 * podman's fallback, /run/containers/$UID/auth.json. */
static void test_auth_file_default(void **state)
{
  (void)state;
  sc_auth_env env = {.uid = 1234};
  char *path = sc_auth_file_default_path(&env);
  assert_string_equal(path, "/run/containers/1234/auth.json");
  free(path);
  env.xdg_runtime_dir = "/tmp/xdg";
  path = sc_auth_file_default_path(&env);
  assert_string_equal(path, "/tmp/xdg/containers/auth.json");
  free(path);
  env.registry_auth_file = "/tmp/a.json";
  path = sc_auth_file_default_path(&env);
  assert_string_equal(path, "/tmp/a.json");
  free(path);
}

/* identitytoken: read from an auth entry (with or without "auth"), and
 * sent as containers/image sends it, a refresh_token grant. */
static void test_identity_token(void **state)
{
  (void)state;
  char path[] = "/tmp/sc-idtoken-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  const char *doc = "{\"auths\": {\"reg.example\": {\"identitytoken\": \"rt/1+2\"}}}";
  assert_int_equal(write(fd, doc, strlen(doc)), (ssize_t)strlen(doc));
  close(fd);
  sc_error err = SC_ERROR_INIT;
  sc_registry_creds creds = {0};
  assert_int_equal(sc_auth_file_lookup(path, "reg.example", &creds, &err), 1);
  assert_string_equal(creds.identity_token, "rt/1+2");
  sc_registry_creds_clear(&creds);
  unlink(path);
  char *form =
      sc_token_refresh_form("reg svc", "repository:a/b:pull repository:c:pull,push", "rt/1+2");
  assert_string_equal(form, "grant_type=refresh_token&service=reg%20svc&client_id=sc-build"
                            "&refresh_token=rt%2F1%2B2&scope=repository%3Aa%2Fb%3Apull"
                            "&scope=repository%3Ac%3Apull%2Cpush");
  free(form);
}

/* The pipe a credential helper is run through: stdin given, stdout kept
 * (capped), a helper that hangs killed at the deadline. */
static void test_spawn_filter(void **state)
{
  (void)state;
  sc_error err = SC_ERROR_INIT;
  sc_spawn_result res = {0};
  char *echo[] = {"cat", NULL};
  assert_int_equal(sc_spawn_filter(echo, "host:5000", 9, 1024, 5000, &res, &err), 0);
  assert_int_equal(res.exit_status, 0);
  assert_string_equal(res.output, "host:5000");
  sc_spawn_result_clear(&res);
  char *big[] = {"head", "-c", "100000", "/dev/zero", NULL};
  assert_int_equal(sc_spawn_filter(big, "", 0, 4096, 5000, &res, &err), 0);
  assert_int_equal(res.output_len, 4096);
  sc_spawn_result_clear(&res);
  char *hang[] = {"sleep", "30", NULL};
  time_t start = time(NULL);
  assert_int_equal(sc_spawn_filter(hang, "x", 1, 1024, 200, &res, &err), -1);
  assert_true(time(NULL) - start < 5);
  assert_int_equal(err.code, ETIMEDOUT);
  assert_non_null(strstr(err.msg, "sleep did not answer within 200 ms"));
  sc_error_clear(&err);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ref_parse),       cmocka_unit_test(test_challenge_parse),
      cmocka_unit_test(test_auth_file),       cmocka_unit_test(test_creds_parse),
      cmocka_unit_test(test_token_parse),     cmocka_unit_test(test_retry_delay),
      cmocka_unit_test(test_select_platform), cmocka_unit_test(test_auth_file_default),
      cmocka_unit_test(test_loopback),        cmocka_unit_test(test_ranges),
      cmocka_unit_test(test_redirects),       cmocka_unit_test(test_spawn_filter),
      cmocka_unit_test(test_identity_token),  cmocka_unit_test(test_auth_file_scopes),
      cmocka_unit_test(test_auth_file_order),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
