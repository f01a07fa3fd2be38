/* test-validate-exec.c: `validate` follows process.args[0] as the kernel
 * and ld.so would (validate-exec.c): a script's #! interpreter and env's
 * command, an ELF program's interpreter and libraries (RUNPATH with
 * $ORIGIN, ld.so.conf includes, multiarch directories, transitively), in
 * rootfs/ only, and names the file that is missing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag-internal.h"
#include "elf-builder.h"
#include "util.h"
#include "validate.h"

static const char config_template[] = "{\n"
                                      "  \"ociVersion\": \"1.0.2\",\n"
                                      "  \"process\": {\n"
                                      "    \"terminal\": false,\n"
                                      "    \"args\": [\"/usr/bin/app\"],\n"
                                      "    \"env\": [\"PATH=/usr/bin:/bin\"],\n"
                                      "    \"cwd\": \"/\"\n"
                                      "  },\n"
                                      "  \"root\": {\"path\": \"rootfs\", \"readonly\": true}\n"
                                      "}\n";

static const char service_template[] = "[Service]\nExecStart=$EXEC_START\n"
                                       "ExecStop=$EXEC_STOP\nWorkingDirectory=$DESTDIR\n";

typedef struct fixture {
  char dir[64];
  char project[80];
  int fd;
  sc_diags diags;
} fixture;

static void put(fixture *f, const char *path, const void *data, size_t len, mode_t mode)
{
  _cleanup_free_ char *dir = sc_path_dirname(path);
  assert_int_equal(sc_mkdir_p_at(f->fd, dir, 0755, NULL), 0);
  unlinkat(f->fd, path, 0);
  int fd = openat(f->fd, path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  assert_true(fd >= 0);
  assert_int_equal(sc_write_all(fd, data, len), 0);
  assert_int_equal(fchmod(fd, mode), 0);
  close(fd);
}

static void put_text(fixture *f, const char *path, const char *text)
{
  put(f, path, text, strlen(text), 0755);
}

static void put_elf(fixture *f, const char *path, const test_elf *e)
{
  size_t len;
  _cleanup_free_ unsigned char *data = test_elf_build(e, &len);
  put(f, path, data, len, 0755);
}

/* A static program (no interpreter, no libraries). */
static void put_static(fixture *f, const char *path)
{
  test_elf e = {.is64 = true, .type = ET_EXEC};
  put_elf(f, path, &e);
}

static int setup(void **state)
{
  fixture *f = xcalloc(1, sizeof *f);
  strcpy(f->dir, "/tmp/sc-test-vexec.XXXXXX");
  assert_non_null(mkdtemp(f->dir));
  snprintf(f->project, sizeof f->project, "%s/app", f->dir);
  assert_int_equal(mkdir(f->project, 0755), 0);
  f->fd = open(f->project, O_RDONLY | O_DIRECTORY);
  assert_true(f->fd >= 0);
  put(f, "config.json.template", config_template, strlen(config_template), 0644);
  put(f, "service.template", service_template, strlen(service_template), 0644);
  put(f, "manifest.json", "{\"version\": \"1.0\", \"defaultValues\": {}}\n", 40, 0644);
  assert_int_equal(sc_mkdir_p_at(f->fd, "rootfs/usr/bin", 0755, NULL), 0);
  *state = f;
  return 0;
}

static int teardown(void **state)
{
  fixture *f = *state;
  sc_rm_rf_at(AT_FDCWD, f->dir, NULL);
  close(f->fd);
  sc_diags_clear(&f->diags);
  free(f);
  return 0;
}

static void validate(fixture *f)
{
  sc_diags_clear(&f->diags);
  sc_project *project = NULL;
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_project_open(f->project, &project, &err), 0);
  sc_validate_options options = {0};
  assert_int_equal(sc_validate_project(project, &options, &f->diags, &err), 0);
  sc_project_free(project);
}

static void print_diags(const fixture *f)
{
  for (size_t i = 0; i < f->diags.count; i++)
    print_message("  %s:%d:%d: %s\n", f->diags.items[i].file ? f->diags.items[i].file : "-",
                  f->diags.items[i].line, f->diags.items[i].col, f->diags.items[i].msg);
}

/* n errors, one of them at process.args[0] (line 5, column 14) holding
 * every substring given. */
