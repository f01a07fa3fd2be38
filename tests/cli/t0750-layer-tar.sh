#!/bin/bash
# t0750-layer-tar: each layer entry is a plain ustar header unless ustar
# cannot hold it (a name too long for its fields: a pax path record; a
# non-ASCII name: its bytes under hdrcharset=BINARY), for that entry alone,
# so GNU tar lists an ASCII tree without a warning, and the bytes do not
# depend on the user's locale.
. "$SC_SOURCE_DIR/tests/cli/lib.sh"
test_require tar python3

test_make_project hw hw >/dev/null
# A name of 120 bytes: more than ustar's 100-byte name field, and no '/'
# to split it at into its 155-byte prefix.
long=$(printf 'd%.0s' $(seq 120))
mkdir -p hw/rootfs/etc && echo x >"hw/rootfs/etc/$long"

# The layer blobs of a layout, base first.
layers() { python3 -c "
import json,sys
i=json.load(open(sys.argv[1]+'/index.json'))
m=json.load(open(sys.argv[1]+'/blobs/sha256/'+i['manifests'][0]['digest'][7:]))
print('\n'.join(sys.argv[1]+'/blobs/sha256/'+l['digest'][7:] for l in m['layers']))" "$1"; }

test_expect_success 'GNU tar lists every layer without a warning; a pax record only for the long name' '
  sc_build build hw -o hw.oci >/dev/null 2>&1 &&
  layers hw.oci >layers.txt &&
  for l in $(cat layers.txt); do
    LC_ALL=C tar -tvzf "$l" >list 2>warnings &&
    test ! -s warnings || { cat warnings; exit 1; }
  done &&
  rootfs=$(head -1 layers.txt) &&
  LC_ALL=C tar -tzf "$rootfs" >names &&
  grep_q "^usr/bin/hello-server$" names &&
  grep_q "^etc/$long$" names &&
  python3 - "$rootfs" <<-\PY
	import sys, tarfile
	with tarfile.open(sys.argv[1]) as t:
	    pax = [m.name for m in t.getmembers() if m.pax_headers]
	assert pax == ["etc/" + "d" * 120], pax
	PY
'

test_expect_success 'a non-ASCII name keeps its bytes under hdrcharset=BINARY, in that entry alone' '
  echo y >"hw/rootfs/caf$(printf "\\303\\251")" && echo z >"hw/rootfs/bin$(printf "\\377")" &&
  sc_build build hw -o odd.oci >/dev/null 2>&1 &&
  layers odd.oci >layers.txt && rootfs=$(head -1 layers.txt) &&
  python3 - "$rootfs" <<-\PY
	import sys, tarfile
	with tarfile.open(sys.argv[1], encoding="utf-8", errors="surrogateescape") as t:
	    binary = sorted(m.name for m in t.getmembers() if m.pax_headers.get("hdrcharset") == "BINARY")
	    others = [m.name for m in t.getmembers() if m.pax_headers and m.name not in binary]
	assert binary == ["bin\udcff", "caf\u00e9"], binary
	assert others == ["etc/" + "d" * 120], others
	PY
'

test_expect_success 'the layer bytes do not depend on the locale' '
  LANG=C.UTF-8 LC_ALL=C.UTF-8 sc_build build hw -o u.oci --no-cache >/dev/null 2>&1 &&
  LANG=C LC_ALL=C sc_build build hw -o c.oci --no-cache >/dev/null 2>&1 &&
  layers u.oci >u.txt && layers c.oci >c.txt &&
  test "$(xargs sha256sum <u.txt | cut -d" " -f1)" = "$(xargs sha256sum <c.txt | cut -d" " -f1)"
'

test_done
