# The SDK as a plugin author outside this tree gets it: `meson install` it into a temporary
# root, build a small C++ plugin against the installed headers found through pkg-config
# (ergod-sdk.pc) with a plain compiler command, check that it exports only the entry point,
# that ergod.h compiles as strict C11, and that the daemon's loader runs the plugin (the sdk
# unit test's hidden [out_of_tree] case loads it with the real loader and runtime).
# Arguments: ERGOD_BINARY SOURCE_ROOT VERSION BUILD_ROOT SDK_UNIT_TEST
source "$(dirname "$0")/lib.sh" "$@"
build=$4
sdk_unit_test=$(realpath "$5")

dest=$tmp/dest
meson install -C "$build" --destdir "$dest" --tags devel --no-rebuild >"$tmp/install.log" 2>&1 ||
  fail "meson install of the SDK: $(cat "$tmp/install.log")"
pc=$(find "$dest" -name ergod-sdk.pc | head -n 1)
[[ -n $pc ]] || fail "ergod-sdk.pc was not installed"
export PKG_CONFIG_PATH=$(dirname "$pc") PKG_CONFIG_SYSROOT_DIR=$dest
[[ $(pkg-config --modversion ergod-sdk) == "$version" ]] || fail "ergod-sdk version is not $version"
cflags=$(pkg-config --cflags ergod-sdk)
[[ $cflags == *"-I$dest/"* ]] || fail "ergod-sdk Cflags do not point into the install: $cflags"
[[ -z $(pkg-config --libs ergod-sdk) ]] || fail "ergod-sdk has libraries to link: $(pkg-config --libs ergod-sdk)"

mkdir "$tmp/hello"
cd "$tmp/hello"
cat >hello.cpp <<'CPP'
#include <ergod/ergod.hpp>
namespace sdk = ergod::sdk;
struct Greeting { std::string to; int times = 1; };
ERGOD_STRUCT(Greeting, to, times)
class Hello : public sdk::GenServer {
  sdk::Task<sdk::CallResult> handle_call(const sdk::Term& r, const sdk::From&) override {
    if (r.is_record("hello", 2)) {
      auto g = r[1].as<Greeting>();
      std::string s;
      for (int i = 0; i < g.times; ++i) s += "hello " + g.to + "! ";
      co_return sdk::Reply{s};
    }
    if (r.is_record("ask", 3)) co_return sdk::Reply{co_await call(r[1], r[2])};
    co_return sdk::Stop{sdk::atom("function_clause")};
  }
};
int twice(int x) { return 2 * x; }
ERGOD_PLUGIN("hello", "0.0.1", ERGOD_BEHAVIOR("hello", Hello), ERGOD_FUNCTION("hello", "twice", twice))
CPP
# shellcheck disable=SC2086
c++ -std=c++20 -Wall -Wextra -Werror -fPIC -shared -fvisibility=hidden $cflags hello.cpp -o hello.so 2>"$tmp/cxx.log" ||
  fail "the out-of-tree plugin does not build: $(cat "$tmp/cxx.log")"
exports=$(nm -D --defined-only hello.so | awk '$2 == "T" { print $3 }')
[[ $exports == ergod_plugin_entry ]] || fail "hello.so should export only ergod_plugin_entry, exports: $exports"

cat >c11.c <<'C'
#include <ergod/ergod.h>
static ergod_result noop(ergod_proc* self, void* state, ergod_term message) {
  (void)self; (void)state; (void)message;
  return ergod_noreply();
}
static const ergod_gen_server callbacks = {0, 0, 0, noop, 0, 0, 0};
static const ergod_behavior behaviors[] = {{"c11", ERGOD_BEHAVIOR_GEN_SERVER, &callbacks}};
static const ergod_plugin plugin = {ERGOD_ABI_VERSION, "c11", "1", behaviors, 1, 0, 0, 0, 0};
ERGOD_EXPORT const ergod_plugin* ERGOD_PLUGIN_ENTRY(const ergod_host* host) { (void)host; return &plugin; }
C
# shellcheck disable=SC2086
cc -std=c11 -pedantic -Wall -Wextra -Werror -fPIC -shared $cflags c11.c -o c11.so 2>"$tmp/cc.log" ||
  fail "ergod.h does not compile as C11: $(cat "$tmp/cc.log")"

ERGOD_SDK_PLUGIN=$tmp/hello/hello.so "$sdk_unit_test" "[out_of_tree]" >"$tmp/load.log" 2>&1 ||
  fail "the daemon's loader does not run hello.so: $(cat "$tmp/load.log")"
grep -q "All tests passed" "$tmp/load.log" || fail "the [out_of_tree] test did not run: $(cat "$tmp/load.log")"
echo "ok: SDK installed, hello.so built out of tree, loaded and run"
