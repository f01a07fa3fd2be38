#!/bin/bash
# t0790-platforms: `sc-build build --platform linux/amd64,linux/arm64`
# writes an OCI image index with one manifest per platform (image-spec
# image-index.md): rootfs/ shared, rootfs.OS-ARCH/ over it per platform,
# /exports shared; each platform's programs checked against its ELF
# machine; the index read by skopeo, umoci, oci-image-tool and podman,
# pushed to docker-registry and copied back with skopeo copy --all, and
# installed on this host from its own platform's manifest.
. "$SC_SOURCE_DIR/tests/cli/lib.sh"
. "$SC_SOURCE_DIR/tests/registry/registry.sh"
test_require skopeo python3

json_get() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }
tiny_elf() { python3 "$SC_SOURCE_DIR/tests/cli/tiny-elf.py" "$@"; }
export XDG_CACHE_HOME=$TEST_TMP/cache SOURCE_DATE_EPOCH=1700000000
unset REGISTRY_AUTH_FILE DOCKER_CONFIG
test_lazy_prereq UMOCI 'command -v umoci'
test_lazy_prereq OCI_IMAGE_TOOL 'command -v oci-image-tool'
test_lazy_prereq HOST_AMD64_OR_ARM64 '[ -n "$HOST_ARCH" ]'
# podman reads images only where its storage works (not in every container).
test_lazy_prereq PODMAN 'command -v podman && podman info'
HOST_ARCH=$(python3 -c 'import platform; print({"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), ""))')

# mp: the hello-world project with its program per platform and a
# shared file; each platform's tree also has a file of its own.
test_make_project mp mp >/dev/null &&
  rm mp/rootfs/usr/bin/hello-server && mkdir -p mp/rootfs/etc && echo shared >mp/rootfs/etc/shared.conf &&
  for arch in amd64 arm64; do
    mkdir -p mp/rootfs.linux-$arch/usr/bin mp/rootfs.linux-$arch/etc &&
      tiny_elf $arch >mp/rootfs.linux-$arch/usr/bin/hello-server &&
      chmod 755 mp/rootfs.linux-$arch/usr/bin/hello-server &&
      echo $arch >mp/rootfs.linux-$arch/etc/arch || exit 1
  done

test_expect_success 'a two-platform build writes an image index that skopeo reads, one manifest per platform' '
  sc_build --json build mp --platform linux/amd64,linux/arm64 -o mp.oci >b.json &&
  test "$(json_get b.json "d[\"media_type\"]")" = application/vnd.oci.image.index.v1+json &&
  test "$(json_get b.json "\" \".join(p[\"platform\"] for p in d[\"platforms\"])")" = "linux/amd64 linux/arm64" &&
  skopeo inspect --raw oci:mp.oci:mp:latest >raw.json &&
  test "$(json_get raw.json "d[\"mediaType\"]")" = application/vnd.oci.image.index.v1+json &&
  test "$(json_get raw.json "\" \".join(m[\"platform\"][\"architecture\"] for m in d[\"manifests\"])")" = "amd64 arm64" &&
  test "sha256:$(sha256sum <mp.oci/blobs/sha256/$(json_get b.json "d[\"digest\"]" | cut -d: -f2) | cut -d" " -f1)" = "$(json_get b.json "d[\"digest\"]")" &&
  skopeo inspect --override-arch arm64 --config oci:mp.oci:mp:latest >arm.json &&
  test "$(json_get arm.json "d[\"architecture\"]")" = arm64 &&
  skopeo inspect --override-arch amd64 --config oci:mp.oci:mp:latest >amd.json &&
  test "$(json_get amd.json "d[\"architecture\"]")" = amd64
'

test_expect_success 'rootfs/ and /exports are one layer shared by both platforms; rootfs.linux-ARCH/ is each one'"'"'s own' '
  python3 - mp.oci <<-\PY
	import json, sys
	layout = sys.argv[1]
	blob = lambda d: json.load(open(layout + "/blobs/sha256/" + d.split(":")[1]))
	index = blob(json.load(open(layout + "/index.json"))["manifests"][0]["digest"])
	layers = [[l["digest"] for l in blob(m["digest"])["layers"]] for m in index["manifests"]]
	assert len(layers[0]) == len(layers[1]) == 3, layers
	assert layers[0][0] == layers[1][0], "rootfs/ layer differs"
	assert layers[0][2] == layers[1][2], "/exports layer differs"
	assert layers[0][1] != layers[1][1], "platform layers are the same"
	PY
