/* test-init.c: copying a skeleton into a new project (modes kept, symlinks
 * copied and never followed, an existing destination refused and left
 * untouched, nothing left behind on failure). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "init.h"
#include "util.h"

typedef struct fixture {
  char dir[64];
  int fd; /* the fixture directory */
} fixture;

static void write_file(int dirfd, const char *path, const char *text, mode_t mode)
{
  int fd = openat(dirfd, path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  assert_true(fd >= 0);
  assert_int_equal(sc_write_all(fd, text, strlen(text)), 0);
  assert_int_equal(fchmod(fd, mode), 0);
  close(fd);
}

static char *read_text(int dirfd, const char *path)
{
  char *text = NULL;
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_read_file_at(dirfd, path, &text, NULL, &err), 0);
  return text;
}

static mode_t mode_of(int dirfd, const char *path)
{
  struct stat st;
  assert_int_equal(fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW), 0);
  return st.st_mode;
}

/* skeletons/sk/: files with different modes, symlinks that would lead out
 * of the tree if followed, a DESCRIPTION and sc-build.json. */
static void make_skeleton(int fd, const char *name)
{
  char path[256];
  assert_true(mkdirat(fd, "skeletons", 0755) == 0 || errno == EEXIST);
  snprintf(path, sizeof path, "skeletons/%s", name);
  assert_int_equal(mkdirat(fd, path, 0755), 0);
  int sk = openat(fd, path, O_RDONLY | O_DIRECTORY);
  assert_true(sk >= 0);
  write_file(sk, "manifest.json", "{\"version\": \"1.0\", \"defaultValues\": {}}\n", 0644);
  write_file(sk, "sc-build.json", "{\"name\": \"sk\", \"tag\": \"latest\", \"labels\": {}}\n",
             0644);
  write_file(sk, "DESCRIPTION", "a test skeleton\nsecond line\n", 0644);
  write_file(sk, "private", "secret\n", 0600);
  assert_int_equal(mkdirat(sk, "rootfs", 0755), 0);
  assert_int_equal(mkdirat(sk, "rootfs/usr", 0755), 0);
  assert_int_equal(mkdirat(sk, "rootfs/usr/bin", 0755), 0);
  write_file(sk, "rootfs/usr/bin/service", "#!/bin/sh\necho hi\n", 0755);
  assert_int_equal(mkdirat(sk, "rootfs/locked", 0500), 0);
  assert_int_equal(symlinkat("/etc/passwd", sk, "rootfs/passwd-link"), 0);
  assert_int_equal(symlinkat("usr", sk, "rootfs/usr-link"), 0);
  assert_int_equal(symlinkat("/nonexistent/dangling", sk, "rootfs/dangling"), 0);
  close(sk);
}

static int setup(void **state)
{
  fixture *f = xcalloc(1, sizeof *f);
  strcpy(f->dir, "/tmp/sc-test-init.XXXXXX");
  assert_non_null(mkdtemp(f->dir));
  f->fd = open(f->dir, O_RDONLY | O_DIRECTORY);
  assert_true(f->fd >= 0);
  make_skeleton(f->fd, "sk");
  *state = f;
  return 0;
}

static int teardown(void **state)
{
  fixture *f = *state;
  sc_error err = SC_ERROR_INIT;
  close(f->fd);
  int dirfd = open("/tmp", O_RDONLY | O_DIRECTORY);
  sc_rm_rf_at(dirfd, f->dir + strlen("/tmp/"), &err);
  sc_error_clear(&err);
  close(dirfd);
  free(f);
  return 0;
}

static char *fixture_path(const fixture *f, const char *name)
{
  return xasprintf("%s/%s", f->dir, name);
}

/* Names in a directory other than "." and "..". */
static size_t count_entries(int dirfd, const char *path)
{
  int fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY);
  assert_true(fd >= 0);
  DIR *d = fdopendir(fd);
  assert_non_null(d);
  size_t n = 0;
  struct dirent *de;
  while ((de = readdir(d)) != NULL)
    if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
      n++;
  closedir(d);
  return n;
}

