/* test-registries-conf.c: containers-registries.conf(5) v2 as sc-build
 * applies it (registries-conf.h): merging files, prefixes, mirrors,
 * blocked registries and short names. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registries-conf.h"
#include "util.h"

static void merge(sc_registries_conf *conf, const char *file, const char *text)
{
  sc_error err = SC_ERROR_INIT;
  if (sc_registries_conf_merge(conf, text, strlen(text), file, &err) < 0)
    fail_msg("%s: %s", file, err.msg);
}

static void expect_merge_error(const char *text, const char *want)
{
  sc_registries_conf conf = SC_REGISTRIES_CONF_INIT;
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_registries_conf_merge(&conf, text, strlen(text), "r.conf", &err), -1);
  if (strstr(err.msg, want) == NULL)
    fail_msg("%s\n got: %s\nwant: %s", text, err.msg, want);
  sc_error_clear(&err);
  sc_registries_conf_clear(&conf);
}

/* The plan for reference as "[m]REF[i] ..." (m: mirror, i: insecure), or
 * "error: MSG". */
static char *plan_text(const sc_registries_conf *conf, const char *reference)
{
  sc_pull_attempt *plan;
  size_t n;
  sc_error err = SC_ERROR_INIT;
  if (sc_registries_pull_plan(conf, reference, &plan, &n, &err) < 0) {
    char *out = xasprintf("error: %s", err.msg);
    sc_error_clear(&err);
    return out;
  }
  sc_buf b = SC_BUF_INIT;
  for (size_t i = 0; i < n; i++)
    sc_buf_printf(&b, "%s%s%s%s", i ? " " : "", plan[i].mirror ? "m" : "",
                  plan[i].reference + strlen("docker://"), plan[i].insecure ? "i" : "");
  sc_pull_attempts_free(plan, n);
  return sc_buf_steal(&b);
}

static void expect_plan(const sc_registries_conf *conf, const char *reference, const char *want)
{
  char *got = plan_text(conf, reference);
  if (strncmp(got, want, strlen(want)) != 0)
    fail_msg("%s\n got: %s\nwant: %s", reference, got, want);
  free(got);
}

static const char example[] =
    "unqualified-search-registries = [\"registry.fedoraproject.org\", \"docker.io\"]\n"
    "[[registry]]\n"
    "prefix = \"example.com/foo\"\n"
    "insecure = false\n"
    "blocked = false\n"
    "location = \"internal-registry-for-example.com/bar\"\n"
    "[[registry.mirror]]\n"
    "location = \"example-mirror-0.local/mirror-for-foo\"\n"
    "[[registry.mirror]]\n"
    "location = \"example-mirror-1.local/mirrors/foo\"\n"
    "insecure = true\n"
    "[[registry]]\n"
    "location = \"blocked.example\"\n"
    "blocked = true\n"
    "[[registry]]\n"
    "prefix = \"*.wild.example\"\n"
    "insecure = true\n";

static void test_mirrors_and_locations(void **state)
{
  (void)state;
  sc_registries_conf conf = SC_REGISTRIES_CONF_INIT;
  merge(&conf, "r.conf", example);
  /* the man page's example: mirrors in order, then the location */
  expect_plan(&conf, "docker://example.com/foo/image:latest",
              "mexample-mirror-0.local/mirror-for-foo/image:latest "
              "mexample-mirror-1.local/mirrors/foo/image:latesti "
              "internal-registry-for-example.com/bar/image:latest");
  /* a prefix matches up to '/', ':' or '@' only */
  expect_plan(&conf, "docker://example.com/foobar/image:1", "example.com/foobar/image:1");
  expect_plan(&conf,
              "docker://example.com/foo@sha256:"
              "0000000000000000000000000000000000000000000000000000000000000000",
              "mexample-mirror-0.local/mirror-for-foo@sha256:");
  expect_plan(&conf, "docker://blocked.example/x/y:1",
              "error: docker://blocked.example/x/y:1: registry blocked by [[registry]] prefix "
              "\"blocked.example\" in r.conf");
  expect_plan(&conf, "docker://a.wild.example:5000/x:1", "a.wild.example:5000/x:1i");
  expect_plan(&conf, "docker://wild.example/x:1", "wild.example/x:1");
  char *target;
  bool insecure;
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_registries_push_target(&conf, "docker://example.com/foo/image:v2", &target,
                                             &insecure, &err),
                   0);
  assert_string_equal(target, "docker://internal-registry-for-example.com/bar/image:v2");
  assert_false(insecure);
  free(target);
  assert_int_equal(
      sc_registries_push_target(&conf, "docker://blocked.example/z", &target, &insecure, &err), -1);
  assert_non_null(strstr(err.msg, "registry blocked by"));
  sc_error_clear(&err);
  sc_registries_conf_clear(&conf);
}

