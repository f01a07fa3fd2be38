#!/bin/bash
# t0775-registries-conf-commands: registries.conf(5) beyond pulls by a
# qualified name, against Debian's docker-registry on loopback: login obeys
# blocked and insecure; a short name resolved by [aliases] or
# unqualified-search-registries names the image it found (install's name and
# tag, build's base.name annotation) and takes --creds to the registry it
# resolved to; every command that reads a registry image resolves it; a
# *.DOMAIN [[registry]] has mirrors.
. "$SC_SOURCE_DIR/tests/cli/lib.sh"
. "$SC_SOURCE_DIR/tests/registry/registry.sh"
test_require docker-registry skopeo openssl python3 curl htpasswd

export XDG_CACHE_HOME=$TEST_TMP/cache XDG_CONFIG_HOME=$TEST_TMP/config SC_PUSH_BACKOFF_MS=20
unset REGISTRY_AUTH_FILE DOCKER_CONFIG
export XDG_RUNTIME_DIR=$TEST_TMP/run HOME=$TEST_TMP/home
mkdir -p "$XDG_RUNTIME_DIR/containers" "$HOME" "$XDG_CONFIG_HOME/containers"
CONF=$XDG_CONFIG_HOME/containers/registries.conf
AUTH=$XDG_RUNTIME_DIR/containers/auth.json
# conf LINES...: the user's registries.conf (which replaces the system's).
conf() { printf '%s\n' "$@" >"$CONF"; }
json_get() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }
# base_name LAYOUT: the org.opencontainers.image.base.name annotation of the
# one manifest of an OCI layout.
base_name() {
  python3 -c 'import json,sys
blob = lambda d: json.load(open(sys.argv[1] + "/blobs/sha256/" + d["digest"][7:]))
m = json.load(open(sys.argv[1] + "/index.json"))["manifests"][0]
print(blob(m)["annotations"]["org.opencontainers.image.base.name"])' "$1"
}

sc_build init hello-world >/dev/null && sc_build build hello-world -o hw.oci >/dev/null 2>&1

# start NAME VAR [registry_config ARGS...]: a registry in $TEST_TMP/NAME on a
# free port, its HOST:PORT in $VAR.
start() {
  local name=$1 var=$2 port scheme=http
  shift 2
  port=$(test_free_port)
  registry_config "$TEST_TMP/$name" "$port" "$@"
  [ "${1:-}" = tls ] && scheme=https
  test_cleanup_add "registry_stop '$TEST_TMP/$name'"
  registry_start "$TEST_TMP/$name" "$port" $scheme
  eval "$var=127.0.0.1:$port"
}
start reg R
start mirror MIR
sc_build push oci:hw.oci docker://$R/hw:v1 >/dev/null 2>&1
sc_build push oci:hw.oci docker://$MIR/lib/hw:v1 >/dev/null 2>&1

test_expect_success 'login: a blocked registry is refused, naming the file and the entry' '
  conf "[[registry]]" "prefix = \"$R\"" "blocked = true" &&
  expect_exit 1 sc_build login --creds u:p $R &&
  expect_grep "$R: registry blocked by \[\[registry\]\] prefix \"$R\" in $CONF" .stderr &&
  test ! -e "$AUTH" &&
  conf "[[registry]]" "prefix = \"$R/other\"" "blocked = true" &&
  sc_build login --creds u:p $R >/dev/null 2>&1 &&
  test -e "$AUTH"
'

