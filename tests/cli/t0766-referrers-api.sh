#!/bin/bash
# t0766-referrers-api: where the registry serves the distribution-spec 1.1
# referrers API (GET /v2/NAME/referrers/DIGEST, here the fake registry's
# --referrers-api), push sends the SBOM and the sigstore signature as OCI
# 1.1 artifacts whose subject is the image, leaves the referrers tag
# sha256-HEX alone, and says so in --json (listed_by referrers-api).
# Without the API (the fake registry without it; Debian's docker-registry
# in t0765 and t0785) the SBOM goes to the tag schema and the signature
# stays an attachment only.
. "$SC_SOURCE_DIR/tests/cli/lib.sh"
test_require python3 curl openssl

export SC_PUSH_BACKOFF_MS=50 HOME=$TEST_TMP/home
unset REGISTRY_AUTH_FILE DOCKER_CONFIG XDG_CONFIG_HOME
mkdir -p "$HOME"
json_get() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

test_make_project p p >/dev/null
sc_build build p -o p.oci --sbom -q
image=$(json_get p.oci/index.json "[m[\"digest\"] for m in d[\"manifests\"] if not m.get(\"artifactType\")][0]")
sbom=$(json_get p.oci/index.json "[m[\"digest\"] for m in d[\"manifests\"] if m.get(\"artifactType\")][0]")
openssl ecparam -name prime256v1 -genkey -noout -out a.ec 2>/dev/null &&
  openssl pkcs8 -topk8 -nocrypt -in a.ec -out a.pem &&
  openssl ec -in a.ec -pubout -out a.pub 2>/dev/null
mkdir rd sigs && printf 'default-docker:\n  use-sigstore-attachments: true\n  lookaside: file://%s/sigs\n' "$TEST_TMP" >rd/sc.yaml
SIGN="--sign-by-sigstore-private-key a.pem --registries.d rd"

. "$SC_SOURCE_DIR/tests/registry/fake.sh"
FAKE_LAYOUT=$TEST_TMP/p.oci
# Started here, not in a test (each runs in a subshell): $PA serves the
# referrers API, $PN does not.
fake_start api --fresh --referrers-api && PA=$P
fake_start noapi --fresh && PN=$P
# get PATH ACCEPT: a document of the registry on port $P.
get() { curl -sf -H "Accept: $2" "http://127.0.0.1:$P/v2/$1"; }

