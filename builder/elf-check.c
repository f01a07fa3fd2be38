/* elf-check.c: the `#!` line and the ELF dynamic-loading facts of a
 * program (elf-check.h).  The ELF layout is the one <elf.h> describes;
 * fields are read through offsetof/sizeof of its structures, a byte at a
 * time in the file's byte order, so neither alignment nor the host's byte
 * order matters, and every read is checked against the buffer. */
#include "elf-check.h"

#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Limits on counts a hostile file could make huge. */
#define MAX_PHDRS 65536
#define MAX_DYNAMIC 65536
#define MAX_NEEDED 4096

typedef struct elf_reader {
  const unsigned char *data;
  size_t len;
  bool is64;
  bool big_endian;
} elf_reader;

/* The unsigned integer of `width` bytes at base + off. */
static bool read_uint(const elf_reader *r, uint64_t base, size_t off, size_t width, uint64_t *out)
{
  if (base > r->len || off > r->len - base || width > r->len - base - off)
    return false;
  const unsigned char *p = r->data + base + off;
  uint64_t v = 0;
  for (size_t i = 0; i < width; i++)
    v = r->big_endian ? (v << 8) | p[i] : v | ((uint64_t)p[i] << (8 * i));
  *out = v;
  return true;
}

/* Field f of the structure T32 or T64 (by the file's class) at base. */
#define ELF_FIELD(r, base, T32, T64, f, out)                                                       \
  read_uint(r, base, (r)->is64 ? offsetof(T64, f) : offsetof(T32, f),                              \
            (r)->is64 ? sizeof(((T64 *)0)->f) : sizeof(((T32 *)0)->f), out)
#define EHDR(r, f, out) ELF_FIELD(r, 0, Elf32_Ehdr, Elf64_Ehdr, f, out)
#define PHDR(r, base, f, out) ELF_FIELD(r, base, Elf32_Phdr, Elf64_Phdr, f, out)
#define SHDR(r, base, f, out) ELF_FIELD(r, base, Elf32_Shdr, Elf64_Shdr, f, out)
#define DYN(r, base, f, out) ELF_FIELD(r, base, Elf32_Dyn, Elf64_Dyn, f, out)

bool sc_elf_has_magic(const void *data, size_t len)
{
  return len >= SELFMAG && memcmp(data, ELFMAG, SELFMAG) == 0;
}

void sc_elf_info_clear(sc_elf_info *info)
{
  free(info->interp);
  sc_strv_free(info->needed);
  free(info->rpath);
  free(info->runpath);
  free(info->soname);
  *info = (sc_elf_info){0};
}

const char *sc_elf_machine_name(uint16_t machine)
{
  switch (machine) {
  case EM_X86_64:
    return "x86_64";
  case EM_386:
    return "i386";
  case EM_AARCH64:
    return "aarch64";
  case EM_ARM:
    return "arm";
  case EM_PPC64:
    return "ppc64";
  case EM_PPC:
    return "ppc";
  case EM_S390:
    return "s390x";
  case EM_RISCV:
    return "riscv64";
  case EM_MIPS:
    return "mips";
  default:
    return NULL;
  }
}

#ifndef EM_LOONGARCH
#define EM_LOONGARCH 258 /* newer than some <elf.h> */
#endif

const char *sc_elf_goarch(const sc_elf_info *elf)
{
  /* Class and byte order tell the GOARCH names of one machine apart. */
  switch (elf->machine) {
  case EM_X86_64:
    return elf->is64 ? "amd64" : NULL; /* x32 is no image platform */
  case EM_386:
    return "386";
  case EM_AARCH64:
    return elf->big_endian ? NULL : "arm64";
  case EM_ARM:
    return elf->big_endian ? NULL : "arm";
  case EM_PPC64:
    return elf->big_endian ? "ppc64" : "ppc64le";
  case EM_S390:
    return elf->is64 ? "s390x" : "s390";
  case EM_RISCV:
    return elf->is64 ? "riscv64" : NULL;
  case EM_MIPS:
    return elf->is64 ? (elf->big_endian ? "mips64" : "mips64le")
                     : (elf->big_endian ? "mips" : "mipsle");
  case EM_LOONGARCH:
    return elf->is64 ? "loong64" : NULL;
  default:
    return NULL;
  }
}

