#!/bin/bash
# t0760-sbom: `sc-build sbom` writes an SPDX 2.3 document for an image: the
# packages of its dpkg (and apk) database with the versions dpkg-query
# reports for the same tree, every regular file with its sha256, the image
# by its digest; the same image gives the same bytes.
. "$SC_SOURCE_DIR/tests/cli/lib.sh"
test_require dpkg-query python3 sha256sum sha1sum

check() { python3 "$SC_SOURCE_DIR/tests/cli/spdx-check.py" "$@"; }
json_get() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

test_make_project deb deb >/dev/null
mkdir -p deb/rootfs/var/lib/dpkg

test_expect_success 'the dpkg packages of the image, with the versions dpkg-query reports' '
  python3 - /var/lib/dpkg/status deb/rootfs/var/lib/dpkg/status <<-\PY &&
	import re, sys
	stanzas = open(sys.argv[1]).read().split("\n\n")
	keep = [s for s in stanzas if re.search(r"^Package: (base-files|dpkg|tar|libc6)$", s, re.M)
	        and re.search(r"^Status: .* installed$", s, re.M)]
	assert len(keep) >= 3, keep
	open(sys.argv[2], "w").write("\n\n".join(s.strip("\n") for s in keep) + "\n")
	PY
  dpkg-query --admindir=deb/rootfs/var/lib/dpkg -W -f "\${Package} \${Version}\n" >want &&
  test "$(wc -l <want)" -ge 3 &&
  sc_build build deb -o deb.oci >/dev/null 2>&1 &&
  sc_build sbom oci:deb.oci >sbom.json &&
  check sbom.json want &&
  arch=$(dpkg-query --admindir=deb/rootfs/var/lib/dpkg -W -f "\${Architecture}\n" tar) &&
  version=$(dpkg-query --admindir=deb/rootfs/var/lib/dpkg -W -f "\${Version}\n" tar) &&
  test "$(json_get sbom.json "[r[\"referenceLocator\"] for p in d[\"packages\"] if p[\"name\"] == \"tar\" for r in p[\"externalRefs\"]][0]")" = \
    "pkg:deb/debian/tar@$(printf %s "$version" | sed "s/:/%3A/;s/+/%2B/g")?arch=$arch" &&
  json_get sbom.json "[p[\"supplier\"] for p in d[\"packages\"] if p[\"name\"] == \"tar\"][0]" >supplier &&
  expect_grep "^Person: .+ \(.+@.+\)$" supplier
'

test_expect_success 'the SPDX 2.3 schema check can fail: a misspelt key, a wrong version, no SHA1' '
  for change in "d[\"packages\"][0][\"suplier\"] = \"x\"" "d[\"spdxVersion\"] = \"SPDX-2.2\"" \
      "d[\"files\"][0][\"checksums\"] = [c for c in d[\"files\"][0][\"checksums\"] if c[\"algorithm\"] != \"SHA1\"]"; do
    python3 -c "import json, sys; d = json.load(open(\"sbom.json\")); $change; json.dump(d, open(\"mutated.json\", \"w\"))" &&
    expect_exit 1 check mutated.json &&
    expect_grep "^spdx-check: schema: " .stderr || return 1
  done
'

test_expect_success 'the image is the described package, by its manifest digest' '
  digest=$(json_get deb.oci/index.json "d[\"manifests\"][0][\"digest\"]") &&
  test "$(json_get sbom.json "\" \".join(d[\"documentDescribes\"])")" = SPDXRef-Image &&
  ref_name=$(json_get deb.oci/index.json "d[\"manifests\"][0][\"annotations\"][\"org.opencontainers.image.ref.name\"]") &&
  test "$(json_get sbom.json "d[\"name\"]")" = "$ref_name" &&
  test "$(json_get sbom.json "[p[\"versionInfo\"] for p in d[\"packages\"] if p[\"SPDXID\"] == \"SPDXRef-Image\"][0]")" = "$digest" &&
  test "$(json_get sbom.json "d[\"documentNamespace\"]")" = "https://sc-build.invalid/spdxdocs/sha256-${digest#sha256:}" &&
  test "$(json_get sbom.json "len([r for r in d[\"relationships\"] if r[\"relationshipType\"] == \"CONTAINS\"])")" = \
    "$(json_get sbom.json "len(d[\"packages\"]) - 1 + len(d[\"files\"])")"
'

test_expect_success 'every regular file with its sha256 and the sha1 SPDX 2.3 requires' '
  want=$(sha256sum deb/rootfs/usr/bin/hello-server | cut -d" " -f1) &&
  test "$(json_get sbom.json "[c[\"checksumValue\"] for f in d[\"files\"] if f[\"fileName\"] == \"./usr/bin/hello-server\" for c in f[\"checksums\"] if c[\"algorithm\"] == \"SHA256\"][0]")" = "$want" &&
  sha1=$(sha1sum deb/rootfs/usr/bin/hello-server | cut -d" " -f1) &&
  test "$(json_get sbom.json "[c[\"checksumValue\"] for f in d[\"files\"] if f[\"fileName\"] == \"./usr/bin/hello-server\" for c in f[\"checksums\"] if c[\"algorithm\"] == \"SHA1\"][0]")" = "$sha1" &&
  json_get sbom.json "\"\\n\".join(f[\"fileName\"] for f in d[\"files\"])" >names &&
  grep_q -x ./var/lib/dpkg/status names &&
  grep_q -x ./exports/manifest.json names &&
  ! grep_q -x ./usr/bin names
'

test_expect_success 'same image, same bytes; created from SOURCE_DATE_EPOCH, else the image' '
  sc_build sbom oci:deb.oci -o again.json &&
  cmp sbom.json again.json &&
  cp -r deb.oci moved.oci &&
  sc_build sbom "$TEST_TMP/moved.oci" >moved.json &&
  cmp sbom.json moved.json &&
  created=$(json_get deb.oci/blobs/sha256/$(json_get deb.oci/blobs/sha256/$(json_get deb.oci/index.json "d[\"manifests\"][0][\"digest\"][7:]") "d[\"config\"][\"digest\"][7:]") "d[\"created\"]") &&
  test "$(json_get sbom.json "d[\"creationInfo\"][\"created\"]")" = "$(date -u -d "$created" +%Y-%m-%dT%H:%M:%SZ)" &&
  SOURCE_DATE_EPOCH=1700000000 sc_build sbom oci:deb.oci >epoch.json &&
  test "$(json_get epoch.json "d[\"creationInfo\"][\"created\"]")" = 2023-11-14T22:13:20Z &&
  SOURCE_DATE_EPOCH=1700000000 sc_build sbom oci:deb.oci >epoch2.json &&
  cmp epoch.json epoch2.json
'

test_expect_success 'an image built on a base lists the base'"'"'s packages' '
  mkdir -p top/rootfs/etc && echo top >top/rootfs/etc/top.conf &&
  cp deb/*.template deb/manifest.json top/ && printf "{\"name\": \"top\", \"tag\": \"1\"}\n" >top/sc-build.json &&
  sc_build build top --from oci:deb.oci -o top.oci >/dev/null 2>&1 &&
  sc_build sbom oci:top.oci >top.json &&
  check top.json want &&
  json_get top.json "\"\\n\".join(f[\"fileName\"] for f in d[\"files\"])" >top-names &&
  grep_q -x ./etc/top.conf top-names &&
  grep_q -x ./usr/bin/hello-server top-names
'

test_expect_success 'a file a dpkg package owns is the package'"'"'s, not listed again' '
  test_make_project own own >/dev/null &&
  mkdir -p own/rootfs/var/lib/dpkg/info &&
  ln -s usr/bin own/rootfs/bin &&
  printf "Package: sc-demo\nStatus: install ok installed\nArchitecture: amd64\nMulti-Arch: same\nVersion: 1.0\n" >own/rootfs/var/lib/dpkg/status &&
  printf "/.\n/bin\n/bin/hello-server\n/etc/not-there\n" >"own/rootfs/var/lib/dpkg/info/sc-demo:amd64.list" &&
  sc_build build own -o own.oci >/dev/null 2>&1 &&
  sc_build sbom oci:own.oci >own.json &&
  json_get own.json "\"\\n\".join(f[\"fileName\"] for f in d[\"files\"])" >own-names &&
  ! grep_q -x ./usr/bin/hello-server own-names &&
  grep_q -x ./exports/manifest.json own-names &&
  grep_q -x ./var/lib/dpkg/status own-names &&
  printf "/bin/hello-server\nrelative\n" >"own/rootfs/var/lib/dpkg/info/sc-demo:amd64.list" &&
  sc_build build own -o own2.oci >/dev/null 2>&1 &&
  expect_exit 1 sc_build sbom oci:own2.oci &&
  expect_grep "sc-demo:amd64.list:2: not an absolute path" "$TEST_TMP/.stderr"
'

test_expect_success 'apk packages from lib/apk/db/installed, license kept as said' '
  test_make_project apk apk >/dev/null &&
  mkdir -p apk/rootfs/lib/apk/db &&
  printf "C:Q1abc=\nP:musl\nV:1.2.4-r2\nA:x86_64\nm:Timo Teräs <timo.teras@iki.fi>\nL:MIT\n\nP:busybox\nV:1.36.1-r5\nA:x86_64\nL:GPL-2.0-only\n" >apk/rootfs/lib/apk/db/installed &&
  sc_build build apk -o apk.oci >/dev/null 2>&1 &&
  sc_build sbom oci:apk.oci >apk.json &&
  printf "busybox 1.36.1-r5\nmusl 1.2.4-r2\n" >apk-want &&
  check apk.json apk-want &&
  test "$(json_get apk.json "[r[\"referenceLocator\"] for p in d[\"packages\"] if p[\"name\"] == \"musl\" for r in p[\"externalRefs\"]][0]")" = "pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64"
'

test_expect_success 'a hostile status file is refused with its line, nothing written' '
  test_make_project bad bad >/dev/null &&
  mkdir -p bad/rootfs/var/lib/dpkg &&
  printf "Package: ok\nStatus: install ok installed\nVersion: 1\n\nPackage: evil\"name\nStatus: install ok installed\nVersion: 1\n" >bad/rootfs/var/lib/dpkg/status &&
  sc_build build bad -o bad.oci >/dev/null 2>&1 &&
  expect_exit 1 sc_build sbom oci:bad.oci -o bad.json &&
  expect_grep "/var/lib/dpkg/status:5: .*not a valid package name" "$TEST_TMP/.stderr" &&
  ! test -e bad.json
'

test_expect_success 'usage errors' '
  expect_exit 2 sc_build sbom &&
  expect_exit 2 sc_build sbom oci:deb.oci oci:deb.oci &&
  sc_build sbom --help >help &&
  expect_grep "SPDX 2.3" help
'

test_done
