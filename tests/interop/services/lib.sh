# Shared helpers of the services interop tests, sourced by each script.
# Usage: source lib.sh ERGOD_BINARY SOURCE_ROOT
# On top of tests/e2e/lib.sh ($ergod, $tmp, start_ergod, wait_for_line, fail...), it gives:
#   start_node [PREFIX EXTRA]  an ergod with a private embedded EPMD port and a unique node
#                    name ($node, PREFIX<pid>_<n>, svc by default) running echo, or what the
#                    YAML EXTRA (plugins, manifests...) says instead
#   write_config FILE NODE COOKIE EPMD_MODE EXTRA  the config of such an ergod
#   run_check CASE   runs svc_checks:CASE on a fresh erl node against it; fails on FAIL
#   erl_check [--allow-logs] MODULE CASE [ARGS...]  the same with any check module
#   erl_cmd MODULE NAME CASE [ARGS...]  the command line of such an erl node
#   erl_out_ok OUT MODULE CASE EXIT [--allow-logs]  fails unless OUT is a passed check's output
#   start_erl_bg NAME CASE  run_check in the background ($erl_bg_pid, output in $tmp/NAME.out)
#   KEEP_OUT=FILE    (environment) erl_check copies each check's erl output there, to debug
#   ERGOD_TEST_LEVEL=debug  (environment) the log level of the ergods started here (info)
#   no_error_logs [--peer-overlap-race]  fails when ergod logged a warning or error (but, with
#                    the option, global's overlap warning about a node that left it and another)
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

write_config() {  # FILE NODE COOKIE EPMD_MODE EXTRA
  cat >"$1" <<YAML
node:
  name: $2
  cookie: $3
epmd:
  port: $epmd_port
  mode: $4
log:
  level: ${ERGOD_TEST_LEVEL:-info}
$5
YAML
}

start_node() {  # [PREFIX EXTRA]
  node=${1:-svc}$$_$RANDOM@$host
  write_config "$tmp/node.yaml" "$node" "$cookie" embedded "${2:-$echo_config}"
  start_ergod --config "$tmp/node.yaml"
  wait_for_line "node $node running" || fail "ergod did not start"
}

erl_cmd() {  # MODULE NAME CASE [ARGS...]
  echo erl -sname "$2" -setcookie "$cookie" -pa "$tmp" -noshell -kernel logger_level warning \
    -s "$1" main "$node" "${@:3}"
}

erl_out_ok() {  # OUT MODULE CASE EXIT [--allow-logs]
  if (($4 != 0)) || ! grep -q "^PASS $3" "$1"; then
    cat "$1" >&2
    fail "$2:$3 (exit $4)"
  fi
  # An OTP node logs errors and warnings (global, pg, gen_server) on standard_io here.
  if [[ ${5:-} != --allow-logs ]] && grep -qE '=(ERROR|WARNING) REPORT|\[error\]|\[warning\]' "$1"; then
    cat "$1" >&2
    fail "erl logged errors or warnings in $3"
  fi
}

erl_check() {  # [--allow-logs] MODULE CASE [ARGS...]
  local logs=
  if [[ $1 == --allow-logs ]]; then logs=$1; shift; fi
  local name=erl$$_$RANDOM out rc=0
  out=$tmp/$name.out
  $(erl_cmd "$1" "$name" "${@:2}") >"$out" 2>&1 &
  local pid=$!
  erl_pids+=("$pid")
  wait "$pid" || rc=$?
  [[ -n ${KEEP_OUT:-} ]] && cp "$out" "$KEEP_OUT"
  erl_out_ok "$out" "$1" "$2" "$rc" $logs
  echo "ok: $2"
}

run_check() { erl_check svc_checks "$1"; }

start_erl_bg() {  # NAME CASE
  $(erl_cmd svc_checks "$1" "$2") >"$tmp/$1.out" 2>&1 &
  erl_bg_pid=$!
  erl_pids+=("$erl_bg_pid")
}

overlap_race="^<4>ergod: 'global' at node [^ ]+ requested disconnect from node ('peer-[^ ]+'|erl[0-9]+_[0-9]+@[^ ]+) in order to prevent overlapping partitions$"
no_error_logs() {
  # drain what ergod wrote so far without waiting for more
  while IFS= read -r -t 0.2 line <&3; do printf '%s\n' "$line" >>"$log"; done || true
  # Except echo's (and counters') supervisor reporting the restarts the tests cause ({stop, R}
  # and crashes), as OTP's supervisor reports them.
  # With --peer-overlap-race, a node that stops while ergod and another node are both
  # connected to it (a reference peer, peer:start's 'peer-...' names, or an erl check that
  # ends while connected to two ergods): whether ergod hears of the other's loss before its
  # own is a race (as between OTP nodes), and global then logs that it asked the leaving node
  # to disconnect.
  local race='^$'
  [[ ${1:-} == --peer-overlap-race ]] && race=$overlap_race
  if grep -E '^<[34]>' "$log" | grep -vE '^<3>ergod: (echo|counters): Supervisor: \{local,(echo|counters)_sup\}\. Context: child_terminated\.' |
    grep -vE "$race"; then
    fail "ergod logged errors or warnings"
  fi
}
