# ergod check accepts the shipped config/ergod.yaml and its manifest (echo), silently on stderr.
source "$(dirname "$0")/lib.sh" "$@"

cd "$src"
out=$("$ergod" check --config config/ergod.yaml 2>"$tmp/err") || fail "check exited $?: $(cat "$tmp/err")"
want="config/ergod.yaml: ok
$src/config/manifests/echo.yaml: ok (application echo)"
[[ $out == "$want" ]] || fail "expected '$want', got '$out'"
[[ ! -s $tmp/err ]] || fail "unexpected stderr: $(cat "$tmp/err")"
# The other spelling gives the same answer.
out=$("$ergod" --config config/ergod.yaml check) || fail "'ergod --config F check' exited $?"
[[ $out == "$want" ]] || fail "got '$out'"
echo "ok: $out"
