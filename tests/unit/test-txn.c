/* test-txn.c: install, update, rollback and uninstall are all or nothing
 * (sc/install.h, runtime/txn.h; issue 9 items 5-7).  A failure injected
 * through the test fault hook at every step, and a crash (the child
 * process exits) at every step, leave the root, once sc_recover has run,
 * exactly as before the command or exactly as a complete run leaves it,
 * compared as a manifest of the tree (paths, types, modes, content
 * hashes); and the next command succeeds. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <sc/install.h>

#include "build.h"
#include "image-internal.h"
#include "init.h"
#include "install-internal.h"
#include "project.h"
#include "sha256.h"
#include "util.h"

#define NAME "svc"

typedef struct fixture {
  char dir[64]; /* under /dev/shm when there: a tmpfs makes the many fsyncs cheap */
  int dir_fd;
  char *root;   /* DIR/root: the install root every test works in */
  char *image1; /* oci:DIR/img.oci:svc:1 */
  char *image2;
} fixture;

static fixture F;

static void write_at(int dirfd, const char *path, const char *text)
{
  _cleanup_free_ char *dir = sc_path_dirname(path);
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_mkdir_p_at(dirfd, dir, 0755, &err), 0);
  assert_int_equal(sc_write_file_at(dirfd, path, text, strlen(text), 0644, &err), 0);
}

/* A project without $UUID in its templates, so that two runs render the
 * same files; v2 changes the rootfs, adds a host file and drops one. */
static void make_project(const char *path, int version)
{
  assert_int_equal(mkdirat(F.dir_fd, path, 0755), 0);
  _cleanup_close_ int fd = openat(F.dir_fd, path, O_RDONLY | O_DIRECTORY);
  write_at(fd, "config.json.template",
           "{\"ociVersion\": \"1.0.2\", \"process\": {\"args\": [\"/usr/bin/x\"], \"env\": "
           "[\"R=$RECEIVER\"], \"cwd\": \"/\"}, \"root\": {\"path\": \"rootfs\", \"readonly\": "
           "true}}\n");
  write_at(fd, "manifest.json",
           "{\"version\": \"1.0\", \"defaultValues\": {\"RECEIVER\": \"World\"}, "
           "\"installedFilesTemplate\": [\"/etc/${NAME}/greeting.conf\"]}\n");
  write_at(fd, "service.template", "[Service]\nExecStart=$EXEC_START\nWorkingDirectory=$DESTDIR\n");
  write_at(fd, "tmpfiles.template", "d /var/lib/${NAME} 0700 - - - -\n");
  write_at(fd, "sc-build.json", "{\"name\": \"svc\"}\n");
  write_at(fd, "rootfs/usr/bin/x", version == 1 ? "one\n" : "two\n");
  write_at(fd, "hostfs/etc/svc/greeting.conf", "receiver=$RECEIVER\n");
  write_at(fd, version == 1 ? "hostfs/etc/svc/only-v1.conf" : "hostfs/etc/svc/only-v2.conf", "x\n");
}

static void build(const char *project_dir, const char *tag)
{
  _cleanup_free_ char *path = xasprintf("%s/%s", F.dir, project_dir);
  _cleanup_free_ char *dest = xasprintf("%s/img.oci", F.dir);
  sc_project *project = NULL;
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_project_open(path, &project, &err), 0);
  sc_build_options options = {.dest = dest, .tag = tag};
  sc_build_result result = {0};
  if (sc_build_image(project, &options, &result, &err) < 0)
    fail_msg("build: %s", err.msg);
  sc_build_result_clear(&result);
  sc_project_free(project);
}

static int group_setup(void **state)
{
  (void)state;
  struct stat st;
  bool shm = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) && access("/dev/shm", W_OK) == 0;
  strcpy(F.dir, shm ? "/dev/shm/sc-test-txn.XXXXXX" : "/tmp/sc-test-txn.XXXXXX");
  assert_non_null(mkdtemp(F.dir));
  F.dir_fd = open(F.dir, O_RDONLY | O_DIRECTORY);
  F.root = xasprintf("%s/root", F.dir);
  make_project("v1", 1);
  make_project("v2", 2);
  build("v1", "svc:1");
  build("v2", "svc:2");
  F.image1 = xasprintf("oci:%s/img.oci:svc:1", F.dir);
  F.image2 = xasprintf("oci:%s/img.oci:svc:2", F.dir);
  return 0;
}

static int group_teardown(void **state)
{
  (void)state;
  _cleanup_free_ char *parent = sc_path_dirname(F.dir);
  _cleanup_free_ char *base = sc_path_basename(F.dir);
  _cleanup_close_ int parent_fd = open(parent, O_RDONLY | O_DIRECTORY);
  sc_rm_rf_at(parent_fd, base, NULL);
  close(F.dir_fd);
  free(F.root);
  free(F.image1);
  free(F.image2);
  return 0;
}

