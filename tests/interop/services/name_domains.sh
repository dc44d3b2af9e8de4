# Long node names: ergod named name@127.0.0.1 serves an erl -name node as with short names;
# a node of the other name domain is not dialled, and the attempt is logged as OTP logs it
# (then the same for a short-named ergod and a long-named erl node). Side by side with
# echo_ref (life_checks:other_domain).
source "$(dirname "$0")/lib.sh" "$@"
echo_ref=${SHARED_DIR:-$src/../shared}/interop/echo_ref.erl
[[ -f $echo_ref ]] || echo_ref=/work/shared/interop/echo_ref.erl
erlc -o "$tmp" "$here/life_checks.erl" "$echo_ref" || fail "erlc life_checks.erl"

idle_erl() {  # -sname|-name NAME: an erl node that waits, registered with ergod's EPMD
  erl "$1" "$2" -setcookie "$cookie" -noshell -eval 'receive after infinity -> ok end' >/dev/null 2>&1 &
  erl_pids+=("$!")
  for _ in $(seq 1 100); do
    grep -q "registered ${2%%@*} at port" "$log" && return 0
    while IFS= read -r -t 0.1 line <&3; do printf '%s\n' "$line" >>"$log"; done || true
  done
  fail "erl $2 did not register"
}

check_other_domain() {  # -sname|-name DRIVER OTHER
  local out=$tmp/$2.out rc=0
  erl "$1" "$2" -setcookie "$cookie" -pa "$tmp" -noshell -kernel logger_level warning \
    -s life_checks main "$node" other_domain "$3" >"$out" 2>&1 &
  local pid=$!
  erl_pids+=("$pid")
  wait "$pid" || rc=$?
  # The reference node logs its refusal (ergod too, checked below).
  erl_out_ok "$out" life_checks other_domain "$rc" --allow-logs
  wait_for_line "cannot connect to node $3: system" || fail "ergod did not log the refusal of $3"
  # Nothing else: the refusal (error, then the dropped signals' notice), the echo restarts.
  while IFS= read -r -t 0.2 line <&3; do printf '%s\n' "$line" >>"$log"; done || true
  if grep -E '^<[34]>' "$log" | grep -v "cannot connect to node $3: system" |
    grep -vE '^<3>ergod: echo: Supervisor: \{local,echo_sup\}\. Context: child_terminated\.'; then
    fail "ergod logged errors or warnings"
  fi
  echo "ok: other_domain $1"
}

short=short$$_$RANDOM
long=long$$_$RANDOM@127.0.0.1

node=ln$$_$RANDOM@127.0.0.1
write_config "$tmp/long.yaml" "$node" "$cookie" embedded "$echo_config"
start_ergod --config "$tmp/long.yaml"
wait_for_line "node $node running" || fail "ergod did not start as $node"
idle_erl -sname "$short"
check_other_domain -name "drv$$_$RANDOM@127.0.0.1" "$short@$host"
kill -TERM "$ergod_pid"
wait_for_exit || fail "ergod did not stop"

: >"$log"
node=sn$$_$RANDOM@$host
write_config "$tmp/short.yaml" "$node" "$cookie" embedded "$echo_config"
start_ergod --config "$tmp/short.yaml"
wait_for_line "node $node running" || fail "ergod did not start as $node"
idle_erl -name "$long"
check_other_domain -sname "drv$$_$RANDOM" "$long"
stop_cleanly
