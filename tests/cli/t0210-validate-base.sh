#!/bin/bash
# t0210-validate-base: `validate` and `build` look for the program, its #!
# interpreter, its ELF loader and its libraries in rootfs/ over the base
# image (--from, or "from" in sc-build.json), and name what is missing.
. "$SC_SOURCE_DIR/tests/cli/lib.sh"
test_require python3
test_lazy_prereq UMOCI 'command -v umoci'
test_lazy_prereq CC 'command -v cc && command -v ldd'
test_lazy_prereq RUNC 'command -v runc && command -v curl && test "$(id -u)" = 0'

# A project like test_make_project's whose program is $2 (its rootfs/ no
# longer holds hello-server).
make_app() {
  test_make_project "$1" "$1" &&
  rm "$1/rootfs/usr/bin/hello-server" &&
  sed -i "s|\"/usr/bin/hello-server\"|\"$2\"|" "$1/config.json.template"
}

# The base: an image built by sc-build whose rootfs holds the program.
test_expect_success 'a base image built by sc-build holds the program' '
  test_make_project base base &&
  sc_build build base -o base.oci >out &&
  expect_grep "^Built oci:base.oci:base:latest$" out
'

test_expect_success 'a program from the base is missing without --from, found with it' '
  make_app app /usr/bin/hello-server &&
  expect_exit 1 sc_build validate app &&
  expect_grep "app/config.json.template:6:14: error: .*missing from rootfs/" "$TEST_TMP/.stderr" &&
  sc_build validate app --from oci:base.oci:base:latest 2>err &&
  expect_grep "app: 0 errors" err &&
  expect_exit 1 sc_build build app -o no.oci &&
  test ! -e no.oci
'

test_expect_success 'build --from validates through the base and stacks the layers' '
  sc_build --json build app --from oci:base.oci:base:latest -o app.oci >build.json &&
  python3 -c "import json; d=json.load(open(\"build.json\")); assert d[\"ok\"] and len(d[\"layers\"]) == 4, d"
'

test_expect_success 'sc-build.json "from" is relative to the project; --from overrides it' '
  python3 -c "import json; p=\"app/sc-build.json\"; d=json.load(open(p)); d[\"from\"]=\"oci:../base.oci:base:latest\"; json.dump(d, open(p, \"w\"))" &&
  sc_build validate app 2>err &&
  expect_grep "app: 0 errors" err &&
  (cd app && sc_build validate . 2>../err2) &&
  expect_grep "0 errors" err2 &&
  sc_build --json build app -o app2.oci >build2.json &&
  python3 -c "import json; d=json.load(open(\"build2.json\")); assert d[\"ok\"] and len(d[\"layers\"]) == 4, d" &&
  expect_exit 1 sc_build validate app --from oci:nowhere.oci &&
  expect_grep "\-\-from oci:nowhere.oci" "$TEST_TMP/.stderr" &&
  expect_exit 2 sc_build validate app --from base.oci &&
  expect_grep "give the base image as oci:PATH" "$TEST_TMP/.stderr"
'

test_expect_success 'a project without rootfs/ whose program is the base'"'"'s validates and builds' '
  make_app norootfs /usr/bin/hello-server &&
  rm -r norootfs/rootfs &&
  expect_exit 1 sc_build validate norootfs &&
  expect_grep "norootfs/rootfs: error: missing rootfs/: .*name the base with --from" "$TEST_TMP/.stderr" &&
  sc_build validate norootfs --from oci:base.oci:base:latest 2>err &&
  expect_grep "norootfs: 0 errors" err &&
  printf "{\"name\": \"norootfs\", \"from\": \"oci:../base.oci:base:latest\"}\n" >norootfs/sc-build.json &&
  sc_build --json build norootfs -o norootfs.oci >nr.json &&
  python3 -c "import json; d=json.load(open(\"nr.json\")); assert d[\"ok\"] and len(d[\"layers\"]) == 3, d" &&
  sed -i "s|/usr/bin/hello-server|/usr/bin/nowhere|" norootfs/config.json.template &&
  expect_exit 1 sc_build validate norootfs &&
  expect_grep "missing from the base image oci:" "$TEST_TMP/.stderr" &&
  echo file >norootfs/rootfs &&
  expect_exit 1 sc_build validate norootfs --from oci:base.oci:base:latest &&
  expect_grep "rootfs is not a directory" "$TEST_TMP/.stderr"
