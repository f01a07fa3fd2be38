#!/usr/bin/env bash
# t0410-resources: what an install costs does not grow with the image.  An
# image whose rootfs is 3000 directories deep (paths far beyond PATH_MAX)
# installs, and uninstalls under `ulimit -n 64` (the removal holds a bounded
# number of descriptors, whatever the depth); a 1 GiB sparse hostfs file is
# installed with a bounded resident set (hostfs files are streamed).
. "$SC_SOURCE_DIR/tests/cli/lib.sh"
test_require python3

R=$TEST_TMP/root
A=var/lib/containers/atomic
mkdir -p "$R/etc/systemd/system" "$R/etc/tmpfiles.d" "$R/$A"

# The depth of the d/d/.../d chain under DIR/deep, and its leaf file.
deep_depth() {
  python3 - "$1" <<'PY'
import os, sys
fd, depth = os.open(os.path.join(sys.argv[1], "deep"), os.O_RDONLY), 0
while "d" in os.listdir(fd):
    child = os.open("d", os.O_RDONLY | os.O_NOFOLLOW, dir_fd=fd)
    os.close(fd)
    fd, depth = child, depth + 1
print(depth, "leaf" in os.listdir(fd))
PY
}

test_make_project proj deep
python3 - proj/rootfs <<'PY'
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
os.mkdir("deep", dir_fd=fd)
for name in ["deep"] + ["d"] * 3000:
    if name == "d":
        os.mkdir("d", dir_fd=fd)
    child = os.open(name, os.O_RDONLY, dir_fd=fd)
    os.close(fd)
    fd = child
os.close(os.open("leaf", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd))
PY
sc_build build proj -o img.oci --tag deep:1 >build.log 2>&1 || cat build.log

test_expect_success 'a 3000-deep image installs whole' '
  sc_build install oci:img.oci:deep:1 --name deep --root "$R" &&
  [ "$(deep_depth "$R/$A/deep.0/rootfs")" = "3000 True" ]
'

test_expect_success 'and uninstalls under ulimit -n 64, leaving nothing' '
  (ulimit -n 64 && "$SC_BUILD" uninstall deep --root "$R") &&
  [ ! -e "$R/$A/deep.0" ] && [ ! -L "$R/$A/deep" ] &&
  [ ! -e "$R/etc/systemd/system/deep.service" ] &&
  [ ! -e "$R/etc/deep/greeting.conf" ]
'

# A 1 GiB sparse file in hostfs, with a few bytes of data in it.
test_make_project bigproj big
truncate -s 1G bigproj/hostfs/etc/big/big.img
printf head | dd of=bigproj/hostfs/etc/big/big.img conv=notrunc status=none
printf middle | dd of=bigproj/hostfs/etc/big/big.img bs=1M seek=600 conv=notrunc status=none
sc_build build bigproj -o img.oci --tag big:1 >build.log 2>&1 || cat build.log

test_expect_success 'a 1 GiB hostfs file installs with a bounded resident set' '
  /usr/bin/time -v "$SC_BUILD" install oci:img.oci:big:1 --name big --root "$R" 2>time.log &&
  rss=$(sed -n "s/.*Maximum resident set size (kbytes): //p" time.log) &&
  echo "maximum RSS: $rss KiB" &&
  [ "$rss" -lt 400000 ] &&
  cmp bigproj/hostfs/etc/big/big.img "$R/etc/big/big.img" &&
  "$SC_BUILD" uninstall big --root "$R" &&
  [ ! -e "$R/etc/big/big.img" ]
'

test_expect_success 'a templated hostfs file over 16 MiB is refused by validate, naming it' '
  cp -a bigproj tmplproj &&
  rm tmplproj/hostfs/etc/big/big.img &&
  truncate -s 17M tmplproj/hostfs/etc/big/greeting.conf &&
  sed -i "s|/etc/\${NAME}/greeting.conf|/etc/big/greeting.conf|" tmplproj/manifest.json &&
  grep -q "\"/etc/big/greeting.conf\"" tmplproj/manifest.json &&
  expect_exit 1 sc_build validate tmplproj &&
  expect_grep "hostfs/etc/big/greeting.conf.*installedFilesTemplate.*16 MiB" "$TEST_TMP/.stderr"
'

test_done
