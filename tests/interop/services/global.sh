# global from OTP 25 nodes against ergod (global_checks.erl): global:sync() returns, names and
# locks work with ergod in the cluster; then two erl nodes that each connect only to ergod
# are meshed by global, see each other's names, and neither side logs a warning or error.
# global's lock, trans, external-name and sync/1 functions over rpc answer as on an OTP node
# (rpc_locks, side by side). Then overlapping partitions (global_pop_checks.erl): two erl
# nodes connected to each other and to ergod, one losing the other, side by side with an erl
# node in ergod's place; ergod must log what that node logs, and nothing else; and a name
# clash that ergod settles (clash) ends as when an OTP node settles it.
source "$(dirname "$0")/lib.sh" "$@"
erlc -o "$tmp" "$here/global_checks.erl" "$here/global_pop_checks.erl" || fail "erlc global checks"

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

erl_check global_checks rpc_locks

no_error_logs

# The lines ergod must have logged (ERGOD_LOG in OUT), each once; then out of $log, so that
# no_error_logs sees only others.
expect_ergod_logs() {  # OUT
  while IFS= read -r -t 0.5 line <&3; do printf '%s\n' "$line" >>"$log"; done || true
  local want n
  while IFS= read -r want; do
    n=$(grep -cF -- "$want" "$log" || true)
    [[ $n == 1 ]] || fail "ergod logged ${n} times: $want"
    grep -vF -- "$want" "$log" >"$log.rest" || true
    mv "$log.rest" "$log"
  done < <(sed -n 's/^ERGOD_LOG //p' "$1")
  while IFS= read -r want; do  # lines a race may or may not bring
    grep -vF -- "$want" "$log" >"$log.rest" || true
    mv "$log.rest" "$log"
  done < <(sed -n 's/^ERGOD_MAY_LOG //p' "$1")
  while IFS= read -r want; do  # a run done again: its peers' lines
    grep -vF -- "$want" "$log" >"$log.rest" || true
    mv "$log.rest" "$log"
  done < <(sed -n 's/^ERGOD_IGNORE //p' "$1")
}
for c in disconnect c_disconnects stop; do
  name=pop${c}$$ rc=0
  $(erl_cmd global_pop_checks "$name" "$c") -hidden >"$tmp/$name.out" 2>&1 || rc=$?
  # The erl peers' own warnings reach the driver's output; the check compares them.
  erl_out_ok "$tmp/$name.out" global_pop_checks "$c" "$rc" --allow-logs
  expect_ergod_logs "$tmp/$name.out"
  echo "ok: overlap $c ($(grep -c ^ERGOD_LOG "$tmp/$name.out") lines expected in ergod's log)"
done
rc=0
$(erl_cmd global_pop_checks "clash$$" clash) -hidden >"$tmp/clash.out" 2>&1 || rc=$?
erl_out_ok "$tmp/clash.out" global_pop_checks clash "$rc" --allow-logs
expect_ergod_logs "$tmp/clash.out"
echo "ok: name clash settled by ergod"
no_error_logs

stop_cleanly
