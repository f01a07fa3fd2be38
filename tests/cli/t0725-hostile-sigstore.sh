#!/bin/bash
# t0725-hostile-sigstore: sigstore attachments (sha256-HEX.sig) that a
# hostile or broken registry (tests/registry/fake-registry.py) serves:
# huge, of the wrong media types, a layer whose bytes do not hash to its
# digest, no or garbage dev.cosignproject.cosign/signature annotation, a
# payload for another image or another repository.  Under a sigstoreSigned
# policy each is refused with an error that names the policy, its
# requirement and what is wrong, and nothing is cached or installed.  A
# well-formed attachment on the same server is accepted (the control).
. "$SC_SOURCE_DIR/tests/cli/lib.sh"
test_require python3 curl openssl

export SC_PUSH_BACKOFF_MS=50
unset REGISTRY_AUTH_FILE DOCKER_CONFIG XDG_CONFIG_HOME
export HOME=$TEST_TMP/home
mkdir -p "$HOME"
ATTACH=$SC_SOURCE_DIR/tests/cli/sigstore-attach.py

sc_build init hello-world >/dev/null && sc_build build hello-world -o base.oci >/dev/null 2>&1
sc_build init oneshot >/dev/null
digest=$(python3 -c "import json; print(json.load(open(\"base.oci/index.json\"))[\"manifests\"][0][\"digest\"])")
SIGTAG=sha256-${digest#sha256:}.sig
for k in a b; do
  openssl ecparam -name prime256v1 -genkey -noout -out $k.ec 2>/dev/null &&
  openssl pkcs8 -topk8 -nocrypt -in $k.ec -out $k.pem &&
  openssl ec -in $k.ec -pubout -out $k.pub 2>/dev/null
done
mkdir rd && printf 'default-docker:\n  use-sigstore-attachments: true\n' >rd/sc.yaml
printf '{"default": [{"type": "sigstoreSigned", "keyPath": "%s/a.pub"}]}\n' "$TEST_TMP" >policy.json
POLICY="--policy policy.json --registries.d rd"
REFUSED="refused by policy.json, scope default, requirement 1 \(sigstoreSigned, keyPath $TEST_TMP/a.pub\)"

. "$SC_SOURCE_DIR/tests/registry/fake.sh"

# attach NAME [sigstore-attach.py options]: a fake registry for case NAME
# with base:latest signed by a.pem as asked.
attach() {
  local name=$1 && shift &&
  fake_start "$name" --trust-upload-digest &&
  python3 "$ATTACH" "$@" "127.0.0.1:$P" base "$digest" "127.0.0.1:$P/base:latest" a.pem
}

# refused NAME WHY: build --from the case's image fails naming the policy,
# the requirement and WHY (an extended regex); no output, nothing cached.
refused() {
  local cache=$TEST_TMP/cache-$1 &&
  expect_exit 1 env XDG_CACHE_HOME="$cache" timeout 60 "$SC_BUILD" build oneshot $POLICY \
    --from "docker://127.0.0.1:$P/base:latest" -o "$TEST_TMP/$1.oci" &&
  expect_grep "docker://127.0.0.1:$P/base:latest \(manifest $digest\) $REFUSED: " .stderr &&
  expect_grep "$2" .stderr &&
  test "$(grep -c "error:" .stderr)" = 1 &&
  test ! -e "$TEST_TMP/$1.oci" &&
  test -z "$(find "$cache" -name "${digest#sha256:}" 2>/dev/null)"
}

test_expect_success 'the control: a well-formed attachment on the fake registry is accepted' '
  attach good &&
  XDG_CACHE_HOME=$TEST_TMP/cache-good sc_build build oneshot $POLICY \
    --from docker://127.0.0.1:$P/base:latest -o good.oci >/dev/null 2>&1 &&
  test -d good.oci &&
  test -n "$(find "$TEST_TMP/cache-good" -name "${digest#sha256:}")" &&
  grep -q "^registry GET /v2/base/manifests/$SIGTAG " good.log
'

test_expect_success 'a huge attachment manifest is refused at its limit' '
  attach huge --pad 8000000 &&
  refused huge "its signatures cannot be read: sigstore attachment 127.0.0.1:$P/base:$SIGTAG: .*answer body larger than 4194304 bytes \(--max-response-size\)"
'

test_expect_success 'an attachment that is not an OCI manifest is refused' '
  attach manifest-type --manifest-type application/vnd.docker.distribution.manifest.v2+json &&
  refused manifest-type "sigstore attachment 127.0.0.1:$P/base:$SIGTAG: media type application/vnd.docker.distribution.manifest.v2\+json, not an OCI manifest"
'

test_expect_success 'a signature layer of another media type is refused' '
  attach layer-type --layer-media-type application/octet-stream &&
  refused layer-type "base:$SIGTAG layer 1: .*application/octet-stream"
'

test_expect_success 'a layer whose bytes do not hash to its digest is refused' '
  attach mismatch --claim-digest &&
  refused mismatch "base:$SIGTAG: layer 1: blob sha256:[0-9a-f]{64}: the registry sent bytes hashing to sha256:"
'

test_expect_success 'a layer without the signature annotation is refused' '
  attach no-annotation --no-annotation &&
  refused no-annotation "base:$SIGTAG layer 1: no dev.cosignproject.cosign/signature annotation"
'

test_expect_success 'a signature annotation that is not base64 is refused' '
  attach garbage --annotation "%%not*base64%%" &&
  refused garbage "base:$SIGTAG layer 1: the dev.cosignproject.cosign/signature annotation is not base64"
'

test_expect_success 'a payload that signs another image is refused' '
  attach other-image --payload-digest "sha256:$(printf other | sha256sum | cut -d" " -f1)" &&
  refused other-image "base:$SIGTAG layer 1: .*sha256:$(printf other | sha256sum | cut -d" " -f1)"
'

test_expect_success 'a payload that names another repository is refused' '
  fake_start other-repo --trust-upload-digest &&
  python3 "$ATTACH" "127.0.0.1:$P" base "$digest" "127.0.0.1:$P/elsewhere:latest" a.pem &&
  refused other-repo "signs identity \"127.0.0.1:$P/elsewhere:latest\", which signedIdentity does not accept"
'

test_expect_success 'install refuses a hostile attachment and installs nothing' '
  attach install-garbage --annotation "%%not*base64%%" &&
  expect_exit 1 env XDG_CACHE_HOME="$TEST_TMP/cache-install" "$SC_BUILD" install $POLICY \
    docker://127.0.0.1:$P/base:latest --name hostile --root root &&
  expect_grep "$REFUSED" .stderr &&
  test ! -e root/etc/systemd/system/hostile.service &&
  test -z "$(find "$TEST_TMP/cache-install" -name "${digest#sha256:}" 2>/dev/null)"
'

test_done
