# ergod check also checks every manifest of manifests.dir: all errors of all files, the
# dependency errors across files too, exit 1; good manifests are listed after the config.
# What only the node tells is checked too (the plugins of plugins.dir loaded as the daemon
# loads them; registered names), and an error in the config does not hide them.
source "$(dirname "$0")/lib.sh" "$@"

cd "$src/tests/e2e/manifests"

rc=0
"$ergod" check --config bad/config.yaml >"$tmp/out" 2>"$tmp/err" || rc=$?
[[ $rc == 1 ]] || fail "bad: expected exit 1, got $rc"
[[ ! -s $tmp/out ]] || fail "bad: unexpected stdout: $(cat "$tmp/out")"
apps=$src/tests/e2e/manifests/bad/apps
expected="$apps/broken.yml:3:1: YAML syntax error: end of sequence flow not found
$apps/inventory.yaml:5:12: application.env.limit: expected a finite float (Erlang has no infinity or NaN), got \".inf\"
$apps/shop.yaml:3:16: application.depends_on[0]: dependency cycle: inventory -> shop -> inventory
$apps/shop.yaml:3:27: application.depends_on[1]: unknown application \"ghost\" (no manifest names it)
$apps/shop.yaml:4:15: application.start_type: expected permanent, transient or temporary, got \"sometimes\"
$apps/shop.yaml:11:15: application.supervisor.children[0].args: expected a list (simple_one_for_one appends start_child's arguments to it), got a map"
if [[ $(cat "$tmp/err") != "$expected" ]]; then
  diff <(echo "$expected") "$tmp/err" >&2 || true
  fail "bad: errors differ (- expected, + got)"
fi
echo "ok: bad manifests"

# --manifest reports on that file only, checked against the others of the directory.
rc=0
"$ergod" check --config bad/config.yaml --manifest bad/apps/inventory.yaml \
  >"$tmp/out" 2>"$tmp/err" || rc=$?
[[ $rc == 1 ]] || fail "--manifest: expected exit 1, got $rc"
expected='bad/apps/inventory.yaml:3:16: application.depends_on[0]: dependency cycle: shop -> inventory -> shop
bad/apps/inventory.yaml:5:12: application.env.limit: expected a finite float (Erlang has no infinity or NaN), got ".inf"'
[[ $(cat "$tmp/err") == "$expected" ]] || fail "--manifest: got: $(cat "$tmp/err")"
echo "ok: --manifest"

out=$("$ergod" check --config good/config.yaml 2>"$tmp/err") || fail "good: exited $?: $(cat "$tmp/err")"
[[ ! -s $tmp/err ]] || fail "good: unexpected stderr: $(cat "$tmp/err")"
good=$src/tests/e2e/manifests/good/apps
expected="good/config.yaml: ok
$good/inventory.yaml: ok (application inventory)
$good/shop.yaml: ok (application shop)"
[[ $out == "$expected" ]] || fail "good: got '$out'"
echo "ok: good manifests"

# Plugins and behaviors plugins.dir lacks, names used twice or taken by ergod itself; the
# config's own error comes first and hides nothing.
rc=0
"$ergod" check --config node/config.yaml >"$tmp/out" 2>"$tmp/err" || rc=$?
[[ $rc == 1 ]] || fail "node: expected exit 1, got $rc"
[[ ! -s $tmp/out ]] || fail "node: unexpected stdout: $(cat "$tmp/out")"
apps=$src/tests/e2e/manifests/node/apps
plugins=$(cd "$(dirname "$ergod")/../../plugins" && pwd)
expected="node/config.yaml:4:9: node.name: expected name@host (e.g. ergod@localhost), got \"ergod\"
$apps/alpha.yaml:6:9: child x1: plugin \"nosuch\" is not loaded (no such plugin in $plugins)
$apps/alpha.yaml:7:9: child x2: plugin \"counter_c\" has no behavior \"nobehavior\"
$apps/alpha.yaml:8:62: child x3: name \"rex\" is registered by ergod itself (one of its services)
$apps/beta.yaml:4:11: the top supervisor of application beta: name \"alpha_sup\" is already registered by the top supervisor of application alpha ($apps/alpha.yaml:4:11)
$apps/beta.yaml:6:62: child y1: name \"shared\" is already registered by child x4 ($apps/alpha.yaml:9:62)
$apps/beta.yaml:8:15: child inner: name \"global_name_server\" is registered by ergod itself (one of its services)"
if [[ $(cat "$tmp/err") != "$expected" ]]; then
  diff <(echo "$expected") "$tmp/err" >&2 || true
  fail "node: errors differ (- expected, + got)"
fi
echo "ok: plugins, behaviors and names"
