#!/usr/bin/env bash
# t0510-ostree-escapes: an image's layers must not reach outside the rootfs
# through `import` and `install ostree:` any more than through `install oci:`
# (runtime/unpack.h): a symlink a lower layer made is never written or
# whiteout-deleted through (a layer's directory replaces it, as in
# containerd; an OCI entry below it whose directory the layer does not list
# is refused), and every name from an image is a name (not empty, not `.`
# or `..`, no `/`), checked before libostree sees it.
# The layers are crafted entry by entry with tests/cli/mklayout.py.
. "$SC_SOURCE_DIR/tests/cli/lib.sh"
test_require ostree python3 jq

A=var/lib/containers/atomic
ROOT=$TEST_TMP/root
HOST=$TEST_TMP/host
mkdir -p "$ROOT/etc/systemd/system" "$ROOT/etc/tmpfiles.d" "$ROOT/$A"

# layout DIR REF <<SPEC: an OCI layout holding REF, layers from the JSON spec.
layout() {
  cat >"$1.json" &&
    python3 "$SC_SOURCE_DIR/tests/cli/mklayout.py" "$1" "$2" "$1.json"
}
# The digest (hex) of layer N (0-based) of the image in layout DIR.
layer_hex() {
  local m &&
    m=$(jq -r '.manifests[0].digest' "$1/index.json") &&
    jq -r ".layers[$2].digest" "$1/blobs/sha256/${m#sha256:}" | cut -d: -f2
}
install_from() {
  sc_build install "$1" --root "$ROOT" --name "$2" --no-systemd-cgroup
}
# The host directory as the test left it: a victim file and one to keep.
reset_host() {
  rm -rf "$HOST" && mkdir -p "$HOST" && echo original >"$HOST/victim" && echo keep >"$HOST/keep"
}
host_untouched() {
  [ "$(ls "$HOST" | tr '\n' ' ')" = "keep victim " ] &&
    [ "$(cat "$HOST/victim")" = original ] && [ "$(cat "$HOST/keep")" = keep ]
}

# Every image here is a system image: layer 1 holds a project's exports.
test_make_project proj svc
EXPORTS=$(for f in config.json.template manifest.json service.template tmpfiles.template; do
  printf '{"path": "exports/%s", "src": "proj/%s"}, ' "$f" "$f"
done)

# Layer 2 writes below esc, which layer 1 made a symlink to the host
# directory: without listing esc itself (write), listing it as a directory
# (writedir), or with a whiteout (whiteout).
layout write.oci esc:1 <<EOF
[ [ $EXPORTS {"path": "esc", "type": "symlink", "target": "$HOST"} ],
  [ {"path": "esc/planted", "data": "planted\n"},
    {"path": "esc/victim", "data": "overwritten\n"} ] ]
EOF
layout writedir.oci esc:3 <<EOF
[ [ $EXPORTS {"path": "esc", "type": "symlink", "target": "$HOST"} ],
  [ {"path": "esc", "type": "dir"},
    {"path": "esc/planted", "data": "planted\n"},
    {"path": "esc/victim", "data": "overwritten\n"} ] ]
EOF
layout whiteout.oci esc:2 <<EOF
[ [ $EXPORTS {"path": "esc", "type": "symlink", "target": "$HOST"} ],
  [ {"path": "esc/.wh.keep"} ] ]
EOF

# The rootfs of deployment $1 holds esc as a directory with what layer 2 wrote.
esc_is_a_directory() {
  local r=$ROOT/$A/$1.0/rootfs &&
    [ -d "$r/esc" ] && [ ! -L "$r/esc" ] &&
    [ "$(cat "$r/esc/planted")" = planted ] && [ "$(cat "$r/esc/victim")" = overwritten ]
}

test_expect_success 'import stores the images: each layer alone is harmless' '
  for i in write:1 writedir:3 whiteout:2; do
    sc_build import "oci:${i%%:*}.oci:esc:${i#*:}" --repo repo >/dev/null || exit 1
  done &&
  ostree --repo=repo refs | grep_q -x "ociimage/esc_3A3"
'

test_expect_success 'install ostree: the layer directory replaces the symlink; the host is untouched' '
  reset_host &&
  install_from ostree:esc:1@repo w &&
  host_untouched && esc_is_a_directory w &&
  sc_build uninstall w --root "$ROOT" &&
  install_from ostree:esc:3@repo w &&
  host_untouched && esc_is_a_directory w &&
  sc_build uninstall w --root "$ROOT"
'

test_expect_success 'install oci: a layer that lists the directory replaces the symlink too' '
  reset_host &&
  install_from oci:writedir.oci:esc:3 w &&
  host_untouched && esc_is_a_directory w &&
  sc_build uninstall w --root "$ROOT"
