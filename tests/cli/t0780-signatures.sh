#!/bin/bash
# t0780-signatures: simple signatures (docs/signatures.md) against Debian's
# docker-registry on loopback, with a lookaside directory as a file:// URL
# and a throwaway GnuPG key: skopeo accepts what `push --sign-by` signs and
# refuses it unsigned or tampered; sc-build accepts what `skopeo copy
# --sign-by` signs, and refuses unsigned or tampered images under signedBy
# before anything is cached or installed, naming the policy file, the
# scope, the requirement and the key.
. "$SC_SOURCE_DIR/tests/cli/lib.sh"
. "$SC_SOURCE_DIR/tests/registry/registry.sh"
test_require docker-registry skopeo gpg gpgconf python3 curl

export SC_PUSH_BACKOFF_MS=100 HOME=$TEST_TMP/home GNUPGHOME=$TEST_TMP/gnupg
unset REGISTRY_AUTH_FILE DOCKER_CONFIG XDG_CONFIG_HOME
mkdir -p "$HOME" && mkdir -m 700 "$GNUPGHOME"
CACHE=$XDG_CACHE_HOME/sc-build/bases

FPR=$(test_gpg_key 'sc-build test <test@example.com>')
gpg --export "$FPR" >key.gpg

registry_up "$TEST_TMP/reg"
# The lookaside served over http too, as a web server would publish it.
HPORT=$(test_free_port)
mkdir sigs
python3 -m http.server --bind 127.0.0.1 --directory sigs "$HPORT" >/dev/null 2>&1 &
test_cleanup_add "kill $!"

mkdir rd && cat >rd/sc.yaml <<YAML
docker:
  $R:
    lookaside: file://$TEST_TMP/sigs
YAML
cat >policy.json <<JSON
{"default": [{"type": "reject"}],
 "transports": {"docker": {
   "$R": [{"type": "signedBy", "keyType": "GPGKeys", "keyPath": "$TEST_TMP/key.gpg"}],
   "$R/open": [{"type": "insecureAcceptAnything"}],
   "$R/open/closed:v1": [{"type": "reject"}]}}}
JSON
POLICY="--policy policy.json --registries.d rd"

sc_build init hello-world >/dev/null && sc_build build hello-world -o base.oci >/dev/null 2>&1
sc_build init oneshot >/dev/null
digest=$(python3 -c "import json; print(json.load(open(\"base.oci/index.json\"))[\"manifests\"][0][\"digest\"])")

# sigdir REPO DIGEST: where the lookaside keeps the signatures of REPO@DIGEST.
sigdir() { echo "sigs/$1@sha256=${2#sha256:}"; }

