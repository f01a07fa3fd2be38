#!/usr/bin/env bash
# t0440-atomic-interop: atomic's own code (tests/atomic: Atomic/syscontainers.py
# of projectatomic/atomic, run by tests/atomic/atomic-driver.py) and sc-build
# render the same deployment for the same image and values (sc-build's --root
# as atomic's install prefix), and each manages what the other installed.
. "$SC_SOURCE_DIR/tests/cli/lib.sh"
test_require runc

# atomic runs on Debian's python3-gi, gir1.2-ostree-1.0, python3-selinux and
# python3-yaml (scripts/install-deps.sh); the first python3 that has them.
ATOMIC_PY=
for py in python3 /usr/bin/python3; do
  if "$py" -c 'import gi; gi.require_version("OSTree", "1.0"); from gi.repository import OSTree; import selinux, yaml' 2>/dev/null; then
    ATOMIC_PY=$py && break
  fi
done
[ -n "$ATOMIC_PY" ] || {
  echo "1..0 # SKIP atomic's code needs python3-gi, gir1.2-ostree-1.0, python3-selinux, python3-yaml"
  exit 77
}
atomic() { "$ATOMIC_PY" -W ignore "$SC_SOURCE_DIR/tests/atomic/atomic-driver.py" "$@"; }

A=var/lib/containers/atomic
REPO=$TEST_TMP/repo
export ATOMIC_OSTREE_REPO=$REPO ATOMIC_CONF=$TEST_TMP/atomic.conf
echo '{}' >"$ATOMIC_CONF"
# The same values on both sides: what a random default or the installer's
# own path would make differ.
SAME="UUID=0b5e6b57-0000-4000-8000-000000000001 ATOMIC=/usr/bin/atomic"
set_args() { local kv; for kv in $SAME "$@"; do printf -- '--set %s\n' "$kv"; done; }

# hostfs renamed into $CONF_DIRECTORY/$NAME, a templated host file, a
# tmpfiles.template and a bind of $STATE_DIRECTORY: every kind of path.
test_expect_success 'setup: a project with host files, renames, tmpfiles and binds, in OSTree' '
  test_make_project proj svc &&
  mkdir -p proj/hostfs/etc/app && echo k=v >proj/hostfs/etc/app/app.conf &&
  "$ATOMIC_PY" -c "
