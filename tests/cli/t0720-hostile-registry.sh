#!/bin/bash
# t0720-hostile-registry: push and build --from against a small fake
# registry (tests/registry/fake-registry.py) that misbehaves on purpose:
# redirects blobs to another origin that challenges for credentials,
# redirects from https down to http, sends endless or trickling answers,
# answers a manifest PUT with 200, hands out an upload Location on another
# host.  Credentials must go nowhere but the registry and its own token
# realm, every wait and every body is bounded by a limit the error names,
# and each message says what happened and where (issue 10, items 1-5).
. "$SC_SOURCE_DIR/tests/cli/lib.sh"
test_require python3 curl openssl

export SC_PUSH_BACKOFF_MS=50
unset REGISTRY_AUTH_FILE DOCKER_CONFIG
export XDG_RUNTIME_DIR=$TEST_TMP/run HOME=$TEST_TMP/home XDG_CACHE_HOME=$TEST_TMP/cache
mkdir -p "$XDG_RUNTIME_DIR" "$HOME"

sc_build init hello-world >/dev/null && sc_build build hello-world -o base.oci >/dev/null 2>&1
openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 2 \
  -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1

. "$SC_SOURCE_DIR/tests/registry/fake.sh"

# pull_from NAME ARGS...: build hello-world on the base at the fake
# registry, with a cache of its own, bounded by timeout(1) so that a hang
# is a failure and not a stuck test.
pull_from() {
  local name=$1 && shift &&
  XDG_CACHE_HOME=$TEST_TMP/cache-$name timeout 60 "$SC_BUILD" build hello-world \
    --from "docker://127.0.0.1:$P/base:latest" -o "$TEST_TMP/$name.oci" "$@"
}

# ---- 1. credentials go only to the registry and its own token realm ----

fake_start cdn-ok --bearer user:secret --blob-redirect
test_expect_success 'a blob redirected to another origin downloads without the credentials' '
  pull_from cdn-ok --creds user:secret >/dev/null 2>err &&
  grep -q "^other GET /cdn/sha256:" cdn-ok.log &&
  ! grep "^other" cdn-ok.log | grep -v " -$" &&
  grep -q "^registry GET /token" cdn-ok.log
'

fake_start negotiate --bearer user:secret --negotiate
test_expect_success 'repeated WWW-Authenticate headers: the Bearer challenge is found before a Negotiate one' '
  pull_from negotiate --creds user:secret >/dev/null 2>err &&
  grep -q "^registry GET /token" negotiate.log || { cat err; exit 1; }
'

fake_start cdn-401 --bearer user:secret --blob-redirect --other-challenge
test_expect_success 'http: a challenge from the redirect target is not taken, nothing is sent there, the source named once' '
  expect_exit 1 pull_from cdn-401 --creds user:secret &&
  ! grep "^other" cdn-401.log | grep -v " -$" &&
  ! grep -q "^other GET /token" cdn-401.log &&
  expect_grep "HTTP 401 from http://127.0.0.1:$O" .stderr &&
  expect_grep "only to the registry" .stderr &&
  ! grep -q "credentials were refused" .stderr &&
  test "$(grep -o "docker://127.0.0.1:$P/base:latest" .stderr | wc -l)" = 1
'

fake_start cdn-401-tls --tls cert.pem key.pem --basic user:secret --blob-redirect --other-challenge
test_expect_success 'https: a challenge from the redirect target is not taken, nothing is sent there' '
  expect_exit 1 pull_from cdn-401-tls --creds user:secret --tls-verify=false &&
  grep -q "^other GET /cdn/" cdn-401-tls.log &&
  ! grep "^other" cdn-401-tls.log | grep -v " -$" &&
  expect_grep "HTTP 401 from https://127.0.0.1:$O" .stderr &&
  ! grep -q "credentials were refused" .stderr
'

# ---- 3. every body and every wait is bounded, and the error says which ----

fake_start endless-ping --endless ping
test_expect_success 'an endless /v2/ body stops at --max-response-size' '
  expect_exit 1 timeout 60 "$SC_BUILD" push --max-response-size 1M oci:base.oci docker://127.0.0.1:$P/x:1 &&
  expect_grep "127.0.0.1:$P/v2/: .*larger than 1048576 bytes \(--max-response-size\)" .stderr
