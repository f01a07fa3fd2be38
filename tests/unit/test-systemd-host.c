/* test-systemd-host.c: the host `sc-build test --systemd` boots is checked
 * before anything is mounted or started (builder/systemd-host.c): --host
 * names a directory or an image reference, and a root with /sbin/init, resolved inside the root as
 * systemd finds it there (an absolute link), at a path an overlay mount can name. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "systemd-host.h"
#include "util.h"

typedef struct fixture {
  char dir[PATH_MAX];
  int dir_fd;
} fixture;

static int setup(void **state)
{
  fixture *f = calloc(1, sizeof *f);
  char template[] = "/tmp/sc-test-systemd-host.XXXXXX";
  assert_non_null(mkdtemp(template));
  assert_non_null(realpath(template, f->dir));
  f->dir_fd = open(f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  assert_true(f->dir_fd >= 0);
  *state = f;
  return 0;
}

static int teardown(void **state)
{
  fixture *f = *state;
  close(f->dir_fd);
  sc_rm_rf_at(AT_FDCWD, f->dir, NULL);
  free(f);
  return 0;
}

/* A Debian root's /sbin/init: an absolute link to systemd, which only
 * exists inside the root. */
static void make_root(int dir_fd, const char *name)
{
  _cleanup_free_ char *systemd = xasprintf("%s/lib/systemd", name);
  _cleanup_free_ char *sbin = xasprintf("%s/sbin", name);
  _cleanup_free_ char *init = xasprintf("%s/sbin/init", name);
  _cleanup_free_ char *binary = xasprintf("%s/lib/systemd/systemd", name);
  assert_int_equal(sc_mkdir_p_at(dir_fd, systemd, 0755, NULL), 0);
  assert_int_equal(sc_mkdir_p_at(dir_fd, sbin, 0755, NULL), 0);
  assert_int_equal(sc_write_file_at(dir_fd, binary, "", 0, 0755, NULL), 0);
  assert_int_equal(symlinkat("/lib/systemd/systemd", dir_fd, init), 0);
}

static int template_path(const char *given, char **path, sc_error *err)
{
  sc_systemd_host_template t = {.given = given};
  return sc_systemd_host_template_path(&t, path, err);
}

static void test_a_root_with_init_is_taken(void **state)
{
  fixture *f = *state;
  make_root(f->dir_fd, "debian");
  _cleanup_free_ char *given = xasprintf("%s/debian/", f->dir);
  _cleanup_free_ char *want = xasprintf("%s/debian", f->dir);
  char *path = NULL;
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(template_path(given, &path, &err), 0);
  assert_string_equal(path, want);
  free(path);
}

static void test_a_root_without_init_is_refused(void **state)
{
  fixture *f = *state;
  assert_int_equal(sc_mkdir_p_at(f->dir_fd, "empty/etc", 0755, NULL), 0);
  _cleanup_free_ char *given = xasprintf("%s/empty", f->dir);
  char *path = NULL;
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(template_path(given, &path, &err), -1);
  assert_null(path);
  assert_non_null(strstr(err.msg, "is not a systemd host: it has no /sbin/init"));
  sc_error_clear(&err);
}

/* The link resolves inside the root, never to this machine's systemd. */
static void test_init_is_resolved_inside_the_root(void **state)
{
  fixture *f = *state;
  assert_int_equal(sc_mkdir_p_at(f->dir_fd, "dangling/sbin", 0755, NULL), 0);
  assert_int_equal(symlinkat("/lib/systemd/systemd", f->dir_fd, "dangling/sbin/init"), 0);
  _cleanup_free_ char *given = xasprintf("%s/dangling", f->dir);
  char *path = NULL;
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(template_path(given, &path, &err), -1);
  assert_non_null(strstr(err.msg, "no /sbin/init"));
  sc_error_clear(&err);
}

/* overlayfs splits its options at ',' and its lower layers at ':'. */
static void test_a_path_an_overlay_cannot_name_is_refused(void **state)
{
  fixture *f = *state;
  make_root(f->dir_fd, "a,b");
  _cleanup_free_ char *given = xasprintf("%s/a,b", f->dir);
  char *path = NULL;
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(template_path(given, &path, &err), -1);
  assert_int_equal(err.code, SC_E_USAGE);
  assert_non_null(strstr(err.msg, "which an overlay mount cannot name"));
  sc_error_clear(&err);
}

static void test_a_missing_host_names_it(void **state)
{
  fixture *f = *state;
  _cleanup_free_ char *given = xasprintf("%s/nowhere", f->dir);
  char *path = NULL;
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(template_path(given, &path, &err), -1);
  assert_non_null(strstr(err.msg, "--host"));
  assert_non_null(strstr(err.msg, "nowhere"));
  sc_error_clear(&err);
}

