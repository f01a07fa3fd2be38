#!/usr/bin/env bash
# debian-rootfs.sh ROOTFS PACKAGE...: fill ROOTFS (a new directory) with
# Debian's own binaries: the named packages and the shared libraries they
# need, fetched from the Debian archive this machine's apt sources name.
#
# How: `apt-get download` the packages, read each .deb's Depends and
# Pre-Depends, and follow them into library packages only (Debian names a
# shared-library package after its soname, lib*; zlib1g is the old
# exception), so that maintainer-script helpers (adduser, debconf, perl) stay
# out: no package script runs, dpkg-deb -x only unpacks.  `sc-build
# validate` then proves the result complete: it checks the ELF loader and
# every DT_NEEDED library of the program the image runs.
#
# The .debs are kept in $DEB_CACHE (default: ~/.cache/sc-build/debs), so a
# second run downloads nothing.  The same package versions give the same
# files, hence the same image digest; the versions used are printed and
# written to ROOTFS/usr/share/sc-build-example/packages.
set -euo pipefail

if [ $# -lt 2 ]; then
  echo "usage: $0 ROOTFS PACKAGE..." >&2
  exit 2
fi
rootfs=$1
shift
cache=${DEB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sc-build/debs}

for tool in apt-get apt-cache dpkg-deb; do
  command -v "$tool" >/dev/null || {
    echo "$0: $tool is missing: these examples take Debian's packages with apt (run on Debian or Ubuntu)" >&2
    exit 1
  }
done
if [ -e "$rootfs" ]; then
  echo "$0: $rootfs already exists: remove it first to make it again" >&2
  exit 1
fi
mkdir -p "$cache"

apt_opts=(-q)
# As root, apt drops to the _apt user to download, which cannot write a
# cache under /root: download as root instead (the files are checked by
# apt against the archive's signed index either way).
[ "$(id -u)" -eq 0 ] && apt_opts+=(-o APT::Sandbox::User=root)

# "PACKAGE VERSION DEP..." for each named package at the archive's
# candidate version, DEP being the library packages it depends on: the
# first of each alternative, without versions or architecture qualifiers.
resolve() {
  apt-cache show --no-all-versions "$@" | awk '
    function deps(text, n, parts, i, d) {
      n = split(text, parts, ",")
      for (i = 1; i <= n; i++) {
        d = parts[i]
        sub(/\|.*/, "", d); sub(/\(.*/, "", d); sub(/:.*/, "", d); gsub(/[ \t]/, "", d)
        if (d ~ /^lib/ || d == "zlib1g") out = out " " d
      }
    }
    /^Package: / { pkg = $2; out = "" }
    /^Version: / { version = $2 }
    /^(Pre-)?Depends: / { sub(/^[A-Za-z-]*: /, ""); deps($0) }
    /^$/ && pkg != "" { print pkg, version out; pkg = "" }
    END { if (pkg != "") print pkg, version out }'
}

declare -A version_of=()
batch=("$@")
while [ ${#batch[@]} -gt 0 ]; do
  if ! lines=$(resolve "${batch[@]}" 2>/dev/null) || [ -z "$lines" ]; then
    echo "$0: apt knows none or not all of: ${batch[*]}: run 'apt-get update' (or check the names)" >&2
    exit 1
  fi
  next=()
  while read -r pkg version deps; do
    version_of[$pkg]=$version
    for dep in $deps; do
      [ -n "${version_of[$dep]:-}" ] || next+=("$dep")
    done
  done <<<"$lines"
  for pkg in "${batch[@]}"; do
    [ -n "${version_of[$pkg]:-}" ] || {
      echo "$0: apt knows no package '$pkg': run 'apt-get update' (or check the name)" >&2
      exit 1
    }
  done
  mapfile -t batch < <(printf '%s\n' ${next[@]+"${next[@]}"} | sort -u | grep -v '^$' || true)
done

# apt-get download names a file PACKAGE_VERSION_ARCH.deb, the version's ':'
# written '%3a': the cached one, or nothing.
cached_deb() {
  local matches=("$cache/${1}_${2/:/%3a}_"*.deb)
  if [ -e "${matches[0]}" ]; then printf '%s\n' "${matches[0]}"; fi
}

# Download the missing ones in one go.
debs=()
missing=()
for pkg in $(printf '%s\n' "${!version_of[@]}" | sort); do
  version=${version_of[$pkg]}
  file=$(cached_deb "$pkg" "$version")
  if [ -n "$file" ]; then
    debs+=("$file")
  else
    missing+=("$pkg=$version")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  (cd "$cache" && apt-get "${apt_opts[@]}" download "${missing[@]}" >&2) || {
    echo "$0: cannot download ${missing[*]} from the Debian archive" >&2
    exit 1
  }
  for spec in "${missing[@]}"; do
    pkg=${spec%%=*} version=${spec#*=}
    file=$(cached_deb "$pkg" "$version")
    [ -n "$file" ] || { echo "$0: apt-get download left no .deb for $pkg $version" >&2; exit 1; }
    debs+=("$file")
  done
fi

tmp=$(mktemp -d "$(dirname "$rootfs")/.rootfs.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
chmod 0755 "$tmp"
for deb in "${debs[@]}"; do
  dpkg-deb -x "$deb" "$tmp"
done
# Documentation, manual pages and locales are not needed to run.
rm -rf "$tmp/usr/share/doc" "$tmp/usr/share/man" "$tmp/usr/share/info" "$tmp/usr/share/locale" \
  "$tmp/usr/share/lintian" "$tmp/usr/share/bash-completion"
# Mount points for config.json.template's mounts: the root is read-only, so
# runc cannot create them.
for dir in proc dev sys tmp run etc var/lib var/log; do
  mkdir -p "$tmp/$dir"
done
mkdir -p "$tmp/usr/share/sc-build-example"
for deb in "${debs[@]}"; do
  # shellcheck disable=SC2016 # dpkg-deb expands ${Package}, not the shell
  dpkg-deb --show --showformat='${Package} ${Version}\n' "$deb"
done | sort >"$tmp/usr/share/sc-build-example/packages"
echo "$(basename "$rootfs"): $(wc -l <"$tmp/usr/share/sc-build-example/packages") Debian packages:" \
  "$(tr '\n' ' ' <"$tmp/usr/share/sc-build-example/packages")"
mv "$tmp" "$rootfs"
trap - EXIT
