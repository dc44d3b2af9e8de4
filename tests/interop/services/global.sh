# global from OTP 25 nodes against ergod (global_checks.erl): global:sync() returns, names and
# locks work with ergod in the cluster; then two erl nodes that each connect only to ergod
# are meshed by global, see each other's names, and neither side logs a warning or error.
source "$(dirname "$0")/lib.sh" "$@"
erlc -o "$tmp" "$here/global_checks.erl" || fail "erlc global_checks.erl"

glb_cmd() { erl_cmd global_checks "$@"; }  # NAME CASE [ARG]
check_out() {  # NAME CASE
  erl_out_ok "$tmp/$1.out" global_checks "$2" 0
  echo "ok: $2 (global:sync() took $(grep -m1 SYNC_MS "$tmp/$1.out" | cut -d' ' -f2) ms)"
}

start_node

name=single$$
$(glb_cmd "$name" single) >"$tmp/$name.out" 2>&1 || true
check_out "$name" single

first=first$$ second=second$$ ready=$tmp/first.ready
$(glb_cmd "$first" first "$ready") >"$tmp/$first.out" 2>&1 &
first_pid=$!
erl_pids+=("$first_pid")
for _ in $(seq 1 200); do
  [[ -e $ready ]] && break
  kill -0 "$first_pid" 2>/dev/null || break
  sleep 0.1
done
[[ -e $ready ]] || { cat "$tmp/$first.out" >&2; fail "first erl did not get ready"; }
$(glb_cmd "$second" second "$first@$host") >"$tmp/$second.out" 2>&1 || true
wait "$first_pid" || true
check_out "$second" second
check_out "$first" first

no_error_logs
kill -TERM "$ergod_pid"
wait_for_exit || fail "ergod did not stop"
[[ $ergod_status == 0 ]] || fail "exit status $ergod_status"