/* A table of `count` entries of `entsize` bytes at `off` lies inside the file. */
static bool table_fits(const elf_reader *r, uint64_t off, uint64_t count, uint64_t entsize)
{
  if (off > r->len)
    return false;
  return count == 0 || (entsize != 0 && count <= (r->len - off) / entsize);
}

typedef struct elf_phdrs {
  uint64_t off, entsize, count;
} elf_phdrs;

static int read_header(elf_reader *r, sc_elf_info *out, elf_phdrs *ph, sc_error *err)
{
  const unsigned char *id = r->data;
  if (r->len < EI_NIDENT || !sc_elf_has_magic(id, r->len))
    return sc_error_set(err, SC_E_INVALID, "not an ELF file");
  if (id[EI_CLASS] != ELFCLASS32 && id[EI_CLASS] != ELFCLASS64)
    return sc_error_set(err, SC_E_INVALID, "unknown ELF class %u", id[EI_CLASS]);
  if (id[EI_DATA] != ELFDATA2LSB && id[EI_DATA] != ELFDATA2MSB)
    return sc_error_set(err, SC_E_INVALID, "unknown ELF byte order %u", id[EI_DATA]);
  r->is64 = out->is64 = id[EI_CLASS] == ELFCLASS64;
  r->big_endian = out->big_endian = id[EI_DATA] == ELFDATA2MSB;
  uint64_t type, machine, phnum, shoff;
  if (!EHDR(r, e_type, &type) || !EHDR(r, e_machine, &machine) || !EHDR(r, e_phoff, &ph->off) ||
      !EHDR(r, e_phentsize, &ph->entsize) || !EHDR(r, e_phnum, &phnum) || !EHDR(r, e_shoff, &shoff))
    return sc_error_set(err, SC_E_INVALID, "truncated ELF header");
  out->type = (uint16_t)type;
  out->machine = (uint16_t)machine;
  /* More than 0xfffe program headers: the count is in section 0's sh_info. */
  if (phnum == PN_XNUM && (shoff == 0 || !SHDR(r, shoff, sh_info, &phnum)))
    return sc_error_set(err, SC_E_INVALID, "program header count beyond the end of the file");
  size_t min_entsize = r->is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
  if (phnum > 0 && ph->entsize < min_entsize)
    return sc_error_set(err, SC_E_INVALID, "program header size %llu is too small",
                        (unsigned long long)ph->entsize);
  if (phnum > MAX_PHDRS || !table_fits(r, ph->off, phnum, ph->entsize))
    return sc_error_set(err, SC_E_INVALID, "program headers beyond the end of the file");
  ph->count = phnum;
  return 0;
}

/* A NUL-terminated string at off, ending before `end`. */
static char *string_at(const elf_reader *r, uint64_t off, uint64_t end)
{
  if (end > r->len || off >= end)
    return NULL;
  const char *s = (const char *)r->data + off;
  const char *nul = memchr(s, '\0', (size_t)(end - off));
  return nul ? xstrndup(s, (size_t)(nul - s)) : NULL;
}

static int read_interp(const elf_reader *r, uint64_t phdr, sc_elf_info *out, sc_error *err)
{
  uint64_t off, size;
  if (!PHDR(r, phdr, p_offset, &off) || !PHDR(r, phdr, p_filesz, &size) || off > r->len ||
      size > r->len - off)
    return sc_error_set(err, SC_E_INVALID, "PT_INTERP beyond the end of the file");
  free(out->interp);
  out->interp = string_at(r, off, off + size);
  if (out->interp == NULL || out->interp[0] == '\0')
    return sc_error_set(err, SC_E_INVALID, "PT_INTERP is not a path");
  return 0;
}

/* The file offset of virtual address addr: through the PT_LOAD segment
 * that maps it from the file (ld.so reads DT_STRTAB from memory). */
