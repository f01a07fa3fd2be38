#!/bin/bash
# t0750-layer-tar: each layer entry is a plain ustar header unless ustar
# cannot hold it (a long or non-ASCII name: then a pax record for that
# entry alone), so GNU tar lists layers without a warning, and the bytes
# do not depend on the user's locale.
. "$SC_SOURCE_DIR/tests/cli/lib.sh"
test_require tar python3

test_make_project hw hw >/dev/null
# A name of 120 bytes: more than ustar's 100-byte name field, and no '/'
# to split it at into its 155-byte prefix.
long=$(printf 'd%.0s' $(seq 120))
mkdir -p hw/rootfs/etc && echo x >"hw/rootfs/etc/$long" &&
  echo y >"hw/rootfs/caf$(printf '\303\251')"

# The layer blobs of a layout, base first.
layers() { python3 -c "
import json,sys
i=json.load(open(sys.argv[1]+'/index.json'))
m=json.load(open(sys.argv[1]+'/blobs/sha256/'+i['manifests'][0]['digest'][7:]))
print('\n'.join(sys.argv[1]+'/blobs/sha256/'+l['digest'][7:] for l in m['layers']))" "$1"; }

test_expect_success 'GNU tar lists every layer without a warning; pax records only where needed' '
  sc_build build hw -o hw.oci >/dev/null 2>&1 &&
  for l in $(layers hw.oci); do
    LC_ALL=C tar -tvzf "$l" >list 2>warnings &&
    test ! -s warnings || { cat warnings; exit 1; }
  done &&
  layers hw.oci >layers.txt && rootfs=$(head -1 layers.txt) &&
  LC_ALL=C tar -tzf "$rootfs" >names &&
  grep_q "^usr/bin/hello-server$" names &&
  grep_q "^etc/$long$" names &&
  python3 - "$rootfs" <<-\PY
	import sys, tarfile
	with tarfile.open(sys.argv[1], encoding="utf-8", errors="surrogateescape") as t:
	    pax = sorted(m.name for m in t.getmembers() if m.pax_headers)
	    assert all("hdrcharset" not in m.pax_headers for m in t.getmembers())
	assert pax == ["caf\u00e9", "etc/" + "d" * 120], pax
	PY
'

test_expect_success 'only a name that is not UTF-8 gets hdrcharset=BINARY, and keeps its bytes' '
  echo z >"hw/rootfs/bin$(printf '"'"'\377'"'"')" &&
  sc_build build hw -o bin.oci >/dev/null 2>&1 &&
  layers bin.oci >layers.txt && rootfs=$(head -1 layers.txt) &&
  LC_ALL=C tar -tvzf "$rootfs" >list 2>warnings &&
  test "$(grep -c . warnings)" = 1 &&
  python3 - "$rootfs" <<-\PY
	import sys, tarfile
	with tarfile.open(sys.argv[1], encoding="utf-8", errors="surrogateescape") as t:
	    binary = [m.name for m in t.getmembers() if m.pax_headers.get("hdrcharset") == "BINARY"]
	assert binary == ["bin\udcff"], binary
	PY
'

test_expect_success 'the layer bytes do not depend on the locale' '
  LANG=C.UTF-8 LC_ALL=C.UTF-8 sc_build build hw -o u.oci --no-cache >/dev/null 2>&1 &&
  LANG=C LC_ALL=C sc_build build hw -o c.oci --no-cache >/dev/null 2>&1 &&
  test "$(layers u.oci | xargs sha256sum | cut -d" " -f1)" = "$(layers c.oci | xargs sha256sum | cut -d" " -f1)"
'

test_done
