/* fuzz-elf.c: libFuzzer target for the program files validate reads from
 * an image (elf-check.h): the input is parsed as an ELF file and as a #!
 * line.
 *
 * Checked besides crashes and sanitizer reports: a file that parses has
 * the class and byte order its e_ident says, and its strings (interpreter,
 * needed libraries, paths) are non-empty where they must be and no longer
 * than the input; a #! line that parses names an interpreter without a
 * blank in it, within the kernel's 256 bytes. */
#include <elf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "elf-check.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_string(const char *s, size_t size, bool may_be_empty)
{
  if (s && ((!may_be_empty && s[0] == '\0') || strlen(s) >= size))
    abort();
}

static void check_elf(const uint8_t *data, size_t size)
{
  sc_elf_info info;
  sc_error err = SC_ERROR_INIT;
  if (sc_elf_parse(data, size, &info, &err) == 0) {
    if (info.is64 != (data[EI_CLASS] == ELFCLASS64) ||
        info.big_endian != (data[EI_DATA] == ELFDATA2MSB))
      abort();
    check_string(info.interp, size, false);
    for (size_t i = 0; info.needed && info.needed[i]; i++)
      check_string(info.needed[i], size, true);
    check_string(info.rpath, size, true);
    check_string(info.runpath, size, true);
    check_string(info.soname, size, true);
    const char *goarch = sc_elf_goarch(&info); /* validate's machine check */
    if (goarch && strlen(goarch) > 8)
      abort();
    sc_elf_info_clear(&info);
  } else if (err.msg == NULL) {
    abort(); /* a refusal says why */
  }
  sc_error_clear(&err);
}

static void check_shebang(const uint8_t *data, size_t size)
{
  sc_shebang sb;
  sc_error err = SC_ERROR_INIT;
  int r = sc_shebang_parse(data, size, &sb, &err);
  if (r == 1) {
    size_t n = strlen(sb.interpreter);
    if (n == 0 || n >= SC_SHEBANG_MAX || strpbrk(sb.interpreter, " \t\n"))
      abort();
    if (sb.arg && (sb.arg[0] == '\0' || strchr(sb.arg, '\n')))
      abort();
    sc_shebang_clear(&sb);
  } else if (r < 0 && err.msg == NULL) {
    abort();
  }
  sc_error_clear(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  check_elf(data, size);
  check_shebang(data, size);
  return 0;
}
