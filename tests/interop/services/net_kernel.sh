# net_kernel from OTP 25 nodes (nk_checks.erl): getopts/setopts of a connected node, the net
# ticktime (its answers, the transition, the ticker following it), a send to an old
# incarnation, net_adm:ping, net_kernel:allow, node_info, nodes_info, hidden_connect_node and
# monitor_nodes over rpc; each check runs against ergod and against a real OTP node in its place.
source "$(dirname "$0")/lib.sh" "$@"
erlc -o "$tmp" "$here/nk_checks.erl" || fail "erlc nk_checks.erl"
start_node
for c in opts ticktime ticker bifs node_info hidden_connect monitor_nodes; do
  erl_check nk_checks "$c"
done
no_error_logs
# An OTP node logs the send to its old incarnation as an error (the reference's log reaches
# the erl node's output), and ergod logs the same words.
erl_check --allow-logs nk_checks old_incarnation
grep -qE '^Discarding message \{hello,old\} from <0\.[0-9]+\.[0-9]+> to <0\.[0-9]+\.[0-9]+> in an old incarnation \([0-9]+\) of this node \([0-9]+\)$' "$tmp"/erl*.out ||
  fail "the reference OTP node did not log the send to its old incarnation as expected"
wait_for_line "Discarding message {hello,old} from <0." || fail "ergod did not log the send to its old incarnation"
grep -qE '^<3>ergod: Discarding message \{hello,old\} from <0\.[0-9]+\.[0-9]+> to <0\.[0-9]+\.[0-9]+> in an old incarnation \([0-9]+\) of this node \([0-9]+\)$' "$log" ||
  fail "ergod's line is not erts' error: $(grep 'Discarding' "$log")"
grep -q "from,afar" "$log" && fail "ergod logged a send from another node to its old incarnation"
# Last: it leaves the target allowing only the erl node of this check.
erl_check nk_checks ping_allow
stop_cleanly