/* ---- the manifest of a tree ---- */

static char **manifest_lines;
static size_t manifest_prefix;

/* info holds the install time and a random UUID: left out of its hash. */
static void content_digest(const char *path, char out[SC_DIGEST_LEN + 1])
{
  _cleanup_free_ char *text = NULL;
  size_t len = 0;
  assert_int_equal(sc_read_file_at(AT_FDCWD, path, &text, &len, NULL), 0);
  if (sc_str_has_suffix(path, "/info")) {
    json_t *info = json_loadb(text, len, 0, NULL);
    assert_non_null(info);
    json_object_del(info, "created");
    json_object_del(json_object_get(info, "values"), "UUID");
    free(text);
    text = json_dumps(info, JSON_SORT_KEYS);
    len = strlen(text);
    json_decref(info);
  }
  sc_sha256_digest(text, len, out);
}

static int manifest_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  (void)flag;
  (void)ftw;
  char digest[SC_DIGEST_LEN + 1] = "-";
  if (S_ISREG(st->st_mode))
    content_digest(path, digest);
  if (S_ISLNK(st->st_mode)) {
    ssize_t n = readlink(path, digest, sizeof digest - 1);
    digest[n < 0 ? 0 : n] = '\0';
  }
  _cleanup_free_ char *line =
      xasprintf("%s %o %s", path + manifest_prefix, (unsigned)st->st_mode, digest);
  sc_strv_push(&manifest_lines, line);
  return 0;
}

static int compare_lines(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One line per entry under the root, sorted, newly allocated. */
static char *manifest(void)
{
  manifest_lines = xcalloc(1, sizeof(char *));
  manifest_prefix = strlen(F.root);
  assert_int_equal(nftw(F.root, manifest_entry, 16, FTW_PHYS), 0);
  qsort(manifest_lines, sc_strv_length(manifest_lines), sizeof(char *), compare_lines);
  sc_buf b = SC_BUF_INIT;
  for (size_t i = 0; manifest_lines[i]; i++)
    sc_buf_printf(&b, "%s\n", manifest_lines[i]);
  sc_strv_free(manifest_lines);
  return sc_buf_steal(&b);
}

/* ---- the commands ---- */

typedef enum { OP_INSTALL, OP_UPDATE, OP_ROLLBACK, OP_UNINSTALL, OP_COUNT } op;
static const char *const op_names[] = {"install", "update", "rollback", "uninstall"};

typedef struct hook {
  int calls;
  int fail_at;   /* 1-based call that fails (or exits), 0: none */
  bool exit;     /* crash there instead of failing */
  int committed; /* the call of the "committed" step */
} hook;

static int fault(void *data, const char *step)
{
  hook *h = data;
  h->calls++;
  if (strcmp(step, "committed") == 0)
    h->committed = h->calls;
  if (h->calls != h->fail_at)
    return 0;
  if (h->exit)
    _exit(0); /* as a SIGKILL there: no cleanup, no atexit */
  return EIO;
}

static int run(op which, hook *h, sc_error *err)
{
  sc_install_options options = {.size = sizeof options,
                                .root = F.root,
                                .name = NAME,
                                .no_systemd_cgroup = true,
                                .runtime_path = "/usr/bin/runc",
                                .installer_path = "/usr/bin/sc-build",
                                .test_fault = h ? fault : NULL,
                                .test_fault_data = h};
  sc_install_result result = {0};
  sc_image *image = NULL;
  int r = -1;
  if (which == OP_INSTALL || which == OP_UPDATE)
    r = sc_image_open(which == OP_INSTALL ? F.image1 : F.image2, &image, err);
  if (which == OP_INSTALL && r == 0)
    r = sc_install(image, &options, &result, err);
  if (which == OP_UPDATE && r == 0)
    r = sc_update(image, &options, &result, err);
  if (which == OP_ROLLBACK)
    r = sc_rollback(&options, &result, err);
  if (which == OP_UNINSTALL)
    r = sc_uninstall(&options, &result, err);
  sc_install_result_clear(&result);
  sc_image_free(image);
  return r;
}

static void run_ok(op which)
{
  sc_error err = SC_ERROR_INIT;
  if (run(which, NULL, &err) < 0)
    fail_msg("%s: %s", op_names[which], err.msg);
}

static void recover(void)
{
  sc_install_options options = {.size = sizeof options, .root = F.root, .name = NAME};
  sc_error err = SC_ERROR_INIT;
  if (sc_recover(&options, &err) < 0)
    fail_msg("recover: %s", err.msg);
}

/* The root as it is before `which` (the commands before it in the cycle
 * install, update, rollback, uninstall have run): made once, then copied
 * from a snapshot (to the same path: rendered files name it). */
static void reset_root(op which)
{
  _cleanup_free_ char *snapshot = xasprintf("before-%s", op_names[which]);
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_rm_rf_at(F.dir_fd, "root", NULL), 0);
  if (faccessat(F.dir_fd, snapshot, F_OK, 0) == 0) {
    assert_int_equal(sc_copy_tree_at(F.dir_fd, snapshot, F.dir_fd, "root", NULL, &err), 0);
    return;
  }
  assert_int_equal(mkdirat(F.dir_fd, "root", 0755), 0);
  /* A real root has these; an install only makes them on an empty one. */
  _cleanup_close_ int root_fd = open(F.root, O_RDONLY | O_DIRECTORY);
  const char *dirs[] = {"var/lib/containers/atomic", "etc/systemd/system", "etc/tmpfiles.d"};
  for (size_t i = 0; i < 3; i++)
    assert_int_equal(sc_mkdir_p_at(root_fd, dirs[i], 0755, NULL), 0);
  for (op o = OP_INSTALL; o < which; o++)
    run_ok(o);
  if (sc_copy_tree_at(F.dir_fd, "root", F.dir_fd, snapshot, NULL, &err) < 0)
    fail_msg("snapshot: %s", err.msg);
}

