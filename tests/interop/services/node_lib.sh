# Helpers for the node-level interop scripts (hidden nodes, group leader, ergod to ergod), on
# top of lib.sh (sourced first):
#   run_node_check CASE [ARGS...]  runs node_checks:main on a fresh erl node against $node
#   start_other NAME COOKIE        one more ergod, registered with $node's embedded EPMD;
#                                  its stderr in $tmp/NAME.log, its pid in $other_pid;
#                                  returns 1 (log on stderr) if it did not start
erlc -o "$tmp" "$here/node_checks.erl" || fail "erlc node_checks.erl"

run_node_check() {
  local case=$1 name=erl$$_$RANDOM out rc=0
  shift
  out=$tmp/$name.out
  erl -sname "$name" -setcookie "$cookie" -pa "$tmp" -noshell -kernel logger_level warning \
    -s node_checks main "$node" "$case" "$@" >"$out" 2>&1 &
  local pid=$!
  erl_pids+=("$pid")
  wait "$pid" || rc=$?
  if ((rc != 0)) || ! grep -q "^PASS $case" "$out"; then
    cat "$out" >&2
    fail "node_checks:$case (exit $rc)"
  fi
  if grep -qE '=(ERROR|WARNING) REPORT|\[error\]|\[warning\]' "$out"; then
    cat "$out" >&2
    fail "erl logged errors or warnings in $case"
  fi
  echo "ok: $case"
}

start_other() {  # NAME COOKIE
  local name=$1@$host
  cat >"$tmp/$1.yaml" <<YAML
node:
  name: $name
  cookie: $2
epmd:
  port: $epmd_port
  mode: external
log:
  level: info
$echo_config
YAML
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
