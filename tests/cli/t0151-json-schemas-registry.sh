#!/usr/bin/env bash
# t0151-json-schemas-registry: the --json documents t0150 cannot reach
# without a registry hold to their schemas in docs/schemas/: push to a
# docker:// destination (one image and an image index) and copies from one,
# pull (by tag, by digest, refused),
# login and logout (and their failures), inspect of an image index from a
# layout and from a registry.  Debian's docker-registry on loopback.
. "$SC_SOURCE_DIR/tests/cli/lib.sh"
. "$SC_SOURCE_DIR/tests/registry/registry.sh"
test_require python3 docker-registry htpasswd curl
python3 -c 'import jsonschema' 2>/dev/null ||
  { echo "1..0 # SKIP python3-jsonschema not installed"; exit 77; }

export XDG_CACHE_HOME=$TEST_TMP/cache XDG_CONFIG_HOME=$TEST_TMP/config SOURCE_DATE_EPOCH=1700000000
unset REGISTRY_AUTH_FILE DOCKER_CONFIG
export XDG_RUNTIME_DIR=$TEST_TMP/run HOME=$TEST_TMP/home
mkdir -p "$XDG_RUNTIME_DIR" "$HOME" "$XDG_CONFIG_HOME"

check() {
  python3 "$SC_SOURCE_DIR/tests/cli/check-schema.py" "$SC_SOURCE_DIR/docs/schemas/$1.schema.json" "$2"
}
json_get() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

PASS=Sch3ma-Pa55
htpasswd -Bbn user "$PASS" >"$TEST_TMP/htpasswd"
PORT=$(test_free_port)
R=127.0.0.1:$PORT
registry_config "$TEST_TMP/reg" "$PORT" htpasswd "$TEST_TMP/htpasswd"
test_cleanup_add "registry_stop '$TEST_TMP/reg'"
registry_start "$TEST_TMP/reg" "$PORT"

sc_build init hello-world >/dev/null && sc_build build hello-world -o hw.oci >/dev/null 2>&1
# mp: hello-world with its program per platform, built as an image index.
test_make_multiplatform_project mp mp amd64 arm64 || exit 1

test_expect_success 'login --json, and a refused login as an error document' '
  expect_exit 1 sc_build login --json --creds user:wrong $R &&
  check login "$TEST_TMP/.stdout" && check error "$TEST_TMP/.stdout" &&
  sc_build login --json --creds "user:$PASS" $R >login.json &&
  check login login.json &&
  test "$(json_get login.json "d[\"registry_asks_for_auth\"]")" = True
'

test_expect_success 'push --json of one image to docker://' '
  sc_build push --json oci:hw.oci docker://$R/hw:v1 >push.json &&
  check push push.json &&
  test "$(json_get push.json "d[\"platforms\"]")" = 0 &&
  test "$(json_get push.json "d[\"blobs_uploaded\"] > 0")" = True
'

test_expect_success 'push --json of an image index to docker://, and inspect --json of the index' '
  sc_build build mp --platform linux/amd64,linux/arm64 -o mp.oci >/dev/null 2>&1 &&
  sc_build inspect --json oci:mp.oci >mp-inspect.json &&
  check inspect mp-inspect.json &&
  test "$(json_get mp-inspect.json "len(d[\"platforms\"])")" = 2 &&
  sc_build push --json oci:mp.oci docker://$R/mp:v1 >mp-push.json &&
  check push mp-push.json &&
  test "$(json_get mp-push.json "d[\"platforms\"]")" = 2 &&
  sc_build inspect --json docker://$R/mp:v1 >mp-reg.json &&
  check inspect mp-reg.json &&
  test "$(json_get mp-reg.json "d[\"mediaType\"]")" = application/vnd.oci.image.index.v1+json
'

test_expect_success 'push --json from docker:// to a layout, and a failed push' '
  sc_build push --json docker://$R/hw:v1 oci:copy.oci:c >copy.json &&
  check push copy.json &&
  expect_exit 1 sc_build push --json oci:hw.oci docker://$R/hw:v2 --creds user:wrong &&
  check push "$TEST_TMP/.stdout" && check error "$TEST_TMP/.stdout"
'

test_expect_success 'pull --json by tag and by digest, and a refused pull' '
  sc_build pull --json --creds "user:$PASS" docker://$R/hw:v1 >pull.json &&
  check pull pull.json &&
  test "$(json_get pull.json "d[\"digest\"]")" = "$(json_get push.json "d[\"digest\"]")" &&
  sc_build pull --json "docker://$R/hw@$(json_get pull.json "d[\"digest\"]")" >pull-digest.json &&
  check pull pull-digest.json &&
  test "$(json_get pull-digest.json "d[\"offline\"]")" = True &&
  expect_exit 1 sc_build pull --json --creds user:wrong docker://$R/hw:v1 &&
  check pull "$TEST_TMP/.stdout" && check error "$TEST_TMP/.stdout"
'

test_expect_success 'logout --json, and logging out twice as an error document' '
  sc_build logout --json $R >logout.json &&
  check logout logout.json &&
  expect_exit 1 sc_build logout --json $R &&
  check logout "$TEST_TMP/.stdout" && check error "$TEST_TMP/.stdout"
'

test_done
