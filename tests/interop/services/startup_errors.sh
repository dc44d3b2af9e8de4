# Config-driven start-up failures end ergod with a clear error and a non-zero status: the
# embedded EPMD's port is taken, and the node name is already registered there.
source "$(dirname "$0")/lib.sh" "$@"
start_node   # the first ergod: holds the EPMD port and the name
first=$ergod_pid
erl_pids+=("$first")  # killed at exit with the erl nodes

# 1. a second ergod wanting the same name (auto mode uses the first one's EPMD)
log=$tmp/second.log
# (with a control socket of its own: the default one, named after the node, is taken too)
sed 's/mode: embedded/mode: auto/' "$tmp/node.yaml" >"$tmp/same_name.yaml"
printf 'control:\n  socket: %s\n' "$tmp/second.sock" >>"$tmp/same_name.yaml"
exec 4<&3
start_ergod --config "$tmp/same_name.yaml"
wait_for_exit || fail "ergod with a taken name kept running"
[[ $ergod_status != 0 ]] || fail "ergod with a taken name exited 0"
grep -E '^<3>ergod: .*cannot start distribution' "$log" || fail "no clear error for the taken name"

# 2. embedded mode on a port that is taken
log=$tmp/third.log
sed "s/name: .*/name: other$$@$host/" "$tmp/node.yaml" >"$tmp/port_taken.yaml"
start_ergod --config "$tmp/port_taken.yaml"
wait_for_exit || fail "ergod with a taken EPMD port kept running"
[[ $ergod_status != 0 ]] || fail "ergod with a taken EPMD port exited 0"
grep -E '^<3>ergod: .*cannot start distribution' "$log" || fail "no clear error for the taken port"
kill -0 "$first" || fail "the first ergod died"
kill -TERM "$first"
echo "ok: both refused clearly"