test_expect_success 'login and logout: without HOST, the first unqualified-search-registries entry' '
  conf "unqualified-search-registries = [\"$R\", \"example.invalid\"]" &&
  sc_build login --json --authfile default.json --creds u:p >default-login.json &&
  test "$(json_get default-login.json "d[\"registry\"]")" = "$R" &&
  json_get default.json "d[\"auths\"][\"$R\"][\"auth\"]" >/dev/null &&
  sc_build logout --json --authfile default.json >default-logout.json &&
  test "$(json_get default-logout.json "d[\"registry\"]")" = "$R" &&
  test "$(json_get default.json "len(d[\"auths\"])")" = 0 &&
  conf "" &&
  expect_exit 2 sc_build login --creds u:p &&
  expect_grep "no registry given, and registries.conf \($CONF\) lists no unqualified-search-registries" .stderr &&
  expect_exit 2 sc_build logout --authfile default.json &&
  expect_grep "no registry given, and registries.conf \($CONF\) lists no unqualified-search-registries" .stderr
'

# A TLS registry whose CA nobody trusts.
openssl req -x509 -newkey rsa:2048 -nodes -keyout srv.key -out srv.crt -days 2 -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1
start treg T tls "$TEST_TMP/srv.crt" "$TEST_TMP/srv.key"

test_expect_success 'login: insecure = true lets login reach a registry of an untrusted certificate' '
  conf "" &&
  expect_exit 1 sc_build login --creds u:p $T &&
  expect_grep "$T/v2/: TLS certificate verification failed" .stderr &&
  conf "[[registry]]" "location = \"$T\"" "insecure = true" &&
  sc_build login --creds u:p $T >login.out 2>&1 &&
  expect_grep "Login to $T as u succeeded" login.out
'

test_expect_success 'short names: build --from names the base as resolved in base.name' '
  conf "unqualified-search-registries = [\"$R\"]" &&
  sc_build build --from docker://hw:v1 hello-world -o short.oci >/dev/null 2>&1 &&
  test "$(base_name short.oci)" = "docker://$R/hw:v1"
'

test_expect_success 'short names: install names the image it found ([aliases]), as atomic does' '
  conf "[aliases]" "\"sc-alias\" = \"$MIR/lib/hw\"" &&
  mkdir -p root &&
  sc_build install --json --root root docker://sc-alias:v1 >install.json &&
  sc_build list --json --root root >list.json &&
  test "$(json_get list.json "d[\"containers\"][0][\"name\"]")" = hw-v1 &&
  json_get root/var/lib/containers/atomic/hw-v1.0/info "d[\"values\"][\"IMAGE_NAME\"]" >image-name &&
  echo "$MIR/lib/hw:v1" | diff -u - image-name &&
  sc_build update --root root --image docker://sc-alias:v1 --set RECEIVER=alias hw-v1 >/dev/null 2>&1 &&
  json_get root/var/lib/containers/atomic/hw-v1.1/info "d[\"values\"][\"IMAGE_NAME\"]" >image-name.1 &&
  echo "$MIR/lib/hw:v1" | diff -u - image-name.1
'

test_expect_success 'short names: every command that reads a registry image resolves them' '
  conf "[aliases]" "\"sc-alias\" = \"$MIR/lib/hw\"" &&
  sc_build --verbose inspect docker://sc-alias:v1 >/dev/null 2>inspect.err &&
  expect_grep "GET /v2/lib/hw/manifests/v1 200 .*$MIR" inspect.err &&
  sc_build sbom -o a.spdx.json docker://sc-alias:v1 >/dev/null 2>&1 && test -s a.spdx.json &&
  sc_build push docker://sc-alias:v1 oci:copied.oci:c >/dev/null 2>&1 &&
  sc_build inspect oci:copied.oci:c >/dev/null &&
  sc_build validate --from docker://sc-alias:v1 hello-world >/dev/null 2>&1 &&
  if command -v ostree >/dev/null; then
    sc_build import --repo repo docker://sc-alias:v1 >import.out 2>&1 &&
    expect_grep "^ostree:lib/hw:v1@$TEST_TMP/repo$" import.out
  else
    echo "# skipped: import (no ostree CLI)"
  fi
'

PASS=Sh0rt-Pa55
htpasswd -Bbn user "$PASS" >"$TEST_TMP/htpasswd"
start auth AMIR htpasswd "$TEST_TMP/htpasswd"
sc_build push --creds "user:$PASS" oci:hw.oci docker://$AMIR/priv/hw:v1 >/dev/null 2>&1

test_expect_success 'short names: --creds go to the registry the name resolved to' '
  conf "unqualified-search-registries = [\"$AMIR\"]" &&
  expect_exit 1 sc_build inspect docker://priv/hw:v1 &&
  expect_grep "HTTP 401" .stderr &&
  sc_build inspect --creds "user:$PASS" docker://priv/hw:v1 >/dev/null &&
  printf "{\"auths\": {\"%s\": {\"auth\": \"%s\"}}}\n" "$AMIR" "$(printf "user:$PASS" | base64 -w0)" >short-auth.json &&
  sc_build inspect --authfile short-auth.json docker://priv/hw:v1 >/dev/null
'

test_expect_success 'wildcard prefix: *.DOMAIN mirrors are tried in order, their location replacing the host' '
  conf "[[registry]]" "prefix = \"*.sc-test.invalid\"" \
    "[[registry.mirror]]" "location = \"$R/none\"" \
    "[[registry.mirror]]" "location = \"$MIR/lib\"" &&
  sc_build --verbose inspect docker://reg.sc-test.invalid/hw:v1 >w.out 2>w.err &&
  expect_grep "GET /v2/none/hw/manifests/v1 404 .*$R" w.err &&
  expect_grep "GET /v2/lib/hw/manifests/v1 200 .*$MIR" w.err &&
  sc_build build --from docker://reg.sc-test.invalid/hw:v1 hello-world -o wild.oci >/dev/null 2>&1 &&
  test "$(base_name wild.oci)" = "docker://reg.sc-test.invalid/hw:v1"
'

test_expect_success 'wildcard prefix: pull-from-mirror and blocked apply to the hosts under it' '
  conf "[[registry]]" "prefix = \"*.sc-test.invalid\"" \
    "[[registry.mirror]]" "location = \"$MIR/lib\"" "pull-from-mirror = \"digest-only\"" &&
  expect_exit 1 sc_build inspect docker://reg.sc-test.invalid/hw:v1 &&
  ! grep_q "$MIR" .stderr &&
  conf "[[registry]]" "prefix = \"*.sc-test.invalid\"" "blocked = true" &&
  expect_exit 1 sc_build inspect docker://a.b.sc-test.invalid/hw:v1 &&
  expect_grep "registry blocked by \[\[registry\]\] prefix \"\*.sc-test.invalid\" in $CONF" .stderr
'

test_done
