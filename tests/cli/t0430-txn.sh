#!/usr/bin/env bash
# t0410-txn: install, update, rollback and uninstall are all or nothing
# (sc/install.h; issue 9 items 3, 5, 6, 7): a refused update changes
# nothing, a SIGKILL at any moment leaves the root as before or as after
# the command once the next command has run, leftovers of killed runs go,
# and deployments are private to root.
# On a tmpfs when there is one: every command syncs its deployment.
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then export TMPDIR=/dev/shm; fi
. "$SC_SOURCE_DIR/tests/cli/lib.sh"
test_require python3 setpriv

R=$TEST_TMP/root
A=var/lib/containers/atomic
mkdir -p "$R/etc/systemd/system" "$R/etc/tmpfiles.d" "$R/$A"

test_make_project proj svc
sc_build build proj -o img.oci --tag svc:1 >/dev/null 2>&1
# v2 ships /etc/other.conf on the host, and a new rootfs file.
cp -a proj proj2
echo 2 >proj2/rootfs/version
echo other >proj2/hostfs/etc/other.conf
sc_build build proj2 -o img.oci --tag svc:2 >/dev/null 2>&1

# Paths, types, modes and content hashes of the tree under $R; in info the
# install time and the random UUID are left out (they differ between runs).
cat >manifest.py <<'PY'
import hashlib, json, os, stat, sys
root = sys.argv[1]
for dirpath, dirs, files in os.walk(root):
    for name in sorted(dirs + files):
        path = os.path.join(dirpath, name)
        st = os.lstat(path)
        digest = "-"
        if stat.S_ISREG(st.st_mode):
            data = open(path, "rb").read()
            if name == "info":
                info = json.loads(data)
                info.pop("created", None)
                info.get("values", {}).pop("UUID", None)
                data = json.dumps(info, sort_keys=True).encode()
            digest = hashlib.sha256(data).hexdigest()
        elif stat.S_ISLNK(st.st_mode):
            digest = os.readlink(path)
        print(path[len(root):], oct(st.st_mode), digest)
PY
manifest() { python3 manifest.py "$R" | sort; }

test_expect_success 'a refused update leaves the active deployment and its host files untouched' '
  sc_build install oci:img.oci:svc:1 --name svc --root "$R" &&
  echo "admin" >"$R/etc/other.conf" &&
  manifest >before &&
  expect_exit 1 sc_build update svc --root "$R" --image oci:img.oci:svc:2 &&
  expect_grep "/etc/other.conf already exists" "$TEST_TMP/.stderr" &&
  manifest >after &&
  diff before after &&
  grep -qx "receiver=World" "$R/etc/svc/greeting.conf" &&
  [ "$(readlink "$R/$A/svc")" = svc.0 ]
'

test_expect_success 'the update goes through once the admin file is gone, replacing the old host files' '
  rm "$R/etc/other.conf" &&
  sc_build update svc --root "$R" --image oci:img.oci:svc:2 &&
  [ "$(readlink "$R/$A/svc")" = svc.1 ] &&
  grep -qx other "$R/etc/other.conf" &&
  grep -qx "receiver=World" "$R/etc/svc/greeting.conf" &&
  sc_build uninstall svc --root "$R" &&
  [ ! -e "$R/etc/other.conf" ] && [ ! -e "$R/etc/svc" ]
'

test_expect_success ROOT 'deployments are mode 0700: no other user reaches a setuid file or device node' '
  test_make_project special special &&
  install -m 4755 /bin/true special/rootfs/usr/bin/suid &&
  mkdir -p special/rootfs/dev && mknod -m 666 special/rootfs/dev/mem2 c 1 1 &&
  sc_build build special --allow-special -o special.oci >/dev/null 2>&1 &&
  chmod 755 "$TEST_TMP" &&
  sc_build install oci:special.oci --name special --root "$R" &&
  [ "$(stat -c %a "$R/$A/special.0")" = 700 ] &&
  [ -u "$R/$A/special.0/rootfs/usr/bin/suid" ] &&
  [ -c "$R/$A/special.0/rootfs/dev/mem2" ] &&
  nobody="setpriv --reuid=65534 --regid=65534 --clear-groups" &&
  $nobody stat "$R/$A" >/dev/null &&
  ! $nobody stat "$R/$A/special/rootfs/usr/bin/suid" 2>/dev/null &&
  ! $nobody stat "$R/$A/special.0/rootfs/dev/mem2" 2>/dev/null &&
  ! $nobody ls "$R/$A/special.0" 2>/dev/null &&
  sc_build uninstall special --root "$R"