static void copy_keeps_modes(void **state)
{
  fixture *f = *state;
  sc_error err = SC_ERROR_INIT;
  static const char *const skip[] = {"DESCRIPTION", NULL};
  assert_int_equal(sc_copy_tree_at(f->fd, "skeletons/sk", f->fd, "copy", skip, &err), 0);
  assert_int_equal(mode_of(f->fd, "copy/rootfs/usr/bin/service") & 07777, 0755);
  assert_int_equal(mode_of(f->fd, "copy/private") & 07777, 0600);
  assert_int_equal(mode_of(f->fd, "copy/manifest.json") & 07777, 0644);
  assert_true(S_ISDIR(mode_of(f->fd, "copy/rootfs/locked")));
  assert_int_equal(mode_of(f->fd, "copy/rootfs/locked") & 07777, 0500);
  char *text = read_text(f->fd, "copy/rootfs/usr/bin/service");
  assert_string_equal(text, "#!/bin/sh\necho hi\n");
  free(text);
  /* skip applies at the top level only */
  assert_int_equal(faccessat(f->fd, "copy/DESCRIPTION", F_OK, AT_SYMLINK_NOFOLLOW), -1);
}

static void copy_keeps_symlinks_verbatim(void **state)
{
  fixture *f = *state;
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(sc_copy_tree_at(f->fd, "skeletons/sk", f->fd, "copy", NULL, &err), 0);
  static const char *const links[][2] = {
      {"copy/rootfs/passwd-link", "/etc/passwd"},
      {"copy/rootfs/usr-link", "usr"},
      {"copy/rootfs/dangling", "/nonexistent/dangling"},
  };
  for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
    assert_true(S_ISLNK(mode_of(f->fd, links[i][0])));
    char target[256];
    ssize_t n = readlinkat(f->fd, links[i][0], target, sizeof target - 1);
    assert_true(n > 0);
    target[n] = '\0';
    assert_string_equal(target, links[i][1]);
  }
  assert_int_equal(faccessat(f->fd, "copy/DESCRIPTION", F_OK, AT_SYMLINK_NOFOLLOW), 0);
}

static void copy_refuses_existing_destination(void **state)
{
  fixture *f = *state;
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(mkdirat(f->fd, "existing", 0755), 0);
  assert_int_equal(sc_copy_tree_at(f->fd, "skeletons/sk", f->fd, "existing", NULL, &err), -1);
  assert_int_equal(err.code, SC_E_EXISTS);
  sc_error_clear(&err);
  assert_int_equal(count_entries(f->fd, "existing"), 0);

  /* A symlink at the destination is not followed into its target. */
  assert_int_equal(mkdirat(f->fd, "elsewhere", 0755), 0);
  assert_int_equal(symlinkat("elsewhere", f->fd, "via-link"), 0);
  assert_int_equal(sc_copy_tree_at(f->fd, "skeletons/sk", f->fd, "via-link", NULL, &err), -1);
  sc_error_clear(&err);
  assert_int_equal(count_entries(f->fd, "elsewhere"), 0);
}

static void copy_refuses_a_symlinked_source(void **state)
{
  fixture *f = *state;
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(symlinkat("skeletons/sk", f->fd, "sk-link"), 0);
  assert_int_equal(sc_copy_tree_at(f->fd, "sk-link", f->fd, "copy", NULL, &err), -1);
  sc_error_clear(&err);
}

static void init_names_the_image_after_the_directory(void **state)
{
  fixture *f = *state;
  sc_error err = SC_ERROR_INIT;
  char *skeletons = fixture_path(f, "skeletons");
  char *path = fixture_path(f, "my-service/");
  sc_init_options options = {.skeletons_dir = skeletons, .skeleton = "sk", .path = path};
  assert_int_equal(sc_init_project(&options, &err), 0);
  char *text = read_text(f->fd, "my-service/sc-build.json");
  assert_non_null(strstr(text, "\"name\": \"my-service\""));
  assert_non_null(strstr(text, "\"tag\": \"latest\""));
  free(text);
  assert_int_equal(mode_of(f->fd, "my-service/rootfs/usr/bin/service") & 07777, 0755);
  assert_int_equal(faccessat(f->fd, "my-service/DESCRIPTION", F_OK, AT_SYMLINK_NOFOLLOW), -1);
  /* skeletons/ and my-service/ only: no hidden temp directory left */
  assert_int_equal(count_entries(f->fd, "."), 2);
  free(skeletons);
  free(path);
}

