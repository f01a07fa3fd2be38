#!/bin/bash
# t0700-push: `sc-build push` to Debian's docker-registry (distribution 2.8)
# on loopback: what skopeo reads back, skipped and mounted blobs, chunked
# uploads, Basic and Bearer auth from every credential source, TLS
# verification, and a registry dying in the middle of a push.
. "$SC_SOURCE_DIR/tests/cli/lib.sh"
. "$SC_SOURCE_DIR/tests/registry/registry.sh"
test_require docker-registry skopeo umoci htpasswd openssl python3 curl

json_get() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }
# Requests of one kind in a --verbose log: count_requests FILE 'PATCH /v2/hw/'
count_requests() { grep -c -- "^$2" "$1" || true; }
export XDG_CACHE_HOME=$TEST_TMP/cache SC_PUSH_BACKOFF_MS=100
unset REGISTRY_AUTH_FILE DOCKER_CONFIG
export XDG_RUNTIME_DIR=$TEST_TMP/run HOME=$TEST_TMP/home
mkdir -p "$XDG_RUNTIME_DIR" "$HOME"

sc_build init hello-world >/dev/null && sc_build build hello-world -o hw.oci >/dev/null 2>&1

registry_up "$TEST_TMP/reg"

test_expect_success 'push prints the digest skopeo sees, with label atomic.type=system' '
  sc_build --verbose push oci:hw.oci docker://$R/hw:latest --digestfile hw.digest >out 2>err &&
  digest=$(cat out) && expect_grep "^sha256:[0-9a-f]{64}$" out &&
  test "$(cat hw.digest)" = "$digest" &&
  skopeo inspect --tls-verify=false docker://$R/hw:latest >inspect.json &&
  test "$(json_get inspect.json "d[\"Digest\"]")" = "$digest" &&
  test "$(json_get inspect.json "d[\"Labels\"][\"atomic.type\"]")" = system &&
  test "$(count_requests err "PUT /v2/hw/blobs/uploads/")" = 3
'

test_expect_success 'skopeo copies it back to the same rootfs' '
  skopeo copy -q --src-tls-verify=false docker://$R/hw:latest oci:back:latest &&
  umoci unpack --image back:latest b1 >/dev/null && umoci unpack --image hw.oci:hello-world:latest b0 >/dev/null &&
  diff -r b0/rootfs b1/rootfs
'

test_expect_success 'progress bars on a terminal only; a pipe gets one line' '
  XDG_CACHE_HOME=$TEST_TMP/c-tty script -qec "$SC_BUILD push oci:hw.oci docker://$R/tty:latest" /dev/null >tty.out &&
  expect_grep "sha256:[0-9a-f]{12} uploaded +\[#+\]" tty.out &&
  XDG_CACHE_HOME=$TEST_TMP/c-pipe sc_build push oci:hw.oci docker://$R/pipe:latest >pipe.out 2>pipe.err &&
  test "$(wc -l <pipe.err)" = 1 && expect_grep "^pushed docker://" pipe.err &&
  ! grep -q "$(printf "\r")" pipe.err
'

test_expect_success 'a second push uploads no blob' '
  sc_build --verbose push oci:hw.oci docker://$R/hw:latest >out 2>err &&
  test "$(count_requests err "POST /v2/hw/blobs/uploads")" = 0 &&
  test "$(count_requests err "PUT /v2/hw/blobs/")" = 0 &&
  test "$(count_requests err "HEAD /v2/hw/blobs/.* 200")" = 3
'

test_expect_success 'a push to a second repository mounts the blobs' '
  sc_build --verbose push oci:hw.oci docker://$R/other/hw:v1 >out 2>err &&
  test "$(count_requests err "POST /v2/other/hw/blobs/uploads/?mount=sha256:[0-9a-f]*&from=hw 201")" = 3 &&
  test "$(count_requests err "PUT /v2/other/hw/blobs/")" = 0 &&
  skopeo inspect --tls-verify=false docker://$R/other/hw:v1 >i2.json &&
  test "$(json_get i2.json "d[\"Digest\"]")" = "$(cat hw.digest)"