test_expect_success 'push --sign-by stores a simple signature in the lookaside' '
  sc_build --json push --sign-by "$FPR" --registries.d rd oci:base.oci docker://$R/hw:v1 >push.json &&
  test "$(python3 -c "import json; print(json.load(open(\"push.json\"))[\"digest\"])")" = "$digest" &&
  test -f "$(sigdir hw "$digest")/signature-1" &&
  gpg --decrypt "$(sigdir hw "$digest")/signature-1" >payload.json 2>/dev/null &&
  python3 - payload.json "$R/hw:v1" "$digest" <<-\PY
	import json, sys
	p = json.load(open(sys.argv[1]))
	c = p["critical"]
	assert c["type"] == "atomic container signature", c
	assert c["identity"] == {"docker-reference": sys.argv[2]}, c
	assert c["image"] == {"docker-manifest-digest": sys.argv[3]}, c
	assert p["optional"]["creator"].startswith("sc-build "), p
	assert isinstance(p["optional"]["timestamp"], int), p
	PY
'

test_expect_success 'a second --sign-by adds signature-2' '
  sc_build push --sign-by "$FPR" --registries.d rd oci:base.oci docker://$R/hw:v1 >/dev/null 2>&1 &&
  test -f "$(sigdir hw "$digest")/signature-2"
'

test_expect_success 'push --sign-by attaches the signature too, listed by the tag schema here' '
  python3 - push.json "$digest" <<-\PY &&
	import json, sys
	refs = [r for r in json.load(open(sys.argv[1]))["referrers"]
	        if r["artifactType"] == "application/vnd.sc-build.simple-signing.v1+pgp"]
	assert len(refs) == 1, refs
	assert refs[0]["subject"] == sys.argv[2] and refs[0]["listed_by"] == "tag-schema", refs
	open("sigref", "w").write(refs[0]["digest"])
	PY
  curl -fsS -H "Accept: application/vnd.oci.image.index.v1+json" \
    "http://$R/v2/hw/manifests/sha256-${digest#sha256:}" >tagindex.json &&
  grep_q "$(cat sigref)" tagindex.json &&
  mkdir -p no-lookaside-rd &&
  rm -rf "$XDG_CACHE_HOME" &&
  sc_build build oneshot --policy policy.json --registries.d no-lookaside-rd \
    --from docker://$R/hw:v1 -o from-referrer.oci >/dev/null 2>&1 &&
  test -f from-referrer.oci/index.json
'

test_expect_success 'skopeo accepts the image sc-build signed' '
  skopeo copy --remove-signatures --src-tls-verify=false $POLICY docker://$R/hw:v1 oci:copied:hw >/dev/null
'

test_expect_success 'skopeo refuses the same image unsigned' '
  sc_build push oci:base.oci docker://$R/unsigned:v1 >/dev/null 2>&1 &&
  expect_exit 1 skopeo copy --remove-signatures --src-tls-verify=false $POLICY docker://$R/unsigned:v1 oci:refused:x &&
  expect_grep "signature was required" .stderr
'

test_expect_success 'skopeo refuses a tampered signature' '
  sc_build push --sign-by "$FPR" --registries.d rd oci:base.oci docker://$R/tampered:v1 >/dev/null 2>&1 &&
  sig=$(sigdir tampered "$digest")/signature-1 &&
  python3 -c "import sys; b = bytearray(open(sys.argv[1], \"rb\").read()); b[len(b) // 2] ^= 0x20; open(sys.argv[1], \"wb\").write(b)" "$sig" &&
  expect_exit 1 skopeo copy --remove-signatures --src-tls-verify=false $POLICY docker://$R/tampered:v1 oci:refused:x
'

test_expect_success 'sc-build accepts what skopeo copy --sign-by signed' '
  skopeo copy --dest-tls-verify=false --sign-by "$FPR" --registries.d rd oci:base.oci:hello-world:latest docker://$R/by-skopeo:v1 >/dev/null 2>&1 &&
  test -f "$(sigdir by-skopeo "$digest")/signature-1" &&
  sc_build build oneshot $POLICY --from docker://$R/by-skopeo:v1 -o os.oci >/dev/null 2>&1
'

test_expect_success 'signatures are read from an http:// lookaside too' '
  mkdir rd-http && printf "docker:\n  %s:\n    lookaside: http://127.0.0.1:%s/\n" "$R" "$HPORT" >rd-http/sc.yaml &&
  for i in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$HPORT/" && break; sleep 0.1; done &&
  sc_build build oneshot --policy policy.json --registries.d rd-http --from docker://$R/by-skopeo:v1 -o http.oci >/dev/null 2>&1 &&
  expect_exit 1 sc_build build oneshot --policy policy.json --registries.d rd-http --from docker://$R/unsigned:v1 -o no.oci &&
  expect_grep "no signature found \(looked in http://127.0.0.1:$HPORT/, from rd-http/sc.yaml" .stderr
'

test_expect_success 'sc-build refuses an unsigned image under signedBy, caching nothing' '
  rm -rf "$XDG_CACHE_HOME" &&
  expect_exit 1 sc_build build oneshot $POLICY --from docker://$R/unsigned:v1 -o no.oci &&
  expect_grep "docker://$R/unsigned:v1 \(manifest $digest\) refused by policy.json, scope transports.docker\[\"$R\"\], requirement 1 \(signedBy, keyPath $TEST_TMP/key.gpg\): no signature found \(looked in file://$TEST_TMP/sigs, from rd/sc.yaml: docker: $R; and the referrers of $R/unsigned@$digest \(tag sha256-HEX, read as the lookaside had none\)\); its publisher signs it when pushing \(sc-build push --sign-by" .stderr &&
  test ! -e no.oci &&
  ! test -e "$CACHE/blobs/sha256/${digest#sha256:}" &&
  ! grep_q "${digest#sha256:}" "$CACHE/index.json"
'

test_expect_success 'a default registries.d that does not exist is named as such' '
  mkdir -p emptyhome &&
  expect_exit 1 env HOME=$TEST_TMP/emptyhome XDG_CONFIG_HOME= "$SC_BUILD" build oneshot --policy policy.json --from docker://$R/unsigned:v1 -o no.oci &&
  if test -d /etc/containers/registries.d; then
    expect_grep "no lookaside: registries.d /etc/containers/registries.d configures none for $R/unsigned" .stderr
  else
    expect_grep "no lookaside: registries.d /etc/containers/registries.d does not exist, so none is configured for $R/unsigned" .stderr
  fi &&
  expect_exit 1 sc_build build oneshot --policy policy.json --registries.d no-such-rd --from docker://$R/unsigned:v1 -o no.oci &&
  expect_grep "registries.d directory no-such-rd: No such file or directory" .stderr
'

test_expect_success 'sc-build refuses a tampered signature and says which' '
  expect_exit 1 sc_build build oneshot $POLICY --from docker://$R/tampered:v1 -o no.oci &&
  expect_grep "no signature is accepted; .*tampered@sha256=.*/signature-1: .*; trust the image only once its publisher says which key signed it" .stderr
'

test_expect_success 'a signature of another repository is refused by matchRepoDigestOrExact' '
  mkdir -p "$(sigdir copied-sig "$digest")" &&
  cp "$(sigdir hw "$digest")/signature-1" "$(sigdir copied-sig "$digest")/" &&
  sc_build push oci:base.oci docker://$R/copied-sig:v1 >/dev/null 2>&1 &&
  expect_exit 1 sc_build build oneshot $POLICY --from docker://$R/copied-sig:v1 -o no.oci &&
  expect_grep "signs identity \"$R/hw:v1\", which signedIdentity does not accept" .stderr
'

test_expect_success 'install docker:// under signedBy: a signed image installs, an unsigned one does not' '
  sc_build install $POLICY docker://$R/hw:v1 --name signed --root root >/dev/null 2>&1 &&
  test -f root/etc/systemd/system/signed.service &&
  expect_exit 1 sc_build install $POLICY docker://$R/unsigned:v1 --name unsigned --root root &&
  expect_grep "refused by policy.json" .stderr &&
  test ! -e root/etc/systemd/system/unsigned.service &&
  test ! -e root/var/lib/containers/atomic/unsigned.0
'

test_expect_success 'copying from docker:// checks the policy too' '
  expect_exit 1 sc_build push $POLICY docker://$R/unsigned:v1 oci:copy.oci &&
  expect_grep "refused by policy.json" .stderr && test ! -e copy.oci
'

test_expect_success 'the most specific scope wins: HOST/NS accepts, HOST/NS/REPO:TAG rejects' '
  sc_build push oci:base.oci docker://$R/open/app:v1 >/dev/null 2>&1 &&
  sc_build push oci:base.oci docker://$R/open/closed:v1 >/dev/null 2>&1 &&
  sc_build push oci:base.oci docker://$R/open/closed:v2 >/dev/null 2>&1 &&
  sc_build build oneshot $POLICY --from docker://$R/open/app:v1 -o open.oci >/dev/null 2>&1 &&
  sc_build build oneshot $POLICY --from docker://$R/open/closed:v2 -o open2.oci >/dev/null 2>&1 &&
  expect_exit 1 sc_build build oneshot $POLICY --from docker://$R/open/closed:v1 -o no.oci &&
  expect_grep "scope transports.docker\[\"$R/open/closed:v1\"\], requirement 1 \(reject\)" .stderr
'

test_expect_success 'a policy file that is not valid is refused at its line and column' '
  printf "{\"default\": [{\"type\": \"insecureAcceptAnything\"}],\n \"transports\": {\"docker\": {\"x\": [{\"type\": \"signedBy\"}]}}}\n" >bad.json &&
  expect_exit 1 sc_build build oneshot --policy bad.json --from docker://$R/hw:v1 -o no.oci &&
  expect_grep "bad.json:2:[0-9]+: .*signedBy: keyType \(GPGKeys\) is missing" .stderr &&
  expect_exit 1 sc_build build oneshot --policy missing.json --from docker://$R/hw:v1 -o no.oci &&
  expect_grep "missing.json" .stderr
'

test_expect_success 'without --policy and --registries.d, the user'"'"'s files in ~/.config/containers apply' '
  mkdir -p "$HOME/.config/containers" &&
  cp policy.json "$HOME/.config/containers/policy.json" &&
  cp -r rd "$HOME/.config/containers/registries.d" &&
  sc_build build oneshot --from docker://$R/by-skopeo:v1 -o user.oci >/dev/null 2>&1 &&
  expect_exit 1 sc_build build oneshot --from docker://$R/unsigned:v1 -o no.oci &&
  expect_grep "refused by $HOME/.config/containers/policy.json, .*from $HOME/.config/containers/registries.d/sc.yaml" .stderr &&
  rm -rf "$HOME/.config/containers"
'

test_expect_success 'push --sign-by fails before pushing without a lookaside or a key' '
  mkdir empty-rd &&
  expect_exit 1 sc_build push --sign-by "$FPR" --registries.d empty-rd oci:base.oci docker://$R/never:v1 &&
  expect_grep "no lookaside-staging \(or lookaside\) for $R/never in registries.d empty-rd" .stderr &&
  expect_exit 1 sc_build push --sign-by 0000000000000000000000000000000000000000 --registries.d rd oci:base.oci docker://$R/never:v1 &&
  expect_grep "no such secret key in [^ ]*: list them with gpg --list-secret-keys" .stderr &&
  expect_exit 1 skopeo inspect --tls-verify=false docker://$R/never:v1 &&
  expect_exit 2 sc_build push --sign-by "$FPR" oci:base.oci oci:local.oci
'

test_done
