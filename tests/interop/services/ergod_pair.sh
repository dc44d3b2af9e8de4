# ergod to ergod: an erl node drives ergod A's echo to call, send to, link to, monitor and
# exit ergod B's echo (8 MiB included); B is killed with SIGKILL (A's link and monitors fire
# noconnection), restarted, and A reconnects on its next call; an ergod with another cookie
# is refused, and both sides log it with the other's name.
source "$(dirname "$0")/lib.sh" "$@"
source "$here/node_lib.sh"
start_node
b=ergodb$$
start_other "$b" "$cookie" || fail "ergod B did not start"
run_node_check pair "$b@$host"
kill -KILL "$other_pid"
wait "$other_pid" 2>/dev/null || true
# The same name again: A's EPMD drops B's registration when B's EPMD connection closes, which
# may take a moment after the kill.
restarted=
for _ in $(seq 1 20); do
  if start_other "$b" "$cookie" 2>/dev/null; then restarted=1; break; fi
  sleep 0.2
done
[[ -n $restarted ]] || fail "ergod B did not restart: $(cat "$tmp/$b.log")"
run_node_check after_kill "$b@$host"
# The erl check ends while connected to both ergods: global's overlap warning is a race (see lib.sh).
grep -E '^<[34]>' "$tmp/$b.log" | grep -vE "$overlap_race" && fail "ergod B logged errors or warnings"
no_error_logs --peer-overlap-race

c=ergodc$$
start_other "$c" "other_$cookie" || fail "ergod C did not start"
run_node_check wrong_cookie "$c@$host"
wait_for_line "cookies differ" || fail "ergod A did not log the refused cookie"
grep "cookies differ" "$log" | grep -q "$c@$host" || fail "ergod A's log does not name $c@$host"
# C refused A's challenge reply: an error in dist_util's words, as an OTP node in C's place logs.
refused="^<3>ergod: \*\* Connection attempt from node $node rejected. Invalid challenge reply. \*\*\$"
for _ in $(seq 1 100); do grep -q "$refused" "$tmp/$c.log" && break; sleep 0.05; done
grep -q "$refused" "$tmp/$c.log" || {
  cat "$tmp/$c.log" >&2
  fail "ergod C's log does not name $node"
}
echo "ok: wrong cookie refused and logged by name"
