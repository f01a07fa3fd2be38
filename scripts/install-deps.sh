#!/usr/bin/env bash
# install-deps.sh: install sc-build's build and test dependencies with apt
# (Debian 12 / Ubuntu), only those that are missing.  Does nothing when all
# are present, so it is cheap to run before every build.
set -euo pipefail

packages=(
  # build
  build-essential cmake pkg-config
  libarchive-dev libjansson-dev libssl-dev libostree-dev libcurl4-openssl-dev
  libglib2.0-dev libcmocka-dev libdeflate-dev libisal-dev libzstd-dev
  libgpgme-dev libyaml-dev gnupg libsodium-dev librpm-dev
  # tests: image tools, runtimes, OSTree, HTTP
  skopeo umoci oci-image-tool runc ostree curl python3 file
  docker-registry apache2-utils openssl crun podman libarchive-tools
  # tests: rpm databases made by rpmbuild and rpm --root, and a Berkeley DB
  # one by db_load (t0767-sbom-rpm)
  rpm db5.3-util
  # tests: encrypted sigstore keys written by tests/cli/sigstore-key.py
  python3-nacl
  # tests: the systemd host of `sc-build test --systemd` (t0640-systemd)
  debootstrap
  # tests: the --json documents against docs/schemas (tests/cli/check-schema.py)
  python3-jsonschema
  # tests: the zsh completion script run by zsh's completion system (t0131)
  zsh
  # tests: atomic's own code, where SC_ATOMIC_SRC names a checkout of it
  # (tests/atomic/README.md, t0440-atomic-interop)
  python3-gi gir1.2-ostree-1.0 python3-selinux python3-yaml
  # benchmarks (bench/run; bench/run --quick runs in the suite)
  hyperfine pigz zstd
  # checks in the suite: format (clang-format) and abi (abidiff, abidw)
  clang-format abigail-tools
  # tests: sc-build(1) renders without a warning (t0135-help)
  groff-base man-db
)

# Not installed, but downloaded by the examples' make-rootfs.sh scripts
# (tests/cli/t0900-examples.sh): apt's lists must name them.
example_packages=(redis-server redis-tools sqlite3 dash)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$status" = installed ] || missing+=("$p")
done

lists_ok=true
apt-cache show --no-all-versions "${example_packages[@]}" >/dev/null 2>&1 || lists_ok=false

if [ ${#missing[@]} -eq 0 ] && $lists_ok; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: run as root or install sudo" >&2; exit 1; }
  sudo=(sudo)
fi
if ! $lists_ok; then
  echo "install-deps: updating apt's lists for the examples' packages (${example_packages[*]})"
  "${sudo[@]}" apt-get update -q
fi
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt_install() {
  "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
}
# Update the package lists first when apt does not know a missing package
# (a fresh container has no lists); else install right away, and update and
# retry once if the lists turn out to be stale.
needs_update=false
for p in "${missing[@]}"; do
  apt-cache show "$p" >/dev/null 2>&1 || { needs_update=true; break; }
done
if $needs_update; then
  "${sudo[@]}" apt-get update -q
fi
if ! apt_install; then
  "${sudo[@]}" apt-get update -q
  apt_install
fi
