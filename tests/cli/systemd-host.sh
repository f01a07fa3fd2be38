# systemd-host.sh: what the `test --systemd` scripts (t0640, t0641) share.
# Source after tests/cli/lib.sh.  They need root (runc and the overlay), and
# the Debian host sc-build makes once with debootstrap into a cache in the
# build tree ($HOST_CACHE, the host at $TEMPLATE), so reruns reuse it;
# without a cached host, and without debootstrap or Debian's mirror to make
# one, the script is skipped with the reason.  TMPDIR is the test's own.
[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP runc and the overlay need root here"; exit 77; }

HOST_CACHE=$SC_BUILD_DIR/test-cache
TEMPLATE=$HOST_CACHE/sc-build/systemd-host/bookworm
if [ ! -d "$TEMPLATE" ]; then
  PATH=$PATH:/usr/sbin:/sbin command -v debootstrap >/dev/null 2>&1 ||
    { echo "1..0 # SKIP no cached systemd host and no debootstrap to make one (apt-get install debootstrap)"; exit 77; }
  curl -sfI --max-time 15 -o /dev/null http://deb.debian.org/debian/dists/bookworm/Release ||
    { echo "1..0 # SKIP no cached systemd host and Debian's mirror (deb.debian.org) is unreachable"; exit 77; }
fi

export TMPDIR=$TEST_TMP/tmp
mkdir -p "$TMPDIR"

# nothing_left MARKER: no file left in TMPDIR, no mount of it, no process
# with MARKER in its environment, and no runc state of a systemd host.
nothing_left() {
  local marker=$1
  { [ -z "$(ls -A "$TMPDIR")" ] || { echo "left in TMPDIR:"; ls -la "$TMPDIR"; return 1; }; } &&
  { ! grep -q "$TMPDIR" /proc/self/mountinfo || { echo "a mount survived"; return 1; }; } &&
  { [ -z "$(test_pids_with_env "$marker")" ] || { echo "a process survived"; return 1; }; } &&
  { ! runc list 2>/dev/null | grep_q -- "sc-build-host-" || { echo "runc state left"; return 1; }; }
}
