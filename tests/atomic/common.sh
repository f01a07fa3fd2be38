# common.sh: sourced by tests/cli/t0440-atomic-interop.sh and
# record-fixtures.sh, which need SC_BUILD (the sc-build binary) and
# SC_SOURCE_DIR; the atomic_* functions that run atomic's code need
# SC_ATOMIC_SRC (README.md).  Everything is made in the current directory.
ATOMIC_TESTS=$SC_SOURCE_DIR/tests/atomic
ATOMIC_TEST_EPOCH=1600000000
# The values given to both tools: what a random default (UUID) or the
# installer's own path (ATOMIC) would otherwise make differ.
ATOMIC_TEST_VALUES="UUID=0b5e6b57-0000-4000-8000-000000000001 ATOMIC=/usr/bin/atomic"

# atomic_test_images REPO: the two test images of tests/atomic in the OSTree
# repository REPO: svc:1 (host files, a rename, a tmpfiles template, a bind
# of $STATE_DIRECTORY) and hello:1 (only a config and a manifest: atomic's
# default unit).  Their content, date and architecture are fixed and their
# modes do not depend on the umask, so their digests are the same on every
# machine and the fixtures recorded from atomic's installs of them hold.
atomic_test_images() {
  local repo=$1 p
  for p in svc hello; do
    rm -rf "image-$p" &&
      cp -R "$ATOMIC_TESTS/$p" "image-$p" &&
      mkdir -p "image-$p/rootfs/usr/bin" &&
      python3 "$ATOMIC_TESTS/tiny-elf.py" >"image-$p/rootfs/usr/bin/hello" &&
      chmod -R u=rwX,go=rX "image-$p" &&
      chmod 755 "image-$p/rootfs/usr/bin/hello" &&
      SOURCE_DATE_EPOCH=$ATOMIC_TEST_EPOCH "$SC_BUILD" build "image-$p" --format ostree \
        --repo "$repo" --tag "$p:1" --arch amd64 -q || return 1
  done
}

# The first python3 with what atomic's code imports: Debian's python3-gi,
# gir1.2-ostree-1.0, python3-selinux and python3-yaml (a python3 of pyenv or
# a virtualenv may come first on PATH without them).
atomic_python() {
  local py
  for py in python3 /usr/bin/python3; do
    if "$py" -c 'import gi; gi.require_version("OSTree", "1.0"); from gi.repository import OSTree; import selinux, yaml' 2>/dev/null; then
      echo "$py" && return 0
    fi
  done
  return 1
}

# atomic ACTION ROOT NAME ...: atomic's own code (atomic-driver.py) on the
# images in $ATOMIC_OSTREE_REPO.
atomic() {
  ATOMIC_CONF=${ATOMIC_CONF:-$PWD/atomic.conf} &&
    { [ -e "$ATOMIC_CONF" ] || echo '{}' >"$ATOMIC_CONF"; } &&
    ATOMIC_CONF=$ATOMIC_CONF env -u RUNC_PATH "$(atomic_python)" -W ignore "$ATOMIC_TESTS/atomic-driver.py" "$@"
}

atomic_snapshot() { python3 "$ATOMIC_TESTS/fixture.py" snapshot "$@"; }

# atomic_record OUT: the fixtures, from atomic's code, into OUT: render/ is
# its install of svc:1 as web with the install prefix (sc-build's --root);
# install/, update/ and rollback/ the root after it installs hello:1 as hw,
# updates it with RECEIVER=Moon and rolls it back.
atomic_record() {
  local out=$1
  mkdir -p "$out" &&
    export ATOMIC_OSTREE_REPO=$PWD/record-repo &&
    atomic_test_images "$ATOMIC_OSTREE_REPO" &&
    rm -rf record-render record-host &&
    atomic render "$PWD/record-render" web svc:1 $ATOMIC_TEST_VALUES RECEIVER=Mars >/dev/null &&
    atomic_snapshot record-render "$out/render" &&
    atomic install "$PWD/record-host" hw hello:1 $ATOMIC_TEST_VALUES >/dev/null &&
    atomic_snapshot record-host "$out/install" "$PWD/record-host" &&
    atomic update "$PWD/record-host" hw RECEIVER=Moon >/dev/null &&
    atomic_snapshot record-host "$out/update" "$PWD/record-host" &&
    atomic rollback "$PWD/record-host" hw >/dev/null &&
    atomic_snapshot record-host "$out/rollback" "$PWD/record-host"
}
