# net_kernel's {allow, Nodes} (net_kernel:allow/1), as on an OTP node: ok or error, the list
# in `allowed`, then handshakes from other nodes refused (not_allowed) and no connection out
# to them; both logged as errors, as OTP logs them. Its own ergod: the list cannot be undone.
source "$(dirname "$0")/lib.sh" "$@"
start_node
erl_check --allow-logs svc_checks allow_nodes  # the OTP reference logs its refusals too
wait_for_line "Connection attempt from disallowed node" || fail "no log of the refused handshake"
wait_for_line "Connection attempt with disallowed node" || fail "no log of the refused connect"
stop_cleanly
