#!/usr/bin/env bash
# make-rootfs.sh: this project's rootfs/, from Debian's redis-server package
# (the binary, its libraries and Debian's /etc/redis/redis.conf) and dash
# for /bin/sh (the probe's shell).  See ../debian-rootfs.sh for how, and
# ../README.md for the whole example.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$here/rootfs"
"$here/../debian-rootfs.sh" "$here/rootfs" redis-server redis-tools dash
# The bind mount's target: the root is read-only, so runc cannot make it
# (Debian's postinst makes it on a host; no package script runs here).
mkdir -p "$here/rootfs/var/lib/redis"