'

test_expect_success UMOCI 'each platform'"'"'s image holds rootfs/ with its own tree over it (umoci unpack)' '
  skopeo copy -q --override-arch arm64 oci:mp.oci:mp:latest oci:arm.oci:arm &&
  umoci unpack --rootless --image arm.oci:arm arm >/dev/null &&
  test "$(cat arm/rootfs/etc/arch)" = arm64 && test "$(cat arm/rootfs/etc/shared.conf)" = shared &&
  test -f arm/rootfs/exports/manifest.json &&
  cmp arm/rootfs/usr/bin/hello-server mp/rootfs.linux-arm64/usr/bin/hello-server
'

test_expect_success OCI_IMAGE_TOOL 'oci-image-tool validates the layout, the index and each manifest' '
  oci-image-tool validate --type image mp.oci &&
  oci-image-tool validate --type imageIndex mp.oci/blobs/sha256/$(json_get b.json "d[\"digest\"]" | cut -d: -f2) &&
  for d in $(json_get raw.json "\" \".join(m[\"digest\"].split(\":\")[1] for m in d[\"manifests\"])"); do
    oci-image-tool validate --type manifest mp.oci/blobs/sha256/$d || exit 1
  done
'

test_expect_success 'sc-build.json "platforms" makes validate and build agree without flags' '
  cp -a mp mp2 &&
  python3 -c "import json; d=json.load(open(\"mp2/sc-build.json\")) if __import__(\"os\").path.exists(\"mp2/sc-build.json\") else {}; d[\"platforms\"]=[\"linux/amd64\",\"linux/arm64\"]; json.dump(d, open(\"mp2/sc-build.json\",\"w\"))" &&
  sc_build validate mp2 >v2.out 2>&1 &&
  sc_build --json build mp2 -o mp2.oci -t mp:latest >b2.json &&
  test "$(json_get b2.json "d[\"digest\"]")" = "$(json_get b.json "d[\"digest\"]")" &&
  python3 -c "import json; d=json.load(open(\"mp2/sc-build.json\")); d[\"platforms\"]=[\"linux\"]; json.dump(d, open(\"mp2/sc-build.json\",\"w\"))" &&
  expect_exit 1 sc_build validate mp2 &&
  expect_grep "sc-build.json:.*is not a platform" "$TEST_TMP/.stderr"
'

test_expect_success 'an ELF program of another machine is an error naming the file and the platform' '
  cp -a mp bad && tiny_elf arm64 >bad/rootfs.linux-amd64/usr/bin/hello-server &&
  expect_exit 1 sc_build validate bad --platform linux/amd64,linux/arm64 &&
  expect_grep "\(linux/amd64\): /usr/bin/hello-server is an ELF program for arm64 .*not for linux/amd64" "$TEST_TMP/.stderr" &&
  ! grep_q "(linux/arm64)" "$TEST_TMP/.stderr" &&
  expect_exit 1 sc_build build bad --platform linux/amd64,linux/arm64 -o bad.oci &&
  test ! -e bad.oci &&
  sc_build validate mp --platform linux/amd64,linux/arm64
'

test_expect_success 'a rootfs.X/ no platform takes is a warning; a one-platform project is unchanged' '
  mkdir mp/rootfs.arm64 &&
  sc_build validate mp --platform linux/amd64,linux/arm64 >w.out 2>&1 &&
  expect_grep "rootfs.arm64: warning: rootfs.arm64 is in no image" w.out &&
  rmdir mp/rootfs.arm64 &&
  test_make_project one one >/dev/null &&
  sc_build --json build one -o one.oci >one.json &&
  skopeo inspect --raw oci:one.oci >one-raw.json &&
  test "$(json_get one-raw.json "d[\"mediaType\"]")" = application/vnd.oci.image.manifest.v1+json &&
  test "$(json_get one.json "\"platforms\" in d")" = False
'

