# ping, the echo protocol (a wide term corpus, every call, the crash reasons of wrong requests),
# rpc/erpc/rex (every rex request) and pg, each from a fresh OTP 25 node, against one ergod;
# neither side logs a warning or an error.
source "$(dirname "$0")/lib.sh" "$@"
start_node
for c in ping echo_corpus echo_calls links_monitors rpc rex pg; do run_check "$c"; done
no_error_logs
run_check echo_errors  # crashes echo on purpose: after the log check
kill -TERM "$ergod_pid"
wait_for_exit || fail "ergod did not stop"
[[ $ergod_status == 0 ]] || fail "exit status $ergod_status"
