#!/bin/bash
# t0420-base-e2e: a project packaged as atomic-system-containers' etcd and
# net-snmp are, whose program comes from a base image made with umoci from
# this machine's Debian files (no rootfs/ of its own, a renameFiles into a
# new directory, no tmpfiles.template): validate, build, install and test.
. "$SC_SOURCE_DIR/tests/cli/lib.sh"
test_require python3 umoci ldd
test_lazy_prereq RUNC 'command -v runc && test "$(id -u)" = 0'

# The base: /bin/sh, sleep and cat with their loader and libraries (ldd),
# and an /exports of its own, as atomic-system-containers' base images
# may have, which the project's image must not show.
test_expect_success 'a base image is made with umoci from Debian binaries' '
  umoci init --layout base.oci &&
  umoci new --image base.oci:base &&
  umoci unpack --image base.oci:base bundle >/dev/null &&
  for f in /bin/sh /bin/sleep /bin/cat $(ldd /bin/sh /bin/sleep /bin/cat | grep -o "/[^ :]*" | sort -u); do
    mkdir -p "bundle/rootfs$(dirname "$f")" &&
    cp -L "$f" "bundle/rootfs$f" || exit 1
  done &&
  mkdir -p bundle/rootfs/exports bundle/rootfs/var/run/app bundle/rootfs/etc/app &&
  echo "{\"version\": \"1.0\"}" >bundle/rootfs/exports/manifest.json &&
  echo stale >bundle/rootfs/exports/stale.txt &&
  umoci repack --image base.oci:base bundle >/dev/null &&
  test -x bundle/rootfs/bin/sh
'

# A capability this machine cannot grant (not in the bounding set), if any:
# the template asks for it as net-snmp'"'"'s asks for every one.
MISSING_CAP=$(python3 - <<'PY'
names = ["CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID",
         "SETUID", "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST",
         "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO",
         "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE",
         "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE",
         "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM",
         "BLOCK_SUSPEND", "AUDIT_READ"]
bnd = int([l for l in open("/proc/self/status") if l.startswith("CapBnd:")][0].split()[1], 16)
print(next(("CAP_" + n for i, n in enumerate(names) if not bnd >> i & 1), ""))
PY
)
[ -n "$MISSING_CAP" ] && test_set_prereq MISSING_CAP
[ -e /sys/fs/selinux/enforce ] || test_set_prereq NO_SELINUX

# The service starts late (sleep 2) and then writes its configuration, a
# renamed host file, into its RuntimeDirectory; the exec probe reads it.
make_project() {
  mkdir -p app/hostfs/etc &&
  cat >app/config.json.template <<'JSON' &&
{
  "ociVersion": "1.0.0",
  "process": {
    "terminal": false,
    "user": {"uid": 0, "gid": 0},
    "args": ["/bin/sh", "-c", "trap 'exit 0' TERM; sleep 2; cat /etc/app/app.conf >/var/run/app/ready; sleep 600 & wait"],
    "env": ["PATH=/usr/bin:/bin", "NAME=$NAME"],
    "cwd": "/",
    "capabilities": {
      "bounding": ["CAP_KILL"],
      "effective": ["CAP_KILL"],
      "permitted": ["CAP_KILL"],
      "inheritable": ["CAP_KILL"],
      "ambient": ["CAP_KILL"]
    },
    "selinuxLabel": "system_u:system_r:container_t:s0"
  },
  "root": {"path": "rootfs", "readonly": true},
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc"},
    {"type": "bind", "source": "${RUN_DIRECTORY}/${NAME}", "destination": "/var/run/app", "options": ["rbind", "rw"]},
    {"type": "bind", "source": "$CONF_DIRECTORY/$NAME", "destination": "/etc/app", "options": ["rbind", "ro"]}
  ],
  "linux": {"namespaces": [{"type": "pid"}, {"type": "mount"}]}
}
JSON
  cat >app/manifest.json <<'JSON' &&
{
  "version": "1.0",
  "defaultValues": {"GREETING": "hello"},
  "installedFilesTemplate": ["/etc/app.conf"],
  "renameFiles": {"/etc/app.conf": "$CONF_DIRECTORY/$NAME/app.conf"}
}
JSON
  printf "[Unit]\nDescription=app\n\n[Service]\nExecStart=\$EXEC_START\nExecStop=\$EXEC_STOP\nRestart=on-failure\nWorkingDirectory=\$DESTDIR\nRuntimeDirectory=\${NAME}\n\n[Install]\nWantedBy=multi-user.target\n" >app/service.template &&
  echo "greeting=\$GREETING" >app/hostfs/etc/app.conf &&
  cat >app/sc-build.json <<'JSON'
{
  "name": "app",
  "from": "oci:../base.oci:base",
  "test": {"probes": [{"type": "exec", "command": ["/bin/cat", "/var/run/app/ready"], "timeout": 20}]}
}
JSON
}

test_expect_success 'the project, without rootfs/ and tmpfiles.template, validates' '
  make_project &&
  if [ -n "$MISSING_CAP" ]; then
    sed -i "s/\"CAP_KILL\"/\"CAP_KILL\", \"$MISSING_CAP\"/" app/config.json.template
  fi &&
  test ! -e app/rootfs && test ! -e app/tmpfiles.template &&
  sc_build validate app 2>err &&
  expect_grep "^app: 0 errors, 0 warnings$" err
