#!/bin/bash
# t0740-metadata: what `sc-build build` says about an image as the
# containers tools say it: labels with any key, annotations (given, the
# base's and its layers', base.name and base.digest), tags by the OCI
# ref-name grammar, and platforms normalised as containers/image does.
. "$SC_SOURCE_DIR/tests/cli/lib.sh"
test_require skopeo python3

json_get() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }
# The manifest and the index.json entry of the only image of a layout.
manifest() { skopeo inspect --raw "oci:$1" >"$2"; }
entry() { python3 -c "import json,sys; print(json.dumps(json.load(open(sys.argv[1]+'/index.json'))['manifests'][0]))" "$1" >"$2"; }

test_make_project hw hw >/dev/null
mkdir -p top/rootfs/etc && echo top >top/rootfs/etc/top.conf &&
  cp hw/*.template hw/manifest.json top/ && printf '{"name": "top", "tag": "1"}\n' >top/sc-build.json

test_expect_success 'labels take any key without =: atomic.run, org.opencontainers.image.source' '
  sc_build build hw -o l.oci --label atomic.run=once \
    --label org.opencontainers.image.source=https://example.com/hw.git --label "odd key=a=b" >/dev/null 2>&1 &&
  sc_build inspect --json oci:l.oci >l.json &&
  test "$(json_get l.json "d[\"labels\"][\"atomic.run\"]")" = once &&
  test "$(json_get l.json "d[\"labels\"][\"org.opencontainers.image.source\"]")" = https://example.com/hw.git &&
  test "$(json_get l.json "d[\"labels\"][\"odd key\"]")" = a=b &&
  expect_exit 2 sc_build build hw -o x.oci --label =v &&
  expect_grep "non-empty KEY" "$TEST_TMP/.stderr" &&
  expect_exit 2 sc_build build hw -o x.oci --label novalue
'

test_expect_success '--annotation goes on the manifest; a base-less image names no base' '
  sc_build build hw -o base.oci --annotation org.example.keep=yes \
    --annotation org.opencontainers.image.source=https://example.com >/dev/null 2>&1 &&
  manifest base.oci m.json &&
  test "$(json_get m.json "d[\"annotations\"][\"org.example.keep\"]")" = yes &&
  test "$(json_get m.json "\"org.opencontainers.image.base.name\" in d[\"annotations\"]")" = False &&
  expect_exit 2 sc_build build hw -o x.oci --annotation nokey
'

test_expect_success 'built --from: base.name as typed, base.digest, the base manifest and layer annotations kept' '
  python3 - <<-\PY &&
	import hashlib, json
	idx = json.load(open("base.oci/index.json"))
	d = idx["manifests"][0]
	m = json.load(open("base.oci/blobs/sha256/" + d["digest"][7:]))
	m["layers"][0]["annotations"] = {"org.example.layer": "first"}
	data = json.dumps(m, sort_keys=True, separators=(",", ":")).encode()
	h = hashlib.sha256(data).hexdigest()
	open("base.oci/blobs/sha256/" + h, "wb").write(data)
	d["digest"], d["size"] = "sha256:" + h, len(data)
	json.dump(idx, open("base.oci/index.json", "w"))
	PY
  base_digest=$(json_get base.oci/index.json "d[\"manifests\"][0][\"digest\"]") &&
  sc_build build top --from oci:base.oci -o top.oci >/dev/null 2>&1 &&
  manifest top.oci t.json &&
  test "$(json_get t.json "d[\"annotations\"][\"org.opencontainers.image.base.name\"]")" = oci:base.oci &&
  test "$(json_get t.json "d[\"annotations\"][\"org.opencontainers.image.base.digest\"]")" = "$base_digest" &&
  test "$(json_get t.json "d[\"annotations\"][\"org.example.keep\"]")" = yes &&
  test "$(json_get t.json "d[\"layers\"][0][\"annotations\"][\"org.example.layer\"]")" = first &&
  sc_build build top --from oci:base.oci -o top2.oci --annotation org.example.keep=no >/dev/null 2>&1 &&
  manifest top2.oci t2.json &&
  test "$(json_get t2.json "d[\"annotations\"][\"org.example.keep\"]")" = no
'

test_expect_success '--tag follows the OCI ref-name grammar: usage errors before any work' '
  for t in "Bad Tag!" "ok:" ":x" "a//b:1" ""; do
    expect_exit 2 sc_build build hw -o x.oci --tag "$t" &&
    expect_grep "not a valid image reference" "$TEST_TMP/.stderr" || exit 1
  done &&
  test ! -e x.oci &&
  sc_build build hw -o t.oci --tag example.com/ns/hw:v1.0 >/dev/null 2>&1 &&
  skopeo inspect oci:t.oci:example.com/ns/hw:v1.0 >/dev/null
'

# "OS ARCH VARIANT" of a config or a descriptor's platform (JSON file).
plat() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); d=d.get('platform', d); print(d['os'], d['architecture'], d.get('variant', '-'))" "$1"; }

test_expect_success '--arch, --os, --variant and --platform are normalised as containers/image does' '
  check() { # ARGS... -> the config'"'"'s platform, then the index entry'"'"'s
    rm -rf p.oci && sc_build build hw -o p.oci "$@" >/dev/null 2>&1 &&
    skopeo inspect --config oci:p.oci >c.json && entry p.oci e.json &&
    echo "$(plat c.json) $(plat e.json)"
  } &&
  test "$(check --arch x86_64)" = "linux amd64 - linux amd64 -" &&
  test "$(check --arch aarch64)" = "linux arm64 - linux arm64 -" &&
  test "$(check --arch arm/v7)" = "linux arm v7 linux arm v7" &&
  test "$(check --arch arm --variant 7)" = "linux arm v7 linux arm v7" &&
  test "$(check --platform linux/arm64/v8)" = "linux arm64 - linux arm64 -" &&
  test "$(check --platform linux/armhf)" = "linux arm v7 linux arm v7" &&
  test "$(check --os LINUX --arch amd64)" = "linux amd64 - linux amd64 -" &&
  expect_exit 2 sc_build build hw -o x.oci --platform linux &&
  expect_exit 2 sc_build build hw -o x.oci --arch arm/v7 --variant v6 &&
  expect_exit 2 sc_build build hw -o x.oci --arch "x 86"
'

test_expect_success 'inspect names the variant of a one-platform image, as its config does' '
  sc_build build hw -o v7.oci --platform linux/arm/v7 >/dev/null 2>&1 &&
  sc_build inspect oci:v7.oci >v7.txt &&
  grep_q -x "Platform:      linux/arm/v7" v7.txt &&
  sc_build inspect --json oci:v7.oci >v7.json &&
  test "$(json_get v7.json "d[\"variant\"]")" = v7 &&
  python3 "$SC_SOURCE_DIR/tests/cli/check-schema.py" "$SC_SOURCE_DIR/docs/schemas/inspect.schema.json" v7.json &&
  sc_build inspect --json oci:p.oci >amd.json &&
  test "$(json_get amd.json "\"variant\" in d")" = False
'

test_expect_success 'a platform other than the base'"'"'s is an error unless forced; the base'"'"'s is kept' '
  sc_build build hw -o armbase.oci --arch arm/v7 >/dev/null 2>&1 &&
  sc_build build top --from oci:armbase.oci -o same.oci >/dev/null 2>&1 &&
  skopeo inspect --config oci:same.oci >s.json &&
  test "$(plat s.json)" = "linux arm v7" &&
  sc_build build top --from oci:armbase.oci -o same2.oci --arch armhf >/dev/null 2>&1 &&
  expect_exit 2 sc_build build top --from oci:armbase.oci -o x.oci --arch arm64 &&
  expect_grep "base image oci:armbase.oci is for linux/arm/v7, not linux/arm64.*--force-platform" "$TEST_TMP/.stderr" &&
  sc_build build top --from oci:armbase.oci -o forced.oci --arch arm64 --force-platform >/dev/null 2>&1 &&
  skopeo inspect --config oci:forced.oci >f.json &&
  test "$(plat f.json)" = "linux arm64 -"
'

test_done