/* The cache key: the suite alone for the default mirror (so hosts made
 * before the options existed are still found), with a hash of any other
 * mirror, and refused for what cannot name a file or a mirror. */
static void test_the_cache_key_holds_the_suite_and_mirror(void **state)
{
  (void)state;
  sc_error err = SC_ERROR_INIT;
  sc_systemd_host_template t = {0};
  _cleanup_free_ char *plain = sc_systemd_host_cache_key(&t, &err);
  assert_string_equal(plain, "bookworm");
  t.suite = "trixie";
  _cleanup_free_ char *trixie = sc_systemd_host_cache_key(&t, &err);
  assert_string_equal(trixie, "trixie");
  t.mirror = "http://mirror.example/debian";
  _cleanup_free_ char *mirrored = sc_systemd_host_cache_key(&t, &err);
  assert_int_equal(strlen(mirrored), strlen("trixie-") + 12);
  assert_true(sc_str_has_prefix(mirrored, "trixie-"));
  t.mirror = "file:///srv/mirror";
  _cleanup_free_ char *other = sc_systemd_host_cache_key(&t, &err);
  assert_true(sc_str_has_prefix(other, "trixie-"));
  assert_string_not_equal(other, mirrored);
  t.suite = "bookworm";
  _cleanup_free_ char *bookworm = sc_systemd_host_cache_key(&t, &err);
  assert_string_equal(bookworm + strlen("bookworm-"), other + strlen("trixie-"));
}

static void test_a_bad_suite_or_mirror_is_a_usage_error(void **state)
{
  (void)state;
  const char *suites[] = {"", "../etc", "a/b", ".hidden", "-x", "sid sid"};
  for (size_t i = 0; i < sizeof suites / sizeof *suites; i++) {
    sc_error err = SC_ERROR_INIT;
    sc_systemd_host_template t = {.suite = suites[i]};
    assert_null(sc_systemd_host_cache_key(&t, &err));
    assert_int_equal(err.code, SC_E_USAGE);
    assert_non_null(strstr(err.msg, "--host-suite"));
    sc_error_clear(&err);
  }
  const char *mirrors[] = {"ftp://x/debian", "deb.debian.org", "http://a b"};
  for (size_t i = 0; i < sizeof mirrors / sizeof *mirrors; i++) {
    sc_error err = SC_ERROR_INIT;
    sc_systemd_host_template t = {.mirror = mirrors[i]};
    assert_null(sc_systemd_host_cache_key(&t, &err));
    assert_int_equal(err.code, SC_E_USAGE);
    assert_non_null(strstr(err.msg, "--host-mirror"));
    sc_error_clear(&err);
  }
}

/* Each suite has its own cached host: a cache holding a bookworm one
 * gives the trixie one when asked for trixie, and tries to make a
 * missing one (here debootstrap is nowhere) rather than take another. */
static void test_each_suite_takes_its_own_cached_host(void **state)
{
  fixture *f = *state;
  make_root(f->dir_fd, "cache/bookworm");
  make_root(f->dir_fd, "cache/trixie");
  _cleanup_free_ char *cache = xasprintf("%s/cache", f->dir);
  _cleanup_free_ char *empty = xasprintf("%s/empty-path", f->dir);
  sc_systemd_host_template t = {.cache_dir = cache, .suite = "trixie", .search_path = empty};
  char *path = NULL;
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_systemd_host_template_path(&t, &path, &err), 0);
  _cleanup_free_ char *want = xasprintf("%s/cache/trixie", f->dir);
  assert_string_equal(path, want);
  free(path);
  t.mirror = "file:///srv/mirror";
  assert_int_equal(sc_systemd_host_template_path(&t, &path, &err), -1);
  assert_non_null(strstr(err.msg, "debootstrap not found"));
  sc_error_clear(&err);
}

static void test_host_and_host_suite_are_refused_together(void **state)
{
  fixture *f = *state;
  make_root(f->dir_fd, "debian");
  _cleanup_free_ char *given = xasprintf("%s/debian", f->dir);
  sc_systemd_host_template t = {.given = given, .suite = "trixie"};
  char *path = NULL;
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_systemd_host_template_path(&t, &path, &err), -1);
  assert_int_equal(err.code, SC_E_USAGE);
  assert_non_null(strstr(err.msg, "give one or the other"));
  sc_error_clear(&err);
}

/* --host DIR or IMAGE: an existing directory wins, even one whose name
 * reads as a reference (relative "oci:x" here); anything else must name
 * its transport, or is refused naming the value and what is expected. */
