/* validate-exec.c: can process.args[0] start?  It is looked up as runc
 * does, in the image a container would see (rootfs/ over the base image,
 * image-view.h), then followed as the kernel and the dynamic loader would:
 * a script's `#!` interpreter (Linux fs/binfmt_script.c, nested at most
 * BINPRM_MAX_RECURSION = 4 deep) and `#!/usr/bin/env X`'s X on the PATH;
 * an ELF program's PT_INTERP and its DT_NEEDED libraries, searched as
 * ld.so(8) "Search order" says, transitively.  Every problem is reported
 * at process.args[0] in config.json.template, naming the missing file. */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <elf.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "descriptor.h"
#include "elf-check.h"
#include "image-source.h"
#include "image-view.h"
#include "layer-cache.h"
#include "util.h"
#include "validate-checks.h"

/* runc's default when process.env has no PATH. */
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define MAX_SCRIPT_NESTING 4  /* BINPRM_MAX_RECURSION */
#define MAX_LIBRARIES 1024    /* objects followed before giving up */
#define MAX_CONF_INCLUDES 8   /* ld.so.conf include depth */
#define MAX_SEARCHED_SHOWN 12 /* directories a message lists */

typedef struct exec_ctx {
  sc_validation *v;
  sc_image_view *view;
  json_t *process;
  const char *arg0;
  const char *image; /* "rootfs/" or "rootfs/ over BASE", for messages */
  /* The platform whose image this is (each is checked), or NULL when the
   * build has one chosen as build chooses it. */
  const sc_platform *platform;
} exec_ctx;

static void exec_error(exec_ctx *c, const char *fmt, ...) SC_PRINTF(2, 3);
static void exec_error(exec_ctx *c, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  _cleanup_free_ char *msg = xvasprintf(fmt, ap);
  va_end(ap);
  sc_jsonpos_step path[] = {SC_JSONPOS_KEY("process"), SC_JSONPOS_KEY("args"), SC_JSONPOS_INDEX(0)};
  _cleanup_free_ char *platform = c->platform ? sc_platform_format(c->platform) : NULL;
  sc_validation_report_path(c->v, SC_DIAG_ERROR, c->v->project->config_name,
                            c->v->project->config_template.data, path, 3, false,
                            "process.args[0] '%s'%s%s%s: %s", c->arg0, platform ? " (" : "",
                            platform ? platform : "", platform ? ")" : "", msg);
}

static const char *env_value(json_t *process, const char *name)
{
  size_t i, n = strlen(name);
  json_t *entry;
  json_array_foreach(json_object_get(process, "env"), i, entry)
  {
    const char *s = json_string_value(entry);
    if (s && strncmp(s, name, n) == 0 && s[n] == '=')
      return s + n + 1;
  }
  return NULL;
}

static const char *env_path(json_t *process)
{
  const char *path = env_value(process, "PATH");
  return path ? path : DEFAULT_PATH;
}

/* path made absolute against process.cwd, as the kernel opens it. */
static char *from_cwd(exec_ctx *c, const char *path)
{
  const char *cwd = json_string_value(json_object_get(c->process, "cwd"));
  return path[0] == '/' ? xstrdup(path) : sc_path_join(cwd ? cwd : "/", path);
}

/* The candidates runc (and execvp) would try: name itself when it holds a
 * `/`, else each directory of the PATH. */
