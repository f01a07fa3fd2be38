#!/bin/bash
# t0765-sbom-referrer: `sc-build build --sbom` and `sc-build sbom --attach`
# store the image's SPDX document beside it in the layout as an OCI 1.1
# artifact (artifactType application/spdx+json, subject the image
# manifest): the same project gives the same digests, one SBOM per
# platform, and the layout stays one umoci and oci-image-tool read;
# inspect lists it; push sends it and keeps the referrers tag sha256-HEX
# (distribution-spec 1.1 tag schema) on Debian's docker-registry.  From an
# oci-archive: source: t0768.
. "$SC_SOURCE_DIR/tests/cli/lib.sh"
test_require python3 umoci skopeo

json_get() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }
blob() { echo "$1/blobs/sha256/${2#sha256:}"; }
# The digest of the layout's artifact entry of type spdx+json (one only).
sbom_manifest() { json_get "$1/index.json" "[m[\"digest\"] for m in d[\"manifests\"] if m.get(\"artifactType\") == \"application/spdx+json\"][0]"; }
export XDG_CACHE_HOME=$TEST_TMP/cache

test_make_project p p >/dev/null

test_expect_success 'build --sbom: an artifact manifest whose subject is the image' '
  sc_build build p -o p.oci --sbom --json >build.json &&
  image=$(json_get build.json "d[\"digest\"]") &&
  test "$(json_get build.json "d[\"sboms\"][0][\"subject\"]")" = "$image" &&
  art=$(sbom_manifest p.oci) &&
  test "$(json_get build.json "d[\"sboms\"][0][\"digest\"]")" = "$art" &&
  test "$(json_get p.oci/index.json "len(d[\"manifests\"])")" = 2 &&
  test "$(json_get p.oci/index.json "[m for m in d[\"manifests\"] if m.get(\"artifactType\")][0].get(\"annotations\", {}).get(\"org.opencontainers.image.ref.name\")")" = None &&
  m=$(blob p.oci "$art") &&
  test "$(sha256sum <"$m" | cut -d" " -f1)" = "${art#sha256:}" &&
  test "$(json_get "$m" "d[\"mediaType\"]")" = application/vnd.oci.image.manifest.v1+json &&
  test "$(json_get "$m" "d[\"artifactType\"]")" = application/spdx+json &&
  test "$(json_get "$m" "d[\"config\"][\"mediaType\"]")" = application/vnd.oci.empty.v1+json &&
  test "$(json_get "$m" "d[\"config\"][\"digest\"]")" = "sha256:$(printf "{}" | sha256sum | cut -d" " -f1)" &&
  test "$(cat "$(blob p.oci "$(json_get "$m" "d[\"config\"][\"digest\"]")")")" = "{}" &&
  test "$(json_get "$m" "d[\"subject\"][\"digest\"]")" = "$image" &&
  test "$(json_get "$m" "d[\"subject\"][\"size\"]")" = "$(stat -c %s "$(blob p.oci "$image")")" &&
  test "$(json_get "$m" "len(d[\"layers\"])")" = 1 &&
  test "$(json_get "$m" "d[\"layers\"][0][\"mediaType\"]")" = application/spdx+json
'

test_expect_success 'the attached document is the bytes `sc-build sbom` writes' '
  layer=$(json_get "$(blob p.oci "$(sbom_manifest p.oci)")" "d[\"layers\"][0][\"digest\"]") &&
  sc_build sbom oci:p.oci -o sbom.json &&
  cmp sbom.json "$(blob p.oci "$layer")" &&
  test "$(json_get sbom.json "[p[\"versionInfo\"] for p in d[\"packages\"] if p[\"SPDXID\"] == \"SPDXRef-Image\"][0]")" = \
    "$(json_get build.json "d[\"digest\"]")"
'

test_expect_success 'the same project, the same digests' '
  sc_build build p -o again.oci --sbom -q &&
  cmp p.oci/index.json again.oci/index.json &&
  SOURCE_DATE_EPOCH=1700000000 sc_build build p -o e1.oci --sbom -q &&
  SOURCE_DATE_EPOCH=1700000000 sc_build build p -o e2.oci --sbom -q &&
  cmp e1.oci/index.json e2.oci/index.json &&
  test "$(json_get "$(blob e1.oci "$(sbom_manifest e1.oci)")" "d[\"annotations\"][\"org.opencontainers.image.created\"]")" = 2023-11-14T22:13:20Z
'

test_expect_success 'umoci, skopeo and sc-build still read the layout'"'"'s one image' '
  umoci ls --layout p.oci >tags &&
  test "$(cat tags)" = p:latest &&
  skopeo inspect --raw oci:p.oci:p:latest >raw &&
  test "$(sha256sum <raw | cut -d" " -f1)" = "$(json_get build.json "d[\"digest\"][7:]")" &&
  sc_build inspect oci:p.oci --json >inspect.json &&
  test "$(json_get inspect.json "d[\"digest\"]")" = "$(json_get build.json "d[\"digest\"]")"
'

test_lazy_prereq OCI_IMAGE_TOOL 'command -v oci-image-tool'
test_expect_success OCI_IMAGE_TOOL 'oci-image-tool validates the image of the layout' '
  oci-image-tool validate --type image --ref name=p:latest p.oci
'

test_expect_success 'a rebuild replaces the SBOM of the image it replaces' '
  echo changed >p/rootfs/usr/bin/changed &&
  sc_build build p -o p.oci --sbom -q &&
  test "$(json_get p.oci/index.json "len(d[\"manifests\"])")" = 2 &&
  image=$(json_get p.oci/index.json "[m[\"digest\"] for m in d[\"manifests\"] if not m.get(\"artifactType\")][0]") &&
  test "$(json_get "$(blob p.oci "$(sbom_manifest p.oci)")" "d[\"subject\"][\"digest\"]")" = "$image" &&
  ! test -e "$(blob again.oci "$(sbom_manifest again.oci)" | sed "s/again.oci/p.oci/")"
'

test_expect_success 'a rebuild without --sbom leaves no SBOM: not of the new image, not of the old' '
  sc_build build p -o stale.oci --sbom -q &&
  old=$(sbom_manifest stale.oci) &&
  old_layer=$(json_get "$(blob stale.oci "$old")" "d[\"layers\"][0][\"digest\"]") &&
  sc_build build p -o stale.oci -q &&
  test "$(json_get stale.oci/index.json "len(d[\"manifests\"])")" = 1 &&
  ! test -e "$(blob stale.oci "$old")" &&
  ! test -e "$(blob stale.oci "$old_layer")" &&
  sc_build build p -o stale.oci --sbom -q &&
  echo changed-again >p/rootfs/usr/bin/changed &&
  sc_build build p -o stale.oci -q &&
  test "$(json_get stale.oci/index.json "len(d[\"manifests\"])")" = 1 &&
  ! test -e "$(blob stale.oci "$old")" &&
  sc_build inspect --json oci:stale.oci >stale.json &&
  test "$(json_get stale.json "d[\"referrers\"]")" = "[]" &&
  echo changed >p/rootfs/usr/bin/changed
'

test_expect_success 'a tag moved by a copy into the layout takes its SBOM with it; other tags keep theirs' '
  sc_build build p -o two.oci --tag a --sbom -q &&
  sc_build build p -o two.oci --tag b --sbom -q --label b=1 &&
  test "$(json_get two.oci/index.json "len(d[\"manifests\"])")" = 4 &&
  sc_build build p -o bare-a.oci -q --label a=2 &&
  sc_build push oci:bare-a.oci oci:two.oci:a >/dev/null &&
  b=$(json_get two.oci/index.json "[m[\"digest\"] for m in d[\"manifests\"] if m.get(\"annotations\", {}).get(\"org.opencontainers.image.ref.name\") == \"b\"][0]") &&
  test "$(json_get two.oci/index.json "len(d[\"manifests\"])")" = 3 &&
  test "$(json_get "$(blob two.oci "$(sbom_manifest two.oci)")" "d[\"subject\"][\"digest\"]")" = "$b"
'

test_expect_success 'sbom --attach adds it to an existing layout, once' '
  sc_build build p -o plain.oci -q &&
  sc_build sbom oci:plain.oci --attach >attach.out 2>&1 &&
  expect_grep "attached the SBOM of sha256:" attach.out &&
  sc_build sbom oci:plain.oci --attach -q &&
  test "$(json_get plain.oci/index.json "len(d[\"manifests\"])")" = 2 &&
  cmp plain.oci/index.json p.oci/index.json
'

test_expect_success 'a multi-platform build attaches one SBOM per platform image' '
  test_make_project mp mp >/dev/null &&
  rm mp/rootfs/usr/bin/hello-server &&
  for arch in amd64 arm64; do
    mkdir -p mp/rootfs.linux-$arch/usr/bin &&
    python3 "$SC_SOURCE_DIR/tests/cli/tiny-elf.py" $arch >mp/rootfs.linux-$arch/usr/bin/hello-server &&
    chmod 755 mp/rootfs.linux-$arch/usr/bin/hello-server || return 1
  done &&
  sc_build build mp -o multi.oci --platform linux/amd64,linux/arm64 --sbom --json >multi.json &&
  test "$(json_get multi.json "len(d[\"sboms\"])")" = 2 &&
  json_get multi.json "\"\\n\".join(sorted(p[\"digest\"] for p in d[\"platforms\"]))" >want &&
  json_get multi.json "\"\\n\".join(sorted(s[\"subject\"] for s in d[\"sboms\"]))" >got &&
  cmp want got &&
  test "$(json_get multi.oci/index.json "len(d[\"manifests\"])")" = 3
'

test_expect_success 'push to oci: and oci-archive: carries the SBOM; skopeo and umoci read the copy' '
  image=$(json_get p.oci/index.json "[m[\"digest\"] for m in d[\"manifests\"] if not m.get(\"artifactType\")][0]") &&
  art=$(sbom_manifest p.oci) &&
  sc_build push --json oci:p.oci:p:latest oci:copy.oci:c >copy.json &&
  test "$(json_get copy.json "[(r[\"subject\"], r[\"digest\"], r[\"artifactType\"], r[\"listed_by\"]) for r in d[\"referrers\"]]")" = \
    "[('"'"'$image'"'"', '"'"'$art'"'"', '"'"'application/spdx+json'"'"', '"'"'index.json'"'"')]" &&
  test "$(sbom_manifest copy.oci)" = "$art" &&
  for d in $art $(json_get "$(blob p.oci "$art")" "\" \".join(b[\"digest\"] for b in [d[\"config\"]] + d[\"layers\"])"); do
    cmp "$(blob p.oci $d)" "$(blob copy.oci $d)" || return 1
  done &&
  umoci ls --layout copy.oci >copy-tags &&
  test "$(cat copy-tags)" = c &&
  skopeo inspect --raw oci:copy.oci:c >copy-raw &&
  test "$(sha256sum <copy-raw | cut -d" " -f1)" = "${image#sha256:}" &&
  sc_build inspect --json oci:copy.oci:c >copy-inspect.json &&
  test "$(json_get copy-inspect.json "[r[\"digest\"] for r in d[\"referrers\"]]")" = "['"'"'$art'"'"']" &&
  sc_build push -q oci:p.oci:p:latest oci:copy.oci:c &&
  test "$(json_get copy.oci/index.json "len(d[\"manifests\"])")" = 2 &&
  sc_build push -q oci:p.oci:p:latest oci-archive:copy.tar:c &&
  mkdir copy-x && tar -xf copy.tar -C copy-x &&
  test "$(sbom_manifest copy-x)" = "$art" &&
  cmp copy-x/index.json copy.oci/index.json &&
  skopeo inspect --raw oci-archive:copy.tar:c >archive-raw &&
  cmp copy-raw archive-raw &&
  sc_build push --json oci:multi.oci oci:multi-copy.oci:m >multi-copy.json &&
  test "$(json_get multi-copy.json "len(d[\"referrers\"])")" = 2 &&
  test "$(json_get multi-copy.oci/index.json "len(d[\"manifests\"])")" = 3 &&
  sc_build inspect --json oci:multi-copy.oci:m >multi-copy-inspect.json &&
  test "$(json_get multi-copy-inspect.json "sorted(len(p[\"referrers\"]) for p in d[\"platforms\"])")" = "[1, 1]" &&
  sc_build build p -o nosbom.oci -q &&
  sc_build push --json oci:nosbom.oci oci:bare-copy.oci:x >bare-copy.json &&
  test "$(json_get bare-copy.json "d[\"referrers\"]")" = "[]"
'

test_expect_success OCI_IMAGE_TOOL 'oci-image-tool validates the copies'"'"' images' '
  oci-image-tool validate --type image --ref name=c copy.oci &&
  oci-image-tool validate --type image --ref name=c copy-x
'

test_lazy_prereq JSONSCHEMA 'python3 -c "import jsonschema"'
test_expect_success 'inspect lists the referrers, in text and in JSON' '
  sc_build inspect oci:p.oci:p:latest >inspect.txt &&
  art=$(sbom_manifest p.oci) &&
  expect_grep "^Referrers:" inspect.txt &&
  expect_grep "^  application/spdx\+json $art $(stat -c %s "$(blob p.oci "$art")") bytes$" inspect.txt &&
  sc_build inspect --json oci:p.oci:p:latest >inspect.json &&
  test "$(json_get inspect.json "[(r[\"artifactType\"], r[\"digest\"]) for r in d[\"referrers\"]]")" = \
    "[('"'"'application/spdx+json'"'"', '"'"'$art'"'"')]" &&
  sc_build inspect --json oci:multi.oci >multi-inspect.json &&
  test "$(json_get multi-inspect.json "sorted(len(p[\"referrers\"]) for p in d[\"platforms\"])")" = "[1, 1]" &&
  sc_build inspect --json oci:plain.oci >/dev/null &&
  sc_build build p -o bare.oci -q && sc_build inspect --json oci:bare.oci >bare.json &&
  test "$(json_get bare.json "d[\"referrers\"]")" = "[]"
'

test_expect_success JSONSCHEMA 'the copy documents with referrers match the push schema' '
  for f in copy.json multi-copy.json bare-copy.json; do
    python3 "$SC_SOURCE_DIR/tests/cli/check-schema.py" "$SC_SOURCE_DIR/docs/schemas/push.schema.json" $f || return 1
  done
'

test_expect_success JSONSCHEMA 'the inspect documents with referrers match their schema' '
  for f in inspect.json multi-inspect.json bare.json; do
    python3 "$SC_SOURCE_DIR/tests/cli/check-schema.py" "$SC_SOURCE_DIR/docs/schemas/inspect.schema.json" $f || return 1
  done
'

if command -v docker-registry curl >/dev/null 2>&1 && command -v curl >/dev/null; then
  . "$SC_SOURCE_DIR/tests/registry/registry.sh"
  registry_up "$TEST_TMP/reg" && test_set_prereq REGISTRY
fi
export SC_PUSH_BACKOFF_MS=100
unset REGISTRY_AUTH_FILE DOCKER_CONFIG
# get PATH ACCEPT: a registry document
get() { curl -sf -H "Accept: $2" "http://$R/v2/$1"; }

test_expect_success REGISTRY 'push carries the SBOM: by digest, and the referrers tag (tag schema)' '
  image=$(json_get p.oci/index.json "[m[\"digest\"] for m in d[\"manifests\"] if not m.get(\"artifactType\")][0]") &&
  art=$(sbom_manifest p.oci) &&
  sc_build push oci:p.oci:p:latest docker://$R/p:latest >push.out 2>push.err &&
  expect_grep "pushed 1 artifact that refers to it \(listed by the referrers tag sha256-HEX\)" push.err &&
  get p/manifests/sha256-${image#sha256:} application/vnd.oci.image.index.v1+json >refs.json &&
  test "$(json_get refs.json "d[\"mediaType\"]")" = application/vnd.oci.image.index.v1+json &&
  test "$(json_get refs.json "[(m[\"digest\"], m[\"artifactType\"]) for m in d[\"manifests\"]]")" = \
    "[('"'"'$art'"'"', '"'"'application/spdx+json'"'"')]" &&
  skopeo inspect --raw --tls-verify=false docker://$R/p:sha256-${image#sha256:} >raw-refs.json &&
  cmp refs.json raw-refs.json &&
  get p/manifests/$art application/vnd.oci.image.manifest.v1+json >art.json &&
  cmp art.json "$(blob p.oci "$art")" &&
  layer=$(json_get art.json "d[\"layers\"][0][\"digest\"]") &&
  get p/blobs/$layer "*/*" >pushed-sbom.json &&
  cmp pushed-sbom.json "$(blob p.oci "$layer")"
'

test_expect_success REGISTRY 'a second push changes nothing; the referrers tag keeps what others listed' '
  image=$(json_get p.oci/index.json "[m[\"digest\"] for m in d[\"manifests\"] if not m.get(\"artifactType\")][0]") &&
  sc_build push oci:p.oci:p:latest docker://$R/p:latest >/dev/null 2>&1 &&
  get p/manifests/sha256-${image#sha256:} application/vnd.oci.image.index.v1+json >refs2.json &&
  cmp refs.json refs2.json &&
  sc_build build p -o other.oci -q --label other=1 &&
  sc_build push oci:other.oci docker://$R/p:other >other.digest 2>/dev/null &&
  other=$(cat other.digest) &&
  size=$(get p/manifests/$other application/vnd.oci.image.manifest.v1+json | wc -c) &&
  printf "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"%s\",\"size\":%s,\"artifactType\":\"application/example\"}]}" "$other" "$size" >foreign.json &&
  curl -sf -X PUT -H "Content-Type: application/vnd.oci.image.index.v1+json" --data-binary @foreign.json \
    "http://$R/v2/p/manifests/sha256-${image#sha256:}" &&
  sc_build push oci:p.oci:p:latest docker://$R/p:latest >/dev/null 2>&1 &&
  get p/manifests/sha256-${image#sha256:} application/vnd.oci.image.index.v1+json >refs3.json &&
  test "$(json_get refs3.json "[m[\"artifactType\"] for m in d[\"manifests\"]]")" = \
    "['"'"'application/example'"'"', '"'"'application/spdx+json'"'"']"
'

test_expect_success REGISTRY 'push --json lists the referrers it pushed; a plain image none' '
  image=$(json_get p.oci/index.json "[m[\"digest\"] for m in d[\"manifests\"] if not m.get(\"artifactType\")][0]") &&
  art=$(sbom_manifest p.oci) &&
  sc_build push --json oci:p.oci:p:latest docker://$R/pj:latest >push.json &&
  test "$(json_get push.json "[(r[\"subject\"], r[\"digest\"], r[\"size\"], r[\"artifactType\"], r[\"listed_by\"]) for r in d[\"referrers\"]]")" = \
    "[('"'"'$image'"'"', '"'"'$art'"'"', $(stat -c %s "$(blob p.oci "$art")"), '"'"'application/spdx+json'"'"', '"'"'tag-schema'"'"')]" &&
  sc_build push --json oci:bare.oci docker://$R/pj:bare >push-bare.json &&
  test "$(json_get push-bare.json "d[\"referrers\"]")" = "[]"
'

test_expect_success REGISTRY,JSONSCHEMA 'the push documents with referrers match their schema' '
  for f in push.json push-bare.json; do
    python3 "$SC_SOURCE_DIR/tests/cli/check-schema.py" "$SC_SOURCE_DIR/docs/schemas/push.schema.json" $f || return 1
  done
'

test_expect_success REGISTRY 'a multi-platform push: each platform image its referrers tag' '
  sc_build push --json oci:multi.oci docker://$R/multi:latest >multi-push.json 2>/dev/null &&
  json_get multi.json "\"\\n\".join(sorted(p[\"digest\"] for p in d[\"platforms\"]))" >want &&
  json_get multi-push.json "\"\\n\".join(sorted(r[\"subject\"] for r in d[\"referrers\"]))" >got &&
  cmp want got &&
  for d in $(json_get multi.json "\" \".join(p[\"digest\"] for p in d[\"platforms\"])"); do
    get multi/manifests/sha256-${d#sha256:} application/vnd.oci.image.index.v1+json >mrefs.json &&
    test "$(json_get mrefs.json "len(d[\"manifests\"])")" = 1 || return 1
  done
'

test_expect_success REGISTRY 'inspect docker:// lists the referrers the tag schema names' '
  art=$(sbom_manifest p.oci) &&
  sc_build inspect --json docker://$R/p:latest >reg-inspect.json &&
  test "$(json_get reg-inspect.json "[r[\"artifactType\"] for r in d[\"referrers\"] if r[\"digest\"] == \"$art\"]")" = \
    "['"'"'application/spdx+json'"'"']" &&
  sc_build inspect docker://$R/p:latest >reg-inspect.txt &&
  expect_grep "^  application/spdx\+json $art " reg-inspect.txt &&
  sc_build inspect --json docker://$R/multi:latest >reg-multi.json &&
  test "$(json_get reg-multi.json "[len(p[\"referrers\"]) for p in d[\"platforms\"]]")" = "[1, 1]" &&
  sc_build inspect --json docker://$R/p:other >reg-other.json &&
  test "$(json_get reg-other.json "d[\"referrers\"]")" = "[]" &&
  if test_have_prereq JSONSCHEMA; then
    for f in reg-inspect.json reg-multi.json reg-other.json; do
      python3 "$SC_SOURCE_DIR/tests/cli/check-schema.py" "$SC_SOURCE_DIR/docs/schemas/inspect.schema.json" $f || return 1
    done
  fi
'

test_expect_success 'usage errors' '
  expect_exit 2 sc_build build p -o p.tar --format oci-archive --sbom &&
  expect_grep "format oci" "$TEST_TMP/.stderr" &&
  expect_exit 2 sc_build sbom oci:p.oci --attach -o x.json &&
  sc_build build p -o p.docker.tar --format docker-archive -q &&
  expect_exit 2 sc_build sbom docker-archive:p.docker.tar --attach &&
  expect_grep "OCI layout" "$TEST_TMP/.stderr"
'

test_done
