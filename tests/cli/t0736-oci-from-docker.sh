#!/usr/bin/env bash
# t0736-oci-from-docker: an image whose manifest is Docker schema 2 (as
# skopeo --format v2s2 and docker push write it) copied to oci: or
# oci-archive: gets an OCI manifest, as skopeo copy gives it, so that
# skopeo and umoci read the result (they ignore or refuse Docker-typed
# entries of a layout); config and layers stay the same blobs.  The base
# cache keeps the registry's manifest as sent (docs/registry.md).
. "$SC_SOURCE_DIR/tests/cli/lib.sh"
. "$SC_SOURCE_DIR/tests/registry/registry.sh"
test_require docker-registry skopeo python3 curl
test_lazy_prereq UMOCI 'command -v umoci'

export XDG_CACHE_HOME=$TEST_TMP/cache XDG_CONFIG_HOME=$TEST_TMP/config
unset REGISTRY_AUTH_FILE DOCKER_CONFIG
json_get() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }
# manifest LAYOUT: the manifest index.json's first entry names, as JSON.
manifest() {
  python3 -c 'import json,sys
d = json.load(open(sys.argv[1] + "/index.json"))["manifests"][0]
print(open(sys.argv[1] + "/blobs/sha256/" + d["digest"][7:]).read())' "$1"
}
# manifest_digest LAYOUT: the sha256 of that manifest's bytes.
manifest_digest() {
  python3 -c 'import hashlib,json,sys
d = json.load(open(sys.argv[1] + "/index.json"))["manifests"][0]
print("sha256:" + hashlib.sha256(open(sys.argv[1] + "/blobs/sha256/" + d["digest"][7:], "rb").read()).hexdigest())' "$1"
}

registry_up "$TEST_TMP/reg"
sc_build init hello-world >/dev/null && sc_build build hello-world -o hw.oci >/dev/null 2>&1
skopeo copy --format v2s2 --dest-tls-verify=false oci:hw.oci docker://$R/d:v1 >/dev/null 2>&1
skopeo inspect --raw --tls-verify=false docker://$R/d:v1 >docker-manifest.json
skopeo inspect --tls-verify=false docker://$R/d:v1 >docker-inspect.json

test_expect_success 'the registry holds a Docker schema 2 manifest' '
  test "$(json_get docker-manifest.json "d[\"mediaType\"]")" = application/vnd.docker.distribution.manifest.v2+json
'

test_expect_success 'push docker:// to oci: writes an OCI manifest that skopeo reads' '
  sc_build push docker://$R/d:v1 oci:out.oci:x >digest 2>/dev/null &&
  manifest out.oci >m.json &&
  test "$(json_get m.json "d[\"mediaType\"]")" = application/vnd.oci.image.manifest.v1+json &&
  test "$(json_get m.json "d[\"config\"][\"mediaType\"]")" = application/vnd.oci.image.config.v1+json &&
  test "$(json_get m.json "\" \".join(sorted(set(l[\"mediaType\"] for l in d[\"layers\"])))")" = application/vnd.oci.image.layer.v1.tar+gzip &&
  test "$(json_get m.json "[l[\"digest\"] for l in d[\"layers\"]] + [d[\"config\"][\"digest\"]]")" = \
       "$(json_get docker-manifest.json "[l[\"digest\"] for l in d[\"layers\"]] + [d[\"config\"][\"digest\"]]")" &&
  test "$(manifest_digest out.oci)" = "$(cat digest)" &&
  skopeo inspect oci:out.oci:x >sk.json &&
  test "$(json_get sk.json "d[\"Digest\"]")" = "$(cat digest)" &&
  test "$(ls out.oci/blobs/sha256 | wc -l)" = 4
'

test_expect_success UMOCI 'umoci reads the converted layout' '
  umoci stat --image out.oci:x >stat.out &&
  expect_grep "sc-build build: rootfs/" stat.out
'

test_expect_success 'push docker:// to oci-archive: too; dir: keeps the manifest as it is' '
  sc_build push docker://$R/d:v1 oci-archive:out.tar >adigest 2>/dev/null &&
  skopeo inspect oci-archive:out.tar >ska.json &&
  test "$(json_get ska.json "d[\"Digest\"]")" = "$(cat adigest)" &&
  mkdir out.tar.d && tar -xf out.tar -C out.tar.d &&
  test "$(json_get out.tar.d/index.json "d[\"manifests\"][0][\"mediaType\"]")" = application/vnd.oci.image.manifest.v1+json &&
  sc_build push docker://$R/d:v1 dir:out.dir >/dev/null 2>&1 &&
  test "$(json_get out.dir/manifest.json "d[\"mediaType\"]")" = application/vnd.docker.distribution.manifest.v2+json
'

# mp: hello-world with its program per platform, built as an OCI index and
# copied to the registry as a Docker manifest list.
test_make_multiplatform_project mp mp amd64 arm64 || exit 1
SOURCE_DATE_EPOCH=1700000000 sc_build build mp --platform linux/amd64,linux/arm64 -o mp.oci >/dev/null 2>&1
skopeo copy --all --format v2s2 --dest-tls-verify=false oci:mp.oci docker://$R/mpd:v1 >/dev/null 2>&1

test_expect_success 'a Docker manifest list copied to oci: becomes an OCI index of OCI manifests' '
  skopeo inspect --raw --tls-verify=false docker://$R/mpd:v1 >list.json &&
  test "$(json_get list.json "d[\"mediaType\"]")" = application/vnd.docker.distribution.manifest.list.v2+json &&
  sc_build push docker://$R/mpd:v1 oci:mpo.oci:x >idigest 2>/dev/null &&
  test "$(json_get mpo.oci/index.json "d[\"manifests\"][0][\"mediaType\"]")" = application/vnd.oci.image.index.v1+json &&
  test "$(manifest_digest mpo.oci)" = "$(cat idigest)" &&
  manifest mpo.oci >index.json &&
  test "$(json_get index.json "d[\"mediaType\"]")" = application/vnd.oci.image.index.v1+json &&
  test "$(json_get index.json "\" \".join(m[\"platform\"][\"architecture\"] + \"=\" + m[\"mediaType\"] for m in d[\"manifests\"])")" = \
       "amd64=application/vnd.oci.image.manifest.v1+json arm64=application/vnd.oci.image.manifest.v1+json" &&
  for d in $(json_get index.json "\" \".join(m[\"digest\"][7:] for m in d[\"manifests\"])"); do
    test "$(json_get mpo.oci/blobs/sha256/$d "d[\"mediaType\"]")" = application/vnd.oci.image.manifest.v1+json || return 1
  done &&
  skopeo copy --all oci:mpo.oci:x oci:sk-mp.oci:y >/dev/null
'

test_expect_success 'an OCI index copied to oci: keeps its digest' '
  sc_build push oci:mp.oci oci:same.oci:x >sdigest 2>/dev/null &&
  test "$(json_get mp.oci/index.json "d[\"manifests\"][0][\"digest\"]")" = "$(cat sdigest)"
'

test_expect_success 'inspect of the registry image reports the registry'"'"'s digest' '
  sc_build inspect --json docker://$R/d:v1 >i.json &&
  test "$(json_get i.json "d[\"digest\"]")" = "$(json_get docker-inspect.json "d[\"Digest\"]")"
'

test_done