'

fake_start endless-manifest --endless manifest
test_expect_success 'an endless manifest stops at the default limit' '
  expect_exit 1 pull_from endless-manifest &&
  expect_grep "/v2/base/manifests/latest: .*larger than 4194304 bytes \(--max-response-size\)" .stderr
'

fake_start silent --silent-manifest
test_expect_success 'a manifest that never answers: --first-byte-timeout' '
  expect_exit 1 pull_from silent --first-byte-timeout 0.5 &&
  expect_grep "/v2/base/manifests/latest: no answer within 0.5 s .*--first-byte-timeout" .stderr
'

fake_start slow-headers --slow-headers
test_expect_success 'headers at 2 bytes/s: --stall-timeout' '
  expect_exit 1 pull_from slow-headers --stall-timeout 1 &&
  expect_grep "/v2/base/manifests/latest: stalled: .* in 1 s \(--stall-timeout\)" .stderr
'

fake_start slow-blob --slow-blob
test_expect_success 'a blob at 2 bytes/s: --stall-timeout, and the source named once' '
  expect_exit 1 pull_from slow-blob --stall-timeout 1 &&
  expect_grep "/v2/base/blobs/sha256:[0-9a-f]*: stalled: .*--stall-timeout" .stderr &&
  test "$(grep -o "docker://127.0.0.1:$P/base:latest" .stderr | wc -l)" = 1
'

test_expect_success 'limits take only sensible values' '
  expect_exit 2 sc_build push --stall-timeout 0 oci:base.oci docker://127.0.0.1:1/x:1 &&
  expect_grep "stall-timeout" .stderr &&
  expect_exit 2 sc_build push --max-response-size lots oci:base.oci docker://127.0.0.1:1/x:1 &&
  expect_exit 2 sc_build login --connect-timeout -1 127.0.0.1:1
'

# ---- 5. each message says what happened and where ----

fake_start cut --cut-manifest
test_expect_success 'a manifest cut short: the error names it, nothing leaks' '
  expect_exit 1 pull_from cut &&
  expect_grep "/v2/base/manifests/latest" .stderr &&
  ! grep -q LeakSanitizer .stderr
'

fake_start downgrade --tls cert.pem key.pem --blob-redirect --redirect-http
test_expect_success 'a redirect from https to http is refused as a downgrade' '
  expect_exit 1 pull_from downgrade --tls-verify=false &&
  expect_grep "refused a redirect from https://127.0.0.1:$P/v2/base/blobs/sha256:[0-9a-f]* to http://127.0.0.1:$O/cdn/sha256:[0-9a-f]*: a downgrade to plain http" .stderr &&
  ! grep -q "Protocol" .stderr &&
  ! grep -q "^other" downgrade.log
'

fake_start put200 --manifest-put-status 200 --fresh
test_expect_success 'a manifest PUT answered 200 instead of 201 Created is an error that says so' '
  expect_exit 1 timeout 60 "$SC_BUILD" push oci:base.oci docker://127.0.0.1:$P/x:1 &&
  expect_grep "pushing the manifest: http://127.0.0.1:$P answered 200 where the distribution spec requires 201 Created" .stderr
'

DEAD=$(test_free_port)
fake_start elsewhere --fresh --upload-location "http://127.0.0.1:$DEAD/upload/1"
test_expect_success 'an upload Location on another host: the error names that host' '
  expect_exit 1 timeout 60 "$SC_BUILD" push oci:base.oci docker://127.0.0.1:$P/x:1 &&
  expect_grep "127.0.0.1:$DEAD/upload/1" .stderr
'

fake_start verbose --blob-redirect
test_expect_success '--verbose names the origin of every request, the redirect target too' '
  pull_from verbose --verbose >/dev/null 2>err &&
  expect_grep "^GET /v2/ 200 http://127.0.0.1:$P$" err &&
  expect_grep "^GET /v2/base/blobs/sha256:[0-9a-f]* 307 http://127.0.0.1:$P$" err &&
  expect_grep "^GET /cdn/sha256:[0-9a-f]* 200 http://127.0.0.1:$O$" err
'

test_done