static void test_pull_from_mirror(void **state)
{
  (void)state;
  sc_registries_conf conf = SC_REGISTRIES_CONF_INIT;
  merge(&conf, "r.conf",
        "[[registry]]\nprefix = \"r.example\"\n"
        "[[registry.mirror]]\nlocation = \"d.example\"\npull-from-mirror = \"digest-only\"\n"
        "[[registry.mirror]]\nlocation = \"t.example\"\npull-from-mirror = \"tag-only\"\n"
        "[[registry]]\nprefix = \"old.example\"\nmirror-by-digest-only = true\n"
        "[[registry.mirror]]\nlocation = \"m.example\"\n");
  expect_plan(&conf, "docker://r.example/x:1", "mt.example/x:1 r.example/x:1");
  expect_plan(&conf,
              "docker://r.example/x@sha256:"
              "1111111111111111111111111111111111111111111111111111111111111111",
              "md.example/x@sha256:1111");
  expect_plan(&conf, "docker://old.example/x:1", "old.example/x:1");
  sc_registries_conf_clear(&conf);
}

static void test_short_names(void **state)
{
  (void)state;
  sc_registries_conf conf = SC_REGISTRIES_CONF_INIT;
  /* no registries.conf: docker.io, as docker reads it */
  expect_plan(NULL, "docker://busybox", "busybox");
  merge(&conf, "a.conf",
        "unqualified-search-registries = [\"one.example\", \"two.example:5000\"]\n"
        "[aliases]\n\"busybox\" = \"docker.io/library/busybox\"\n"
        "\"ns/tool\" = \"quay.io/ns/tool\"\n");
  expect_plan(&conf, "docker://busybox:1.36", "docker.io/library/busybox:1.36");
  expect_plan(&conf,
              "docker://ns/tool@sha256:"
              "2222222222222222222222222222222222222222222222222222222222222222",
              "quay.io/ns/tool@sha256:2222");
  /* permissive (the default) without a terminal: every search registry */
  expect_plan(&conf, "docker://app:v1", "one.example/app:v1 two.example:5000/app:v1");
  /* qualified names are left alone */
  expect_plan(&conf, "docker://localhost/app:v1", "localhost/app:v1");
  expect_plan(&conf, "docker://host:5000/app", "host:5000/app");
  merge(&conf, "b.conf", "short-name-mode = \"enforcing\"\n[aliases]\n\"busybox\" = \"\"\n");
  expect_plan(&conf, "docker://app:v1",
              "error: docker://app:v1: the short name is ambiguous: unqualified-search-registries "
              "lists one.example, two.example:5000 and short-name-mode is enforcing");
  /* b.conf erased the alias */
  expect_plan(&conf, "docker://busybox", "error: docker://busybox: the short name is ambiguous");
  merge(&conf, "c.conf", "unqualified-search-registries = [\"one.example\"]\n");
  expect_plan(&conf, "docker://app", "one.example/app");
  merge(&conf, "d.conf", "unqualified-search-registries = []\n");
  expect_plan(&conf, "docker://app", "error: docker://app: a short name, and no [aliases]");
  sc_registries_conf_clear(&conf);
}

/* The drop-in Debian's podman (containers-common) installs: parsed as it
 * is, and its aliases applied.  Skipped where the package is not there. */
