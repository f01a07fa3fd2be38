#!/bin/bash
# t0770-registry-config: how sc-build reaches registries, against Debian's
# docker-registry on loopback: --retry-times/--retry-delay behind a proxy
# that fails the first requests, TLS certificates from containers-certs.d(5)
# directories (CAs, client certificates), and registries.conf(5).
. "$SC_SOURCE_DIR/tests/cli/lib.sh"
. "$SC_SOURCE_DIR/tests/registry/registry.sh"
test_require docker-registry skopeo openssl python3 curl htpasswd

export XDG_CACHE_HOME=$TEST_TMP/cache XDG_CONFIG_HOME=$TEST_TMP/config SC_PUSH_BACKOFF_MS=20
unset REGISTRY_AUTH_FILE DOCKER_CONFIG
export XDG_RUNTIME_DIR=$TEST_TMP/run HOME=$TEST_TMP/home
mkdir -p "$XDG_RUNTIME_DIR" "$HOME" "$XDG_CONFIG_HOME"

sc_build init hello-world >/dev/null && sc_build build hello-world -o hw.oci >/dev/null 2>&1

registry_up "$TEST_TMP/reg"
sc_build push oci:hw.oci docker://$R/hw:v1 >/dev/null 2>&1

# start_proxy VAR LOG MODE: tests/registry/flaky-proxy.py in front of the
# registry on a free port (in $VAR), waiting for its socket (not with a
# request, which would count as one of the failures).
start_proxy() {
  local port
  port=$(test_free_port)
  python3 "$SC_SOURCE_DIR/tests/registry/flaky-proxy.py" "$port" "http://$R" 100000000 "$2" "$3" &
  test_cleanup_add "kill $!"
  for i in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
  eval "$1=$port"
}

test_expect_success 'retries: two 503 answers, then the inspect goes through' '
  start_proxy P1 p1.log fail:2:503 &&
  sc_build inspect --retry-times 2 --retry-delay 10ms docker://127.0.0.1:$P1/hw:v1 >i1.out &&
  test "$(grep -c "^GET /v2/ 503 - FAILED" p1.log)" = 2 &&
  expect_grep "^GET /v2/ (200|401) " p1.log
'

test_expect_success 'retries: --retry-times 0 fails at the first 503 with a clear error' '
  start_proxy P2 p2.log fail:1:503 &&
  expect_exit 1 sc_build inspect --retry-times 0 docker://127.0.0.1:$P2/hw:v1 &&
  expect_grep "127.0.0.1:$P2: GET /v2/: the registry is unavailable .*HTTP 503 UNAVAILABLE: injected failure" .stderr &&
  test "$(wc -l <p2.log)" = 1
'

test_expect_success 'retries: the default gives up after 5 attempts and says so' '
  start_proxy P3 p3.log fail:9:503 &&
  expect_exit 1 sc_build push oci:hw.oci docker://127.0.0.1:$P3/hw:v2 &&
  expect_grep "HTTP 503 UNAVAILABLE: injected failure \(gave up after 5 attempts\)" .stderr &&
  test "$(wc -l <p3.log)" = 5
'

test_expect_success 'retries: a 429 waits for its Retry-After, not for --retry-delay' '
  start_proxy P4 p4.log fail:1:429:1 &&
  start=$(date +%s%N) &&
  sc_build inspect --retry-times 1 --retry-delay 10ms docker://127.0.0.1:$P4/hw:v1 >/dev/null &&
  elapsed=$(( ($(date +%s%N) - start) / 1000000 )) &&
  test "$elapsed" -ge 1000 &&
  test "$(grep -c "^GET /v2/ 429 - FAILED" p4.log)" = 1
'

test_expect_success 'retries: 4xx answers are not retried' '
  start_proxy P5 p5.log fail:3:404 &&
  expect_exit 1 sc_build inspect --retry-times 3 --retry-delay 10ms docker://127.0.0.1:$P5/hw:v1 &&
  expect_grep "not an OCI registry: HTTP 404" .stderr &&
  test "$(wc -l <p5.log)" = 1 &&
  start_proxy P6 p6.log fail:0:503 &&
  expect_exit 1 sc_build inspect --retry-times 3 docker://127.0.0.1:$P6/no-such:v1 &&
  test "$(grep -c "manifests/v1 404" p6.log)" = 1
'

test_expect_success 'retries: --retry-times and --retry-delay take only sensible values' '
  expect_exit 2 sc_build inspect --retry-times -1 docker://$R/hw:v1 &&
  expect_grep "retry-times takes a number from 0 to 100" .stderr &&
  expect_exit 2 sc_build push --retry-delay 5 oci:hw.oci docker://$R/hw:v1 &&
  expect_grep "retry-delay takes a duration such as 500ms, 2s or 1m30s, not .5." .stderr &&
  expect_exit 2 sc_build push --retry-delay 1x oci:hw.oci docker://$R/hw:v1 &&
  expect_exit 2 sc_build push --retry-delay 25h oci:hw.oci docker://$R/hw:v1 &&
  expect_grep "longer than a day" .stderr &&
  sc_build push --retry-delay 1m30s --retry-times 1 oci:hw.oci docker://$R/hw:v3 >/dev/null
