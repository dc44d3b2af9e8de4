# Processes and nodes coming and going, seen through echo from real OTP 25 nodes: each check
# (life_checks.erl) runs the same assertions against ergod and a reference OTP node running
# echo_ref.erl, side by side.
source "$(dirname "$0")/lib.sh" "$@"
# echo_ref.erl from shared/interop beside the source tree (a worktree elsewhere: /work/shared).
echo_ref=${SHARED_DIR:-$src/../shared}/interop/echo_ref.erl
[[ -f $echo_ref ]] || echo_ref=/work/shared/interop/echo_ref.erl
erlc -o "$tmp" "$here/life_checks.erl" "$echo_ref" || fail "erlc life_checks.erl"
start_node
for c in remote_matrix noconnection_order peer_restart; do
  erl_check life_checks "$c"
done
no_error_logs

# ergod killed and started again with the same name, while an erl node watches.
watcher=watch$$
$(erl_cmd life_checks "$watcher" restart_watch) >"$tmp/$watcher.out" 2>&1 &
watcher_pid=$!
erl_pids+=("$watcher_pid")
for _ in $(seq 1 300); do
  grep -q WATCHING "$tmp/$watcher.out" && break
  kill -0 "$watcher_pid" 2>/dev/null || break
  sleep 0.1
done
grep -q WATCHING "$tmp/$watcher.out" || { cat "$tmp/$watcher.out" >&2; fail "the watching erl did not start"; }
kill -KILL "$ergod_pid"
wait "$ergod_pid" 2>/dev/null || true
start_ergod --config "$tmp/node.yaml"
wait_for_line "node $node running" || fail "ergod did not start again with the same name"
rc=0
wait "$watcher_pid" || rc=$?
# The reference node logs its echo_ref's sends to its old pids ("Discarding message ... in an
# old incarnation of this node"): logs allowed.
erl_out_ok "$tmp/$watcher.out" life_checks restart_watch "$rc" --allow-logs
echo "ok: restart_watch"
# ergod logs its echo's call and send to its old pid as the reference logs echo_ref's, in
# erts' words; and nothing else.
while IFS= read -r -t 0.5 line <&3; do printf '%s\n' "$line" >>"$log"; done || true
old_inc='in an old incarnation \([0-9]+\) of this node \([0-9]+\)$'
for m in "\{'\\\$gen_call',.*ping\}" stale; do
  grep -qE "^<3>ergod: Discarding message $m from <0\.[0-9]+\.[0-9]+> to <0\.[0-9]+\.[0-9]+> $old_inc" "$log" ||
    fail "ergod did not log its send of $m to its old incarnation: $(grep Discarding "$log")"
done
if grep -E '^<[34]>' "$log" | grep -vE "^<3>ergod: Discarding message .* $old_inc"; then
  fail "ergod logged errors or warnings"
fi
