/* test-validate.c: `sc-build validate` on fixture projects built in a
 * temporary directory: each problem is reported with its file, line,
 * column and a message that says what to do; a valid project has none. */
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
#include "util.h"
#include "validate.h"

static const char config_template[] =
    "{\n"
    "  \"ociVersion\": \"1.0.2\",\n"
    "  \"process\": {\n"
    "    \"terminal\": false,\n"
    "    \"args\": [\"/usr/bin/svc\", \"--port\", \"$PORT\"],\n"
    "    \"env\": [\"PATH=/usr/bin:/bin\"],\n"
    "    \"cwd\": \"/\",\n"
    "    \"capabilities\": {\"bounding\": [${ALL_PROCESS_CAPABILITIES}]}\n"
    "  },\n"
    "  \"root\": {\"path\": \"rootfs\", \"readonly\": true},\n"
    "  \"mounts\": [\n"
    "    {\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},\n"
    "    {\"destination\": \"/run/x\", \"type\": \"bind\", \"source\": \"${RUN_DIRECTORY}/x\"}\n"
    "    $ADDTL_MOUNTS\n"
    "  ]\n"
    "}\n";

static const char manifest[] =
    "{\"version\": \"1.0\", \"defaultValues\": {\"PORT\": \"8081\", \"ADDTL_MOUNTS\": \"\"}}\n";

static const char service_template[] = "[Unit]\n"
                                       "Description=svc $NAME\n"
                                       "\n"
                                       "[Service]\n"
                                       "Environment=PORT=$PORT\n"
                                       "ExecStart=$EXEC_START\n"
                                       "ExecStop=$EXEC_STOP\n"
                                       "WorkingDirectory=$DESTDIR\n";

static const char tmpfiles_template[] = "d ${RUN_DIRECTORY}/${NAME} 0700 - - -\n";

typedef struct fixture {
  char dir[64];
  char project[80]; /* dir/svc */
  int fd;           /* the project */
  sc_values *set;
  sc_diags diags;
} fixture;

