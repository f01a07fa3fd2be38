#!/usr/bin/env bash
# t0800-runtime-api: libscruntime is what a host-side installer links:
# `cmake --install` ships the library, its header and scruntime.pc, and a
# program built only from those renders a template and lists installs.
. "$SC_SOURCE_DIR/tests/cli/lib.sh"
test_require cmake pkg-config cc

PREFIX=$TEST_TMP/prefix

test_expect_success 'cmake --install puts the library, header, pkg-config file and data in place' '
  cmake --install "$SC_BUILD_DIR" --prefix "$PREFIX" >install.log &&
  [ -x "$PREFIX/bin/sc-build" ] &&
  [ -f "$PREFIX/include/sc/runtime.h" ] &&
  ls "$PREFIX"/lib*/libscruntime.so* >/dev/null &&
  ls "$PREFIX"/lib*/pkgconfig/scruntime.pc >/dev/null &&
  [ -x "$PREFIX/share/sc-build/skeletons/hello-world/rootfs/usr/bin/hello-server" ] &&
  [ -f "$PREFIX/share/man/man1/sc-build.1" ]
'

test_expect_success 'the installed sc-build finds its own skeletons' '
  SC_BUILD_DATADIR= "$PREFIX/bin/sc-build" init --list >list &&
  expect_grep "^hello-world" list && expect_grep "^oneshot" list
'

cat >consumer.c <<'C'
/* A host installer in miniature: only <sc/runtime.h> and scruntime.pc. */
#include <sc/runtime.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
  sc_values *v = sc_values_new();
  sc_values_set(v, "NAME", "hello");
  const char *text = "ExecStart=/usr/bin/runc run '$NAME' $$HOME";
  char *out = NULL;
  sc_error err = SC_ERROR_INIT;
  if (sc_template_render(text, strlen(text), "unit", v, SC_TEMPLATE_SINGLE_LINE_VALUES, &out, NULL,
                         &err) < 0) {
    fprintf(stderr, "%s\n", err.msg);
    return 1;
  }
  printf("%s\n", out);
  json_t *list = NULL;
  if (sc_list(argc > 1 ? argv[1] : "/", &list, &err) < 0) {
    fprintf(stderr, "%s\n", err.msg);
    return 1;
  }
  printf("installed: %zu\n", json_array_size(list));
  json_decref(list);
  free(out);
  sc_values_free(v);
  return 0;
}
C

test_expect_success 'a program built from the installed header and pkg-config file links and runs' '
  export PKG_CONFIG_PATH=$(dirname "$(ls "$PREFIX"/lib*/pkgconfig/scruntime.pc)") &&
  libdir=$(pkg-config --variable=libdir scruntime) &&
  extra= &&
  if nm -D "$libdir/libscruntime.so" | grep_q __asan_init; then extra="-fsanitize=address,undefined"; fi &&
  cc -std=c11 -Wall -Werror $extra consumer.c -o consumer $(pkg-config --cflags --libs scruntime) &&
  mkdir -p root &&
  LD_LIBRARY_PATH=$libdir ASAN_OPTIONS=detect_leaks=0 ./consumer root >out &&
  expect_grep "^ExecStart=/usr/bin/runc run .hello. \\\$HOME$" out &&
  expect_grep "^installed: 0$" out
'

test_done