'

test_expect_success 'a "from" that cannot be opened is an error at its place in sc-build.json' '
  printf "{\n  \"name\": \"app\",\n  \"from\": \"oci:../gone.oci\"\n}\n" >app/sc-build.json &&
  expect_exit 1 sc_build validate app &&
  expect_grep "app/sc-build.json:3:11: error: base image" "$TEST_TMP/.stderr" &&
  printf "{\"name\": \"app\", \"from\": \"../base.oci\"}\n" >app/sc-build.json &&
  expect_exit 1 sc_build validate app &&
  expect_grep "oci:PATH" "$TEST_TMP/.stderr" &&
  printf "{\"name\": \"app\"}\n" >app/sc-build.json
'

test_expect_success 'a #!/bin/sh script without /bin/sh fails naming it' '
  make_app script /usr/bin/start &&
  printf "#!/bin/sh\nexec /usr/bin/hello-server\n" >script/rootfs/usr/bin/start &&
  chmod 755 script/rootfs/usr/bin/start &&
  expect_exit 1 sc_build validate script &&
  expect_grep "script/config.json.template:6:14: error: process.args\[0\] ./usr/bin/start.: /bin/sh, the interpreter on the #! line of /usr/bin/start, is missing from rootfs/" "$TEST_TMP/.stderr" &&
  mkdir -p script/rootfs/bin &&
  cp "$SC_BUILD_DIR/services/hello-server" script/rootfs/bin/sh &&
  sc_build validate script 2>err &&
  expect_grep "script: 0 errors" err
'

test_expect_success UMOCI 'a file the base deleted with a whiteout is missing' '
  umoci unpack --image base.oci:base:latest bundle >/dev/null &&
  mkdir -p bundle/rootfs/bin &&
  cp "$SC_BUILD_DIR/services/hello-server" bundle/rootfs/bin/sh &&
  umoci repack --image base.oci:withsh bundle >/dev/null &&
  sc_build validate script --from oci:base.oci:withsh 2>err &&
  rm script/rootfs/bin/sh &&
  sc_build validate script --from oci:base.oci:withsh 2>err &&
  expect_grep "script: 0 errors" err &&
  rm bundle/rootfs/bin/sh &&
  umoci repack --image base.oci:nosh bundle >/dev/null &&
  expect_exit 1 sc_build validate script --from oci:base.oci:nosh &&
  expect_grep "/bin/sh, the interpreter on the #! line of /usr/bin/start, is missing from the image \(rootfs/ over oci:base.oci:nosh\)" "$TEST_TMP/.stderr"
'

# Debian 12's umoci 0.4.7 ends an inserted layer right after the file's
# data (no tar padding or end blocks): its digest matches, and only an
# install would fail, with libarchive's bare "Truncated input file".
test_expect_success UMOCI 'a base layer written truncated by umoci insert is refused, naming it and the base' '
  umoci new --image base.oci:inserted &&
  printf "#!/bin/sh\n" >start.sh &&
  umoci insert --image base.oci:inserted start.sh /etc/start.sh &&
  layer=$(python3 -c "import json,sys; r=sys.argv[1]; i=json.load(open(r+\"/index.json\")); d=[m for m in i[\"manifests\"] if m[\"annotations\"][\"org.opencontainers.image.ref.name\"]==\"inserted\"][0]; print(json.load(open(r+\"/blobs/sha256/\"+d[\"digest\"][7:]))[\"layers\"][-1][\"digest\"])" base.oci) &&
  if gzip -dc "base.oci/blobs/sha256/${layer#sha256:}" | tar tf - >/dev/null 2>&1; then
    echo "# this umoci writes whole layers: nothing to refuse"
  else
    expect_exit 1 sc_build validate script --from oci:base.oci:inserted &&
    expect_grep "^sc-build: error: --from oci:base.oci:inserted: layer $layer: the layer is a truncated tar .*make the base again with .umoci unpack. and .umoci repack." "$TEST_TMP/.stderr" &&
    expect_exit 1 sc_build build script -o refused.oci --from oci:base.oci:inserted &&
    expect_grep "layer $layer: the layer is a truncated tar" "$TEST_TMP/.stderr" &&
    test ! -e refused.oci
  fi