static char **exec_candidates(exec_ctx *c, const char *name)
{
  char **out = NULL;
  if (strchr(name, '/')) {
    _cleanup_free_ char *path = from_cwd(c, name);
    sc_strv_push(&out, path);
    return out;
  }
  _cleanup_free_ char *dirs = xstrdup(env_path(c->process));
  char *save = NULL;
  for (char *dir = strtok_r(dirs, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
    _cleanup_free_ char *candidate = sc_path_join(dir, name);
    sc_strv_push(&out, candidate);
  }
  return out;
}

/* ---- ld.so's search ---- */

typedef struct lib_search {
  exec_ctx *c;
  const sc_elf_info *exe;
  char *exe_origin;
  char **env_dirs;     /* LD_LIBRARY_PATH of process.env */
  char **system_dirs;  /* ld.so.conf, then the built-in directories */
  char **loaded;       /* DT_NEEDED names and sonames already satisfied */
  char **missing;      /* reported once each */
  char **queue_paths;  /* objects whose DT_NEEDED are still to follow */
  char **queue_origin; /* their $ORIGIN */
} lib_search;

static void lib_search_clear(lib_search *s)
{
  free(s->exe_origin);
  sc_strv_free(s->env_dirs);
  sc_strv_free(s->system_dirs);
  sc_strv_free(s->loaded);
  sc_strv_free(s->missing);
  sc_strv_free(s->queue_paths);
  sc_strv_free(s->queue_origin);
}

static void push_unique(char ***v, const char *s)
{
  if (s[0] && !sc_strv_contains(*v, s))
    sc_strv_push(v, s);
}

/* Debian's multiarch directory name (the GNU triplet) for the machine. */
static const char *multiarch_triplet(const sc_elf_info *elf)
{
  switch (elf->machine) {
  case EM_X86_64:
    return elf->is64 ? "x86_64-linux-gnu" : "x86_64-linux-gnux32";
  case EM_386:
    return "i386-linux-gnu";
  case EM_AARCH64:
    return "aarch64-linux-gnu";
  case EM_ARM:
    return "arm-linux-gnueabihf";
  case EM_PPC64:
    return elf->big_endian ? "powerpc64-linux-gnu" : "powerpc64le-linux-gnu";
  case EM_S390:
    return "s390x-linux-gnu";
  case EM_RISCV:
    return "riscv64-linux-gnu";
  default:
    return NULL;
  }
}

enum { TOKEN_ORIGIN, TOKEN_LIB, TOKEN_PLATFORM, TOKEN_NONE };

/* The dynamic string token at p ($NAME or ${NAME}) and its length. */
static int token_at(const char *p, size_t *len)
{
  static const char *const names[] = {"ORIGIN", "LIB", "PLATFORM"};
  for (int k = 0; p[0] == '$' && k < TOKEN_NONE; k++) {
    size_t n = strlen(names[k]);
    bool bare =
        strncmp(p + 1, names[k], n) == 0 && p[1 + n] != '_' && !isalnum((unsigned char)p[1 + n]);
    bool braced = p[1] == '{' && strncmp(p + 2, names[k], n) == 0 && p[2 + n] == '}';
    if (bare || braced) {
      *len = bare ? 1 + n : 3 + n;
      return k;
    }
  }
  return TOKEN_NONE;
}

/* Replace $ORIGIN, $LIB and $PLATFORM (also as ${...}) in one RPATH or
 * RUNPATH entry, ld.so(8) "Dynamic string tokens".  $LIB depends on the
 * distribution (lib64 on Fedora, lib/x86_64-linux-gnu on Debian): each of
 * its values is tried. */
static void expand_tokens(const lib_search *s, const char *entry, const char *origin, char ***out)
{
  const char *triplet = multiarch_triplet(s->exe);
  const char *platform = sc_elf_machine_name(s->exe->machine);
  _cleanup_free_ char *multi = triplet ? xasprintf("lib/%s", triplet) : NULL;
  const char *libs[] = {s->exe->is64 ? "lib64" : "lib32", "lib", multi};
  size_t nlib = strstr(entry, "LIB") ? sizeof libs / sizeof libs[0] : 1;
  for (size_t i = 0; i < nlib; i++) {
    if (libs[i] == NULL)
      continue;
    sc_buf b = SC_BUF_INIT;
    for (const char *p = entry; *p;) {
      size_t len = 0;
      int token = token_at(p, &len);
      if (token == TOKEN_NONE) {
        sc_buf_putc(&b, *p++);
        continue;
      }
      sc_buf_puts(&b, token == TOKEN_ORIGIN ? origin
                      : token == TOKEN_LIB  ? libs[i]
                      : platform            ? platform
                                            : "");
      p += len;
    }
    if (b.len)
      push_unique(out, b.data);
    sc_buf_free(&b);
  }
}

static void add_path_list(const lib_search *s, const char *list, const char *origin, char ***out)
{
  if (list == NULL)
    return;
  _cleanup_free_ char *copy = xstrdup(list);
  char *save = NULL;
  for (char *e = strtok_r(copy, ":", &save); e; e = strtok_r(NULL, ":", &save))
    expand_tokens(s, e, origin, out);
}

static void read_ld_conf(lib_search *s, const char *path, int depth, char ***dirs);

/* `include PATTERN` of ld.so.conf: a glob in its last component, relative
 * to the including file's directory (ldconfig(8)). */
static void include_ld_conf(lib_search *s, const char *from, const char *pattern, int depth,
                            char ***dirs)
{
  _cleanup_free_ char *from_dir = sc_path_dirname(from);
  _cleanup_free_ char *full =
      pattern[0] == '/' ? xstrdup(pattern) : sc_path_join(from_dir, pattern);
  _cleanup_free_ char *dir = sc_path_dirname(full);
  _cleanup_free_ char *glob = sc_path_basename(full);
  _cleanup_strv_ char **names = sc_image_view_list(s->c->view, dir);
  for (size_t i = 0; names && names[i]; i++) {
    if (fnmatch(glob, names[i], FNM_PERIOD) != 0)
      continue;
    _cleanup_free_ char *file = sc_path_join(dir, names[i]);
    read_ld_conf(s, file, depth + 1, dirs);
  }
}

/* The directories of /etc/ld.so.conf (which ldconfig puts in ld.so.cache). */
static void read_ld_conf(lib_search *s, const char *path, int depth, char ***dirs)
{
  sc_view_content content;
  sc_error err = SC_ERROR_INIT;
  if (depth > MAX_CONF_INCLUDES || sc_image_view_content(s->c->view, path, &content, &err) < 0 ||
      content.head == NULL) {
    sc_error_clear(&err);
    return;
  }
  _cleanup_free_ char *text = xstrndup((const char *)content.head, content.head_len);
  char *save = NULL;
  for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    line[strcspn(line, "#")] = '\0';
    line += strspn(line, " \t");
    if (strncmp(line, "include", 7) == 0 && (line[7] == ' ' || line[7] == '\t')) {
      char *pattern = line + 7 + strspn(line + 7, " \t");
      pattern[strcspn(pattern, " \t\r")] = '\0';
      include_ld_conf(s, path, pattern, depth, dirs);
      continue;
    }
    if (strncmp(line, "hwcap", 5) == 0)
      continue;
    char *save2 = NULL;
    for (char *d = strtok_r(line, " \t\r:,", &save2); d; d = strtok_r(NULL, " \t\r:,", &save2))
      if (d[0] == '/')
        push_unique(dirs, d);
  }
}

