#!/usr/bin/env bash
# Golden tests of the ETF codec against the real erl (meson suite 'interop').
#   run_golden.sh GOLDEN_TEST_BINARY GOLDEN_SOURCE_DIR
# 1. erl (a named node, without epmd or a listen socket, so its pids carry a real node name
#    and creation) writes the corpus; 2. the C++ test decodes, compares and re-encodes it;
# 3. a second erl decodes ergod's encodings and compares them (=:=) with the originals.
# Exits 77 (meson: skipped) when erl or erlc is not installed.
set -euo pipefail
golden_test=$1
src=$2
if ! command -v erl >/dev/null || ! command -v erlc >/dev/null; then
  echo "erl/erlc not found: skipped"
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
erlc -o "$work" "$src/ergod_golden.erl"
timeout 120 erl -noshell -sname "ergod_golden_$$" -start_epmd false -dist_listen false \
  -pa "$work" -run ergod_golden gen "$work"
ERGOD_GOLDEN_DIR=$work "$golden_test"
timeout 120 erl -noshell -pa "$work" -run ergod_golden check "$work"
