# Helpers for the node-level interop scripts (hidden nodes, group leader, ergod to ergod), on
# top of lib.sh (sourced first):
#   run_node_check CASE [ARGS...]  runs node_checks:main on a fresh erl node against $node
#   start_other NAME COOKIE        one more ergod, registered with $node's embedded EPMD;
#                                  its stderr in $tmp/NAME.log, its pid in $other_pid;
#                                  returns 1 (log on stderr) if it did not start
erlc -o "$tmp" "$here/node_checks.erl" || fail "erlc node_checks.erl"

run_node_check() { erl_check node_checks "$@"; }

start_other() {  # NAME COOKIE
  local name=$1@$host
  write_config "$tmp/$1.yaml" "$name" "$2" external "$echo_config"
  "$ergod" --config "$tmp/$1.yaml" 2>>"$tmp/$1.log" &
  other_pid=$!
  erl_pids+=("$other_pid")  # killed at exit with the erl nodes
  for _ in $(seq 1 200); do
    grep -q "node $name running" "$tmp/$1.log" 2>/dev/null && return 0
    kill -0 "$other_pid" 2>/dev/null || break
    sleep 0.05
  done
  kill -KILL "$other_pid" 2>/dev/null || true
  wait "$other_pid" 2>/dev/null || true
  cat "$tmp/$1.log" >&2
  return 1
}
