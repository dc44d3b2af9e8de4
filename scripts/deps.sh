# Debian 12 packages ergod needs, and the function that installs the missing ones.
# Sourced by run.sh, test.sh and .ci/run (one list, so they cannot drift apart); not run.

# To build ergod. catch2 is here too because the default build (-Dtests=true) has the tests.
ergod_build_packages=(g++ meson ninja-build pkg-config python3
  libuv1-dev libssl-dev zlib1g-dev libyaml-cpp-dev libcli11-dev catch2)
# To run every test: real Erlang nodes for interop and benchmarks, clang for the fuzzers
# and its runtime for the sanitizers.
ergod_test_packages=(erlang-nox clang libclang-rt-14-dev)

# ergod_install_deps PACKAGE...: installs, with apt-get, those not installed yet. Does not
# touch apt at all when everything is there, so it is quick and needs no root on a
# machine that is set up.
ergod_install_deps() {
  local missing=() pkg
  for pkg in "$@"; do
    if [[ $(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null) != "install ok installed" ]]; then
      missing+=("$pkg")
    fi
  done
  ((${#missing[@]} == 0)) && return 0

  local sudo=()
  if ((EUID != 0)); then
    if ! command -v sudo >/dev/null; then
      echo "ergod: need root or sudo to install: ${missing[*]}" >&2
      return 1
    fi
    sudo=(sudo)
  fi
  echo "ergod: installing ${missing[*]}" >&2
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q &&
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -q --no-install-recommends "${missing[@]}"
}