'

# A CA, a server certificate for 127.0.0.1 it signed, and a client
# certificate it signed (openssl CLI), for a TLS registry and one that asks
# for client certificates (http.tls.clientcas).
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 \
  -subj /CN=sc-test-ca >/dev/null 2>&1
openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr -subj /CN=127.0.0.1 >/dev/null 2>&1
printf 'subjectAltName=IP:127.0.0.1\n' >srv.ext
openssl x509 -req -in srv.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out srv.crt -days 2 \
  -extfile srv.ext >/dev/null 2>&1
openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr -subj /CN=sc-client >/dev/null 2>&1
openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out client.cert -days 2 \
  >/dev/null 2>&1
TPORT=$(test_free_port)
T=127.0.0.1:$TPORT
registry_config "$TEST_TMP/treg" "$TPORT" tls "$TEST_TMP/srv.crt" "$TEST_TMP/srv.key"
test_cleanup_add "registry_stop '$TEST_TMP/treg'"
registry_start "$TEST_TMP/treg" "$TPORT" https
MPORT=$(test_free_port)
M=127.0.0.1:$MPORT
registry_config "$TEST_TMP/mreg" "$MPORT" mtls "$TEST_TMP/srv.crt" "$TEST_TMP/srv.key" "$TEST_TMP/ca.crt"
test_cleanup_add "registry_stop '$TEST_TMP/mreg'"
docker-registry serve "$TEST_TMP/mreg/config.yml" >>"$TEST_TMP/mreg/log" 2>&1 &
echo $! >"$TEST_TMP/mreg/pid"
for i in $(seq 100); do
  curl -s -o /dev/null --cacert ca.crt --cert client.cert --key client.key "https://$M/v2/" && break
  sleep 0.1
done
USER_CERTS=$XDG_CONFIG_HOME/containers/certs.d

test_expect_success 'TLS: without certificates the error names the host and the directories searched' '
  expect_exit 1 sc_build push oci:hw.oci docker://$T/hw:v1 &&
  expect_grep "$T/v2/: TLS certificate verification failed: .*certificates for $T: none in $USER_CERTS/$T, /etc/containers/certs.d/$T, /etc/docker/certs.d/$T" .stderr
'

test_expect_success 'TLS: the CA in $XDG_CONFIG_HOME/containers/certs.d/HOST:PORT is trusted' '
  mkdir -p "$USER_CERTS/$T" && cp ca.crt "$USER_CERTS/$T/ca.crt" &&
  sc_build push oci:hw.oci docker://$T/hw:v1 >/dev/null 2>&1 &&
  sc_build inspect docker://$T/hw:v1 >ti.out &&
  skopeo inspect --cert-dir "$USER_CERTS/$T" docker://$T/hw:v1 >/dev/null
'

# The system directories, each alone (the user's moved aside meanwhile):
# named after this run's port, and removed whatever happens.
test_expect_success ROOT 'TLS: the CA in /etc/containers/certs.d or /etc/docker/certs.d is trusted' '
  mv "$USER_CERTS/$T" user-certs-aside &&
  for sys in /etc/containers/certs.d /etc/docker/certs.d; do
    test ! -e "$sys/$T" &&
    had=$(if test -d "$sys"; then echo yes; else echo no; fi) &&
    test_cleanup_add "rm -rf $sys/$T" &&
    { test "$had" = yes || test_cleanup_add "rmdir $sys"; } &&
    mkdir -p "$sys/$T" &&
    cp ca.crt "$sys/$T/ca.crt" &&
    sc_build inspect docker://$T/hw:v1 >/dev/null &&
    rm -rf "$sys/$T" || exit 1
  done &&
  expect_exit 1 sc_build inspect docker://$T/hw:v1 &&
  mv user-certs-aside "$USER_CERTS/$T"
'

test_expect_success 'TLS: --cert-dir overrides the certs.d directories' '
  mkdir -p empty-certs &&
  expect_exit 1 sc_build inspect --cert-dir empty-certs docker://$T/hw:v1 &&
  expect_grep "certificate verification failed: .*certificates for $T: --cert-dir empty-certs" .stderr &&
  sc_build inspect --tls-verify=false --cert-dir empty-certs docker://$T/hw:v1 >/dev/null
'

