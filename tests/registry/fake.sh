# fake.sh: run tests/registry/fake-registry.py for a test script.  Source
# after tests/cli/lib.sh.

# fake_start NAME [fake-registry options]: a fake registry serving the
# layout $FAKE_LAYOUT (default $TEST_TMP/base.oci; none of it with
# --fresh), on a free port in $P (its other origin in $O), logging to
# $TEST_TMP/NAME.log; stopped when the script ends.  Call it outside a
# test (each runs in a subshell) or within the one test that uses it.
fake_start() {
  local name=$1 scheme=http i && shift &&
  P=$(test_free_port) && O=$(test_free_port) &&
  case " $* " in *" --redirect-http "*) ;; *" --tls "*) scheme=https ;; esac &&
  { python3 "$SC_SOURCE_DIR/tests/registry/fake-registry.py" "$P" "$O" "$TEST_TMP/$name.log" \
      --layout "${FAKE_LAYOUT:-$TEST_TMP/base.oci}" "$@" >"$TEST_TMP/$name.out" 2>&1 & } &&
  test_cleanup_add "kill $! 2>/dev/null" &&
  for i in $(seq 100); do
    curl -sk -o /dev/null --max-time 1 "$scheme://127.0.0.1:$O/ready" && return 0
    sleep 0.05
  done &&
  echo "fake registry $name did not start:" && cat "$TEST_TMP/$name.out" && return 1
}
