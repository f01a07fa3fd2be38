#!/bin/bash
# t0715-pull-command: `sc-build pull IMAGE` against Debian's docker-registry
# on loopback: by tag and by digest it prints the digest skopeo reports and
# keeps the image in the base cache, where images and inspect see it and
# install and build --from read it with the registry stopped; under a
# signedBy policy an unsigned image is refused naming the rule, caching
# nothing, and a signed one is pulled; a bad IMAGE is a usage error;
# --json holds to docs/schemas/pull.schema.json.
. "$SC_SOURCE_DIR/tests/cli/lib.sh"
. "$SC_SOURCE_DIR/tests/registry/registry.sh"
test_require docker-registry skopeo gpg gpgconf python3 curl

export SC_PUSH_BACKOFF_MS=100 HOME=$TEST_TMP/home GNUPGHOME=$TEST_TMP/gnupg
unset REGISTRY_AUTH_FILE DOCKER_CONFIG XDG_CONFIG_HOME
mkdir -p "$HOME" && mkdir -m 700 "$GNUPGHOME"
CACHE=$XDG_CACHE_HOME/sc-build/bases
json_get() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }
check_schema() {
  python3 "$SC_SOURCE_DIR/tests/cli/check-schema.py" "$SC_SOURCE_DIR/docs/schemas/pull.schema.json" "$1"
}
test_lazy_prereq JSONSCHEMA 'python3 -c "import jsonschema"'

FPR=$(test_gpg_key 'sc-build test <test@example.com>')
gpg --export "$FPR" >key.gpg

registry_up "$TEST_TMP/reg"

mkdir rd && printf "docker:\n  %s:\n    lookaside: file://%s/sigs\n" "$R" "$TEST_TMP" >rd/sc.yaml
cat >policy.json <<JSON
{"default": [{"type": "reject"}],
 "transports": {"docker": {
   "$R": [{"type": "signedBy", "keyType": "GPGKeys", "keyPath": "$TEST_TMP/key.gpg"}]}}}
JSON
POLICY="--policy policy.json --registries.d rd"