test_expect_success 'a variant names its tree (rootfs.linux-arm-v7) and is in the index entry and config' '
  cp -a mp v7 && mkdir -p v7/rootfs.linux-arm-v7/usr/bin &&
  tiny_elf arm >v7/rootfs.linux-arm-v7/usr/bin/hello-server && chmod 755 v7/rootfs.linux-arm-v7/usr/bin/hello-server &&
  sc_build --json build v7 --platform linux/amd64,linux/armhf -o v7.oci >v7.json &&
  test "$(json_get v7.json "\" \".join(p[\"platform\"] for p in d[\"platforms\"])")" = "linux/amd64 linux/arm/v7" &&
  test "$(json_get v7.json "d[\"platforms\"][1][\"platform_rootfs\"]")" = rootfs.linux-arm-v7/ &&
  skopeo inspect --raw oci:v7.oci:mp:latest >v7raw.json &&
  test "$(json_get v7raw.json "d[\"manifests\"][1][\"platform\"][\"variant\"]")" = v7 &&
  skopeo inspect --override-arch arm --override-variant v7 --config oci:v7.oci:mp:latest >v7c.json &&
  test "$(json_get v7c.json "d[\"variant\"]")" = v7 &&
  tiny_elf 386 >v7/rootfs.linux-arm-v7/usr/bin/hello-server &&
  expect_exit 1 sc_build validate v7 --platform linux/arm/v7 &&
  expect_grep "\(linux/arm/v7\): /usr/bin/hello-server is an ELF program for 386" "$TEST_TMP/.stderr"
'

