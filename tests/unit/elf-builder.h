/* elf-builder.h: small ELF files for tests, of either class and byte
 * order: an ELF header, three program headers (PT_LOAD of the whole file,
 * PT_INTERP, PT_DYNAMIC), the interpreter path, a dynamic string table and
 * the dynamic section.  Header-only so each test can include it. */
#ifndef SC_TEST_ELF_BUILDER_H
#define SC_TEST_ELF_BUILDER_H

#include <elf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct test_elf {
  bool is64, big_endian;
  uint16_t machine; /* default EM_X86_64 */
  uint16_t type;    /* default ET_DYN */
  const char *interp;
  const char *needed[8]; /* NULL-terminated */
  const char *rpath, *runpath, *soname;
} test_elf;

#define TEST_ELF_BASE 0x400000u

static void test_elf_put(unsigned char *buf, size_t off, size_t width, uint64_t v, bool be)
{
  for (size_t i = 0; i < width; i++)
    buf[off + (be ? width - 1 - i : i)] = (unsigned char)(v >> (8 * i));
}

#define TEST_ELF_SET(e, buf, base, T32, T64, f, v)                                                 \
  test_elf_put(buf, (base) + ((e)->is64 ? offsetof(T64, f) : offsetof(T32, f)),                    \
               (e)->is64 ? sizeof(((T64 *)0)->f) : sizeof(((T32 *)0)->f), v, (e)->big_endian)

static size_t test_elf_add_string(unsigned char *strtab, size_t *len, const char *s)
{
  size_t at = *len;
  memcpy(strtab + at, s, strlen(s) + 1);
  *len += strlen(s) + 1;
  return at;
}

/* The dynamic entries, then their count; strtab gets the strings. */
static size_t test_elf_dynamic(const test_elf *e, uint64_t tags[16][2], unsigned char *strtab,
                               size_t *strsz)
{
  size_t n = 0;
  for (size_t i = 0; e->needed[i]; i++)
    tags[n][0] = DT_NEEDED, tags[n++][1] = test_elf_add_string(strtab, strsz, e->needed[i]);
  if (e->rpath)
    tags[n][0] = DT_RPATH, tags[n++][1] = test_elf_add_string(strtab, strsz, e->rpath);
  if (e->runpath)
    tags[n][0] = DT_RUNPATH, tags[n++][1] = test_elf_add_string(strtab, strsz, e->runpath);
  if (e->soname)
    tags[n][0] = DT_SONAME, tags[n++][1] = test_elf_add_string(strtab, strsz, e->soname);
  return n;
}

/* The file, newly allocated, its size in *len. */
static unsigned char *test_elf_build(const test_elf *e, size_t *len)
{
  unsigned char strtab[1024] = {0};
  size_t strsz = 1;
  uint64_t tags[16][2];
  size_t ntags = test_elf_dynamic(e, tags, strtab, &strsz);
  size_t ehsize = e->is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
  size_t phsize = e->is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
  size_t dynsize = e->is64 ? sizeof(Elf64_Dyn) : sizeof(Elf32_Dyn);
  size_t interp_off = ehsize + 3 * phsize;
  size_t interp_len = e->interp ? strlen(e->interp) + 1 : 0;
  size_t str_off = interp_off + interp_len;
  size_t dyn_off = (str_off + strsz + 7) & ~(size_t)7;
  size_t total = dyn_off + (ntags + 3) * dynsize; /* + STRTAB, STRSZ, NULL */
  unsigned char *b = calloc(1, total);
  memcpy(b, ELFMAG, SELFMAG);
  b[EI_CLASS] = e->is64 ? ELFCLASS64 : ELFCLASS32;
  b[EI_DATA] = e->big_endian ? ELFDATA2MSB : ELFDATA2LSB;
  b[EI_VERSION] = EV_CURRENT;
  TEST_ELF_SET(e, b, 0, Elf32_Ehdr, Elf64_Ehdr, e_type, e->type ? e->type : ET_DYN);
  TEST_ELF_SET(e, b, 0, Elf32_Ehdr, Elf64_Ehdr, e_machine, e->machine ? e->machine : EM_X86_64);
  TEST_ELF_SET(e, b, 0, Elf32_Ehdr, Elf64_Ehdr, e_version, EV_CURRENT);
  TEST_ELF_SET(e, b, 0, Elf32_Ehdr, Elf64_Ehdr, e_phoff, ehsize);
  TEST_ELF_SET(e, b, 0, Elf32_Ehdr, Elf64_Ehdr, e_ehsize, ehsize);
  TEST_ELF_SET(e, b, 0, Elf32_Ehdr, Elf64_Ehdr, e_phentsize, phsize);
  TEST_ELF_SET(e, b, 0, Elf32_Ehdr, Elf64_Ehdr, e_phnum, 3);
  struct {
    uint32_t type;
    size_t off, size;
  } ph[3] = {{PT_LOAD, 0, total},
             {e->interp ? PT_INTERP : PT_NULL, interp_off, interp_len},
             {PT_DYNAMIC, dyn_off, (ntags + 3) * dynsize}};
  for (size_t i = 0; i < 3; i++) {
    size_t at = ehsize + i * phsize;
    TEST_ELF_SET(e, b, at, Elf32_Phdr, Elf64_Phdr, p_type, ph[i].type);
    TEST_ELF_SET(e, b, at, Elf32_Phdr, Elf64_Phdr, p_offset, ph[i].off);
    TEST_ELF_SET(e, b, at, Elf32_Phdr, Elf64_Phdr, p_vaddr, TEST_ELF_BASE + ph[i].off);
    TEST_ELF_SET(e, b, at, Elf32_Phdr, Elf64_Phdr, p_filesz, ph[i].size);
    TEST_ELF_SET(e, b, at, Elf32_Phdr, Elf64_Phdr, p_memsz, ph[i].size);
  }
  if (e->interp)
    memcpy(b + interp_off, e->interp, interp_len);
  memcpy(b + str_off, strtab, strsz);
  tags[ntags][0] = DT_STRTAB, tags[ntags++][1] = TEST_ELF_BASE + str_off;
  tags[ntags][0] = DT_STRSZ, tags[ntags++][1] = strsz;
  for (size_t i = 0; i < ntags; i++) {
    TEST_ELF_SET(e, b, dyn_off + i * dynsize, Elf32_Dyn, Elf64_Dyn, d_tag, tags[i][0]);
    TEST_ELF_SET(e, b, dyn_off + i * dynsize, Elf32_Dyn, Elf64_Dyn, d_un, tags[i][1]);
  }
  *len = total;
  return b;
}

#endif
