#!/usr/bin/env bash
# t0440-atomic-interop: sc-build renders a deployment as atomic
# (projectatomic/atomic, Atomic/syscontainers.py) does, and each manages
# what the other installed.  The tests that always run compare sc-build
# with tests/atomic/fixtures, what atomic's own code wrote for the test
# images of tests/atomic; with SC_ATOMIC_SRC naming a checkout of atomic
# (tests/atomic/README.md), more run atomic's code itself.
. "$SC_SOURCE_DIR/tests/cli/lib.sh"
. "$SC_SOURCE_DIR/tests/atomic/common.sh"
test_require ostree

A=var/lib/containers/atomic
FIXTURES=$ATOMIC_TESTS/fixtures
REPO=$TEST_TMP/repo
# Where atomic keeps its images; sc-build finds an atomic install's image
# there as atomic does.
export ATOMIC_OSTREE_REPO=$REPO
set_args() { local kv; for kv in $ATOMIC_TEST_VALUES "$@"; do printf -- '--set %s\n' "$kv"; done; }
fixture() { python3 "$ATOMIC_TESTS/fixture.py" "$@"; }
# The root R, as atomic would have left it: compare it with a fixture.
same_as() { rm -rf "snap-$1" && atomic_snapshot "$1" "snap-$1" && fixture compare "$FIXTURES/$2" "snap-$1"; }
gone() {
  [ ! -e "$1/$A/$2" ] && [ ! -e "$1/$A/$2.0" ] && [ ! -e "$1/$A/$2.1" ] &&
    [ ! -e "$1/etc/systemd/system/$2.service" ] && [ ! -e "$1/etc/tmpfiles.d/$2.conf" ]
}

test_lazy_prereq ATOMIC '[ -f "${SC_ATOMIC_SRC:-}/Atomic/syscontainers.py" ] && atomic_python'
if ! test_have_prereq ATOMIC; then
  echo "# atomic's own code does not run here: it needs SC_ATOMIC_SRC (tests/atomic/README.md)" \
    "and python3-gi, gir1.2-ostree-1.0, python3-selinux, python3-yaml"
fi

test_expect_success 'setup: the test images, the ones the fixtures were recorded from' '
  atomic_test_images "$REPO" &&
  for f in render/$A/web.0 install/$A/hw.0; do
    python3 -c "import json, sys; print(json.load(open(sys.argv[1]))[\"ostree-commit\"])" "$FIXTURES/$f/info" || exit 1
  done >recorded &&
  ostree --repo="$REPO" rev-parse ociimage/svc_3A1 >built &&
  ostree --repo="$REPO" rev-parse ociimage/hello_3A1 >>built &&
  { cmp recorded built || { echo "the test images changed: record the fixtures again (tests/atomic/README.md)" && false; }; }
'

# atomic's prefix install is its packaging mode: it writes the unit and
# tmpfiles file to usr/lib and makes no NAME link; sc-build's --root
# installs as atomic does on a host, to etc and with the link.  The rest is
# the same, byte for byte (info: the same keys, values and types).
test_expect_success '--root R renders as atomic renders with its install prefix R (fixture)' '
  sc_build install ostree:svc:1@"$REPO" --name web --root sc-root $(set_args RECEIVER=Mars) >/dev/null &&
  atomic_snapshot sc-root snap &&
  [ "$(readlink snap/$A/web)" = web.0 ] && rm snap/$A/web &&
  mkdir -p snap/usr/lib/systemd/system snap/usr/lib/tmpfiles.d &&
  mv snap/etc/systemd/system/web.service snap/usr/lib/systemd/system/ &&
  mv snap/etc/tmpfiles.d/web.conf snap/usr/lib/tmpfiles.d/ &&
  fixture compare "$FIXTURES/render" snap &&
  grep_q -x "receiver=Mars" sc-root/etc/svc/greeting.conf &&
  expect_grep "^WorkingDirectory=/$A/web.0$" "sc-root/$A/web.0/web.service"
'

test_expect_success 'info holds HOST_UID and HOST_GID as numbers, as atomic writes them' '
  python3 -c "
