# ping, the echo protocol (a wide term corpus, every call, the crash reasons of wrong requests),
# rpc/erpc/rex (every rex request), net_kernel's answers and pg (and its restart after a
# crash), each from a fresh OTP 25 node, against one ergod; neither side logs a warning or an
# error.
source "$(dirname "$0")/lib.sh" "$@"
start_node
for c in ping echo_corpus echo_calls echo_sys links_monitors rpc rex net_kernel funs bif_errors nodes \
  spawn_opts bifs sleep pg disconnect monitor_node global_rpc pg_rpc global_register_rpc; do
  run_check "$c"
done
no_error_logs --peer-overlap-race
# Last, as they make ergod log crashes (OTP logs them too): echo and pg come back.
run_check echo_errors
run_check pg_restart
stop_cleanly
