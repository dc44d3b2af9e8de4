# Processes and nodes coming and going, seen through echo from real OTP 25 nodes: each check
# (life_checks.erl) runs the same assertions against ergod and a reference OTP node running
# echo_ref.erl, side by side.
source "$(dirname "$0")/lib.sh" "$@"
# echo_ref.erl from shared/interop beside the source tree (a worktree elsewhere: /work/shared).
echo_ref=${SHARED_DIR:-$src/../shared}/interop/echo_ref.erl
[[ -f $echo_ref ]] || echo_ref=/work/shared/interop/echo_ref.erl
erlc -o "$tmp" "$here/life_checks.erl" "$echo_ref" || fail "erlc life_checks.erl"
start_node
for c in noconnection_order; do
  erl_check life_checks "$c"
done
no_error_logs
