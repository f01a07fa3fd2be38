#!/bin/bash
# t0769-referrer-signatures: `push --sign-by` attaches the simple signature
# as an OCI 1.1 referrer where the registry serves the referrers API; a
# reader with no lookaside of its own verifies it from there (docs/
# signatures.md: read when the lookaside gives none, or always or never as
# registries.d's sc-build-use-referrer-signatures says), by the referrers
# API, else the tag schema's index sha256-HEX, on the fake registry
# (tests/registry/fake-registry.py).  Under signedBy: signed is accepted by
# build --from and install; unsigned, signed by another key, garbage, a
# layer that does not hash to its digest, an artifact whose subject is
# another manifest, too many or too large signatures are refused naming
# the policy, its requirement and what is wrong, and nothing is cached.
. "$SC_SOURCE_DIR/tests/cli/lib.sh"
test_require python3 curl gpg gpgconf

export SC_PUSH_BACKOFF_MS=50 HOME=$TEST_TMP/home GNUPGHOME=$TEST_TMP/gnupg
unset REGISTRY_AUTH_FILE DOCKER_CONFIG XDG_CONFIG_HOME
mkdir -p "$HOME" && mkdir -m 700 "$GNUPGHOME"
ATTACH=$SC_SOURCE_DIR/tests/cli/referrer-attach.py

# Two throwaway keys: the policy trusts the first only.
FPR=$(test_gpg_key 'sc-build test <test@example.com>')
OTHER=$(test_gpg_key 'someone else <else@example.com>')
gpg --export "$FPR" >key.gpg

# The signer writes to a staging directory no reader looks in; rdr has no
# lookaside at all.
mkdir rdw rdr rdoff rdon rdbad
printf 'default-docker:\n  lookaside-staging: file://%s/staging\n' "$TEST_TMP" >rdw/sc.yaml
printf 'default-docker:\n  sc-build-use-referrer-signatures: false\n' >rdoff/sc.yaml
printf 'default-docker:\n  lookaside: file://%s/bad-sigs\n  sc-build-use-referrer-signatures: true\n' "$TEST_TMP" >rdon/sc.yaml
printf 'default-docker:\n  lookaside: file://%s/bad-sigs\n' "$TEST_TMP" >rdbad/sc.yaml
printf '{"default": [{"type": "signedBy", "keyType": "GPGKeys", "keyPath": "%s/key.gpg"}]}\n' "$TEST_TMP" >policy.json
POLICY="--policy policy.json --registries.d rdr"
REFUSED="refused by policy.json, scope default, requirement 1 \(signedBy, keyPath $TEST_TMP/key.gpg\)"