static void expect_errors(fixture *f, size_t n, const char *a, const char *b)
{
  validate(f);
  const sc_diag *match = NULL;
  for (size_t i = 0; i < f->diags.count; i++) {
    const sc_diag *d = &f->diags.items[i];
    if (d->severity == SC_DIAG_ERROR && d->line == 5 && d->col == 14 && strstr(d->msg, a) &&
        (b == NULL || strstr(d->msg, b)))
      match = d;
  }
  if (match == NULL || sc_diags_count(&f->diags, SC_DIAG_ERROR) != n) {
    print_diags(f);
    fail_msg("expected %zu error(s), one at 5:14 with '%s' and '%s'", n, a, b ? b : "");
  }
}

static void expect_error(fixture *f, const char *a, const char *b)
{
  expect_errors(f, 1, a, b);
}

static void expect_clean(fixture *f)
{
  validate(f);
  if (sc_diags_count(&f->diags, SC_DIAG_ERROR) != 0) {
    print_diags(f);
    fail_msg("expected no error");
  }
}

static void test_script_interpreter(void **state)
{
  fixture *f = *state;
  put_text(f, "rootfs/usr/bin/app", "#!/bin/sh\nexec true\n");
  expect_error(f, "/bin/sh, the interpreter on the #! line of /usr/bin/app",
               "missing from rootfs/");
  /* A DOS line ending is named as the cause. */
  put_text(f, "rootfs/usr/bin/app", "#!/bin/sh\r\nexec true\r\n");
  expect_error(f, "DOS line endings", NULL);
  put_text(f, "rootfs/usr/bin/app", "#!/bin/sh\nexec true\n");
  put_static(f, "rootfs/bin/sh");
  expect_clean(f);
  /* The interpreter must be executable, and a script naming itself nests
   * deeper than the kernel allows. */
  assert_int_equal(fchmodat(f->fd, "rootfs/bin/sh", 0644, 0), 0);
  expect_error(f, "the #! interpreter /bin/sh is not executable", NULL);
  put_text(f, "rootfs/bin/sh", "#!/bin/sh\n");
  expect_error(f, "nest more than 4 deep", NULL);
  put_text(f, "rootfs/usr/bin/app", "#!\n");
  expect_error(f, "names no interpreter", NULL);
  put(f, "rootfs/usr/bin/app", "data", 4, 0755);
  expect_error(f, "neither an ELF program nor a script", NULL);
}

static void test_env_command(void **state)
{
  fixture *f = *state;
  put_text(f, "rootfs/usr/bin/app", "#!/usr/bin/env python3\nprint(1)\n");
  expect_error(f, "/usr/bin/env, the interpreter", NULL);
  put_static(f, "rootfs/usr/bin/env");
  expect_error(f, "'python3', which the #! line of /usr/bin/app runs through env",
               "looked in /usr/bin:/bin");
  put_static(f, "rootfs/bin/python3");
  expect_clean(f);
  /* env -S splits its argument; the command is the first word. */
  put_text(f, "rootfs/usr/bin/app", "#!/usr/bin/env -S perl -w\n");
  expect_error(f, "'perl'", NULL);
}

static const test_elf dynamic_app = {
    .is64 = true, .interp = "/lib64/ld-linux-x86-64.so.2", .needed = {"libc.so.6"}};

static void test_elf_loader_and_libc(void **state)
{
  fixture *f = *state;
  put_elf(f, "rootfs/usr/bin/app", &dynamic_app);
  /* Both the loader and libc are named at once. */
  expect_errors(f, 2,
                "/lib64/ld-linux-x86-64.so.2, the ELF interpreter (PT_INTERP) of /usr/bin/app",
                "missing from rootfs/");
  expect_errors(f, 2, "libc.so.6, which /usr/bin/app needs", NULL);
  /* Debian's layout: /lib64 holds a symlink into the multiarch directory;
   * an absolute symlink resolves inside rootfs/. */
  test_elf loader = {.is64 = true, .soname = "ld-linux-x86-64.so.2"};
  put_elf(f, "rootfs/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", &loader);
  assert_int_equal(symlinkat("usr/lib", f->fd, "rootfs/lib"), 0);
  assert_int_equal(mkdirat(f->fd, "rootfs/lib64", 0755), 0);
  assert_int_equal(symlinkat("/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", f->fd,
                             "rootfs/lib64/ld-linux-x86-64.so.2"),
                   0);
  expect_error(f, "libc.so.6, which /usr/bin/app needs (DT_NEEDED), is missing from rootfs/",
               "/lib/x86_64-linux-gnu");
  /* A 32-bit libc is not one ld.so would load for a 64-bit program. */
  test_elf libc32 = {.is64 = false, .machine = EM_386, .soname = "libc.so.6"};
  put_elf(f, "rootfs/usr/lib/x86_64-linux-gnu/libc.so.6", &libc32);
  expect_error(f, "libc.so.6, which /usr/bin/app needs", NULL);
  test_elf libc = {.is64 = true, .soname = "libc.so.6"};
  put_elf(f, "rootfs/usr/lib/x86_64-linux-gnu/libc.so.6", &libc);
  expect_clean(f);
}

