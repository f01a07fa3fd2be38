# registry.sh: run Debian's docker-registry (distribution 2.8) for tests.
# Source after tests/cli/lib.sh.  registry_config writes config.yml
# (docs/configuration.md: storage.filesystem.rootdirectory, http.addr,
# http.secret, http.tls, auth.htpasswd, auth.token); registry_start runs it
# and waits until GET /v2/ answers; registry_stop ends it.

# registry_config DIR PORT [tls CERT KEY | mtls CERT KEY CLIENT_CA]... [htpasswd FILE | token REALM CERT]
# (mtls: TLS that asks for a client certificate signed by CLIENT_CA)
registry_config() {
  local dir=$1 port=$2; shift 2
  mkdir -p "$dir/storage"
  {
    echo "version: 0.1"
    echo "log: {level: info, accesslog: {disabled: false}}"
    echo "storage: {filesystem: {rootdirectory: $dir/storage}, delete: {enabled: true}}"
    echo "http:"
    echo "  addr: 127.0.0.1:$port"
    # A fixed secret keeps upload sessions valid across a restart.
    echo "  secret: sc-build-test-secret"
    while [ $# -gt 0 ]; do
      case $1 in
        tls) echo "  tls: {certificate: $2, key: $3}"; shift 3 ;;
        mtls) echo "  tls: {certificate: $2, key: $3, clientcas: [$4]}"; shift 4 ;;
        *) break ;;
      esac
    done
    case ${1:-} in
      htpasswd) echo "auth: {htpasswd: {realm: sc-test, path: $2}}" ;;
      token) echo "auth: {token: {realm: \"$2\", service: sc-test-registry, issuer: sc-test-issuer, rootcertbundle: $3}}" ;;
    esac
  } >"$dir/config.yml"
}

# registry_start DIR PORT [SCHEME]: start in the background, log in DIR/log.
registry_start() {
  local dir=$1 port=$2 scheme=${3:-http} i
  docker-registry serve "$dir/config.yml" >>"$dir/log" 2>&1 &
  echo $! >"$dir/pid"
  for i in $(seq 100); do
    if curl -sk -o /dev/null "$scheme://127.0.0.1:$port/v2/"; then return 0; fi
    sleep 0.1
  done
  echo "registry did not start:"; cat "$dir/log"; return 1
}

registry_stop() {
  local dir=$1 pid
  [ -f "$dir/pid" ] || return 0
  pid=$(cat "$dir/pid")
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -f "$dir/pid"
}

# registry_up DIR: for the CLI tests (tests/cli/lib.sh): a registry kept in
# DIR on a free loopback port, stopped when the test ends; sets PORT and
# R (127.0.0.1:PORT).
registry_up() {
  PORT=$(test_free_port) && R=127.0.0.1:$PORT &&
    registry_config "$1" "$PORT" &&
    test_cleanup_add "registry_stop '$1'" &&
    registry_start "$1" "$PORT"
}
