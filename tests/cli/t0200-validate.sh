#!/bin/bash
# t0200-validate.sh: `sc-build validate` reports each class of problem as
# FILE:LINE:COL like a compiler, exits 1 on errors and 0 on warnings only,
# and prints one JSON document with --json.
. "$SC_SOURCE_DIR/tests/cli/lib.sh"
test_require python3

# A small valid project, written out so that the positions below are known.
mkdir -p base/rootfs/usr/bin
# The program is the static hello-server: a #!/bin/sh script would need a
# /bin/sh in rootfs/ too (validate follows interpreters and libraries).
cp "$SC_BUILD_DIR/services/hello-server" base/rootfs/usr/bin/svc
chmod 755 base/rootfs/usr/bin/svc
cat >base/config.json.template <<'JSON'
{
  "ociVersion": "1.0.2",
  "process": {
    "terminal": false,
    "args": ["/usr/bin/svc"],
    "env": ["PATH=/usr/bin:/bin", "PORT=$PORT"],
    "cwd": "/",
    "capabilities": {"bounding": [${ALL_PROCESS_CAPABILITIES}]}
  },
  "root": {"path": "rootfs", "readonly": true},
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc"}
  ]
}
JSON
printf '{"version": "1.0", "defaultValues": {"PORT": "8081"}}\n' >base/manifest.json
cat >base/service.template <<'UNIT'
[Unit]
Description=svc $NAME

[Service]
Environment=PORT=$PORT
ExecStart=$EXEC_START
ExecStop=$EXEC_STOP
WorkingDirectory=$DESTDIR
UNIT
printf 'd ${RUN_DIRECTORY}/${NAME} 0700 - - -\n' >base/tmpfiles.template

# A fresh copy of the valid project in ./p.
fresh() { rm -rf p && cp -a base p; }
# ./p with a plain config.json: the template with the capabilities filled
# in and sed expression $1 applied.
fresh_plain() {
  fresh &&
  sed "s/\${ALL_PROCESS_CAPABILITIES}/\"CAP_KILL\"/; $1" p/config.json.template >p/config.json &&
  rm p/config.json.template
}
# Replace the first match of a fixed string in a project file.
edit() {
  python3 - "$@" <<'PY'
import sys
path, old, new = sys.argv[1:4]
text = open(path).read()
assert old in text, (old, path)
open(path, "w").write(text.replace(old, new, 1))
PY
}
# validate p must fail (exit 1) with this diagnostic prefix.
expect_error_at() {
  expect_exit 1 sc_build validate p "${@:2}" && expect_grep "^$1: error: " "$TEST_TMP/.stderr"
}

test_expect_success 'a valid project validates with exit 0 and a summary line' '
  fresh &&
  expect_exit 0 sc_build validate p &&
  expect_grep "^p: 0 errors, 0 warnings$" "$TEST_TMP/.stderr"
'

test_expect_success 'the current directory is the default project' '
  fresh && cd p &&
  expect_exit 0 sc_build validate &&
  expect_grep "^\.: 0 errors, 0 warnings$" "$TEST_TMP/.stderr"
'

test_expect_success 'bad JSON in manifest.json is reported at its line and column' '
  fresh &&
  printf "{\"version\": \"1.0\",\n  \"defaultValues\": {\"PORT\": 8081,}}\n" >p/manifest.json &&
  expect_error_at "p/manifest.json:2:34" &&
  expect_grep "not valid JSON" "$TEST_TMP/.stderr"
'

test_expect_success 'a manifest key of the wrong type is an error at its value' '
  fresh &&
  edit p/manifest.json "\"version\": \"1.0\"" "\"version\": \"1.0\", \"useLinks\": \"yes\"" &&
  expect_error_at "p/manifest.json:1:32" &&
  expect_grep "\"useLinks\" must be true or false" "$TEST_TMP/.stderr"
'

test_expect_success 'an unknown manifest key is a warning only' '
  fresh &&
  edit p/manifest.json "\"version\"" "\"labels\": {}, \"version\"" &&
  expect_exit 0 sc_build validate p &&
  expect_grep "^p/manifest.json:1:2: warning: unknown key \"labels\"" "$TEST_TMP/.stderr" &&
  expect_grep "^p: 0 errors, 1 warning$" "$TEST_TMP/.stderr"
'

test_expect_success 'an undefined variable is an error unless --set gives it' '
  fresh &&
  edit p/config.json.template "\"PORT=\$PORT\"" "\"PORT=\$PORT\", \"X=\$NOPE\"" &&
  expect_error_at "p/config.json.template:6:52" &&
  expect_grep "undefined variable .NOPE.*--set NOPE=" "$TEST_TMP/.stderr" &&
  expect_exit 0 sc_build validate p --set NOPE=1