#define DEBIAN_SHORTNAMES "/etc/containers/registries.conf.d/shortnames.conf"
static void test_debian_shortnames(void **state)
{
  (void)state;
  _cleanup_free_ char *text = NULL;
  size_t len = 0;
  sc_error err = SC_ERROR_INIT;
  if (sc_read_file_at(AT_FDCWD, DEBIAN_SHORTNAMES, &text, &len, &err) < 0) {
    print_message("skipped: %s: %s (containers-common is not installed)\n", DEBIAN_SHORTNAMES,
                  err.msg);
    sc_error_clear(&err);
    skip();
  }
  sc_registries_conf conf = SC_REGISTRIES_CONF_INIT;
  if (sc_registries_conf_merge(&conf, text, len, DEBIAN_SHORTNAMES, &err) < 0)
    fail_msg("%s: %s", DEBIAN_SHORTNAMES, err.msg);
  expect_plan(&conf, "docker://debian:12", "docker.io/library/debian:12");
  expect_plan(&conf, "docker://fedora", "registry.fedoraproject.org/fedora");
  expect_plan(&conf, "docker://ubi8:8.9", "registry.access.redhat.com/ubi8:8.9");
  sc_registries_conf_clear(&conf);
}

/* containers-registries.conf(5): a *.DOMAIN table has no location but its
 * mirrors apply, each location replacing the host name the wildcard
 * matched. */
static void test_wildcard_mirrors(void **state)
{
  (void)state;
  sc_registries_conf conf = SC_REGISTRIES_CONF_INIT;
  merge(&conf, "w.conf",
        "[[registry]]\nprefix = \"*.corp.example\"\n"
        "[[registry.mirror]]\nlocation = \"mirror.local/corp\"\ninsecure = true\n"
        "[[registry.mirror]]\nlocation = \"d.local\"\npull-from-mirror = \"digest-only\"\n");
  expect_plan(&conf, "docker://a.b.corp.example/team/app:v1",
              "mmirror.local/corp/team/app:v1i a.b.corp.example/team/app:v1");
  /* a port stays after the mirror's location, as containers/image keeps it */
  expect_plan(&conf, "docker://r.corp.example:5000/app:v1",
              "mmirror.local/corp:5000/app:v1i r.corp.example:5000/app:v1");
  expect_plan(&conf,
              "docker://r.corp.example/app@sha256:"
              "3333333333333333333333333333333333333333333333333333333333333333",
              "mmirror.local/corp/app@sha256:3333");
  expect_plan(&conf, "docker://corp.example/app:v1", "corp.example/app:v1");
  sc_registries_conf_clear(&conf);
}

/* Each attempt carries the name it serves: a short name qualified, never
 * a mirror's location. */
static void test_attempt_names(void **state)
{
  (void)state;
  sc_registries_conf conf = SC_REGISTRIES_CONF_INIT;
  merge(&conf, "n.conf",
        "[aliases]\n\"tool\" = \"quay.io/ns/tool\"\n"
        "[[registry]]\nprefix = \"quay.io/ns\"\n[[registry.mirror]]\nlocation = \"m.local/q\"\n");
  sc_pull_attempt *plan = NULL;
  size_t n = 0;
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_registries_pull_plan(&conf, "docker://tool:2", &plan, &n, &err), 0);
  assert_int_equal(n, 2);
  assert_string_equal(plan[0].reference, "docker://m.local/q/tool:2");
  assert_string_equal(plan[0].name, "quay.io/ns/tool:2");
  assert_string_equal(plan[1].name, "quay.io/ns/tool:2");
  sc_pull_attempts_free(plan, n);
  assert_true(sc_registries_is_short_name("tool:2"));
  assert_true(sc_registries_is_short_name("ns/tool"));
  assert_false(sc_registries_is_short_name("localhost/tool"));
  assert_false(sc_registries_is_short_name("quay.io/ns/tool"));
  sc_registries_conf_clear(&conf);
}