static bool vaddr_to_offset(const elf_reader *r, const elf_phdrs *ph, uint64_t addr, uint64_t *off,
                            uint64_t *avail)
{
  for (uint64_t i = 0; i < ph->count; i++) {
    uint64_t base = ph->off + i * ph->entsize, type, vaddr, poff, filesz;
    if (!PHDR(r, base, p_type, &type) || type != PT_LOAD || !PHDR(r, base, p_vaddr, &vaddr) ||
        !PHDR(r, base, p_offset, &poff) || !PHDR(r, base, p_filesz, &filesz))
      continue;
    if (addr < vaddr || addr - vaddr >= filesz || poff > r->len)
      continue;
    uint64_t delta = addr - vaddr;
    if (delta > r->len - poff)
      return false;
    *off = poff + delta;
    *avail = filesz - delta;
    return true;
  }
  return false;
}

typedef struct dyn_scan {
  uint64_t strtab, strsz;
  bool has_strtab, has_strsz;
  uint64_t needed[MAX_NEEDED];
  size_t needed_count;
  int64_t rpath, runpath, soname; /* string offsets, -1 when absent */
} dyn_scan;

static int scan_dynamic(const elf_reader *r, uint64_t phdr, dyn_scan *d, sc_error *err)
{
  uint64_t off, size;
  if (!PHDR(r, phdr, p_offset, &off) || !PHDR(r, phdr, p_filesz, &size) || off > r->len ||
      size > r->len - off)
    return sc_error_set(err, SC_E_INVALID, "PT_DYNAMIC beyond the end of the file");
  uint64_t entsize = r->is64 ? sizeof(Elf64_Dyn) : sizeof(Elf32_Dyn);
  uint64_t count = size / entsize;
  for (uint64_t i = 0; i < count && i < MAX_DYNAMIC; i++) {
    uint64_t tag, val;
    if (!DYN(r, off + i * entsize, d_tag, &tag) || !DYN(r, off + i * entsize, d_un, &val))
      break;
    if (tag == DT_NULL)
      break;
    if (tag == DT_NEEDED && d->needed_count >= MAX_NEEDED)
      return sc_error_set(err, SC_E_INVALID, "more than %d DT_NEEDED entries", MAX_NEEDED);
    switch (tag) {
    case DT_NEEDED:
      d->needed[d->needed_count++] = val;
      break;
    case DT_STRTAB:
      d->strtab = val, d->has_strtab = true;
      break;
    case DT_STRSZ:
      d->strsz = val, d->has_strsz = true;
      break;
    case DT_RPATH:
      d->rpath = (int64_t)(val & INT64_MAX);
      break;
    case DT_RUNPATH:
      d->runpath = (int64_t)(val & INT64_MAX);
      break;
    case DT_SONAME:
      d->soname = (int64_t)(val & INT64_MAX);
      break;
    default:
      break;
    }
  }
  return 0;
}

/* The dynamic string at index idx of the string table [off, off + size). */
static char *dyn_string(const elf_reader *r, uint64_t off, uint64_t size, uint64_t idx,
                        const char *what, sc_error *err)
{
  char *s = idx < size ? string_at(r, off + idx, off + size) : NULL;
  if (s == NULL)
    sc_error_set(err, SC_E_INVALID, "%s is outside the dynamic string table", what);
  return s;
}

static int read_dyn_strings(const elf_reader *r, const elf_phdrs *ph, const dyn_scan *d,
                            sc_elf_info *out, sc_error *err)
{
  if (d->needed_count == 0 && d->rpath < 0 && d->runpath < 0 && d->soname < 0)
    return 0;
  uint64_t off, avail;
  if (!d->has_strtab || !vaddr_to_offset(r, ph, d->strtab, &off, &avail))
    return sc_error_set(err, SC_E_INVALID, "DT_STRTAB is missing or not in a loaded segment");
  uint64_t size = d->has_strsz && d->strsz < avail ? d->strsz : avail;
  if (size > r->len - off)
    size = r->len - off;
  for (size_t i = 0; i < d->needed_count; i++) {
    _cleanup_free_ char *name = dyn_string(r, off, size, d->needed[i], "DT_NEEDED", err);
    if (name == NULL)
      return -1;
    sc_strv_push(&out->needed, name);
  }
  struct {
    int64_t idx;
    char **dst;
    const char *what;
  } strings[] = {{d->rpath, &out->rpath, "DT_RPATH"},
                 {d->runpath, &out->runpath, "DT_RUNPATH"},
                 {d->soname, &out->soname, "DT_SONAME"}};
  for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
    if (strings[i].idx >= 0 && (*strings[i].dst = dyn_string(r, off, size, (uint64_t)strings[i].idx,
                                                             strings[i].what, err)) == NULL)
      return -1;
  return 0;
}

