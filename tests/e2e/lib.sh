# Shared helpers of the end-to-end tests, sourced by each test script.
# Usage in a test: source lib.sh "$@"   (arguments: ERGOD_BINARY SOURCE_ROOT [VERSION])
# Gives: $ergod, $src, $version, $tmp (removed at exit), $log, fail, start_ergod,
# wait_for_line, wait_for_exit, write_config. Every ergod started here is killed at exit
# if it is still running.
set -euo pipefail

ergod=$(realpath "$1")  # meson passes it relative to the build directory
src=$2
version=${3:-}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ergod-e2e.XXXXXX")
log=$tmp/stderr.log
ergod_pid=
ergod_status=

cleanup() {
  if [[ -n $ergod_pid ]] && kill -0 "$ergod_pid" 2>/dev/null; then
    kill -KILL "$ergod_pid" 2>/dev/null || true
    wait "$ergod_pid" 2>/dev/null || true
  fi
  exec 3<&- 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  # what ergod wrote since the last wait, without waiting for more
  if [[ -n ${ergod_pid:-} ]]; then
    while IFS= read -r -t 0.3 line <&3; do printf '%s\n' "$line" >>"$log"; done 2>/dev/null || true
  fi
  if [[ -s $log ]]; then
    echo "--- ergod stderr so far:" >&2
    cat "$log" >&2
  fi
  exit 1
}

# Starts ergod in the background with its stderr on a pipe (fd 3 here), so that tests wait
# for its log lines as they arrive instead of sleeping.
start_ergod() {
  local fifo=$tmp/stderr.fifo
  rm -f "$fifo"
  mkfifo "$fifo"
  "$ergod" "$@" 2>"$fifo" &
  ergod_pid=$!
  exec 3<"$fifo"
}

# Reads ergod's stderr until a line containing $1 arrives (kept in $log). Fails after
# ${2:-20} seconds, or when ergod closes stderr (it exited) without printing it.
wait_for_line() {
  local want=$1 deadline=$((SECONDS + ${2:-20})) line
  while ((SECONDS < deadline)); do
    IFS= read -r -t $((deadline - SECONDS)) line <&3 || return 1
    printf '%s\n' "$line" >>"$log"
    [[ $line == *"$want"* ]] && return 0
  done
  return 1
}

# Waits, at most ${1:-20} seconds, for ergod to close its stderr, then reaps it and sets
# $ergod_status to its exit status. Fails on timeout. (Not in $(...): a subshell cannot
# reap the test's child.)
wait_for_exit() {
  local deadline=$((SECONDS + ${1:-20})) line rc
  while ((SECONDS < deadline)); do
    if IFS= read -r -t $((deadline - SECONDS)) line <&3; then
      printf '%s\n' "$line" >>"$log"
    else
      rc=$?
      ((rc > 128)) && return 1  # timed out, ergod still running
      [[ -n $line ]] && printf '%s\n' "$line" >>"$log"
      ergod_status=0
      wait "$ergod_pid" || ergod_status=$?
      ergod_pid=
      return 0
    fi
  done
  return 1
}

# The end of a test that ran one ergod: SIGTERM, and it must stop within 20 s with status 0.
stop_cleanly() {
  kill -TERM "$ergod_pid"
  wait_for_exit || fail "ergod did not stop"
  [[ $ergod_status == 0 ]] || fail "exit status $ergod_status"
}

# A private node config in $tmp, with its cookie in a file as a deployment would have it.
write_config() {
  local name=$1
  printf 'e2e-cookie\n' >"$tmp/cookie"
  chmod 600 "$tmp/cookie"
  cat >"$tmp/ergod.yaml" <<YAML
node:
  name: $name
  cookie_file: cookie
log:
  level: debug
YAML
  echo "$tmp/ergod.yaml"
}