'

test_expect_success 'install oci: an entry below the symlink, its directory not listed, is refused' '
  reset_host &&
  expect_exit 1 install_from oci:write.oci:esc:1 w &&
  expect_grep "layer 2 of 2 .*esc/planted.* symlink" "$TEST_TMP/.stderr" &&
  host_untouched &&
  [ ! -e "$ROOT/$A/w" ] && [ ! -e "$ROOT/$A/w.0" ]
'

test_expect_success 'a whiteout below the symlink deletes nothing on the host' '
  reset_host &&
  install_from ostree:esc:2@repo wh &&
  host_untouched &&
  [ -d "$ROOT/$A/wh.0/rootfs/esc" ] && [ -z "$(ls "$ROOT/$A/wh.0/rootfs/esc")" ] &&
  sc_build uninstall wh --root "$ROOT" &&
  expect_exit 1 install_from oci:whiteout.oci:esc:2 wh &&
  expect_grep "layer 2 of 2 .*esc/.wh.keep.* symlink" "$TEST_TMP/.stderr" &&
  host_untouched
'

# Opaque whiteouts: layer 2 hides what layer 1 put in dir (and keeps its
# own c), and one below the symlink esc empties nothing on the host.
layout opaque.oci opq:1 <<EOF
[ [ $EXPORTS {"path": "dir/a", "data": "a"}, {"path": "dir/b", "data": "b"},
    {"path": "esc", "type": "symlink", "target": "$HOST"} ],
  [ {"path": "dir/.wh..wh..opq"}, {"path": "dir/c", "data": "c"},
    {"path": "esc", "type": "dir"}, {"path": "esc/.wh..wh..opq"} ] ]
EOF

test_expect_success 'an opaque whiteout hides the lower layers: oci and ostree alike' '
  reset_host &&
  sc_build import oci:opaque.oci:opq:1 --repo repo >/dev/null &&
  install_from oci:opaque.oci:opq:1 o1 &&
  install_from ostree:opq:1@repo o2 &&
  host_untouched &&
  for n in o1 o2; do
    [ "$(ls "$ROOT/$A/$n.0/rootfs/dir")" = c ] &&
      [ -d "$ROOT/$A/$n.0/rootfs/esc" ] && [ ! -L "$ROOT/$A/$n.0/rootfs/esc" ] &&
      [ -z "$(ls "$ROOT/$A/$n.0/rootfs/esc")" ] || exit 1
  done &&
  sc_build uninstall o1 --root "$ROOT" && sc_build uninstall o2 --root "$ROOT"
'

# One layer: a symlink, then an entry below it.
layout same.oci same:1 <<EOF
[ [ {"path": "esc", "type": "symlink", "target": "$HOST"}, {"path": "esc/planted", "data": "p"} ] ]
EOF

test_expect_success 'import refuses an entry below a symlink of the same layer, as install oci: does' '
  expect_exit 1 sc_build import oci:same.oci:same:1 --repo repo-same &&
  expect_grep "layer 1 of 1 .*esc/planted.* symlink" "$TEST_TMP/.stderr" &&
  expect_exit 1 install_from oci:same.oci:same:1 s &&
  expect_grep "layer 1 of 1 .*esc/planted.* symlink" "$TEST_TMP/.stderr"
'

# An honest image: a Debian-like base with var/run -> /run, and a project
# layer with a file under rootfs/var/run/, every directory listed as
# sc-build and umoci write layers.  The name in /run is this run's own.
RUNDIR=sc-t0510-$$
test_cleanup_add "rm -rf /run/$RUNDIR"
layout varrun.oci varrun:1 <<EOF
[ [ $EXPORTS {"path": "var", "type": "dir"}, {"path": "var/run", "type": "symlink", "target": "/run"} ],
  [ {"path": "var", "type": "dir"}, {"path": "var/run", "type": "dir"},
    {"path": "var/run/$RUNDIR", "type": "dir"}, {"path": "var/run/$RUNDIR/pid", "data": "1\n"} ] ]
EOF

test_expect_success 'a project file under var/run -> /run lands in the rootfs, never in the host /run' '
  sc_build import oci:varrun.oci:varrun:1 --repo repo >/dev/null &&
  for image in ostree:varrun:1@repo oci:varrun.oci:varrun:1; do
    install_from "$image" vr &&
    [ ! -e "/run/$RUNDIR" ] &&
    r=$ROOT/$A/vr.0/rootfs &&
    [ ! -L "$r/var/run" ] && [ "$(cat "$r/var/run/$RUNDIR/pid")" = 1 ] &&
    sc_build uninstall vr --root "$ROOT" || exit 1
  done