'

test_expect_success CC 'a dynamic program without its libc fails naming libc.so.6' '
  printf "int main(void) { return 0; }\n" >hello.c &&
  cc -o hello hello.c &&
  make_app dyn /usr/bin/hello &&
  cp hello dyn/rootfs/usr/bin/hello &&
  expect_exit 1 sc_build validate dyn &&
  expect_grep "dyn/config.json.template:6:14: error: .*libc.so.6, which /usr/bin/hello needs \(DT_NEEDED\), is missing from rootfs/" "$TEST_TMP/.stderr" &&
  expect_grep "the ELF interpreter \(PT_INTERP\) of /usr/bin/hello, is missing" "$TEST_TMP/.stderr"
'

test_expect_success CC 'with the libraries ldd lists copied into rootfs/, it validates and builds' '
  ldd hello >ldd.out &&
  for lib in $(grep -o "/[^ ]*" ldd.out); do
    mkdir -p "dyn/rootfs$(dirname "$lib")" &&
    cp -L "$lib" "dyn/rootfs$lib" || exit 1
  done &&
  sc_build validate dyn 2>err &&
  expect_grep "dyn: 0 errors" err &&
  sc_build build dyn -o dyn.oci >/dev/null
'

test_expect_success CC 'a library that is there but not loadable is named as such, not as missing' '
  libc=$(grep -o "/[^ ]*libc.so.6" ldd.out) &&
  cp "dyn/rootfs$libc" libc.keep &&
  rm "dyn/rootfs$libc" && echo "not a library" >"dyn/rootfs$libc" &&
  expect_exit 1 sc_build validate dyn &&
  expect_grep "libc.so.6, which /usr/bin/hello needs \(DT_NEEDED\), cannot be loaded from rootfs/: .*libc.so.6 is there but is not an ELF file" "$TEST_TMP/.stderr" &&
  cp libc.keep "dyn/rootfs$libc"
'

test_expect_success RUNC 'sc-build test runs the program from the base named in sc-build.json' '
  export TMPDIR=$TEST_TMP/tmp && mkdir -p "$TMPDIR" &&
  printf "{\"name\": \"app\", \"from\": \"oci:../base.oci:base:latest\"}\n" >app/sc-build.json &&
  port=$(test_free_port) &&
  sc_build test app --set PORT=$port --probe http:http://127.0.0.1:$port/ >out 2>err &&
  expect_grep "^PASS: 1 of 1 probes passed" out &&
  printf "{\"name\": \"app\"}\n" >app/sc-build.json
'

# A docker:// base: validate pulls it through build's cache; build pulls
# it once and validates through the cached copy.
if command -v docker-registry >/dev/null; then
  . "$SC_SOURCE_DIR/tests/registry/registry.sh"
  export XDG_CACHE_HOME=$TEST_TMP/cache
  unset REGISTRY_AUTH_FILE DOCKER_CONFIG
  PORT=$(test_free_port)
  registry_config "$TEST_TMP/reg" "$PORT"
  test_cleanup_add "registry_stop '$TEST_TMP/reg'"
  registry_start "$TEST_TMP/reg" "$PORT"
  test_set_prereq REGISTRY
fi

test_expect_success REGISTRY 'a program from a docker:// base is found by validate and build' '
  sc_build push oci:base.oci:base:latest docker://127.0.0.1:$PORT/base:v1 >/dev/null 2>&1 &&
  sc_build validate app --from docker://127.0.0.1:$PORT/base:v1 2>err &&
  expect_grep "app: 0 errors" err &&
  printf "{\"name\": \"app\", \"from\": \"docker://127.0.0.1:$PORT/base:v1\"}\n" >app/sc-build.json &&
  sc_build --json build app -o app3.oci >b3.json &&
  python3 -c "import json; d=json.load(open(\"b3.json\")); assert d[\"ok\"] and len(d[\"layers\"]) == 4 and d[\"base_pull\"][\"blobs_cached\"] == 3, d" &&
  printf "{\"name\": \"app\"}\n" >app/sc-build.json
'

test_done
