#!/bin/bash
# t0768-archive-referrers: an oci-archive: source carries the artifacts
# that refer to its image (the SBOM of build --sbom) exactly as an oci:
# source does: `sc-build push oci-archive:X DEST` copies them to oci: and
# oci-archive:, pushes them to Debian's docker-registry under the referrers
# tag sha256-HEX (distribution-spec 1.1 tag schema), and `sc-build inspect
# oci-archive:X` lists them; an archive of the same image without them
# brings none, though the image cache saw them before.  docker-archive:
# and dir:, which cannot hold them, are written without them and a note
# says so.  umoci, skopeo and oci-image-tool read what was written.
. "$SC_SOURCE_DIR/tests/cli/lib.sh"
test_require python3 umoci skopeo

json_get() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }
blob() { echo "$1/blobs/sha256/${2#sha256:}"; }
# The digest of the layout's artifact entry of type spdx+json (one only).
sbom_manifest() { json_get "$1/index.json" "[m[\"digest\"] for m in d[\"manifests\"] if m.get(\"artifactType\") == \"application/spdx+json\"][0]"; }
export XDG_CACHE_HOME=$TEST_TMP/cache

test_make_project p p >/dev/null
sc_build build p -o p.oci --sbom -q
image=$(json_get p.oci/index.json "[m[\"digest\"] for m in d[\"manifests\"] if not m.get(\"artifactType\")][0]")
art=$(sbom_manifest p.oci)
sc_build push -q oci:p.oci:p:latest oci-archive:src.tar:s

test_expect_success 'the archive was written with its SBOM' '
  mkdir src-x && tar -xf src.tar -C src-x &&
  test "$(sbom_manifest src-x)" = "$art"
'

