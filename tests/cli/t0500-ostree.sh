#!/usr/bin/env bash
# t0500-ostree: `sc-build import` writes an OCI image into an OSTree repo as
# containers/image's ostree: transport does (docs/image.md, "Forms", and
# atomic's Atomic/syscontainers.py), and `sc-build install
# ostree:NAME:TAG@REPO` installs from it (hard links from a bare repo).
# The expected trees come from umoci, an independent OCI implementation.
. "$SC_SOURCE_DIR/tests/cli/lib.sh"
test_require ostree umoci python3 jq gzip

A=var/lib/containers/atomic
export SOURCE_DATE_EPOCH=1700000000

# A two-layer system image in img.oci tagged svc:1: layer 1 is a project's
# rootfs with /exports and some awkward entries; layer 2 deletes a file and
# a directory (whiteouts), changes one file and adds another.
make_image() {
  local r=b1/rootfs
  test_make_project proj svc &&
  umoci init --layout img.oci &&
  umoci new --image img.oci:svc:1 &&
  umoci config --image img.oci:svc:1 --config.label atomic.type=system --config.label test=t0500 &&
  umoci unpack --image img.oci:svc:1 b1 >/dev/null &&
  cp -a proj/rootfs/. "$r/" &&
  mkdir -p "$r/exports" "$r/etc" "$r/usr/share/doc/svc" "$r/var/gone/sub" &&
  cp proj/manifest.json proj/config.json.template proj/service.template proj/tmpfiles.template "$r/exports/" &&
  cp -a proj/hostfs "$r/exports/" &&
  echo "version 1" >"$r/etc/motd" &&
  echo secret >"$r/etc/secret" && chmod 0600 "$r/etc/secret" && chown 1000:1000 "$r/etc/secret" &&
  echo old >"$r/etc/old" &&
  echo doc >"$r/usr/share/doc/svc/README" &&
  echo x >"$r/var/gone/sub/file" &&
  ln -s hello-server "$r/usr/bin/hs" &&
  ln -s /nowhere "$r/etc/dangling" &&
  ln "$r/usr/bin/hello-server" "$r/usr/bin/hello-server-hardlink" &&
  printf '#!/bin/sh\n' >"$r/usr/bin/suid" && chmod 4755 "$r/usr/bin/suid" &&
  umoci repack --image img.oci:svc:1 b1 &&
  umoci unpack --image img.oci:svc:1 b2 >/dev/null &&
  rm -f b2/rootfs/etc/old && rm -rf b2/rootfs/var/gone &&
  echo "version 2" >b2/rootfs/etc/motd &&
  echo new >b2/rootfs/usr/bin/new && chmod 0750 b2/rootfs/usr/bin/new &&
  umoci repack --image img.oci:svc:1 b2 &&
  rm -rf b1 b2 &&
  umoci unpack --image img.oci:svc:1 expected >/dev/null
}

# Facts about the image, from its layout (jq, not sc-build).
manifest_digest() { jq -r '.manifests[0].digest' img.oci/index.json; }
blob() { echo "img.oci/blobs/sha256/${1#sha256:}"; }
manifest_json() { cat "$(blob "$(manifest_digest)")"; }
layer_digest() { manifest_json | jq -r ".layers[$1].digest"; }
config_digest() { manifest_json | jq -r '.config.digest'; }
diff_id() { jq -r ".rootfs.diff_ids[$1]" "$(blob "$(config_digest)")"; }
hex() { echo "${1#sha256:}"; }
expected_refs() {
  {
    printf 'ociimage/%s\n' "$(hex "$(layer_digest 0)")" "$(hex "$(layer_digest 1)")" \
      "$(hex "$(config_digest)")"
    echo "$1"
  } | sort
}
meta() { ostree --repo="$1" show --print-metadata-key="$2" "$3"; }

# Type, mode, owner and link target of every entry:
# what diff -r does not compare.
listing() {
  (cd "$1" && find . -mindepth 1 -printf '%p %y %m %U:%G %l\n' | sort)
}
same_tree() {
  diff -r --no-dereference "$1" "$2" && diff <(listing "$1") <(listing "$2")
}

# Check the layers out as atomic does: union, whiteouts applied.
checkout_layers() {
  local repo=$1 dest=$2 i
  for i in 0 1; do
    ostree --repo="$repo" checkout --union --whiteouts "ociimage/$(hex "$(layer_digest $i)")" "$dest" || return 1
  done
}

