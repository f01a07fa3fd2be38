#!/bin/bash
# t0310-inspect: `sc-build inspect` shows what an image holds, for all
# three forms sc-build writes, in text and in JSON.
. "$SC_SOURCE_DIR/tests/cli/lib.sh"
test_require python3

json_get() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

test_make_project proj ins
printf '{"name": "ins", "tag": "7", "labels": {"org.example.team": "infra"}}\n' >proj/sc-build.json

test_expect_success 'setup: build the three forms' '
  SOURCE_DATE_EPOCH=86400 sc_build --json build proj >b.json &&
  SOURCE_DATE_EPOCH=86400 sc_build build proj --format oci-archive >/dev/null &&
  SOURCE_DATE_EPOCH=86400 sc_build build proj --format docker-archive >/dev/null &&
  test -d ins.oci && test -f ins.oci.tar && test -f ins.docker.tar
'

test_expect_success 'inspect shows ref, digest, created, platform, labels, layers, exports' '
  sc_build inspect oci:ins.oci:ins:7 >out &&
  expect_grep "^Reference: +oci:ins.oci:ins:7$" out &&
  expect_grep "^Tag: +ins:7$" out &&
  expect_grep "^Digest: +$(json_get b.json "d[\"digest\"]")$" out &&
  expect_grep "^Created: +1970-01-02T00:00:00Z$" out &&
  expect_grep "^Platform: +linux/" out &&
  expect_grep "^  atomic.type=system$" out &&
  expect_grep "^  org.example.team=infra$" out &&
  expect_grep "sha256:[0-9a-f]{64} +[0-9]+ +application/vnd.oci.image.layer.v1.tar\+gzip" out &&
  for f in config.json.template manifest.json service.template tmpfiles.template; do
    expect_grep "^  $f +present$" out || exit 1
  done
'

test_expect_success 'inspect --json of a layout, a bare path and the only image' '
  sc_build inspect --json oci:ins.oci:ins:7 >i.json &&
  test "$(json_get i.json "d[\"ok\"]")" = True &&
  test "$(json_get i.json "d[\"digest\"]")" = "$(json_get b.json "d[\"digest\"]")" &&
  test "$(json_get i.json "d[\"config_digest\"]")" = "$(json_get b.json "d[\"config_digest\"]")" &&
  test "$(json_get i.json "d[\"labels\"][\"atomic.type\"]")" = system &&
  test "$(json_get i.json "d[\"layers\"][0][\"digest\"]")" = "$(json_get b.json "d[\"layers\"][0][\"digest\"]")" &&
  test "$(json_get i.json "all(v for k, v in d[\"exports\"].items() if k != \"config.json\")")" = True &&
  test "$(json_get i.json "d[\"size\"]")" = "$(json_get b.json "d[\"size\"]")" &&
  sc_build inspect --json ins.oci >bare.json &&
  test "$(json_get bare.json "d[\"tag\"]")" = ins:7 &&
  test "$(json_get bare.json "d[\"digest\"]")" = "$(json_get i.json "d[\"digest\"]")"
'

test_expect_success 'inspect reads oci-archive and docker-archive' '
  sc_build inspect --json oci-archive:ins.oci.tar:ins:7 >oa.json &&
  test "$(json_get oa.json "d[\"digest\"]")" = "$(json_get b.json "d[\"digest\"]")" &&
  test "$(json_get oa.json "d[\"transport\"]")" = oci-archive &&
  sc_build inspect --json docker-archive:ins.docker.tar >da.json &&
  test "$(json_get da.json "d[\"config_digest\"]")" = "$(json_get b.json "d[\"config_digest\"]")" &&
  test "$(json_get da.json "d[\"tag\"]")" = ins:7 &&
  test "$(json_get da.json "d[\"transport\"]")" = docker-archive &&
  test "$(json_get da.json "all(v for k, v in d[\"exports\"].items() if k != \"config.json\")")" = True &&
  test "$(json_get da.json "d[\"labels\"][\"org.example.team\"]")" = infra &&
  sc_build inspect docker-archive:ins.docker.tar >dout &&
  expect_grep "^  tmpfiles.template +present$" dout
'

test_expect_success 'a missing exports file shows as missing' '
  cp -a proj notmp && rm notmp/tmpfiles.template &&
  printf "{\"name\": \"notmp\"}\n" >notmp/sc-build.json &&
  sc_build build notmp >/dev/null &&
  sc_build inspect --json oci:notmp.oci >n.json &&
  test "$(json_get n.json "d[\"exports\"][\"tmpfiles.template\"]")" = False &&
  test "$(json_get n.json "d[\"exports\"][\"manifest.json\"]")" = True
'

test_expect_success 'a corrupt layer blob is reported' '
  cp -a ins.oci corrupt.oci &&
  layer=$(json_get b.json "d[\"layers\"][0][\"digest\"][7:]") &&
  chmod u+w corrupt.oci/blobs/sha256/$layer &&
  printf "garbage" >>corrupt.oci/blobs/sha256/$layer &&
  expect_exit 1 "$SC_BUILD" inspect oci:corrupt.oci:ins:7 &&
  expect_grep "does not match its descriptor" "$TEST_TMP/.stderr"
'

test_expect_success 'unknown tags, transports and missing images fail' '
  expect_exit 1 "$SC_BUILD" inspect oci:ins.oci:nope &&
  expect_grep "no image tagged .nope." "$TEST_TMP/.stderr" &&
  expect_exit 1 "$SC_BUILD" inspect oci:missing.oci &&
  expect_exit 2 "$SC_BUILD" inspect containers-storage:x &&
  expect_grep "unknown transport .containers-storage:.: give one of .*docker://HOST/REPO" "$TEST_TMP/.stderr" &&
  expect_exit 2 "$SC_BUILD" inspect docker://Bad/Name &&
  expect_exit 2 "$SC_BUILD" inspect
'

test_done
