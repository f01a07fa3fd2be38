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
    "args": ["/bin/sh", "-c", "sleep 2; cat /etc/app/app.conf >/var/run/app/ready; exec sleep 600"],
    "env": ["PATH=/usr/bin:/bin", "NAME=$NAME"],
    "cwd": "/",
    "capabilities": {
      "bounding": ["CAP_KILL"],
      "effective": ["CAP_KILL"],
      "permitted": ["CAP_KILL"],
      "inheritable": ["CAP_KILL"],
      "ambient": ["CAP_KILL"]
    }
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
  expect_grep "^greeting=hi$" "$R/etc/app/app.conf"
'

test_done
