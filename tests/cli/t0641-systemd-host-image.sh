#!/usr/bin/env bash
# t0641-systemd-host-image: `sc-build test --systemd --host IMAGE` unpacks
# the image's rootfs once into the cache (keyed by its manifest digest),
# boots it as it boots a --host DIR, reuses it on the next run (two runs
# at once unpack it once: the second waits for the first), and refuses
# a value that is neither a directory nor a readable image with /sbin/init.
#
# The image is t0640's cached bookworm host as one uncompressed layer of an
# oci: layout (a second or two to write, where gzip would take half a
# minute); the host is made as t0640 makes it when it is not cached yet.
. "$SC_SOURCE_DIR/tests/cli/lib.sh"
test_require runc python3 curl tar sha256sum
. "$SC_SOURCE_DIR/tests/cli/systemd-host.sh"
# Where --host IMAGE is unpacked: this script's own cache (lib.sh's).
UNPACKED=$XDG_CACHE_HOME/sc-build/systemd-host

# mk_host_layout LAYOUT TAG DIR: an oci: layout holding one image tagged
# TAG whose only layer is DIR, an uncompressed tar; prints the manifest's
# hex digest.
blob() { # FILE LAYOUT: moved into LAYOUT's blobs under its digest, printed
  local hex
  hex=$(sha256sum <"$1" | cut -d" " -f1) && mv "$1" "$2/blobs/sha256/$hex" && echo "$hex"
}
mk_host_layout() {
  local layout=$1 tag=$2 dir=$3 layer config manifest
  mkdir -p "$layout/blobs/sha256" &&
  tar -C "$dir" --numeric-owner --xattrs -cf "$layout/layer" . &&
  layer=$(blob "$layout/layer" "$layout") &&
  printf '{"architecture":"amd64","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
    "$layer" >"$layout/config" &&
  local config_size layer_size
  config_size=$(stat -c %s "$layout/config") && config=$(blob "$layout/config" "$layout") &&
  layer_size=$(stat -c %s "$layout/blobs/sha256/$layer") &&
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%d}]}' \
    "$config" "$config_size" "$layer" "$layer_size" >"$layout/manifest" &&
  local manifest_size
  manifest_size=$(stat -c %s "$layout/manifest") && manifest=$(blob "$layout/manifest" "$layout") &&
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%d,"annotations":{"org.opencontainers.image.ref.name":"%s"}}]}' \
    "$manifest" "$manifest_size" "$tag" >"$layout/index.json" &&
  printf '{"imageLayoutVersion":"1.0.0"}' >"$layout/oci-layout" &&
  echo "$manifest"
}

test_expect_success 'setup: hello-world, the cached host (made when missing) as an oci: image' '
  sc_build init hello-world >/dev/null 2>&1 &&
  if [ ! -d "$TEMPLATE" ]; then
    XDG_CACHE_HOME=$HOST_CACHE PATH=$PATH:/usr/sbin:/sbin \
      sc_build test hello-world --systemd --set PORT=$(test_free_port) >/dev/null 2>&1
  fi &&
  test -L "$TEMPLATE/sbin/init" &&
  hex=$(mk_host_layout host.oci bookworm "$TEMPLATE") &&
  echo "$hex" >manifest-hex &&
  expect_grep "^[0-9a-f]{64}$" manifest-hex &&
  expect_grep "\"sha256:$hex\"" host.oci/index.json &&
  mkdir -p no-init/etc && echo no-init >no-init/etc/hostname &&
  mk_host_layout no-init.oci plain no-init >/dev/null
'

