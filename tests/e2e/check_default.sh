# ergod check accepts the shipped config/ergod.yaml, silently on stderr.
source "$(dirname "$0")/lib.sh" "$@"

cd "$src"
out=$("$ergod" check --config config/ergod.yaml 2>"$tmp/err") || fail "check exited $?: $(cat "$tmp/err")"
[[ $out == "config/ergod.yaml: ok" ]] || fail "expected 'config/ergod.yaml: ok', got '$out'"
[[ ! -s $tmp/err ]] || fail "unexpected stderr: $(cat "$tmp/err")"
# The other spelling gives the same answer.
out=$("$ergod" --config config/ergod.yaml check) || fail "'ergod --config F check' exited $?"
[[ $out == "config/ergod.yaml: ok" ]] || fail "got '$out'"
echo "ok: $out"
