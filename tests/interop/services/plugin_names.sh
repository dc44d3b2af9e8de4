# A plugin's processes in pg groups and with global names, seen from OTP 25 nodes
# (plugin_names_checks.erl): ergod runs the counter_c example (manifests/counters.yaml), whose
# counter joins groups and registers a global name through the C ABI; an erl node sees it in
# pg:get_members and global:whereis_name as a process of an OTP node, side by side with one,
# and loses it when it leaves, unregisters or exits. Neither side logs a warning.
source "$(dirname "$0")/lib.sh" "$@"
erlc -o "$tmp" "$here/plugin_names_checks.erl" || fail "erlc plugin_names_checks.erl"
start_node names "plugins:
  dir: \$ORIGIN/../../plugins
manifests:
  dir: $here/manifests"
for c in start_group side_by_side exit_leaves global_name; do
  erl_check plugin_names_checks "$c"
done
no_error_logs --peer-overlap-race
stop_cleanly
