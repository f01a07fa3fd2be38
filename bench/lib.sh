# lib.sh: what the benchmarks share.  Source it with the script's
# arguments: bench_setup NAME TOOL... parses [SIZE_MB=300] [NFILES=20000]
# [SEED=1] [RUNS=3], checks the tools and sc-build (build/bin/sc-build or
# $SC_BUILD), and makes and enters a work directory removed at exit;
# bench_rootfs DIR fills DIR with the synthetic tree of
# ../shared/bench/gen-rootfs.py, the same on every machine.

bench_setup() {
  local name=$1 tool
  shift
  repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  sc_build=${SC_BUILD:-$repo/build/bin/sc-build}
  # The scripts work in a directory of their own: SC_BUILD=build-rel/... too.
  [ -e "$sc_build" ] && sc_build=$(realpath "$sc_build")
  gen=${GEN_ROOTFS:-$repo/../shared/bench/gen-rootfs.py}
  for tool in "$@"; do
    command -v "$tool" >/dev/null ||
      { echo "bench: $tool is missing (scripts/install-deps.sh installs it)" >&2; exit 1; }
  done
  [ -x "$sc_build" ] || { echo "bench: no sc-build at $sc_build: build first" >&2; exit 1; }
  # 77: the test suite's skip; the tree generator lives beside the checkout.
  [ -f "$gen" ] || { echo "1..0 # SKIP bench: no tree generator at $gen (set GEN_ROOTFS)"; exit 77; }
  work=$(mktemp -d "${TMPDIR:-/var/tmp}/sc-bench-$name.XXXXXX")
  trap 'bench_cleanup' EXIT
  cd "$work"
}

bench_cleanups=()
bench_cleanup() {
  local c
  for c in "${bench_cleanups[@]}"; do eval "$c" || true; done
  rm -rf "$work"
}

bench_args() {
  size_mb=${1:-300}
  nfiles=${2:-20000}
  seed=${3:-1}
  runs=${4:-3}
}

bench_rootfs() {
  echo "== generating ${size_mb} MB / ${nfiles} files (seed $seed)"
  python3 "$gen" "$1" "$size_mb" "$nfiles" "$seed"
  du -sh "$1"
}

# bench_report TIMES.JSON "PEER:SC-BUILD" ...: min and median of each
# command, then each ratio of medians (peer time / sc-build time; above 1:
# sc-build is faster), and a "RESULT NAME MEDIAN MIN" line per command.
bench_report() {
  python3 - "$@" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
res = {r["command"]: r["median"] for r in results}
print("\n%-32s %10s %10s" % ("command", "min s", "median s"))
for r in results:
    print("%-32s %10.3f %10.3f" % (r["command"], r["min"], r["median"]))
print("\nratios (peer time / sc-build time; above 1: sc-build is faster):")
for pair in sys.argv[2:]:
    peer, ours = pair.split(":")
    print("  %-26s / %-24s %6.2fx" % (peer, ours, res[peer] / res[ours]))
for r in results:
    print("RESULT %s\t%.3f\t%.3f" % (r["command"], r["median"], r["min"]))
PY
}

# A --prepare command that moves PATH aside (not removes it) before a run:
# ext4 skips inodes freed a few seconds before when it allocates new ones
# (recently_deleted), and after removing 20,000 files that scan took 10 to
# 30 s of system time from whichever command came next, sc-build or its
# peer alike.  The trees go when the work directory does.
aside() { echo "mkdir -p old && if [ -e $1 ]; then mv $1 \$(mktemp -d old/XXXXXX)/; fi"; }
