#!/usr/bin/env bash
# Runs the same workloads on ergod and on Erlang/OTP in one run and prints, per workload:
#   bench NAME ergod=VALUE erlang=VALUE ratio=R
# R > 1 means ergod is better (higher throughput, or less memory for *_bytes workloads).
# Usage: tests/bench/compare.sh [SECONDS_PER_WORKLOAD]   (builds build/ first if needed)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
secs=${1:-2}
build=${BUILD_DIR:-$top/build}

[ -f "$build/build.ninja" ] || meson setup "$build" "$top" >/dev/null
ninja -C "$build" tests/bench/ergod_bench_local >/dev/null

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
erlc -o "$work" "$here/erlang_local.erl"

"$build/tests/bench/ergod_bench_local" "$secs" >"$work/ergod.txt"
erl -noshell -pa "$work" -run erlang_local main "$secs" >"$work/erlang.txt"

# Join on workload name; memory workloads (suffix _bytes) are better when lower.
awk 'NR == FNR { e[$1] = $2; next }
     ($1 in e) {
       ours = e[$1]; theirs = $2
       if ($1 ~ /_bytes$/) r = (ours > 0 ? theirs / ours : 0); else r = (theirs > 0 ? ours / theirs : 0)
       printf "bench %s ergod=%s erlang=%s ratio=%.2f\n", $1, ours, theirs, r
     }' "$work/ergod.txt" "$work/erlang.txt"
