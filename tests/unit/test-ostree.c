/* test-ostree.c: OSTree branch names and ostree: references
 * (atomic's _encode_to_ostree_ref,
 * skopeo's encodeOStreeRef; containers-transports(5) ostree:). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "image-ostree.h"
#include "util.h"

static void assert_encodes(const char *name, const char *encoded)
{
  char *e = sc_ostree_encode_ref(name);
  assert_string_equal(e, encoded);
  char *d = sc_ostree_decode_ref(e);
  assert_non_null(d);
  assert_string_equal(d, name);
  free(e);
  free(d);
}

/* The examples atomic's tests and docs/image.md give, and every byte class. */
static void test_encode_known_names(void **state)
{
  (void)state;
  assert_encodes("hello-world:latest", "hello-world_3Alatest");
  assert_encodes("busybox:latest", "busybox_3Alatest");
  assert_encodes("docker.io/busybox:latest", "docker.io_2Fbusybox_3Alatest");
  assert_encodes("my_image:v1.0", "my_5Fimage_3Av1.0");
  assert_encodes("a@b", "a_40b");
  assert_encodes("", "");
  assert_encodes("AZaz09.-", "AZaz09.-");
}

/* Bytes outside ASCII are encoded byte by byte, upper-case hex. */
static void test_encode_non_ascii(void **state)
{
  (void)state;
  assert_encodes("caf\xc3\xa9:1", "caf_C3_A9_3A1");
  assert_encodes(" \t", "_20_09");
}

static void test_decode_rejects_malformed(void **state)
{
  (void)state;
  const char *bad[] = {"abc_", "abc_3", "abc_3G", "abc_ZZ", "a:b", "a/b", "a_00b", "a b", NULL};
  for (size_t i = 0; bad[i]; i++) {
    char *d = sc_ostree_decode_ref(bad[i]);
    if (d)
      fail_msg("'%s' decoded to '%s'", bad[i], d);
  }
  /* Lower-case hex is read (atomic's decoder is int(x, 16)). */
  char *d = sc_ostree_decode_ref("a_3ab");
  assert_string_equal(d, "a:b");
  free(d);
}

static void assert_parses(const char *reference, const char *name, const char *repo)
{
  char *n = NULL, *r = NULL;
  sc_error err = SC_ERROR_INIT;
  if (sc_ostree_parse_reference(reference, &n, &r, &err) < 0)
    fail_msg("%s: %s", reference, err.msg);
  assert_string_equal(n, name);
  assert_string_equal(r, repo);
  free(n);
  free(r);
}

static void test_parse_reference(void **state)
{
  (void)state;
  assert_parses("ostree:hello-world:latest@/srv/repo", "hello-world:latest", "/srv/repo");
  assert_parses("ostree:hello-world@/srv/repo", "hello-world:latest", "/srv/repo");
  assert_parses("ostree:hw:1@relative/repo", "hw:1", "relative/repo");
  assert_parses("ostree:registry:5000/ns/app@/r", "registry:5000/ns/app:latest", "/r");
  assert_parses("ostree:registry:5000/ns/app:2@/r", "registry:5000/ns/app:2", "/r");
  assert_parses("ostree:busybox", "busybox:latest", "/ostree/repo");
  assert_parses("hw:1@/r", "hw:1", "/r");
}

static void test_parse_reference_errors(void **state)
{
  (void)state;
  const char *bad[] = {"ostree:@/r", "ostree:hw@", "ostree:", "ostree:hw@sha256:abc@/r", NULL};
  for (size_t i = 0; bad[i]; i++) {
    char *n = NULL, *r = NULL;
    sc_error err = SC_ERROR_INIT;
    if (sc_ostree_parse_reference(bad[i], &n, &r, &err) == 0)
      fail_msg("'%s' parsed as '%s' in '%s'", bad[i], n, r);
    assert_non_null(err.msg);
    assert_int_equal(err.code, SC_E_USAGE);
    sc_error_clear(&err);
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_encode_known_names),       cmocka_unit_test(test_encode_non_ascii),
      cmocka_unit_test(test_decode_rejects_malformed), cmocka_unit_test(test_parse_reference),
      cmocka_unit_test(test_parse_reference_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