sc_build init hello-world >/dev/null && sc_build build hello-world -o base.oci >/dev/null 2>&1
sc_build init oneshot >/dev/null
digest=$(python3 -c "import json; print(json.load(open(\"base.oci/index.json\"))[\"manifests\"][0][\"digest\"])")
SIG=staging/hw@sha256=${digest#sha256:}/signature-1

. "$SC_SOURCE_DIR/tests/registry/fake.sh"
# One fake registry a case (started here: each test runs in a subshell);
# each keeps one set of manifests, whatever the repository.
fake_start good --fresh --referrers-api && PG=$P
fake_start unsigned --fresh --referrers-api && PU=$P
fake_start otherkey --fresh --referrers-api && PK=$P
fake_start garbage --fresh --referrers-api && PX=$P
fake_start claim --fresh --referrers-api --trust-upload-digest && PC=$P
fake_start big --fresh --referrers-api && PB=$P
fake_start tagschema --fresh && PT=$P
fake_start subject --fresh && PS=$P
fake_start many --fresh && PM=$P

# image PORT: base.oci pushed there unsigned, as hw:v1.
image() { sc_build push oci:base.oci "docker://127.0.0.1:$1/hw:v1" >/dev/null 2>&1; }

# refused PORT WHY: build --from the case's image fails naming the policy,
# the requirement and WHY (an extended regex); no output, nothing cached.
refused() {
  local cache=$TEST_TMP/cache-$1 &&
  expect_exit 1 env XDG_CACHE_HOME="$cache" timeout 60 "$SC_BUILD" build oneshot $POLICY \
    --from "docker://127.0.0.1:$1/hw:v1" -o "$TEST_TMP/no-$1.oci" &&
  expect_grep "docker://127.0.0.1:$1/hw:v1 \(manifest $digest\) $REFUSED: " .stderr &&
  expect_grep "$2" .stderr &&
  test "$(grep -c "error:" .stderr)" = 1 &&
  test ! -e "$TEST_TMP/no-$1.oci" &&
  test -z "$(find "$cache" -name "${digest#sha256:}" 2>/dev/null)"
}

test_expect_success 'signed by push --sign-by, read from the referrers API: build --from and install accept it' '
  sc_build push --sign-by "$FPR" --registries.d rdw oci:base.oci docker://127.0.0.1:$PG/hw:v1 >/dev/null 2>&1 &&
  test -f "$SIG" &&
  XDG_CACHE_HOME=$TEST_TMP/cache-good sc_build build oneshot $POLICY \
    --from docker://127.0.0.1:$PG/hw:v1 -o good.oci >/dev/null 2>&1 &&
  test -d good.oci &&
  grep -q "^registry GET /v2/hw/referrers/$digest " good.log &&
  sc_build install $POLICY docker://127.0.0.1:$PG/hw:v1 --name signed --root root >/dev/null 2>&1 &&
  test -f root/etc/systemd/system/signed.service
'

test_expect_success 'sc-build-use-referrer-signatures: false reads none: refused' '
  expect_exit 1 sc_build build oneshot --policy policy.json --registries.d rdoff \
    --from docker://127.0.0.1:$PG/hw:v1 -o off.oci &&
  expect_grep "$REFUSED: no signature found \(looked in no lookaside: " .stderr &&
  ! grep -q "referrers of" .stderr &&
  test ! -e off.oci
'

test_expect_success 'a lookaside signature stops the search unless the key says true' '
  mkdir -p "bad-sigs/hw@sha256=${digest#sha256:}" &&
  echo garbage >"bad-sigs/hw@sha256=${digest#sha256:}/signature-1" &&
  expect_exit 1 sc_build build oneshot --policy policy.json --registries.d rdbad \
    --from docker://127.0.0.1:$PG/hw:v1 -o bad.oci &&
  expect_grep "$REFUSED: no signature is accepted; " .stderr &&
  ! grep -q "(a referrer)" .stderr &&
  sc_build build oneshot --policy policy.json --registries.d rdon \
    --from docker://127.0.0.1:$PG/hw:v1 -o on.oci >/dev/null 2>&1 &&
  test -d on.oci
'

test_expect_success 'unsigned: refused by build --from and install, naming where it looked' '
  image $PU &&
  refused $PU "no signature found \(looked in no lookaside: registries.d [^ ]*rdr configures none for 127.0.0.1:$PU/hw; and the referrers of 127.0.0.1:$PU/hw@$digest \(referrers API, read as the lookaside had none\)\)" &&
  expect_exit 1 sc_build install $POLICY docker://127.0.0.1:$PU/hw:v1 --name unsigned --root root &&
  expect_grep "$REFUSED" .stderr &&
  test ! -e root/etc/systemd/system/unsigned.service
'

test_expect_success 'signed by another key: refused, saying which signature' '
  sc_build push --json --sign-by "$OTHER" --registries.d rdw oci:base.oci docker://127.0.0.1:$PK/hw:v1 >other.json 2>/dev/null &&
  grep -q "application/vnd.sc-build.simple-signing.v1+pgp" other.json &&
  refused $PK "no signature is accepted; 127.0.0.1:$PK/hw@sha256:[0-9a-f]{64} \(a referrer\): "
'

test_expect_success 'garbage for a signature: refused' '
  image $PX &&
  printf "not an OpenPGP message" >garbage.sig &&
  python3 "$ATTACH" 127.0.0.1:$PX hw "$digest" garbage.sig >/dev/null &&
  refused $PX "no signature is accepted; 127.0.0.1:$PX/hw@sha256:[0-9a-f]{64} \(a referrer\): "
'

test_expect_success 'a layer whose bytes do not hash to its digest: refused' '
  image $PC &&
  python3 "$ATTACH" --claim-digest 127.0.0.1:$PC hw "$digest" "$SIG" >/dev/null &&
  refused $PC "listed by the referrers API: signature artifact 127.0.0.1:$PC/hw@sha256:[0-9a-f]{64}: blob sha256:[0-9a-f]{64}: the registry sent bytes hashing to"
'

test_expect_success 'a layer over the signature size limit: refused before it is fetched' '
  image $PB &&
  art=$(python3 "$ATTACH" --layer-size 4194305 127.0.0.1:$PB hw "$digest" "$SIG") &&
  refused $PB "signature artifact 127.0.0.1:$PB/hw@$art: its layer.s size is missing or over 4194304 bytes" &&
  ! grep -q "^registry GET /v2/hw/blobs/" big.log
'

test_expect_success 'without the referrers API, the tag schema index lists it: accepted' '
  mkdir rdw-tag &&
  printf "default-docker:\n  lookaside-staging: file://%s/staging-tag\n" "$TEST_TMP" >rdw-tag/sc.yaml &&
  sc_build push --sign-by "$FPR" --registries.d rdw-tag oci:base.oci docker://127.0.0.1:$PT/hw:v1 >/dev/null 2>&1 &&
  python3 "$ATTACH" --list-under "$digest" 127.0.0.1:$PT hw "$digest" \
    "staging-tag/hw@sha256=${digest#sha256:}/signature-1" >/dev/null &&
  XDG_CACHE_HOME=$TEST_TMP/cache-tag sc_build build oneshot $POLICY \
    --from docker://127.0.0.1:$PT/hw:v1 -o tag.oci >/dev/null 2>&1 &&
  test -d tag.oci &&
  grep -q "^registry GET /v2/hw/referrers/$digest " tagschema.log &&
  grep -q "^registry GET /v2/hw/manifests/sha256-${digest#sha256:} " tagschema.log
'

test_expect_success 'an artifact listed for the image whose subject is another manifest: refused' '
  image $PS &&
  other=sha256:$(printf other | sha256sum | cut -d" " -f1) &&
  python3 "$ATTACH" --list-under "$digest" 127.0.0.1:$PS hw "$other" "$SIG" >/dev/null &&
  refused $PS "listed by the tag sha256-HEX: signature artifact .*: its subject is $other, not the image.s manifest $digest"
'

test_expect_success 'over 64 simple signatures listed: refused before any is fetched' '
  image $PM &&
  art=$(python3 "$ATTACH" --list-under "$digest" --repeat 65 127.0.0.1:$PM hw "$digest" "$SIG") &&
  refused $PM "the referrers of $digest at 127.0.0.1:$PM/hw \(tag sha256-HEX\): over 64 simple signatures" &&
  test "$(grep -c "^registry GET /v2/hw/manifests/$art " many.log)" = 0
'

test_done
