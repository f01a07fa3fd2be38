/* test-elf-check.c: the `#!` line and ELF parsers (elf-check.h) on files of
 * both classes and byte orders, a real program of the host, and broken
 * files: every prefix of a valid file and every header field set to
 * hostile values must be refused or parsed, never read out of bounds
 * (the sanitized build checks that). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elf-builder.h"
#include "elf-check.h"
#include "util.h"

static void check_built(bool is64, bool big_endian)
{
  test_elf e = {.is64 = is64,
                .big_endian = big_endian,
                .machine = EM_AARCH64,
                .interp = "/lib/ld-linux-aarch64.so.1",
                .needed = {"libfoo.so.1", "libc.so.6"},
                .runpath = "$ORIGIN/../lib",
                .soname = "libself.so.2"};
  size_t len;
  _cleanup_free_ unsigned char *data = test_elf_build(&e, &len);
  sc_elf_info info;
  sc_error err = SC_ERROR_INIT;
  assert_true(sc_elf_has_magic(data, len));
  assert_int_equal(sc_elf_parse(data, len, &info, &err), 0);
  assert_int_equal(info.is64, is64);
  assert_int_equal(info.big_endian, big_endian);
  assert_int_equal(info.machine, EM_AARCH64);
  assert_int_equal(info.type, ET_DYN);
  assert_string_equal(info.interp, "/lib/ld-linux-aarch64.so.1");
  assert_int_equal(sc_strv_length(info.needed), 2);
  assert_string_equal(info.needed[0], "libfoo.so.1");
  assert_string_equal(info.needed[1], "libc.so.6");
  assert_string_equal(info.runpath, "$ORIGIN/../lib");
  assert_null(info.rpath);
  assert_string_equal(info.soname, "libself.so.2");
  sc_elf_info_clear(&info);
}

static void test_classes_and_byte_orders(void **state)
{
  (void)state;
  check_built(true, false);
  check_built(true, true);
  check_built(false, false);
  check_built(false, true);
}

static void test_static_program(void **state)
{
  (void)state;
  test_elf e = {.is64 = true, .type = ET_EXEC};
  size_t len;
  _cleanup_free_ unsigned char *data = test_elf_build(&e, &len);
  sc_elf_info info;
  assert_int_equal(sc_elf_parse(data, len, &info, NULL), 0);
  assert_null(info.interp);
  assert_null(info.needed);
  assert_int_equal(info.type, ET_EXEC);
  sc_elf_info_clear(&info);
}

/* The image platform an ELF file runs on: machine, class and byte order. */
static const char *goarch_of(uint16_t machine, bool is64, bool big_endian)
{
  sc_elf_info info = {.machine = machine, .is64 = is64, .big_endian = big_endian};
  return sc_elf_goarch(&info);
}

static void test_goarch(void **state)
{
  (void)state;
  assert_string_equal(goarch_of(EM_X86_64, true, false), "amd64");
  assert_string_equal(goarch_of(EM_AARCH64, true, false), "arm64");
  assert_string_equal(goarch_of(EM_ARM, false, false), "arm");
  assert_string_equal(goarch_of(EM_386, false, false), "386");
  assert_string_equal(goarch_of(EM_PPC64, true, false), "ppc64le");
  assert_string_equal(goarch_of(EM_PPC64, true, true), "ppc64");
  assert_string_equal(goarch_of(EM_S390, true, true), "s390x");
  assert_string_equal(goarch_of(EM_RISCV, true, false), "riscv64");
  assert_string_equal(goarch_of(EM_MIPS, true, false), "mips64le");
  assert_null(goarch_of(EM_X86_64, false, false)); /* x32: no image platform */
  assert_null(goarch_of(EM_AARCH64, true, true));  /* big-endian arm64 */
  assert_null(goarch_of(EM_SPARCV9, true, true));
  /* a parsed file: the builder's default machine */
  test_elf e = {.is64 = true, .type = ET_EXEC};
  size_t len;
  _cleanup_free_ unsigned char *data = test_elf_build(&e, &len);
  sc_elf_info info;
  assert_int_equal(sc_elf_parse(data, len, &info, NULL), 0);
  assert_string_equal(sc_elf_goarch(&info), "amd64");
  sc_elf_info_clear(&info);
}

