# ergod --config with a bad file logs each error with the error priority and exits 1
# without starting the node.
source "$(dirname "$0")/lib.sh" "$@"

cd "$src/tests/e2e/configs"
rc=0
"$ergod" --config bad_syntax.yaml 2>"$log" || rc=$?
[[ $rc == 1 ]] || fail "expected exit 1, got $rc"
grep -qx '<3>ergod: bad_syntax.yaml:4:10: YAML syntax error: illegal map value' "$log" ||
  fail "error line missing"
! grep -q running "$log" || fail "node started with a bad config"
echo "ok: refused with status 1"