import json, os, sys
for path, uid, gid in ((sys.argv[1], os.getuid(), os.getgid()), (sys.argv[2], 0, 0)):
    v = json.load(open(path))[\"values\"]
    assert v[\"HOST_UID\"] == uid and v[\"HOST_GID\"] == gid, (path, v)
" "sc-root/$A/web.0/info" "$FIXTURES/render/$A/web.0/info"
'

test_expect_success 'sc-build installs what atomic installs (fixture)' '
  sc_build install ostree:hello:1@"$REPO" --name hw --root sc-host $(set_args) >/dev/null &&
  same_as sc-host install
'

test_expect_success 'sc-build lists, updates, rolls back and uninstalls what atomic installed (fixture)' '
  fixture restore "$FIXTURES/install" from-atomic "$REPO" &&
  sc_build list --root from-atomic >list &&
  expect_grep "^hw +0 .* hello:1$" list &&
  sc_build update hw --root from-atomic --set RECEIVER=Moon >/dev/null 2>&1 &&
  same_as from-atomic update &&
  sc_build rollback hw --root from-atomic >/dev/null 2>&1 &&
  same_as from-atomic rollback &&
  sc_build uninstall hw --root from-atomic >/dev/null 2>&1 &&
  gone from-atomic hw
'

test_expect_success ATOMIC 'the fixtures are what atomic records now' '
  mkdir record && (cd record && atomic_record "$PWD/out") &&
  diff -r --no-dereference "$FIXTURES" record/out
'

test_expect_success ATOMIC 'sc-build updates, rolls back and uninstalls what atomic installed (atomic)' '
  atomic install "$PWD/live-atomic" hw hello:1 $ATOMIC_TEST_VALUES >/dev/null &&
  sc_build update hw --root live-atomic --set RECEIVER=Moon >/dev/null 2>&1 &&
  [ "$(readlink live-atomic/$A/hw)" = hw.1 ] &&
  grep_q "RECEIVER=Moon" live-atomic/$A/hw.1/config.json &&
  sc_build rollback hw --root live-atomic >/dev/null 2>&1 &&
  [ "$(readlink live-atomic/$A/hw)" = hw.0 ] &&
  cmp live-atomic/$A/hw.0/hw.service live-atomic/etc/systemd/system/hw.service &&
  sc_build uninstall hw --root live-atomic >/dev/null 2>&1 &&
  gone live-atomic hw
'

# renameFiles applied from the root down on the path renamed so far
# (atomic's _do_rename_path): a renamed directory carries its files, a key
# under its old name is not used and one under its new name renames
# further.  The host files of both installs are the same.
test_expect_success ATOMIC 'nested renameFiles put the host files where atomic puts them (atomic)' '
  rm -rf image-nest && cp -R "$ATOMIC_TESTS/svc" image-nest &&
  mkdir -p image-nest/rootfs/usr/bin &&
  python3 "$ATOMIC_TESTS/tiny-elf.py" >image-nest/rootfs/usr/bin/hello &&
  chmod 755 image-nest/rootfs/usr/bin/hello &&
  echo extra >image-nest/hostfs/etc/app/extra.conf &&
  python3 -c "
import json, sys
m = json.load(open(sys.argv[1]))
m[\"renameFiles\"] = {\"/etc/app\": \"\$CONF_DIRECTORY/\$NAME-dir\",
                    \"/etc/app/app.conf\": \"/etc/ignored/app.conf\",
                    \"/etc/web-dir/extra.conf\": \"/etc/chained.conf\"}
json.dump(m, open(sys.argv[1], \"w\"))
" image-nest/manifest.json &&
  sc_build build image-nest --format ostree --repo "$REPO" --tag nest:1 -q &&
  atomic render "$PWD/atomic-nest" web nest:1 $ATOMIC_TEST_VALUES >/dev/null &&
  sc_build install ostree:nest:1@"$REPO" --name web --root sc-nest $(set_args) >/dev/null &&
  (cd atomic-nest && find etc -type f ! -path "etc/systemd/*" ! -path "etc/tmpfiles.d/*" | LC_ALL=C sort) >atomic.files &&
  (cd sc-nest && find etc -type f ! -path "etc/systemd/*" ! -path "etc/tmpfiles.d/*" | LC_ALL=C sort) >sc.files &&
  printf "%s\n" etc/chained.conf etc/svc/greeting.conf etc/web-dir/app.conf >want.files &&
  diff -u want.files atomic.files &&
  diff -u atomic.files sc.files
'

test_expect_success ATOMIC 'atomic updates, rolls back and uninstalls what sc-build installed (atomic)' '
  sc_build install ostree:hello:1@"$REPO" --name hw --root live-sc $(set_args) >/dev/null 2>&1 &&
  atomic update "$PWD/live-sc" hw RECEIVER=Venus >/dev/null &&
  [ "$(basename "$(readlink live-sc/$A/hw)")" = hw.1 ] &&
  grep_q "RECEIVER=Venus" live-sc/$A/hw.1/config.json &&
  atomic rollback "$PWD/live-sc" hw >/dev/null &&
  [ "$(basename "$(readlink live-sc/$A/hw)")" = hw.0 ] &&
  atomic uninstall "$PWD/live-sc" hw &&
  gone live-sc hw
'

test_done