static void expect_state(const char *want, const char *what, op which, int step)
{
  _cleanup_free_ char *have = manifest();
  if (strcmp(want, have) != 0)
    fail_msg("after %s of %s at step %d, the root is neither as before nor as after it\n"
             "want:\n%s\nhave:\n%s",
             what, op_names[which], step, want, have);
}

/* Run `which` failing (or crashing) at its step k, for every k. */
static void fail_at(op which, int k, bool crash)
{
  hook h = {.fail_at = k, .exit = crash};
  sc_error err = SC_ERROR_INIT;
  if (!crash) {
    assert_int_equal(run(which, &h, &err), -1);
    sc_error_clear(&err);
    return;
  }
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0)
    _exit(run(which, &h, &err) < 0 ? 1 : 2); /* exits 0 at step k */
  int status = 0;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 0);
}

static void check_every_step(op which, bool crash)
{
  reset_root(which);
  _cleanup_free_ char *before = manifest();
  hook count = {0};
  sc_error err = SC_ERROR_INIT;
  if (run(which, &count, &err) < 0)
    fail_msg("%s: %s", op_names[which], err.msg);
  _cleanup_free_ char *after = manifest();
  assert_true(count.committed > 0);
  for (int k = 1; k <= count.calls; k++) {
    reset_root(which);
    fail_at(which, k, crash);
    bool committed = k >= count.committed;
    if (!crash && !committed)
      expect_state(before, "a failure (at once)", which, k);
    recover();
    expect_state(committed ? after : before, crash ? "a crash" : "a failure", which, k);
    run_ok(committed ? (which + 1) % OP_COUNT : which); /* the next command succeeds */
  }
}

/* atomic's default name, as a host installer gets it from the library. */
static void test_default_name(void **state)
{
  (void)state;
  static const char *const cases[][2] = {
      {"registry.example/ns/etcd:3.5", "etcd-3.5"},
      {"etcd:latest", "etcd"},
      {"etcd", "etcd"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    sc_image image = {.tag = (char *)cases[i][0], .layout_path = (char *)"/x/img.oci"};
    char *name = sc_container_default_name(&image);
    assert_string_equal(name, cases[i][1]);
    free(name);
  }
  sc_image untagged = {.layout_path = (char *)"/x/img.oci"};
  char *name = sc_container_default_name(&untagged);
  assert_string_equal(name, "img.oci");
  free(name);
}

static void test_install_failures(void **state)
{
  (void)state;
  check_every_step(OP_INSTALL, false);
}

static void test_update_failures(void **state)
{
  (void)state;
  check_every_step(OP_UPDATE, false);
}

static void test_rollback_failures(void **state)
{
  (void)state;
  check_every_step(OP_ROLLBACK, false);
}

static void test_uninstall_failures(void **state)
{
  (void)state;
  check_every_step(OP_UNINSTALL, false);
}

static void test_install_crashes(void **state)
{
  (void)state;
  check_every_step(OP_INSTALL, true);
}

static void test_update_crashes(void **state)
{
  (void)state;
  check_every_step(OP_UPDATE, true);
}

static void test_rollback_crashes(void **state)
{
  (void)state;
  check_every_step(OP_ROLLBACK, true);
}

static void test_uninstall_crashes(void **state)
{
  (void)state;
  check_every_step(OP_UNINSTALL, true);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_default_name),       cmocka_unit_test(test_install_failures),
      cmocka_unit_test(test_update_failures),    cmocka_unit_test(test_rollback_failures),
      cmocka_unit_test(test_uninstall_failures), cmocka_unit_test(test_install_crashes),
      cmocka_unit_test(test_update_crashes),     cmocka_unit_test(test_rollback_crashes),
      cmocka_unit_test(test_uninstall_crashes),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
