# Helpers of the application end-to-end tests, on top of the services interop helpers
# (tests/interop/services/lib.sh: $ergod, $tmp, start_ergod, wait_for_line, run_check...).
# Usage: source lib.sh ERGOD_BINARY SOURCE_ROOT
#   start_apps_node DIR   an ergod whose manifests.dir is DIR and plugins.dir the build's
#                         plugins/ folder (or $plugins_dir when set)
#   app_check CASE        runs app_checks:CASE on a fresh erl node
#   ctl ARGS...           `ergod ctl` against the node
source "$(dirname "${BASH_SOURCE[0]}")/../../interop/services/lib.sh" "$@"
apps_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build_root=$(cd "$(dirname "$ergod")/../.." && pwd)
plugins_dir=${plugins_dir:-$build_root/plugins}
erlc -o "$tmp" "$apps_here/app_checks.erl" || fail "erlc app_checks.erl"

start_apps_node() {
  start_node apps "plugins:
  dir: $plugins_dir
manifests:
  dir: $1
control:
  socket: $tmp/ctl.sock"
}

# The application checks look for PASS only, not at erl's own log reports.
app_check() { erl_check --allow-logs app_checks "$1"; }

ctl() { "$ergod" ctl --socket "$tmp/ctl.sock" "$@"; }