/* musl's search path: /etc/ld-musl-ARCH.path when the image has one, else
 * its built-in /lib:/usr/local/lib:/usr/lib (musl ldso/dynlink.c). */
static bool musl_dirs(lib_search *s, const char *interp, char ***dirs)
{
  _cleanup_free_ char *base = sc_path_basename(interp);
  if (!sc_str_has_prefix(base, "ld-musl-"))
    return false;
  char *dot = strstr(base, ".so");
  if (dot)
    *dot = '\0';
  _cleanup_free_ char *conf = xasprintf("/etc/%s.path", base);
  sc_view_content content;
  sc_error err = SC_ERROR_INIT;
  _cleanup_free_ char *text = NULL;
  if (sc_image_view_content(s->c->view, conf, &content, &err) == 0 && content.head)
    text = xstrndup((const char *)content.head, content.head_len);
  sc_error_clear(&err);
  char *save = NULL;
  if (text == NULL)
    text = xstrdup("/lib:/usr/local/lib:/usr/lib");
  for (char *d = strtok_r(text, ":\n", &save); d; d = strtok_r(NULL, ":\n", &save))
    push_unique(dirs, d);
  return true;
}

/* glibc: ld.so.cache (made from ld.so.conf), then the built-in
 * directories, which differ between distributions (/lib64 on Fedora,
 * /lib/x86_64-linux-gnu on Debian): all of them are tried. */
static void system_dirs(lib_search *s)
{
  if (musl_dirs(s, s->exe->interp, &s->system_dirs))
    return;
  read_ld_conf(s, "/etc/ld.so.conf", 0, &s->system_dirs);
  const char *triplet = multiarch_triplet(s->exe);
  if (triplet) {
    _cleanup_free_ char *lib = xasprintf("/lib/%s", triplet);
    _cleanup_free_ char *usr = xasprintf("/usr/lib/%s", triplet);
    push_unique(&s->system_dirs, lib);
    push_unique(&s->system_dirs, usr);
  }
  push_unique(&s->system_dirs, s->exe->is64 ? "/lib64" : "/lib32");
  push_unique(&s->system_dirs, s->exe->is64 ? "/usr/lib64" : "/usr/lib32");
  push_unique(&s->system_dirs, "/lib");
  push_unique(&s->system_dirs, "/usr/lib");
}