test_expect_success '--host oci:LAYOUT:TAG is unpacked once into the cache, by two runs at once too' '
  hex=$(cat manifest-hex) && p1=$(test_free_port) && p2=$(test_free_port) &&
  { sc_build test hello-world --systemd --host "oci:$TEST_TMP/host.oci:bookworm" \
      --set PORT=$p1 --set RECEIVER=Img$$ >out1 2>err1 & } && first=$! &&
  sc_build test hello-world --systemd --host "oci:$TEST_TMP/host.oci:bookworm" \
    --set PORT=$p2 --set RECEIVER=Img$$ >out2 2>err2 &&
  wait $first &&
  expect_grep "^PASS http http://127.0.0.1:$p1/" out1 &&
  expect_grep "^PASS http http://127.0.0.1:$p2/" out2 &&
  expect_grep "^PASS: 1 of 1 probes passed" out1 &&
  expect_grep "^PASS: 1 of 1 probes passed" out2 &&
  cat err1 err2 >err &&
  test "$(grep -cE "^unpacking the systemd host oci:$TEST_TMP/host.oci:bookworm into $UNPACKED/sha256-$hex \(once: it is cached\)$" err)" = 1 &&
  test "$(grep -cE "^using the systemd host oci:$TEST_TMP/host.oci:bookworm unpacked before into $UNPACKED/sha256-$hex$" err)" = 1 &&
  test "$(grep -cE "^booting systemd in an overlay of $UNPACKED/sha256-$hex$" err)" = 2 &&
  expect_grep "^systemctl start hello-world-test-[0-9a-f]+\.service" err &&
  test -L "$UNPACKED/sha256-$hex/sbin/init" &&
  test "$(ls -A "$UNPACKED")" = "sha256-$hex" &&
  stat -c %i "$UNPACKED/sha256-$hex" >inode &&
  nothing_left RECEIVER=Img$$
'

test_expect_success 'a second run reuses the unpacked host' '
  hex=$(cat manifest-hex) && port=$(test_free_port) &&
  sc_build test hello-world --systemd --host "oci:$TEST_TMP/host.oci:bookworm" \
    --set PORT=$port --set RECEIVER=Again$$ >out 2>err &&
  expect_grep "^PASS: 1 of 1 probes passed" out &&
  expect_grep "^using the systemd host oci:$TEST_TMP/host.oci:bookworm unpacked before into $UNPACKED/sha256-$hex$" err &&
  ! grep_q "^unpacking" err &&
  test "$(stat -c %i "$UNPACKED/sha256-$hex")" = "$(cat inode)" &&
  test "$(ls -A "$UNPACKED")" = "sha256-$hex" &&
  nothing_left RECEIVER=Again$$
'

test_expect_success 'a value that is neither a directory nor a reference is refused as typed' '
  expect_exit 2 sc_build test hello-world --host no-such-dir --set RECEIVER=Typo$$ &&
  expect_grep "^sc-build: error: --host .no-such-dir. is neither a directory nor an image reference: give the directory of a Debian root with /sbin/init, or an image of one as oci:PATH" "$TEST_TMP/.stderr" &&
  expect_exit 2 sc_build test hello-world --host foo:bar --set RECEIVER=Typo$$ &&
  expect_grep "^sc-build: error: --host .foo:bar. is neither a directory nor a valid image reference \(.*unknown transport .foo:.*\): give the directory of a Debian root" "$TEST_TMP/.stderr" &&
  nothing_left RECEIVER=Typo$$
'

test_expect_success 'an image that cannot be read is named as typed, with what --host takes' '
  expect_exit 1 sc_build test hello-world --host "oci:$TEST_TMP/host.oci:nosuch" --set RECEIVER=NoTag$$ &&
  expect_grep "^sc-build: error: --host .oci:$TEST_TMP/host.oci:nosuch. is not a directory, and not an image that can be read \(--host takes a Debian root DIR with /sbin/init, or an IMAGE of one\): .*has no image tagged .nosuch." "$TEST_TMP/.stderr" &&
  nothing_left RECEIVER=NoTag$$
'

test_expect_success 'an image without /sbin/init is refused and not kept in the cache' '
  hex=$(cat manifest-hex) &&
  expect_exit 1 sc_build test hello-world --host "oci:$TEST_TMP/no-init.oci:plain" --set RECEIVER=NoInit$$ &&
  expect_grep "^sc-build: error: oci:$TEST_TMP/no-init.oci:plain is not a systemd host: it has no /sbin/init" "$TEST_TMP/.stderr" &&
  test "$(ls -A "$UNPACKED")" = "sha256-$hex" &&
  nothing_left RECEIVER=NoInit$$
'

test_done
