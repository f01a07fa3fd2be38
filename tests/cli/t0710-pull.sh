#!/bin/bash
# t0710-pull: `sc-build build --from docker://...` against Debian's
# docker-registry on loopback: the base's layers come first, blobs are
# cached and checked, an index gives the host's platform, a pinned digest
# builds with the registry gone, a tampered blob is refused, and a
# download cut in the middle resumes with a Range request.
. "$SC_SOURCE_DIR/tests/cli/lib.sh"
. "$SC_SOURCE_DIR/tests/registry/registry.sh"
test_require docker-registry skopeo umoci oci-image-tool python3 curl runc

json_get() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }
export XDG_CACHE_HOME=$TEST_TMP/cache SC_PUSH_BACKOFF_MS=100
unset REGISTRY_AUTH_FILE DOCKER_CONFIG
export XDG_RUNTIME_DIR=$TEST_TMP/run HOME=$TEST_TMP/home
mkdir -p "$XDG_RUNTIME_DIR" "$HOME"
CACHE=$XDG_CACHE_HOME/sc-build/bases

sc_build init hello-world >/dev/null && sc_build build hello-world -o base.oci >/dev/null 2>&1
sc_build init oneshot >/dev/null

registry_up "$TEST_TMP/reg"
sc_build push oci:base.oci docker://$R/base:v1 >base.digest 2>/dev/null

# layer_digests OCI_LAYOUT TAG: the manifest's layer digests, one per line.
layer_digests() {
  python3 - "$1" "$2" <<'PY'
import json, sys
layout, tag = sys.argv[1], sys.argv[2]
index = json.load(open(layout + "/index.json"))
m = [d for d in index["manifests"]
     if d.get("annotations", {}).get("org.opencontainers.image.ref.name") == tag][0]
manifest = json.load(open(layout + "/blobs/sha256/" + m["digest"][7:]))
for l in manifest["layers"]:
    print(l["digest"])
PY
}

test_expect_success 'build --from docker:// puts the base layers first' '
  sc_build --json build oneshot --from docker://$R/base:v1 -o os.oci >b.json &&
  skopeo inspect --raw --tls-verify=false docker://$R/base:v1 >base-manifest.json &&
  python3 -c "import json; print(\"\n\".join(l[\"digest\"] for l in json.load(open(\"base-manifest.json\"))[\"layers\"]))" >base.layers &&
  layer_digests os.oci oneshot:latest >os.layers &&
  test "$(wc -l <os.layers)" = 4 &&
  head -2 os.layers | diff - base.layers &&
  test "$(json_get b.json "d[\"base_pull\"][\"digest\"]")" = "$(cat base.digest)" &&
  test "$(json_get b.json "d[\"base_pull\"][\"blobs_downloaded\"]")" = 3 &&
  umoci unpack --image os.oci:oneshot:latest u >/dev/null &&
  test -x u/rootfs/usr/bin/hello-server && test -x u/rootfs/usr/bin/hello-once &&
  ls "$CACHE"/blobs/sha256 | grep_q -v "^\.tmp" && ! ls -a "$CACHE"/blobs/sha256 | grep_q "^\.tmp"
'

test_expect_success 'a second build takes every blob from the cache' '
  sc_build --json --verbose build oneshot --from docker://$R/base:v1 -o os2.oci >b2.json 2>log &&
  test "$(json_get b2.json "d[\"base_pull\"][\"blobs_downloaded\"]")" = 0 &&
  test "$(json_get b2.json "d[\"base_pull\"][\"blobs_cached\"]")" = 3 &&
  ! grep -q "blobs/sha256" log && grep -q "GET /v2/base/manifests/v1 200" log &&
  test "$(json_get b2.json "d[\"digest\"]")" = "$(json_get b.json "d[\"digest\"]")"
'

test_expect_success 'a base of four layers downloads side by side into a fresh cache' '
  sc_build push oci:os.oci docker://$R/two:v1 >/dev/null 2>&1 &&
  XDG_CACHE_HOME=$TEST_TMP/c-two sc_build --json build hello-world --from docker://$R/two:v1 -o three.oci >t.json &&
  test "$(json_get t.json "d[\"base_pull\"][\"blobs_downloaded\"]")" = 5 &&
  layer_digests three.oci hello-world:latest >three.layers &&
  test "$(wc -l <three.layers)" = 6 && head -4 three.layers | diff - os.layers &&
  umoci unpack --image three.oci:hello-world:latest u3 >/dev/null &&
  test -x u3/rootfs/usr/bin/hello-once && test -x u3/rootfs/usr/bin/hello-server