/* The directories searched for a DT_NEEDED name of obj, in ld.so's order:
 * DT_RPATH of obj and of the program (unless obj has DT_RUNPATH),
 * LD_LIBRARY_PATH, DT_RUNPATH of obj, then the system's. */
static char **search_dirs(lib_search *s, const sc_elf_info *obj, const char *origin)
{
  char **dirs = NULL;
  if (obj->runpath == NULL) {
    add_path_list(s, obj->rpath, origin, &dirs);
    if (obj != s->exe && s->exe->runpath == NULL)
      add_path_list(s, s->exe->rpath, s->exe_origin, &dirs);
  }
  for (size_t i = 0; s->env_dirs && s->env_dirs[i]; i++)
    push_unique(&dirs, s->env_dirs[i]);
  add_path_list(s, obj->runpath, origin, &dirs);
  for (size_t i = 0; s->system_dirs && s->system_dirs[i]; i++)
    push_unique(&dirs, s->system_dirs[i]);
  return dirs;
}

/* "PATH is a dangling symlink to TARGET" when path is a symlink whose
 * target is not in the image (stat said ENOENT), else NULL: the file is
 * there, but what it names is not, which "missing" would hide. */
static char *dangling_symlink(exec_ctx *c, const char *path)
{
  _cleanup_free_ char *target = sc_image_view_readlink(c->view, path);
  if (target == NULL)
    return NULL;
  return xasprintf("%s is a dangling symlink to %s, which is not in %s", path, target, c->image);
}

/* The library at path when ld.so would load it: a regular file, an ELF
 * object of the program's class and machine (ld.so skips others and
 * searches on); *resolved is where it is, every symlink followed.  Else
 * NULL, and *why says what is there instead (for the first such file met,
 * so that a message does not call "missing" a file that is present but
 * unusable, or a symlink that leads nowhere). */
static const sc_elf_info *usable_library(lib_search *s, const char *path, char **resolved,
                                         char **why)
{
  sc_view_file st;
  sc_view_content content;
  sc_error err = SC_ERROR_INIT;
  bool found = sc_image_view_stat(s->c->view, path, &st) == 0;
  bool regular = found && st.type == SC_VIEW_REG;
  const sc_elf_info *elf = NULL;
  if (regular && sc_image_view_content(s->c->view, path, &content, &err) == 0)
    elf = content.elf;
  sc_error_clear(&err);
  if (!found && *why == NULL)
    *why = dangling_symlink(s->c, path);
  const char *wrong = !found     ? NULL
                      : !regular ? "is not a regular file"
                      : !elf     ? "is not an ELF file"
                      : elf->is64 != s->exe->is64 || elf->machine != s->exe->machine
                          ? "is built for another class or machine, which ld.so skips"
                          : NULL;
  if (wrong) {
    if (*why == NULL)
      *why = xasprintf("%s is there but %s", path, wrong);
    elf = NULL;
  } else if (elf) {
    *resolved = steal_pointer(&st.path);
  }
  sc_view_file_clear(&st);
  return elf;
}

static char *searched_list(char **dirs)
{
  sc_buf b = SC_BUF_INIT;
  size_t n = sc_strv_length(dirs);
  for (size_t i = 0; i < n && i < MAX_SEARCHED_SHOWN; i++)
    sc_buf_printf(&b, "%s%s", i ? ", " : "", dirs[i]);
  if (n > MAX_SEARCHED_SHOWN)
    sc_buf_printf(&b, " and %zu more", n - MAX_SEARCHED_SHOWN);
  return sc_buf_steal(&b);
}

