# Applications from manifests, run by the real ergod with the counter_c plugin (plain C):
# dependency order, an Erlang node calling into the plugin, supervisor:which_children from
# Erlang, one_for_all restarts, intensity exceeded (a temporary application is only
# reported), `ergod ctl` application commands, and SIGTERM stopping in reverse order.
source "$(dirname "$0")/lib.sh" "$@"
start_apps_node "$apps_here/manifests"
# base starts before counters (its dependency), and READY comes after both.
grep -q "base: application started" "$log" || fail "base did not start first"
grep -q "counters: application started" "$log" || fail "counters did not start"
ctl applications >"$tmp/apps.txt" || fail "ctl applications"
grep -qE '^base 1.0.0 running temporary' "$tmp/apps.txt" || fail "ctl: $(cat "$tmp/apps.txt")"
grep -qE '^counters 2.0.0 running temporary' "$tmp/apps.txt" || fail "ctl: $(cat "$tmp/apps.txt")"

app_check calls
app_check applications
app_check one_for_all
app_check exceed
wait_for_line "application counters exited: shutdown, type: temporary" || fail "no exit report"
kill -0 "$ergod_pid" || fail "a temporary application took the node down"
app_check counters_down

ctl start counters | grep -q "application counters started" || fail "ctl start"
app_check counters_up
ctl restart counters | grep -q "restarted" || fail "ctl restart"
ctl stop base | grep -q "stopped" || fail "ctl stop"
ctl start nosuch 2>"$tmp/err.txt" && fail "ctl start of an unknown application succeeded"
grep -q "unknown application nosuch" "$tmp/err.txt" || fail "ctl error: $(cat "$tmp/err.txt")"
ctl start base >/dev/null || fail "ctl start base"

stop_cleanly
# Reverse start order: base was started again after counters, so it stops first.
stopped=$(grep -oE '(base|counters): application stopped' "$log" | tail -2 | tr '\n' ' ')
[[ $stopped == "base: application stopped counters: application stopped " ]] ||
  fail "stop order: $stopped"
echo "ok: applications"
