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
  node=apps$$_$RANDOM@$host
  cat >"$tmp/node.yaml" <<YAML
node:
  name: $node
  cookie: $cookie
epmd:
  port: $epmd_port
  mode: embedded
log:
  level: info
plugins:
  dir: $plugins_dir
manifests:
  dir: $1
control:
  socket: $tmp/ctl.sock
YAML
  start_ergod --config "$tmp/node.yaml"
  wait_for_line "node $node running" || fail "ergod did not start"
}

app_check() {
  local name=erl$$_$RANDOM out rc=0
  out=$tmp/$name.out
  erl -sname "$name" -setcookie "$cookie" -pa "$tmp" -noshell -kernel logger_level warning \
    -s app_checks main "$node" "$1" >"$out" 2>&1 &
  local pid=$!
  erl_pids+=("$pid")
  wait "$pid" || rc=$?
  if ((rc != 0)) || ! grep -q "^PASS $1" "$out"; then
    cat "$out" >&2
    fail "app_checks:$1 (exit $rc)"
  fi
  echo "ok: $1"
}

ctl() { "$ergod" ctl --socket "$tmp/ctl.sock" "$@"; }