test_expect_success 'without rootfs/, every platform'"'"'s tree is its whole image' '
  cp -a mp nr && rm -rf nr/rootfs && mkdir -p nr/rootfs.linux-amd64/proc nr/rootfs.linux-arm64/proc &&
  sc_build validate nr --platform linux/amd64,linux/arm64 &&
  sc_build --json build nr --platform linux/amd64,linux/arm64 -o nr.oci >nr.json &&
  test "$(json_get nr.json "[len(p[\"layers\"]) for p in d[\"platforms\"]]")" = "[2, 2]" &&
  expect_exit 1 sc_build validate nr &&
  expect_grep "missing rootfs/" "$TEST_TMP/.stderr"
'

test_expect_success 'a two-platform build is reproducible: -j1 and -jN, the layer cache on and off' '
  sc_build --json build mp --platform linux/amd64,linux/arm64 -o r1.oci --threads 1 --no-cache >r1.json &&
  sc_build --json build mp --platform linux/amd64,linux/arm64 -o r2.oci --threads 4 >r2.json &&
  XDG_CACHE_HOME=$TEST_TMP/cache2 sc_build --json build mp --platform linux/amd64,linux/arm64 -o r3.oci >r3.json &&
  for f in r1 r2 r3; do
    test "$(json_get $f.json "d[\"digest\"]")" = "$(json_get b.json "d[\"digest\"]")" || exit 1
  done &&
  test "$(json_get r1.json "[p[\"digest\"] for p in d[\"platforms\"]]")" = "$(json_get b.json "[p[\"digest\"] for p in d[\"platforms\"]]")" &&
  diff -r r1.oci r2.oci
'

test_expect_success 'rebuilding the tag leaves no blob of the old index behind' '
  cp -a mp mp3 &&
  sc_build build mp3 --platform linux/amd64,linux/arm64 -o re.oci >/dev/null 2>&1 &&
  echo changed >mp3/rootfs.linux-arm64/etc/arch &&
  sc_build build mp3 --platform linux/amd64,linux/arm64 -o re.oci >/dev/null 2>&1 &&
  sc_build build mp3 --platform linux/amd64,linux/arm64 -o fresh.oci >/dev/null 2>&1 &&
  test "$(ls re.oci/blobs/sha256 | sort)" = "$(ls fresh.oci/blobs/sha256 | sort)"
'

# top: a project whose program comes from its base, built for both
# platforms on top of mp's index.
mkdir -p top/rootfs/etc && echo top >top/rootfs/etc/top.conf &&
  cp mp/*.template mp/manifest.json top/ && printf '{"name": "top", "tag": "1"}\n' >top/sc-build.json

test_expect_success 'on a base that is an index, each platform goes on that platform'"'"'s manifest' '
  sc_build --json build top --from oci:mp.oci:mp:latest --platform linux/amd64,linux/arm64 -o top.oci >t.json &&
  test "$(json_get t.json "[p[\"base_digest\"] for p in d[\"platforms\"]]")" = \
       "$(json_get raw.json "[m[\"digest\"] for m in d[\"manifests\"]]")" &&
  cp top.oci/blobs/sha256/$(json_get t.json "d[\"platforms\"][1][\"digest\"].split(\":\")[1]") top-arm.json &&
  test "$(json_get top-arm.json "d[\"annotations\"][\"org.opencontainers.image.base.digest\"]")" = \
       "$(json_get raw.json "d[\"manifests\"][1][\"digest\"]")" &&
  expect_exit 1 sc_build build top --from oci:mp.oci:mp:latest --platform linux/amd64,linux/s390x -o x.oci &&
  expect_grep "for linux/s390x: .*the image index has no manifest for linux/s390x" "$TEST_TMP/.stderr" &&
  test ! -e x.oci
'

test_expect_success 'push to oci: and oci-archive: copies the whole index; dir: one platform; --platform one' '
  sc_build push oci:mp.oci oci:copy.oci:mp >c1.out &&
  test "$(cat c1.out)" = "$(json_get b.json "d[\"digest\"]")" &&
  skopeo inspect --raw oci:copy.oci:mp >c1.json && cmp c1.json raw.json &&
  test "$(ls copy.oci/blobs/sha256 | sort)" = "$(ls mp.oci/blobs/sha256 | sort)" &&
  sc_build push oci:mp.oci oci-archive:copy.tar:mp >c2.out &&
  skopeo inspect --raw oci-archive:copy.tar:mp >c2.json && cmp c2.json raw.json &&
  if [ -n "$HOST_ARCH" ]; then
    sc_build push oci:mp.oci dir:host-dir >c3.out &&
    test "$(cat c3.out)" = "$(json_get b.json "[p[\"digest\"] for p in d[\"platforms\"] if p[\"platform\"] == \"linux/$HOST_ARCH\"][0]")"
  fi &&
  sc_build push --platform linux/arm64 oci:mp.oci oci:one-arm.oci:arm >d1.out &&
  test "$(cat d1.out)" = "$(json_get b.json "d[\"platforms\"][1][\"digest\"]")" &&
  sc_build push --platform linux/amd64 oci:mp.oci dir:amd-dir >d2.out &&
  test "$(cat d2.out)" = "$(json_get b.json "d[\"platforms\"][0][\"digest\"]")" &&
  expect_exit 1 sc_build push --platform linux/s390x oci:mp.oci oci:x.oci:x &&
  expect_grep "no manifest for linux/s390x" "$TEST_TMP/.stderr"
'

test_expect_success 'inspect shows the index and each platform' '
  sc_build inspect oci:mp.oci >i.out &&
  expect_grep "^Index: +sha256:" i.out &&
  expect_grep "^Image for: +linux/amd64" i.out &&
  expect_grep "^Image for: +linux/arm64" i.out &&
  sc_build --json inspect oci:mp.oci >i.json &&
  test "$(json_get i.json "d[\"digest\"]")" = "$(json_get b.json "d[\"digest\"]")" &&
  test "$(json_get i.json "len(d[\"platforms\"])")" = 2 &&
  test "$(json_get i.json "d[\"platforms\"][1][\"architecture\"]")" = arm64
'

test_expect_success 'images lists an index with every platform'"'"'s blobs counted once, and a date' '
  sc_build --json images --layout mp.oci >im.json &&
  test "$(json_get im.json "len(d[\"images\"])")" = 1 &&
  test "$(json_get im.json "d[\"images\"][0][\"size\"]")" = \
       "$(python3 -c "import os,sys; b=sys.argv[1]; print(sum(os.path.getsize(os.path.join(b, f)) for f in os.listdir(b)))" mp.oci/blobs/sha256)" &&
  sc_build --json inspect oci:mp.oci >mpi.json &&
  test "$(json_get im.json "d[\"images\"][0][\"created\"]")" = \
       "$(json_get mpi.json "max(p[\"created\"] for p in d[\"platforms\"])")"
'

test_expect_success 'docker-archive and --format ostree refuse several platforms' '
  expect_exit 2 sc_build build mp --platform linux/amd64,linux/arm64 --format docker-archive -o x.tar &&
  expect_grep "one platform per tag" "$TEST_TMP/.stderr" &&
  expect_exit 2 sc_build build mp --platform linux/amd64,linux/arm64 --arch arm64 -o x.oci &&
  sc_build build mp --platform linux/amd64,linux/arm64 --format oci-archive -o mp.oci.tar >/dev/null 2>&1 &&
  skopeo inspect --raw oci-archive:mp.oci.tar >ar.json &&
  test "$(json_get ar.json "len(d[\"manifests\"])")" = 2
'

test_expect_success 'an oci-archive of an index is read whole: inspect, and a base for both platforms' '
  sc_build --json inspect oci-archive:mp.oci.tar >ia.json &&
  test "$(json_get ia.json "d[\"digest\"]")" = "$(json_get b.json "d[\"digest\"]")" &&
  test "$(json_get ia.json "len(d[\"platforms\"])")" = 2 &&
  sc_build --json build top --from oci-archive:mp.oci.tar --platform linux/amd64,linux/arm64 -o top-ar.oci >ta.json &&
  test "$(json_get ta.json "[p[\"base_digest\"] for p in d[\"platforms\"]]")" = \
       "$(json_get raw.json "[m[\"digest\"] for m in d[\"manifests\"]]")"
'

test_expect_success HOST_AMD64_OR_ARM64 "install from the index on this host takes the host's platform" '
  R=$TEST_TMP/root && A=var/lib/containers/atomic &&
  mkdir -p "$R/etc/systemd/system" "$R/etc/tmpfiles.d" "$R/$A" &&
  sc_build install oci:mp.oci:mp:latest --name mp --root "$R" >/dev/null &&
  test "$(cat "$R/$A/mp.0/rootfs/etc/arch")" = "$HOST_ARCH" &&
  cmp "$R/$A/mp.0/rootfs/usr/bin/hello-server" mp/rootfs.linux-$HOST_ARCH/usr/bin/hello-server
'

test_lazy_prereq RUNC 'command -v runc'
test_expect_success ROOT,RUNC,HOST_AMD64_OR_ARM64 'sc-build test runs the host'"'"'s platform'"'"'s image, its tree over rootfs/' '
  test ! -e mp/rootfs/usr/bin/hello-server &&
  sc_build test mp --probe exit:0 >st.out 2>&1 &&
  expect_grep "PASS exit 0" st.out
'

if command -v docker-registry >/dev/null; then
  PORT=$(test_free_port)
  REG=127.0.0.1:$PORT
  registry_config "$TEST_TMP/reg" "$PORT"
  test_cleanup_add "registry_stop '$TEST_TMP/reg'"
  registry_start "$TEST_TMP/reg" "$PORT" && test_set_prereq REGISTRY
fi

test_expect_success REGISTRY 'push sends every platform, then the index: skopeo lists both manifests' '
  sc_build --json push oci:mp.oci docker://$REG/mp:v1 >p.json &&
  test "$(json_get p.json "d[\"digest\"]")" = "$(json_get b.json "d[\"digest\"]")" &&
  test "$(json_get p.json "d[\"platforms\"]")" = 2 &&
  skopeo inspect --tls-verify=false --raw docker://$REG/mp:v1 >preg.json &&
  test "$(json_get preg.json "d[\"mediaType\"]")" = application/vnd.oci.image.index.v1+json &&
  test "$(json_get preg.json "\" \".join(m[\"platform\"][\"os\"] + \"/\" + m[\"platform\"][\"architecture\"] for m in d[\"manifests\"])")" = "linux/amd64 linux/arm64" &&
  cmp preg.json raw.json &&
  for d in $(json_get raw.json "\" \".join(m[\"digest\"] for m in d[\"manifests\"])"); do
    skopeo inspect --tls-verify=false --raw docker://$REG/mp@$d >/dev/null || exit 1
  done
'

test_expect_success REGISTRY 'skopeo copy --all brings the whole index back, digests unchanged' '
  skopeo copy -q --all --src-tls-verify=false docker://$REG/mp:v1 oci:back.oci:mp &&
  skopeo inspect --raw oci:back.oci:mp >back.json &&
  cmp back.json raw.json
'

test_expect_success REGISTRY 'a docker:// index is pulled whole: registry to registry, to oci:, and inspect' '
  sc_build push --tls-verify=false docker://$REG/mp:v1 docker://$REG/mp-copy:v1 >rc.out &&
  test "$(cat rc.out)" = "$(json_get b.json "d[\"digest\"]")" &&
  skopeo inspect --tls-verify=false --raw docker://$REG/mp-copy:v1 >rc.json && cmp rc.json raw.json &&
  sc_build push --tls-verify=false docker://$REG/mp:v1 oci:pulled.oci:mp >rl.out &&
  skopeo inspect --raw oci:pulled.oci:mp >rl.json && cmp rl.json raw.json &&
  sc_build --json inspect --tls-verify=false docker://$REG/mp:v1 >ri.json &&
  test "$(json_get ri.json "len(d[\"platforms\"])")" = 2
'

test_expect_success REGISTRY 'push --platform pushes one platform'"'"'s image as a plain manifest' '
  sc_build --json push --platform linux/arm64 oci:mp.oci docker://$REG/mp:arm >pa.json &&
  skopeo inspect --tls-verify=false --raw docker://$REG/mp:arm >arm-raw.json &&
  test "$(json_get arm-raw.json "d[\"mediaType\"]")" = application/vnd.oci.image.manifest.v1+json &&
  test "$(json_get pa.json "d[\"digest\"]")" = "$(json_get b.json "d[\"platforms\"][1][\"digest\"]")"
'

# podman names the image after the layout's path, which must be lower case
# (TEST_TMP is not); its storage stays in the test.
POD_DIR=/tmp/sc-t0770-pod.$$
test_cleanup_add "rm -rf '$POD_DIR'"
pod() { podman --root "$TEST_TMP/pod/root" --runroot "$TEST_TMP/pod/run" --storage-driver vfs "$@"; }
test_expect_success REGISTRY 'a docker:// base that is an index: each platform pulls its own manifest' '
  sc_build --json build top --from docker://$REG/mp:v1 --tls-verify=false --platform linux/amd64,linux/arm64 -o top-reg.oci >tr.json &&
  test "$(json_get tr.json "d[\"digest\"]")" != "" &&
  test "$(json_get tr.json "[p[\"base_digest\"] for p in d[\"platforms\"]]")" = \
       "$(json_get raw.json "[m[\"digest\"] for m in d[\"manifests\"]]")"
'

test_expect_success REGISTRY,HOST_AMD64_OR_ARM64 "install docker://... of an index takes the host's platform" '
  R=$TEST_TMP/root2 && A=var/lib/containers/atomic &&
  mkdir -p "$R/etc/systemd/system" "$R/etc/tmpfiles.d" "$R/$A" &&
  sc_build install docker://$REG/mp:v1 --tls-verify=false --name mp --root "$R" >/dev/null &&
  test "$(cat "$R/$A/mp.0/rootfs/etc/arch")" = "$HOST_ARCH"
'

test_expect_success PODMAN 'podman pull --platform linux/arm64 takes that platform from the layout' '
  mkdir -p "$POD_DIR" && cp -a mp.oci "$POD_DIR/" &&
  pod pull -q --platform linux/arm64 oci:$POD_DIR/mp.oci:mp:latest >pod.out &&
  test "sha256:$(tail -n1 pod.out)" = "$(json_get b.json "d[\"platforms\"][1][\"config_digest\"]")" &&
  pod image inspect --format "{{.Architecture}}" "$(tail -n1 pod.out)" >pod-arch &&
  test "$(cat pod-arch)" = arm64
'

test_expect_success PODMAN,REGISTRY 'podman pull --platform takes each platform from the pushed index' '
  for arch in arm64 amd64; do
    pod pull -q --tls-verify=false --platform linux/$arch docker://$REG/mp:v1 >pod-$arch.out &&
    pod image inspect --format "{{.Architecture}}" "$(tail -n1 pod-$arch.out)" >pod-$arch.arch &&
    test "$(cat pod-$arch.arch)" = $arch || exit 1
  done &&
  test "sha256:$(tail -n1 pod-arm64.out)" = "$(json_get b.json "d[\"platforms\"][1][\"config_digest\"]")" &&
  test "sha256:$(tail -n1 pod-amd64.out)" = "$(json_get b.json "d[\"platforms\"][0][\"config_digest\"]")"
'

test_done
