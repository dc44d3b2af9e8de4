# pg from OTP 25 nodes (pg_checks.erl): pg:join/leave, monitor_scope, monitor and demonitor
# for processes on ergod over rpc, which_groups' order, and a scope that only the erl node runs; each check runs
# against ergod and against a real OTP node in its place, and neither side logs a warning.
source "$(dirname "$0")/lib.sh" "$@"
erlc -o "$tmp" "$here/pg_checks.erl" || fail "erlc pg_checks.erl"
start_node
for c in join_leave join_errors monitors order other_scope; do
  erl_check pg_checks "$c"
done
# Each check's reference peer may be meshed with ergod by global (through the erl node) and
# stops while connected to both: global's overlap warning about it is a race (see lib.sh).
no_error_logs --peer-overlap-race
stop_cleanly