/* A library or loader that is a symlink to nothing is named as such: it is
 * there, but what it points at is not (an image that kept the link and
 * lost the file). */
static void test_dangling_symlinks(void **state)
{
  fixture *f = *state;
  put_elf(f, "rootfs/usr/bin/app", &dynamic_app);
  test_elf loader = {.is64 = true, .soname = "ld-linux-x86-64.so.2"};
  put_elf(f, "rootfs/lib64/ld-linux-x86-64.so.2", &loader);
  assert_int_equal(mkdirat(f->fd, "rootfs/lib", 0755), 0);
  assert_int_equal(symlinkat("libc-2.36.so", f->fd, "rootfs/lib/libc.so.6"), 0);
  expect_error(f, "libc.so.6, which /usr/bin/app needs (DT_NEEDED), cannot be loaded",
               "/lib/libc.so.6 is a dangling symlink to libc-2.36.so, which is not in rootfs/");
  test_elf libc = {.is64 = true, .soname = "libc.so.6"};
  put_elf(f, "rootfs/lib/libc-2.36.so", &libc);
  expect_clean(f);
  assert_int_equal(unlinkat(f->fd, "rootfs/lib64/ld-linux-x86-64.so.2", 0), 0);
  assert_int_equal(symlinkat("/lib/ld-2.36.so", f->fd, "rootfs/lib64/ld-linux-x86-64.so.2"), 0);
  expect_error(f, "the ELF interpreter (PT_INTERP) of /usr/bin/app cannot be run",
               "/lib64/ld-linux-x86-64.so.2 is a dangling symlink to /lib/ld-2.36.so");
}

/* runc makes a missing mount point, even under a read-only root, but not
 * below a file of the image ("not a directory"); below an earlier mount
 * the image is hidden and does not count. */
static void test_mount_points(void **state)
{
  fixture *f = *state;
  put_static(f, "rootfs/usr/bin/app");
  put_text(f, "rootfs/etc/afile", "x\n");
  put_text(f, "rootfs/run/afile", "x\n");
  const char *config =
      "{\"ociVersion\": \"1.0.2\",\n"
      " \"process\": {\"terminal\": false, \"args\": [\"/usr/bin/app\"], \"cwd\": \"/\"},\n"
      " \"root\": {\"path\": \"rootfs\", \"readonly\": true},\n"
      " \"mounts\": [{\"destination\": \"/run\", \"type\": \"tmpfs\", \"source\": \"tmpfs\"},\n"
      "  {\"destination\": \"/etc/afile/sub\", \"type\": \"bind\", \"source\": \"/tmp\"},\n"
      "  {\"destination\": \"/data/x\", \"type\": \"bind\", \"source\": \"/tmp\"},\n"
      "  {\"destination\": \"/run/afile/sub\", \"type\": \"bind\", \"source\": \"/tmp\"}]}\n";
  put(f, "config.json.template", config, strlen(config), 0644);
  validate(f);
  size_t errors = sc_diags_count(&f->diags, SC_DIAG_ERROR);
  const sc_diag *d = NULL;
  for (size_t i = 0; i < f->diags.count; i++)
    if (f->diags.items[i].severity == SC_DIAG_ERROR)
      d = &f->diags.items[i];
  if (errors != 1 || d->line != 5 || d->col != 19 ||
      !strstr(d->msg, "runc cannot make the mount point /etc/afile/sub: /etc/afile is not a "
                      "directory in rootfs/")) {
    print_diags(f);
    fail_msg("expected one error at 5:19 about /etc/afile");
  }
}