static void test_an_existing_directory_is_a_dir(void **state)
{
  fixture *f = *state;
  assert_int_equal(sc_mkdir_p_at(f->dir_fd, "oci:x", 0755, NULL), 0);
  char cwd[PATH_MAX];
  assert_non_null(getcwd(cwd, sizeof cwd));
  assert_int_equal(chdir(f->dir), 0);
  sc_systemd_host_kind kind = SC_SYSTEMD_HOST_IMAGE;
  int r = sc_systemd_host_given_kind("oci:x", &kind, NULL);
  assert_int_equal(chdir(cwd), 0);
  assert_int_equal(r, 0);
  assert_int_equal(kind, SC_SYSTEMD_HOST_DIR);
  kind = SC_SYSTEMD_HOST_IMAGE;
  assert_int_equal(sc_systemd_host_given_kind(f->dir, &kind, NULL), 0);
  assert_int_equal(kind, SC_SYSTEMD_HOST_DIR);
}

static void test_a_reference_with_a_transport_is_an_image(void **state)
{
  (void)state;
  const char *refs[] = {"oci:/nowhere/host.oci:bookworm", "docker://debian:bookworm",
                        "oci-archive:/nowhere/host.tar", "ostree:host:1@/nowhere/repo"};
  for (size_t i = 0; i < sizeof refs / sizeof *refs; i++) {
    sc_systemd_host_kind kind = SC_SYSTEMD_HOST_DIR;
    sc_error err = SC_ERROR_INIT;
    assert_int_equal(sc_systemd_host_given_kind(refs[i], &kind, &err), 0);
    assert_int_equal(kind, SC_SYSTEMD_HOST_IMAGE);
    assert_null(err.msg);
  }
}

/* A missing directory, or a file, is not read as an OCI layout's path:
 * the error names it as typed and both things --host takes. */
static void test_neither_a_directory_nor_a_reference_is_refused(void **state)
{
  fixture *f = *state;
  assert_int_equal(sc_write_file_at(f->dir_fd, "file", "", 0, 0644, NULL), 0);
  const char *names[] = {"nowhere", "file"};
  for (size_t i = 0; i < 2; i++) {
    _cleanup_free_ char *given = xasprintf("%s/%s", f->dir, names[i]);
    _cleanup_free_ char *quoted = xasprintf("--host '%s' is neither a directory nor an image "
                                            "reference: give the directory of a Debian root "
                                            "with /sbin/init, or an image of one as oci:PATH",
                                            given);
    sc_systemd_host_kind kind;
    sc_error err = SC_ERROR_INIT;
    assert_int_equal(sc_systemd_host_given_kind(given, &kind, &err), -1);
    assert_int_equal(err.code, SC_E_USAGE);
    assert_non_null(strstr(err.msg, quoted));
    assert_non_null(strstr(err.msg, "docker://"));
    sc_error_clear(&err);
  }
}

/* A reference whose transport is unknown or whose rest is malformed: the
 * parser's reason is kept. */
static void test_a_malformed_reference_says_why(void **state)
{
  (void)state;
  sc_systemd_host_kind kind;
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_systemd_host_given_kind("foo:bar", &kind, &err), -1);
  assert_int_equal(err.code, SC_E_USAGE);
  assert_non_null(strstr(err.msg, "--host 'foo:bar' is neither a directory nor a valid image "
                                  "reference ("));
  assert_non_null(strstr(err.msg, "unknown transport 'foo:'"));
  sc_error_clear(&err);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_a_root_with_init_is_taken, setup, teardown),
      cmocka_unit_test_setup_teardown(test_a_root_without_init_is_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(test_init_is_resolved_inside_the_root, setup, teardown),
      cmocka_unit_test_setup_teardown(test_a_path_an_overlay_cannot_name_is_refused, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_a_missing_host_names_it, setup, teardown),
      cmocka_unit_test(test_the_cache_key_holds_the_suite_and_mirror),
      cmocka_unit_test(test_a_bad_suite_or_mirror_is_a_usage_error),
      cmocka_unit_test_setup_teardown(test_each_suite_takes_its_own_cached_host, setup, teardown),
      cmocka_unit_test_setup_teardown(test_host_and_host_suite_are_refused_together, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_an_existing_directory_is_a_dir, setup, teardown),
      cmocka_unit_test(test_a_reference_with_a_transport_is_an_image),
      cmocka_unit_test_setup_teardown(test_neither_a_directory_nor_a_reference_is_refused, setup,
                                      teardown),
      cmocka_unit_test(test_a_malformed_reference_says_why),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
