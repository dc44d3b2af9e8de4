# ergod --config config/ergod.yaml runs in the foreground, logs that the node is running
# with the journald info prefix, and exits 0 on SIGTERM.
source "$(dirname "$0")/lib.sh" "$@"

cd "$src"
start_ergod --config config/ergod.yaml
wait_for_line "ergod: node ergod@localhost running" || fail "no 'running' line"
grep -qE '^<6>ergod: node ergod@localhost running with [0-9]+ schedulers, distribution on port [0-9]+$' "$log" || fail "running line lacks <6> prefix"
kill -TERM "$ergod_pid"
wait_for_exit || fail "ergod did not exit after SIGTERM"
[[ $ergod_status == 0 ]] || fail "exit status $ergod_status after SIGTERM"
grep -qx '<6>ergod: node ergod@localhost stopped' "$log" || fail "no 'stopped' line"
echo "ok: started, stopped on SIGTERM with status 0"