'

test_expect_success 'an oci-archive pushes the same digest; --json reports the counts' '
  sc_build build hello-world --format oci-archive -o hw.tar >/dev/null 2>&1 &&
  sc_build --json push oci-archive:hw.tar docker://$R/arch:latest >j.json &&
  test "$(json_get j.json "d[\"digest\"]")" = "$(cat hw.digest)" &&
  test "$(json_get j.json "d[\"blobs_mounted\"]")" = 3
'

test_expect_success 'a small --chunk-size uploads in PATCH chunks' '
  mkdir -p big/rootfs/data && cp -r hello-world/* big/ &&
  head -c 3000000 /dev/urandom >big/rootfs/data/random &&
  sc_build build big -o big.oci >/dev/null 2>&1 &&
  sc_build --verbose push --chunk-size 512k oci:big.oci docker://$R/chunks:latest >out 2>err &&
  test "$(count_requests err "PATCH /v2/chunks/blobs/uploads/.* 202")" -ge 6 &&
  skopeo inspect --tls-verify=false docker://$R/chunks:latest >/dev/null
'

# Upload sessions of a --verbose log whose PATCHes interleave: prints the
# number of runs of PATCHes to one session, and the number of sessions
# (equal when the uploads went one after another).
patch_runs() {
  local patches
  patches=$(grep -oE -- "^PATCH /v2/$2/blobs/uploads/[^ ?]+" "$1")
  echo "$(uniq <<<"$patches" | wc -l) $(sort -u <<<"$patches" | wc -l)"
}

# The distinct blobs of the layout's one image: its config and layers (two
# layers of the same bytes are one blob, uploaded once).
distinct_blobs() {
  python3 - "$1" <<'PY'
import json, sys
d = sys.argv[1]
blob = lambda digest: json.load(open(d + "/blobs/sha256/" + digest.split(":")[1]))
m = blob(json.load(open(d + "/index.json"))["manifests"][0]["digest"])
print(len({m["config"]["digest"]} | {l["digest"] for l in m["layers"]}))
PY
}

test_expect_success '--jobs uploads blobs side by side; --jobs 1 one after another' '
  mkdir -p big2/rootfs/data && cp -r hello-world/* big2/ &&
  head -c 3000000 /dev/urandom >big2/rootfs/data/random2 &&
  sc_build build big2 --from oci:big.oci -o par.oci >/dev/null 2>&1 &&
  XDG_CACHE_HOME=$TEST_TMP/c-par sc_build --verbose push --jobs 3 --chunk-size 256k oci:par.oci docker://$R/par:latest >par.out 2>par.err &&
  read runs sessions <<<"$(patch_runs par.err par)" &&
  test "$sessions" = 2 && test "$runs" -gt 2 &&
  test "$(count_requests par.err "PUT /v2/par/blobs/uploads/.*digest=.* 201")" = "$(distinct_blobs par.oci)" &&
  skopeo copy -q --src-tls-verify=false docker://$R/par:latest oci:par-back:latest &&
  umoci unpack --image par-back:latest pb >/dev/null && cmp pb/rootfs/data/random2 big2/rootfs/data/random2 &&
  cmp pb/rootfs/data/random big/rootfs/data/random &&
  test "$(json_get <(skopeo inspect --tls-verify=false docker://$R/par:latest) "d[\"Digest\"]")" = "$(cat par.out)" &&
  XDG_CACHE_HOME=$TEST_TMP/c-seq sc_build --verbose push --jobs 1 --chunk-size 256k oci:par.oci docker://$R/seq:latest >seq.out 2>seq.err &&
  read runs sessions <<<"$(patch_runs seq.err seq)" &&
  test "$sessions" = 2 && test "$runs" = 2
'

test_expect_success 'an unwritable --digestfile fails before anything is pushed' '
  expect_exit 1 sc_build push --digestfile no-dir/d oci:hw.oci docker://$R/dfile:latest &&
  expect_grep "digestfile no-dir/d: cannot write in no-dir" .stderr &&
  ! skopeo inspect --tls-verify=false docker://$R/dfile:latest >/dev/null 2>&1
'

test_expect_success 'a registry that never answers: the error says how often it was tried' '
  DEAD=$(test_free_port) &&
  expect_exit 1 sc_build push oci:hw.oci docker://127.0.0.1:$DEAD/hw:latest &&
  expect_grep "127.0.0.1:$DEAD/v2/: .*\(gave up after 5 attempts\)" .stderr
'

test_expect_success 'usage errors exit 2; a bad reference is named' '
  expect_exit 2 sc_build push oci:hw.oci &&
  expect_exit 2 sc_build push oci:hw.oci docker://$R/Bad:latest &&
  expect_grep "invalid repository name" .stderr &&
  expect_exit 1 sc_build push docker-archive:hw.tar docker://$R/hw:latest &&
  expect_grep "docker-archive:hw.tar: not a docker-archive" .stderr &&
  expect_exit 2 sc_build push containers-storage:hw docker://$R/hw:latest &&
  expect_grep "unknown transport .containers-storage:." .stderr &&
  expect_exit 2 sc_build push --tls-verify false oci:hw.oci docker://$R/hw:latest &&
  expect_grep "takes its value after .=. \(--tls-verify=false\)" .stderr &&
  expect_exit 2 sc_build push --bogus oci:hw.oci docker://$R/hw:latest &&
  test "$(wc -l <.stderr)" = 1 &&
  expect_exit 2 sc_build push oci:hw.oci "docker://alice:Pa55@$R/hw:latest" &&
  expect_grep "credentials do not go in a docker:// reference" .stderr && ! grep -q Pa55 .stderr
'

test_expect_success 'push from ostree: packs the layers again to the same digests as the OCI build' '
  sc_build build hello-world --format ostree --repo repo >/dev/null 2>&1 &&
  sc_build push ostree:hello-world:latest@repo docker://$R/fromostree:v1 >o1.out 2>/dev/null &&
  test "$(cat o1.out)" = "$(cat hw.digest)" &&
  export SOURCE_DATE_EPOCH=1700000000 &&
  sc_build init oneshot >/dev/null && sc_build build oneshot --from oci:hw.oci -o os.oci >/dev/null 2>&1 &&
  sc_build build oneshot --from oci:hw.oci --format ostree --repo repo -t os:v1 >/dev/null 2>&1 &&
  sc_build push oci:os.oci docker://$R/fromoci:v2 >o2.out 2>/dev/null &&
  sc_build push ostree:os:v1@repo docker://$R/fromostree:v2 >o3.out 2>/dev/null &&
  test "$(cat o2.out)" = "$(cat o3.out)" &&
  skopeo inspect --tls-verify=false docker://$R/fromostree:v2 >io.json &&
  test "$(json_get io.json "d[\"Digest\"]")" = "$(cat o2.out)" &&
  ! ls -d ${TMPDIR:-/tmp}/sc-push.* 2>/dev/null
'

test_expect_success 'push from ostree: a layer another tool wrote is refused by name, nothing is pushed' '
  cp -r hw.oci um.oci && umoci unpack --image um.oci:hello-world:latest uo >/dev/null &&
  echo extra >uo/rootfs/extra-file && touch -d 2001-02-03 uo/rootfs/extra-file &&
  umoci repack --image um.oci:umoci uo >/dev/null &&
  sc_build import oci:um.oci:umoci --repo repo --tag um:v1 >/dev/null 2>&1 &&
  expect_exit 1 sc_build push ostree:um:v1@repo docker://$R/umoci:v1 &&
  expect_grep "layer 3 \(sha256:[0-9a-f]+\) cannot be rebuilt byte for byte from OSTree" .stderr &&
  ! skopeo inspect --tls-verify=false docker://$R/umoci:v1 >/dev/null 2>&1 &&
  ! ls -d ${TMPDIR:-/tmp}/sc-push.* 2>/dev/null
'

# ---- Basic auth (htpasswd) ----
BPORT=$(test_free_port)
B=127.0.0.1:$BPORT
PASS=s3cret-Pa55word
htpasswd -Bbn user "$PASS" >"$TEST_TMP/htpasswd"
registry_config "$TEST_TMP/breg" "$BPORT" htpasswd "$TEST_TMP/htpasswd"
test_cleanup_add "registry_stop '$TEST_TMP/breg'"
registry_start "$TEST_TMP/breg" "$BPORT"
auth_json() { printf '{"auths": {"%s": {"auth": "%s"}}}\n' "$B" "$(printf "user:$1" | base64 -w0)"; }

test_expect_success 'Basic auth: --creds works, wrong creds fail with a clear 401' '
  sc_build --verbose push --creds "user:$PASS" oci:hw.oci docker://$B/hw:latest >>all.out 2>>all.err &&
  expect_exit 1 sc_build --verbose push --creds user:wrong oci:hw.oci docker://$B/hw:latest &&
  expect_grep "authentication failed.*check the user name and password.*HTTP 401 UNAUTHORIZED" .stderr &&
  expect_exit 1 sc_build push --creds user:wrong oci:hw.oci docker://$B/hw:latest &&
  expect_grep "^sc-build: error: $B: authentication failed" .stderr &&
  ! grep_q -e TLS -e "plain http" .stderr &&
  expect_exit 1 sc_build push oci:hw.oci docker://$B/anon:latest &&
  expect_grep "HTTP 401.*no credentials" .stderr &&
  expect_exit 1 sc_build inspect docker://$B/hw:latest &&
  expect_grep "^sc-build: error: docker://$B/hw:latest: manifest latest: HTTP 401.*no credentials" .stderr
'

test_expect_success 'Basic auth: REGISTRY_AUTH_FILE, XDG_RUNTIME_DIR, DOCKER_CONFIG, ~/.docker' '
  auth_json "$PASS" >authfile.json &&
  REGISTRY_AUTH_FILE=$PWD/authfile.json sc_build --verbose push oci:hw.oci docker://$B/a1:latest >>all.out 2>>all.err &&
  mkdir -p $XDG_RUNTIME_DIR/containers && auth_json "$PASS" >$XDG_RUNTIME_DIR/containers/auth.json &&
  sc_build --json --verbose push oci:hw.oci docker://$B/a2:latest >>all.out 2>>all.err &&
  rm $XDG_RUNTIME_DIR/containers/auth.json &&
  mkdir dockercfg && auth_json "$PASS" >dockercfg/config.json &&
  DOCKER_CONFIG=$PWD/dockercfg sc_build --verbose push oci:hw.oci docker://$B/a3:latest >>all.out 2>>all.err &&
  auth_json wrong >dockercfg/config.json &&
  ! DOCKER_CONFIG=$PWD/dockercfg sc_build --json push oci:hw.oci docker://$B/a4:latest >>all.out 2>>all.err &&
  skopeo inspect --tls-verify=false --creds "user:$PASS" docker://$B/a3:latest >/dev/null &&
  mkdir -p "$HOME/.docker" && auth_json "$PASS" >"$HOME/.docker/config.json" &&
  sc_build push oci:hw.oci docker://$B/a5:latest >>all.out 2>>all.err &&
  rm "$HOME/.docker/config.json" &&
  skopeo inspect --tls-verify=false --creds "user:$PASS" docker://$B/a5:latest >/dev/null
'

test_expect_success 'Basic auth: --authfile on every registry command, XDG_CONFIG_HOME, repository keys' '
  auth_json "$PASS" >given.json &&
  sc_build push --authfile given.json oci:hw.oci docker://$B/f1:latest >/dev/null 2>&1 &&
  sc_build inspect --authfile given.json docker://$B/f1:latest >/dev/null &&
  sc_build build hello-world --from docker://$B/f1:latest --authfile given.json -o f1.oci >/dev/null 2>&1 &&
  XDG_CACHE_HOME=$TEST_TMP/c-af sc_build validate hello-world --from docker://$B/f1:latest --authfile given.json >/dev/null 2>&1 &&
  mkdir -p xdgconfig/containers && auth_json "$PASS" >xdgconfig/containers/auth.json &&
  XDG_CONFIG_HOME=$PWD/xdgconfig sc_build push oci:hw.oci docker://$B/f2:latest >/dev/null 2>&1 &&
  expect_exit 1 env XDG_CONFIG_HOME=$PWD/xdgconfig "$SC_BUILD" push --authfile given-none.json oci:hw.oci docker://$B/f3:latest &&
  expect_grep "no credentials" .stderr &&
  printf "{\"auths\": {\"%s\": {\"auth\": \"%s\"}, \"%s/team/app\": {\"auth\": \"%s\"}}}\n" \
    "$B" "$(printf user:wrong | base64 -w0)" "$B" "$(printf "user:$PASS" | base64 -w0)" >scoped.json &&
  sc_build push --authfile scoped.json oci:hw.oci docker://$B/team/app:latest >/dev/null 2>&1 &&
  expect_exit 1 sc_build push --authfile scoped.json oci:hw.oci docker://$B/team/other:latest &&
  expect_grep "authentication failed" .stderr
'

# A fake docker-credential-helpers helper: answers for $B only, logs what it was asked.
mkdir -p "$TEST_TMP/helpers"
cat >"$TEST_TMP/helpers/docker-credential-sctest" <<EOF
#!/bin/sh
test "\$1" = get || exit 3
read -r url || true
printf "%s\n" "\$url" >>"$TEST_TMP/helper.log"
case "\$url" in
$B) printf '{"ServerURL":"%s","Username":"user","Secret":"%s"}\n' "\$url" "\$SCTEST_SECRET" ;;
*) echo "credentials not found in native keychain"; exit 1 ;;
esac
EOF
printf '#!/bin/sh\necho "keychain locked"\nexit 1\n' >"$TEST_TMP/helpers/docker-credential-sctestbroken"
chmod +x "$TEST_TMP/helpers/docker-credential-sctest" "$TEST_TMP/helpers/docker-credential-sctestbroken"

test_expect_success 'Basic auth: credHelpers and credsStore run docker-credential-NAME get' '
  printf "{\"credHelpers\": {\"%s\": \"sctest\"}}\n" "$B" >helpers.json &&
  PATH=$TEST_TMP/helpers:$PATH SCTEST_SECRET=$PASS sc_build push --authfile helpers.json oci:hw.oci docker://$B/h1:latest >/dev/null 2>&1 &&
  grep_q "^$B\$" "$TEST_TMP/helper.log" &&
  printf "{\"auths\": {\"%s\": {}}, \"credsStore\": \"sctest\"}\n" "$B" >store.json &&
  PATH=$TEST_TMP/helpers:$PATH SCTEST_SECRET=$PASS sc_build inspect --authfile store.json docker://$B/h1:latest >/dev/null &&
  expect_exit 1 env PATH=$TEST_TMP/helpers:$PATH SCTEST_SECRET=wrong "$SC_BUILD" inspect --authfile store.json docker://$B/h1:latest &&
  expect_grep "authentication failed" .stderr &&
  printf "{\"credHelpers\": {\"%s\": \"sctestbroken\"}}\n" "$B" >broken.json &&
  expect_exit 1 env PATH=$TEST_TMP/helpers:$PATH "$SC_BUILD" inspect --authfile broken.json docker://$B/h1:latest &&
  expect_grep "docker-credential-sctestbroken .named in broken.json. failed for $B .*: keychain locked; run it by hand" .stderr &&
  printf "{\"credHelpers\": {\"%s\": \"../sctest\"}}\n" "$B" >evil.json &&
  expect_exit 1 sc_build inspect --authfile evil.json docker://$B/h1:latest &&
  expect_grep "not a plain name" .stderr &&
  printf "{\"credHelpers\": {\"%s\": \"sctestmissing\"}}\n" "$B" >missing.json &&
  expect_exit 1 sc_build inspect --authfile missing.json docker://$B/h1:latest &&
  expect_grep "docker-credential-sctestmissing" .stderr
'

test_expect_success 'login checks the password and writes auth.json 0600; push uses it; logout removes it' '
  echo wrong | expect_exit 1 sc_build login --username user --password-stdin $B &&
  expect_grep "authentication failed.*401" .stderr && cat .stdout .stderr >>all.err &&
  test ! -e $XDG_RUNTIME_DIR/containers/auth.json &&
  echo "$PASS" | sc_build login --username user --password-stdin $B >>all.out 2>>all.err &&
  test "$(stat -c %a $XDG_RUNTIME_DIR/containers/auth.json)" = 600 &&
  json_get $XDG_RUNTIME_DIR/containers/auth.json "d[\"auths\"][\"$B\"][\"auth\"]" >entry &&
  test "$(base64 -d entry)" = "user:$PASS" &&
  sc_build push oci:hw.oci docker://$B/l1:latest >>all.out 2>>all.err &&
  sc_build logout $B >>all.out 2>>all.err &&
  test "$(json_get $XDG_RUNTIME_DIR/containers/auth.json "len(d[\"auths\"])")" = 0 &&
  expect_exit 1 sc_build push oci:hw.oci docker://$B/l2:latest &&
  expect_grep "no credentials" .stderr &&
  expect_exit 1 sc_build logout $B && expect_grep "not logged in to $B" .stderr &&
  expect_exit 2 sc_build login --username user docker://$B/x
'

test_expect_success 'login https://HOST/ writes the HOST key; login HOST/NS/REPO a repository key' '
  echo "$PASS" | sc_build login --authfile url.json --username user --password-stdin "https://$B/" >/dev/null 2>&1 &&
  python3 -c "import json,sys; assert list(json.load(open(sys.argv[1]))[\"auths\"]) == [sys.argv[2]]" url.json "$B" &&
  echo "$PASS" | sc_build login --authfile repo.json --username user --password-stdin "$B/team/app/" >/dev/null 2>&1 &&
  python3 -c "import json,sys; assert list(json.load(open(sys.argv[1]))[\"auths\"]) == [sys.argv[2]]" repo.json "$B/team/app" &&
  sc_build push --authfile repo.json oci:hw.oci docker://$B/team/app:latest >/dev/null 2>&1 &&
  expect_exit 2 sc_build login --authfile repo.json --username user "$B/team/app:latest" &&
  expect_grep "without a tag" .stderr &&
  sc_build logout --authfile repo.json "$B/team/app" >/dev/null &&
  python3 -c "import json,sys; assert json.load(open(sys.argv[1]))[\"auths\"] == {}" repo.json
'

test_expect_success 'the password appears in no output' '
  cat .stdout .stderr >>all.err &&
  ! grep -r -- "$PASS" all.out all.err &&
  ! grep -r -- "$(printf "user:$PASS" | base64 -w0)" all.out all.err
'

# ---- Bearer tokens ----
TPORT=$(test_free_port)
openssl req -x509 -newkey rsa:2048 -nodes -keyout issuer.key -out issuer.crt -days 2 \
  -subj /CN=sc-test-issuer 2>/dev/null
python3 "$SC_SOURCE_DIR/tests/registry/token-issuer.py" "$TPORT" issuer.key issuer.crt \
  "$TEST_TMP/tokens.log" "user:$PASS" &
test_cleanup_add "kill $! 2>/dev/null"
KPORT=$(test_free_port)
K=127.0.0.1:$KPORT
registry_config "$TEST_TMP/kreg" "$KPORT" token "http://127.0.0.1:$TPORT/token" "$TEST_TMP/issuer.crt"
test_cleanup_add "registry_stop '$TEST_TMP/kreg'"
registry_start "$TEST_TMP/kreg" "$KPORT"

test_expect_success 'Bearer: one token request per scope, and the push lands' '
  : >tokens.log &&
  sc_build --verbose push --creds "user:$PASS" oci:hw.oci docker://$K/hw:latest >out 2>err &&
  test "$(grep -c "scope=repository:hw:pull,push auth=basic" tokens.log)" = 1 &&
  test "$(wc -l <tokens.log)" = 1 &&
  sc_build --verbose push --creds "user:$PASS" oci:hw.oci docker://$K/hw2:latest >out 2>err &&
  expect_grep "mount=.* 201" err &&
  test "$(wc -l <tokens.log)" = 3 &&
  skopeo inspect --tls-verify=false --creds "user:$PASS" docker://$K/hw2:latest >/dev/null &&
  ! grep -- "$PASS" out err
'

test_expect_success 'Bearer: wrong credentials are refused by the token endpoint' '
  expect_exit 1 sc_build push --creds user:wrong oci:hw.oci docker://$K/hw:latest &&
  expect_grep "token request.*401" .stderr
'

test_expect_success 'Bearer: login asks the token endpoint, and only stores what it accepted' '
  expect_exit 1 sc_build login --authfile af.json --creds user:wrong $K &&
  expect_grep "token request.*401" .stderr && test ! -e af.json &&
  sc_build login --authfile af.json --creds "user:$PASS" $K >out 2>err &&
  REGISTRY_AUTH_FILE=$PWD/af.json sc_build push oci:hw.oci docker://$K/viaauth:latest >/dev/null &&
  ! grep -- "$PASS" out err
'

test_expect_success 'Bearer: an identitytoken is sent as a refresh_token grant' '
  printf "{\"auths\": {\"%s\": {\"identitytoken\": \"refresh-%s\"}}}\n" "$K" "$PASS" >idtok.json &&
  sc_build push --authfile idtok.json oci:hw.oci docker://$K/idtok:latest >/dev/null 2>&1 &&
  grep_q "scope=repository:idtok:pull,push auth=refresh" "$TEST_TMP/tokens.log" &&
  printf "{\"auths\": {\"%s\": {\"identitytoken\": \"refresh-wrong\"}}}\n" "$K" >idtok-bad.json &&
  expect_exit 1 sc_build inspect --authfile idtok-bad.json docker://$K/idtok:latest &&
  expect_grep "identity token of idtok-bad.json" .stderr
'

test_expect_success 'Bearer: build --from pulls a private base with a pull-scoped token' '
  : >tokens.log &&
  { test -d oneshot || sc_build init oneshot >/dev/null; } &&
  XDG_CACHE_HOME=$TEST_TMP/c-k expect_exit 1 sc_build build oneshot --from docker://$K/hw:latest -o kb.oci &&
  expect_grep "token request .*no credentials: use --creds.*HTTP 401" .stderr &&
  XDG_CACHE_HOME=$TEST_TMP/c-k sc_build --json build oneshot --creds "user:$PASS" --from docker://$K/hw:latest -o kb.oci >kb.json 2>kb.err &&
  test "$(json_get kb.json "d[\"base_pull\"][\"digest\"]")" = "$(cat hw.digest)" &&
  grep -q "scope=repository:hw:pull auth=basic" tokens.log &&
  ! grep -- "$PASS" kb.json kb.err
'

# ---- TLS ----
SPORT=$(test_free_port)
S=127.0.0.1:$SPORT
openssl req -x509 -newkey rsa:2048 -nodes -keyout tls.key -out tls.crt -days 2 \
  -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null
registry_config "$TEST_TMP/sreg" "$SPORT" tls "$TEST_TMP/tls.crt" "$TEST_TMP/tls.key"
test_cleanup_add "registry_stop '$TEST_TMP/sreg'"
registry_start "$TEST_TMP/sreg" "$SPORT" https

test_expect_success 'TLS: a self-signed registry is refused by default' '
  expect_exit 1 sc_build push oci:hw.oci docker://$S/hw:latest &&
  expect_grep "certificate verification failed.*--cert-dir" .stderr
'

test_expect_success 'TLS: a --cert-dir that is missing or not a directory is named' '
  expect_exit 1 sc_build push --cert-dir no-such-dir oci:hw.oci docker://$S/hw:latest &&
  expect_grep "cert-dir no-such-dir: No such file or directory" .stderr &&
  expect_exit 1 sc_build push --cert-dir tls.crt oci:hw.oci docker://$S/hw:latest &&
  expect_grep "cert-dir tls.crt: Not a directory" .stderr
'

test_expect_success 'TLS: --cert-dir with its CA, or --tls-verify=false, pushes over https' '
  mkdir certs && cp tls.crt certs/ca.crt &&
  sc_build --verbose push --cert-dir certs oci:hw.oci docker://$S/hw:latest >out 2>err &&
  skopeo inspect --cert-dir certs docker://$S/hw:latest >/dev/null &&
  sc_build push --tls-verify=false oci:hw.oci docker://$S/hw3:latest >/dev/null
'

# ---- a registry that dies mid-push ----

# wait_until TRIES COMMAND...: run COMMAND every 20 ms until it succeeds,
# at most TRIES times; fails when it never did.
wait_until() {
  local tries=$1 i && shift &&
  for i in $(seq "$tries"); do
    "$@" && return 0 || sleep 0.02 || return 1
  done &&
  return 1
}
# patches_sent LOG N: the --verbose LOG has at least N PATCH requests.
patches_sent() { test "$(count_requests "$1" PATCH)" -ge "$2"; }

test_expect_success 'a push cut off by a dead registry leaves no manifest; re-running completes' '
  mkdir -p large/rootfs/data && cp -r hello-world/* large/ &&
  head -c 40000000 /dev/urandom >large/rootfs/data/random &&
  sc_build build large -o large.oci >/dev/null 2>&1 &&
  { sc_build --verbose push --chunk-size 256k oci:large.oci docker://$R/large:latest >l.out 2>l.err & } &&
  pid=$! &&
  wait_until 400 patches_sent l.err 5 &&
  registry_stop "$TEST_TMP/reg" && rc=0 && { wait $pid || rc=$?; } &&
  test "$rc" = 1 &&
  ! skopeo inspect --tls-verify=false docker://$R/large:latest >/dev/null 2>&1 &&
  registry_start "$TEST_TMP/reg" "$PORT" &&
  ! skopeo inspect --tls-verify=false docker://$R/large:latest >/dev/null 2>&1 &&
  sc_build push --chunk-size 256k oci:large.oci docker://$R/large:latest >l2.out &&
  skopeo inspect --tls-verify=false docker://$R/large:latest >il.json &&
  test "$(json_get il.json "d[\"Digest\"]")" = "$(cat l2.out)"
'

test_expect_success 'a registry restarted during a push: the same run asks for the Range and completes' '
  { XDG_CACHE_HOME=$TEST_TMP/cache2 sc_build --verbose push --chunk-size 256k oci:large.oci docker://$R/resume:latest >r.out 2>r.err & } &&
  pid=$! &&
  wait_until 400 patches_sent r.err 5 &&
  registry_stop "$TEST_TMP/reg" && registry_start "$TEST_TMP/reg" "$PORT" && wait $pid &&
  expect_grep "^PATCH /v2/resume/blobs/uploads/[^ ]* 0 http://$R$" r.err &&
  expect_grep "^GET /v2/resume/blobs/uploads/[^ ]* (204|404) http://$R$" r.err &&
  skopeo inspect --tls-verify=false docker://$R/resume:latest >ir.json &&
  test "$(json_get ir.json "d[\"Digest\"]")" = "$(cat r.out)"
'

test_done
