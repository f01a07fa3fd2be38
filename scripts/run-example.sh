#!/usr/bin/env bash
# run-example.sh: build sc-build and walk through its first use: make the
# hello-world project, validate it, build an OCI image, inspect it,
# test-install it into a temporary root and smoke-test it with runc.
# Everything happens in ./_example (removed and made again on each run;
# EXAMPLE_DIR overrides it).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

bash scripts/install-deps.sh

build=${BUILD_DIR:-build}   # BUILD_DIR: another build directory, if build/ is taken
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release
cmake --build "$build" -j2
sc_build=$(cd "$build" && pwd)/bin/sc-build

step() { printf '\n==> %s\n' "$*"; }

example=${EXAMPLE_DIR:-_example}
rm -rf "$example"
mkdir -p "$example"
cd "$example"

step "sc-build init hello-world"
"$sc_build" init hello-world

step "sc-build validate hello-world"
"$sc_build" validate hello-world

step "sc-build build hello-world -o hello-world.oci"
"$sc_build" build hello-world -o hello-world.oci

step "sc-build inspect oci:hello-world.oci:hello-world:latest"
"$sc_build" inspect oci:hello-world.oci:hello-world:latest

step "sc-build install into a test root ($PWD/root), not the host"
mkdir -p root
"$sc_build" install "oci:hello-world.oci:hello-world:latest" --root root
echo "Files written:"
(cd root && find . -path ./var/lib/containers/atomic/hello-world.0/rootfs -prune -o -type f -print \
  -o -type l -printf '%p -> %l\n' | sort)
echo
echo "The unit, etc/systemd/system/hello-world.service:"
cat root/etc/systemd/system/hello-world.service
"$sc_build" list --root root

step "sc-build uninstall hello-world (from the test root)"
"$sc_build" uninstall hello-world --root root

step "sc-build test hello-world: install, start with runc, probe, tear down"
"$sc_build" test hello-world

step "done"
echo "sc-build is $sc_build: for the tutorial in README.md, put it on PATH with"
echo "  export PATH=$(dirname "$sc_build"):\$PATH"
echo "(or install it: cmake --install $build)."
echo "The image is the OCI layout $PWD/hello-world.oci"
echo "(reference oci:$PWD/hello-world.oci:hello-world:latest)."
echo "Try: skopeo inspect oci:$PWD/hello-world.oci:hello-world:latest"