'

test_expect_success 'leftovers of killed runs go: stray staging, old and link entries' '
  sc_build install oci:img.oci:svc:1 --name svc --root "$R" &&
  mkdir -p "$R/$A/.svc.1.staging-0123456789abcdef/rootfs" "$R/$A/.svc.0.old-4242/rootfs" &&
  ln -s svc.0 "$R/$A/.svc.link-00ff" &&
  mkdir "$R/$A/.svc2.0.staging-0123456789abcdef" &&
  sc_build update svc --root "$R" --set RECEIVER=Mars &&
  [ ! -e "$R/$A/.svc.1.staging-0123456789abcdef" ] &&
  [ ! -e "$R/$A/.svc.0.old-4242" ] && [ ! -L "$R/$A/.svc.link-00ff" ] &&
  [ -d "$R/$A/.svc2.0.staging-0123456789abcdef" ] &&
  rmdir "$R/$A/.svc2.0.staging-0123456789abcdef" &&
  mkdir -p "$R/$A/.svc.0.staging-fedcba9876543210/rootfs" &&
  sc_build uninstall svc --root "$R" &&
  [ -z "$(ls -A "$R/$A")" ]
'

# The kill tests work in a root of their own.
R=$TEST_TMP/kill-root
mkdir -p "$R/etc/systemd/system" "$R/etc/tmpfiles.d" "$R/$A"

# One command of the cycle install, update, rollback, uninstall.
cycle_cmd() {
  case $1 in
  install) echo install oci:img.oci:svc:1 --name svc --root "$R" ;;
  update) echo update svc --root "$R" --image oci:img.oci:svc:2 ;;
  rollback) echo rollback svc --root "$R" ;;
  uninstall) echo uninstall svc --root "$R" ;;
  esac
}
OPS="install update rollback uninstall"

test_expect_success 'the states before and after each command of the cycle' '
  for op in $OPS; do
    manifest >"state-before-$op" &&
    t0=$(date +%s%N) &&
    sc_build $(cycle_cmd $op) 2>/dev/null &&
    echo $(( ($(date +%s%N) - t0) / 1000000 * 5 / 4 + 20 )) >"ms-$op" &&
    manifest >"state-after-$op" || exit 1
  done &&
  diff state-before-install state-after-uninstall
'

# SIGKILL each command after a random delay, up to a little longer than
# it took above (seeded: the seed is printed);
# the next command (list, which finishes or undoes what was left) leaves
# the root as before or as after it, and the command then succeeds.
SEED=${SC_TEST_SEED:-$$}
echo "# kill delays seeded with SC_TEST_SEED=$SEED"
kill_at_random() {
  local op=$1 ms pid &&
  ms=$((RANDOM % $(cat "ms-$op"))) &&
  { "$SC_BUILD" $(cycle_cmd $op) >/dev/null 2>&1 & } &&
  pid=$! &&
  sleep "$((ms / 1000)).$(printf %03d $((ms % 1000)))" &&
  { kill -9 "$pid" 2>/dev/null || true; } &&
  { wait "$pid" 2>/dev/null || true; }
}
test_expect_success 'SIGKILL at random points: the root is as before or as after, and the next command succeeds' '
  RANDOM=$SEED &&
  for round in 1 2 3; do
    for op in $OPS; do
      kill_at_random $op &&
      sc_build list --root "$R" >/dev/null &&
      manifest >now &&
      if cmp -s now "state-before-$op"; then
        echo "$op: killed before its commit" >>kills &&
        sc_build $(cycle_cmd $op) 2>/dev/null
      else
        echo "$op: killed after its commit" >>kills &&
        diff "state-after-$op" now
      fi &&
      manifest >now &&
      diff "state-after-$op" now || exit 1
    done || exit 1
  done
'

test_done