'

test_expect_success 'build stacks /exports on the base and hides the base'"'"'s own /exports' '
  sc_build --json build app -o app.oci >build.json &&
  python3 -c "import json; d=json.load(open(\"build.json\")); assert d[\"ok\"] and len(d[\"layers\"]) == 2, d" &&
  umoci unpack --image app.oci:app:latest unpacked >/dev/null &&
  (cd unpacked/rootfs/exports && find . | LC_ALL=C sort) >exports.list &&
  printf "%s\n" . ./config.json.template ./hostfs ./hostfs/etc ./hostfs/etc/app.conf ./manifest.json ./service.template >exports.want &&
  diff -u exports.want exports.list &&
  grep_q GREETING unpacked/rootfs/exports/manifest.json &&
  test -x unpacked/rootfs/bin/sh
'

test_expect_success 'install puts the program of the base and the renamed file in a new directory' '
  R=$TEST_TMP/root &&
  sc_build install oci:app.oci:app:latest --name app --root "$R" --set GREETING=hi >/dev/null &&
  test -x "$R/var/lib/containers/atomic/app.0/rootfs/bin/sh" &&
  test ! -e "$R/var/lib/containers/atomic/app.0/rootfs/exports/stale.txt" &&
  expect_grep "^greeting=hi$" "$R/etc/app/app.conf" &&
  expect_grep "selinuxLabel" "$R/var/lib/containers/atomic/app.0/config.json" &&
  if [ -n "$MISSING_CAP" ]; then
    expect_grep "$MISSING_CAP" "$R/var/lib/containers/atomic/app.0/config.json"
  fi
'

# The exec probe fails for the service'"'"'s first two seconds: it is retried.
test_expect_success RUNC 'sc-build test runs it: the exec probe waits for the service' '
  export TMPDIR=$TEST_TMP/tmp && mkdir -p "$TMPDIR" &&
  sc_build test app >out 2>err &&
  expect_grep "^PASS exec /bin/cat /var/run/app/ready \(([2-9]|1[0-9])\.[0-9]+s\)$" out &&
  expect_grep "^PASS: 1 of 1 probes passed" out
'

test_expect_success RUNC,MISSING_CAP 'a capability the machine lacks is left out of the test, with a note' '
  expect_grep "note: this machine cannot grant $MISSING_CAP \(not in sc-build.s capability bounding set\)" err
'

test_expect_success RUNC,NO_SELINUX 'without SELinux the label is left out of the test, with a note' '
  expect_grep "note: SELinux is not enabled here.*without process.selinuxLabel, the installed config.json is unchanged" err
'

# net-snmp'"'"'s tmpfiles.template is empty: its /var/run/net-snmp bind of
# ${RUN_DIRECTORY}/${NAME} finds the directory its unit'"'"'s RuntimeDirectory=
# makes.  The test root stands in for systemd there.
test_expect_success RUNC 'sc-build test makes the unit'"'"'s RuntimeDirectory= for the bind of /run/NAME' '
  cp -a app snmp &&
  : >snmp/tmpfiles.template &&
  sed -i "s/^RuntimeDirectory=.*/RuntimeDirectory=\${NAME} \${NAME}-extra\nRuntimeDirectoryMode=0750/" snmp/service.template &&
  sed -i "s|\"from\": \"oci:../base.oci:base\"|\"from\": \"oci:../base.oci:base\", \"name\": \"snmp\"|" snmp/sc-build.json &&
  sc_build validate snmp 2>err &&
  expect_grep "^snmp: 0 errors" err &&
  sc_build test snmp --keep >out 2>err &&
  expect_grep "^PASS: 1 of 1 probes passed" out &&
  kept=$(sed -n "s/^note: kept the test root //p" err) &&
  test -d "$kept" && test_cleanup_add "rm -rf '"'"'$kept'"'"'" &&
  ls -d "$kept"/run/snmp-test-* >dirs &&
  test "$(wc -l <dirs)" = 2 &&
  expect_grep "snmp-test-[0-9a-f]*-extra$" dirs &&
  test "$(stat -c %a "$(head -n 1 dirs)")" = 750
'

# net-snmp binds /dev/log, which a machine without a syslog daemon lacks,
# and its empty tmpfiles.template makes nothing (without one, an install
# would make every missing bind source): runc fails, and the notes printed
# with its error say why.
test_expect_success RUNC 'a container that cannot start still shows the notes, naming a bind source nowhere' '
  cp -a app gone &&
  : >gone/tmpfiles.template &&
  missing=/sc-t0420-no-such-source-$$ &&
  sed -i "s|    {\"destination\": \"/proc\"|    {\"type\": \"bind\", \"source\": \"$missing\", \"destination\": \"/gone\", \"options\": [\"rbind\"]},\n&|" gone/config.json.template &&
  sed -i "s|\"name\": \"app\"|\"name\": \"gone\"|" gone/sc-build.json &&
  expect_exit 1 sc_build test gone &&
  expect_grep "^note: mounts\[0\]: the bind source $missing is neither in the test root nor on this machine" "$TEST_TMP/.stderr" &&
  expect_grep "^note: systemd is not running here|^note: SELinux|^note: this machine" "$TEST_TMP/.stderr" &&
  expect_grep "^sc-build: error: .*runc run exited with status 1" "$TEST_TMP/.stderr"
'

test_done
