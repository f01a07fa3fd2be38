/* test-inroot.c: resolving paths inside a root (runtime/inroot.c).
 *
 * sc_open_in_root must resolve as openat2(2) RESOLVE_IN_ROOT does, with the
 * kernel's openat2 and without it (Linux < 5.6): every case is opened both
 * ways and must give the same file or the same errno.  A child process in
 * which a seccomp filter makes openat2 fail with ENOSYS, as an old kernel
 * does, installs hostfs files through the real caller. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sc/values.h>
#include "hostfs.h"
#include "inroot.h"
#include "util.h"

typedef struct fixture {
  char dir[64]; /* holds root/ and outside/ */
  int root_fd;
} fixture;

static void make_file(int dirfd, const char *path, const char *data)
{
  assert_int_equal(sc_write_file_at(dirfd, path, data, strlen(data), 0644, NULL), 0);
}

/* root/ a/b/file, links that climb and jump, a loop; outside/secret beside it. */
static int setup(void **state)
{
  fixture *f = xcalloc(1, sizeof *f);
  strcpy(f->dir, "/tmp/sc-test-inroot.XXXXXX");
  assert_non_null(mkdtemp(f->dir));
  int top = open(f->dir, O_RDONLY | O_DIRECTORY);
  assert_int_equal(sc_mkdir_p_at(top, "root/a/b", 0755, NULL), 0);
  assert_int_equal(sc_mkdir_p_at(top, "outside", 0755, NULL), 0);
  make_file(top, "root/a/b/file", "in");
  make_file(top, "root/secret", "root's");
  make_file(top, "outside/secret", "outside");
  f->root_fd = openat(top, "root", O_RDONLY | O_DIRECTORY);
  static const char *const links[][2] = {
      {"abs", "/a/b"},     {"up", "../../../outside"},  {"a/b/up", "../../.."},
      {"loop1", "loop2"},  {"loop2", "loop1"},          {"dangling", "/a/new"},
      {"a/rel", "b/file"}, {"empty-chain", "abs/up/a"}, {"proc", "/proc/self/root"},
  };
  for (size_t i = 0; i < sizeof links / sizeof links[0]; i++)
    assert_int_equal(symlinkat(links[i][1], f->root_fd, links[i][0]), 0);
  close(top);
  *state = f;
  return 0;
}

static int teardown(void **state)
{
  fixture *f = *state;
  close(f->root_fd);
  sc_rm_rf_at(AT_FDCWD, f->dir, NULL);
  free(f);
  return 0;
}

/* What an open gave: the file's identity, or the errno. */
typedef struct outcome {
  int error;
  dev_t dev;
  ino_t ino;
} outcome;

static outcome open_how(int root_fd, const char *path, int flags, unsigned options)
{
  outcome o = {0};
  int fd = sc_open_in_root(root_fd, path, flags, 0644, options);
  if (fd < 0) {
    o.error = errno;
    return o;
  }
  struct stat st;
  assert_int_equal(fstat(fd, &st), 0);
  o.dev = st.st_dev;
  o.ino = st.st_ino;
  close(fd);
  return o;
}

static void assert_same_both_ways(int root_fd, const char *path, int flags)
{
  outcome kernel = open_how(root_fd, path, flags, 0);
  outcome by_hand = open_how(root_fd, path, flags, SC_IN_ROOT_NO_OPENAT2);
  if (kernel.error != by_hand.error || kernel.ino != by_hand.ino || kernel.dev != by_hand.dev)
    fail_msg("%s (flags %#x): openat2 gives errno %d inode %lu, the walk errno %d inode %lu", path,
             (unsigned)flags, kernel.error, (unsigned long)kernel.ino, by_hand.error,
             (unsigned long)by_hand.ino);
}

static void assert_opens(int root_fd, const char *path, unsigned options, const char *content)
{
  int fd = sc_open_in_root(root_fd, path, O_RDONLY, 0, options);
  if (fd < 0)
    fail_msg("%s: %s", path, strerror(errno));
  char buf[32] = {0};
  assert_true(read(fd, buf, sizeof buf - 1) >= 0);
  close(fd);
  assert_string_equal(buf, content);
}

static void test_walk_resolves_as_openat2(void **state)
{
  fixture *f = *state;
  static const char *const paths[] = {
      "",
      "/",
      "a/b/file",
      "/a/b/file",
      "a//b/./file",
      "../../secret",
      "secret",
      "a/../secret",
      "abs/file",
      "abs/up/secret",
      "up/secret",
      "a/b/up/secret",
      "loop1",
      "loop1/x",
      "dangling",
      "a/rel",
      "a/b/file/x",
      "a/b/file/",
      "a/b/",
      "missing/x",
      "empty-chain/b/file",
      "proc/etc",
  };
  static const int flag_sets[] = {O_RDONLY, O_PATH, O_PATH | O_NOFOLLOW, O_RDONLY | O_DIRECTORY};
  for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
    for (size_t j = 0; j < sizeof flag_sets / sizeof flag_sets[0]; j++)
      assert_same_both_ways(f->root_fd, paths[i], flag_sets[j]);
}

