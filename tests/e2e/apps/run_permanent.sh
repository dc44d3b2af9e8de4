# A permanent application that stops takes the node down, as in OTP: its supervisor gives
# up (intensity 0) when an Erlang node kills a child, and ergod exits non-zero after
# stopping the rest in order.
source "$(dirname "$0")/lib.sh" "$@"
start_apps_node "$apps_here/manifests_permanent"
grep -q "counters: application started (permanent)" "$log" || fail "the application did not start"
app_check exceed_once
wait_for_exit 30 || fail "ergod kept running after its permanent application stopped"
[[ $ergod_status != 0 ]] || fail "exit status 0"
grep -q "application counters exited: shutdown, type: permanent" "$log" || fail "no exit report"
echo "ok: permanent"
