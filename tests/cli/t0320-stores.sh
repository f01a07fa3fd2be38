#!/bin/bash
# t0320-stores: layouts, caches and repositories that other runs share or
# that hostile hands wrote: concurrent builds keep every tag, killed runs'
# leftovers are removed by the next run, every command reads an image by
# the same rules (runtime/image.c), special files never hang a reader, and
# names, source files and base images are checked before they are trusted.
. "$SC_SOURCE_DIR/tests/cli/lib.sh"
test_require python3 flock mkfifo timeout bzip2

json_get() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

# mutate LAYOUT ACTION [ARG]: rewrite the first image of LAYOUT (manifest,
# config, index) as a hostile or broken producer would.
cat >mutate.py <<"PY"
import bz2, gzip, hashlib, json, os, sys
root, action = sys.argv[1], sys.argv[2]
arg = sys.argv[3] if len(sys.argv) > 3 else None
blobs = os.path.join(root, "blobs/sha256")
def load(d): return json.load(open(os.path.join(blobs, d[7:])))
def store(data):
    h = hashlib.sha256(data).hexdigest()
    open(os.path.join(blobs, h), "wb").write(data)
    return "sha256:" + h, len(data)
index = json.load(open(os.path.join(root, "index.json")))
desc = index["manifests"][0]
m = load(desc["digest"])
config = load(m["config"]["digest"])
layer = m["layers"][-1]
if action == "diff-ids":
    config["rootfs"]["diff_ids"][-1] = "sha256:" + "0" * 64
elif action == "no-diff-ids":
    config["rootfs"]["diff_ids"] = []
elif action == "media-type":
    layer["mediaType"] = arg
elif action == "size":
    layer["size"] += 1
elif action == "dup-tag":
    index["manifests"].append(dict(desc))
elif action == "many-layers":
    m["layers"] = m["layers"][-1:] * int(arg)
    config["rootfs"]["diff_ids"] = config["rootfs"]["diff_ids"][-1:] * int(arg)
elif action == "big-index":
    index["annotations"] = {"pad": " " * (5 << 20)}
elif action == "bzip2":
    tar = gzip.decompress(open(os.path.join(blobs, layer["digest"][7:]), "rb").read())
    layer["digest"], layer["size"] = store(bz2.compress(tar))
