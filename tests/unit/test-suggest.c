/* test-suggest.c: the "did you mean" of unknown commands and options
 * (suggest.h): distances, what is close enough, ties, the phrase. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "suggest.h"

static const char *const commands[] = {"init", "validate", "build", "inspect", "install",
                                       "list", "rmi",      "run",   "test",    "images"};
static const char *const build_options[] = {"output", "format",      "tag",      "from",
                                            "os",     "ostree-mode", "platform", "threads"};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void test_distance(void **state)
{
  (void)state;
  assert_int_equal(sc_edit_distance("", ""), 0);
  assert_int_equal(sc_edit_distance("", "abc"), 3);
  assert_int_equal(sc_edit_distance("abc", ""), 3);
  assert_int_equal(sc_edit_distance("build", "build"), 0);
  assert_int_equal(sc_edit_distance("biuld", "build"), 2); /* a swap is two edits */
  assert_int_equal(sc_edit_distance("kitten", "sitting"), 3);
  assert_int_equal(sc_edit_distance("form", "format"), 2);
  assert_int_equal(sc_edit_distance("flaw", "lawn"), 2);
}

/* Returns the phrase sc_suggest and sc_suggest_phrase give, to free. */
static char *suggest(const char *word, const char *const *names, size_t count, const char *prefix)
{
  sc_suggestions s;
  sc_suggest(word, names, count, &s);
  return sc_suggest_phrase(&s, prefix);
}

static void expect(const char *word, const char *const *names, size_t count, const char *prefix,
                   const char *phrase)
{
  char *got = suggest(word, names, count, prefix);
  assert_string_equal(got, phrase);
  free(got);
}

static void expect_command(const char *word, const char *phrase)
{
  expect(word, commands, COUNT(commands), "", phrase);
}

static void expect_option(const char *word, const char *phrase)
{
  expect(word, build_options, COUNT(build_options), "--", phrase);
}

static void test_commands(void **state)
{
  (void)state;
  expect_command("biuld", "; did you mean 'build'?");
  expect_command("buidl", "; did you mean 'build'?");
  expect_command("valdate", "; did you mean 'validate'?");
  expect_command("ls", "; did you mean 'list'?");
  expect_command("rm", "; did you mean 'rmi'?");
  expect_command("tset", "; did you mean 'test'?");
  expect_command("imag", "; did you mean 'images'?");
  /* A beginning, however far from the whole name. */
  expect_command("insp", "; did you mean 'inspect' or 'init'?");
  expect_command("ins", "; did you mean 'inspect', 'install' or 'init'?");
  /* Too far, or nothing of the name left. */
  expect_command("frobnicate", "");
  expect_command("xy", "");
  expect_command("", "");
  /* A name is not a typo of another. */
  expect_command("run", "");
}

static void test_options(void **state)
{
  (void)state;
  expect_option("form", "; did you mean '--format' or '--from'?");
  expect_option("fromm", "; did you mean '--from'?");
  expect_option("treads", "; did you mean '--threads'?");
  expect_option("ostree", "; did you mean '--ostree-mode'?");
  expect_option("zz", "");
}

static void test_at_most_three(void **state)
{
  (void)state;
  static const char *const names[] = {"aa", "ab", "ac", "ad", "ae"};
  sc_suggestions s;
  sc_suggest("a", names, COUNT(names), &s);
  assert_int_equal(s.count, SC_SUGGEST_MAX);
  char *got = sc_suggest_phrase(&s, "");
  assert_string_equal(got, "; did you mean 'aa', 'ab' or 'ac'?");
  free(got);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_distance),
      cmocka_unit_test(test_commands),
      cmocka_unit_test(test_options),
      cmocka_unit_test(test_at_most_three),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