/* Find one DT_NEEDED name of the object at `by`; queue what it needs. */
static void find_library(lib_search *s, const char *name, const char *by, const sc_elf_info *obj,
                         const char *origin)
{
  if (sc_strv_contains(s->loaded, name) || sc_strv_contains(s->missing, name))
    return;
  _cleanup_strv_ char **dirs = NULL;
  if (strchr(name, '/'))
    sc_strv_push(&dirs, "");
  else
    dirs = search_dirs(s, obj, origin);
  _cleanup_free_ char *why = NULL;
  for (size_t i = 0; dirs && dirs[i]; i++) {
    _cleanup_free_ char *path = dirs[i][0] ? sc_path_join(dirs[i], name) : from_cwd(s->c, name);
    _cleanup_free_ char *resolved = NULL;
    const sc_elf_info *lib = usable_library(s, path, &resolved, &why);
    if (lib == NULL)
      continue;
    sc_strv_push(&s->loaded, name);
    if (lib->soname)
      push_unique(&s->loaded, lib->soname);
    /* $ORIGIN is the directory it was found in (glibc's l_origin) */
    _cleanup_free_ char *lib_origin = sc_path_dirname(path);
    sc_strv_push(&s->queue_paths, resolved);
    sc_strv_push(&s->queue_origin, lib_origin);
    return;
  }
  sc_strv_push(&s->missing, name);
  _cleanup_free_ char *searched = searched_list(dirs);
  if (why)
    exec_error(s->c, "%s, which %s needs (DT_NEEDED), cannot be loaded from %s: %s (searched %s)",
               name, by, s->c->image, why, strchr(name, '/') ? name : searched);
  else
    exec_error(s->c,
               "%s, which %s needs (DT_NEEDED), is missing from %s: ld.so would not find "
               "it (searched %s)",
               name, by, s->c->image, strchr(name, '/') ? name : searched);
}

/* The libraries of program (at path) and of every library it loads,
 * breadth first as ld.so loads them. */
static void check_libraries(exec_ctx *c, const char *path, const sc_elf_info *program)
{
  lib_search s = {.c = c, .exe = program, .exe_origin = sc_path_dirname(path)};
  add_path_list(&s, env_value(c->process, "LD_LIBRARY_PATH"), s.exe_origin, &s.env_dirs);
  system_dirs(&s);
  for (size_t i = 0; program->needed && program->needed[i]; i++)
    find_library(&s, program->needed[i], path, program, s.exe_origin);
  for (size_t q = 0; q < sc_strv_length(s.queue_paths) && q < MAX_LIBRARIES; q++) {
    sc_view_content content;
    sc_error err = SC_ERROR_INIT;
    _cleanup_free_ char *lib = xstrdup(s.queue_paths[q]);
    _cleanup_free_ char *origin = xstrdup(s.queue_origin[q]);
    if (sc_image_view_content(c->view, lib, &content, &err) < 0 || content.elf == NULL) {
      sc_error_clear(&err);
      continue;
    }
    for (size_t i = 0; content.elf->needed && content.elf->needed[i]; i++)
      find_library(&s, content.elf->needed[i], lib, content.elf, origin);
  }
  lib_search_clear(&s);
}

/* ---- programs ---- */

static void check_program(exec_ctx *c, const char *path, int depth);

/* What a found interpreter or program must be for execve(2). */
static bool check_runnable(exec_ctx *c, const sc_view_file *st, const char *what)
{
  if (st->type != SC_VIEW_REG)
    exec_error(c, "%s %s is not a regular file", what, st->path);
  else if ((st->mode & 0111) == 0)
    exec_error(c, "%s %s is not executable (chmod +x it)", what, st->path);
  return st->type == SC_VIEW_REG && (st->mode & 0111) != 0;
}

/* The platform's kernel runs only its own machine's programs. */
static bool check_machine(exec_ctx *c, const char *path, const sc_elf_info *elf)
{
  if (c->platform == NULL)
    return true;
  const char *arch = sc_elf_goarch(elf);
  if (arch && strcmp(arch, c->platform->architecture) == 0)
    return true;
  const char *machine = sc_elf_machine_name(elf->machine);
  _cleanup_free_ char *want = sc_platform_format(c->platform);
  _cleanup_free_ char *dir = sc_project_platform_rootfs_name(c->platform);
  exec_error(c,
             "%s is an ELF program for %s (e_machine %u, %d-bit), not for %s, whose kernel "
             "cannot run it (exec format error): put the %s build in %s/",
             path,
             arch      ? arch
             : machine ? machine
                       : "another machine",
             elf->machine, elf->is64 ? 64 : 32, want, c->platform->architecture, dir);
  return false;
}