/* Never the file beside the root, whichever way. */
static void test_walk_never_leaves_the_root(void **state)
{
  fixture *f = *state;
  for (unsigned options = 0; options <= SC_IN_ROOT_NO_OPENAT2; options++) {
    assert_opens(f->root_fd, "../../secret", options, "root's");
    /* up -> ../../../outside is /outside in the root: not there. */
    errno = 0;
    assert_int_equal(sc_open_in_root(f->root_fd, "up/secret", O_RDONLY, 0, options), -1);
    assert_int_equal(errno, ENOENT);
    assert_opens(f->root_fd, "a/b/up/secret", options, "root's");
    assert_opens(f->root_fd, "abs/up/secret", options, "root's");
  }
}

/* O_CREAT follows a dangling link into the root; O_EXCL does not follow. */
static void test_walk_creates_as_openat2(void **state)
{
  fixture *f = *state;
  for (unsigned options = 0; options <= SC_IN_ROOT_NO_OPENAT2; options++) {
    int fd = sc_open_in_root(f->root_fd, "dangling", O_WRONLY | O_CREAT, 0600, options);
    assert_true(fd >= 0);
    close(fd);
    struct stat st;
    assert_int_equal(fstatat(f->root_fd, "a/new", &st, AT_SYMLINK_NOFOLLOW), 0);
    assert_int_equal(unlinkat(f->root_fd, "a/new", 0), 0);
    errno = 0;
    assert_int_equal(
        sc_open_in_root(f->root_fd, "dangling", O_WRONLY | O_CREAT | O_EXCL, 0600, options), -1);
    assert_int_equal(errno, EEXIST);
    fd = sc_open_in_root(f->root_fd, "../made", O_WRONLY | O_CREAT | O_EXCL, 0600, options);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(unlinkat(f->root_fd, "made", 0), 0);
  }
}

/* libostree's rule (ot_util_filename_validate): a name, not a path. */
static void test_name_is_valid(void **state)
{
  (void)state;
  assert_true(sc_name_is_valid("a"));
  assert_true(sc_name_is_valid("..."));
  assert_true(sc_name_is_valid(".wh..wh..opq"));
  assert_false(sc_name_is_valid(""));
  assert_false(sc_name_is_valid("."));
  assert_false(sc_name_is_valid(".."));
  assert_false(sc_name_is_valid("a/b"));
  assert_false(sc_name_is_valid("/"));
}

/* An image's tree: no symlink on the way, not even one inside the root. */
static void test_parent_beneath_follows_no_symlink(void **state)
{
  fixture *f = *state;
  const char *base = NULL;
  sc_error err = SC_ERROR_INIT;
  int fd = sc_open_parent_beneath(f->root_fd, "a/b/file", false, &base, &err);
  assert_true(fd >= 0);
  assert_string_equal(base, "file");
  close(fd);
  assert_int_equal(sc_open_parent_beneath(f->root_fd, "abs/file", false, &base, &err), -1);
  assert_non_null(strstr(err.msg, "'abs' is a symlink"));
  sc_error_clear(&err);
  assert_int_equal(sc_open_parent_beneath(f->root_fd, "a/../secret", false, &base, &err), -1);
  assert_non_null(strstr(err.msg, "not a file name"));
  sc_error_clear(&err);
  assert_int_equal(sc_open_parent_beneath(f->root_fd, "no/such", false, &base, &err), -1);
  assert_int_equal(err.code, ENOENT);
  sc_error_clear(&err);
  fd = sc_open_parent_beneath(f->root_fd, "new/dirs/x", true, &base, &err);
  assert_true(fd >= 0);
  close(fd);
  struct stat st;
  assert_int_equal(fstatat(f->root_fd, "new/dirs", &st, AT_SYMLINK_NOFOLLOW), 0);
  assert_true(S_ISDIR(st.st_mode));
}

/* ---- openat2 missing, as on Linux < 5.6 ---- */