/* The host's /bin/sh is a dynamic program that needs libc. */
static void test_host_program(void **state)
{
  (void)state;
  _cleanup_free_ char *data = NULL;
  _cleanup_free_ char *sh = realpath("/bin/sh", NULL); /* dash or bash, not the symlink */
  size_t len = 0;
  assert_non_null(sh);
  assert_int_equal(sc_read_file_at(AT_FDCWD, sh, &data, &len, NULL), 0);
  sc_elf_info info;
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_elf_parse(data, len, &info, &err), 0);
  assert_non_null(info.interp);
  assert_true(strstr(info.interp, "ld-") != NULL);
  bool has_libc = false;
  for (size_t i = 0; info.needed && info.needed[i]; i++)
    has_libc |= strncmp(info.needed[i], "libc.", 5) == 0;
  assert_true(has_libc);
  sc_elf_info_clear(&info);
}

/* Every prefix of a valid file: refused with a message, or parsed. */
static void test_truncated(void **state)
{
  (void)state;
  test_elf e = {.is64 = true, .interp = "/lib64/ld.so", .needed = {"liba.so", "libb.so"}};
  size_t len;
  _cleanup_free_ unsigned char *data = test_elf_build(&e, &len);
  for (size_t n = 0; n < len; n++) {
    unsigned char *copy = malloc(n ? n : 1); /* exact size: ASan sees any overread */
    memcpy(copy, data, n);
    sc_elf_info info;
    sc_error err = SC_ERROR_INIT;
    if (sc_elf_parse(copy, n, &info, &err) < 0)
      assert_non_null(err.msg);
    else
      sc_elf_info_clear(&info);
    sc_error_clear(&err);
    free(copy);
  }
}

/* Each byte of the headers and the dynamic section set to hostile values. */
static void test_hostile_fields(void **state)
{
  (void)state;
  static const unsigned char values[] = {0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff};
  for (int variant = 0; variant < 4; variant++) {
    test_elf e = {.is64 = variant & 1,
                  .big_endian = variant & 2,
                  .interp = "/ld.so",
                  .needed = {"libx.so"},
                  .rpath = "/r"};
    size_t len;
    _cleanup_free_ unsigned char *data = test_elf_build(&e, &len);
    unsigned char *copy = malloc(len);
    for (size_t at = 4; at < len; at++) {
      for (size_t v = 0; v < sizeof values; v++) {
        memcpy(copy, data, len);
        copy[at] = values[v];
        sc_elf_info info;
        sc_error err = SC_ERROR_INIT;
        if (sc_elf_parse(copy, len, &info, &err) == 0)
          sc_elf_info_clear(&info);
        sc_error_clear(&err);
      }
    }
    free(copy);
  }
}

static void expect_elf_error(const unsigned char *data, size_t len, const char *substring)
{
  sc_elf_info info;
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_elf_parse(data, len, &info, &err), -1);
  if (strstr(err.msg, substring) == NULL)
    fail_msg("expected '%s' in '%s'", substring, err.msg);
  sc_error_clear(&err);
}

