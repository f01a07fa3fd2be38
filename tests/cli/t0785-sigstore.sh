#!/bin/bash
# t0785-sigstore: sigstore signatures (docs/signatures.md) against Debian's
# docker-registry on loopback, with throwaway EC P-256 keys, encrypted as
# cosign encrypts them (tests/cli/sigstore-key.py).  What `push
# --sign-by-sigstore-private-key` attaches is checked with openssl and, where
# skopeo can (SKOPEO_SIGSTORE: Debian builds skopeo 1.9.3 with sigstore
# disabled), skopeo; sc-build accepts what containers/image's layout holds,
# written by tests/cli/sigstore-attach.py (python and openssl) and, where
# it can, by `skopeo copy --sign-by-sigstore-private-key`, and refuses
# unsigned, tampered and other keys' images under sigstoreSigned before
# anything is cached or installed, naming the policy file, the scope, the
# requirement and the key.
. "$SC_SOURCE_DIR/tests/cli/lib.sh"
. "$SC_SOURCE_DIR/tests/registry/registry.sh"
test_require docker-registry skopeo openssl python3 curl
/usr/bin/python3 -c 'import nacl.secret' 2>/dev/null || { echo "1..0 # SKIP python3-nacl not installed"; exit 77; }

export SC_PUSH_BACKOFF_MS=100 HOME=$TEST_TMP/home
unset REGISTRY_AUTH_FILE DOCKER_CONFIG XDG_CONFIG_HOME
mkdir -p "$HOME"
CACHE=$XDG_CACHE_HOME/sc-build/bases
KEYPY=$SC_SOURCE_DIR/tests/cli/sigstore-key.py
ATTACH=$SC_SOURCE_DIR/tests/cli/sigstore-attach.py

# newkey NAME: NAME.pem (unencrypted), NAME.pub, NAME.key (encrypted with pass).
printf 'correct horse battery\n' >pass
newkey() {
  openssl ecparam -name prime256v1 -genkey -noout -out "$1.ec" 2>/dev/null &&
  openssl pkcs8 -topk8 -nocrypt -in "$1.ec" -out "$1.pem" &&
  openssl pkcs8 -topk8 -nocrypt -in "$1.ec" -outform DER -out "$1.der" &&
  openssl ec -in "$1.ec" -pubout -out "$1.pub" 2>/dev/null &&
  "$KEYPY" "$1.der" pass "$1.key"
}
newkey a && newkey b

registry_up "$TEST_TMP/reg"

mkdir rd && printf 'docker:\n  %s:\n    use-sigstore-attachments: true\n' "$R" >rd/sc.yaml
mkdir rd-off && printf 'docker:\n  %s:\n    use-sigstore-attachments: false\n' "$R" >rd-off/sc.yaml
cat >policy.json <<JSON
{"default": [{"type": "reject"}],
 "transports": {"docker": {
   "$R": [{"type": "sigstoreSigned", "keyPath": "$TEST_TMP/a.pub"}]}}}
JSON
# keyPaths is newer than skopeo 1.9.3: a policy for sc-build alone.
python3 - policy.json "$R" "$TEST_TMP" >policy-paths.json <<-\PY
	import json, sys
	p = json.load(open(sys.argv[1]))
	p["transports"]["docker"][sys.argv[2] + "/either"] = [{"type": "sigstoreSigned",
	    "keyPaths": [sys.argv[3] + "/b.pub", sys.argv[3] + "/a.pub"]}]
	print(json.dumps(p))
	PY
POLICY="--policy policy.json --registries.d rd"
SIGN_A="--sign-by-sigstore-private-key a.key --sign-passphrase-file pass --registries.d rd"

