#!/usr/bin/env bash
# t0305-docker-archive-digest: `build --format docker-archive` reports, in
# its output, --json and --digestfile, the digest that skopeo and podman
# compute for the archive: that of the schema 2 manifest containers/image
# makes up for a docker-archive, which holds no manifest of its own.
. "$SC_SOURCE_DIR/tests/cli/lib.sh"
test_require skopeo python3

json_get() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }
sha256_of() { echo "sha256:$(sha256sum <"$1" | cut -d" " -f1)"; }

# check ARCHIVE BUILD_JSON: the digest sc-build reported is skopeo's.
check() {
  skopeo inspect --raw "docker-archive:$1" >"$1.raw" &&
  skopeo inspect "docker-archive:$1" >"$1.inspect" &&
  want=$(json_get "$1.inspect" "d[\"Digest\"]") &&
  test "$want" = "$(sha256_of "$1.raw")" &&
  test "$(json_get "$2" "d[\"digest\"]")" = "$want"
}

test_expect_success 'the digest of a docker-archive is skopeo'\''s, in --json and --digestfile' '
  sc_build init hello-world >/dev/null &&
  sc_build --json build hello-world --format docker-archive -o hw.tar --digestfile hw.digest >hw.json &&
  check hw.tar hw.json &&
  echo "$want" | cmp - hw.digest &&
  sc_build build hello-world --format docker-archive -o hw2.tar 2>/dev/null >hw2.out &&
  grep -x "  digest:  $want" hw2.out &&
  sc_build build hello-world -o hw.oci --digestfile oci.digest >/dev/null 2>&1 &&
  test "$(cat oci.digest)" != "$want" &&
  skopeo inspect oci:hw.oci:hello-world:latest >oci.json &&
  test "$(json_get oci.json "d[\"Digest\"]")" = "$(cat oci.digest)"
'

test_expect_success 'it is not the digest of the OCI manifest, which the archive lacks' '
  test "$(json_get hw.tar.raw "d[\"mediaType\"]")" = application/vnd.docker.distribution.manifest.v2+json &&
  test "$(json_get hw.tar.raw "d[\"config\"][\"digest\"]")" = "$(json_get hw.json "d[\"config_digest\"]")" &&
  test "$(json_get hw.tar.raw "d[\"layers\"][0][\"size\"]")" -gt 0
'

test_expect_success 'a base with several layers, one of them twice, and zstd: still skopeo'\''s' '
  cat >base.json <<-\EOF &&
	[[{"path": "a", "data": "one"}],
	 [{"path": "b", "data": "two"}],
	 [{"path": "a", "data": "one"}]]
	EOF
  python3 "$SC_SOURCE_DIR/tests/cli/mklayout.py" base.oci base:1 base.json &&
  sc_build --json build hello-world --from oci:base.oci:base:1 --format docker-archive \
    -o based.tar >based.json &&
  check based.tar based.json &&
  test "$(json_get based.tar.raw "len(d[\"layers\"])")" = 5 &&
  sc_build --json build hello-world --from oci:base.oci:base:1 --format docker-archive \
    --compression zstd -o zstd.tar >zstd.json &&
  check zstd.tar zstd.json &&
  test "$(json_get zstd.json "d[\"digest\"]")" = "$(json_get based.json "d[\"digest\"]")"
'

test_expect_success 'push to a docker-archive reports that digest too, not the config'\''s' '
  sc_build --json push oci:hw.oci:hello-world:latest docker-archive:pushed.tar:hw:1 \
    --digestfile pushed.digest >pushed.json &&
  check pushed.tar pushed.json &&
  echo "$want" | cmp - pushed.digest &&
  test "$want" != "$(json_get pushed.json "d[\"config_digest\"]")"
'

test_lazy_prereq PODMAN '
  command -v podman && [ "$(id -u)" = 0 ] &&
  podman --root "$TEST_TMP/pstore" --runroot "$TEST_TMP/prun" --storage-driver vfs images
'
test_expect_success PODMAN 'podman load gives the image that digest' '
  podman --root "$TEST_TMP/pstore" --runroot "$TEST_TMP/prun" --storage-driver vfs \
    load -i hw.tar >/dev/null &&
  got=$(podman --root "$TEST_TMP/pstore" --runroot "$TEST_TMP/prun" --storage-driver vfs \
    image inspect --format "{{.Digest}}" localhost/hello-world:latest) &&
  test "$got" = "$(json_get hw.json "d[\"digest\"]")"
'

test_done
