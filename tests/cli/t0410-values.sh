#!/usr/bin/env bash
# t0410-values: values are data (docs/templates.md, "Values are data").
# install and validate refuse a --set value that would change the structure
# of the unit or the tmpfiles.d file, naming the variable and the line of its
# placeholder, and install writes nothing; honest values still render as
# atomic renders them, into files systemd-analyze and systemd-tmpfiles accept.
. "$SC_SOURCE_DIR/tests/cli/lib.sh"
test_require systemd-analyze systemd-tmpfiles python3

R=$TEST_TMP/root
A=var/lib/containers/atomic
mkdir -p "$R/etc/systemd/system" "$R/etc/tmpfiles.d" "$R/$A"

# ARG lands in an Exec line (line 6, column 24), GREETING in a quoted
# Environment= assignment (line 5, column 23), DIR in a tmpfiles path field
# (line 1, column 22).
test_make_project proj svc
cat >proj/service.template <<'UNIT'
[Unit]
Description=Test service $NAME

[Service]
Environment="GREETING=$GREETING"
ExecStartPre=/bin/echo $ARG
ExecStart=$EXEC_START
ExecStop=$EXEC_STOP
WorkingDirectory=$DESTDIR
UNIT
printf 'd ${STATE_DIRECTORY}/$DIR 0700 - - -\n' >proj/tmpfiles.template
cat >proj/manifest.json <<'JSON'
{
  "version": "1.0",
  "defaultValues": {"PORT": "8081", "RECEIVER": "World", "ARG": "a", "GREETING": "g",
                    "DIR": "svc"},
  "installedFilesTemplate": ["/etc/${NAME}/greeting.conf"]
}
JSON
sc_build build proj -o img.oci --tag svc:1 >/dev/null 2>&1

snapshot() { (cd "$R" && find . -printf '%p %y %m\n' | sort); }
snapshot >"$TEST_TMP/before"

# install --set $1 must fail, say $2, and leave the root as it was.
refuse_install() {
  expect_exit 1 sc_build install oci:img.oci:svc:1 --name svc --root "$R" --set "$1" &&
  expect_grep "$2" "$TEST_TMP/.stderr" &&
  snapshot | cmp -s - "$TEST_TMP/before"
}

UNIT_AT="in /exports/service.template line"
test_expect_success 'install refuses a value that would change the unit' '
  refuse_install "ARG=x \\" "value of .ARG. would continue the line .*$UNIT_AT 6" &&
  refuse_install "ARG=x ; /bin/touch /tmp/p" "value of .ARG. would add a command to the Exec line $UNIT_AT 6" &&
  refuse_install "ARG=\"x" "value of .ARG. would change how the rest of the line splits into words $UNIT_AT 6" &&
  refuse_install "ARG=%h" "value of .ARG. would form a specifier $UNIT_AT 6" &&
  refuse_install "ARG=\$HOME" "value of .ARG. would reference an environment variable $UNIT_AT 6" &&
  refuse_install "GREETING=a\" \"PATH=/tmp" "value of .GREETING. would add an assignment to Environment= $UNIT_AT 5" &&
  refuse_install "ARG=$(printf "x\rExecStartPre=/bin/false")" "value of .ARG. would add a line $UNIT_AT 6" &&
  [ ! -e /tmp/p ]
'

TMPFILES_AT="in /exports/tmpfiles.template line 1"
test_expect_success 'install refuses a value that would change a tmpfiles.d line' '
  refuse_install "DIR=x 0777 - - - - #" "value of .DIR. would add a field $TMPFILES_AT" &&
  refuse_install "DIR=x\\" "value of .DIR. would escape the character after it $TMPFILES_AT" &&
  refuse_install "DIR=a\"b" "value of .DIR. would change how the rest of the line splits into words $TMPFILES_AT" &&
  refuse_install "DIR=%Z" "value of .DIR. would form a specifier $TMPFILES_AT"
'

test_expect_success 'install refuses a value that would leave its JSON string' '
  refuse_install "RECEIVER=a\", \"x\": \"y" "value of .RECEIVER. would break out of its JSON string"
'

test_expect_success 'validate reports the same refusals at FILE:LINE:COL' '
  expect_exit 1 sc_build validate proj --set "ARG=x ; /bin/touch /tmp/p" &&
  expect_grep "^proj/service.template:6:24: .*value of .ARG. would add a command" "$TEST_TMP/.stderr" &&
  expect_exit 1 sc_build validate proj --set "ARG=x \\" &&
  expect_grep "^proj/service.template:6:24: .*value of .ARG. would continue the line" "$TEST_TMP/.stderr" &&
  expect_exit 1 sc_build validate proj --set "GREETING=a\" \"B=c" &&
  expect_grep "^proj/service.template:5:23: .*value of .GREETING. would add an assignment" "$TEST_TMP/.stderr" &&
  expect_exit 1 sc_build validate proj --set "DIR=/etc 0777 - - - - #" &&
  expect_grep "^proj/tmpfiles.template:1:22: .*value of .DIR. would add a field" "$TEST_TMP/.stderr" &&
  expect_exit 0 sc_build validate proj
'

test_expect_success 'honest values render as atomic renders them, into files systemd accepts' '
  sc_build install oci:img.oci:svc:1 --name svc --root "$R" \
    --set "ARG=hello '\''big world'\'' x;y \\; 50% \$\$HOME" \
    --set "GREETING=Hello, World; #1 50% sure" --set DIR=svc-data &&
  unit="$R/etc/systemd/system/svc.service" &&
  grep -qxF "ExecStartPre=/bin/echo hello '\''big world'\'' x;y \\; 50% \$\$HOME" "$unit" &&
  grep -qxF "Environment=\"GREETING=Hello, World; #1 50% sure\"" "$unit" &&
  systemd-analyze verify "$unit" &&
  grep -qxF "d /var/lib/svc-data 0700 - - -" "$R/etc/tmpfiles.d/svc.conf" &&
  systemd-tmpfiles --root="$R" --create "$R/etc/tmpfiles.d/svc.conf" &&
  [ "$(stat -c %a "$R/var/lib/svc-data")" = 700 ]
'

test_done