/* Make openat2 fail with ENOSYS in this process (seccomp(2) filter). */
static int forbid_openat2(void)
{
  struct sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat2, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog = {.len = sizeof filter / sizeof filter[0], .filter = filter};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return -1;
  return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

/* In the child: install rootfs/exports/hostfs/etc/app.conf into the root. */
static int install_hostfs_without_openat2(fixture *f)
{
  int top = open(f->dir, O_RDONLY | O_DIRECTORY);
  if (sc_mkdir_p_at(top, "rootfs/exports/hostfs/etc", 0755, NULL) < 0 ||
      sc_write_file_at(top, "rootfs/exports/hostfs/etc/app.conf", "x", 1, 0644, NULL) < 0 ||
      sc_mkdir_p_at(f->root_fd, "etc", 0755, NULL) < 0)
    return 2;
  int rootfs_fd = openat(top, "rootfs", O_RDONLY | O_DIRECTORY);
  if (forbid_openat2() < 0)
    return 3;
  /* The filter works: the kernel's openat2 is gone. */
  struct open_how how = {.flags = O_RDONLY};
  if (syscall(SYS_openat2, AT_FDCWD, ".", &how, sizeof how) >= 0 || errno != ENOSYS)
    return 4;
  sc_values *values = sc_values_new();
  sc_hostfs_plan plan = {.values = values};
  sc_hostfs_record record = {0};
  sc_error err = SC_ERROR_INIT;
  if (sc_hostfs_install(rootfs_fd, f->root_fd, &plan, &record, &err) < 0) {
    fprintf(stderr, "hostfs install without openat2: %s\n", err.msg);
    return 1;
  }
  struct stat st;
  return fstatat(f->root_fd, "etc/app.conf", &st, 0) == 0 ? 0 : 5;
}

/* A chain of "d" directories depth deep under dirfd, opened all the way
 * one at a time; returns the deepest one's fd. */
static int make_chain(int dirfd, int depth)
{
  int fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
  for (int i = 0; i < depth; i++) {
    assert_int_equal(mkdirat(fd, "d", 0755), 0);
    int next = openat(fd, "d", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    assert_true(next >= 0);
    close(fd);
    fd = next;
  }
  return fd;
}

static char *chain_path(int depth, const char *rest)
{
  sc_buf b = SC_BUF_INIT;
  for (int i = 0; i < depth; i++)
    sc_buf_puts(&b, "d/");
  sc_buf_puts(&b, rest);
  return b.data;
}

/* Past PATH_MAX the parent is opened a piece at a time, and a symlink in
 * a later piece is refused as one in the first is. */
static void test_parent_beneath_deeper_than_path_max(void **state)
{
  fixture *f = *state;
  int depth = PATH_MAX; /* "d/" each: twice PATH_MAX long */
  int deepest = make_chain(f->root_fd, depth);
  make_file(deepest, "leaf", "x");
  sc_error err = SC_ERROR_INIT;
  const char *base = NULL;
  _cleanup_free_ char *path = chain_path(depth, "leaf");
  int fd = sc_open_parent_beneath(f->root_fd, path, false, &base, &err);
  assert_true(fd >= 0);
  assert_string_equal(base, "leaf");
  struct stat want, got;
  assert_int_equal(fstat(deepest, &want), 0);
  assert_int_equal(fstat(fd, &got), 0);
  assert_true(want.st_ino == got.st_ino && want.st_dev == got.st_dev);
  close(fd);
  close(deepest);

  /* d/.../d (past the first piece) is a symlink to the root's parent. */
  int above = make_chain(f->root_fd, 0);
  int at = PATH_MAX / 2 + 10;
  int holder = above;
  for (int i = 0; i < at; i++) {
    int next = openat(holder, "d", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    assert_true(next >= 0);
    close(holder);
    holder = next;
  }
  assert_int_equal(sc_rm_rf_at(holder, "d", NULL), 0);
  assert_int_equal(symlinkat("/", holder, "d"), 0);
  close(holder);
  fd = sc_open_parent_beneath(f->root_fd, path, false, &base, &err);
  assert_int_equal(fd, -1);
  assert_non_null(strstr(err.msg, "is a symlink or not a directory"));
  sc_error_clear(&err);
}

static void test_hostfs_installs_without_openat2(void **state)
{
  fixture *f = *state;
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0)
    _exit(install_hostfs_without_openat2(f));
  int status = 0;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_name_is_valid),
      cmocka_unit_test_setup_teardown(test_parent_beneath_follows_no_symlink, setup, teardown),
      cmocka_unit_test_setup_teardown(test_parent_beneath_deeper_than_path_max, setup, teardown),
      cmocka_unit_test_setup_teardown(test_walk_resolves_as_openat2, setup, teardown),
      cmocka_unit_test_setup_teardown(test_walk_never_leaves_the_root, setup, teardown),
      cmocka_unit_test_setup_teardown(test_walk_creates_as_openat2, setup, teardown),
      cmocka_unit_test_setup_teardown(test_hostfs_installs_without_openat2, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