'

test_expect_success 'oci-image-tool validates the image built on a pulled base' '
  oci-image-tool validate --type image --ref name=oneshot:latest os.oci
'

test_expect_success 'an index gives the manifest for the build architecture' '
  sc_build build hello-world --arch arm64 --label picked=arm64 -t hello-world:arm -o base.oci >/dev/null 2>&1 &&
  python3 - base.oci <<PY &&
import hashlib, json, sys
layout = sys.argv[1]
index = json.load(open(layout + "/index.json"))
def entry(tag):
    return [d for d in index["manifests"]
            if d["annotations"]["org.opencontainers.image.ref.name"] == tag][0]
amd, arm = entry("hello-world:latest"), entry("hello-world:arm")
def plat(d, arch):
    return {"mediaType": d["mediaType"], "digest": d["digest"], "size": d["size"],
            "platform": {"os": "linux", "architecture": arch}}
doc = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
       "manifests": [plat(arm, "arm64"), plat(amd, "amd64")]}
data = json.dumps(doc).encode()
digest = hashlib.sha256(data).hexdigest()
open(layout + "/blobs/sha256/" + digest, "wb").write(data)
index["manifests"].append({"mediaType": doc["mediaType"], "digest": "sha256:" + digest,
    "size": len(data), "annotations": {"org.opencontainers.image.ref.name": "multi"}})
json.dump(index, open(layout + "/index.json", "w"))
PY
  skopeo copy -q --all --dest-tls-verify=false oci:base.oci:multi docker://$R/multi:v1 &&
  sc_build --json build oneshot --from docker://$R/multi:v1 -o m.oci >m.json &&
  skopeo inspect --config oci:m.oci:oneshot:latest >m-config.json &&
  test "$(json_get m-config.json "d[\"architecture\"]")" = amd64 &&
  test "$(json_get m-config.json "d[\"config\"][\"Labels\"].get(\"picked\", \"none\")")" = none &&
  sc_build --json build oneshot --arch arm64 --from docker://$R/multi:v1 -o m.oci -t os:arm >m2.json &&
  skopeo inspect --config oci:m.oci:os:arm >m2-config.json &&
  test "$(json_get m2-config.json "d[\"config\"][\"Labels\"][\"picked\"]")" = arm64 &&
  expect_exit 1 sc_build build oneshot --arch s390x --from docker://$R/multi:v1 -o m.oci -t os:s390x &&
  expect_grep "no manifest for linux/s390x \(it has: linux/arm64, linux/amd64\)" .stderr
'

test_expect_success 'a base pinned by digest builds from the cache with the registry stopped' '
  digest=$(cat base.digest) &&
  sc_build build oneshot --from docker://$R/base@$digest -o pin.oci >/dev/null 2>&1 &&
  registry_stop "$TEST_TMP/reg" &&
  sc_build --json build oneshot --from docker://$R/base@$digest -o pin2.oci >p.json &&
  test "$(json_get p.json "d[\"base_pull\"][\"offline\"]")" = True &&
  expect_exit 1 sc_build build oneshot --from docker://$R/base:v1 -o tag.oci &&
  expect_grep "base image: .*127.0.0.1:$PORT" .stderr &&
  registry_start "$TEST_TMP/reg" "$PORT"
'

HPORT=$(test_free_port)
test_expect_success 'inspect and test take a docker:// image' '
  sc_build --json inspect docker://$R/base:v1 >i.json &&
  test "$(json_get i.json "d[\"reference\"]")" = "docker://$R/base:v1" &&
  test "$(json_get i.json "d[\"transport\"]")" = docker && test "$(json_get i.json "d[\"tag\"]")" = v1 &&
  test "$(json_get i.json "d[\"digest\"]")" = "$(cat base.digest)" &&
  test "$(json_get i.json "d[\"labels\"][\"atomic.type\"]")" = system &&
  sc_build test docker://$R/base:v1 --set PORT=$HPORT --probe http:http://127.0.0.1:$HPORT/ >t.out 2>t.err &&
  expect_grep "^PASS: 1 of 1 probes passed" t.out && expect_grep "starting base-test-" t.err
'

test_expect_success 'install and update take a docker:// image, named as atomic names it' '
  mkdir -p root &&
  sc_build install docker://$R/base:v1 --root root --no-systemd-cgroup >inst.out &&
  info=root/var/lib/containers/atomic/base-v1.0/info &&
  test "$(json_get $info "d[\"values\"][\"IMAGE_NAME\"]")" = "$R/base:v1" &&
  test "$(json_get $info "d[\"revision\"]")" = "$(cut -c8- base.digest)" &&
  sc_build update base-v1 --image docker://$R/base:v1 --set RECEIVER=pulled --root root >upd.out &&
  test "$(json_get root/var/lib/containers/atomic/base-v1.1/info "d[\"values\"][\"RECEIVER\"]")" = pulled &&
  sc_build uninstall base-v1 --root root >/dev/null &&
  test -z "$(find root -type f)"