static void check_elf(exec_ctx *c, const char *path, const sc_elf_info *elf)
{
  if (elf->type != ET_EXEC && elf->type != ET_DYN) {
    exec_error(c, "%s is an ELF file of type %u, not a program (exec format error)", path,
               elf->type);
    return;
  }
  if (!check_machine(c, path, elf))
    return;
  if (elf->interp == NULL)
    return; /* static: nothing else to load */
  sc_view_file st;
  int r = sc_image_view_stat(c->view, elf->interp, &st);
  _cleanup_free_ char *dangling = r == -ENOENT ? dangling_symlink(c, elf->interp) : NULL;
  if (dangling)
    exec_error(c, "the ELF interpreter (PT_INTERP) of %s cannot be run: %s", path, dangling);
  else if (r < 0)
    exec_error(c, "%s, the ELF interpreter (PT_INTERP) of %s, is missing from %s (%s)", elf->interp,
               path, c->image, strerror(-r));
  else
    check_runnable(c, &st, "the ELF interpreter");
  sc_view_file_clear(&st);
  /* Even without the loader: what else is missing is worth knowing now. */
  check_libraries(c, path, elf);
}

/* The command `#!/usr/bin/env ARG` runs: ARG is one word for the kernel,
 * which env splits only after -S (GNU env(1)); NAME=VALUE words are
 * assignments.  NULL when env is given other options (not followed). */
static char *env_command(const char *arg)
{
  const char *p = arg;
  bool split = false;
  if (strncmp(p, "-S", 2) == 0) {
    split = true;
    p += 2;
  }
  while (split && *p) {
    p += strspn(p, " \t");
    size_t n = strcspn(p, " \t");
    if (n > 0 && p[0] != '-' && memchr(p, '=', n) == NULL)
      return xstrndup(p, n);
    p += n;
  }
  return !split && arg[0] != '-' && strchr(arg, '=') == NULL ? xstrdup(arg) : NULL;
}

static void check_env_command(exec_ctx *c, const char *script, const char *arg, int depth)
{
  _cleanup_free_ char *command = env_command(arg);
  if (command == NULL)
    return;
  _cleanup_strv_ char **candidates = exec_candidates(c, command);
  for (size_t i = 0; candidates && candidates[i]; i++) {
    sc_view_file st;
    if (sc_image_view_stat(c->view, candidates[i], &st) == 0 && st.type == SC_VIEW_REG &&
        (st.mode & 0111)) {
      check_program(c, st.path, depth + 1);
      sc_view_file_clear(&st);
      return;
    }
    sc_view_file_clear(&st);
  }
  exec_error(c,
             "'%s', which the #! line of %s runs through env, is missing from %s (looked "
             "in %s)",
             command, script, c->image, strchr(command, '/') ? command : env_path(c->process));
}

static void check_script(exec_ctx *c, const char *path, const sc_view_content *content, int depth)
{
  sc_shebang sb;
  sc_error err = SC_ERROR_INIT;
  if (sc_shebang_parse(content->head, content->head_len, &sb, &err) < 0) {
    exec_error(c, "%s: %s (exec format error)", path, err.msg);
    sc_error_clear(&err);
    return;
  }
  if (depth >= MAX_SCRIPT_NESTING) {
    exec_error(c,
               "%s: #! interpreters nest more than %d deep, which the kernel refuses (a "
               "script that names itself?)",
               path, MAX_SCRIPT_NESTING);
    sc_shebang_clear(&sb);
    return;
  }
  _cleanup_free_ char *interp = from_cwd(c, sb.interpreter);
  sc_view_file st;
  int r = sc_image_view_stat(c->view, interp, &st);
  bool dos = sc_str_has_suffix(sb.interpreter, "\r");
  if (r < 0)
    exec_error(c, "%s, the interpreter on the #! line of %s, is missing from %s%s", interp, path,
               c->image, dos ? " (the script has DOS line endings: the name ends in \\r)" : "");
  else if (check_runnable(c, &st, "the #! interpreter")) {
    check_program(c, st.path, depth + 1);
    _cleanup_free_ char *base = sc_path_basename(interp);
    if (strcmp(base, "env") == 0 && sb.arg)
      check_env_command(c, path, sb.arg, depth);
  }
  sc_view_file_clear(&st);
  sc_shebang_clear(&sb);
}

/* path (resolved, a regular file) as execve(2) would take it. */
static void check_program(exec_ctx *c, const char *path, int depth)
{
  sc_view_content content;
  sc_error err = SC_ERROR_INIT;
  if (sc_image_view_content(c->view, path, &content, &err) < 0) {
    exec_error(c, "%s", err.msg);
    sc_error_clear(&err);
  } else if (content.too_large) {
    return; /* not read: nothing to say */
  } else if (content.elf_error) {
    exec_error(c, "%s is not a valid ELF file: %s", path, content.elf_error);
  } else if (content.elf) {
    check_elf(c, path, content.elf);
  } else if (content.head_len >= 2 && content.head[0] == '#' && content.head[1] == '!') {
    check_script(c, path, &content, depth);
  } else {
    exec_error(c,
               "%s is neither an ELF program nor a script starting with #!: the kernel "
               "cannot run it (exec format error)",
               path);
  }
}