/* login's view: the table of the host alone, no location rewrite. */
static void test_host_target(void **state)
{
  (void)state;
  sc_registries_conf conf = SC_REGISTRIES_CONF_INIT;
  merge(&conf, "h.conf",
        "[[registry]]\nlocation = \"tls.example:5000\"\ninsecure = true\n"
        "[[registry]]\nprefix = \"no.example\"\nblocked = true\n"
        "[[registry]]\nprefix = \"ns.example/team\"\nblocked = true\n");
  bool insecure = false;
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_registries_host_target(&conf, "tls.example:5000", &insecure, &err), 0);
  assert_true(insecure);
  assert_int_equal(sc_registries_host_target(&conf, "tls.example", &insecure, &err), 0);
  assert_false(insecure);
  assert_int_equal(sc_registries_host_target(&conf, "no.example", &insecure, &err), -1);
  assert_string_equal(err.msg, "no.example: registry blocked by [[registry]] prefix \"no.example\" "
                               "in h.conf (blocked = true there forbids it)");
  sc_error_clear(&err);
  assert_int_equal(sc_registries_host_target(&conf, "ns.example", &insecure, &err), 0);
  assert_int_equal(sc_registries_host_target(NULL, "any.example", &insecure, &err), 0);
  sc_registries_conf_clear(&conf);
}

static void test_merging(void **state)
{
  (void)state;
  sc_registries_conf conf = SC_REGISTRIES_CONF_INIT;
  merge(&conf, "a.conf", "[[registry]]\nprefix = \"r.example\"\nblocked = true\n");
  merge(&conf, "b.conf", "[[registry]]\nprefix = \"r.example\"\ninsecure = true\n");
  assert_int_equal(conf.n_entries, 1);
  expect_plan(&conf, "docker://r.example/x:1", "r.example/x:1i");
  sc_registries_conf_clear(&conf);
}

static void test_errors(void **state)
{
  (void)state;
  expect_merge_error("[[registry]]\ninsecure = true\n",
                     "r.conf: [[registry]] 1: needs a prefix or a location");
  expect_merge_error("[[registry]]\nprefix = \"a\"\n[[registry]]\nprefix = 'b'\nblocked = \"no\"\n",
                     "r.conf: [[registry]] 2: blocked: must be true or false");
  expect_merge_error("[[registry]]\nprefix = \"*.x.example\"\nlocation = \"y\"\n",
                     "is a wildcard: it takes no location");
  expect_merge_error("[[registry]]\nprefix = \"*x\"\n", "a wildcard is *.DOMAIN");
  expect_merge_error("[[registry]]\nprefix = \"a\"\n[[registry.mirror]]\ninsecure = true\n",
                     "r.conf: [[registry]] 1: mirror needs a location");
  expect_merge_error("[[registry]]\nprefix = \"a\"\n[[registry.mirror]]\nlocation = \"m\"\n"
                     "pull-from-mirror = \"some\"\n",
                     "pull-from-mirror: \"some\" is none of all, digest-only, tag-only");
  expect_merge_error("[[registry]]\nprefix = \"a\"\nmirror-by-digest-only = true\n"
                     "[[registry.mirror]]\nlocation = \"m\"\npull-from-mirror = \"tag-only\"\n",
                     "pull-from-mirror cannot be used with mirror-by-digest-only");
  expect_merge_error("unqualified-search-registries = \"docker.io\"\n",
                     "r.conf: unqualified-search-registries: must be an array of host names");
  expect_merge_error("unqualified-search-registries = [\"docker.io/library\"]\n",
                     "must be an array of host names");
  expect_merge_error("short-name-mode = \"strict\"\n",
                     "short-name-mode: \"strict\" is none of enforcing, permissive, disabled");
  expect_merge_error("[aliases]\n\"x\" = \"docker.io/library/x:1\"\n",
                     "aliases: \"x\" must be a \"HOST/REPO\" without a tag or digest");
  expect_merge_error("[aliases]\n\"x\" = \"library/x\"\n", "must be a \"HOST/REPO\"");
  expect_merge_error("[registries.search]\nregistries = [\"docker.io\"]\n",
                     "[registries.*] is the version 1 format");
  expect_merge_error("registry = \"x\"\n", "registry: must be [[registry]] tables");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_mirrors_and_locations),
      cmocka_unit_test(test_pull_from_mirror),
      cmocka_unit_test(test_short_names),
      cmocka_unit_test(test_debian_shortnames),
      cmocka_unit_test(test_wildcard_mirrors),
      cmocka_unit_test(test_attempt_names),
      cmocka_unit_test(test_host_target),
      cmocka_unit_test(test_merging),
      cmocka_unit_test(test_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