test_expect_success 'umoci makes a two-layer system image with whiteouts in its second layer' '
  make_image >make.log 2>&1 &&
  [ "$(manifest_json | jq ".layers | length")" = 2 ] &&
  gzip -dc "$(blob "$(layer_digest 1)")" | tar -t | grep_q -x "etc/.wh.old" &&
  [ ! -e expected/rootfs/etc/old ] && [ -f expected/rootfs/usr/bin/new ]
'

for mode in bare bare-user archive; do
  R=$TEST_TMP/repo-$mode

  test_expect_success "$mode: import creates the repo and prints the reference to install" '
    sc_build import oci:img.oci:svc:1 --repo "$R" --mode '"$mode"' >out 2>err &&
    [ "$(cat out)" = "ostree:svc:1@$R" ] &&
    case "$(ostree --repo="$R" config get core.mode)" in
      '"$mode"' | '"$mode"'-z2) ;;
      *) exit 1 ;;
    esac &&
    expect_grep "ociimage/svc_3A1" err
  '

  test_expect_success "$mode: the repo holds exactly the layer, config and image branches" '
    ostree --repo="$R" refs | sort >refs &&
    expected_refs ociimage/svc_3A1 >want &&
    diff want refs
  '

  test_expect_success "$mode: the image commit carries the manifest as skopeo writes it" '
    [ "$(meta "$R" docker.digest ociimage/svc_3A1)" = "'\''$(manifest_digest)'\''" ] &&
    [ "$(meta "$R" signatures ociimage/svc_3A1)" = "'\''0'\''" ] &&
    ostree --repo="$R" cat ociimage/svc_3A1 /manifest/manifest.json >m.json &&
    cmp m.json "$(blob "$(manifest_digest)")" &&
    meta "$R" docker.manifest ociimage/svc_3A1 >m.meta &&
    python3 -c "
import ast, sys
text = ast.literal_eval(open(sys.argv[1]).read().strip())
assert text == open(sys.argv[2]).read(), \"docker.manifest differs\"
" m.meta m.json
  '

  test_expect_success "$mode: layer and config commits carry sizes and digests" '
    for i in 0 1; do
      b=ociimage/$(hex "$(layer_digest $i)") &&
      f=$(blob "$(layer_digest $i)") &&
      [ "$(meta "$R" docker.size "$b")" = "'\''$(stat -c %s "$f")'\''" ] &&
      [ "$(meta "$R" docker.uncompressed_size "$b")" = "'\''$(gzip -dc "$f" | wc -c)'\''" ] &&
      [ "$(meta "$R" docker.uncompressed_digest "$b")" = "'\''$(diff_id $i)'\''" ] || exit 1
    done &&
    c=ociimage/$(hex "$(config_digest)") &&
    [ "$(meta "$R" docker.size "$c")" = "'\''$(stat -c %s "$(blob "$(config_digest)")")'\''" ] &&
    ostree --repo="$R" cat "$c" /content | cmp - "$(blob "$(config_digest)")"
  '

  test_expect_success "$mode: ostree fsck finds the repo clean" '
    ostree --repo="$R" fsck >fsck.log 2>&1 || { cat fsck.log; exit 1; }
  '

  test_expect_success "$mode: the first layer branch is the first layer, whiteouts kept as files" '
    rm -rf co1 && ostree --repo="$R" checkout "ociimage/$(hex "$(layer_digest 0)")" co1 &&
    [ "$(stat -c %a:%u:%g co1/etc/secret)" = 600:1000:1000 ] &&
    [ "$(stat -c %a co1/usr/bin/suid)" = 4755 ] &&
    [ "$(readlink co1/etc/dangling)" = /nowhere ] &&
    ostree --repo="$R" ls -C "ociimage/$(hex "$(layer_digest 0)")" /usr/bin/hello-server \
      /usr/bin/hello-server-hardlink | awk "{print \$5}" | uniq | wc -l | grep_q -x 1 &&
    rm -rf co2 && ostree --repo="$R" checkout "ociimage/$(hex "$(layer_digest 1)")" co2 &&
    [ -f co2/etc/.wh.old ] && [ -f co2/var/.wh.gone ]
  '

  test_expect_success "$mode: the layers checked out as atomic does equal the rootfs umoci unpacks" '
    rm -rf union && checkout_layers "$R" union &&
    same_tree expected/rootfs union
  '

  test_expect_success "$mode: importing again gives the same commits and reuses the layers" '
    ostree --repo="$R" refs | sort | while read -r ref; do
      echo "$ref $(ostree --repo="$R" rev-parse "$ref")"; done >before &&
    sc_build --json import oci:img.oci:svc:1 --repo "$R" >again.json &&
    [ "$(jq "[.branches[] | select(.reused)] | length" again.json)" = 2 ] &&
    ostree --repo="$R" refs | sort | while read -r ref; do
      echo "$ref $(ostree --repo="$R" rev-parse "$ref")"; done >after &&
    diff before after
  '
