#!/bin/bash
# t0767-sbom-rpm: `sc-build sbom` lists the packages of an image's rpm
# database, read through librpm: databases made by the real rpm (rpmbuild
# packages installed with `rpm --root`) at Fedora's path (with var/lib/rpm
# a symlink to it) and at the older var/lib/rpm, each package with the
# name, EPOCH:VERSION-RELEASE, arch, license and supplier that
# `rpm --root -qa` reports and its purl-spec purl; rpm's gpg-pubkey keyring
# headers are no packages; a damaged database or one behind a symlink out of
# rpm's places is refused, naming the file.
. "$SC_SOURCE_DIR/tests/cli/lib.sh"
test_require rpm rpmbuild python3

check() { python3 "$SC_SOURCE_DIR/tests/cli/spdx-check.py" "$@"; }
json_get() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }
# rpm (Debian's) would put the database in $HOME/.rpmdb: --dbpath says where.
rpm_in() { local root=$1 dbpath=$2; shift 2; rpm --root "$TEST_TMP/$root" --dbpath "$dbpath" "$@"; }
# The packages as `rpm -qa` reports them, their fields tab-separated.
rpm_report() {
  local root=$1 dbpath=$2
  shift 2
  rpm_in "$root" "$dbpath" "$@" -qa \
    --qf '%{NAME}\t%{EVR}\t%{VERSION}\t%{RELEASE}\t%{EPOCH}\t%{ARCH}\t%{LICENSE}\t%{VENDOR}\t%{PACKAGER}\n'
}
# Every rpm package of the SBOM ($1) is the one rpm reports ($2): versionInfo,
# licenseComments, supplier and a purl (purl-spec's rpm type: VERSION-RELEASE,
# arch and epoch as qualifiers in key order, percent-encoded) built here.
check_rpm() {
  python3 - "$1" "$2" <<-\PY
	import json, sys
	from urllib.parse import quote
	doc = json.load(open(sys.argv[1]))
	keys = "name evr version release epoch arch license vendor packager".split()
	want = [dict(zip(keys, l.rstrip("\n").split("\t"))) for l in open(sys.argv[2]) if l.strip()]
	want = {w["name"]: w for w in want if w["name"] != "gpg-pubkey"}
	got = {p["name"]: p for p in doc["packages"] if p["SPDXID"] != "SPDXRef-Image"}
	assert sorted(got) == sorted(want), (sorted(got), sorted(want))
	for name, w in want.items():
	    p = got[name]
	    assert p["versionInfo"] == w["evr"], (p, w)
	    assert p["licenseComments"] == "rpm database: " + w["license"], (p, w)
	    supplier = ("Organization: " + w["vendor"] if w["vendor"] != "(none)"
	                else "Person: " + w["packager"].replace(" <", " (").replace(">", ")"))
	    assert p["supplier"] == supplier, (p, supplier)
	    purl = "pkg:rpm/fedora/%s@%s?arch=%s" % (quote(name, safe=""),
	        quote(w["version"] + "-" + w["release"], safe=""), quote(w["arch"], safe=""))
	    if w["epoch"] != "(none)":
	        purl += "&epoch=" + w["epoch"]
	    refs = [r["referenceLocator"] for r in p["externalRefs"] if r["referenceType"] == "purl"]
	    assert refs == [purl], (refs, purl)
	PY
}

# Two packages: one noarch with an epoch and a vendor, one of this machine's
# arch with rpm 4.15's `^` in its version and only a packager.
make_rpms() {
  mkdir -p rpmbuild &&
  cat >hello.spec <<-\SPEC &&
	Name: sc-hello
	Epoch: 2
	Version: 1.2
	Release: 3
	Summary: a test package
	License: MIT AND Apache-2.0
	Vendor: Example Vendor
	BuildArch: noarch
	%description
	A test package.
	%install
	mkdir -p %{buildroot}/usr/share/sc-hello
	echo hello >%{buildroot}/usr/share/sc-hello/greeting
	%files
	/usr/share/sc-hello/greeting
	SPEC
  cat >tool.spec <<-\SPEC &&
	Name: sc-tool
	Version: 1.0^20240101git
	Release: 1.fc40
	Summary: a test package
	License: GPL-2.0-or-later
	Packager: Jane Doe <jane@example.org>
	%description
	A test package.
	%install
	mkdir -p %{buildroot}/usr/share/sc-tool
	echo tool >%{buildroot}/usr/share/sc-tool/greeting
	%files
	/usr/share/sc-tool/greeting
	SPEC
  for spec in hello.spec tool.spec; do
    rpmbuild --define "_topdir $TEST_TMP/rpmbuild" -bb $spec >rpmbuild.log 2>&1 || {
      cat rpmbuild.log; return 1; }
  done
}