elif action == "tamper":
    path = os.path.join(blobs, layer["digest"][7:])
    data = bytearray(open(path, "rb").read())
    data[len(data) // 2] ^= 0xff
    os.unlink(path)
    open(path, "wb").write(data)
if action not in ("dup-tag", "big-index", "tamper"):
    m["config"]["digest"], m["config"]["size"] = store(json.dumps(config).encode())
    desc["digest"], desc["size"] = store(json.dumps(m).encode())
json.dump(index, open(os.path.join(root, "index.json"), "w"))
PY

# Every tag of a layout names a manifest whose blobs are all there.
check_layout() {
  python3 - "$@" <<"PY"
import json, os, sys
root, want = sys.argv[1], sorted(sys.argv[2:])
index = json.load(open(os.path.join(root, "index.json")))
tags = sorted(m["annotations"]["org.opencontainers.image.ref.name"] for m in index["manifests"])
assert tags == want, (tags, want)
for d in index["manifests"]:
    m = json.load(open(os.path.join(root, "blobs/sha256", d["digest"][7:])))
    for b in [m["config"]] + m["layers"]:
        assert os.path.isfile(os.path.join(root, "blobs/sha256", b["digest"][7:])), b
PY
}

test_make_project proj hw
sc_build build proj -o base.oci --tag base:1 >/dev/null

# ---- item 6: one store, many runs ----

test_expect_success 'parallel builds into one layout keep every tag (10 rounds of 3)' '
  for round in 1 2 3 4 5 6 7 8 9 10; do
    rm -rf conc.oci && pids= &&
    for t in a b c; do
      { "$SC_BUILD" -q build proj -o conc.oci --tag "hw:$t" 2>"err-$t" & } && pids="$pids $!" || exit 1
    done &&
    for p in $pids; do wait "$p" || exit 1; done &&
    check_layout conc.oci hw:a hw:b hw:c || exit 1
  done
'

test_expect_success 'parallel re-tags of an existing layout keep every tag and blob (10 rounds of 3)' '
  for round in 1 2 3 4 5 6 7 8 9 10; do
    pids= &&
    for t in a b c; do
      { "$SC_BUILD" -q build proj -o conc.oci --tag "hw:$t" --label "round=$round" 2>"err-$t" & } &&
      pids="$pids $!" || exit 1
    done &&
    for p in $pids; do wait "$p" || exit 1; done &&
    check_layout conc.oci hw:a hw:b hw:c || exit 1
  done
'

test_expect_success 'a build waiting for a locked layout says so once, then goes on' '
  sc_build build proj -o wait.oci --tag hw:a >/dev/null &&
  { flock wait.oci sleep 2 & } && holder=$! &&
  sleep 0.3 &&
  sc_build build proj -o wait.oci --tag hw:d >out 2>err &&
  wait $holder &&
  test "$(grep -c "waiting for" err)" = 1 &&
  expect_grep "wait.oci" err &&
  check_layout wait.oci hw:a hw:d
'

# ---- item 7: leftovers of killed runs ----

big_project() {
  cp -a proj big && mkdir big/rootfs/data &&
  head -c 48M /dev/urandom >big/rootfs/data/blob
}

# kill_mid_build DIR ARGS...: start a build, SIGKILL it once it has
# begun writing its layer (a .tmp-layer- file somewhere under DIR, or what
# $kill_at names).
kill_mid_build() {
  local dir=$1 && shift &&
  { "$SC_BUILD" -q build "$@" 2>/dev/null & } && pid=$! &&
  for i in $(seq 200); do
    find "$dir" -name "${kill_at:-.tmp-layer-*}" 2>/dev/null | grep_q . && break
    sleep 0.05
  done &&
  kill -KILL $pid && { wait $pid || :; }
}

test_expect_success 'a killed build into a layout: the next build removes its .tmp-layer-' '
  big_project &&
  sc_build build proj -o kill.oci --tag hw:1 >/dev/null &&
  kill_mid_build kill.oci big -o kill.oci --tag hw:big &&
  ls -a kill.oci/blobs/sha256 | grep_q "^\.tmp-layer-" &&
  sc_build build proj -o kill.oci --tag hw:2 >/dev/null &&
  ! ls -a kill.oci/blobs/sha256 | grep_q "^\.tmp-" &&
  check_layout kill.oci hw:1 hw:2
'

test_expect_success 'a killed build of a new output: the next one removes its .tmp- dir' '
  mkdir kd &&
  kill_mid_build kd big -o kd/new.oci &&
  ls -a kd | grep_q "^\.new\.oci\.tmp-" &&
  sc_build build proj -o kd/new.oci >/dev/null &&
  test -z "$(ls -A kd | grep -v "^new\.oci$")"
'

# An OSTree build writes no layer blob: it is killed once its scratch
# layout exists.
test_expect_success 'a killed ostree build: the next one removes its sc-build-ostree. dir' '
  mkdir otmp &&
  kill_at=".image.oci.tmp-*" TMPDIR=$PWD/otmp kill_mid_build otmp big --format ostree --repo orepo &&
  ls otmp | grep_q "^sc-build-ostree\." &&
  TMPDIR=$PWD/otmp sc_build build proj --format ostree --repo orepo >/dev/null &&
  test -z "$(ls -A otmp)" &&
  rm -rf big
'

test_expect_success 'an import waiting for a locked OSTree repository says so once' '
  { flock orepo sleep 2 & } && holder=$! &&
  sleep 0.3 &&
  sc_build import oci:base.oci:base:1 --repo orepo >out 2>err &&
  wait $holder &&
  test "$(grep -c "waiting for" err)" = 1 &&
  expect_grep "OSTree repository" err
'

# ---- item 8: a base image is checked before it is used ----

test_expect_success 'build --from refuses a tampered base layer of the same size' '
  cp -a base.oci t.oci && python3 mutate.py t.oci tamper &&
  expect_exit 1 sc_build build proj -o from-t.oci --from oci:t.oci:base:1 &&
  expect_grep "does not match" "$TEST_TMP/.stderr" &&
  test ! -e from-t.oci
'

test_expect_success 'build --from refuses wrong diff_ids and a text/html layer' '
  cp -a base.oci d.oci && python3 mutate.py d.oci diff-ids &&
  expect_exit 1 sc_build build proj -o from-d.oci --from oci:d.oci:base:1 &&
  expect_grep "diff_id" "$TEST_TMP/.stderr" &&
  cp -a base.oci h.oci && python3 mutate.py h.oci media-type text/html &&
  expect_exit 1 sc_build build proj -o from-h.oci --from oci:h.oci:base:1 &&
  expect_grep "text/html" "$TEST_TMP/.stderr" &&
  sc_build build proj -o from-ok.oci --from oci:base.oci:base:1 >/dev/null
'

# ---- items 9-11: one set of rules for install, build and inspect ----

# every_command_refuses LAYOUT PATTERN: inspect, build --from and install
# all exit 1 within seconds, saying PATTERN.
every_command_refuses() {
  expect_exit 1 timeout 20 "$SC_BUILD" inspect "oci:$1" &&
  expect_grep "$2" "$TEST_TMP/.stderr" &&
  expect_exit 1 timeout 20 "$SC_BUILD" build proj -o "from-$1" --from "oci:$1" &&
  expect_grep "$2" "$TEST_TMP/.stderr" &&
  mkdir -p "root-$1" &&
  expect_exit 1 timeout 20 "$SC_BUILD" install "oci:$1" --name x --root "root-$1" &&
  expect_grep "$2" "$TEST_TMP/.stderr"
}

test_expect_success 'a FIFO as a layer blob or as index.json hangs nothing' '
  cp -a base.oci f1.oci &&
  layer=$(python3 -c "import json; i=json.load(open(\"f1.oci/index.json\")); m=json.load(open(\"f1.oci/blobs/sha256/\"+i[\"manifests\"][0][\"digest\"][7:])); print(m[\"layers\"][0][\"digest\"][7:])") &&
  rm f1.oci/blobs/sha256/$layer && mkfifo f1.oci/blobs/sha256/$layer &&
  every_command_refuses f1.oci "not a regular file" &&
  cp -a base.oci f2.oci && rm f2.oci/index.json && mkfifo f2.oci/index.json &&
  every_command_refuses f2.oci "not a regular file" &&
  mkfifo fifo.tar &&
  expect_exit 1 timeout 20 "$SC_BUILD" inspect oci-archive:fifo.tar &&
  expect_grep "not a regular file" "$TEST_TMP/.stderr" &&
  expect_exit 1 timeout 20 "$SC_BUILD" inspect docker-archive:fifo.tar &&
  expect_grep "not a regular file" "$TEST_TMP/.stderr"
'

test_expect_success ROOT 'a character device as a layer blob is refused at once' '
  cp -a base.oci c.oci &&
  layer=$(python3 -c "import json; i=json.load(open(\"c.oci/index.json\")); m=json.load(open(\"c.oci/blobs/sha256/\"+i[\"manifests\"][0][\"digest\"][7:])); print(m[\"layers\"][0][\"digest\"][7:])") &&
  rm c.oci/blobs/sha256/$layer && mknod c.oci/blobs/sha256/$layer c 1 5 &&
  every_command_refuses c.oci "not a regular file"
'

test_expect_success 'a wrong layer size and missing diff_ids are refused by every command' '
  cp -a base.oci s.oci && python3 mutate.py s.oci size &&
  every_command_refuses s.oci "size" &&
  cp -a base.oci n.oci && python3 mutate.py n.oci no-diff-ids &&
  every_command_refuses n.oci "diff_ids"
'

test_expect_success 'duplicate tags, a huge index.json and too many layers are refused' '
  cp -a base.oci dup.oci && python3 mutate.py dup.oci dup-tag &&
  expect_exit 1 sc_build inspect oci:dup.oci:base:1 &&
  expect_grep "base:1" "$TEST_TMP/.stderr" &&
  expect_grep "more than once" "$TEST_TMP/.stderr" &&
  expect_exit 1 sc_build build proj -o dup.oci --tag other:1 &&
  expect_grep "more than once" "$TEST_TMP/.stderr" &&
  cp -a base.oci bi.oci && python3 mutate.py bi.oci big-index &&
  every_command_refuses bi.oci "too large" &&
  cp -a base.oci ml.oci && python3 mutate.py ml.oci many-layers 5000 &&
  every_command_refuses ml.oci "layers"
'

test_expect_success 'a layer whose media type is not an OCI layer type is refused' '
  cp -a base.oci mt.oci && python3 mutate.py mt.oci media-type text/html &&
  every_command_refuses mt.oci "text/html"
'

test_expect_success 'bzip2 data labelled tar+gzip is refused by every command' '
  cp -a base.oci bz.oci && python3 mutate.py bz.oci bzip2 &&
  every_command_refuses bz.oci "gzip"
'

# ---- item 12: a source file rewritten while it is read ----

test_expect_success 'a file rewritten in place during the build fails it, naming the file' '
  cp -a proj torn && mkdir torn/rootfs/data &&
  head -c 32M /dev/zero >torn/rootfs/data/file &&
  touch rewriting &&
  { ( end=$((SECONDS + 30)) &&
      while test -e rewriting && test $SECONDS -lt $end; do
        printf x | dd of=torn/rootfs/data/file bs=1 seek=1000 conv=notrunc status=none || exit 1
      done ) & writer=$!; } &&
  expect_exit 1 sc_build build torn -o torn.oci &&
  rm rewriting && wait $writer &&
  expect_grep "data/file" "$TEST_TMP/.stderr" &&
  expect_grep "changed while" "$TEST_TMP/.stderr" &&
  test ! -e torn.oci && rm -rf torn
'

# ---- item 13: image names ----

test_expect_success 'build refuses image names that are not references' '
  for name in "sp ace" UPPER ..dots -dash "a//b" "x:"; do
    expect_exit 2 sc_build build proj -o names.oci --tag "$name" &&
    expect_grep "reference" "$TEST_TMP/.stderr" || exit 1
  done &&
  cp -a proj upper && printf "{\"name\": \"Upper\", \"tag\": \"latest\"}\n" >upper/sc-build.json &&
  expect_exit 1 sc_build build upper -o names.oci &&
  test ! -e names.oci &&
  sc_build build proj -o names.oci --tag localhost:5000/a.b/c-d_e:v1.0 >/dev/null &&
  expect_exit 2 sc_build build proj -o names2.oci --tag localhost:5000/a/c__e:1 &&
  expect_grep "not a valid image reference" "$TEST_TMP/.stderr"
'

test_done
