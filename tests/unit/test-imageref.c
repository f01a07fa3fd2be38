/* test-imageref.c: the one image reference grammar (sc/imageref.h): each
 * transport's parts, what is refused, the roles, and formatting back. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sc/imageref.h>

#include "imageref-internal.h"
#include "util.h"

#define DIGEST "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static sc_image_ref parse_ok(const char *text, unsigned role, sc_transport transport)
{
  sc_image_ref ref;
  sc_error err = SC_ERROR_INIT;
  if (sc_image_ref_parse(text, role, &ref, &err) < 0)
    fail_msg("%s: %s", text, err.msg);
  assert_int_equal(ref.transport->transport, transport);
  assert_string_equal(ref.text, text);
  /* formatting back gives a reference with the same parts */
  _cleanup_free_ char *again = sc_image_ref_format(&ref);
  sc_image_ref back;
  assert_int_equal(sc_image_ref_parse(again, role, &back, &err), 0);
  assert_int_equal(back.transport->transport, transport);
  _cleanup_free_ char *twice = sc_image_ref_format(&back);
  assert_string_equal(again, twice);
  sc_image_ref_clear(&back);
  return ref;
}

static void expect_bad(const char *text, unsigned role, const char *message_part)
{
  sc_image_ref ref;
  sc_error err = SC_ERROR_INIT;
  if (sc_image_ref_parse(text, role, &ref, &err) == 0)
    fail_msg("'%s' parsed", text);
  assert_int_equal(err.code, SC_E_USAGE);
  if (strstr(err.msg, message_part) == NULL)
    fail_msg("'%s': message '%s' lacks '%s'", text, err.msg, message_part);
  sc_error_clear(&err);
}

static void assert_str_or_null(const char *got, const char *want)
{
  if (want)
    assert_string_equal(got, want);
  else
    assert_null(got);
}

static void check_oci(const char *text, const char *path, const char *ref, const char *digest)
{
  sc_image_ref r = parse_ok(text, SC_REF_SOURCE, SC_TRANSPORT_OCI);
  assert_string_equal(r.path, path);
  assert_str_or_null(r.ref, ref);
  assert_str_or_null(r.digest, digest);
  sc_image_ref_clear(&r);
}

static void test_oci(void **state)
{
  (void)state;
  check_oci("oci:hw.oci", "hw.oci", NULL, NULL);
  check_oci("oci:hw.oci:hello-world:latest", "hw.oci", "hello-world:latest", NULL);
  check_oci("oci:/abs/l:v1.0", "/abs/l", "v1.0", NULL);
  check_oci("oci:hw.oci@" DIGEST, "hw.oci", NULL, DIGEST);
  /* a bare path is an OCI layout, as it always was */
  check_oci("hw.oci", "hw.oci", NULL, NULL);
  check_oci("./a/b", "./a/b", NULL, NULL);
  expect_bad("oci:", SC_REF_SOURCE, "names no path");
  expect_bad("oci::tag", SC_REF_SOURCE, "names no path");
  expect_bad("oci:l:Bad Tag!", SC_REF_SOURCE, "not an OCI ref name");
  expect_bad("oci:l:ok:", SC_REF_SOURCE, "not an OCI ref name");
  expect_bad("oci:l:", SC_REF_SOURCE, "not an OCI ref name");
  expect_bad("oci:l@sha256:abc", SC_REF_SOURCE, "invalid digest");
  expect_bad("oci:l:t@" DIGEST, SC_REF_SOURCE, "not both");
}

static void test_oci_ref_names(void **state)
{
  (void)state;
  const char *good[] = {"latest", "hello-world:latest", "a/b:c", "v1.0", "x--y", "a+b@c", "A9"};
  const char *bad[] = {"", "Bad Tag!", "ok:", ":x", "a//b", "-a", "a-", "a---b", "a..b", "é"};
  for (size_t i = 0; i < sizeof good / sizeof *good; i++)
    if (!sc_oci_ref_name_is_valid(good[i]))
      fail_msg("'%s' refused", good[i]);
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    if (sc_oci_ref_name_is_valid(bad[i]))
      fail_msg("'%s' accepted", bad[i]);
}