done

test_expect_success 'commits do not depend on the repo mode: all three repos agree' '
  for ref in $(ostree --repo=repo-bare refs); do
    a=$(ostree --repo=repo-bare rev-parse "$ref") &&
    [ "$a" = "$(ostree --repo=repo-bare-user rev-parse "$ref")" ] &&
    [ "$a" = "$(ostree --repo=repo-archive rev-parse "$ref")" ] || exit 1
  done
'

test_expect_success 'commit times come from SOURCE_DATE_EPOCH; commits have no parent' '
  ostree --repo=repo-bare show ociimage/svc_3A1 | expect_grep "^Date:  2023-11-14 22:13:20 \+0000" /dev/stdin &&
  ! ostree --repo=repo-bare rev-parse ociimage/svc_3A1^ 2>/dev/null
'

test_expect_success 'import takes SOURCE_DATE_EPOCH by the rule build does' '
  expect_exit 1 env SOURCE_DATE_EPOCH=+1 "$SC_BUILD" import oci:img.oci:svc:1 --repo plus &&
  expect_grep "SOURCE_DATE_EPOCH=.+1. is not a number" "$TEST_TMP/.stderr" &&
  test ! -e plus
'

test_expect_success 'a corrupt layer blob fails the import and moves no branch' '
  cp -a img.oci bad.oci &&
  f=bad.oci/blobs/sha256/$(hex "$(layer_digest 0)") &&
  python3 -c "