/* args[0] as runc looks it up: itself when it holds a `/`, else along
 * process.env PATH; the first that exists is the one. */
static void check_arg0(exec_ctx *c)
{
  _cleanup_strv_ char **candidates = exec_candidates(c, c->arg0);
  for (size_t i = 0; candidates && candidates[i]; i++) {
    sc_view_file st;
    int r = sc_image_view_stat(c->view, candidates[i], &st);
    if (r == -ELOOP) {
      exec_error(c, "%s is a symlink loop in %s", candidates[i], c->image);
      return;
    }
    if (r < 0)
      continue;
    if (check_runnable(c, &st, "the program"))
      check_program(c, st.path, 0);
    sc_view_file_clear(&st);
    return;
  }
  bool base = sc_validation_base(c->v) != NULL;
  exec_error(c, "it is missing from %s (symlinks resolved inside the image%s)%s", c->image,
             strchr(c->arg0, '/') ? "" : "; looked in process.env PATH",
             base ? ""
                  : ": when a base image installs it, name the base with --from or "
                    "\"from\" in sc-build.json");
}

/* ---- the image ---- */

/* Where the base came from, for messages: sc-build.json or the command line. */
static void base_error(sc_validation *v, const sc_error *err)
{
  const sc_validate_options *o = v->options;
  if (o && o->from) {
    sc_validation_report(v, SC_DIAG_ERROR, NULL, 0, 0, "--from %s: %s", o->from, err->msg);
    return;
  }
  sc_jsonpos_step path[] = {SC_JSONPOS_KEY("from")};
  sc_validation_report_path(v, SC_DIAG_ERROR, SC_FILE_SETTINGS, v->project->settings_text.data,
                            path, 1, false, "base image \"from\" %s: %s", v->project->from,
                            err->msg);
}

/* The base image's layers, read from an oci: layout or, for docker://,
 * through the pull cache that `build --from` uses (pull.h). */
static int add_base(sc_validation *v, sc_image_view *view, const char *from,
                    const sc_platform *platform, sc_error *err)
{
  const sc_validate_options *o = v->options;
  static const sc_pull_options defaults = {.registry.tls_verify = true};
  sc_pull_options pull = o && o->pull ? *o->pull : defaults;
  sc_image_platform want = {0};
  if (platform) { /* from an index, that platform's manifest */
    want = (sc_image_platform){platform->os, platform->architecture, platform->variant};
    pull.os = want.os;
    pull.architecture = want.architecture;
    pull.variant = want.variant;
  }
  /* A base pulled beforehand is the one platform's of a one-platform build. */
  const char *pulled = o && !platform ? o->pulled : NULL;
  sc_image_source src = {0};
  sc_image_source_options options = {
      .pull = &pull, .need_layout = true, .base_image = true, .tmpdir = o ? o->tmpdir : NULL};
  if (pulled == NULL && sc_image_source_resolve(from, &options, &src, err) < 0)
    return -1;
  sc_image *image = NULL;
  int r = sc_image_open_platform(pulled ? pulled : src.local, platform ? &want : NULL, &image, err);
  if (r == 0)
    r = sc_image_view_add_image(view, image, o ? o->interrupted : NULL, err);
  sc_image_free(image);
  sc_image_source_clear(&src);
  return r;
}

/* The image a container would see; NULL when it cannot be known (the
 * problem is reported). */
/* The platform's own tree over rootfs/ (project.h), when there is one. */
static int add_platform_tree(sc_validation *v, sc_image_view *view, const sc_platform *platform,
                             sc_error *err)
{
  int fd = -1;
  if (platform == NULL)
    return 0;
  if (sc_project_open_platform_rootfs(v->project, platform, &fd, err) < 0)
    return -1;
  int r = fd >= 0 ? sc_image_view_add_rootfs(view, fd, err) : 0;
  if (fd >= 0)
    close(fd);
  return r;
}

/* rootfs/ over the base; the first walk stamps the tree for the layer
 * cache when the caller asks (sc_validate_options.rootfs_stamp). */
