# The kvstore example application (plugins/kvstore, the README's tutorial) run by the real
# ergod with its shipped manifest (max_keys lowered to 5), driven from real erl nodes:
# put/get/delete/keys, max_keys, TTL expiry, stats, sessions started with
# supervisor:start_child and calling the store, a session ending with its client, and
# rest_for_one restarts (stats alone; the store and everything after it); OTP's
# supervisor:get_childspec/start_child answers and sys on ergod's processes.
source "$(dirname "$0")/lib.sh" "$@"
plugins_dir=$tmp/plugins
mkdir -p "$plugins_dir" "$tmp/manifests"
cp "$build_root/plugins/kvstore/kvstore.so" "$plugins_dir/" || fail "no kvstore.so in the build"
sed 's/^\( *max_keys:\) [0-9]*/\1 5/' "$src/plugins/kvstore/kvstore.yaml" >"$tmp/manifests/kvstore.yaml"
grep -q 'max_keys: 5' "$tmp/manifests/kvstore.yaml" || fail "the manifest has no max_keys to lower"
erlc -o "$tmp" "$apps_here/kvstore_checks.erl" || fail "erlc kvstore_checks.erl"

start_apps_node "$tmp/manifests"
grep -q "kvstore: application started" "$log" || fail "kvstore did not start"
grep -q "store started: max_keys 5, default_ttl_ms 0" "$log" || fail "the store did not read its env"

kv_check() { erl_check --allow-logs kvstore_checks "$1"; }

kv_check data
kv_check ttl
kv_check stats
kv_check sessions
kv_check session_ends
no_error_logs  # sessions that end with their clients end normally: no crash reports
kv_check childspecs
kv_check start_child_errors
kv_check sys_calls
kv_check kill_stats
kv_check kill_store
kill -0 "$ergod_pid" || fail "ergod stopped"

stop_cleanly
grep -q "kvstore: application stopped" "$log" || fail "kvstore did not stop"
echo "ok: kvstore"
