#!/bin/bash
# t0300-build: `sc-build build` writes OCI layouts, oci-archives and
# docker-archives that skopeo, umoci and oci-image-tool read, reproducibly,
# and refuses what it must not build.
. "$SC_SOURCE_DIR/tests/cli/lib.sh"
test_require skopeo umoci oci-image-tool python3

# json_get FILE EXPR: evaluate a Python expression on the parsed document `d`.
json_get() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }
digest_of() { json_get "$1" 'd["digest"]'; }

test_make_project proj hw

test_expect_success 'build writes an OCI layout named after the project' '
  sc_build build proj >out 2>err &&
  test -f hw.oci/oci-layout && test -f hw.oci/index.json &&
  expect_grep "^Built oci:hw.oci:hw:latest$" out &&
  expect_grep "sha256:[0-9a-f]{64}" out &&
  ! ls -a | grep_q "^\.hw\.oci\.tmp"
'

test_expect_success 'skopeo sees label atomic.type=system and the sc-build.json name' '
  skopeo inspect oci:hw.oci:hw:latest >inspect.json &&
  test "$(json_get inspect.json "d[\"Labels\"][\"atomic.type\"]")" = system &&
  test "$(json_get inspect.json "d[\"Os\"]")" = linux &&
  test "$(json_get inspect.json "d[\"Created\"]")" = 1970-01-01T00:00:00Z
'

test_expect_success 'umoci unpacks the four files under /exports and the rootfs' '
  umoci unpack --image hw.oci:hw:latest bundle >/dev/null &&
  for f in config.json.template manifest.json service.template tmpfiles.template; do
    cmp proj/$f bundle/rootfs/exports/$f || exit 1
  done &&
  cmp proj/hostfs/etc/hw/greeting.conf bundle/rootfs/exports/hostfs/etc/hw/greeting.conf &&
  test -x bundle/rootfs/usr/bin/hello-server &&
  cmp proj/rootfs/usr/bin/hello-server bundle/rootfs/usr/bin/hello-server &&
  test "$(stat -c %a bundle/rootfs/exports)" = 755 &&
  test "$(stat -c %a bundle/rootfs/exports/manifest.json)" = 644
'

test_expect_success 'oci-image-tool validates the layout' '
  oci-image-tool validate --type image hw.oci &&
  oci-image-tool validate --type image --ref name=hw:latest hw.oci
'

