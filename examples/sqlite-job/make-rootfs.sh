#!/usr/bin/env bash
# make-rootfs.sh: this project's rootfs/, from Debian's sqlite3 package (and
# its libraries) and dash for /bin/sh, plus the job: migrate.sh and
# schema.sql of this directory.  See ../debian-rootfs.sh for how, and
# ../README.md for the whole example.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$here/rootfs"
"$here/../debian-rootfs.sh" "$here/rootfs" sqlite3 dash
install -D -m 0755 "$here/migrate.sh" "$here/rootfs/usr/libexec/sqlite-job/migrate.sh"
install -D -m 0644 "$here/schema.sql" "$here/rootfs/usr/share/sqlite-job/schema.sql"
# The bind mount's target: the root is read-only, so runc cannot make it.
mkdir -p "$here/rootfs/var/lib/sqlite-job"
