#!/usr/bin/env bash
# t0400-lifecycle: install, update, rollback, uninstall and list under a
# temporary root (docs/design.md section 4), from an OCI layout built by sc-build.
. "$SC_SOURCE_DIR/tests/cli/lib.sh"
test_require systemd-analyze systemd-tmpfiles python3

R=$TEST_TMP/root
A=var/lib/containers/atomic
# A real root has these; uninstall must leave the root as it found it.
mkdir -p "$R/etc/systemd/system" "$R/etc/tmpfiles.d" "$R/$A"

test_make_project proj svc
sc_build build proj -o img.oci --tag svc:1 >/dev/null 2>&1
# The second image: a new file, and a new default that update must not
# apply over the saved value (atomic: saved values, then --set, then defaults).
cp -a proj proj2
mkdir -p proj2/rootfs/etc && echo 2 >proj2/rootfs/etc/version
sed -i 's/"World"/"Moon"/' proj2/manifest.json
sc_build build proj2 -o img.oci --tag svc:2 >/dev/null 2>&1

snapshot() { (cd "$R" && find . -printf '%p %y %m\n' | sort); }
snapshot >"$TEST_TMP/before"

test_expect_success 'install lays out the deployment, unit and tmpfiles of docs/design.md section 4' '
  sc_build install oci:img.oci:svc:1 --name svc --root "$R" --set PORT=9123 &&
  [ "$(readlink "$R/$A/svc")" = svc.0 ] &&
  [ -x "$R/$A/svc.0/rootfs/usr/bin/hello-server" ] &&
  [ -f "$R/$A/svc.0/rootfs/exports/manifest.json" ] &&
  for f in config.json info svc.service tmpfiles-svc.conf; do [ -f "$R/$A/svc.0/$f" ] || exit 1; done &&
  cmp "$R/$A/svc.0/svc.service" "$R/etc/systemd/system/svc.service" &&
  cmp "$R/$A/svc.0/tmpfiles-svc.conf" "$R/etc/tmpfiles.d/svc.conf"
'

test_expect_success 'config.json is JSON and reflects --set and the defaults' '
  python3 -c "