'

test_expect_success 'a bad placeholder is an error at its dollar sign' '
  fresh &&
  edit p/config.json.template "\"PORT=\$PORT\"" "\"PORT=\${PORT:-8081}\"" &&
  expect_error_at "p/config.json.template:6:41" &&
  expect_grep "invalid placeholder .\\\$\{PORT:-8081\}." "$TEST_TMP/.stderr"
'

test_expect_success 'config.json that is not JSON after rendering points into the template' '
  fresh &&
  edit p/config.json.template "\"readonly\": true}" "\"readonly\": true,}" &&
  expect_error_at "p/config.json.template:10:47" &&
  expect_grep "after rendering" "$TEST_TMP/.stderr"
'

test_expect_success 'root.readonly false is an error' '
  fresh &&
  edit p/config.json.template "\"readonly\": true" "\"readonly\": false" &&
  expect_error_at "p/config.json.template:10:42" &&
  expect_grep "root.readonly must be true" "$TEST_TMP/.stderr"
'

test_expect_success 'process.terminal true is an error' '
  fresh &&
  edit p/config.json.template "\"terminal\": false" "\"terminal\": true" &&
  expect_error_at "p/config.json.template:4:17" &&
  expect_grep "process.terminal must be false" "$TEST_TMP/.stderr"
'

test_expect_success 'a mount of type rbind is an error' '
  fresh &&
  edit p/config.json.template "\"type\": \"proc\"" "\"type\": \"rbind\"" &&
  expect_error_at "p/config.json.template:12:38" &&
  expect_grep "use \"bind\"" "$TEST_TMP/.stderr"
'

test_expect_success 'linux.selinuxProcessLabel is an error' '
  fresh &&
  edit p/config.json.template "  \"mounts\"" "  \"linux\": {\"selinuxProcessLabel\": \"x\"},
  \"mounts\"" &&
  expect_error_at "p/config.json.template:11:13" &&
  expect_grep "use process.selinuxLabel" "$TEST_TMP/.stderr"
'

test_expect_success 'process.capabilities as a list (runtime-spec before 1.0) is an error saying what to write' '
  fresh &&
  edit p/config.json.template "{\"bounding\": [\${ALL_PROCESS_CAPABILITIES}]}" "[\"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"]" &&
  expect_error_at "p/config.json.template:8:21" &&
  expect_grep "process.capabilities is a list, the form of runtime-spec before 1.0, which runc 1.x refuses: write an object of lists, \{\"bounding\": \[...\], \"effective\"" "$TEST_TMP/.stderr" &&
  fresh &&
  edit p/config.json.template "{\"bounding\": [\${ALL_PROCESS_CAPABILITIES}]}" "\"CAP_KILL\"" &&
  expect_error_at "p/config.json.template:8:21" &&
  expect_grep "process.capabilities must be an object of lists" "$TEST_TMP/.stderr"
'

test_expect_success 'process.args[0] missing from rootfs is an error' '
  fresh && rm p/rootfs/usr/bin/svc &&
  expect_error_at "p/config.json.template:5:14" &&
  expect_grep "missing from rootfs/" "$TEST_TMP/.stderr"
'

test_expect_success 'process.args[0] not executable is an error' '
  fresh && chmod 644 p/rootfs/usr/bin/svc &&
  expect_error_at "p/config.json.template:5:14" &&
  expect_grep "not executable" "$TEST_TMP/.stderr"
'

test_expect_success 'an absolute symlink is resolved inside rootfs, never on the host' '
  fresh && test -e /bin/sh && test ! -e p/rootfs/bin/sh &&
  ln -sf /bin/sh p/rootfs/usr/bin/svc &&
  expect_error_at "p/config.json.template:5:14" &&
  expect_grep "missing from rootfs/" "$TEST_TMP/.stderr"
'

test_expect_success 'a service.template without [Service] is an error' '
  fresh &&
  printf "[Unit]\nDescription=x\n" >p/service.template &&
  expect_error_at "p/service.template:1:1" &&
  expect_grep "no \[Service\] section" "$TEST_TMP/.stderr"
'

test_expect_success 'a bad tmpfiles.d type is an error at its field' '
  fresh &&
  printf "d /run/a 0700 - - -\n  Y /run/b\n" >p/tmpfiles.template &&
  expect_error_at "p/tmpfiles.template:2:3" &&
  expect_grep "unknown tmpfiles.d type .Y." "$TEST_TMP/.stderr"
'

test_expect_success 'a --set value with a newline is refused, naming the variable' '
  fresh &&
  expect_error_at "p/service.template:5:18" --set "PORT=$(printf "80\nExecStartPre=/bin/false")" &&
  expect_grep "value of .PORT. contains a line break" "$TEST_TMP/.stderr"
