# A running node survives SIGHUP (the reload request) and stops with status 0 on SIGINT.
# Uses a config with a cookie file, and log level debug.
source "$(dirname "$0")/lib.sh" "$@"

config=$(write_config e2e_signals@localhost)
start_ergod --config "$config"
wait_for_line "node e2e_signals@localhost running" || fail "no 'running' line"
kill -HUP "$ergod_pid"
wait_for_line "<5>ergod: SIGHUP received" || fail "no notice after SIGHUP"
kill -0 "$ergod_pid" 2>/dev/null || fail "ergod exited on SIGHUP"
kill -INT "$ergod_pid"
wait_for_exit || fail "ergod did not exit after SIGINT"
[[ $ergod_status == 0 ]] || fail "exit status $ergod_status after SIGINT"
grep -q "received SIGINT" "$log" || fail "SIGINT not logged"
echo "ok: SIGHUP kept it running, SIGINT stopped it with status 0"