static void test_specific_errors(void **state)
{
  (void)state;
  test_elf e = {.is64 = true, .interp = "/ld.so", .needed = {"libx.so"}};
  size_t len;
  _cleanup_free_ unsigned char *data = test_elf_build(&e, &len);
  expect_elf_error((const unsigned char *)"\177ELF", 4, "not an ELF file");
  expect_elf_error((const unsigned char *)"#!/bin/sh\n", 10, "not an ELF file");
  unsigned char *copy = malloc(len);
  memcpy(copy, data, len);
  copy[EI_CLASS] = 9;
  expect_elf_error(copy, len, "ELF class");
  memcpy(copy, data, len);
  test_elf_put(copy, offsetof(Elf64_Ehdr, e_phoff), 8, UINT64_MAX - 8, false);
  expect_elf_error(copy, len, "program headers beyond");
  memcpy(copy, data, len);
  test_elf_put(copy, offsetof(Elf64_Ehdr, e_phnum), 2, 0x7fff, false);
  expect_elf_error(copy, len, "program headers beyond");
  memcpy(copy, data, len);
  test_elf_put(copy, offsetof(Elf64_Ehdr, e_phentsize), 2, 8, false);
  expect_elf_error(copy, len, "too small");
  /* PT_INTERP (the second program header) pointing past the end. */
  memcpy(copy, data, len);
  test_elf_put(copy, sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr) + offsetof(Elf64_Phdr, p_offset), 8,
               len - 2, false);
  expect_elf_error(copy, len, "PT_INTERP");
  /* The PT_LOAD no longer maps DT_STRTAB. */
  memcpy(copy, data, len);
  test_elf_put(copy, sizeof(Elf64_Ehdr) + offsetof(Elf64_Phdr, p_vaddr), 8, 0x10000000, false);
  expect_elf_error(copy, len, "DT_STRTAB");
  free(copy);
}

static void expect_shebang(const char *text, const char *interp, const char *arg)
{
  sc_shebang sb;
  sc_error err = SC_ERROR_INIT;
  int r = sc_shebang_parse(text, strlen(text), &sb, &err);
  if (r != 1)
    fail_msg("'%s': %d %s", text, r, err.msg ? err.msg : "");
  assert_string_equal(sb.interpreter, interp);
  if (arg)
    assert_string_equal(sb.arg, arg);
  else
    assert_null(sb.arg);
  sc_shebang_clear(&sb);
}

static void expect_shebang_error(const char *text, size_t len, const char *substring)
{
  sc_shebang sb;
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_shebang_parse(text, len, &sb, &err), -1);
  if (strstr(err.msg, substring) == NULL)
    fail_msg("expected '%s' in '%s'", substring, err.msg);
  sc_error_clear(&err);
}

static void test_shebang(void **state)
{
  (void)state;
  expect_shebang("#!/bin/sh\nexit 0\n", "/bin/sh", NULL);
  expect_shebang("#!/bin/sh", "/bin/sh", NULL);
  expect_shebang("#! \t/bin/bash -e  \n", "/bin/bash", "-e");
  expect_shebang("#!/usr/bin/env python3 -u\n", "/usr/bin/env", "python3 -u");
  expect_shebang("#!/usr/bin/env -S python3 -u\n", "/usr/bin/env", "-S python3 -u");
  /* A DOS line ending is part of the name, as for the kernel. */
  expect_shebang("#!/bin/sh\r\n", "/bin/sh\r", NULL);
  sc_shebang sb;
  assert_int_equal(sc_shebang_parse("echo hi\n", 8, &sb, NULL), 0);
  assert_int_equal(sc_shebang_parse("#", 1, &sb, NULL), 0);
  expect_shebang_error("#!\n", 3, "no interpreter");
  expect_shebang_error("#!   \t\n", 7, "no interpreter");
  /* An interpreter cut off by the kernel's 256-byte buffer is refused; a
   * long argument is only cut. */
  char long_line[400];
  memset(long_line, 'x', sizeof long_line);
  memcpy(long_line, "#!/", 3);
  expect_shebang_error(long_line, sizeof long_line, "cut off");
  memcpy(long_line, "#!/bin/sh ", 10);
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_shebang_parse(long_line, sizeof long_line, &sb, &err), 1);
  assert_string_equal(sb.interpreter, "/bin/sh");
  assert_int_equal(strlen(sb.arg), SC_SHEBANG_MAX - 1 - 10);
  sc_shebang_clear(&sb);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_classes_and_byte_orders),
      cmocka_unit_test(test_static_program),
      cmocka_unit_test(test_goarch),
      cmocka_unit_test(test_host_program),
      cmocka_unit_test(test_truncated),
      cmocka_unit_test(test_hostile_fields),
      cmocka_unit_test(test_specific_errors),
      cmocka_unit_test(test_shebang),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
