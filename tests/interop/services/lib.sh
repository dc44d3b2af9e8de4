# Shared helpers of the services interop tests, sourced by each script.
# Usage: source lib.sh ERGOD_BINARY SOURCE_ROOT
# On top of tests/e2e/lib.sh ($ergod, $tmp, start_ergod, wait_for_line, fail...), it gives:
#   start_node       an ergod with a private embedded EPMD port and unique node name ($node)
#   run_check CASE   runs svc_checks:CASE on a fresh erl node against it; fails on FAIL
#   start_erl_bg NAME CASE  the same in the background ($erl_bg_pid, output in $tmp/NAME.out)
#   no_error_logs    fails when ergod logged a warning or error
# Every erl started here is killed at exit.
source "$(dirname "${BASH_SOURCE[0]}")/../../e2e/lib.sh" "$@"

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
host=$(hostname -s)
cookie=svc_$RANDOM$RANDOM
erl_pids=()

kill_erls() {
  local p
  for p in "${erl_pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  for p in "${erl_pids[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap 'kill_erls; cleanup' EXIT

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

erlc -o "$tmp" "$here/check_lib.erl" "$here/svc_checks.erl" || fail "erlc svc_checks.erl"
epmd_port=$(free_port)
# Every ergod here runs the echo example: the plugin built beside the binary, the manifest
# of the default config.
echo_config="plugins:
  dir: \$ORIGIN/../../plugins
manifests:
  dir: $src/config/manifests"
export ERL_EPMD_PORT=$epmd_port

start_node() {
  node=svc$$_$RANDOM@$host
  cat >"$tmp/node.yaml" <<YAML
node:
  name: $node
  cookie: $cookie
epmd:
  port: $epmd_port
  mode: embedded
log:
  level: info
$echo_config
YAML
  start_ergod --config "$tmp/node.yaml"
  wait_for_line "node $node running" || fail "ergod did not start"
}

erl_cmd() {  # NAME CASE
  echo erl -sname "$1" -setcookie "$cookie" -pa "$tmp" -noshell -kernel logger_level warning \
    -s svc_checks main "$node" "$2"
}

run_check() {
  local name=erl$$_$RANDOM out rc=0
  out=$tmp/$name.out
  $(erl_cmd "$name" "$1") >"$out" 2>&1 &
  local pid=$!
  erl_pids+=("$pid")
  wait "$pid" || rc=$?
  if ((rc != 0)) || ! grep -q "^PASS $1" "$out"; then
    cat "$out" >&2
    fail "svc_checks:$1 (exit $rc)"
  fi
  # An OTP node logs errors and warnings (global, pg, gen_server) on standard_io here.
  if grep -qE '=(ERROR|WARNING) REPORT|\[error\]|\[warning\]' "$out"; then
    cat "$out" >&2
    fail "erl logged errors or warnings in $1"
  fi
  echo "ok: $1"
}

start_erl_bg() {  # NAME CASE
  $(erl_cmd "$1" "$2") >"$tmp/$1.out" 2>&1 &
  erl_bg_pid=$!
  erl_pids+=("$erl_bg_pid")
}

no_error_logs() {
  # drain what ergod wrote so far without waiting for more
  while IFS= read -r -t 0.2 line <&3; do printf '%s\n' "$line" >>"$log"; done || true
  # Except echo's supervisor reporting the restarts the tests cause ({stop, R} and crashes),
  # as OTP's supervisor reports them.
  if grep -E '^<[34]>' "$log" | grep -vE '^<3>ergod: echo: Supervisor: \{local,echo_sup\}\. Context: child_terminated\.'; then
    fail "ergod logged errors or warnings"
  fi
}