static int read_segments(const elf_reader *r, const elf_phdrs *ph, sc_elf_info *out, sc_error *err)
{
  _cleanup_free_ dyn_scan *d = xcalloc(1, sizeof *d);
  d->rpath = d->runpath = d->soname = -1;
  bool dynamic = false;
  for (uint64_t i = 0; i < ph->count; i++) {
    uint64_t base = ph->off + i * ph->entsize, type;
    if (!PHDR(r, base, p_type, &type))
      return sc_error_set(err, SC_E_INVALID, "truncated program header");
    if (type == PT_INTERP && read_interp(r, base, out, err) < 0)
      return -1;
    if (type == PT_DYNAMIC && !dynamic) {
      dynamic = true;
      if (scan_dynamic(r, base, d, err) < 0)
        return -1;
    }
  }
  return read_dyn_strings(r, ph, d, out, err);
}

int sc_elf_parse(const void *data, size_t len, sc_elf_info *out, sc_error *err)
{
  *out = (sc_elf_info){0};
  elf_reader r = {.data = data, .len = len};
  elf_phdrs ph = {0};
  if (read_header(&r, out, &ph, err) < 0 || read_segments(&r, &ph, out, err) < 0) {
    sc_elf_info_clear(out);
    return -1;
  }
  return 0;
}

/* ---- #! ---- */

void sc_shebang_clear(sc_shebang *shebang)
{
  free(shebang->interpreter);
  free(shebang->arg);
  *shebang = (sc_shebang){0};
}

static bool is_blank(char c)
{
  return c == ' ' || c == '\t';
}

/* As Linux 5.1+ load_script(): the interpreter is the first word after
 * `#!` (blanks skipped); the rest of the line, trimmed, is one argument.
 * A line longer than the buffer is fine unless the interpreter itself is
 * cut off (then the kernel returns ENOEXEC). */
int sc_shebang_parse(const void *data, size_t len, sc_shebang *out, sc_error *err)
{
  *out = (sc_shebang){0};
  const char *s = data;
  if (len < 2 || s[0] != '#' || s[1] != '!')
    return 0;
  /* The kernel's buffer ends with a NUL of its own. */
  size_t n = len < SC_SHEBANG_MAX - 1 ? len : SC_SHEBANG_MAX - 1;
  const char *nl = memchr(s, '\n', n);
  const char *nul = memchr(s, '\0', n);
  const char *end = nl ? nl : s + n;
  if (nul && nul < end)
    end = nul;
  const char *p = s + 2;
  while (p < end && is_blank(*p))
    p++;
  const char *interp = p;
  while (p < end && !is_blank(*p))
    p++;
  if (p == interp)
    return sc_error_set(err, SC_E_INVALID, "the #! line names no interpreter");
  if (p == s + n && nl == NULL && nul == NULL && len > n)
    return sc_error_set(err, SC_E_INVALID,
                        "the #! line's interpreter is cut off at %d bytes, as the kernel "
                        "reads it",
                        SC_SHEBANG_MAX - 1);
  out->interpreter = xstrndup(interp, (size_t)(p - interp));
  while (p < end && is_blank(*p))
    p++;
  const char *arg_end = end;
  /* Only blanks: a '\r' of a DOS line ending stays, as it does for the kernel. */
  while (arg_end > p && is_blank(arg_end[-1]))
    arg_end--;
  if (arg_end > p)
    out->arg = xstrndup(p, (size_t)(arg_end - p));
  return 1;
}