test_expect_success 'TLS: a registry asking for a client certificate: refused without one, and not hidden by plain http' '
  mkdir -p "$USER_CERTS/$M" && cp ca.crt "$USER_CERTS/$M/ca.crt" &&
  expect_exit 1 sc_build push oci:hw.oci docker://$M/hw:v1 &&
  expect_grep "$M/v2/: TLS handshake failed: .*certificates for $M: $USER_CERTS/$M; .*NAME.cert and NAME.key" .stderr &&
  ! grep_q "not an OCI registry" .stderr
'

test_expect_success 'TLS: NAME.cert and NAME.key in the directory are the client certificate' '
  cp client.cert client.key "$USER_CERTS/$M/" &&
  sc_build push oci:hw.oci docker://$M/hw:v1 >/dev/null 2>&1 &&
  skopeo inspect --cert-dir "$USER_CERTS/$M" docker://$M/hw:v1 >/dev/null &&
  rm "$USER_CERTS/$M/client.key" &&
  expect_exit 1 sc_build inspect docker://$M/hw:v1 &&
  expect_grep "$USER_CERTS/$M: no matching .key for client.cert" .stderr
'

# registries.conf: a second registry as the mirror, holding an image the
# primary lacks.
MIRPORT=$(test_free_port)
MIR=127.0.0.1:$MIRPORT
registry_config "$TEST_TMP/mirror" "$MIRPORT"
test_cleanup_add "registry_stop '$TEST_TMP/mirror'"
registry_start "$TEST_TMP/mirror" "$MIRPORT"
sc_build push oci:hw.oci docker://$MIR/lib/hw:v1 >/dev/null 2>&1
CONF=$XDG_CONFIG_HOME/containers/registries.conf
# conf LINES...: the user's registries.conf (which replaces the system's).
conf() { printf '%s\n' "$@" >"$CONF"; }

test_expect_success 'registries.conf: a pull by the primary name is served by the mirror' '
  conf "[[registry]]" "prefix = \"$R/lib\"" "[[registry.mirror]]" "location = \"$MIR/lib\"" &&
  ! skopeo inspect --tls-verify=false docker://$R/lib/hw:v1 >/dev/null 2>&1 &&
  sc_build --verbose inspect docker://$R/lib/hw:v1 >m.out 2>m.err &&
  expect_grep "http://$MIR" m.err &&
  ! grep_q "http://$R" m.err
'

test_expect_success 'registries.conf: a mirror without the image: the registry itself is asked next' '
  conf "[[registry]]" "prefix = \"$R/hw\"" "[[registry.mirror]]" "location = \"$MIR/hw\"" &&
  sc_build --verbose inspect docker://$R/hw:v1 >m2.out 2>m2.err &&
  expect_grep "GET /v2/hw/manifests/v1 404 .*$MIR" m2.err &&
  expect_grep "GET /v2/hw/manifests/v1 200 .*$R" m2.err
'

test_expect_success 'registries.conf: pushes go to the registry, never to a mirror' '
  conf "[[registry]]" "prefix = \"$R/lib\"" "[[registry.mirror]]" "location = \"$MIR/lib\"" &&
  sc_build push oci:hw.oci docker://$R/lib/pushed:v1 >/dev/null 2>&1 &&
  skopeo inspect --tls-verify=false docker://$R/lib/pushed:v1 >/dev/null &&
  ! skopeo inspect --tls-verify=false docker://$MIR/lib/pushed:v1 >/dev/null 2>&1
'

test_expect_success 'registries.conf: pull-from-mirror = "digest-only" leaves tag pulls to the registry' '
  conf "[[registry]]" "prefix = \"$R/lib\"" "[[registry.mirror]]" "location = \"$MIR/lib\"" \
    "pull-from-mirror = \"digest-only\"" &&
  expect_exit 1 sc_build inspect docker://$R/lib/hw:v1 &&
  expect_grep "manifest v1 not found" .stderr
'

test_expect_success 'registries.conf: location rewrites the prefix, for pulls and pushes' '
  conf "[[registry]]" "prefix = \"example.invalid/sc\"" "location = \"$R\"" &&
  sc_build inspect docker://example.invalid/sc/hw:v1 >/dev/null &&
  sc_build push oci:hw.oci docker://example.invalid/sc/rewritten:v1 >/dev/null 2>&1 &&
  skopeo inspect --tls-verify=false docker://$R/rewritten:v1 >/dev/null
'

test_expect_success 'registries.conf: a blocked registry is refused by name, for pulls and pushes' '
  conf "[[registry]]" "prefix = \"$R/hw\"" "blocked = true" &&
  expect_exit 1 sc_build inspect docker://$R/hw:v1 &&
  expect_grep "docker://$R/hw:v1: registry blocked by \[\[registry\]\] prefix \"$R/hw\" in $CONF" .stderr &&
  expect_exit 1 sc_build push oci:hw.oci docker://$R/hw:v9 &&
  expect_grep "registry blocked by" .stderr &&
  sc_build inspect docker://$R/lib/pushed:v1 >/dev/null