import sys
p = sys.argv[1]; b = bytearray(open(p, \"rb\").read()); b[len(b) // 2] ^= 0x40
open(p, \"wb\").write(b)" "$f" &&
  expect_exit 1 sc_build import oci:bad.oci:svc:1 --repo fresh &&
  expect_grep "layer 1 of 2 .*corrupt" "$TEST_TMP/.stderr" &&
  [ -z "$(ostree --repo=fresh refs)" ] &&
  ostree --repo=repo-bare refs | sort >before &&
  expect_exit 1 sc_build import oci:bad.oci:svc:1 --repo repo-bare --tag other:1 --mode archive &&
  expect_grep "not archive" "$TEST_TMP/.stderr"
'

test_expect_success 'a layer already in the repo is reused, not read again (TryReusingBlob)' '
  sc_build --json import oci:bad.oci:svc:1 --repo repo-bare --tag other:1 >reuse.json &&
  [ "$(jq -r .reference reuse.json)" = "ostree:other:1@$TEST_TMP/repo-bare" ] &&
  [ "$(jq "[.branches[] | select(.reused)] | length" reuse.json)" = 2 ] &&
  ostree --repo=repo-bare rev-parse ociimage/other_3A1
'

test_expect_success 'a missing --repo or a bad --mode is a usage error' '
  expect_exit 2 sc_build import oci:img.oci:svc:1 &&
  expect_exit 2 sc_build import oci:img.oci:svc:1 --repo x --mode zip &&
  expect_grep "bare-user" "$TEST_TMP/.stderr"
'

ROOT=$TEST_TMP/root
mkdir -p "$ROOT/etc/systemd/system" "$ROOT/etc/tmpfiles.d" "$ROOT/$A"

test_expect_success 'install from a bare repo: the rootfs is umoci'\''s, hard-linked to the objects' '
  sc_build install ostree:svc:1@repo-bare --root "$ROOT" --name n --no-systemd-cgroup &&
  d=$ROOT/$A/n.0 && [ "$(readlink "$ROOT/$A/n")" = n.0 ] &&
  same_tree expected/rootfs "$d/rootfs" &&
  ino=$(stat -c %i "$d/rootfs/usr/bin/hello-server") &&
  [ "$(stat -c %h "$d/rootfs/usr/bin/hello-server")" -ge 2 ] &&
  [ -n "$(find repo-bare/objects -inum "$ino")" ] &&
  [ "$(jq -r .image "$d/info")" = "svc:1" ] &&
  [ "$(jq -r .\"sc-build-image\" "$d/info")" = "ostree:svc:1@$TEST_TMP/repo-bare" ] &&
  [ "$(jq -r .revision "$d/info")" = "$(manifest_digest | cut -d: -f2)" ]
'

test_expect_success 'list shows the container installed from the repo' '
  sc_build list --root "$ROOT" >list &&
  expect_grep "^n .* svc:1$" list
'

test_expect_success 'uninstall removes it and leaves the repo intact' '
  sc_build uninstall n --root "$ROOT" &&
  [ ! -e "$ROOT/$A/n" ] && [ ! -e "$ROOT/$A/n.0" ] &&
  ostree --repo=repo-bare fsck >/dev/null 2>&1
'

test_expect_success 'install from an archive repo copies the files' '
  sc_build install ostree:svc:1@repo-archive --root "$ROOT" --name a --no-systemd-cgroup &&
  same_tree expected/rootfs "$ROOT/$A/a.0/rootfs" &&
  [ "$(stat -c %h "$ROOT/$A/a.0/rootfs/usr/bin/new")" = 1 ] &&
  sc_build uninstall a --root "$ROOT"
'

test_expect_success 'an image not in the repo, or a missing layer branch, is a clear error' '
  expect_exit 1 sc_build install ostree:nope@repo-bare --root "$ROOT" --name x &&
  expect_grep "has no image nope:latest" "$TEST_TMP/.stderr" &&
  cp -a repo-bare broken &&
  ostree --repo=broken refs --delete "ociimage/$(hex "$(layer_digest 1)")" &&
  expect_exit 1 sc_build install ostree:svc:1@broken --root "$ROOT" --name x &&
  expect_grep "layer sha256:$(hex "$(layer_digest 1)") not found: build or import the image again" \
    "$TEST_TMP/.stderr" &&
  [ ! -e "$ROOT/$A/x" ] && [ ! -e "$ROOT/$A/x.0" ]
'

test_expect_success 'build --format ostree commits a project straight into a repo' '
  test_make_project proj svc &&
  sc_build build proj --format ostree --repo built-repo --tag svc:7 >out &&
  expect_grep "^Built ostree:svc:7@$TEST_TMP/built-repo" out &&
  ostree --repo=built-repo refs | grep_q -x "ociimage/svc_3A7" &&
  [ "$(ostree --repo=built-repo refs | wc -l)" = 4 ] &&
  ostree --repo=built-repo fsck >/dev/null 2>&1 &&
  sc_build build proj --format ostree --repo built-repo --tag svc:7 --json >again &&
  python3 -c "
import json
d = json.load(open(\"again\"))
assert d[\"ok\"] and d[\"reference\"].startswith(\"ostree:svc:7@\"), d
assert d[\"branches\"][0][\"reused\"] is True, d
" &&
  sc_build install ostree:svc:7@built-repo --root "$ROOT" --name b --no-systemd-cgroup &&
  python3 -c "
import json,sys
i = json.load(open(sys.argv[1]))
assert len(i[\"ostree-commit\"]) == 64, i[\"ostree-commit\"]
" "$ROOT/$A/b.0/info" &&
  sc_build uninstall b --root "$ROOT"
'

# refs_of REPO: every branch and its commit, sorted.
refs_of() {
  ostree --repo="$1" refs | sort | while read -r ref; do
    echo "$ref $(ostree --repo="$1" rev-parse "$ref")" || exit 1
  done
}

# A project whose rootfs has what a tar needs pax records and hard links for.
test_expect_success 'a project with long, non-ASCII and hard-linked names' '
  test_make_project odd svc &&
  long=$(printf "d%.0s" $(seq 120))/$(printf "e%.0s" $(seq 110)) &&
  mkdir -p "odd/rootfs/$long" odd/rootfs/etc &&
  head -c 300000 /dev/urandom >"odd/rootfs/$long/big" &&
  printf "caf\303\251" >"odd/rootfs/etc/caf$(printf "\303\251")" &&
  : >odd/rootfs/etc/empty &&
  ln odd/rootfs/usr/bin/hello-server odd/rootfs/usr/bin/hs-link &&
  ln -s hello-server odd/rootfs/usr/bin/hs
'

test_expect_success 'build --format ostree commits what an import of the built layout commits' '
  sc_build build odd --format ostree --repo streamed --tag svc:8 >/dev/null &&
  sc_build build odd -o odd.oci --tag svc:8 >/dev/null &&
  sc_build import oci:odd.oci:svc:8 --repo imported >/dev/null 2>&1 &&
  refs_of streamed >streamed.refs && refs_of imported >imported.refs &&
  diff -u imported.refs streamed.refs &&
  [ "$(wc -l <streamed.refs)" = 4 ] &&
  ostree --repo=streamed fsck >/dev/null 2>&1
'

test_expect_success 'build --format ostree: the same commits with 1 thread and with 3' '
  sc_build build odd --format ostree --repo one --tag svc:8 --threads 1 >/dev/null &&
  sc_build build odd --format ostree --repo three --tag svc:8 --threads 3 --no-cache >/dev/null &&
  refs_of one >one.refs && refs_of three >three.refs &&
  diff -u streamed.refs one.refs && diff -u streamed.refs three.refs
'

# containers/image's ostree: source (ostree_src.go GetBlob) returns a layer
# rebuilt from tarsplit.output and the commit's files: it must be the blob's
# tar, whose digest is the config's diff_id.
test_expect_success 'tarsplit.output rebuilds each layer tar, built or imported' '
  for repo in streamed imported; do
    for ref in $(ostree --repo=$repo refs | grep -E "^ociimage/[0-9a-f]{64}$"); do
      meta $repo docker.uncompressed_digest "$ref" >/dev/null 2>&1 || continue
      python3 "$SC_SOURCE_DIR/tests/cli/tarsplit.py" $repo "$ref" >rebuilt &&
      echo "$(meta $repo docker.uncompressed_digest "$ref" | tr -d "'\''") $(meta $repo docker.uncompressed_size "$ref" | tr -d "'\''")" >want &&
      diff -u want rebuilt || exit 1
    done || exit 1
  done
'

test_expect_success 'tarsplit.output of an umoci layer (whiteouts, its own tar) rebuilds it too' '
  for i in 0 1; do
    ref="ociimage/$(hex "$(layer_digest $i)")" &&
    python3 "$SC_SOURCE_DIR/tests/cli/tarsplit.py" "$TEST_TMP/repo-bare" "$ref" >rebuilt &&
    echo "$(diff_id $i) $(gzip -dc "$(blob "$(layer_digest $i)")" | wc -c)" >want &&
    diff -u want rebuilt || exit 1
  done
'

test_expect_success 'build --format ostree refuses a name that is not UTF-8 and moves no branch' '
  refs_of streamed >before &&
  printf x >"odd/rootfs/etc/bad$(printf "\377")" &&
  expect_exit 1 sc_build build odd --format ostree --repo streamed --tag svc:9 &&
  expect_grep "is not UTF-8, which OSTree requires" "$TEST_TMP/.stderr" &&
  refs_of streamed >after && diff -u before after &&
  rm "odd/rootfs/etc/bad$(printf "\377")"
'

# inspect_same FIELDS A B: two inspect --json documents agree on the fields.
inspect_same() {
  python3 - "$@" <<'PY'
import json, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
for k in ("digest", "config_digest", "labels", "exports", "layers", "size"):
    assert a[k] == b[k], (k, a[k], b[k])
PY
}

test_expect_success 'inspect reads an ostree: image as it reads its OCI source, whiteouts too' '
  umoci unpack --image img.oci:svc:1 b3 >/dev/null &&
  rm b3/rootfs/exports/tmpfiles.template &&
  umoci repack --image img.oci:svc:3 b3 &&
  sc_build import oci:img.oci:svc:3 --repo insp-repo >/dev/null 2>&1 &&
  sc_build import oci:img.oci:svc:1 --repo insp-repo >/dev/null 2>&1 &&
  sc_build --json inspect ostree:svc:1@insp-repo >o1.json &&
  sc_build --json inspect oci:img.oci:svc:1 >i1.json && inspect_same o1.json i1.json &&
  sc_build --json inspect ostree:svc:3@insp-repo >o3.json &&
  sc_build --json inspect oci:img.oci:svc:3 >i3.json && inspect_same o3.json i3.json &&
  test "$(jq -r ".exports[\"tmpfiles.template\"]" o3.json)" = false &&
  test "$(jq -r ".exports[\"manifest.json\"]" o3.json)" = true &&
  test "$(jq -r .transport o3.json)" = ostree
'

test_expect_success 'build --format ostree without --repo is a usage error' '
  expect_exit 2 sc_build build proj --format ostree &&
  expect_grep "go together" "$TEST_TMP/.stderr"
'

test_done