static int add_rootfs(sc_validation *v, sc_image_view *view, sc_error *err)
{
  sc_tree_stamp *stamp = v->options ? v->options->rootfs_stamp : NULL;
  if (stamp == NULL || stamp->h == NULL)
    return sc_image_view_add_rootfs(view, v->project->rootfs_fd, err);
  int r =
      sc_image_view_add_rootfs_observed(view, v->project->rootfs_fd, sc_tree_stamp_add, stamp, err);
  if (r == 0)
    sc_tree_stamp_finish(stamp);
  else
    sc_tree_stamp_clear(stamp);
  return r;
}

static sc_image_view *open_view(sc_validation *v, const char *from, const sc_platform *platform)
{
  sc_image_view *view = sc_image_view_new();
  if (v->options)
    sc_image_view_set_threads(view, v->options->threads);
  sc_error err = SC_ERROR_INIT;
  if (from && add_base(v, view, from, platform, &err) < 0) {
    if (platform) {
      _cleanup_free_ char *name = sc_platform_format(platform);
      sc_error_prefix(&err, "for %s", name);
    }
    base_error(v, &err);
  } else if (v->project->rootfs_fd >= 0 && add_rootfs(v, view, &err) < 0) {
    sc_validation_report(v, SC_DIAG_ERROR, "rootfs", 0, 0, "%s", err.msg);
  } else if (add_platform_tree(v, view, platform, &err) < 0) {
    sc_validation_report(v, SC_DIAG_ERROR, NULL, 0, 0, "%s", err.msg);
  } else {
    return view;
  }
  sc_error_clear(&err);
  sc_image_view_free(view);
  return NULL;
}

const char *sc_validation_base(const sc_validation *v)
{
  const sc_validate_options *o = v->options;
  return o && o->from ? o->from : v->project->from;
}

/* "the linux/arm64 image (rootfs/, rootfs.linux-arm64/ over BASE)". */
static char *describe_image(const sc_validation *v, const char *from, const sc_platform *platform)
{
  bool rootfs = v->project->rootfs_fd >= 0;
  if (platform == NULL && from && !rootfs)
    return xasprintf("the base image %s", from);
  if (platform == NULL)
    return from ? xasprintf("the image (rootfs/ over %s)", from) : xstrdup("rootfs/");
  _cleanup_free_ char *name = sc_platform_format(platform);
  _cleanup_free_ char *tree = sc_project_platform_rootfs_name(platform);
  int fd = -1;
  sc_project_open_platform_rootfs(v->project, platform, &fd, NULL);
  bool own = fd >= 0;
  if (own)
    close(fd);
  return xasprintf("the %s image (%s%s%s%s%s%s)", name, v->project->rootfs_fd >= 0 ? "rootfs/" : "",
                   own && v->project->rootfs_fd >= 0 ? ", " : "", own ? tree : "", own ? "/" : "",
                   from ? " over " : "", from ? from : "");
}

static void check_image(sc_validation *v, json_t *process, json_t *mounts, const char *arg0,
                        const sc_platform *platform)
{
  const char *from = sc_validation_base(v);
  sc_image_view *view = open_view(v, from, platform);
  if (view == NULL)
    return;
  _cleanup_free_ char *image = describe_image(v, from, platform);
  exec_ctx c = {
      .v = v, .view = view, .process = process, .arg0 = arg0, .image = image, .platform = platform};
  check_arg0(&c);
  sc_validate_mount_points(v, view, image, mounts);
  /* Once: what makes a host path does not change with the platform. */
  if (platform == NULL || platform == &v->options->platforms->items[0])
    sc_validate_bind_sources(v, view, image, mounts);
  sc_image_view_free(view);
}

void sc_validate_exec(sc_validation *v, json_t *process, json_t *mounts)
{
  const char *arg0 = json_string_value(json_array_get(json_object_get(process, "args"), 0));
  const sc_platforms *platforms = v->options ? v->options->platforms : NULL;
  bool trees = platforms && platforms->count > 0; /* rootfs.X/ may stand in for rootfs/ */
  if (arg0 == NULL || (v->project->rootfs_fd < 0 && sc_validation_base(v) == NULL && !trees))
    return; /* reported: no args, or no rootfs/ */
  if (!trees) {
    check_image(v, process, mounts, arg0, NULL);
    return;
  }
  for (size_t i = 0; i < platforms->count; i++)
    check_image(v, process, mounts, arg0, &platforms->items[i]);
}