'

test_expect_success 'registries.conf: insecure = true skips TLS verification for that registry' '
  rm -rf "$USER_CERTS/$T" &&
  expect_exit 1 sc_build inspect docker://$T/hw:v1 &&
  conf "[[registry]]" "location = \"$T\"" "insecure = true" &&
  sc_build inspect docker://$T/hw:v1 >/dev/null
'

test_expect_success 'registries.conf: short names through [aliases], then unqualified-search-registries' '
  conf "unqualified-search-registries = [\"$R\"]" "[aliases]" "\"sc-alias\" = \"$MIR/lib/hw\"" &&
  sc_build --verbose inspect docker://sc-alias:v1 >/dev/null 2>a.err &&
  expect_grep "GET /v2/lib/hw/manifests/v1 200 .*$MIR" a.err &&
  sc_build --verbose inspect docker://hw:v1 >/dev/null 2>s.err &&
  expect_grep "GET /v2/hw/manifests/v1 200 .*$R" s.err
'

test_expect_success 'registries.conf: an ambiguous short name is an error in enforcing mode, tried in order otherwise' '
  conf "unqualified-search-registries = [\"$MIR\", \"$R\"]" "short-name-mode = \"enforcing\"" &&
  expect_exit 1 sc_build inspect docker://hw:v1 &&
  expect_grep "docker://hw:v1: the short name is ambiguous: unqualified-search-registries lists $MIR, $R and short-name-mode is enforcing \($CONF" .stderr &&
  conf "unqualified-search-registries = [\"$MIR\", \"$R\"]" &&
  sc_build --verbose inspect docker://hw:v1 >/dev/null 2>p.err &&
  expect_grep "GET /v2/hw/manifests/v1 404 .*$MIR" p.err &&
  expect_grep "GET /v2/hw/manifests/v1 200 .*$R" p.err
'

APORT=$(test_free_port)
AMIR=127.0.0.1:$APORT
PASS=m1rror-Pa55
htpasswd -Bbn user "$PASS" >"$TEST_TMP/htpasswd"
registry_config "$TEST_TMP/amirror" "$APORT" htpasswd "$TEST_TMP/htpasswd"
test_cleanup_add "registry_stop '$TEST_TMP/amirror'"
registry_start "$TEST_TMP/amirror" "$APORT"
sc_build push --creds "user:$PASS" oci:hw.oci docker://$AMIR/priv/hw:v1 >/dev/null 2>&1

test_expect_success 'registries.conf: a mirror gets the credentials of its own host, not the registry'"'"'s' '
  conf "[[registry]]" "prefix = \"$R/priv\"" "[[registry.mirror]]" "location = \"$AMIR/priv\"" &&
  expect_exit 1 sc_build inspect docker://$R/priv/hw:v1 &&
  expect_grep "manifest v1 not found.*tried before: docker://$AMIR/priv/hw:v1: manifest v1: HTTP 401" .stderr &&
  mkdir -p "$XDG_RUNTIME_DIR/containers" &&
  printf "{\"auths\": {\"%s\": {\"auth\": \"%s\"}}}\n" "$AMIR" "$(printf "user:$PASS" | base64 -w0)" \
    >"$XDG_RUNTIME_DIR/containers/auth.json" &&
  sc_build inspect docker://$R/priv/hw:v1 >/dev/null &&
  rm "$XDG_RUNTIME_DIR/containers/auth.json"
'

test_expect_success 'registries.conf: --registries-conf FILE replaces the user file; errors name FILE:LINE:COL' '
  conf "[[registry]]" "prefix = \"$R/hw\"" "blocked = true" &&
  printf "[[registry]]\nprefix = \"%s/other\"\nblocked = true\n" "$R" >other.conf &&
  sc_build inspect --registries-conf other.conf docker://$R/hw:v1 >/dev/null &&
  expect_exit 1 sc_build inspect --registries-conf no-such.conf docker://$R/hw:v1 &&
  expect_grep "no-such.conf" .stderr &&
  printf "[[registry]]\nprefix = \"x\"\ninsecure = 1\n" >bad.conf &&
  expect_exit 1 sc_build inspect --registries-conf bad.conf docker://$R/hw:v1 &&
  expect_grep "^bad.conf:3:12: error: .*numbers and dates are not supported here" .stderr &&
  printf "[[registry]]\ninsecure = \"yes\"\nprefix = \"x\"\n" >bad2.conf &&
  expect_exit 1 sc_build inspect --registries-conf bad2.conf docker://$R/hw:v1 &&
  expect_grep "bad2.conf: \[\[registry\]\] 1: insecure: must be true or false" .stderr
'

test_done
