#!/usr/bin/env bash
# Runs the same workloads on ergod and on Erlang/OTP in one run and prints, per workload:
#   bench NAME ergod=VALUE erlang=VALUE ratio=R
# R > 1 means ergod is better (higher throughput, or less memory for *_bytes workloads, or
# less time for *_us workloads).
# Local workloads first (ergod_bench_local vs erlang_local.erl), then distributed ones over
# loopback, each between two OS processes (ergod_bench_dist.cpp / erlang_dist.erl clients of
# the `echo` server of shared/interop/README.md):
#   dist_*                ergod= ergod client -> ergod server, erlang= erl client -> erl server
#   dist_*_erl_to_ergod   ergod= erl client -> ergod server,   erlang= erl client -> erl server
# Every node of the run has a unique name and uses one private EPMD on a free port (the ergod
# server's embedded one; erl nodes get ERL_EPMD_PORT and -start_epmd false); every process
# started here is stopped on exit.
# Usage: tests/bench/compare.sh [SECONDS_PER_WORKLOAD]   (builds $BUILD_DIR, default build/)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
secs=${1:-2}
build=${BUILD_DIR:-$top/build}
shared=${SHARED_DIR:-$top/../shared}

[ -f "$build/build.ninja" ] || meson setup "$build" "$top" >/dev/null
ninja -C "$build" tests/bench/ergod_bench_local tests/bench/ergod_bench_dist daemon/cli/ergod >/dev/null

work=$(mktemp -d)
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do
    # up to 5 s for an orderly exit, then SIGKILL
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

erlc -o "$work" "$here/erlang_local.erl" "$here/erlang_dist.erl" "$shared/interop/echo_ref.erl"

# ---- local workloads --------------------------------------------------------------------------
"$build/tests/bench/ergod_bench_local" "$secs" >"$work/ergod.txt"
erl -noshell -pa "$work" -run erlang_local main "$secs" >"$work/erlang.txt"

# ---- distributed workloads ----------------------------------------------------------------------
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null ||
    echo $((20000 + RANDOM % 20000))
}
epmd_port=$(free_port)
export ERL_EPMD_PORT=$epmd_port
tag="$$_$RANDOM"
cookie="bench_${tag}_$(date +%s%N)"
srv=benchsrv_$tag@localhost      # ergod server
ref=benchref_$tag@localhost      # erl server (echo_ref)
erlflags=(-noshell -setcookie "$cookie" -start_epmd false -pa "$work")

cat >"$work/server.yaml" <<YAML
node:
  name: $srv
  cookie: $cookie
listen:
  address: 127.0.0.1
  port_range: [0, 0]
epmd:
  port: $epmd_port
  mode: embedded
log:
  level: warning
echo: true
YAML
"$build/daemon/cli/ergod" --config "$work/server.yaml" 2>"$work/server.log" &
pids+=($!)
# Ready once its embedded EPMD answers with the name registered.
for i in $(seq 100); do
  if epmd -port "$epmd_port" -names 2>/dev/null | grep -q "name benchsrv_$tag "; then break; fi
  if [ "$i" = 100 ] || ! kill -0 "${pids[0]}" 2>/dev/null; then
    echo "ergod server did not start:" >&2; cat "$work/server.log" >&2; exit 1
  fi
  sleep 0.1
done

# ergod -> ergod, erl -> ergod
"$build/tests/bench/ergod_bench_dist" "$srv" "$cookie" "$epmd_port" "$secs" "benchcli_$tag@localhost" \
  >"$work/dist_ergod.txt"
erl "${erlflags[@]}" -sname "benchecl_$tag@localhost" -run erlang_dist main "$srv" "$secs" >"$work/dist_mixed.txt"

# erl -> erl (the erl server registers with the same private EPMD)
erl "${erlflags[@]}" -sname "$ref" -eval 'echo_ref:start()' >"$work/ref.log" 2>&1 &
pids+=($!)
erl "${erlflags[@]}" -sname "benerl_$tag@localhost" -run erlang_dist main "$ref" "$secs" >"$work/dist_erlang.txt"

# ---- report -----------------------------------------------------------------------------------
# Join on workload name; *_bytes and *_us workloads are better when lower.
join() {  # join OURS THEIRS SUFFIX
  awk -v suffix="$3" 'NR == FNR { e[$1] = $2; next }
       ($1 in e) {
         ours = e[$1]; theirs = $2
         if ($1 ~ /_(bytes|us)$/) r = (ours > 0 ? theirs / ours : 0); else r = (theirs > 0 ? ours / theirs : 0)
         printf "bench %s%s ergod=%s erlang=%s ratio=%.2f\n", $1, suffix, ours, theirs, r
       }' "$1" "$2"
}
join "$work/ergod.txt" "$work/erlang.txt" ""
join "$work/dist_ergod.txt" "$work/dist_erlang.txt" ""
join "$work/dist_mixed.txt" "$work/dist_erlang.txt" "_erl_to_ergod"
