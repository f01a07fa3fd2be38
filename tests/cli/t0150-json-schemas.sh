#!/usr/bin/env bash
# t0150-json-schemas: every --json document holds to its schema in
# docs/schemas/ (JSON Schema 2020-12), on the hello-world skeleton from init
# to uninstall, failures and usage errors included: a change to a
# document's keys or types has to change its schema too.
. "$SC_SOURCE_DIR/tests/cli/lib.sh"
test_require python3
python3 -c 'import jsonschema' 2>/dev/null ||
  { echo "1..0 # SKIP python3-jsonschema not installed"; exit 77; }

# check SCHEMA FILE: FILE is one document of docs/schemas/SCHEMA.schema.json.
check() {
  python3 "$SC_SOURCE_DIR/tests/cli/check-schema.py" "$SC_SOURCE_DIR/docs/schemas/$1.schema.json" "$2"
}
json_get() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

test_expect_success 'the schemas are valid 2020-12 schemas and the checker can fail' '
  echo "{\"ok\": true}" >bare.json &&
  ! check version bare.json 2>check.err &&
  expect_grep "version. is a required property" check.err
'

test_expect_success 'init, and init --list' '
  sc_build --json init hello-world >init.json && check init init.json &&
  sc_build init --list --json >init-list.json && check init init-list.json &&
  test "$(json_get init-list.json "len(d[\"skeletons\"]) > 0")" = True
'

test_expect_success 'validate, build to an oci: layout, inspect' '
  sc_build validate --json hello-world >validate.json && check validate validate.json &&
  sc_build build --json hello-world -o hw.oci >build.json && check build build.json &&
  test "$(json_get build.json "d[\"reference\"]")" = oci:hw.oci:hello-world:latest &&
  sc_build inspect --json oci:hw.oci:hello-world:latest >inspect.json &&
  check inspect inspect.json
'

test_expect_success 'sbom, a copy with push, images, rmi, prune, import' '
  sc_build sbom --json -o sbom.spdx.json oci:hw.oci:hello-world:latest >sbom.json &&
  check sbom sbom.json &&
  sc_build push --json oci:hw.oci:hello-world:latest oci:copy.oci:copy:1 >push.json &&
  check push push.json &&
  mkdir -p empty-root &&
  sc_build images --json --layout hw.oci --layout copy.oci --root empty-root >images.json &&
  check images images.json &&
  test "$(json_get images.json "len(d[\"images\"])")" = 2 &&
  sc_build rmi --json --root empty-root oci:copy.oci:copy:1 >rmi.json && check rmi rmi.json &&
  sc_build prune --json --layout copy.oci --root empty-root >prune.json &&
  check prune prune.json &&
  if command -v ostree >/dev/null; then
    sc_build import --json oci:hw.oci:hello-world:latest --repo repo >import.json &&
    check import import.json
  fi
'

test_expect_success 'install, list, update, rollback, uninstall under --root' '
  mkdir root &&
  sc_build install --json --root root oci:hw.oci:hello-world:latest >install.json &&
  check install install.json &&
  sc_build list --json --root root >list.json && check list list.json &&
  test "$(json_get list.json "d[\"containers\"][0][\"name\"]")" = hello-world &&
  sc_build update --json --root root --set RECEIVER=Schema hello-world >update.json &&
  check install update.json &&
  sc_build rollback --json --root root hello-world >rollback.json &&
  check install rollback.json &&
  sc_build uninstall --json --root root hello-world >uninstall.json &&
  check install uninstall.json &&
  sc_build list --json --root root >list-empty.json && check list list-empty.json
'

test_lazy_prereq RUNC 'command -v runc'
test_expect_success ROOT,RUNC 'test: the smoke test of the image, its probes passed' '
  port=$(test_free_port) &&
  sc_build test --json --set PORT=$port oci:hw.oci:hello-world:latest >test.json &&
  check test test.json &&
  test "$(json_get test.json "d[\"probes\"][0][\"passed\"]")" = True
'

test_expect_success ROOT,RUNC 'test --keep: the kept root is named in "kept"' '
  port=$(test_free_port) &&
  sc_build test --json --keep --set PORT=$port oci:hw.oci:hello-world:latest >keep.json &&
  check test keep.json &&
  kept=$(json_get keep.json "d[\"kept\"][\"root\"]") &&
  test -f "$kept/.sc-build-kept" &&
  rm -rf "$kept"
'

test_expect_success 'failures: a project with errors, a missing image' '
  mkdir bad && cp -r hello-world/. bad/ && rm bad/config.json.template &&
  expect_exit 1 sc_build validate --json bad && check validate "$TEST_TMP/.stdout" &&
  test "$(json_get "$TEST_TMP/.stdout" "d[\"ok\"]")" = False &&
  expect_exit 1 sc_build build --json bad -o bad.oci && check build "$TEST_TMP/.stdout" &&
  check error "$TEST_TMP/.stdout" &&
  expect_exit 1 sc_build inspect --json oci:nowhere.oci && check inspect "$TEST_TMP/.stdout" &&
  check error "$TEST_TMP/.stdout" &&
  test ! -s "$TEST_TMP/.stderr"
'

test_expect_success '--version, before --json or after it' '
  sc_build --json --version >version.json && check version version.json &&
  sc_build --version --json >version2.json && check version version2.json &&
  cmp version.json version2.json
'

test_expect_success 'usage errors are error documents, before the command and in it' '
  expect_exit 2 sc_build --json biuld && check error "$TEST_TMP/.stdout" &&
  test ! -s "$TEST_TMP/.stderr" &&
  expect_exit 2 sc_build --json && check error "$TEST_TMP/.stdout" &&
  expect_exit 2 sc_build --json --bogus list && check error "$TEST_TMP/.stdout" &&
  expect_exit 2 sc_build list --json --rooot x && check list "$TEST_TMP/.stdout" &&
  check error "$TEST_TMP/.stdout" &&
  expect_exit 2 sc_build build --json --root && check error "$TEST_TMP/.stdout" &&
  test ! -s "$TEST_TMP/.stderr" &&
  expect_exit 2 sc_build pull --json oci:hw.oci && check pull "$TEST_TMP/.stdout" &&
  check error "$TEST_TMP/.stdout" && test ! -s "$TEST_TMP/.stderr"
'

test_expect_success 'a document that drifts from its schema fails the check' '
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); d[\"extra\"]=1; print(json.dumps(d))" \
    list.json >drift.json &&
  ! check list drift.json 2>drift.err &&
  expect_grep "extra. was unexpected" drift.err &&
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); d[\"size\"]=str(d[\"size\"]); print(json.dumps(d))" \
    inspect.json >drift2.json &&
  ! check inspect drift2.json 2>drift2.err &&
  expect_grep "is not of type .integer." drift2.err
'

test_done