import json,sys
c = json.load(open(sys.argv[1]))
env = c[\"process\"][\"env\"]
assert \"PORT=9123\" in env, env
assert \"RECEIVER=World\" in env, env
assert c[\"root\"] == {\"path\": \"rootfs\", \"readonly\": True}
" "$R/$A/svc.0/config.json"
'

# installed-files lists what atomic's would (not /etc/svc, which it makes
# unrecorded as the parent of a file); sc-build keeps the directories it
# made apart, to remove them at uninstall.
test_expect_success 'info holds the values, the image and the revision' '
  python3 -c "
import json,sys
i = json.load(open(sys.argv[1]))
v = i[\"values\"]
assert v[\"PORT\"] == \"9123\" and v[\"RECEIVER\"] == \"World\", v
assert v[\"NAME\"] == \"svc\" and v[\"DESTDIR\"] == \"/var/lib/containers/atomic/svc.0\", v
assert i[\"image\"].startswith(\"oci:/\") and i[\"image\"].endswith(\"img.oci:svc:1\"), i[\"image\"]
assert len(i[\"revision\"]) == 64 and v[\"IMAGE_ID\"] == i[\"revision\"]
assert i[\"has-container-service\"] is True
assert i[\"installed-files\"] == [\"/etc/svc/greeting.conf\"], i[\"installed-files\"]
assert i[\"installed-files-checksum\"].keys() == {\"/etc/svc/greeting.conf\"}, i
assert i[\"sc-build-made-directories\"] == [\"/etc/svc\"], i
" "$R/$A/svc.0/info"
'

# --root R: R is the future "/" (rpm --root, systemctl --root, atomic's
# prefix), so nothing written into the deployment names R.
test_expect_success '--root renders every path as seen from inside the root' '
  for f in svc.service config.json tmpfiles-svc.conf info; do
    ! grep_q -F "$R" "$R/$A/svc.0/$f" || { echo "$f names $R"; exit 1; }
  done &&
  expect_grep "^d +/var/lib/svc " "$R/etc/tmpfiles.d/svc.conf" &&
  python3 -c "
import json,sys
v = json.load(open(sys.argv[1]))[\"values\"]
assert (v[\"RUN_DIRECTORY\"], v[\"STATE_DIRECTORY\"], v[\"CONF_DIRECTORY\"]) == (\"/run\", \"/var/lib\", \"/etc\"), v
" "$R/$A/svc.0/info"
'

test_expect_success 'the hostfs file listed in installedFilesTemplate is rendered onto the host' '
  grep -qx "receiver=World" "$R/etc/svc/greeting.conf" &&
  grep -qx "port=9123" "$R/etc/svc/greeting.conf"
'

test_expect_success 'the rendered unit passes systemd-analyze verify' '
  grep -qx "ExecStart=/usr/bin/runc.* run .svc." "$R/etc/systemd/system/svc.service" &&
  grep -qx "WorkingDirectory=/$A/svc.0" "$R/etc/systemd/system/svc.service" &&
  systemd-analyze verify "$R/etc/systemd/system/svc.service"
'

test_expect_success 'systemd-tmpfiles accepts the tmpfiles file and creates its directory' '
  systemd-tmpfiles --root="$R" --create "$R/etc/tmpfiles.d/svc.conf" &&
  [ -d "$R/var/lib/svc" ] && rmdir "$R/var/lib/svc"
'

test_expect_success 'installing over an existing name is refused and changes nothing' '
  before=$(snapshot) &&
  expect_exit 1 sc_build install oci:img.oci:svc:2 --name svc --root "$R" &&
  expect_grep "already installed" "$TEST_TMP/.stderr" &&
  [ "$before" = "$(snapshot)" ]
'

test_expect_success 'a --set of a forced variable is refused (exit 2)' '
  expect_exit 2 sc_build install oci:img.oci:svc:1 --name other --root "$R" --set NAME=x &&
  expect_grep "NAME" "$TEST_TMP/.stderr" &&
  [ ! -e "$R/$A/other" ]
'

test_expect_success 'a failed update leaves the active deployment untouched and no staging dir' '
  before=$(snapshot) &&
  expect_exit 1 sc_build update svc --root "$R" --image oci:img.oci:svc:2 --set "RECEIVER=a
ExecStartPre=/bin/evil" &&
  expect_grep "RECEIVER" "$TEST_TMP/.stderr" &&
  [ "$before" = "$(snapshot)" ] &&
  ! grep -q evil "$R/etc/systemd/system/svc.service"
'

test_expect_success 'update to a new image deploys .1, keeps .0 and the saved values' '
  sc_build update svc --root "$R" --image oci:img.oci:svc:2 &&
  [ "$(readlink "$R/$A/svc")" = svc.1 ] &&
  [ -d "$R/$A/svc.0" ] &&
  [ "$(cat "$R/$A/svc.1/rootfs/etc/version")" = 2 ] &&
  [ ! -e "$R/$A/svc.0/rootfs/etc/version" ] &&
  grep -q "PORT=9123" "$R/$A/svc.1/config.json" &&
  grep -q "RECEIVER=World" "$R/$A/svc.1/config.json" &&
  grep -qx "WorkingDirectory=/$A/svc.1" "$R/etc/systemd/system/svc.service" &&
  grep -qx "port=9123" "$R/etc/svc/greeting.conf" &&
  uuid0=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[\"values\"][\"UUID\"])" "$R/$A/svc.0/info") &&
  uuid1=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[\"values\"][\"UUID\"])" "$R/$A/svc.1/info") &&
  [ "$uuid0" = "$uuid1" ]
'

test_expect_success 'update with the same image and values has nothing to do' '
  before=$(snapshot) &&
  sc_build update svc --root "$R" --set PORT=9123 2>"$TEST_TMP/err" &&
  expect_grep "nothing to do" "$TEST_TMP/err" &&
  [ "$(readlink "$R/$A/svc")" = svc.1 ] &&
  [ "$before" = "$(snapshot)" ]
'

test_expect_success 'update with --set renders the new value into unit files and host files' '
  sc_build update svc --root "$R" --set RECEIVER=Mars &&
  [ "$(readlink "$R/$A/svc")" = svc.0 ] &&
  grep -q "RECEIVER=Mars" "$R/$A/svc.0/config.json" &&
  grep -qx "receiver=Mars" "$R/etc/svc/greeting.conf" &&
  [ -f "$R/$A/svc.0/rootfs/etc/version" ]
'

test_expect_success 'rollback switches deployments with their own unit and host files' '
  sc_build rollback svc --root "$R" &&
  [ "$(readlink "$R/$A/svc")" = svc.1 ] &&
  grep -qx "WorkingDirectory=/$A/svc.1" "$R/etc/systemd/system/svc.service" &&
  grep -qx "receiver=World" "$R/etc/svc/greeting.conf" &&
  sc_build rollback svc --root "$R" && [ "$(readlink "$R/$A/svc")" = svc.0 ] &&
  grep -qx "receiver=Mars" "$R/etc/svc/greeting.conf"
'

test_expect_success 'list shows the container, its image and deployment (plain and --json)' '
  sc_build list --root "$R" >"$TEST_TMP/list" &&
  expect_grep "^svc +0 " "$TEST_TMP/list" &&
  sc_build list --root "$R" --json | python3 -c "
import json,sys
d = json.load(sys.stdin)
[c] = d[\"containers\"]
assert c[\"name\"] == \"svc\" and c[\"deployment\"] == 0 and c[\"has-rollback\"] is True, c
assert c[\"values\"][\"PORT\"] == \"9123\" and c[\"values\"][\"RECEIVER\"] == \"Mars\"
"
'

test_expect_success 'uninstall keeps a host file the admin changed, and reports it' '
  echo "# local change" >>"$R/etc/svc/greeting.conf" &&
  sc_build uninstall svc --root "$R" 2>"$TEST_TMP/err" &&
  expect_grep "kept /etc/svc/greeting.conf" "$TEST_TMP/err" &&
  [ -f "$R/etc/svc/greeting.conf" ] &&
  rm -r "$R/etc/svc"
'

test_expect_success 'after uninstall nothing is left but what was there before' '
  snapshot >"$TEST_TMP/after" &&
  diff "$TEST_TMP/before" "$TEST_TMP/after"
'

test_expect_success 'noContainerService: host files only, no unit, no rootfs kept' '
  test_make_project files files &&
  python3 - files/manifest.json <<-\PY &&
	import json, sys
	m = json.load(open(sys.argv[1]))
	m["noContainerService"] = True
	json.dump(m, open(sys.argv[1], "w"))
	PY
  sc_build build files -o files.oci >/dev/null 2>&1 &&
  sc_build install oci:files.oci:files:latest --root "$R" &&
  [ ! -e "$R/etc/systemd/system/files.service" ] &&
  [ ! -e "$R/$A/files.0/rootfs" ] &&
  grep -qx "receiver=World" "$R/etc/files/greeting.conf" &&
  python3 -c "import json,sys; assert json.load(open(sys.argv[1]))[\"has-container-service\"] is False" "$R/$A/files.0/info" &&
  sc_build uninstall files --root "$R" &&
  [ ! -e "$R/etc/files" ] && [ ! -e "$R/$A/files.0" ]
'

test_expect_success 'lifecycle commands on a missing container fail clearly' '
  expect_exit 1 sc_build rollback nope --root "$R" &&
  expect_grep "no container .nope. is installed" "$TEST_TMP/.stderr" &&
  expect_exit 1 sc_build uninstall nope --root "$R"
'

test_expect_success 'install makes a missing root; the other commands say it is missing' '
  sc_build install oci:img.oci:svc:1 --name fresh --root "$TEST_TMP/new-root" --set PORT=9124 >/dev/null &&
  test -L "$TEST_TMP/new-root/$A/fresh" &&
  sc_build uninstall fresh --root "$TEST_TMP/new-root" >/dev/null &&
  expect_exit 1 sc_build uninstall fresh --root "$TEST_TMP/no-root" &&
  expect_grep "it does not exist: nothing is installed there" "$TEST_TMP/.stderr" &&
  test ! -e "$TEST_TMP/no-root"
'

test_expect_success 'renameFiles into a directory the host lacks makes it, and uninstall removes it' '
  cp -a proj ren && mkdir -p ren/hostfs/etc/app && echo "k=v" >ren/hostfs/etc/app/app.conf &&
  python3 -c "
import json, sys
m = json.load(open(sys.argv[1]))
m[\"renameFiles\"] = {\"/etc/app/app.conf\": \"\$CONF_DIRECTORY/\$NAME/sub/app.conf\"}
json.dump(m, open(sys.argv[1], \"w\"))
" ren/manifest.json &&
  sc_build build ren -o ren.oci --tag ren:1 >/dev/null &&
  sc_build install oci:ren.oci:ren:1 --name renamed --root "$TEST_TMP/ren-root" >/dev/null &&
  test "$(cat "$TEST_TMP/ren-root/etc/renamed/sub/app.conf")" = k=v &&
  sc_build uninstall renamed --root "$TEST_TMP/ren-root" >/dev/null &&
  test ! -e "$TEST_TMP/ren-root/etc/renamed"
'

test_expect_success 'install reads manifest.json as validate does: "useLinks": "yes" is an error' '
  cp -a proj badlinks &&
  python3 -c "
import json, sys
m = json.load(open(sys.argv[1])); m[\"useLinks\"] = \"yes\"
json.dump(m, open(sys.argv[1], \"w\"), indent=2)" badlinks/manifest.json &&
  expect_exit 1 sc_build validate badlinks &&
  expect_grep "manifest.json:[0-9]+:[0-9]+: .*\"useLinks\" must be true or false" "$TEST_TMP/.stderr" &&
  printf "[[{\"path\": \"exports/config.json.template\", \"src\": \"%s\"},
    {\"path\": \"exports/manifest.json\", \"src\": \"%s\"}]]" \
    "$PWD/proj/config.json.template" "$PWD/badlinks/manifest.json" >badlinks.json &&
  python3 "$SC_SOURCE_DIR/tests/cli/mklayout.py" badlinks.oci bad:1 badlinks.json &&
  expect_exit 1 sc_build install oci:badlinks.oci:bad:1 --name badlinks --root "$TEST_TMP/bl-root" &&
  expect_grep "manifest.json:[0-9]+:[0-9]+: .*\"useLinks\" must be true or false" "$TEST_TMP/.stderr" &&
  test ! -e "$TEST_TMP/bl-root/$A/badlinks"
'

test_expect_success 'no tmpfiles.template: a line for each bind source the host lacks, as atomic writes' '
  cp -a proj binds && rm binds/tmpfiles.template &&
  python3 - binds/config.json.template "$TEST_TMP/absent" "$TEST_TMP/dangling" <<-\PY &&
	import json, sys
	c = json.load(open(sys.argv[1]))
	c["mounts"] += [
	    {"destination": "/a", "type": "bind", "source": sys.argv[2], "options": ["bind"]},
	    {"destination": "/b", "type": "bind", "source": sys.argv[3], "options": ["rbind"]},
	    {"destination": "/etc/hostname", "type": "bind", "source": "/etc/hostname"},
	    {"destination": "/c", "type": "none", "source": sys.argv[2] + "-untyped", "options": ["bind"]}]
	json.dump(c, open(sys.argv[1], "w"))
	PY
  ln -s "$TEST_TMP/nowhere" "$TEST_TMP/dangling" &&
  sc_build build binds -o binds.oci --tag binds:1 >/dev/null &&
  sc_build install oci:binds.oci:binds:1 --name binds --root "$TEST_TMP/binds-root" >/dev/null &&
  printf "d    %s   0700 %s %s - -\n" "$TEST_TMP/absent" "$(id -u)" "$(id -g)" \
    "$TEST_TMP/dangling" "$(id -u)" "$(id -g)" >expect-binds &&
  cmp expect-binds "$TEST_TMP/binds-root/etc/tmpfiles.d/binds.conf" &&
  cmp expect-binds "$TEST_TMP/binds-root/$A/binds.0/tmpfiles-binds.conf" &&
  sc_build uninstall binds --root "$TEST_TMP/binds-root" >/dev/null &&
  test ! -e "$TEST_TMP/binds-root/etc/tmpfiles.d/binds.conf"
'

test_expect_success 'no tmpfiles.template and every bind source present: no tmpfiles file' '
  mkdir -p "$TEST_TMP/absent" &&
  rm "$TEST_TMP/dangling" && mkdir "$TEST_TMP/dangling" &&
  sc_build install oci:binds.oci:binds:1 --name binds --root "$TEST_TMP/binds-root" >/dev/null &&
  test ! -e "$TEST_TMP/binds-root/etc/tmpfiles.d/binds.conf" &&
  test ! -e "$TEST_TMP/binds-root/$A/binds.0/tmpfiles-binds.conf"
'

test_expect_success 'a plain config.json is installed unchanged, no service.template gets atomic'"'"'s default unit' '
  cp -a proj plain && rm plain/service.template &&
  sed "s/\\\$PORT/8081/; s/\\\$RECEIVER/World/" plain/config.json.template >plain/config.json &&
  rm plain/config.json.template &&
  sc_build build plain -o plain.oci --tag plain:1 2>build.err &&
  expect_grep "service.template: warning: missing" build.err &&
  sc_build install oci:plain.oci:plain:1 --name plain --root "$TEST_TMP/plain-root" >/dev/null &&
  cmp plain/config.json "$TEST_TMP/plain-root/$A/plain.0/config.json" &&
  printf "%s\n" "" "[Unit]" "Description=plain" "" "[Service]" "ExecStartPre=" \
    "ExecStart=/usr/bin/runc  --systemd-cgroup run -d --pid-file /run/container-plain.pid '"'"'plain'"'"'" \
    "ExecStop=" "ExecStopPost=/usr/bin/runc delete '"'"'plain'"'"'" "Restart=on-failure" \
    "WorkingDirectory=/$A/plain.0" "PIDFile=/run/container-plain.pid" "" "[Install]" \
    "WantedBy=multi-user.target" >expect-unit &&
  # --systemd-cgroup is there when this runc offers it (the spaces are atomic'"'"'s).
  sed "s|^ExecStart=/usr/bin/runc  --systemd-cgroup run|ExecStart=/usr/bin/runc  run|" \
    "$TEST_TMP/plain-root/etc/systemd/system/plain.service" >got-unit &&
  sed "s|^ExecStart=/usr/bin/runc  --systemd-cgroup run|ExecStart=/usr/bin/runc  run|" expect-unit >want-unit &&
  cmp want-unit got-unit &&
  sc_build uninstall plain --root "$TEST_TMP/plain-root" >/dev/null
'

test_expect_success 'install errors name the file as the image holds it, at the place in it' '
  cp -a proj errs &&
  sed -i "s|^  \"ociVersion\": \"1.0.2\",\$|  \"ociVersion\": \"1.0.2\", \"n\": \$NUM,|; s|\"readonly\": true|\"readonly\": \$RO|" \
    errs/config.json.template &&
  sed -i "s|\"PORT\": \"8081\"|\"PORT\": \"8081\", \"NUM\": \"1\", \"RO\": \"true\"|" errs/manifest.json &&
  echo "x=\$MUST_SET" >errs/hostfs/etc/svc/must.conf &&
  sed -i "s|\"/etc/\${NAME}/greeting.conf\"|&, \"/etc/\${NAME}/must.conf\"|" errs/manifest.json &&
  sc_build build errs -o errs.oci --tag errs:1 --set MUST_SET=1 >/dev/null &&
  expect_exit 1 sc_build install oci:errs.oci:errs:1 --name svc --root "$TEST_TMP/errs-root" --set "NUM=1 2" --set MUST_SET=1 &&
  expect_grep "^/exports/config.json.template:2:31: error: .*not JSON.*in the value of .NUM." "$TEST_TMP/.stderr" &&
  expect_exit 1 sc_build install oci:errs.oci:errs:1 --name svc --root "$TEST_TMP/errs-root" --set RO=false --set MUST_SET=1 &&
  expect_grep "^/exports/config.json.template:[0-9]+:[0-9]+: error: .*root.readonly must be true" "$TEST_TMP/.stderr" &&
  expect_exit 1 sc_build install oci:errs.oci:errs:1 --name svc --root "$TEST_TMP/errs-root" &&
  expect_grep "^/exports/hostfs/etc/svc/must.conf:1:3: error: .*undefined variable .MUST_SET." "$TEST_TMP/.stderr"
'

# A layer blob with a byte changed: inflating it fails (here, on its CRC32),
# and the error names the layer and says the blob is not the one named.
test_expect_success 'a corrupt layer blob fails the install with its digest named, and leaves nothing' '
  sc_build build proj -o bad.oci --tag svc:1 >/dev/null 2>&1 &&
  blob=$(ls -S bad.oci/blobs/sha256 | head -1) &&
  python3 -c "import sys; p = sys.argv[1]; b = bytearray(open(p, \"rb\").read()); b[len(b) // 2] ^= 0xff; open(p, \"wb\").write(b)" \
    "bad.oci/blobs/sha256/$blob" &&
  mkdir -p "$TEST_TMP/bad-root" &&
  expect_exit 1 sc_build install oci:bad.oci:svc:1 --name bad --root "$TEST_TMP/bad-root" &&
  expect_grep "layer 1 of 2 \(sha256:$blob\): the blob does not match its descriptor" "$TEST_TMP/.stderr" &&
  [ -z "$(ls -A "$TEST_TMP/bad-root/$A" 2>/dev/null)" ]
'

test_done
