# `ergod ctl` against the real daemon: status, processes and connections answer; the
# application commands name an unknown application; the socket file has mode 0600 and is
# removed at exit; other users are refused; with no daemon, ctl fails clearly; a second daemon with the same socket
# refuses to start, and a stale socket file is replaced.
source "$(dirname "$0")/lib.sh" "$@"

config=$(write_config e2e_ctl@localhost)
printf 'control:\n  socket: ctl.sock\n' >>"$config"
sock=$tmp/ctl.sock

# No daemon yet.
if "$ergod" ctl --config "$config" status >"$tmp/out" 2>"$tmp/err"; then fail "ctl succeeded with no daemon"; fi
grep -qx "error: ergod is not running: no control socket at $sock" "$tmp/err" ||
  fail "unclear error with no daemon: $(cat "$tmp/err")"
[[ ! -s $tmp/out ]] || fail "output with no daemon: $(cat "$tmp/out")"

# A stale socket file, as a killed daemon leaves it.
python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$sock"
if "$ergod" ctl --socket "$sock" status 2>"$tmp/err"; then fail "ctl succeeded on a stale socket"; fi
grep -q "ergod is not running: nothing accepts on $sock" "$tmp/err" || fail "stale: $(cat "$tmp/err")"

start_ergod --config "$config"
wait_for_line "<6>ergod: control socket $sock" || fail "no 'control socket' line"
grep -q "replaced the stale control socket $sock" "$log" || fail "stale socket not replaced"
[[ $(stat -c %a "$sock") == 600 ]] || fail "socket mode $(stat -c %a "$sock"), expected 600"
[[ -S $sock ]] || fail "$sock is not a socket"

out=$("$ergod" ctl --config "$config" status) || fail "ctl status exited $?"
grep -qx "node: e2e_ctl@localhost" <<<"$out" || fail "status lacks the node: $out"
grep -qx "pid: $ergod_pid" <<<"$out" || fail "status lacks the pid: $out"
grep -qE "^processes: [1-9][0-9]*$" <<<"$out" || fail "status lacks processes: $out"
grep -qE "^dist_port: [1-9][0-9]*$" <<<"$out" || fail "status lacks dist_port: $out"
grep -qx "connections: 0" <<<"$out" || fail "status lacks connections: $out"

out=$("$ergod" ctl --socket "$sock" processes) || fail "ctl processes exited $?"
grep -qE "^processes: [1-9][0-9]*$" <<<"$out" || fail "processes lacks the count: $out"
grep -qE "^net_kernel <.+>$" <<<"$out" || fail "processes lacks net_kernel: $out"
grep -qE "^rex <.+>$" <<<"$out" || fail "processes lacks rex: $out"

out=$("$ergod" --config "$config" ctl connections) || fail "ctl connections exited $?"
[[ -z $out ]] || fail "connections of a lone node: $out"

if "$ergod" ctl --socket "$sock" start shop 2>"$tmp/err"; then fail "start succeeded"; fi
grep -qx "error: unknown application shop" "$tmp/err" || fail "start: $(cat "$tmp/err")"
if "$ergod" ctl --socket "$sock" launch 2>"$tmp/err"; then fail "an unknown command succeeded"; fi
grep -q 'unknown command "launch"' "$tmp/err" || fail "unknown command: $(cat "$tmp/err")"

# Another user: the file mode keeps it out, and past the mode, so does SO_PEERCRED.
if [[ $(id -u) == 0 ]] && command -v setpriv >/dev/null; then
  as_nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
  chmod 755 "$tmp"
  if "${as_nobody[@]}" "$ergod" ctl --socket "$sock" status 2>"$tmp/err"; then fail "nobody got in"; fi
  grep -qx "error: permission denied on $sock (run as the daemon's user or root)" "$tmp/err" ||
    fail "nobody, mode 0600: $(cat "$tmp/err")"
  chmod 666 "$sock"
  if "${as_nobody[@]}" "$ergod" ctl --socket "$sock" status 2>"$tmp/err"; then fail "nobody got in"; fi
  grep -qx "error: permission denied" "$tmp/err" || fail "nobody, mode 0666: $(cat "$tmp/err")"
  wait_for_line "control socket: refused uid 65534" || fail "refusal not logged"
  chmod 600 "$sock"
  chmod 700 "$tmp"
else
  echo "skipped: the other-user checks need root and setpriv"
fi

# A second daemon with the same socket stops before doing anything.
if "$ergod" --config "$config" 2>"$tmp/err2"; then fail "a second daemon started"; fi
grep -q "control socket $sock: another ergod is running there" "$tmp/err2" ||
  fail "second daemon: $(cat "$tmp/err2")"
"$ergod" ctl --socket "$sock" status >/dev/null || fail "the first daemon lost its socket"

kill -TERM "$ergod_pid"
wait_for_exit || fail "ergod did not exit after SIGTERM"
[[ $ergod_status == 0 ]] || fail "exit status $ergod_status"
[[ ! -e $sock ]] || fail "socket left behind after exit"
echo "ok: ctl status/processes/connections, 0600 socket, clear errors, stale and live sockets"