test_expect_success 'with the referrers API: the SBOM and the signature are referrers, no tag schema' '
  P=$PA &&
  sc_build push --json $SIGN oci:p.oci:p:latest docker://127.0.0.1:$P/p:latest >api.json &&
  test "$(json_get api.json "d[\"digest\"]")" = "$image" &&
  test "$(json_get api.json "sorted((r[\"subject\"], r[\"artifactType\"], r[\"listed_by\"]) for r in d[\"referrers\"])")" = \
    "[('"'"'$image'"'"', '"'"'application/spdx+json'"'"', '"'"'referrers-api'"'"'), ('"'"'$image'"'"', '"'"'application/vnd.dev.cosign.artifact.sig.v1+json'"'"', '"'"'referrers-api'"'"')]" &&
  get p/referrers/$image application/vnd.oci.image.index.v1+json >refs.json &&
  json_get api.json "\"\\n\".join(sorted(r[\"digest\"] for r in d[\"referrers\"]))" >want &&
  json_get refs.json "\"\\n\".join(sorted(m[\"digest\"] for m in d[\"manifests\"]))" >got &&
  cmp want got &&
  grep -q "$sbom" got &&
  ! grep -q "^registry PUT /v2/p/manifests/sha256-${image#sha256:} " api.log &&
  grep -q "^registry PUT /v2/p/manifests/sha256-${image#sha256:}.sig " api.log
'

test_expect_success 'the signature artifact: its subject the image, its layer the payload, signed' '
  P=$PA &&
  sig=$(json_get api.json "[r[\"digest\"] for r in d[\"referrers\"] if r[\"artifactType\"].startswith(\"application/vnd.dev.cosign\")][0]") &&
  get p/manifests/$sig application/vnd.oci.image.manifest.v1+json >sig.json &&
  test "sha256:$(sha256sum <sig.json | cut -d" " -f1)" = "$sig" &&
  test "$(json_get sig.json "d[\"artifactType\"]")" = application/vnd.dev.cosign.artifact.sig.v1+json &&
  test "$(json_get sig.json "d[\"config\"][\"mediaType\"]")" = application/vnd.oci.empty.v1+json &&
  test "$(json_get sig.json "d[\"subject\"][\"digest\"]")" = "$image" &&
  test "$(json_get sig.json "d[\"subject\"][\"size\"]")" = "$(stat -c %s p.oci/blobs/sha256/${image#sha256:})" &&
  test "$(json_get sig.json "d[\"layers\"][0][\"mediaType\"]")" = application/vnd.dev.cosign.simplesigning.v1+json &&
  get p/blobs/$(json_get sig.json "d[\"layers\"][0][\"digest\"]") "*/*" >payload.json &&
  test "$(json_get payload.json "d[\"critical\"][\"image\"][\"docker-manifest-digest\"]")" = "$image" &&
  json_get sig.json "d[\"layers\"][0][\"annotations\"][\"dev.cosignproject.cosign/signature\"]" | base64 -d >sig.der &&
  openssl dgst -sha256 -verify a.pub -signature sig.der payload.json
'

test_expect_success 'without the API: the SBOM under the referrers tag, the signature an attachment only' '
  P=$PN &&
  sc_build push --json $SIGN oci:p.oci:p:latest docker://127.0.0.1:$P/p:latest >noapi.json &&
  test "$(json_get noapi.json "[(r[\"digest\"], r[\"listed_by\"]) for r in d[\"referrers\"]]")" = \
    "[('"'"'$sbom'"'"', '"'"'tag-schema'"'"')]" &&
  grep -q "^registry GET /v2/p/referrers/$image " noapi.log &&
  grep -q "^registry PUT /v2/p/manifests/sha256-${image#sha256:} " noapi.log &&
  get p/manifests/sha256-${image#sha256:} application/vnd.oci.image.index.v1+json >tag.json &&
  test "$(json_get tag.json "[m[\"digest\"] for m in d[\"manifests\"]]")" = "['"'"'$sbom'"'"']" &&
  grep -q "^registry PUT /v2/p/manifests/sha256-${image#sha256:}.sig " noapi.log
'

test_expect_success 'inspect docker:// asks the referrers API where there is one' '
  sc_build inspect --json docker://127.0.0.1:$PA/p:latest >inspect-api.json &&
  json_get inspect-api.json "\"\\n\".join(sorted(r[\"digest\"] for r in d[\"referrers\"]))" >got-inspect &&
  cmp want got-inspect &&
  grep -q "^registry GET /v2/p/referrers/$image " api.log &&
  ! grep -q "^registry GET /v2/p/manifests/sha256-${image#sha256:} " api.log &&
  sc_build inspect --json docker://127.0.0.1:$PN/p:latest >inspect-noapi.json &&
  test "$(json_get inspect-noapi.json "[r[\"digest\"] for r in d[\"referrers\"]]")" = "['"'"'$sbom'"'"']"
'

# After the inspect above: the fake registry keeps one set of manifests for
# all repositories, so this push adds referrers to the same image.
test_expect_success 'the text output says how the referrers are listed' '
  P=$PA &&
  sc_build push $SIGN oci:p.oci:p:latest docker://127.0.0.1:$P/ptext:latest >/dev/null 2>text.err &&
  expect_grep "pushed 2 artifacts that refer to it \(listed by the registry.s referrers API\)" text.err
'

# A throwaway GPG key for --sign-by, where gpg is installed.
test_lazy_prereq GPG 'command -v gpg && command -v gpgconf'
if test_have_prereq GPG; then
  export GNUPGHOME=$TEST_TMP/gnupg && mkdir -m 700 "$GNUPGHOME" &&
    FPR=$(test_gpg_key 'sc-build test <test@example.com>')
fi

test_expect_success GPG 'with the API the simple signature is a referrer too; the lookaside keeps it' '
  P=$PA &&
  sc_build push --json --sign-by "$FPR" --registries.d rd oci:p.oci:p:latest docker://127.0.0.1:$P/gpg:latest >gpg-api.json &&
  sigfile=sigs/gpg@sha256=${image#sha256:}/signature-1 &&
  test "$(json_get gpg-api.json "d[\"signature\"]")" = "$TEST_TMP/$sigfile" &&
  art=$(json_get gpg-api.json "[r[\"digest\"] for r in d[\"referrers\"] if r[\"artifactType\"] == \"application/vnd.sc-build.simple-signing.v1+pgp\" and r[\"listed_by\"] == \"referrers-api\" and r[\"subject\"] == \"$image\"][0]") &&
  get gpg/referrers/$image application/vnd.oci.image.index.v1+json >gpg-refs.json &&
  test "$(json_get gpg-refs.json "[m[\"artifactType\"] for m in d[\"manifests\"] if m[\"digest\"] == \"$art\"]")" = \
    "['"'"'application/vnd.sc-build.simple-signing.v1+pgp'"'"']" &&
  get gpg/manifests/$art application/vnd.oci.image.manifest.v1+json >gpg-art.json &&
  get gpg/blobs/$(json_get gpg-art.json "d[\"layers\"][0][\"digest\"]") "*/*" >gpg-sig &&
  cmp gpg-sig "$sigfile" &&
  gpg --decrypt gpg-sig 2>/dev/null | python3 -c "import json,sys; assert json.load(sys.stdin)[\"critical\"][\"image\"][\"docker-manifest-digest\"] == \"$image\""
'

test_expect_success GPG 'without the API the simple signature is in the lookaside and the tag schema' '
  P=$PN &&
  sc_build push --json --sign-by "$FPR" --registries.d rd oci:p.oci:p:latest docker://127.0.0.1:$P/gpg2:latest >gpg-noapi.json &&
  test -f "sigs/gpg2@sha256=${image#sha256:}/signature-1" &&
  test "$(json_get gpg-noapi.json "[(r[\"artifactType\"], r[\"listed_by\"]) for r in d[\"referrers\"]]")" = \
    "[('"'"'application/spdx+json'"'"', '"'"'tag-schema'"'"'), ('"'"'application/vnd.sc-build.simple-signing.v1+pgp'"'"', '"'"'tag-schema'"'"')]"
'

test_lazy_prereq JSONSCHEMA 'python3 -c "import jsonschema"'
test_expect_success JSONSCHEMA 'the push documents match their schema' '
  for f in api.json noapi.json $(test_have_prereq GPG && echo gpg-api.json gpg-noapi.json); do
    python3 "$SC_SOURCE_DIR/tests/cli/check-schema.py" "$SC_SOURCE_DIR/docs/schemas/push.schema.json" $f || return 1
  done &&
  for f in inspect-api.json inspect-noapi.json; do
    python3 "$SC_SOURCE_DIR/tests/cli/check-schema.py" "$SC_SOURCE_DIR/docs/schemas/inspect.schema.json" $f || return 1
  done
'

test_done