static void write_bytes(fixture *f, const char *path, const void *data, size_t len, mode_t mode)
{
  int fd = openat(f->fd, path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  assert_true(fd >= 0);
  assert_int_equal(sc_write_all(fd, data, len), 0);
  assert_int_equal(fchmod(fd, mode), 0);
  close(fd);
}

static void write_file(fixture *f, const char *path, const char *text, mode_t mode)
{
  write_bytes(f, path, text, strlen(text), mode);
}

/* The ELF header of a static x86-64 program: nothing else to load, so the
 * program validates without an interpreter or libraries in rootfs. */
/* clang-format off */
static const unsigned char static_program[64] = {
    0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* e_ident */
    2, 0, 0x3e, 0, 1, 0, 0, 0,                               /* ET_EXEC, EM_X86_64 */
    [52] = 64, [54] = 56, [58] = 64,                         /* ehsize, phentsize, shentsize */
};
/* clang-format on */

static void write_program(fixture *f, const char *path)
{
  write_bytes(f, path, static_program, sizeof static_program, 0755);
}

/* text with the first `from` replaced by `to`, newly allocated. */
static char *replace(const char *text, const char *from, const char *to)
{
  const char *at = strstr(text, from);
  assert_non_null(at);
  return xasprintf("%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
}

static void edit_file(fixture *f, const char *path, const char *from, const char *to)
{
  _cleanup_free_ char *text = NULL;
  assert_int_equal(sc_read_file_at(f->fd, path, &text, NULL, NULL), 0);
  _cleanup_free_ char *edited = replace(text, from, to);
  write_file(f, path, edited, 0644);
}

static int setup(void **state)
{
  fixture *f = xcalloc(1, sizeof *f);
  strcpy(f->dir, "/tmp/sc-test-validate.XXXXXX");
  assert_non_null(mkdtemp(f->dir));
  snprintf(f->project, sizeof f->project, "%s/svc", f->dir);
  assert_int_equal(mkdir(f->project, 0755), 0);
  f->fd = open(f->project, O_RDONLY | O_DIRECTORY);
  assert_true(f->fd >= 0);
  assert_int_equal(sc_mkdir_p_at(f->fd, "rootfs/usr/bin", 0755, NULL), 0);
  write_program(f, "rootfs/usr/bin/svc");
  write_file(f, "config.json.template", config_template, 0644);
  write_file(f, "manifest.json", manifest, 0644);
  write_file(f, "service.template", service_template, 0644);
  write_file(f, "tmpfiles.template", tmpfiles_template, 0644);
  f->set = sc_values_new();
  *state = f;
  return 0;
}

static int teardown(void **state)
{
  fixture *f = *state;
  sc_rm_rf_at(AT_FDCWD, f->dir, NULL);
  close(f->fd);
  sc_values_free(f->set);
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
  sc_validate_options options = {.set = f->set};
  assert_int_equal(sc_validate_project(project, &options, &f->diags, &err), 0);
  sc_project_free(project);
}

static void print_diags(const fixture *f)
{
  for (size_t i = 0; i < f->diags.count; i++) {
    const sc_diag *d = &f->diags.items[i];
    print_message("  %s:%d:%d: %s: %s\n", d->file ? d->file : "-", d->line, d->col,
                  sc_diag_severity_name(d->severity), d->msg);
  }
}

/* The diagnostic for project file `name` at line:col holding substring. */
static void expect_diag(const fixture *f, sc_diag_severity severity, const char *name, int line,
                        int col, const char *substring)
{
  _cleanup_free_ char *file = xasprintf("%s/%s", f->project, name);
  for (size_t i = 0; i < f->diags.count; i++) {
    const sc_diag *d = &f->diags.items[i];
    if (d->severity == severity && d->file && strcmp(d->file, file) == 0 && d->line == line &&
        d->col == col && strstr(d->msg, substring))
      return;
  }
  print_diags(f);
  fail_msg("no %s at %s:%d:%d with '%s'", sc_diag_severity_name(severity), name, line, col,
           substring);
}

static void expect_counts(const fixture *f, size_t errors, size_t warnings)
{
  if (sc_diags_count(&f->diags, SC_DIAG_ERROR) != errors ||
      sc_diags_count(&f->diags, SC_DIAG_WARNING) != warnings) {
    print_diags(f);
    fail_msg("expected %zu errors and %zu warnings", errors, warnings);
  }
}

static void test_valid_project(void **state)
{
  fixture *f = *state;
  validate(f);
  expect_counts(f, 0, 0);
}

static void test_config_rules(void **state)
{
  fixture *f = *state;
  edit_file(f, "config.json.template", "\"type\": \"proc\"", "\"type\": \"rbind\"");
  edit_file(f, "config.json.template", "\"readonly\": true", "\"readonly\": false");
  edit_file(f, "config.json.template", "\"terminal\": false", "\"terminal\": true");
  edit_file(f, "config.json.template", "  \"root\"",
            "  \"linux\": {\"selinuxProcessLabel\": \"x\"}, \"root\"");
  validate(f);
  expect_diag(f, SC_DIAG_ERROR, "config.json.template", 12, 38, "use \"bind\"");
  expect_diag(f, SC_DIAG_ERROR, "config.json.template", 10, 81, "root.readonly must be true");
  expect_diag(f, SC_DIAG_ERROR, "config.json.template", 4, 17, "process.terminal must be false");
  expect_diag(f, SC_DIAG_ERROR, "config.json.template", 10, 13, "use process.selinuxLabel");
  expect_counts(f, 4, 0);
}

static void test_root_path_and_args(void **state)
{
  fixture *f = *state;
  edit_file(f, "config.json.template", "\"path\": \"rootfs\"", "\"path\": \"root\"");
  edit_file(f, "config.json.template", "\"args\": [\"/usr/bin/svc\", \"--port\", \"$PORT\"]",
            "\"args\": []");
  edit_file(f, "config.json.template", "\"ociVersion\": \"1.0.2\"", "\"ociVersion\": 1");
  validate(f);
  expect_diag(f, SC_DIAG_ERROR, "config.json.template", 10, 20, "root.path must be \"rootfs\"");
  expect_diag(f, SC_DIAG_ERROR, "config.json.template", 5, 13, "non-empty array of strings");
  expect_diag(f, SC_DIAG_ERROR, "config.json.template", 2, 17, "\"ociVersion\" must be a string");
  /* PORT is now used only by the unit: no "unused default" warning. */
  expect_counts(f, 3, 0);
}

static void test_bind_source_under_var_lib(void **state)
{
  fixture *f = *state;
  edit_file(f, "config.json.template", "\"${RUN_DIRECTORY}/x\"", "\"/var/lib/x\"");
  validate(f);
  expect_diag(f, SC_DIAG_WARNING, "config.json.template", 13, 57, "${STATE_DIRECTORY}");
  expect_counts(f, 0, 1);
}

/* A host interface under /run bound at its own place is no warning; a
 * /run source bound elsewhere still is, and a /var/lib one at its own place
 * is explained. */
static void test_bind_host_interface(void **state)
{
  fixture *f = *state;
  edit_file(
      f, "config.json.template",
      "{\"destination\": \"/run/x\", \"type\": \"bind\", \"source\": \"${RUN_DIRECTORY}/x\"}",
      "{\"destination\": \"/run/systemd\", \"type\": \"bind\", \"source\": \"/run/systemd\"},\n"
      "    {\"destination\": \"/var/run/secrets/\", \"options\": [\"rbind\"], \"source\": "
      "\"/var/run/secrets\"},\n"
      "    {\"destination\": \"/run/app\", \"type\": \"bind\", \"source\": \"/run/x\"},\n"
      "    {\"destination\": \"/var/lib/p\", \"type\": \"bind\", \"source\": \"/var/lib/p\"}");
  validate(f);
  expect_diag(f, SC_DIAG_WARNING, "config.json.template", 15, 59, "use ${RUN_DIRECTORY}");
  expect_diag(f, SC_DIAG_WARNING, "config.json.template", 16, 61,
              "if it is the service's own state, use ${STATE_DIRECTORY}");
  expect_counts(f, 0, 2);
}

/* Every bad placeholder and undefined variable, not only the first. */
static void test_placeholders(void **state)
{
  fixture *f = *state;
  edit_file(f, "config.json.template", "\"cwd\": \"/\"",
            "\"cwd\": \"${PORT:-8081}\", \"x\": \"$NOPE\", \"y\": \"$ 1\"");
  validate(f);
  expect_diag(f, SC_DIAG_ERROR, "config.json.template", 7, 13, "'${PORT:-8081}'");
  expect_diag(f, SC_DIAG_ERROR, "config.json.template", 7, 35, "undefined variable 'NOPE'");
  expect_diag(f, SC_DIAG_ERROR, "config.json.template", 7, 49, "invalid placeholder '$'");
  expect_counts(f, 3, 0);
  /* An install given --set NOPE=... renders it. */
  edit_file(f, "config.json.template", "\"${PORT:-8081}\"", "\"/\"");
  edit_file(f, "config.json.template", "\"$ 1\"", "\"$$1\"");
  sc_values_set(f->set, "NOPE", "1");
  validate(f);
  expect_counts(f, 0, 0);
}

static void test_set_value_with_newline(void **state)
{
  fixture *f = *state;
  sc_values_set(f->set, "PORT", "80\nExecStartPre=/bin/evil");
  validate(f);
  expect_diag(f, SC_DIAG_ERROR, "service.template", 5, 18, "the value of 'PORT' contains a line");
  /* config.json.template has "$PORT" in a JSON string, which it would end. */
  expect_diag(f, SC_DIAG_ERROR, "config.json.template", 5, 41,
              "'PORT' would break out of its JSON");
  expect_counts(f, 2, 0);
}

static void test_forced_set_refused(void **state)
{
  fixture *f = *state;
  sc_values_set(f->set, "NAME", "other");
  validate(f);
  assert_true(sc_diags_count(&f->diags, SC_DIAG_ERROR) >= 1);
  assert_non_null(strstr(f->diags.items[0].msg, "cannot --set NAME"));
}

/* The JSON error is mapped back into the template: a literal, or the
 * placeholder whose value breaks it. */
static void test_json_after_rendering(void **state)
{
  fixture *f = *state;
  sc_values_set(f->set, "ADDTL_MOUNTS", ", {oops}");
  validate(f);
  expect_diag(f, SC_DIAG_ERROR, "config.json.template", 14, 5, "in the value of 'ADDTL_MOUNTS'");
  expect_counts(f, 1, 0);
  sc_values_free(f->set);
  f->set = sc_values_new();
  edit_file(f, "config.json.template", "\"readonly\": true}", "\"readonly\": true,}");
  validate(f);
  expect_diag(f, SC_DIAG_ERROR, "config.json.template", 10, 47, "after rendering");
  expect_counts(f, 1, 0);
}

static void test_exec_in_rootfs(void **state)
{
  fixture *f = *state;
  /* An absolute symlink resolves inside rootfs: /bin/sh exists on the
   * host, not in rootfs. */
  assert_int_equal(unlinkat(f->fd, "rootfs/usr/bin/svc", 0), 0);
  assert_int_equal(symlinkat("/bin/sh", f->fd, "rootfs/usr/bin/svc"), 0);
  validate(f);
  expect_diag(f, SC_DIAG_ERROR, "config.json.template", 5, 14, "missing from rootfs/");
  expect_counts(f, 1, 0);
  /* `..` cannot climb out of rootfs either. */
  assert_int_equal(unlinkat(f->fd, "rootfs/usr/bin/svc", 0), 0);
  assert_int_equal(symlinkat("../../../../../../bin/sh", f->fd, "rootfs/usr/bin/svc"), 0);
  validate(f);
  expect_diag(f, SC_DIAG_ERROR, "config.json.template", 5, 14, "missing from rootfs/");
  /* A symlink into rootfs is followed there. */
  assert_int_equal(mkdirat(f->fd, "rootfs/bin", 0755), 0);
  write_program(f, "rootfs/bin/sh");
  validate(f);
  expect_counts(f, 0, 0);
  /* A loop. */
  assert_int_equal(unlinkat(f->fd, "rootfs/usr/bin/svc", 0), 0);
  assert_int_equal(symlinkat("/usr/bin/svc", f->fd, "rootfs/usr/bin/svc"), 0);
  validate(f);
  expect_diag(f, SC_DIAG_ERROR, "config.json.template", 5, 14, "symlink loop");
  expect_counts(f, 1, 0);
}

static void test_exec_not_executable_and_path_lookup(void **state)
{
  fixture *f = *state;
  assert_int_equal(fchmodat(f->fd, "rootfs/usr/bin/svc", 0644, 0), 0);
  validate(f);
  expect_diag(f, SC_DIAG_ERROR, "config.json.template", 5, 14, "not executable");
  expect_counts(f, 1, 0);
  /* A bare name is looked up in process.env PATH, as runc does. */
  assert_int_equal(fchmodat(f->fd, "rootfs/usr/bin/svc", 0755, 0), 0);
  edit_file(f, "config.json.template", "\"/usr/bin/svc\"", "\"svc\"");
  validate(f);
  expect_counts(f, 0, 0);
  edit_file(f, "config.json.template", "PATH=/usr/bin:/bin", "PATH=/bin:/sbin");
  validate(f);
  expect_diag(f, SC_DIAG_ERROR, "config.json.template", 5, 14, "looked in process.env PATH");
}

static void test_service(void **state)
{
  fixture *f = *state;
  edit_file(f, "service.template", "WorkingDirectory=$DESTDIR\n", "");
  edit_file(f, "service.template", "ExecStop=$EXEC_STOP\n", "");
  validate(f);
  expect_diag(f, SC_DIAG_WARNING, "service.template", 4, 1, "WorkingDirectory=$DESTDIR");
  expect_diag(f, SC_DIAG_WARNING, "service.template", 4, 1, "ExecStop=$EXEC_STOP");
  expect_counts(f, 0, 2);
  write_file(f, "service.template", "[Unit]\nDescription=x\n", 0644);
  validate(f);
  expect_diag(f, SC_DIAG_ERROR, "service.template", 1, 1, "no [Service] section");
}

static void test_service_exec_prefix_accepted(void **state)
{
  fixture *f = *state;
  /* systemd's "-" prefix (ignore a failing stop) still runs $EXEC_STOP. */
  edit_file(f, "service.template", "ExecStop=$EXEC_STOP\n", "ExecStop=-$EXEC_STOP\n");
  validate(f);
  expect_counts(f, 0, 0);
  edit_file(f, "service.template", "ExecStop=-$EXEC_STOP\n", "ExecStop=-/bin/true\n");
  validate(f);
  expect_diag(f, SC_DIAG_WARNING, "service.template", 4, 1, "ExecStop=$EXEC_STOP");
}

static void test_tmpfiles(void **state)
{
  fixture *f = *state;
  write_file(f, "tmpfiles.template",
             "# comment\n"
             "d ${RUN_DIRECTORY}/${NAME} 07x0 - - -\n"
             "\n"
             "Y /x\n"
             "d\n"
             "w /y\n"
             "d! relative\n",
             0644);
  validate(f);
  expect_diag(f, SC_DIAG_ERROR, "tmpfiles.template", 2, 28, "mode '07x0'");
  expect_diag(f, SC_DIAG_ERROR, "tmpfiles.template", 4, 1, "unknown tmpfiles.d type 'Y'");
  expect_diag(f, SC_DIAG_ERROR, "tmpfiles.template", 5, 1, "2 to 7 fields");
  expect_diag(f, SC_DIAG_ERROR, "tmpfiles.template", 6, 1, "needs an argument");
  expect_diag(f, SC_DIAG_ERROR, "tmpfiles.template", 7, 4, "must be absolute");
  expect_counts(f, 5, 0);
}

/* tmpfiles.d(5): the argument runs to the end of the line and a quoted
 * path may hold blanks; a quote left open is an error where it starts. */
static void test_tmpfiles_quotes_and_argument(void **state)
{
  fixture *f = *state;
  write_file(f, "tmpfiles.template",
             "f /etc/motd 0644 - - - hello big wide world\n"
             "d \"/run/with space\" 0700 - - -\n"
             "d \"/run/open 0700 - - -\n",
             0644);
  validate(f);
  expect_diag(f, SC_DIAG_ERROR, "tmpfiles.template", 3, 3, "not closed");
  expect_counts(f, 1, 0);
}

static void test_layout(void **state)
{
  fixture *f = *state;
  write_file(f, "config.json", "{}\n", 0644);
  assert_int_equal(sc_mkdir_p_at(f->fd, "rootfs/exports", 0755, NULL), 0);
  assert_int_equal(unlinkat(f->fd, "manifest.json", 0), 0);
  edit_file(f, "config.json.template", "\"$PORT\"", "\"8081\"");
  edit_file(f, "config.json.template", "    $ADDTL_MOUNTS\n", "");
  edit_file(f, "service.template", "Environment=PORT=$PORT\n", "");
  validate(f);
  expect_diag(f, SC_DIAG_ERROR, "config.json", 1, 1, "ignores the template");
  expect_diag(f, SC_DIAG_ERROR, "rootfs/exports", 0, 0, "sc-build writes /exports itself");
  /* Only built-in variables are used: no manifest is needed (atomic
   * installs an image without one). */
  expect_counts(f, 2, 0);
  assert_int_equal(unlinkat(f->fd, "service.template", 0), 0);
  assert_int_equal(sc_rm_rf_at(f->fd, "rootfs", NULL), 0);
  validate(f);
  expect_diag(f, SC_DIAG_WARNING, "service.template", 0, 0, "atomic's default unit");
  expect_diag(f, SC_DIAG_ERROR, "rootfs", 0, 0, "missing rootfs/");
}

/* A plain config.json (atomic copies it unchanged) is checked as it is. */
static void test_plain_config(void **state)
{
  fixture *f = *state;
  write_file(f, "config.json",
             "{\"ociVersion\": \"1.0.2\",\n"
             " \"process\": {\"terminal\": false, \"args\": [\"/usr/bin/svc\"], \"cwd\": \"/\"},\n"
             " \"root\": {\"path\": \"rootfs\", \"readonly\": false}}\n",
             0644);
  assert_int_equal(unlinkat(f->fd, "config.json.template", 0), 0);
  validate(f);
  expect_diag(f, SC_DIAG_ERROR, "config.json", 3, 41, "root.readonly");
}

/* Without manifest.json, a variable that is not built-in needs --set at
 * every install: said once, naming it. */
static void test_missing_manifest_with_own_variable(void **state)
{
  fixture *f = *state;
  assert_int_equal(unlinkat(f->fd, "manifest.json", 0), 0);
  edit_file(f, "config.json.template", "    $ADDTL_MOUNTS\n", "");
  sc_values_set(f->set, "PORT", "8081");
  validate(f);
  expect_diag(f, SC_DIAG_WARNING, "manifest.json", 0, 0, "the templates use 'PORT'");
  expect_counts(f, 0, 1);
}

/* A built-in default equal to what an install uses changes nothing
 * (etcd's CONF_DIRECTORY "/etc"); another value is never used. */
static void test_builtin_default(void **state)
{
  fixture *f = *state;
  write_file(f, "manifest.json",
             "{\"version\": \"1.0\", \"defaultValues\": {\"PORT\": \"1\", \"ADDTL_MOUNTS\": \"\",\n"
             "  \"CONF_DIRECTORY\": \"/etc\", \"RUN_DIRECTORY\": \"/srv\"}}\n",
             0644);
  validate(f);
  expect_diag(f, SC_DIAG_WARNING, "manifest.json", 2, 29, "(to '/run' here)");
  expect_counts(f, 0, 1);
}

static void test_manifest_in_validation(void **state)
{
  fixture *f = *state;
  write_file(f, "manifest.json",
             "{\"version\": \"1.0\",\n"
             " \"defaultValues\": {\"PORT\": \"8081\", \"ADDTL_MOUNTS\": \"\", \"NAME\": \"x\",\n"
             "   \"UNUSED\": \"1\"},\n"
             " \"useLinks\": 1, \"extra\": {}}\n",
             0644);
  validate(f);
  expect_diag(f, SC_DIAG_WARNING, "manifest.json", 2, 56, "names a built-in variable");
  expect_diag(f, SC_DIAG_WARNING, "manifest.json", 3, 4, "'UNUSED' is not used");
  expect_diag(f, SC_DIAG_ERROR, "manifest.json", 4, 14, "\"useLinks\" must be true or false");
  expect_diag(f, SC_DIAG_WARNING, "manifest.json", 4, 17, "unknown key \"extra\"");
  expect_counts(f, 1, 3);
  write_file(f, "manifest.json", "{\"defaultValues\": {\"PORT\": \"8081\",}}\n", 0644);
  validate(f);
  expect_diag(f, SC_DIAG_ERROR, "manifest.json", 1, 35, "not valid JSON");
}

static void test_settings(void **state)
{
  fixture *f = *state;
  write_file(f, "sc-build.json",
             "{\"name\": 3, \"tag\": \"\",\n \"labels\": {\"\": \"x\", \"a\": 1},\n \"test\": {},"
             " \"other\": 1}\n",
             0644);
  validate(f);
  expect_diag(f, SC_DIAG_ERROR, "sc-build.json", 1, 10, "\"name\" must be a non-empty string");
  expect_diag(f, SC_DIAG_ERROR, "sc-build.json", 1, 20, "\"tag\" must be a non-empty string");
  expect_diag(f, SC_DIAG_ERROR, "sc-build.json", 2, 13, "label name cannot be empty");
  expect_diag(f, SC_DIAG_ERROR, "sc-build.json", 2, 27, "label 'a' must be a string");
  expect_diag(f, SC_DIAG_WARNING, "sc-build.json", 3, 14, "unknown key \"other\"");
  expect_counts(f, 4, 1);
  write_file(f, "sc-build.json", "{\"name\": \"x\"\n", 0644);
  validate(f);
  expect_diag(f, SC_DIAG_ERROR, "sc-build.json", 2, 1, "not valid JSON");
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
  const struct CMUnitTest tests[] = {
      T(test_valid_project),
      T(test_config_rules),
      T(test_root_path_and_args),
      T(test_bind_source_under_var_lib),
      T(test_bind_host_interface),
      T(test_missing_manifest_with_own_variable),
      T(test_builtin_default),
      T(test_placeholders),
      T(test_set_value_with_newline),
      T(test_forced_set_refused),
      T(test_json_after_rendering),
      T(test_exec_in_rootfs),
      T(test_exec_not_executable_and_path_lookup),
      T(test_service),
      T(test_service_exec_prefix_accepted),
      T(test_tmpfiles),
      T(test_tmpfiles_quotes_and_argument),
      T(test_layout),
      T(test_plain_config),
      T(test_manifest_in_validation),
      T(test_settings),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
