#!/bin/bash
# t0730-transports: one image reference grammar everywhere (sc/imageref.h):
# every command that reads an image (inspect, build --from, install, import,
# push) reads every source transport, push writes every local destination,
# what skopeo writes sc-build reads and the other way round, and errors name
# the reference as typed.
. "$SC_SOURCE_DIR/tests/cli/lib.sh"
. "$SC_SOURCE_DIR/tests/registry/registry.sh"
test_require docker-registry skopeo python3

json_get() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }
export XDG_CACHE_HOME=$TEST_TMP/cache SC_PUSH_BACKOFF_MS=100 TMPDIR=$TEST_TMP/tmp
unset REGISTRY_AUTH_FILE DOCKER_CONFIG
export XDG_RUNTIME_DIR=$TEST_TMP/run HOME=$TEST_TMP/home
mkdir -p "$XDG_RUNTIME_DIR" "$HOME" "$TMPDIR"

test_make_project hw hw >/dev/null && sc_build build hw -o hw.oci >/dev/null 2>&1
mkdir -p top/rootfs/etc && echo top >top/rootfs/etc/top.conf &&
  cp hw/*.template hw/manifest.json top/ && printf '{"name": "top", "tag": "1"}\n' >top/sc-build.json

registry_up "$TEST_TMP/reg"

# The image in every transport, written by sc-build itself.
test_expect_success 'push writes oci:, oci-archive:, docker-archive:, dir: and docker://' '
  digest=$(sc_build push oci:hw.oci docker://$R/hw:1 2>/dev/null) &&
  test "$(sc_build push oci:hw.oci oci:copy.oci:hw-copy 2>/dev/null)" = "$digest" &&
  test "$(sc_build push oci:hw.oci oci-archive:hw.oci.tar:hw:1 2>/dev/null)" = "$digest" &&
  sc_build push oci:hw.oci docker-archive:hw.docker.tar:hw:1 >/dev/null 2>&1 &&
  test "$(sc_build push oci:hw.oci dir:hw.dir 2>/dev/null)" = "$digest" &&
  skopeo inspect oci:copy.oci:hw-copy >s1.json &&
  skopeo inspect oci-archive:hw.oci.tar:hw:1 >s2.json &&
  skopeo inspect docker-archive:hw.docker.tar >s3.json &&
  skopeo inspect dir:hw.dir >s4.json &&
  test "$(json_get s1.json "d[\"Digest\"]")" = "$digest" &&
  test "$(json_get s2.json "d[\"Digest\"]")" = "$digest" &&
  test "$(json_get s4.json "d[\"Digest\"]")" = "$digest" &&
  test "$(json_get s3.json "d[\"Labels\"][\"atomic.type\"]")" = system &&
  echo "$digest" >digest
'

test_expect_success 'ostree: through import, with an oci: layout named by its only ref' '
  sc_build import oci:hw.oci --repo repo --mode bare-user >ref.txt 2>/dev/null &&
  test "$(cat ref.txt)" = "ostree:hw:latest@$PWD/repo"
'

# Every source, named the way a user types it.
SOURCES="oci:hw.oci oci:hw.oci@$(cat digest 2>/dev/null) oci-archive:hw.oci.tar:hw:1
docker-archive:hw.docker.tar docker-archive:hw.docker.tar:hw:1 dir:hw.dir docker://$R/hw:1
ostree:hw:latest@$PWD/repo"

test_expect_success 'inspect reads every source transport' '
  for s in $SOURCES; do
    sc_build inspect --json "$s" >i.json &&
    test "$(json_get i.json "d[\"reference\"]")" = "$s" &&
    test "$(json_get i.json "d[\"transport\"]")" = "${s%%:*}" &&
    test "$(json_get i.json "all(v for k, v in d[\"exports\"].items() if k != \"config.json\")")" = True &&
    test "$(json_get i.json "d[\"labels\"][\"atomic.type\"]")" = system || exit 1
  done
'

test_expect_success 'import reads every source transport but ostree: into one OSTree repository' '
  n=0 &&
  printf "%s\n" $SOURCES | grep -v "^ostree:" >import-sources &&
  for s in $(cat import-sources); do
    n=$((n + 1)) &&
    sc_build import "$s" --repo mrepo --mode bare-user --tag "m$n:1" >m.ref &&
    test "$(cat m.ref)" = "ostree:m$n:1@$PWD/mrepo" &&
    sc_build inspect --json "$(cat m.ref)" >mi.json &&
    test "$(json_get mi.json "d[\"labels\"][\"atomic.type\"]")" = system &&
    test "$(json_get mi.json "len(d[\"exports\"])")" -ge 4 || exit 1
  done &&
  test "$n" = 7 &&
  ostree --repo=mrepo fsck >/dev/null
'

test_expect_success 'build --from takes every source transport: the same layers on top' '
  n=0 &&
  for s in $SOURCES; do
    n=$((n + 1)) &&
    sc_build build top --from "$s" -o "top$n.oci" >/dev/null 2>err &&
    sc_build inspect --json "oci:top$n.oci" >t.json &&
    json_get t.json "len(d[\"layers\"]), d[\"layers\"][-1][\"digest\"]" >"layers$n" &&
    cmp layers1 "layers$n" || { cat err; exit 1; }
  done
'

test_expect_success 'push reads every source transport' '
  n=0 &&
  for s in $SOURCES; do
    n=$((n + 1)) &&
    sc_build push "$s" docker://$R/copy$n:latest >/dev/null 2>err &&
    skopeo inspect --tls-verify=false docker://$R/copy$n:latest >c.json &&
    test "$(json_get c.json "d[\"Labels\"][\"atomic.type\"]")" = system || { cat err; exit 1; }
  done
'

test_expect_success ROOT 'install reads every source transport; update after the archive is gone' '
  n=0 &&
  for s in $SOURCES; do
    n=$((n + 1)) &&
    sc_build install "$s" --name "c$n" --root "root$n" >/dev/null 2>err &&
    test -f "root$n/etc/systemd/system/c$n.service" || { cat err; exit 1; }
  done &&
  cp hw.oci.tar gone.tar &&
  sc_build install oci-archive:gone.tar:hw:1 --name gone --root root >/dev/null 2>&1 &&
  rm gone.tar &&
  sc_build update gone --root root --set PORT=9999 >/dev/null 2>&1 &&
  grep_q PORT=9999 root/var/lib/containers/atomic/gone.1/config.json
'

test_expect_success 'what skopeo writes, sc-build reads: docker-archive of two images, dir:, oci-archive:' '
  skopeo copy -q oci:hw.oci:hw:latest docker-archive:two.tar:first/hw:1 &&
  skopeo copy -q --additional-tag second/hw:2 oci:hw.oci:hw:latest docker-archive:two2.tar:x/hw:0 &&
  skopeo copy -q oci:hw.oci:hw:latest dir:sk.dir &&
  skopeo copy -q oci:hw.oci:hw:latest oci-archive:sk.tar:sk &&
  sc_build inspect --json docker-archive:two2.tar:second/hw:2 >a.json &&
  test "$(json_get a.json "d[\"tag\"]")" = second/hw:2 &&
  sc_build inspect --json docker-archive:two.tar:@0 >b.json &&
  test "$(json_get b.json "d[\"tag\"]")" = docker.io/first/hw:1 &&
  sc_build inspect --json dir:sk.dir >c.json &&
  test "$(json_get c.json "d[\"labels\"][\"atomic.type\"]")" = system &&
  sc_build inspect --json oci-archive:sk.tar >d.json &&
  test "$(json_get d.json "d[\"tag\"]")" = sk
'

test_expect_success 'errors name the reference as typed, never a temporary directory' '
  expect_exit 1 sc_build inspect oci-archive:hw.oci.tar:nosuch &&
  expect_grep "oci-archive:hw.oci.tar:nosuch" "$TEST_TMP/.stderr" &&
  ! grep_q -e sc-import- -e "$TMPDIR" "$TEST_TMP/.stderr" &&
  expect_exit 1 sc_build install docker-archive:hw.docker.tar:nope:1 --name x --root root2 &&
  expect_grep "docker-archive:hw.docker.tar:nope:1.*no image tagged nope:1 \(tags: hw:1" "$TEST_TMP/.stderr" &&
  ! grep_q sc-import- "$TEST_TMP/.stderr" &&
  expect_exit 1 sc_build build top --from dir:nowhere -o x.oci &&
  expect_grep "dir:nowhere" "$TEST_TMP/.stderr" &&
  test -z "$(ls "$TMPDIR")"
'

# A copy of hw.oci whose first layer is a foreign (non-distributable)
# layer: "urls" in its descriptor and no blob in the layout.
make_foreign_layout() {
  cp -r hw.oci foreign.oci &&
  python3 - foreign.oci <<-\PY
	import hashlib, json, os, sys
	lay = sys.argv[1]
	blob = lambda d: os.path.join(lay, "blobs", "sha256", d[7:])
	index = json.load(open(os.path.join(lay, "index.json")))
	desc = index["manifests"][0]
	manifest = json.load(open(blob(desc["digest"])))
	layer = manifest["layers"][0]
	os.remove(blob(layer["digest"]))
	layer["urls"] = ["https://example.com/layer.tar.gz"]
	data = json.dumps(manifest).encode()
	digest = "sha256:" + hashlib.sha256(data).hexdigest()
	open(blob(digest), "wb").write(data)
	desc.update(digest=digest, size=len(data))
	json.dump(index, open(os.path.join(lay, "index.json"), "w"))
	PY
}

test_expect_success 'a foreign layer is refused by name, from a layout and from a registry' '
  make_foreign_layout &&
  expect_exit 1 sc_build inspect oci:foreign.oci &&
  expect_grep "manifest layer sha256:[0-9a-f]* is a foreign .non-distributable. blob" "$TEST_TMP/.stderr" &&
  expect_exit 1 sc_build push oci:foreign.oci docker://$R/foreign:1 &&
  expect_grep "sc-build neither fetches nor copies foreign layers" "$TEST_TMP/.stderr" &&
  ! grep_q "HTTP 5" "$TEST_TMP/.stderr" &&
  expect_exit 1 sc_build build top --from oci:foreign.oci -o fx.oci &&
  expect_grep "foreign .non-distributable. blob" "$TEST_TMP/.stderr" &&
  test ! -e fx.oci &&
  . "$SC_SOURCE_DIR/tests/registry/fake.sh" &&
  FAKE_LAYOUT=$TEST_TMP/foreign.oci fake_start foreign &&
  expect_exit 1 sc_build inspect --tls-verify=false docker://127.0.0.1:$P/hw:latest &&
  expect_grep "layer 0 sha256:[0-9a-f]* is a foreign .non-distributable. blob" "$TEST_TMP/.stderr"
'

test_expect_success 'a layer compressed otherwise than its media type says is never copied on' '
  cp -r hw.oci mislabel.oci &&
  python3 - mislabel.oci <<-\PY &&
	import hashlib, json, os, sys
	lay = sys.argv[1]
	blob = lambda d: os.path.join(lay, "blobs", "sha256", d[7:])
	index = json.load(open(os.path.join(lay, "index.json")))
	desc = index["manifests"][0]
	manifest = json.load(open(blob(desc["digest"])))
	manifest["layers"][0]["mediaType"] = "application/vnd.oci.image.layer.v1.tar+zstd"
	data = json.dumps(manifest).encode()
	digest = "sha256:" + hashlib.sha256(data).hexdigest()
	open(blob(digest), "wb").write(data)
	desc.update(digest=digest, size=len(data))
	json.dump(index, open(os.path.join(lay, "index.json"), "w"))
	PY
  for dest in docker://$R/mislabel:1 oci:ml-out.oci oci-archive:ml-out.tar dir:ml-out.dir \
      docker-archive:ml-out.docker.tar; do
    expect_exit 1 sc_build push oci:mislabel.oci "$dest" &&
    expect_grep "blob sha256:[0-9a-f]* is gzip, but its media type application/vnd.oci.image.layer.v1.tar.zstd says zstd" "$TEST_TMP/.stderr" || exit 1
  done &&
  ! skopeo inspect --tls-verify=false docker://$R/mislabel:1 >/dev/null 2>&1 &&
  test ! -e ml-out.tar && test ! -e ml-out.docker.tar &&
  { test ! -e ml-out.oci/index.json || test "$(json_get ml-out.oci/index.json "len(d[\"manifests\"])")" = 0; }
'

test_expect_success 'the grammar is checked: refs, :@N, transports that cannot be written' '
  expect_exit 2 sc_build inspect "oci:hw.oci:Bad Tag!" &&
  expect_grep "not an OCI ref name" "$TEST_TMP/.stderr" &&
  expect_exit 2 sc_build inspect docker-archive:hw.docker.tar:@x &&
  expect_exit 2 sc_build import "ostree:hw:latest@$PWD/repo" --repo repo2 &&
  expect_grep "ostree:hw:latest@$PWD/repo: the image is in an OSTree repository already" "$TEST_TMP/.stderr" &&
  test ! -e repo2 &&
  expect_exit 2 sc_build push oci:hw.oci ostree:hw &&
  expect_grep "cannot be written here: give oci:PATH" "$TEST_TMP/.stderr" &&
  expect_exit 2 sc_build build top --from containers-storage:hw &&
  expect_grep "unknown transport" "$TEST_TMP/.stderr"
'

test_done
