/* elf-check.h: what the kernel and the dynamic loader need to start a
 * program, read from the program's bytes: the `#!` line of a script
 * (Linux fs/binfmt_script.c), and the loader (PT_INTERP) and libraries
 * (DT_NEEDED, DT_RPATH, DT_RUNPATH) of an ELF file (System V gABI, ch. 5
 * "Program Loading and Dynamic Linking"; <elf.h>).
 *
 * Both parsers take untrusted bytes: every offset, size and count is
 * checked against the buffer, for 32- and 64-bit files of either byte
 * order.  They allocate their results and never read past len. */
#ifndef SC_ELF_CHECK_H
#define SC_ELF_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sc/error.h>

/* Linux reads this much of a script for its `#!` line (BINPRM_BUF_SIZE). */
#define SC_SHEBANG_MAX 256

typedef struct sc_elf_info {
  bool is64;        /* ELFCLASS64 (else ELFCLASS32) */
  bool big_endian;  /* ELFDATA2MSB (else ELFDATA2LSB) */
  uint16_t type;    /* e_type: ET_EXEC, ET_DYN, ... */
  uint16_t machine; /* e_machine: EM_X86_64, EM_AARCH64, ... */
  char *interp;     /* PT_INTERP, or NULL for a static program */
  char **needed;    /* DT_NEEDED in file order (NULL-terminated), or NULL */
  char *rpath;      /* DT_RPATH, or NULL */
  char *runpath;    /* DT_RUNPATH, or NULL */
  char *soname;     /* DT_SONAME, or NULL */
} sc_elf_info;

/* True when data starts with the ELF magic (\177ELF). */
bool sc_elf_has_magic(const void *data, size_t len);
/* Parse an ELF file held whole in data.  Fails (SC_E_INVALID, saying what
 * is wrong) on a truncated or inconsistent file; the caller adds the name. */
int sc_elf_parse(const void *data, size_t len, sc_elf_info *out, sc_error *err);
void sc_elf_info_clear(sc_elf_info *info);
/* "x86_64", "aarch64", ... for messages and multiarch directories; NULL
 * when unknown. */
const char *sc_elf_machine_name(uint16_t machine);

/* The image platform architecture (Go's GOARCH, as image configs name
 * it) whose kernel runs this ELF file: "amd64", "arm64", "arm", "386",
 * "ppc64le", "s390x", ...; NULL when the machine is not one of them. */
const char *sc_elf_goarch(const sc_elf_info *elf);

typedef struct sc_shebang {
  char *interpreter; /* the path after `#!` */
  char *arg;         /* the optional single argument, or NULL */
} sc_shebang;

/* Parse the `#!` line at the start of data (at most SC_SHEBANG_MAX bytes
 * are looked at, as the kernel does).  Returns 1 with out filled, 0 when
 * data does not start with `#!`, -1 (SC_E_INVALID) when the kernel would
 * refuse the line: no interpreter, or one cut off by the size limit. */
int sc_shebang_parse(const void *data, size_t len, sc_shebang *out, sc_error *err);
void sc_shebang_clear(sc_shebang *shebang);

#endif