static void test_archives_and_dir(void **state)
{
  (void)state;
  sc_image_ref r = parse_ok("oci-archive:hw.tar:hw:1", SC_REF_SOURCE, SC_TRANSPORT_OCI_ARCHIVE);
  assert_string_equal(r.path, "hw.tar");
  assert_string_equal(r.ref, "hw:1");
  sc_image_ref_clear(&r);
  r = parse_ok("docker-archive:d.tar", SC_REF_SOURCE, SC_TRANSPORT_DOCKER_ARCHIVE);
  assert_null(r.ref);
  assert_int_equal(r.index, -1);
  sc_image_ref_clear(&r);
  r = parse_ok("docker-archive:d.tar:hw:7", SC_REF_SOURCE, SC_TRANSPORT_DOCKER_ARCHIVE);
  assert_string_equal(r.ref, "hw:7");
  sc_image_ref_clear(&r);
  r = parse_ok("docker-archive:d.tar:example.com/a/hw", SC_REF_SOURCE, SC_TRANSPORT_DOCKER_ARCHIVE);
  assert_string_equal(r.ref, "example.com/a/hw:latest");
  sc_image_ref_clear(&r);
  r = parse_ok("docker-archive:d.tar:@1", SC_REF_SOURCE, SC_TRANSPORT_DOCKER_ARCHIVE);
  assert_int_equal(r.index, 1);
  sc_image_ref_clear(&r);
  r = parse_ok("dir:/some/dir", SC_REF_DESTINATION, SC_TRANSPORT_DIR);
  assert_string_equal(r.path, "/some/dir");
  sc_image_ref_clear(&r);
  expect_bad("docker-archive:d.tar:@", SC_REF_SOURCE, "index");
  expect_bad("docker-archive:d.tar:@x", SC_REF_SOURCE, "index");
  expect_bad("docker-archive:d.tar:Bad", SC_REF_SOURCE, "not a NAME:TAG");
  expect_bad("dir:", SC_REF_SOURCE, "names no directory");
}

static void test_docker(void **state)
{
  (void)state;
  sc_image_ref r = parse_ok("docker://busybox", SC_REF_SOURCE, SC_TRANSPORT_DOCKER);
  assert_string_equal(r.host, "docker.io");
  assert_string_equal(r.repository, "library/busybox");
  assert_string_equal(r.tag, "latest");
  sc_image_ref_clear(&r);
  r = parse_ok("docker://localhost:5000/a/b@" DIGEST, SC_REF_SOURCE, SC_TRANSPORT_DOCKER);
  assert_string_equal(r.host, "localhost:5000");
  assert_string_equal(r.repository, "a/b");
  assert_null(r.tag);
  assert_string_equal(r.digest, DIGEST);
  sc_image_ref_clear(&r);
  expect_bad("docker://u:p@host.io/x", SC_REF_SOURCE, "credentials");
  expect_bad("docker://host.io/X", SC_REF_SOURCE, "invalid repository");
  expect_bad("docker:busybox", SC_REF_SOURCE, "unknown transport");
}

static void test_ostree(void **state)
{
  (void)state;
  sc_image_ref r = parse_ok("ostree:hw", SC_REF_SOURCE, SC_TRANSPORT_OSTREE);
  assert_string_equal(r.ref, "hw:latest");
  assert_string_equal(r.path, "/ostree/repo");
  sc_image_ref_clear(&r);
  r = parse_ok("ostree:a/hw:1@/srv/repo", SC_REF_SOURCE, SC_TRANSPORT_OSTREE);
  assert_string_equal(r.ref, "a/hw:1");
  assert_string_equal(r.path, "/srv/repo");
  sc_image_ref_clear(&r);
  expect_bad("ostree:hw@", SC_REF_SOURCE, "no repository");
  expect_bad("ostree:", SC_REF_SOURCE, "empty image name");
}

static void test_roles_and_unknown(void **state)
{
  (void)state;
  expect_bad("ostree:hw", SC_REF_DESTINATION, "cannot be written");
  expect_bad("containers-storage:hw", SC_REF_SOURCE, "unknown transport 'containers-storage:'");
  expect_bad("", SC_REF_SOURCE, "empty");
  _cleanup_free_ char *dest = sc_transports_syntax(SC_REF_DESTINATION);
  assert_non_null(strstr(dest, "dir:PATH"));
  assert_null(strstr(dest, "ostree:"));
  assert_int_equal(sc_transport_count(), 6);
  for (size_t i = 0; i < sc_transport_count(); i++) {
    const sc_transport_info *t = sc_transport_at(i);
    assert_ptr_equal(sc_transport_find(sc_transport_info_name(t)), t);
  }
  assert_null(sc_transport_at(sc_transport_count()));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_oci),
      cmocka_unit_test(test_oci_ref_names),
      cmocka_unit_test(test_archives_and_dir),
      cmocka_unit_test(test_docker),
      cmocka_unit_test(test_ostree),
      cmocka_unit_test(test_roles_and_unknown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