'

test_expect_success 'a missing repository or tag is a clear error' '
  expect_exit 1 sc_build build oneshot --from docker://$R/base:nope -o x.oci &&
  expect_grep "manifest nope not found.*MANIFEST_UNKNOWN" .stderr &&
  test ! -e x.oci &&
  expect_exit 2 sc_build build oneshot --from docker:/bad -o x.oci
'

test_expect_success 'a blob the registry serves altered is refused and not cached' '
  sc_build build hello-world --label tamper=yes -o t.oci >/dev/null 2>&1 &&
  sc_build push oci:t.oci docker://$R/tamper:v1 >t.digest 2>/dev/null &&
  layer=$(layer_digests t.oci hello-world:latest | tail -1) &&
  cfg=$(skopeo inspect --raw --tls-verify=false docker://$R/tamper:v1 | python3 -c "import json,sys; print(json.load(sys.stdin)[\"config\"][\"digest\"][7:])") &&
  data=$TEST_TMP/reg/storage/docker/registry/v2/blobs/sha256/${cfg:0:2}/$cfg/data &&
  python3 -c "import sys; p=sys.argv[1]; b=bytearray(open(p,\"rb\").read()); b[10]^=1; open(p,\"wb\").write(bytes(b))" "$data" &&
  expect_exit 1 sc_build build oneshot --from docker://$R/tamper:v1 -o tampered.oci &&
  expect_grep "blob sha256:$cfg: the registry sent content that hashes to sha256:" .stderr &&
  test ! -e "$CACHE/blobs/sha256/$cfg" && ! ls -a "$CACHE"/blobs/sha256 | grep_q "^\.tmp" &&
  test ! -e tampered.oci
'

PPORT=$(test_free_port)
python3 "$SC_SOURCE_DIR/tests/registry/flaky-proxy.py" "$PPORT" "http://$R" 100000 proxy.log &
test_cleanup_add "kill $!"
for i in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$PPORT/v2/" && break; sleep 0.1; done
test_expect_success 'a download cut off in the middle resumes from where it stopped' '
  export XDG_CACHE_HOME=$TEST_TMP/cache2 &&
  sc_build --json --verbose build oneshot --from docker://127.0.0.1:$PPORT/base:v1 -o r.oci >r.json 2>r.log &&
  grep -q "DROPPED" proxy.log &&
  expect_grep "^GET /v2/base/blobs/sha256:[0-9a-f]+ 206 bytes=[0-9]+-$" proxy.log &&
  test "$(json_get r.json "d[\"config_digest\"]")" = "$(json_get b.json "d[\"config_digest\"]")" &&
  test "$(json_get r.json "d[\"layers\"]")" = "$(json_get b.json "d[\"layers\"]")"
'

SPORT=$(test_free_port)
python3 "$SC_SOURCE_DIR/tests/registry/flaky-proxy.py" "$SPORT" "http://$R" 100000 slow.log slow &
test_cleanup_add "kill $!"
for i in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$SPORT/v2/" && break; sleep 0.1; done
test_expect_success 'an interrupted pull leaves no partial blob and releases the cache' '
  export XDG_CACHE_HOME=$TEST_TMP/cache-int &&
  blobs=$XDG_CACHE_HOME/sc-build/bases/blobs/sha256 &&
  { "$SC_BUILD" build oneshot --from docker://127.0.0.1:$SPORT/base:v1 -o int.oci >int.out 2>int.err & } &&
  pid=$! &&
  for i in $(seq 100); do
    ls -a "$blobs" 2>/dev/null | grep_q "^\.tmp-pull-" && break || sleep 0.1 || exit 1
  done &&
  ls -a "$blobs" | grep_q "^\.tmp-pull-" &&
  kill -INT $pid && rc=0 && { wait $pid || rc=$?; } &&
  test "$rc" = 1 && expect_grep "interrupted" int.err &&
  ! ls -a "$blobs" | grep_q "^\.tmp-pull-" && test ! -e int.oci &&
  timeout 60 "$SC_BUILD" build oneshot --from docker://$R/base:v1 -o after.oci >/dev/null 2>&1 &&
  test -d after.oci
'

test_done