test_expect_success 'docker-archive and oci-archive carry the same config' '
  sc_build build proj --format oci-archive >/dev/null &&
  sc_build build proj --format docker-archive >/dev/null &&
  test -f hw.oci.tar && test -f hw.docker.tar &&
  skopeo inspect --config oci-archive:hw.oci.tar >c-oci.json &&
  skopeo inspect --config docker-archive:hw.docker.tar >c-docker.json &&
  skopeo inspect --config oci:hw.oci:hw:latest >c-layout.json &&
  cmp c-oci.json c-docker.json && cmp c-oci.json c-layout.json &&
  tar -xOf hw.docker.tar manifest.json >dm.json &&
  test "$(json_get dm.json "d[0][\"RepoTags\"][0]")" = hw:latest &&
  test "$(json_get dm.json "len(d[0][\"Layers\"])")" = 2 &&
  layer=$(json_get dm.json "d[0][\"Layers\"][1]") &&
  tar -xOf hw.docker.tar "$layer" | tar -t | grep_q "^exports/manifest.json$"
'

test_expect_success 'docker-archive loads through skopeo into an OCI layout' '
  skopeo copy -q docker-archive:hw.docker.tar oci:copied.oci:x >/dev/null &&
  umoci unpack --image copied.oci:x b2 >/dev/null &&
  test -f b2/rootfs/exports/service.template
'

test_expect_success 'a fresh copy with other mtimes and creation order gives the same digest' '
  sc_build --json build proj -o a.oci >a.json &&
  mkdir proj2 && cp -a proj/*.json proj/*.template proj2/ &&
  mkdir -p proj2/rootfs/usr proj2/hostfs/etc/hw &&
  cp proj/hostfs/etc/hw/greeting.conf proj2/hostfs/etc/hw/ &&
  mkdir proj2/rootfs/usr/bin && cp -p proj/rootfs/usr/bin/hello-server proj2/rootfs/usr/bin/ &&
  find proj2 -exec touch -h -d "2001-02-03 04:05:06" {} + &&
  sc_build --json build proj2 -o b.oci >b.json &&
  test "$(digest_of a.json)" = "$(digest_of b.json)" &&
  sc_build --json build proj -o a2.oci >a2.json &&
  test "$(digest_of a.json)" = "$(digest_of a2.json)"
'

test_expect_success 'SOURCE_DATE_EPOCH changes the digest and shows in created' '
  SOURCE_DATE_EPOCH=1700000000 sc_build --json build proj -o e.oci >e.json &&
  test "$(digest_of e.json)" != "$(digest_of a.json)" &&
  skopeo inspect oci:e.oci:hw:latest >e-inspect.json &&
  test "$(json_get e-inspect.json "d[\"Created\"]")" = 2023-11-14T22:13:20Z &&
  expect_exit 1 env SOURCE_DATE_EPOCH=soon "$SC_BUILD" build proj -o bad.oci &&
  expect_grep SOURCE_DATE_EPOCH "$TEST_TMP/.stderr" && test ! -e bad.oci
'

test_expect_success 'symlinks, hardlinks, empty dirs, setuid and odd names round-trip' '
  cp -a proj special &&
  r=special/rootfs &&
  ln -s /etc/passwd $r/abs-link && ln -s usr/bin/hello-server $r/rel-link &&
  printf shared >$r/hard1 && ln $r/hard1 $r/hard2 &&
  mkdir -p $r/empty/dir && printf x >$r/suid && chmod 4755 $r/suid &&
  mkdir $r/sticky && chmod 1777 $r/sticky &&
  printf sp >"$r/name with spaces" && printf nu >"$r/caf$(printf "\303\251")-日本" &&
  sc_build build special -o special.oci >/dev/null &&
  umoci unpack --image special.oci:hw:latest sb >/dev/null &&
  u=sb/rootfs &&
  test "$(readlink $u/abs-link)" = /etc/passwd &&
  test "$(readlink $u/rel-link)" = usr/bin/hello-server &&
  test "$(stat -c %i $u/hard1)" = "$(stat -c %i $u/hard2)" &&
  test -d $u/empty/dir && test -z "$(ls -A $u/empty/dir)" &&
  test "$(stat -c %a $u/suid)" = 4755 &&
  test "$(stat -c %a $u/sticky)" = 1777 &&
  test "$(cat "$u/name with spaces")" = sp &&
  test "$(cat "$u/caf$(printf "\303\251")-日本")" = nu
'

test_expect_success 'a FIFO in rootfs is refused, naming the path, with no output' '
  cp -a proj fifo && mkfifo fifo/rootfs/usr/pipe &&
  expect_exit 1 "$SC_BUILD" build fifo -o fifo.oci &&
  expect_grep "rootfs/usr/pipe: FIFOs are not allowed" "$TEST_TMP/.stderr" &&
  expect_grep "allow-special" "$TEST_TMP/.stderr" &&
  test ! -e fifo.oci && ! ls -a | grep_q "^\.fifo\.oci" &&
  sc_build build fifo -o fifo.oci --allow-special >/dev/null &&
  umoci unpack --image fifo.oci:hw:latest fb >/dev/null &&
  test -p fb/rootfs/usr/pipe
'

test_expect_success 'a socket is refused, or skipped with a warning under --allow-special' '
  cp -a proj sock &&
  python3 -c "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])" sock/rootfs/usr/sock &&
  expect_exit 1 "$SC_BUILD" build sock -o sock.oci &&
  expect_grep "rootfs/usr/sock: sockets are not allowed" "$TEST_TMP/.stderr" &&
  test ! -e sock.oci &&
  sc_build build sock -o sock.oci --allow-special >/dev/null 2>sock.err &&
  expect_grep "warning: rootfs/usr/sock: sockets cannot be stored" sock.err &&
  umoci unpack --image sock.oci:hw:latest sockb >/dev/null &&
  test ! -e sockb/rootfs/usr/sock
'

test_expect_success ROOT 'a device node in rootfs is refused unless --allow-special' '
  cp -a proj dev && mkdir dev/rootfs/dev && mknod dev/rootfs/dev/null c 1 3 &&
  expect_exit 1 "$SC_BUILD" build dev -o dev.oci &&
  expect_grep "rootfs/dev/null: device nodes are not allowed in a layer; remove it or pass --allow-special" "$TEST_TMP/.stderr" &&
  test ! -e dev.oci &&
  sc_build build dev -o dev.oci --allow-special >/dev/null && test -d dev.oci
'

test_expect_success 'an invalid project exits 1 and writes nothing' '
  cp -a proj invalid && printf "{ \"root\": \n" >invalid/config.json.template &&
  expect_exit 1 "$SC_BUILD" build invalid -o invalid.oci &&
  expect_grep "config.json.template" "$TEST_TMP/.stderr" &&
  test ! -e invalid.oci && ! ls -a | grep_q "^\.invalid"
'

test_expect_success 'rootfs/exports is refused' '
  cp -a proj withexports && mkdir withexports/rootfs/exports &&
  expect_exit 1 "$SC_BUILD" build withexports -o we.oci &&
  expect_grep "rootfs/exports" "$TEST_TMP/.stderr" && test ! -e we.oci
'

test_expect_success 'an existing DEST that is not a layout is refused' '
  mkdir notlayout && echo keep >notlayout/file &&
  expect_exit 1 "$SC_BUILD" build proj -o notlayout &&
  expect_grep "not an OCI image layout" "$TEST_TMP/.stderr" &&
  test "$(cat notlayout/file)" = keep
'

test_expect_success '--tag replacement in an existing layout keeps the other tags' '
  sc_build --json build proj -o multi.oci --tag hw:1 >m1.json &&
  sc_build --json build proj -o multi.oci --tag other:2 --label v=2 >m2.json &&
  cp -a proj changed && echo changed >changed/rootfs/usr/new-file &&
  sc_build --json build changed -o multi.oci --tag hw:1 >m3.json &&
  test "$(digest_of m1.json)" != "$(digest_of m3.json)" &&
  skopeo inspect oci:multi.oci:hw:1 >i1.json &&
  skopeo inspect oci:multi.oci:other:2 >i2.json &&
  test "$(json_get i1.json "d[\"Digest\"]")" = "$(digest_of m3.json)" &&
  test "$(json_get i2.json "d[\"Digest\"]")" = "$(digest_of m2.json)" &&
  test "$(json_get i2.json "d[\"Labels\"][\"v\"]")" = 2 &&
  test "$(json_get multi.oci/index.json "len(d[\"manifests\"])")" = 2 &&
  old=$(digest_of m1.json) && test ! -e multi.oci/blobs/sha256/${old#sha256:} &&
  oci-image-tool validate --type image multi.oci
'

test_expect_success '--from oci:BASE:TAG puts the base layers first and keeps its config' '
  umoci init --layout base.oci &&
  umoci new --image base.oci:base &&
  umoci unpack --image base.oci:base basefs >/dev/null &&
  mkdir -p basefs/rootfs/etc && echo from-base >basefs/rootfs/etc/base-file &&
  umoci repack --image base.oci:base basefs >/dev/null &&
  umoci config --image base.oci:base --config.env FOO=bar --config.cmd /bin/true &&
  skopeo inspect oci:base.oci:base >base.json &&
  sc_build --json build proj -o layered.oci --from oci:base.oci:base >l.json &&
  skopeo inspect oci:layered.oci:hw:latest >li.json &&
  test "$(json_get li.json "len(d[\"Layers\"])")" = 3 &&
  test "$(json_get li.json "d[\"Layers\"][0]")" = "$(json_get base.json "d[\"Layers\"][0]")" &&
  test "$(json_get li.json "d[\"Env\"][0]")" = FOO=bar &&
  test "$(json_get li.json "d[\"Labels\"][\"atomic.type\"]")" = system &&
  skopeo inspect --config oci:layered.oci:hw:latest >lc.json &&
  test "$(json_get lc.json "len(d[\"rootfs\"][\"diff_ids\"])")" = 3 &&
  test "$(json_get lc.json "d[\"history\"][-2][\"created_by\"]")" = "sc-build build: rootfs/" &&
  test "$(json_get lc.json "d[\"history\"][-1][\"created_by\"]")" = "sc-build build: /exports" &&
  umoci unpack --image layered.oci:hw:latest lb >/dev/null &&
  test "$(cat lb/rootfs/etc/base-file)" = from-base &&
  test -f lb/rootfs/exports/manifest.json
'

test_expect_success '--from a base with docker media types gives OCI media types' '
  cp -a base.oci dbase.oci &&
  python3 - dbase.oci <<"PY" &&
import hashlib, json, os, sys
root = sys.argv[1]
index = json.load(open(os.path.join(root, "index.json")))
desc = index["manifests"][0]
m = json.load(open(os.path.join(root, "blobs/sha256", desc["digest"][7:])))
m["mediaType"] = "application/vnd.docker.distribution.manifest.v2+json"
m["config"]["mediaType"] = "application/vnd.docker.container.image.v1+json"
for l in m["layers"]:
    l["mediaType"] = "application/vnd.docker.image.rootfs.diff.tar.gzip"
data = json.dumps(m).encode()
digest = hashlib.sha256(data).hexdigest()
open(os.path.join(root, "blobs/sha256", digest), "wb").write(data)
desc.update(mediaType=m["mediaType"], digest="sha256:" + digest, size=len(data))
json.dump(index, open(os.path.join(root, "index.json"), "w"))
PY
  sc_build build proj -o dlayered.oci --from oci:dbase.oci:base >/dev/null &&
  skopeo inspect --raw oci:dlayered.oci:hw:latest >raw.json &&
  test "$(json_get raw.json "d[\"mediaType\"]")" = application/vnd.oci.image.manifest.v1+json &&
  test "$(json_get raw.json "d[\"config\"][\"mediaType\"]")" = application/vnd.oci.image.config.v1+json &&
  test "$(json_get raw.json "\",\".join(sorted(set(l[\"mediaType\"] for l in d[\"layers\"])))")" = application/vnd.oci.image.layer.v1.tar+gzip &&
  oci-image-tool validate --type image dlayered.oci
'

test_expect_success '--json reports format, reference, digests, layers and size' '
  sc_build --json build proj -o j.oci --tag j:1 >j.json &&
  test "$(json_get j.json "d[\"ok\"]")" = True &&
  test "$(json_get j.json "d[\"format\"]")" = oci &&
  test "$(json_get j.json "d[\"reference\"]")" = oci:j.oci:j:1 &&
  test "$(json_get j.json "d[\"path\"]")" = j.oci &&
  json_get j.json "d[\"config_digest\"]" | grep_q -E "^sha256:[0-9a-f]{64}$" &&
  test "$(json_get j.json "len(d[\"layers\"])")" = 2 &&
  test "$(json_get j.json "d[\"size\"] > 0")" = True
'

test_expect_success 'rootfs/ and /exports are two layers: a template edit changes only the second' '
  sc_build --json build proj -o two.oci --tag two:1 >two1.json &&
  layer=two.oci/blobs/sha256/$(json_get two1.json "d[\"layers\"][0][\"digest\"][7:]") &&
  ! tar -tzf "$layer" | grep_q "^exports" &&
  layer=two.oci/blobs/sha256/$(json_get two1.json "d[\"layers\"][1][\"digest\"][7:]") &&
  test "$(tar -tzf "$layer" | grep -v "^exports/" | wc -l)" = 0 &&
  test "$(json_get two1.json "d[\"layers\"][1][\"size\"] < 4096")" = True &&
  cp -a proj proj-edit && echo "# edited" >>proj-edit/service.template &&
  sc_build --json build proj-edit -o two.oci --tag two:2 >two2.json &&
  test "$(json_get two2.json "d[\"layers\"][0][\"digest\"]")" = "$(json_get two1.json "d[\"layers\"][0][\"digest\"]")" &&
  test "$(json_get two2.json "d[\"layers\"][1][\"digest\"]")" != "$(json_get two1.json "d[\"layers\"][1][\"digest\"]")"
'

test_expect_success 'an archive replaces an archive, never a file of other data' '
  echo "important notes" >notes.txt &&
  expect_exit 1 sc_build build proj -o notes.txt --format docker-archive &&
  expect_grep "notes.txt exists and is not a tar archive" "$TEST_TMP/.stderr" &&
  test "$(cat notes.txt)" = "important notes" &&
  sc_build build proj -o again.tar --format oci-archive >/dev/null &&
  sc_build build proj -o again.tar --format docker-archive >/dev/null &&
  tar -tf again.tar manifest.json >/dev/null
'

test_expect_success 'SIGTERM during a build leaves no DEST and no temp dir' '
  cp -a proj big && mkdir big/rootfs/data &&
  for i in 1 2; do head -c 64M /dev/urandom >big/rootfs/data/blob$i || exit 1; done &&
  mkdir sigdir && rc=0 &&
  { "$SC_BUILD" build big -o sigdir/big.oci 2>sig.err & pid=$!; } &&
  sleep 0.5 && kill -TERM $pid && { wait $pid || rc=$?; } &&
  test "$rc" = 1 && expect_grep "interrupted" sig.err &&
  test -z "$(ls -A sigdir)" &&
  rm -rf big
'

test_expect_success 'bad usage exits 2' '
  expect_exit 2 "$SC_BUILD" build proj --format tarball &&
  expect_exit 2 "$SC_BUILD" build proj --label novalue &&
  expect_exit 2 "$SC_BUILD" build proj --bogus
'

test_done