test_expect_success 'an oci-archive: source carries its SBOM on to oci:, oci-archive: and inspect' '
  sc_build push --json oci-archive:src.tar:s oci:from-archive.oci:a >from-archive.json &&
  test "$(json_get from-archive.json "[(r[\"subject\"], r[\"digest\"], r[\"artifactType\"]) for r in d[\"referrers\"]]")" = \
    "[('"'"'$image'"'"', '"'"'$art'"'"', '"'"'application/spdx+json'"'"')]" &&
  test "$(sbom_manifest from-archive.oci)" = "$art" &&
  for d in $art $(json_get "$(blob p.oci "$art")" "\" \".join(b[\"digest\"] for b in [d[\"config\"]] + d[\"layers\"])"); do
    cmp "$(blob p.oci $d)" "$(blob from-archive.oci $d)" || return 1
  done &&
  umoci ls --layout from-archive.oci >fa-tags &&
  test "$(cat fa-tags)" = a &&
  skopeo inspect --raw oci:from-archive.oci:a >fa-raw &&
  test "$(sha256sum <fa-raw | cut -d" " -f1)" = "${image#sha256:}" &&
  sc_build push -q oci-archive:src.tar:s oci-archive:again.tar:a &&
  mkdir again-x && tar -xf again.tar -C again-x &&
  test "$(sbom_manifest again-x)" = "$art" &&
  cmp again-x/index.json from-archive.oci/index.json &&
  skopeo inspect --raw oci-archive:again.tar:a >again-raw &&
  cmp fa-raw again-raw &&
  sc_build inspect --json oci-archive:src.tar:s >archive-inspect.json &&
  test "$(json_get archive-inspect.json "[(r[\"artifactType\"], r[\"digest\"]) for r in d[\"referrers\"]]")" = \
    "[('"'"'application/spdx+json'"'"', '"'"'$art'"'"')]" &&
  sc_build inspect oci-archive:src.tar:s >archive-inspect.txt &&
  expect_grep "^  application/spdx\+json $art " archive-inspect.txt
'

test_lazy_prereq OCI_IMAGE_TOOL 'command -v oci-image-tool'
test_expect_success OCI_IMAGE_TOOL 'oci-image-tool validates the copies of the archive' '
  oci-image-tool validate --type image --ref name=a from-archive.oci &&
  oci-image-tool validate --type image --ref name=a again-x
'

test_expect_success 'a multi-platform oci-archive: carries one SBOM per platform' '
  test_make_project mp mp >/dev/null &&
  rm mp/rootfs/usr/bin/hello-server &&
  for arch in amd64 arm64; do
    mkdir -p mp/rootfs.linux-$arch/usr/bin &&
    python3 "$SC_SOURCE_DIR/tests/cli/tiny-elf.py" $arch >mp/rootfs.linux-$arch/usr/bin/hello-server &&
    chmod 755 mp/rootfs.linux-$arch/usr/bin/hello-server || return 1
  done &&
  sc_build build mp -o multi.oci --platform linux/amd64,linux/arm64 --sbom --json >multi.json &&
  sc_build push -q oci:multi.oci oci-archive:multi.tar:m &&
  sc_build push --json oci-archive:multi.tar:m oci:multi-from-archive.oci:m >mfa.json &&
  json_get multi.json "\"\\n\".join(sorted(p[\"digest\"] for p in d[\"platforms\"]))" >want &&
  json_get mfa.json "\"\\n\".join(sorted(r[\"subject\"] for r in d[\"referrers\"]))" >got &&
  cmp want got &&
  test "$(json_get multi-from-archive.oci/index.json "len(d[\"manifests\"])")" = 3 &&
  sc_build inspect --json oci-archive:multi.tar:m >mfa-inspect.json &&
  test "$(json_get mfa-inspect.json "sorted(len(p[\"referrers\"]) for p in d[\"platforms\"])")" = "[1, 1]"
'

test_expect_success 'an archive of the same image without an SBOM brings none (the cache keeps no other'"'"'s)' '
  sc_build build p -o same.oci -q &&
  test "$(json_get same.oci/index.json "d[\"manifests\"][0][\"digest\"]")" = "$image" &&
  sc_build push -q oci:same.oci oci-archive:same.tar:s &&
  sc_build push --json oci-archive:same.tar:s oci:same-copy.oci:s >same-copy.json &&
  test "$(json_get same-copy.json "d[\"referrers\"]")" = "[]" &&
  test "$(json_get same-copy.oci/index.json "len(d[\"manifests\"])")" = 1 &&
  sc_build inspect --json oci-archive:same.tar:s >same-inspect.json &&
  test "$(json_get same-inspect.json "d[\"referrers\"]")" = "[]" &&
  sc_build inspect --json oci-archive:src.tar:s >src-again.json &&
  test "$(json_get src-again.json "len(d[\"referrers\"])")" = 1
'

test_expect_success 'docker-archive: and dir: hold no artifacts: the copy says it left them behind' '
  sc_build push oci-archive:src.tar:s docker-archive:d.tar:p:latest >/dev/null 2>d.err &&
  expect_grep "^note: docker-archive holds no OCI artifacts: 1 that refers to $image \(an SBOM, a signature\) was not copied" d.err &&
  tar -tf d.tar >d.list &&
  ! grep -q "${art#sha256:}" d.list &&
  skopeo inspect docker-archive:d.tar >/dev/null &&
  sc_build push oci:p.oci:p:latest dir:d.dir >/dev/null 2>dir.err &&
  expect_grep "^note: dir holds no OCI artifacts: 1 that refers to $image" dir.err &&
  ! test -e "d.dir/${art#sha256:}" &&
  sc_build push oci:same.oci dir:same.dir >/dev/null 2>same-dir.err &&
  ! grep -q "note:" same-dir.err
'

if command -v docker-registry curl >/dev/null 2>&1; then
  . "$SC_SOURCE_DIR/tests/registry/registry.sh"
  registry_up "$TEST_TMP/reg" && test_set_prereq REGISTRY
fi
export SC_PUSH_BACKOFF_MS=100
unset REGISTRY_AUTH_FILE DOCKER_CONFIG
# get PATH ACCEPT: a registry document
get() { curl -sf -H "Accept: $2" "http://$R/v2/$1"; }

test_expect_success REGISTRY 'an oci-archive: source pushes its SBOM too (tag schema); skopeo copies the image' '
  sc_build push oci-archive:src.tar:s docker://$R/fromarchive:latest >fa-push.out 2>fa-push.err &&
  expect_grep "pushed 1 artifact that refers to it \(listed by the referrers tag sha256-HEX\)" fa-push.err &&
  get fromarchive/manifests/sha256-${image#sha256:} application/vnd.oci.image.index.v1+json >fa-refs.json &&
  test "$(json_get fa-refs.json "[(m[\"digest\"], m[\"artifactType\"]) for m in d[\"manifests\"]]")" = \
    "[('"'"'$art'"'"', '"'"'application/spdx+json'"'"')]" &&
  skopeo inspect --raw --tls-verify=false docker://$R/fromarchive:sha256-${image#sha256:} >fa-raw-refs.json &&
  cmp fa-refs.json fa-raw-refs.json &&
  get fromarchive/manifests/$art application/vnd.oci.image.manifest.v1+json >fa-art.json &&
  cmp fa-art.json "$(blob p.oci "$art")" &&
  skopeo copy -q --src-tls-verify=false docker://$R/fromarchive:latest oci:skopeo-copy.oci:x &&
  skopeo inspect --raw oci:skopeo-copy.oci:x >skopeo-copy-raw &&
  test "$(sha256sum <skopeo-copy-raw | cut -d" " -f1)" = "${image#sha256:}" &&
  if test_have_prereq OCI_IMAGE_TOOL; then
    oci-image-tool validate --type image --ref name=x skopeo-copy.oci
  fi
'

test_done