'

# Names that are not names.  In a base layer, `keep` and `d/keep` stand
# for what `..` and `.` would empty.
for bad in '.wh...' '.wh..'; do
  layout "bad$bad.oci" bad:1 <<EOF
[ [ {"path": "keep", "data": "k"}, {"path": "d/keep", "data": "k"} ],
  [ {"path": "d/$bad"} ] ]
EOF
  test_expect_success "import refuses the whiteout d/$bad, naming it and its layer" '
    expect_exit 1 sc_build import "oci:bad'"$bad"'.oci:bad:1" --repo "repo'"$bad"'" &&
    expect_grep "layer 2 of 2.*d/'"$bad"'" "$TEST_TMP/.stderr" &&
    [ -z "$(ostree --repo="repo'"$bad"'" refs)" ]
  '
  test_expect_success "install oci: refuses the whiteout d/$bad, naming it and its layer" '
    expect_exit 1 install_from "oci:bad'"$bad"'.oci:bad:1" b &&
    expect_grep "layer 2 of 2.*d/'"$bad"'" "$TEST_TMP/.stderr"
  '
done

layout uplink.oci up:1 <<EOF
[ [ {"path": "f", "data": "x"} ],
  [ {"path": "d/link", "type": "hardlink", "target": ".."} ] ]
EOF

test_expect_success 'import refuses a hard link to .. before libostree sees it (no abort)' '
  expect_exit 1 sc_build import oci:uplink.oci:up:1 --repo repo-up &&
  expect_grep "layer 2 of 2.*d/link" "$TEST_TMP/.stderr"
'

# fuzz-ostree found it: libostree stores names and symlink targets as
# GVariant strings, which must be UTF-8; it stored this one corrupt
# (a GLib-CRITICAL, then ostree fsck: "Corrupted file object").
layout nonutf8.oci nu:1 <<'EOF'
[ [ {"path": "f", "data": "x"} ],
  [ {"path": "esc", "type": "symlink", "target": "caf\udce9"} ] ]
EOF

test_expect_success 'import refuses a symlink target that is not UTF-8, naming entry and layer' '
  expect_exit 1 sc_build import oci:nonutf8.oci:nu:1 --repo repo-nu &&
  expect_grep "layer 2 of 2 .*esc.*UTF-8" "$TEST_TMP/.stderr" &&
  ! grep -q CRITICAL "$TEST_TMP/.stderr" &&
  [ -z "$(ostree --repo=repo-nu refs)" ]
'

# A repository sc-build did not write (another tool, or tampering): layer 2's
# branch replaced by a commit holding whiteouts that are not names.
test_expect_success 'checkout refuses names from a foreign repository, naming entry and layer' '
  for bad in .wh... .wh..; do
    rm -rf tree && mkdir -p tree/d && : >"tree/d/$bad" &&
    rm -rf "foreign$bad" && cp -a repo "foreign$bad" &&
    ostree --repo="foreign$bad" commit --branch="ociimage/$(layer_hex whiteout.oci 1)" \
      --tree=dir=tree --owner-uid=0 --owner-gid=0 >/dev/null &&
    expect_exit 1 install_from "ostree:esc:2@$TEST_TMP/foreign$bad" f &&
    expect_grep "layer 2 of 2.*d/$bad" "$TEST_TMP/.stderr" || exit 1
  done
'

# A later layer replaces a file with a directory, and a directory with a
# file, without a whiteout (as umoci and buildah write such layers): OCI
# order semantics, the same from oci: and ostree:.
layout kind.oci kind:1 <<EOF
[ [ $EXPORTS {"path": "was-file", "data": "file\n"},
    {"path": "was-dir", "type": "dir"}, {"path": "was-dir/old", "data": "old\n"} ],
  [ {"path": "was-file", "type": "dir"}, {"path": "was-file/new", "data": "new\n"},
    {"path": "was-dir", "data": "now a file\n"} ] ]
EOF
kind_replaced() {
  local r=$ROOT/$A/$1.0/rootfs &&
    [ -d "$r/was-file" ] && [ "$(cat "$r/was-file/new")" = new ] &&
    [ -f "$r/was-dir" ] && [ "$(cat "$r/was-dir")" = "now a file" ]
}

test_expect_success 'a layer replaces a file by a directory and back, from oci: and ostree: alike' '
  install_from oci:kind.oci:kind:1 k &&
  kind_replaced k &&
  sc_build uninstall k --root "$ROOT" &&
  sc_build import oci:kind.oci:kind:1 --repo repo >/dev/null &&
  install_from ostree:kind:1@repo k &&
  kind_replaced k &&
  sc_build uninstall k --root "$ROOT"
'

test_done
