# An erl node that echo is linked to and monitors is killed with SIGKILL: echo's events show
# noconnection for the link and the monitor, and a new erl node is served at once.
source "$(dirname "$0")/lib.sh" "$@"
start_node
start_erl_bg victim$$ watch_for_kill
for _ in $(seq 1 100); do
  grep -q WATCHED "$tmp/victim$$.out" && break
  kill -0 "$erl_bg_pid" 2>/dev/null || { cat "$tmp/victim$$.out" >&2; fail "victim erl exited"; }
  sleep 0.1
done
grep -q WATCHED "$tmp/victim$$.out" || fail "victim erl never linked"
kill -KILL "$erl_bg_pid"
wait "$erl_bg_pid" 2>/dev/null || true
run_check after_kill
no_error_logs
