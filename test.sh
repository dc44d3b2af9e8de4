#!/usr/bin/env bash
# Installs what is missing, builds everything into build/ and runs every test. The last
# line is "N passed, M failed" (see scripts/count_results.py); exits 1 when M > 0.
set -uo pipefail
cd "$(dirname "$0")"
source scripts/deps.sh

# Anything that stops the tests from running is one failure, never a silent pass.
give_up() {
  echo "test.sh: $*" >&2
  echo "0 passed, 1 failed"
  exit 1
}

ergod_install_deps "${ergod_build_packages[@]}" "${ergod_test_packages[@]}" ||
  give_up "cannot install the packages needed"
if [[ ! -f build/meson-private/coredata.dat ]]; then
  meson setup build || give_up "meson setup failed"
else
  meson configure build -Dtests=true || give_up "meson configure failed"
fi
ninja -C build || give_up "build failed"

rm -f build/meson-logs/testlog.json
status=0
# Generous timeouts: the machine may be busy (two cores, sanitizers, real erl nodes).
meson test -C build --print-errorlogs --num-processes 2 --timeout-multiplier 4 || status=$?

summary=$(python3 scripts/count_results.py build "$status")
echo "$summary"
[[ $summary == *" 0 failed" ]]
