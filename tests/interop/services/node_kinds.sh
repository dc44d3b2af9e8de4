# Hidden nodes and group leaders, from real erl nodes against the ergod binary: a hidden erl
# peer is in ergod's nodes(hidden) and not in nodes() (asked over erpc by a visible node);
# GROUP_LEADER signals and spawn requests with a group leader change nothing and log nothing.
source "$(dirname "$0")/lib.sh" "$@"
source "$here/node_lib.sh"
start_node
run_node_check hidden
run_node_check group_leader
no_error_logs
