# ergod check on bad configs exits 1 and prints every error as file:line:col: message.
source "$(dirname "$0")/lib.sh" "$@"

cd "$src/tests/e2e/configs"

expect_errors() {
  local file=$1 expected=$2 rc=0
  "$ergod" check --config "$file" >"$tmp/out" 2>"$tmp/err" || rc=$?
  [[ $rc == 1 ]] || fail "$file: expected exit 1, got $rc"
  [[ ! -s $tmp/out ]] || fail "$file: unexpected stdout: $(cat "$tmp/out")"
  if [[ $(cat "$tmp/err") != "$expected" ]]; then
    diff <(echo "$expected") "$tmp/err" >&2 || true
    fail "$file: errors differ (- expected, + got)"
  fi
  echo "ok: $file"
}

expect_errors bad_values.yaml \
'bad_values.yaml:3:9: node.name: expected name@host (e.g. ergod@localhost), got "ergod"
bad_values.yaml:5:3: unknown key "node.colour" (expected one of: name, cookie, cookie_file)
bad_values.yaml:9:15: listen.port_range: expected [min, max] with 1 <= min <= max <= 65535, or [0, 0] for any port, got [9200, 9100]
bad_values.yaml:12:9: epmd.mode: expected embedded, external or auto, got "sometimes"
bad_values.yaml:14:15: net_ticktime: expected a positive integer, got "abc"
bad_values.yaml:17:10: log.level: expected one of trace, debug, info, notice, warning, error, got "loud"'

expect_errors bad_cookie.yaml \
"bad_cookie.yaml:4:16: node.cookie_file: cannot read \"$src/tests/e2e/configs/no-such-cookie\": No such file or directory"

expect_errors bad_syntax.yaml \
'bad_syntax.yaml:4:10: YAML syntax error: illegal map value'

expect_errors no-such-file.yaml \
'no-such-file.yaml: cannot open: No such file or directory'