'

test_expect_success 'config.json beside config.json.template is an error: the template would be ignored' '
  fresh && echo "{}" >p/config.json &&
  expect_error_at "p/config.json:1:1" &&
  expect_grep "ignores the template" "$TEST_TMP/.stderr"
'

test_expect_success 'a plain config.json alone is accepted, and checked as installed (unchanged)' '
  fresh_plain "s/\\\$PORT/8081/" &&
  expect_exit 0 sc_build validate p &&
  expect_grep "^p: 0 errors, 0 warnings$" "$TEST_TMP/.stderr" &&
  edit p/config.json "\"readonly\": true" "\"readonly\": false" &&
  expect_error_at "p/config.json:10:42" &&
  edit p/config.json "\"readonly\": false}" "\"readonly\": false,}" &&
  expect_error_at "p/config.json:10:48" &&
  expect_grep "config.json is not JSON" "$TEST_TMP/.stderr"
'

test_expect_success 'a placeholder in a plain config.json is a warning: it stays as it is' '
  fresh_plain "" &&
  expect_exit 0 sc_build validate p &&
  expect_grep "^p/config.json:6:41: warning: .\\\$PORT. stays as it is" "$TEST_TMP/.stderr"
'

test_expect_success 'a missing service.template is a warning: atomic installs its default unit' '
  fresh && rm p/service.template &&
  expect_exit 0 sc_build validate p &&
  expect_grep "^p/service.template: warning: missing: an install writes atomic.s default unit" "$TEST_TMP/.stderr"
'

test_expect_success 'every problem is reported, not only the first' '
  fresh &&
  edit p/config.json.template "\"readonly\": true" "\"readonly\": false" &&
  edit p/config.json.template "\"terminal\": false" "\"terminal\": true" &&
  rm p/rootfs/usr/bin/svc &&
  expect_exit 1 sc_build validate p &&
  expect_grep "^p: 3 errors, 0 warnings$" "$TEST_TMP/.stderr"
'