static void init_refuses_an_existing_directory_untouched(void **state)
{
  fixture *f = *state;
  sc_error err = SC_ERROR_INIT;
  assert_int_equal(mkdirat(f->fd, "taken", 0700), 0);
  write_file(f->fd, "taken/mine", "keep me\n", 0640);
  char *skeletons = fixture_path(f, "skeletons");
  char *path = fixture_path(f, "taken");
  sc_init_options options = {.skeletons_dir = skeletons, .skeleton = "sk", .path = path};
  assert_int_equal(sc_init_project(&options, &err), -1);
  assert_int_equal(err.code, SC_E_EXISTS);
  assert_non_null(strstr(err.msg, "already exists"));
  sc_error_clear(&err);
  assert_int_equal(count_entries(f->fd, "taken"), 1);
  assert_int_equal(mode_of(f->fd, "taken") & 07777, 0700);
  char *text = read_text(f->fd, "taken/mine");
  assert_string_equal(text, "keep me\n");
  free(text);
  /* also a file, or a dangling symlink */
  assert_int_equal(symlinkat("/nonexistent", f->fd, "dangling"), 0);
  free(path);
  path = fixture_path(f, "dangling");
  options.path = path;
  assert_int_equal(sc_init_project(&options, &err), -1);
  assert_int_equal(err.code, SC_E_EXISTS);
  sc_error_clear(&err);
  assert_int_equal(count_entries(f->fd, "."), 3);
  free(skeletons);
  free(path);
}

static void init_leaves_nothing_behind_on_failure(void **state)
{
  fixture *f = *state;
  sc_error err = SC_ERROR_INIT;
  /* a FIFO cannot be copied: the copy fails half-way */
  assert_int_equal(mkfifoat(f->fd, "skeletons/sk/rootfs/zz-fifo", 0644), 0);
  char *skeletons = fixture_path(f, "skeletons");
  char *path = fixture_path(f, "broken");
  sc_init_options options = {.skeletons_dir = skeletons, .skeleton = "sk", .path = path};
  assert_int_equal(sc_init_project(&options, &err), -1);
  assert_non_null(strstr(err.msg, "zz-fifo"));
  sc_error_clear(&err);
  assert_int_equal(count_entries(f->fd, "."), 1); /* skeletons/ only */
  free(skeletons);
  free(path);
}

static void skeleton_list_and_choice(void **state)
{
  fixture *f = *state;
  sc_error err = SC_ERROR_INIT;
  make_skeleton(f->fd, "hello-world");
  assert_int_equal(mkdirat(f->fd, "skeletons/.hidden", 0755), 0);
  write_file(f->fd, "skeletons/not-a-dir", "", 0644);
  char *skeletons = fixture_path(f, "skeletons");
  sc_skeleton_list list;
  assert_int_equal(sc_skeleton_list_read(skeletons, &list, &err), 0);
  assert_int_equal(list.count, 2);
  assert_string_equal(list.items[0].name, "hello-world");
  assert_string_equal(list.items[1].name, "sk");
  assert_string_equal(list.items[1].description, "a test skeleton");

  const char *chosen = NULL;
  assert_int_equal(sc_init_choose_skeleton(&list, NULL, "some/where/sk/", &chosen, &err), 0);
  assert_string_equal(chosen, "sk");
  assert_int_equal(sc_init_choose_skeleton(&list, NULL, "other", &chosen, &err), 0);
  assert_string_equal(chosen, "hello-world");
  assert_int_equal(sc_init_choose_skeleton(&list, "sk", "hello-world", &chosen, &err), 0);
  assert_string_equal(chosen, "sk");
  assert_int_equal(sc_init_choose_skeleton(&list, "../sk", "x", &chosen, &err), -1);
  assert_non_null(strstr(err.msg, "available: hello-world, sk"));
  sc_error_clear(&err);
  sc_skeleton_list_free(&list);
  free(skeletons);
}

static void project_name_is_the_last_component(void **state)
{
  (void)state;
  static const char *const cases[][2] = {
      {"hello-world", "hello-world"}, {"a/b/c", "c"}, {"a/b/", "b"}, {"/", ""}, {"x//", "x"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *name = sc_init_project_name(cases[i][0]);
    assert_string_equal(name, cases[i][1]);
    free(name);
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(copy_keeps_modes, setup, teardown),
      cmocka_unit_test_setup_teardown(copy_keeps_symlinks_verbatim, setup, teardown),
      cmocka_unit_test_setup_teardown(copy_refuses_existing_destination, setup, teardown),
      cmocka_unit_test_setup_teardown(copy_refuses_a_symlinked_source, setup, teardown),
      cmocka_unit_test_setup_teardown(init_names_the_image_after_the_directory, setup, teardown),
      cmocka_unit_test_setup_teardown(init_refuses_an_existing_directory_untouched, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(init_leaves_nothing_behind_on_failure, setup, teardown),
      cmocka_unit_test_setup_teardown(skeleton_list_and_choice, setup, teardown),
      cmocka_unit_test(project_name_is_the_last_component),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
