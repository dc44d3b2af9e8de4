# systemd's notify protocol against the real binary: with NOTIFY_SOCKET pointing at a
# datagram socket this test owns, ergod sends READY=1 (with STATUS) once the node runs,
# WATCHDOG=1 pings when WATCHDOG_USEC asks for them, RELOADING=1 then READY=1 around SIGHUP,
# and STOPPING=1 on SIGTERM.
source "$(dirname "$0")/lib.sh" "$@"

notify_fifo=$tmp/notify.fifo
mkfifo "$notify_fifo"
python3 "$src/tests/e2e/notify_receiver.py" "@ergod-e2e-notify-$$" >"$notify_fifo" &
receiver_pid=$!
exec 4<"$notify_fifo"
trap 'kill "$receiver_pid" 2>/dev/null || true; wait "$receiver_pid" 2>/dev/null || true; cleanup' EXIT
notifications=$tmp/notifications

# Reads notifications (fd 4) until one matching the glob $1 arrives; fails after ${2:-20} seconds.
wait_for_notification() {
  local want=$1 deadline=$((SECONDS + ${2:-20})) line
  while ((SECONDS < deadline)); do
    IFS= read -r -t $((deadline - SECONDS)) line <&4 || return 1
    printf '%s\n' "$line" >>"$notifications"
    # shellcheck disable=SC2053 # $want is a glob pattern
    [[ $line == $want ]] && return 0
  done
  return 1
}
wait_for_notification bound || fail "the notify receiver did not start"

config=$(write_config e2e_notify@localhost)
NOTIFY_SOCKET="@ergod-e2e-notify-$$" WATCHDOG_USEC=200000 start_ergod --config "$config"
wait_for_notification "READY=1|STATUS=running with "*" schedulers, distribution on port "* ||
  fail "no READY=1 with STATUS; got: $(cat "$notifications" 2>/dev/null)"
# READY=1 comes after the node is up: its 'running' line was logged before.
wait_for_line "node e2e_notify@localhost running" 1 || fail "READY=1 before the node ran"
wait_for_notification "WATCHDOG=1" || fail "no WATCHDOG=1 with WATCHDOG_USEC=200000"
wait_for_notification "WATCHDOG=1" || fail "only one WATCHDOG=1"

kill -HUP "$ergod_pid"
wait_for_notification "RELOADING=1|MONOTONIC_USEC="* || fail "no RELOADING=1 after SIGHUP"
wait_for_notification "READY=1|STATUS=running with "* || fail "no READY=1 after the reload"

kill -TERM "$ergod_pid"
wait_for_notification "STOPPING=1" || fail "no STOPPING=1 on SIGTERM"
wait_for_exit || fail "ergod did not exit after SIGTERM"
[[ $ergod_status == 0 ]] || fail "exit status $ergod_status after SIGTERM"
echo "ok: READY=1, WATCHDOG=1, RELOADING=1/READY=1, STOPPING=1"
