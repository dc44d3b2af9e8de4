# ergod --version prints "ergod VERSION" and exits 0.
source "$(dirname "$0")/lib.sh" "$@"

out=$("$ergod" --version) || fail "ergod --version exited $?"
[[ $out == "ergod $version" ]] || fail "expected 'ergod $version', got '$out'"
echo "ok: $out"
