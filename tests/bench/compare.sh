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
# Each workload runs BENCH_RUNS times (default 5), ergod and Erlang alternating so that a load
# from elsewhere on the machine hits both sides alike: the local ones one workload at a time (a
# fresh driver each), the distributed ones a whole driver at a time. The lines give each side's
# median (the ratio is of the medians); stderr gets one "spread" line per workload: both sides'
# lowest and highest runs, and the lowest, median and highest ratio of one ergod run to the
# Erlang run beside it (on a busy machine that median is the steadier figure).
# Usage: tests/bench/compare.sh [SECONDS_PER_WORKLOAD]   (builds $BUILD_DIR, default build/)
#   BENCH_RUNS=N         runs of each driver (default 5)
#   BENCH_ONLY=local|dist  only the local or only the distributed workloads (default both)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
secs=${1:-2}
build=${BUILD_DIR:-$top/build}
shared=${SHARED_DIR:-$top/../shared}
runs=${BENCH_RUNS:-5}
only=${BENCH_ONLY:-}

[ -f "$build/build.ninja" ] || meson setup "$build" "$top" >/dev/null
targets=()
[ "$only" = dist ] || targets+=(tests/bench/ergod_bench_local)
[ "$only" = local ] || targets+=(tests/bench/ergod_bench_dist daemon/cli/ergod)
ninja -C "$build" "${targets[@]}" >/dev/null

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
# The names ergod_bench_local and erlang_local.erl both know, in the order they are reported.
local_workloads=(call_1 call_8 call_64 call_64to1 spawn_exit idle_process_bytes)
if [ "$only" != dist ]; then
  for i in $(seq "$runs"); do
    for w in "${local_workloads[@]}"; do
      ERGOD_BENCH_ONLY=$w "$build/tests/bench/ergod_bench_local" "$secs" >>"$work/ergod.$i.txt"
      erl -noshell -pa "$work" -run erlang_local main "$secs" "$w" >>"$work/erlang.$i.txt"
    done
  done
fi

# ---- distributed workloads ----------------------------------------------------------------------
if [ "$only" != local ]; then
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
plugins:
  dir: $build/plugins
manifests:
  dir: $top/config/manifests
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

# The erl server (erl -> erl) registers with the same private EPMD.
erl "${erlflags[@]}" -sname "$ref" -eval 'echo_ref:start()' >"$work/ref.log" 2>&1 &
pids+=($!)
for i in $(seq "$runs"); do
  # ergod -> ergod, erl -> ergod, erl -> erl
  "$build/tests/bench/ergod_bench_dist" "$srv" "$cookie" "$epmd_port" "$secs" "benchcli_${i}_$tag@localhost" \
    >"$work/dist_ergod.$i.txt"
  erl "${erlflags[@]}" -sname "benchecl_${i}_$tag@localhost" -run erlang_dist main "$srv" "$secs" >"$work/dist_mixed.$i.txt"
  erl "${erlflags[@]}" -sname "benerl_${i}_$tag@localhost" -run erlang_dist main "$ref" "$secs" >"$work/dist_erlang.$i.txt"
done
fi

# ---- report -----------------------------------------------------------------------------------
# Medians per workload over the runs; *_bytes and *_us workloads are better when lower.
report() {  # report OURS THEIRS SUFFIX: OURS.N.txt and THEIRS.N.txt for N = 1..runs
  local i
  for i in $(seq "$runs"); do
    if [ -f "$1.$i.txt" ]; then awk -v run="$i" '{ print "ours", run, $1, $2 }' "$1.$i.txt"; fi
    if [ -f "$2.$i.txt" ]; then awk -v run="$i" '{ print "theirs", run, $1, $2 }' "$2.$i.txt"; fi
  done | awk -v suffix="$3" '
    function sorted(list, a,   n, i, j, t) {  # splits list into a[1..n], ascending
      n = split(list, a, " ")
      for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
      return n
    }
    function median(list,   a, n) {
      n = sorted(list, a)
      return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    function better(name, ours, theirs) {  # > 1: ergod better
      if (name ~ /_(bytes|us)$/) return ours > 0 ? theirs / ours : 0
      return theirs > 0 ? ours / theirs : 0
    }
    { v[$1, $3] = v[$1, $3] " " $4; run[$1, $3, $2] = $4
      if ($1 == "ours" && !(($3) in seen)) { seen[$3] = 1; order[++k] = $3 } }
    END {
      for (i = 1; i <= k; i++) {
        name = order[i]
        if (!(("theirs", name) in v)) continue
        ours = median(v["ours", name]); theirs = median(v["theirs", name])
        printf "bench %s%s ergod=%.0f erlang=%.0f ratio=%.2f\n", name, suffix, ours, theirs, better(name, ours, theirs)
        n = sorted(v["ours", name], o); m = sorted(v["theirs", name], e)
        rlist = ""
        for (r = 1; r <= 1000; r++)
          if ((("ours", name, r) in run) && (("theirs", name, r) in run))
            rlist = rlist " " better(name, run["ours", name, r], run["theirs", name, r])
        nr = sorted(rlist, rs)
        printf "spread %s%s ergod=%s..%s erlang=%s..%s ratio=%.2f..%.2f..%.2f runs=%d\n", name, suffix, o[1], o[n],
          e[1], e[m], rs[1], median(rlist), rs[nr], nr > "/dev/stderr"
      }
    }'
}
report "$work/ergod" "$work/erlang" ""
report "$work/dist_ergod" "$work/dist_erlang" ""
report "$work/dist_mixed" "$work/dist_erlang" "_erl_to_ergod"
