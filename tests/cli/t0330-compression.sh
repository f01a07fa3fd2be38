#!/usr/bin/env bash
# t0320-compression: layers compressed on every core are the same bytes
# with any thread count, and every reader in use decompresses them to the
# tar the config's diff_id names: zlib (gzip, Python), libarchive (bsdtar),
# Go (umoci, skopeo) and containers/storage (podman).
. "$SC_SOURCE_DIR/tests/cli/lib.sh"
test_require python3 umoci skopeo bsdtar gzip zstd

json_get() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }
layer_blob() { echo "$1/blobs/sha256/$(json_get "$2" "d[\"layers\"][0][\"digest\"][7:]")"; }
test_lazy_prereq PODMAN 'command -v podman'

test_expect_success 'setup: a project whose layer spans several gzip members' '
  test_make_project proj big &&
  mkdir -p proj/rootfs/data &&
  head -c 3000000 /dev/urandom >proj/rootfs/data/random &&
  seq 1 500000 >proj/rootfs/data/seq &&
  SOURCE_DATE_EPOCH=1000 sc_build --json build proj -o t1.oci --threads 1 >t1.json &&
  test "$(json_get t1.json "d[\"layers\"][0][\"size\"]")" -gt 4000000
'

test_expect_success 'gzip: the same digest with 1, 2 and 3 threads' '
  SOURCE_DATE_EPOCH=1000 sc_build --json build proj -o t2.oci --threads 2 >t2.json &&
  SOURCE_DATE_EPOCH=1000 sc_build --json build proj -o t3.oci --threads 3 >t3.json &&
  d1=$(json_get t1.json "d[\"digest\"]") &&
  test "$(json_get t2.json "d[\"digest\"]")" = "$d1" &&
  test "$(json_get t3.json "d[\"digest\"]")" = "$d1"
'

test_expect_success 'zstd: the same digest with 1 and 2 threads' '
  SOURCE_DATE_EPOCH=1000 sc_build --json build proj -o z1.oci --compression zstd --threads 1 >z1.json &&
  SOURCE_DATE_EPOCH=1000 sc_build --json build proj -o z2.oci --compression zstd --threads 2 >z2.json &&
  test "$(json_get z1.json "d[\"digest\"]")" = "$(json_get z2.json "d[\"digest\"]")" &&
  expect_grep "tar\\+zstd" z1.json
'

test_expect_success 'zstd: the zstd CLI, libarchive and skopeo read the multi-job frame' '
  blob=$(layer_blob z1.oci z1.json) &&
  test "$(json_get z1.json "d[\"layers\"][0][\"size\"]")" -gt 2500000 &&
  cfg=z1.oci/blobs/sha256/$(json_get z1.json "d[\"config_digest\"][7:]") &&
  diff_id=$(json_get "$cfg" "d[\"rootfs\"][\"diff_ids\"][0]") &&
  test "sha256:$(zstd -dc "$blob" | sha256sum | cut -d" " -f1)" = "$diff_id" &&
  mkdir zx && bsdtar -xf "$blob" -C zx &&
  cmp zx/data/random proj/rootfs/data/random &&
  skopeo copy -q --dest-decompress oci:z1.oci:big:latest dir:zsk &&
  test -f "zsk/${diff_id#sha256:}"
'

test_expect_success 'zlib and Python decompress every member to the diff_id tar' '
  blob=$(layer_blob t1.oci t1.json) &&
  gzip -t "$blob" &&
  cfg=t1.oci/blobs/sha256/$(json_get t1.json "d[\"config_digest\"][7:]") &&
  diff_id=$(json_get "$cfg" "d[\"rootfs\"][\"diff_ids\"][0]") &&
  test "sha256:$(gzip -dc "$blob" | sha256sum | cut -d" " -f1)" = "$diff_id" &&
  python3 -c "
import gzip, hashlib, sys
print(\"sha256:\" + hashlib.sha256(gzip.open(sys.argv[1]).read()).hexdigest())
" "$blob" >py.out &&
  test "$(cat py.out)" = "$diff_id"
'

test_expect_success 'libarchive (bsdtar) reads the whole layer' '
  mkdir bx && bsdtar -xzf "$(layer_blob t1.oci t1.json)" -C bx &&
  cmp bx/data/random proj/rootfs/data/random &&
  cmp bx/data/seq proj/rootfs/data/seq
'

test_expect_success 'Go readers: umoci unpacks it, skopeo copies it decompressed' '
  umoci unpack --image t1.oci:big:latest ux >/dev/null &&
  cmp ux/rootfs/data/random proj/rootfs/data/random &&
  cmp ux/rootfs/data/seq proj/rootfs/data/seq &&
  skopeo copy -q --dest-decompress oci:t1.oci:big:latest dir:sk &&
  cfg=t1.oci/blobs/sha256/$(json_get t1.json "d[\"config_digest\"][7:]") &&
  diff_id=$(json_get "$cfg" "d[\"rootfs\"][\"diff_ids\"][0]") &&
  test -f "sk/${diff_id#sha256:}"
'

test_expect_success PODMAN 'podman pulls it into containers/storage, which checks the diff_id' '
  P="podman --root $TEST_TMP/pstore --runroot $TEST_TMP/prun --storage-driver vfs" &&
  id=$($P pull -q oci:t1.oci:big:latest) &&
  mnt=$($P image mount "$id") &&
  cmp "$mnt/data/random" proj/rootfs/data/random &&
  $P image unmount "$id" >/dev/null
'

test_expect_success 'the level shapes the digest; a gzip level above 12 is a usage error' '
  SOURCE_DATE_EPOCH=1000 sc_build --json build proj -o l6.oci --compression-level 6 >l6.json &&
  test "$(json_get l6.json "d[\"digest\"]")" != "$(json_get t1.json "d[\"digest\"]")" &&
  test "$(json_get l6.json "d[\"layers\"][0][\"size\"]")" -lt "$(json_get t1.json "d[\"layers\"][0][\"size\"]")" &&
  expect_exit 2 sc_build build proj -o bad.oci --compression-level 13 &&
  expect_grep "gzip levels go from 1 to 12" "$TEST_TMP/.stderr" &&
  expect_exit 2 sc_build build proj -o bad.oci --compression-level 99 &&
  expect_grep "compression-level 99: gzip levels go from 1 to 12 .with --compression zstd, from 1 to 19." "$TEST_TMP/.stderr" &&
  expect_exit 2 sc_build build proj -o bad.oci --compression-level 99 --compression zstd &&
  expect_grep "compression-level 99: zstd levels go from 1 to 19 .with --compression gzip, from 1 to 12." "$TEST_TMP/.stderr" &&
  expect_exit 2 sc_build build proj -o bad.oci --compression-level 0 &&
  expect_exit 2 sc_build build proj -o bad.oci --threads 0 &&
  expect_grep "threads takes a number from 1 to 256, not .0." "$TEST_TMP/.stderr" &&
  test ! -e bad.oci
'

test_expect_success 'a terminal shows the layer progress; a pipe, --quiet and --json do not' '
  script -qec "$SC_BUILD build proj -o tty.oci" /dev/null >tty.out &&
  tr "\r" "\n" <tty.out >tty.lines &&
  expect_grep "^layer \[#{24}\] [0-9]+/[0-9]+ MB, ([0-9]+)/\1 entries, [0-9]+ MB/s" tty.lines &&
  sc_build build proj -o pipe.oci >pipe.out 2>pipe.err &&
  ! grep "layer \[" pipe.out pipe.err &&
  script -qec "$SC_BUILD --quiet build proj -o q.oci" /dev/null >q.out &&
  ! grep "layer \[" q.out &&
  script -qec "$SC_BUILD --json build proj -o j.oci" /dev/null >j.out &&
  ! grep "layer \[" j.out
'

test_expect_success 'setup: a project whose files are older than the cache racy window' '
  test_make_project cached cached &&
  mkdir -p cached/rootfs/data && seq 1 300000 >cached/rootfs/data/seq &&
  sleep 3
'

test_expect_success 'an unchanged rootfs/ reuses its layer: same digest, nothing compressed' '
  sc_build --json build cached -o c.oci >c1.json &&
  test "$(json_get c1.json "d[\"layers_reused\"]")" = 0 &&
  sc_build --json build cached -o c.oci >c2.json &&
  test "$(json_get c2.json "d[\"layers_reused\"]")" = 1 &&
  test "$(json_get c2.json "d[\"digest\"]")" = "$(json_get c1.json "d[\"digest\"]")" &&
  sc_build build cached -o c.oci >c3.out &&
  expect_grep "reused: +the rootfs layer" c3.out
'

test_expect_success 'a rebuild that changes nothing rewrites no file of the layout' '
  find c.oci -type f -printf "%p %i %s %T@\n" | sort >before &&
  sc_build --json build cached -o c.oci >c4.json &&
  test "$(json_get c4.json "d[\"digest\"]")" = "$(json_get c1.json "d[\"digest\"]")" &&
  find c.oci -type f -printf "%p %i %s %T@\n" | sort >after &&
  diff -u before after
'

test_expect_success 'a blob of the wrong size is written again, not trusted' '
  cfg=c.oci/blobs/sha256/$(json_get c1.json "d[\"config_digest\"][7:]") &&
  cp "$cfg" cfg.good && printf "{}" >"$cfg" &&
  sc_build --json build cached -o c.oci >c5.json &&
  cmp "$cfg" cfg.good &&
  tag=$(umoci ls --layout c.oci | head -n 1) &&
  umoci stat --image "c.oci:$tag" >/dev/null
'

test_expect_success '--no-cache, a new output or a changed file build the layer again' '
  sc_build --json build cached -o c.oci --no-cache >n.json &&
  test "$(json_get n.json "d[\"layers_reused\"]")" = 0 &&
  test "$(json_get n.json "d[\"digest\"]")" = "$(json_get c1.json "d[\"digest\"]")" &&
  sc_build --json build cached -o other.oci >o.json &&
  test "$(json_get o.json "d[\"layers_reused\"]")" = 0 &&
  test "$(json_get o.json "d[\"digest\"]")" = "$(json_get c1.json "d[\"digest\"]")" &&
  seq 2 300001 | head -c "$(stat -c %s cached/rootfs/data/seq)" >new &&
  cat new >cached/rootfs/data/seq &&
  sc_build --json build cached -o c.oci >ch.json &&
  test "$(json_get ch.json "d[\"layers_reused\"]")" = 0 &&
  test "$(json_get ch.json "d[\"layers\"][0][\"digest\"]")" != "$(json_get c1.json "d[\"layers\"][0][\"digest\"]")"
'

test_expect_success 'a corrupt or edited cache entry is ignored' '
  rm -rf "$XDG_CACHE_HOME/sc-build/layers" && sleep 3 &&
  sc_build --json build cached -o e.oci >e1.json &&
  entry=$(ls "$XDG_CACHE_HOME"/sc-build/layers/*.json) &&
  test -f "$entry" &&
  python3 -c "
import json, sys
d = json.load(open(sys.argv[1])); d[\"diff_id\"] = \"sha256:\" + \"0\" * 64
json.dump(d, open(sys.argv[1], \"w\"))
" "$entry" &&
  sc_build --json build cached -o e.oci >e2.json &&
  test "$(json_get e2.json "d[\"layers_reused\"]")" = 0 &&
  test "$(json_get e2.json "d[\"digest\"]")" = "$(json_get e1.json "d[\"digest\"]")" &&
  printf "not json" >"$entry" &&
  sc_build --json build cached -o e.oci >e3.json &&
  test "$(json_get e3.json "d[\"layers_reused\"]")" = 0 &&
  test "$(json_get e3.json "d[\"digest\"]")" = "$(json_get e1.json "d[\"digest\"]")"
'

test_expect_success 'a change deeper than validation looks still builds the layer again' '
  test_make_project deep deep &&
  d=deep/rootfs && for i in $(seq 1 140); do d=$d/d; done &&
  mkdir -p "$d" && echo one >"$d/file" && sleep 3 &&
  sc_build --json build deep -o deep.oci >d1.json &&
  sc_build --json build deep -o deep.oci >d2.json &&
  test "$(json_get d2.json "d[\"layers_reused\"]")" = 1 &&
  echo two >"$d/file" && sleep 3 &&
  sc_build --json build deep -o deep.oci >d3.json &&
  test "$(json_get d3.json "d[\"layers_reused\"]")" = 0 &&
  test "$(json_get d3.json "d[\"layers\"][0][\"digest\"]")" != "$(json_get d1.json "d[\"layers\"][0][\"digest\"]")"
'

test_done