# A project whose rootfs/ has both packages installed by rpm into dbpath.
make_rpm_project() {
  local dir=$1 dbpath=$2
  test_make_project "$dir" "$dir" >/dev/null &&
  rpm_in "$dir/rootfs" "$dbpath" -i --nodeps --noscripts rpmbuild/RPMS/*/*.rpm 2>rpm.err &&
  rpm_report "$dir/rootfs" "$dbpath" >"$dir.want" &&
  test "$(grep -c . "$dir.want")" = 2
}

test_expect_success 'rpmbuild makes two packages' '
  make_rpms &&
  test "$(ls rpmbuild/RPMS/*/*.rpm | wc -l)" = 2
'

test_expect_success 'Fedora'"'"'s /usr/lib/sysimage/rpm, var/lib/rpm a symlink to it' '
  make_rpm_project fed /usr/lib/sysimage/rpm &&
  test -f fed/rootfs/usr/lib/sysimage/rpm/rpmdb.sqlite &&
  mkdir -p fed/rootfs/var/lib && ln -s ../../usr/lib/sysimage/rpm fed/rootfs/var/lib/rpm &&
  sc_build build fed -o fed.oci >/dev/null 2>&1 &&
  sc_build sbom oci:fed.oci >fed.json &&
  cut -f1,2 fed.want | tr "\t" " " >fed.names &&
  check fed.json fed.names &&
  check_rpm fed.json fed.want &&
  test "$(json_get fed.json "[r[\"referenceLocator\"] for p in d[\"packages\"] if p[\"name\"] == \"sc-hello\" for r in p[\"externalRefs\"]][0]")" = \
    "pkg:rpm/fedora/sc-hello@1.2-3?arch=noarch&epoch=2"
'

test_expect_success 'the same image, the same bytes' '
  sc_build sbom oci:fed.oci -o fed-again.json &&
  cmp fed.json fed-again.json &&
  sc_build build fed -o fed.oci --sbom -q &&
  sc_build sbom oci:fed.oci:fed:latest -o fed-built.json &&
  cmp fed.json fed-built.json &&
  layer=$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print([m[\"digest\"] for m in d[\"manifests\"] if m.get(\"artifactType\")][0][7:])" fed.oci/index.json) &&
  attached=$(json_get fed.oci/blobs/sha256/$layer "d[\"layers\"][0][\"digest\"][7:]") &&
  cmp fed.json fed.oci/blobs/sha256/$attached
'

test_expect_success 'packages committed only to sqlite'"'"'s write-ahead log are read' '
  make_rpm_project wal /usr/lib/sysimage/rpm &&
  python3 - wal/rootfs/usr/lib/sysimage/rpm/rpmdb.sqlite <<-\PY &&
	import os, sqlite3, sys
	db = sqlite3.connect(sys.argv[1], isolation_level=None)
	assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
	db.execute("PRAGMA wal_autocheckpoint = 0")
	db.execute("INSERT INTO Packages (hnum, blob) SELECT 99, blob FROM Packages WHERE hnum = 1")
	os._exit(0)  # no close: no checkpoint, the row is in rpmdb.sqlite-wal only
	PY
  test -s wal/rootfs/usr/lib/sysimage/rpm/rpmdb.sqlite-wal &&
  rm wal/rootfs/usr/lib/sysimage/rpm/rpmdb.sqlite-shm &&
  rpm_report wal/rootfs /usr/lib/sysimage/rpm >wal.want &&
  test "$(grep -c . wal.want)" = 3 &&
  sc_build build wal -o wal.oci >/dev/null 2>&1 &&
  sc_build sbom oci:wal.oci >wal.json &&
  check_rpm wal.json wal.want &&
  test "$(json_get wal.json "len(d[\"packages\"])")" = 4
'

test_expect_success 'a TMPDIR with a % is refused: librpm would expand it and find nothing' '
  mkdir "$TEST_TMP/tmp%{_bindir}" &&
  TMPDIR="$TEST_TMP/tmp%{_bindir}" expect_exit 1 sc_build sbom oci:fed.oci -o pct.json &&
  expect_grep "rpmdb.sqlite: cannot be read by librpm from .*holds a %; set TMPDIR" "$TEST_TMP/.stderr" &&
  ! test -e pct.json &&
  test -z "$(ls -A "$TEST_TMP/tmp%{_bindir}")"
'

test_expect_success 'the older /var/lib/rpm, as a directory' '
  make_rpm_project old /var/lib/rpm &&
  sc_build build old -o old.oci >/dev/null 2>&1 &&
  sc_build sbom oci:old.oci >old.json &&
  check old.json &&
  check_rpm old.json old.want
'

# The Berkeley DB Packages file of RHEL 8 and older: a hash database from
# header number (native-endian, key 0 the next number) to header blob, as
# rpm's bdb backend wrote it; made from the sqlite database's headers with
# Berkeley DB's own db_load, read back by Debian's rpm through bdb_ro.
test_lazy_prereq DB_LOAD 'command -v db5.3_load'
test_expect_success DB_LOAD 'the Berkeley DB /var/lib/rpm/Packages, through bdb_ro' '
  test_make_project bdb bdb >/dev/null &&
  mkdir -p bdb/rootfs/var/lib/rpm &&
  python3 - old/rootfs/var/lib/rpm/rpmdb.sqlite >packages.txt <<-\PY &&
	import sqlite3, struct, sys
	rows = sqlite3.connect(sys.argv[1]).execute("SELECT hnum, blob FROM Packages").fetchall()
	hex_escaped = lambda b: "".join("\\%02x" % c for c in b)
	for key, value in [(0, struct.pack("=I", max(r[0] for r in rows) + 1))] + rows:
	    print(hex_escaped(struct.pack("=I", key)))
	    print(hex_escaped(value))
	PY
  db5.3_load -T -t hash -f packages.txt bdb/rootfs/var/lib/rpm/Packages &&
  rpm_report bdb/rootfs /var/lib/rpm --define "_db_backend bdb_ro" 2>/dev/null >bdb.want &&
  test "$(grep -c . bdb.want)" = 2 &&
  sc_build build bdb -o bdb.oci >/dev/null 2>&1 &&
  sc_build sbom oci:bdb.oci >bdb.json &&
  check bdb.json &&
  check_rpm bdb.json bdb.want
'

test_lazy_prereq GPG 'command -v gpg && command -v rpmkeys'
test_expect_success GPG 'the gpg-pubkey headers of rpm'"'"'s keyring are no packages' '
  export GNUPGHOME=$TEST_TMP/gnupg && mkdir -m 700 "$GNUPGHOME" &&
  gpg --batch --passphrase "" --quick-gen-key "sc-build test <test@example.org>" rsa2048 sign never 2>/dev/null &&
  gpg --armor --export test@example.org >key.asc &&
  rpmkeys --root "$TEST_TMP/old/rootfs" --dbpath /var/lib/rpm --import key.asc &&
  rpm_report old/rootfs /var/lib/rpm >keyed.want &&
  grep_q "^gpg-pubkey	" keyed.want &&
  sc_build build old -o keyed.oci >/dev/null 2>&1 &&
  sc_build sbom oci:keyed.oci >keyed.json &&
  check_rpm keyed.json keyed.want &&
  test "$(json_get keyed.json "len(d[\"packages\"])")" = 3
'

test_expect_success 'Debian'"'"'s rpm default, $HOME/.rpmdb, is no image database' '
  test_make_project home home >/dev/null &&
  HOME=/root rpm --root "$TEST_TMP/home/rootfs" -i --nodeps --noscripts rpmbuild/RPMS/*/*.rpm 2>rpm.err &&
  test -f home/rootfs/root/.rpmdb/rpmdb.sqlite &&
  sc_build build home -o home.oci >/dev/null 2>&1 &&
  sc_build sbom oci:home.oci >home.json &&
  test "$(json_get home.json "len(d[\"packages\"])")" = 1
'

test_expect_success 'a file that is no database is refused, naming it; nothing written' '
  make_rpm_project bad /usr/lib/sysimage/rpm &&
  head -c 4096 /dev/urandom >bad/rootfs/usr/lib/sysimage/rpm/rpmdb.sqlite &&
  sc_build build bad -o bad.oci >/dev/null 2>&1 &&
  expect_exit 1 sc_build sbom oci:bad.oci -o bad.json &&
  expect_grep "/usr/lib/sysimage/rpm/rpmdb.sqlite: not an rpm database of the sqlite backend" "$TEST_TMP/.stderr" &&
  ! test -e bad.json
'

test_lazy_prereq SQLITE3 'command -v sqlite3'
test_expect_success SQLITE3 'a damaged package header is refused, naming the database' '
  make_rpm_project damaged /usr/lib/sysimage/rpm &&
  sqlite3 damaged/rootfs/usr/lib/sysimage/rpm/rpmdb.sqlite \
    "UPDATE Packages SET blob = substr(blob, 1, 200) || zeroblob(50) || substr(blob, 251) WHERE hnum = 1" &&
  sc_build build damaged -o damaged.oci >/dev/null 2>&1 &&
  expect_exit 1 sc_build sbom oci:damaged.oci -o damaged.json &&
  expect_grep "/usr/lib/sysimage/rpm/rpmdb.sqlite: a damaged rpm database: .*h# +1 " "$TEST_TMP/.stderr" &&
  ! test -e damaged.json
'

test_expect_success 'a database behind a symlink out of rpm'"'"'s places is refused' '
  make_rpm_project away /opt/db &&
  mkdir -p away/rootfs/var/lib && ln -s /opt/db away/rootfs/var/lib/rpm &&
  sc_build build away -o away.oci >/dev/null 2>&1 &&
  expect_exit 1 sc_build sbom oci:away.oci -o away.json &&
  expect_grep "/opt/db/rpmdb.sqlite: reached through a symlink, not where rpm keeps a database" "$TEST_TMP/.stderr" &&
  ! test -e away.json
'

test_done