import json, sys
m = json.load(open(sys.argv[1]))
m[\"renameFiles\"] = {\"/etc/app/app.conf\": \"\$CONF_DIRECTORY/\$NAME/app.conf\"}
m[\"installedFilesTemplate\"] = [\"/etc/svc/greeting.conf\"]
json.dump(m, open(sys.argv[1], \"w\"), indent=2)
c = json.load(open(sys.argv[2]))
c[\"mounts\"].append({\"destination\": \"/data\", \"type\": \"bind\", \"source\": \"\${STATE_DIRECTORY}/\${NAME}\", \"options\": [\"rbind\", \"rw\"]})
json.dump(c, open(sys.argv[2], \"w\"), indent=2)
" proj/manifest.json proj/config.json.template &&
  sc_build build proj --format ostree --repo "$REPO" --tag svc:1 >/dev/null 2>&1 &&
  sc_build init hello-world >/dev/null 2>&1 &&
  sc_build build hello-world --format ostree --repo "$REPO" --tag hello:1 >/dev/null 2>&1
'

# The unit, config.json and tmpfiles file are equal byte for byte; info is
# equal but for the install time and sc-build's own key, and in how host
# files are recorded: sc-build also records the directories it made
# (checksum "0", which atomic's uninstall passes over) and each renamed
# path, where atomic records the files and the rendered renameFiles.
same_deployment() {
  "$ATOMIC_PY" - "$1" "$2" "$3" <<'PY'
import json, os, sys
a, b, name = sys.argv[1:]
for f in (name + ".service", "config.json", "tmpfiles-%s.conf" % name):
    x, y = open(os.path.join(a, f)).read(), open(os.path.join(b, f)).read()
    assert x == y, "%s differs:\n%s\n----\n%s" % (f, x, y)
ia, ib = json.load(open(os.path.join(a, "info"))), json.load(open(os.path.join(b, "info")))
for i in (ia, ib):
    i.pop("created")
assert ib.pop("sc-build-image").startswith("ostree:")
fa, fb = ia.pop("installed-files"), ib.pop("installed-files")
ca, cb = ia.pop("installed-files-checksum"), ib.pop("installed-files-checksum")
assert fa and [f for f in fb if cb[f] != "0"] == fa, (fa, fb)
assert ca == {f: c for f, c in cb.items() if c != "0"}, (ca, cb)
ra, rb = ia.pop("rename-installed-files"), ib.pop("rename-installed-files")
assert ra and all(rb[k] == v for k, v in ra.items()), (ra, rb)
for k in sorted(set(ia) | set(ib)):
    assert ia.get(k) == ib.get(k), "info %s: atomic %r, sc-build %r" % (k, ia.get(k), ib.get(k))
PY
}

test_expect_success '--root R renders as atomic renders with its install prefix R' '
  atomic render atomic-root web svc:1 $SAME RECEIVER=Mars &&
  sc_build install ostree:svc:1@"$REPO" --name web --root sc-root $(set_args RECEIVER=Mars) >/dev/null &&
  same_deployment "atomic-root/$A/web.0" "sc-root/$A/web.0" web &&
  cmp atomic-root/etc/svc/greeting.conf sc-root/etc/svc/greeting.conf &&
  grep_q -x "receiver=Mars" sc-root/etc/svc/greeting.conf &&
  cmp atomic-root/etc/web/app.conf sc-root/etc/web/app.conf &&
  expect_grep "^WorkingDirectory=/$A/web.0$" "sc-root/$A/web.0/web.service"
'

test_expect_success 'info holds HOST_UID and HOST_GID as numbers, as atomic writes them' '
  "$ATOMIC_PY" -c "
import json, os, sys
v = json.load(open(sys.argv[1]))[\"values\"]
assert v[\"HOST_UID\"] == os.getuid() and v[\"HOST_GID\"] == os.getgid(), v
" "sc-root/$A/web.0/info"
'

gone() {
  [ ! -e "$1/$A/$2" ] && [ ! -e "$1/$A/$2.0" ] && [ ! -e "$1/$A/$2.1" ] &&
  [ ! -e "$1/etc/systemd/system/$2.service" ] && [ ! -e "$1/etc/tmpfiles.d/$2.conf" ]
}

test_expect_success 'sc-build lists, updates, rolls back and uninstalls what atomic installed' '
  atomic install from-atomic hw hello:1 $SAME &&
  sc_build list --root from-atomic >list &&
  expect_grep "^hw +0 .* hello:1$" list &&
  sc_build update hw --root from-atomic --set RECEIVER=Moon >/dev/null 2>&1 &&
  [ "$(readlink from-atomic/$A/hw)" = hw.1 ] &&
  grep_q "RECEIVER=Moon" from-atomic/$A/hw.1/config.json &&
  sc_build rollback hw --root from-atomic >/dev/null 2>&1 &&
  [ "$(readlink from-atomic/$A/hw)" = hw.0 ] &&
  cmp from-atomic/$A/hw.0/hw.service from-atomic/etc/systemd/system/hw.service &&
  sc_build uninstall hw --root from-atomic >/dev/null 2>&1 &&
  gone from-atomic hw
'

test_expect_success 'atomic updates, rolls back and uninstalls what sc-build installed' '
  sc_build install ostree:hello:1@"$REPO" --name hw --root from-sc $(set_args) >/dev/null 2>&1 &&
  atomic update from-sc hw RECEIVER=Venus >/dev/null &&
  [ "$(basename "$(readlink from-sc/$A/hw)")" = hw.1 ] &&
  grep_q "RECEIVER=Venus" from-sc/$A/hw.1/config.json &&
  atomic rollback from-sc hw >/dev/null &&
  [ "$(basename "$(readlink from-sc/$A/hw)")" = hw.0 ] &&
  atomic uninstall from-sc hw &&
  gone from-sc hw
'

test_done