sc_build init hello-world >/dev/null && sc_build build hello-world -o base.oci >/dev/null 2>&1
sc_build init oneshot >/dev/null
digest=$(python3 -c "import json; print(json.load(open(\"base.oci/index.json\"))[\"manifests\"][0][\"digest\"])")
SIGTAG=sha256-${digest#sha256:}.sig

# attachment REPO: the sigstore attachment manifest of base.oci's image in REPO.
attachment() {
  curl -sf -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://$R/v2/$1/manifests/$SIGTAG"
}

# Whether this skopeo signs sigstore (Debian's answers "sigstore disabled").
test_lazy_prereq SKOPEO_SIGSTORE '
  skopeo copy --sign-by-sigstore-private-key a.key --sign-passphrase-file pass \
    oci:base.oci:hello-world:latest dir:$TEST_TMP/probe
'
# attach [--tamper] REPO IDENTITY KEY: sign base.oci's image in REPO as
# containers/image does (--tamper: then change the payload).
attach() {
  local tamper=
  [ "$1" = --tamper ] && { tamper=$1; shift; }
  "$ATTACH" $tamper "$R" "$1" "$digest" "$2" "$3"
}

test_expect_success 'push --sign-by-sigstore-private-key attaches a sigstore signature' '
  sc_build --json push $SIGN_A oci:base.oci docker://$R/hw:v1 >push.json &&
  python3 - push.json "$R/hw:$SIGTAG" <<-\PY &&
	import json, sys
	r = json.load(open(sys.argv[1]))
	assert r["sigstore_attachment"] == sys.argv[2], r
	assert r["referrers"] == [], r
	PY
  attachment hw >sig.json &&
  python3 - sig.json <<-\PY &&
	import json, sys
	m = json.load(open(sys.argv[1]))
	assert m["mediaType"] == "application/vnd.oci.image.manifest.v1+json", m
	assert m["config"]["mediaType"] == "application/vnd.oci.image.config.v1+json", m
	(layer,) = m["layers"]
	assert layer["mediaType"] == "application/vnd.dev.cosign.simplesigning.v1+json", layer
	assert list(layer["annotations"]) == ["dev.cosignproject.cosign/signature"], layer
	print(layer["digest"])
	open("sig.b64", "w").write(layer["annotations"]["dev.cosignproject.cosign/signature"])
	PY
  layer=$(python3 -c "import json; print(json.load(open(\"sig.json\"))[\"layers\"][0][\"digest\"])") &&
  curl -sf "http://$R/v2/hw/blobs/$layer" >payload.json &&
  python3 - payload.json "$R/hw:v1" "$digest" <<-\PY &&
	import json, sys
	p = json.load(open(sys.argv[1]))
	c = p["critical"]
	assert c["type"] == "cosign container image signature", c
	assert c["identity"] == {"docker-reference": sys.argv[2]}, c
	assert c["image"] == {"docker-manifest-digest": sys.argv[3]}, c
	assert isinstance(p["optional"]["timestamp"], int), p
	PY
  base64 -d sig.b64 >sig.der &&
  openssl dgst -sha256 -verify a.pub -signature sig.der payload.json
'

test_lazy_prereq JSONSCHEMA 'python3 -c "import jsonschema"'
test_expect_success JSONSCHEMA 'the signed push document matches its schema' '
  python3 "$SC_SOURCE_DIR/tests/cli/check-schema.py" "$SC_SOURCE_DIR/docs/schemas/push.schema.json" push.json
'

test_expect_success SKOPEO_SIGSTORE 'skopeo accepts the image sc-build signed' '
  skopeo copy --src-tls-verify=false $POLICY docker://$R/hw:v1 oci:copied:hw >/dev/null
'

test_expect_success SKOPEO_SIGSTORE 'skopeo refuses it unsigned, or signed by another key' '
  sc_build push oci:base.oci docker://$R/sk-unsigned:v1 >/dev/null 2>&1 &&
  expect_exit 1 skopeo copy --src-tls-verify=false $POLICY docker://$R/sk-unsigned:v1 oci:refused:x &&
  expect_grep "signature was required" .stderr &&
  sc_build push --sign-by-sigstore-private-key b.key --sign-passphrase-file pass --registries.d rd oci:base.oci docker://$R/sk-other:v1 >/dev/null 2>&1 &&
  expect_exit 1 skopeo copy --src-tls-verify=false $POLICY docker://$R/sk-other:v1 oci:refused:x
'

test_expect_success 'a second signature is added to the attachment, the first kept' '
  sc_build push --sign-by-sigstore-private-key b.pem --registries.d rd oci:base.oci docker://$R/hw:v1 >/dev/null 2>&1 &&
  attachment hw >sig2.json &&
  python3 - sig.json sig2.json <<-\PY &&
	import json, sys
	one, two = (json.load(open(f)) for f in sys.argv[1:])
	assert len(two["layers"]) == 2 and two["layers"][0] == one["layers"][0], two
	PY
  sc_build build oneshot $POLICY --from docker://$R/hw:v1 -o hw.oci >/dev/null 2>&1
'

test_expect_success 'sc-build accepts a signature attached as containers/image attaches it' '
  sc_build push oci:base.oci docker://$R/by-ref:v1 >/dev/null 2>&1 &&
  attach by-ref "$R/by-ref:v1" a.pem &&
  sc_build build oneshot $POLICY --from docker://$R/by-ref:v1 -o ref.oci >/dev/null 2>&1 &&
  sc_build push oci:base.oci docker://$R/either/app:v1 >/dev/null 2>&1 &&
  attach either/app "$R/either/app:v1" b.pem &&
  attach either/app "$R/either/app:v1" a.pem &&
  sc_build build oneshot --policy policy-paths.json --registries.d rd --from docker://$R/either/app:v1 -o either.oci >/dev/null 2>&1
'

test_expect_success SKOPEO_SIGSTORE 'sc-build accepts what skopeo copy --sign-by-sigstore-private-key signed' '
  skopeo copy --dest-tls-verify=false --sign-by-sigstore-private-key a.key --sign-passphrase-file pass --registries.d rd oci:base.oci:hello-world:latest docker://$R/by-skopeo:v1 >/dev/null 2>&1 &&
  sc_build build oneshot $POLICY --from docker://$R/by-skopeo:v1 -o os.oci >/dev/null 2>&1
'

test_expect_success 'sc-build refuses an unsigned image under sigstoreSigned, caching nothing' '
  sc_build push oci:base.oci docker://$R/unsigned:v1 >/dev/null 2>&1 &&
  rm -rf "$XDG_CACHE_HOME" &&
  expect_exit 1 sc_build build oneshot $POLICY --from docker://$R/unsigned:v1 -o no.oci &&
  expect_grep "docker://$R/unsigned:v1 \(manifest $digest\) refused by policy.json, scope transports.docker\[\"$R\"\], requirement 1 \(sigstoreSigned, keyPath $TEST_TMP/a.pub\): no sigstore signature found \(looked in $R/unsigned:$SIGTAG, from rd/sc.yaml: docker: $R\)" .stderr &&
  test ! -e no.oci &&
  ! test -e "$CACHE/blobs/sha256/${digest#sha256:}"
'

test_expect_success 'sc-build refuses a signature by another key, saying which' '
  sc_build push oci:base.oci docker://$R/by-b:v1 >/dev/null 2>&1 &&
  attach by-b "$R/by-b:v1" b.pem &&
  expect_exit 1 sc_build build oneshot $POLICY --from docker://$R/by-b:v1 -o no.oci &&
  expect_grep "requirement 1 \(sigstoreSigned, keyPath $TEST_TMP/a.pub\): no sigstore signature is accepted; $R/by-b:$SIGTAG layer 1: the signature does not verify with the policy.s key" .stderr &&
  test ! -e no.oci
'

test_expect_success 'sc-build refuses a tampered payload, and another repository'"'"'s signature' '
  sc_build push oci:base.oci docker://$R/tampered:v1 >/dev/null 2>&1 &&
  attach --tamper tampered "$R/tampered:v1" a.pem &&
  expect_exit 1 sc_build build oneshot $POLICY --from docker://$R/tampered:v1 -o no.oci &&
  expect_grep "no sigstore signature is accepted; .*tampered:$SIGTAG layer 1: the signature does not verify" .stderr &&
  sc_build push oci:base.oci docker://$R/elsewhere:v1 >/dev/null 2>&1 &&
  attach elsewhere "$R/hw:v1" a.pem &&
  expect_exit 1 sc_build build oneshot $POLICY --from docker://$R/elsewhere:v1 -o no.oci &&
  expect_grep "signs identity \"$R/hw:v1\", which signedIdentity does not accept" .stderr
'

test_expect_success 'install docker:// under sigstoreSigned: signed installs, another key'"'"'s does not' '
  sc_build install $POLICY docker://$R/by-ref:v1 --name signed --root root >/dev/null 2>&1 &&
  test -f root/etc/systemd/system/signed.service &&
  expect_exit 1 sc_build install $POLICY docker://$R/by-b:v1 --name other --root root &&
  expect_grep "refused by policy.json" .stderr &&
  test ! -e root/etc/systemd/system/other.service
'

test_expect_success 'without use-sigstore-attachments no attachment is read, and the error says so' '
  expect_exit 1 sc_build build oneshot --policy policy.json --registries.d rd-off --from docker://$R/by-ref:v1 -o no.oci &&
  expect_grep "no sigstore signature found \(looked in no sigstore attachments: registries.d rd-off does not set use-sigstore-attachments: true for $R/by-ref\)" .stderr
'

test_expect_success 'push --sign-by-sigstore-private-key fails before pushing: attachments off, wrong passphrase, damaged key' '
  expect_exit 1 sc_build push --sign-by-sigstore-private-key a.key --sign-passphrase-file pass --registries.d rd-off oci:base.oci docker://$R/never:v1 &&
  expect_grep "registries.d rd-off does not set use-sigstore-attachments: true for $R/never" .stderr &&
  printf "wrong horse\n" >wrong &&
  expect_exit 1 sc_build push --sign-by-sigstore-private-key a.key --sign-passphrase-file wrong --registries.d rd oci:base.oci docker://$R/never:v1 &&
  expect_grep "a.key: cannot decrypt the key: wrong passphrase" .stderr &&
  ! grep_q "wrong horse" .stderr &&
  expect_exit 2 sc_build push --sign-by-sigstore-private-key a.key --registries.d rd oci:base.oci docker://$R/never:v1 &&
  expect_grep "a.key is encrypted: give its passphrase with --sign-passphrase-file" .stderr &&
  sed "2s/^..../AAAA/" a.key >damaged.key &&
  expect_exit 1 sc_build push --sign-by-sigstore-private-key damaged.key --sign-passphrase-file pass --registries.d rd oci:base.oci docker://$R/never:v1 &&
  expect_grep "damaged.key: " .stderr &&
  expect_exit 1 skopeo inspect --tls-verify=false docker://$R/never:v1
'

test_expect_success 'an ENCRYPTED COSIGN PRIVATE KEY (the older name) signs too' '
  "$KEYPY" a.der pass cosign.key "ENCRYPTED COSIGN PRIVATE KEY" &&
  sc_build push --sign-by-sigstore-private-key cosign.key --sign-passphrase-file pass --registries.d rd oci:base.oci docker://$R/cosign:v1 >/dev/null 2>&1 &&
  sc_build build oneshot $POLICY --from docker://$R/cosign:v1 -o cosign.oci >/dev/null 2>&1
'

test_done