test_expect_success '--json prints one document with every diagnostic' '
  fresh &&
  edit p/config.json.template "\"readonly\": true" "\"readonly\": false" &&
  edit p/manifest.json "\"version\"" "\"extra\": 1, \"version\"" &&
  expect_exit 1 sc_build validate --json p &&
  python3 -c "
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc[\"ok\"] is False, doc
assert doc[\"project\"] == \"p\", doc
assert doc[\"errors\"] == 1 and doc[\"warnings\"] == 1, doc
errors = [d for d in doc[\"diagnostics\"] if d[\"severity\"] == \"error\"]
assert errors[0][\"file\"] == \"p/config.json.template\", errors
assert (errors[0][\"line\"], errors[0][\"column\"]) == (10, 42), errors
assert \"root.readonly\" in errors[0][\"message\"], errors
" "$TEST_TMP/.stdout" &&
  fresh &&
  expect_exit 0 sc_build validate p --json &&
  python3 -c "
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc == {\"ok\": True, \"project\": \"p\", \"errors\": 0, \"warnings\": 0, \"diagnostics\": []}, doc
" "$TEST_TMP/.stdout"
'

test_expect_success 'sc-build.json probes are checked as sc-build test reads them, at their place' '
  fresh &&
  cat >p/sc-build.json <<-\EOF &&
	{"name": "p",
	 "test": {"probe": [],
	          "probes": [{"type": "tcpp", "address": "127.0.0.1:1"},
	                     {"type": "tcp", "adress": "127.0.0.1:${PORT}"},
	                     {"type": "tcp", "address": "127.0.0.1:${PORT}", "timout": 5}]}}
	EOF
  expect_exit 1 sc_build validate p &&
  expect_grep "^p/sc-build.json:2:11: warning: unknown key \"probe\" in \"test\"" "$TEST_TMP/.stderr" &&
  expect_grep "^p/sc-build.json:3:22: error: probe 1: unknown probe type .tcpp." "$TEST_TMP/.stderr" &&
  ! grep "tcpp probe has no" "$TEST_TMP/.stderr" &&
  expect_grep "^p/sc-build.json:4:[0-9]+: error: probe 2: .*\"address\" is required" "$TEST_TMP/.stderr" &&
  expect_grep "^p/sc-build.json:4:[0-9]+: warning: probe 2: a tcp probe has no \"adress\"" "$TEST_TMP/.stderr" &&
  expect_grep "^p/sc-build.json:5:[0-9]+: warning: probe 3: a tcp probe has no \"timout\"" "$TEST_TMP/.stderr" &&
  printf "{\"name\": \"p\", \"test\": {\"probes\": [{\"type\": \"tcp\", \"address\": \"127.0.0.1:\${PORT}\"}]}}\n" >p/sc-build.json &&
  sc_build validate p 2>ok.err &&
  expect_grep "0 errors, 0 warnings" ok.err
'

test_expect_success 'a bad probe field is reported at its own line and column' '
  fresh &&
  cat >p/sc-build.json <<-\EOF &&
	{"name": "p",
	 "test": {"probes": [{"type": "http",
	                      "url": "http://127.0.0.1:${NOPE}/"},
	                     {"type": "http", "url": "http://127.0.0.1:${PORT}/",
	                      "status": "ok"}]}}
	EOF
  expect_exit 1 sc_build validate p &&
  expect_grep "^p/sc-build.json:3:30: error: probe 1: probe \"url\": undefined variable .NOPE." "$TEST_TMP/.stderr" &&
  expect_grep "^p/sc-build.json:5:33: error: probe 2: http probe: \"status\" must be an integer" "$TEST_TMP/.stderr"
'

# A bind source under a directory the install places exists only when the
# install or the unit makes it; the service's own, under the deployment,
# only when the image has it.
test_expect_success 'a bind source nothing makes is a warning at its place, naming what to add' '
  rm -rf b && test_make_project b b &&
  edit b/config.json.template "    {\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"}," \
"    {\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},
    {\"type\": \"bind\", \"source\": \"\${STATE_DIRECTORY}/\${NAME}\", \"destination\": \"/data\", \"options\": [\"rbind\"]},
    {\"type\": \"bind\", \"source\": \"\$CONF_DIRECTORY/\$NAME/\", \"destination\": \"/etc/b\", \"options\": [\"rbind\"]},
    {\"type\": \"bind\", \"source\": \"\${RUN_DIRECTORY}/\${NAME}-sock\", \"destination\": \"/sock\", \"options\": [\"rbind\"]},
    {\"type\": \"bind\", \"source\": \"\${DESTDIR}/rootfs/usr/share/web\", \"destination\": \"/web\", \"options\": [\"rbind\"]},
    {\"type\": \"bind\", \"source\": \"\${RUN_DIRECTORY}/systemd\", \"destination\": \"/run/systemd\", \"options\": [\"rbind\"]}," &&
  sc_build validate b 2>err &&
  expect_grep "^b/config.json.template:16:32: warning: nothing an install does makes the bind mount source \"\\\$\{RUN_DIRECTORY\}/\\\$\{NAME\}-sock\" \(/run/b-sock here\).*add .d \\\$\{RUN_DIRECTORY\}/\\\$\{NAME\}-sock 0755 root root - -. to tmpfiles.template" err &&
  expect_grep "^b/config.json.template:17:32: warning: bind mount source \"\\\$\{DESTDIR\}/rootfs/usr/share/web\" is /usr/share/web of the deployment, which rootfs/ does not have" err &&
  expect_grep "^b: 0 errors, 2 warnings$" err &&
  sed -i "s/^\[Service\]$/[Service]\nRuntimeDirectory=\${NAME}-sock/" b/service.template &&
  mkdir -p b/rootfs/usr/share/web &&
  sc_build validate b 2>err &&
  expect_grep "^b: 0 errors, 0 warnings$" err
'

test_expect_success 'a bind source that only a renamed hostfs/ file makes, without it, is a warning' '
  mv b/hostfs/etc/b b/hostfs/etc/app &&
  sc_build validate b 2>err &&
  expect_grep "^b/config.json.template:15:32: warning: nothing an install does makes the bind mount source \"\\\$CONF_DIRECTORY/\\\$NAME/\" \(/etc/b here\)" err &&
  edit b/manifest.json "\"installedFilesTemplate\"" "\"renameFiles\": {\"/etc/app/greeting.conf\": \"\$CONF_DIRECTORY/\$NAME/greeting.conf\"},
  \"installedFilesTemplate\"" &&
  sc_build validate b 2>err &&
  expect_grep "^b: 0 errors, 0 warnings$" err &&
  rm b/tmpfiles.template && rm -r b/hostfs &&
  sc_build validate b 2>err &&
  expect_grep "^b: 0 errors, 0 warnings$" err
'

test_expect_success 'usage: --help on stdout, bad options and --set without = exit 2' '
  sc_build validate --help >out && grep -q "^usage: sc-build validate" out &&
  expect_exit 2 sc_build validate --bogus p &&
  expect_exit 2 sc_build validate --set NOEQUALS p &&
  expect_grep "NAME=VALUE" "$TEST_TMP/.stderr" &&
  expect_exit 2 sc_build validate base p
'

test_expect_success 'a missing project directory is an error' '
  expect_exit 1 sc_build validate does-not-exist &&
  expect_grep "does-not-exist" "$TEST_TMP/.stderr"
'

test_done
