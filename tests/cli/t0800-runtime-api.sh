#!/usr/bin/env bash
# t0800-runtime-api: libscruntime is what a host-side installer links:
# `cmake --install` ships the library, its header and scruntime.pc, and a
# program built only from those -- accessors of opaque handles and option
# structs set up by their SC_*_INIT macros -- renders a template, computes
# values, parses a manifest and a reference, lists installs and is told
# that nothing is installed.
. "$SC_SOURCE_DIR/tests/cli/lib.sh"
test_require cmake pkg-config cc objdump

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
/* A host installer in miniature: only <sc/runtime.h> and scruntime.pc,
 * through the public API alone: opaque handles read by accessors, option
 * structs set up by their SC_*_INIT macros (sc/runtime.h). */
#include <sc/runtime.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(sc_error *err)
{
  fprintf(stderr, "%s\n", err->msg);
  return 1;
}

static int render(sc_error *err)
{
  sc_values *v = sc_values_new();
  sc_values_set(v, "NAME", "hello");
  const char *text = "ExecStart=/usr/bin/runc run '$NAME' $$HOME";
  char *out = NULL;
  int r = sc_template_render(text, strlen(text), "unit", v, SC_TEMPLATE_SINGLE_LINE_VALUES, &out,
                             NULL, err);
  if (r == 0)
    printf("%s\n", out);
  free(out);
  sc_values_free(v);
  return r;
}

static int compute(sc_error *err)
{
  sc_values_context ctx = SC_VALUES_CONTEXT_INIT;
  ctx.name = "hello";
  ctx.destdir = "/var/lib/containers/atomic/hello.0";
  sc_values *values = NULL;
  if (sc_values_compute(&ctx, &values, NULL, err) < 0)
    return -1;
  printf("NAME=%s\n", sc_values_get(values, "NAME"));
  sc_values_free(values);
  return 0;
}

static int manifest(sc_error *err)
{
  const char *text = "{\"defaultValues\": {\"PORT\": \"8080\"}, \"odd\": 1}";
  sc_diags *diags = sc_diags_new();
  sc_manifest *m = NULL;
  if (sc_manifest_parse(text, strlen(text), "manifest.json", &m, diags, err) < 0) {
    sc_diags_free(diags);
    return -1;
  }
  printf("PORT=%s useLinks=%d\n", sc_values_get(sc_manifest_default_values(m), "PORT"),
         sc_manifest_use_links(m));
  for (size_t i = 0; i < sc_diags_length(diags); i++) {
    const sc_diag *d = sc_diags_at(diags, i);
    printf("%s: %s:%d:%d: %s\n", sc_diag_severity_name(sc_diag_severity_of(d)), sc_diag_file(d),
           sc_diag_line(d), sc_diag_col(d), sc_diag_message(d));
  }
  sc_manifest_free(m);
  sc_diags_free(diags);
  return 0;
}

static int reference(sc_error *err)
{
  sc_image_ref *ref = sc_image_ref_new();
  int r = sc_image_ref_parse("docker://example.com/ns/hello:1", SC_REF_SOURCE, ref, err);
  if (r == 0)
    printf("%s %s %s %s\n", sc_transport_info_name(sc_image_ref_transport(ref)),
           sc_image_ref_host(ref), sc_image_ref_repository(ref), sc_image_ref_tag(ref));
  sc_image_ref_free(ref);
  return r;
}

/* Nothing is installed under root: the uninstall fails, the result stays empty. */
static int uninstall(const char *root)
{
  sc_install_options options = SC_INSTALL_OPTIONS_INIT;
  options.root = root;
  options.name = "hello";
  sc_install_result *result = sc_install_result_new();
  sc_error err = SC_ERROR_INIT;
  int r = sc_uninstall(&options, result, &err);
  printf("uninstall: %d %s deployment=%s\n", r, err.msg ? err.msg : "",
         sc_install_result_deployment(result) ? sc_install_result_deployment(result) : "none");
  sc_error_clear(&err);
  sc_install_result_free(result);
  return r < 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
  const char *root = argc > 1 ? argv[1] : "/";
  sc_error err = SC_ERROR_INIT;
  if (render(&err) < 0 || compute(&err) < 0 || manifest(&err) < 0 || reference(&err) < 0)
    return fail(&err);
  json_t *list = NULL;
  if (sc_list(root, &list, &err) < 0)
    return fail(&err);
  printf("installed: %zu\n", json_array_size(list));
  json_decref(list);
  return uninstall(root) < 0 ? 1 : 0;
}
C

# What the public headers must not allow: the handles are opaque.
cat >peeks.c <<'C'
#include <sc/runtime.h>
int main(void)
{
  sc_install_result result; /* opaque: only sc_install_result_new() makes one */
  (void)result;
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
  expect_grep "^NAME=hello$" out &&
  expect_grep "^PORT=8080 useLinks=1$" out &&
  expect_grep "^warning: manifest.json:1:[0-9]+: .*odd" out &&
  expect_grep "^docker example.com ns/hello 1$" out &&
  expect_grep "^installed: 0$" out &&
  expect_grep "^uninstall: -1 .*hello.* deployment=none$" out
'

test_expect_success 'the library is SOVERSION 1 and the program links it by that name' '
  export PKG_CONFIG_PATH=$(dirname "$(ls "$PREFIX"/lib*/pkgconfig/scruntime.pc)") &&
  libdir=$(pkg-config --variable=libdir scruntime) &&
  [ -e "$libdir/libscruntime.so.1" ] &&
  objdump -p consumer >deps &&
  expect_grep "NEEDED +libscruntime\.so\.1$" deps
'

test_expect_success 'the public headers keep the handles opaque' '
  export PKG_CONFIG_PATH=$(dirname "$(ls "$PREFIX"/lib*/pkgconfig/scruntime.pc)") &&
  ! cc -std=c11 -c peeks.c -o peeks.o $(pkg-config --cflags scruntime) 2>peeks.err &&
  expect_grep "storage size of .result. isn.t known|incomplete type" peeks.err
'

test_done