static void test_runpath_conf_and_transitive(void **state)
{
  fixture *f = *state;
  test_elf loader = {.is64 = true};
  test_elf libc = {.is64 = true, .soname = "libc.so.6"};
  put_elf(f, "rootfs/lib64/ld-linux-x86-64.so.2", &loader);
  put_elf(f, "rootfs/lib64/libc.so.6", &libc);
  test_elf app = dynamic_app;
  app.needed[1] = "libfoo.so.1";
  app.runpath = "$ORIGIN/../lib/app";
  put_elf(f, "rootfs/usr/bin/app", &app);
  expect_error(f, "libfoo.so.1, which /usr/bin/app needs", "searched /usr/bin/../lib/app, ");
  test_elf foo = {.is64 = true, .needed = {"libbar.so.2", "libc.so.6"}};
  put_elf(f, "rootfs/usr/lib/app/libfoo.so.1", &foo);
  expect_error(f, "libbar.so.2, which /usr/lib/app/libfoo.so.1 needs", NULL);
  /* ld.so.conf, with an include relative to /etc. */
  put_text(f, "rootfs/etc/ld.so.conf", "# comment\ninclude ld.so.conf.d/*.conf\n");
  put_text(f, "rootfs/etc/ld.so.conf.d/opt.conf", "/opt/bar/lib\n");
  test_elf bar = {.is64 = true};
  put_elf(f, "rootfs/opt/bar/lib/libbar.so.2", &bar);
  expect_clean(f);
  /* LD_LIBRARY_PATH of process.env is searched too. */
  assert_int_equal(unlinkat(f->fd, "rootfs/etc/ld.so.conf", 0), 0);
  expect_error(f, "libbar.so.2", NULL);
  const char *from = "\"PATH=/usr/bin:/bin\"";
  const char *at = strstr(config_template, from);
  _cleanup_free_ char *config = xasprintf("%.*s\"LD_LIBRARY_PATH=/opt/bar/lib\", %s",
                                          (int)(at - config_template), config_template, at);
  put(f, "config.json.template", config, strlen(config), 0644);
  expect_clean(f);
}

/* DT_RPATH with ${ORIGIN} and $LIB, which is tried as each distribution
 * expands it. */
static void test_rpath_tokens(void **state)
{
  fixture *f = *state;
  test_elf loader = {.is64 = true};
  put_elf(f, "rootfs/lib64/ld-linux-x86-64.so.2", &loader);
  test_elf app = {.is64 = true,
                  .interp = "/lib64/ld-linux-x86-64.so.2",
                  .needed = {"libpriv.so"},
                  .rpath = "${ORIGIN}/../$LIB/private"};
  put_elf(f, "rootfs/usr/bin/app", &app);
  expect_error(f, "libpriv.so, which /usr/bin/app needs",
               "searched /usr/bin/../lib64/private, /usr/bin/../lib/private, "
               "/usr/bin/../lib/x86_64-linux-gnu/private, ");
  test_elf priv = {.is64 = true};
  put_elf(f, "rootfs/usr/lib/x86_64-linux-gnu/private/libpriv.so", &priv);
  expect_clean(f);
}

/* musl's loader searches its own path file, or /lib:/usr/local/lib:/usr/lib. */
static void test_musl(void **state)
{
  fixture *f = *state;
  test_elf loader = {.is64 = true};
  put_elf(f, "rootfs/lib/ld-musl-x86_64.so.1", &loader);
  test_elf app = {.is64 = true, .interp = "/lib/ld-musl-x86_64.so.1", .needed = {"libfoo.so"}};
  put_elf(f, "rootfs/usr/bin/app", &app);
  test_elf foo = {.is64 = true};
  put_elf(f, "rootfs/usr/local/lib/libfoo.so", &foo);
  expect_clean(f);
  put_text(f, "rootfs/etc/ld-musl-x86_64.path", "/opt/lib:/lib\n");
  expect_error(f, "libfoo.so, which /usr/bin/app needs", "(searched /opt/lib, /lib)");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_script_interpreter, setup, teardown),
      cmocka_unit_test_setup_teardown(test_env_command, setup, teardown),
      cmocka_unit_test_setup_teardown(test_elf_loader_and_libc, setup, teardown),
      cmocka_unit_test_setup_teardown(test_dangling_symlinks, setup, teardown),
      cmocka_unit_test_setup_teardown(test_mount_points, setup, teardown),
      cmocka_unit_test_setup_teardown(test_runpath_conf_and_transitive, setup, teardown),
      cmocka_unit_test_setup_teardown(test_rpath_tokens, setup, teardown),
      cmocka_unit_test_setup_teardown(test_musl, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