sc_build init hello-world >/dev/null && sc_build build hello-world -o base.oci >/dev/null 2>&1
sc_build init oneshot >/dev/null
sc_build push oci:base.oci docker://$R/hw:v1 >/dev/null 2>&1
sc_build push oci:base.oci docker://$R/unsigned:v1 >/dev/null 2>&1
sc_build push --sign-by "$FPR" --registries.d rd oci:base.oci docker://$R/signed:v1 >/dev/null 2>&1
skopeo inspect --tls-verify=false docker://$R/hw:v1 >skopeo.json
DIGEST=$(json_get skopeo.json 'd["Digest"]')
HEX=${DIGEST#sha256:}

test_expect_success 'the registry holds the images the tests pull' '
  test -n "$HEX" && test -d sigs
'

test_expect_success 'pull by tag prints the digest skopeo reports and says where it is kept' '
  sc_build pull docker://$R/hw:v1 >out 2>err &&
  test "$(cat out)" = "$DIGEST" &&
  expect_grep "^pulled $R/hw:v1 \(" err &&
  expect_grep "kept in $CACHE as oci:$CACHE:$HEX" err &&
  test -f "$CACHE/blobs/sha256/$HEX" &&
  grep_q "$HEX" "$CACHE/index.json"
'

test_expect_success 'pull by digest, docker:// left out, needs no network the second time' '
  sc_build --json pull $R/hw@$DIGEST >digest.json &&
  test "$(json_get digest.json "d[\"digest\"]")" = "$DIGEST" &&
  test "$(json_get digest.json "d[\"source\"]")" = "docker://$R/hw@$DIGEST" &&
  test "$(json_get digest.json "d[\"reference\"]")" = "oci:$CACHE:$HEX" &&
  test "$(json_get digest.json "d[\"blobs_downloaded\"]")" = 0 &&
  test "$(json_get digest.json "d[\"offline\"]")" = True
'

test_expect_success JSONSCHEMA '--json holds to pull.schema.json, a failure too' '
  sc_build pull --json docker://$R/hw:v1 >tag.json &&
  check_schema tag.json && check_schema digest.json &&
  test "$(json_get tag.json "d[\"blobs_cached\"]")" = 3 &&
  expect_exit 1 sc_build pull --json docker://$R/missing:v1 &&
  check_schema "$TEST_TMP/.stdout" &&
  test "$(json_get "$TEST_TMP/.stdout" "d[\"ok\"]")" = False
'

test_expect_success 'images and inspect see the pulled image as a cached base' '
  sc_build images --cache --json >images.json &&
  json_get images.json "[i[\"digest\"] for i in d[\"images\"]]" >digests &&
  grep_q "$DIGEST" digests &&
  sc_build inspect --json oci:$CACHE:$HEX >inspect.json &&
  test "$(json_get inspect.json "d[\"digest\"]")" = "$DIGEST"
'

test_expect_success 'a bad IMAGE is a usage error that says why' '
  expect_exit 2 sc_build pull oci:base.oci &&
  expect_grep "sc-build: error: .oci:base.oci. is not in a registry: pull reads docker://HOST/REPO" "$TEST_TMP/.stderr" &&
  expect_exit 2 sc_build pull "docker://$R/Upper/Case:v1" &&
  expect_grep "docker://$R/Upper/Case:v1" "$TEST_TMP/.stderr" &&
  expect_exit 2 sc_build pull &&
  expect_grep "pull takes one IMAGE" "$TEST_TMP/.stderr" &&
  expect_exit 2 sc_build pull --platform linux docker://$R/hw:v1 &&
  expect_grep "\-\-platform" "$TEST_TMP/.stderr" &&
  expect_exit 2 sc_build pull --tls-verify false docker://$R/hw:v1 &&
  expect_grep "^sc-build: error: .false. is not an image: --tls-verify takes its value after .=. \(--tls-verify=false\)" "$TEST_TMP/.stderr" &&
  expect_exit 2 sc_build pull --json "docker://$R/hw:Bad Tag" &&
  test "$(json_get "$TEST_TMP/.stdout" "d[\"ok\"]")" = False
'

test_expect_success 'under signedBy an unsigned image is refused naming the rule, caching nothing' '
  rm -rf "$XDG_CACHE_HOME" &&
  expect_exit 1 sc_build pull $POLICY docker://$R/unsigned:v1 &&
  expect_grep "docker://$R/unsigned:v1 \(manifest $DIGEST\) refused by policy.json, scope transports.docker\[\"$R\"\], requirement 1 \(signedBy, keyPath $TEST_TMP/key.gpg\): no signature found" "$TEST_TMP/.stderr" &&
  test ! -s "$TEST_TMP/.stdout" &&
  ! test -e "$CACHE/blobs/sha256/$HEX" &&
  { ! test -e "$CACHE/index.json" || ! grep_q "$HEX" "$CACHE/index.json"; }
'

test_expect_success 'under signedBy a signed image is pulled' '
  sc_build pull $POLICY docker://$R/signed:v1 >signed.out 2>/dev/null &&
  test "$(cat signed.out)" = "$DIGEST" &&
  grep_q "$HEX" "$CACHE/index.json"
'

test_expect_success 'with the registry stopped, install and build --from read the pulled digest' '
  sc_build pull docker://$R/hw@$DIGEST >/dev/null 2>&1 &&
  registry_stop "$TEST_TMP/reg" &&
  ! curl -s -o /dev/null "http://$R/v2/" &&
  mkdir root &&
  sc_build install docker://$R/hw@$DIGEST --root root --no-systemd-cgroup >/dev/null 2>&1 &&
  test -d root/var/lib/containers/atomic/hw.0 &&
  sc_build build oneshot --from docker://$R/hw@$DIGEST -o offline.oci >/dev/null 2>&1 &&
  test -f offline.oci/index.json
'

test_done
