#!/usr/bin/env bash
# Installs what is missing, builds ergod into build/ and runs the node in the foreground
# with config/ergod.yaml. Stop it with Ctrl-C (SIGINT) or SIGTERM.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/deps.sh

ergod_install_deps "${ergod_build_packages[@]}"
if [[ ! -f build/meson-private/coredata.dat ]]; then
  meson setup build
fi
ninja -C build
exec build/daemon/cli/ergod --config config/ergod.yaml
