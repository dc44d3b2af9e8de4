// Loading plugin files: every refusal with its exact message, the registry (find, make_server
// errors, rpc functions registered and removed), reloading a file, and on_unload when the
// last user goes.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "../runtime/support.h"
#include "plugin/plugin_registry.h"
#include "services/functions.h"

using namespace rt_test;
using ergod::plugin::PluginRegistry;
namespace fs = std::filesystem;

namespace {

const std::string kDir = PLUGIN_TEST_DIR;
std::string module_path(const std::string& name) { return kDir + "/" + name + ".so"; }

std::string load_error(const std::string& path) {
  Runtime rt;
  PluginRegistry reg(rt, nullptr);
  auto r = reg.load(path);
  REQUIRE_FALSE(r.ok());
  CHECK(reg.names().empty());  // a failed load leaves nothing behind
  return r.error();
}

// A private copy of a file, removed at the end of the test.
struct TempCopy {
  std::string path;
  explicit TempCopy(const std::string& from, const std::string& name) {
    path = (fs::temp_directory_path() / ("ergod_plugin_test_" + std::to_string(::getpid()) + "_" + name)).string();
    fs::copy_file(from, path, fs::copy_options::overwrite_existing);
  }
  ~TempCopy() { fs::remove(path); }
};

}  // namespace

TEST_CASE("a plugin built for ABI 1 still loads", "[plugin][loader]") {
  Runtime rt;
  PluginRegistry reg(rt, nullptr);
  auto r = reg.load(module_path("old_abi1"));
  REQUIRE(r.ok());
  CHECK(reg.names().size() == 1);
}

TEST_CASE("each refused plugin file gets a message naming the file and what is wrong", "[plugin][loader]") {
  std::string p = module_path("broken_noentry");
  CHECK(load_error(p) == "plugin " + p + ": no symbol ergod_plugin_entry (not an ergod plugin)");
  p = module_path("broken_abi");
  CHECK(load_error(p) == "plugin " + p + " was built for ABI " + std::to_string(ERGOD_ABI_VERSION + 1) +
                             ", ergod loads ABI 1 to " + std::to_string(ERGOD_ABI_VERSION));
  p = module_path("broken_null");
  CHECK(load_error(p) == "plugin " + p + ": ergod_plugin_entry returned no descriptor");
  p = module_path("broken_noname");
  CHECK(load_error(p) == "plugin " + p + ": the descriptor has no name");
  p = module_path("broken_duplicate");
  CHECK(load_error(p) == "plugin " + p + ": behavior \"worker\" is declared twice");
  p = module_path("broken_kind");
  CHECK(load_error(p) == "plugin " + p + ": behavior \"worker\" has unknown kind 7");
  p = module_path("broken_refuse");
  CHECK(load_error(p) == "plugin " + p + ": on_load refused to load (returned 3)");
  p = kDir + "/no_such_plugin.so";
  CHECK(load_error(p) == "plugin " + p + ": No such file or directory");
}

TEST_CASE("a file that is not a shared object is refused with dlopen's reason", "[plugin][loader]") {
  std::string path = (fs::temp_directory_path() / ("ergod_not_elf_" + std::to_string(::getpid()) + ".so")).string();
  std::ofstream(path) << std::string(512, 'x');
  std::string e = load_error(path);
  fs::remove(path);
  CHECK(e == "plugin " + path + ": not a loadable shared object: invalid ELF header");
}

TEST_CASE("a loaded plugin is found by name and makes servers of its behaviors only", "[plugin][loader]") {
  Runtime rt;
  PluginRegistry reg(rt, nullptr);
  auto p = reg.load(module_path("test_plugin"));
  REQUIRE(p.ok());
  CHECK((*p)->name == "test_plugin");
  CHECK((*p)->version == "0.1");
  CHECK(reg.find("test_plugin") == *p);
  CHECK(reg.find("nope") == nullptr);
  CHECK(reg.make_server("test_plugin", "probe", nullptr).ok());
  auto unknown = reg.make_server("nope", "probe", nullptr);
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error() == "unknown plugin \"nope\"");
  auto no_behavior = reg.make_server("test_plugin", "worker", nullptr);
  REQUIRE_FALSE(no_behavior.ok());
  CHECK(no_behavior.error() == "plugin \"test_plugin\" has no behavior \"worker\"");
  CHECK_FALSE((*p)->file_changed());
}

TEST_CASE("load_dir loads every .so and reports the ones that fail", "[plugin][loader]") {
  Runtime rt;
  PluginRegistry reg(rt, nullptr);
  auto r = reg.load_dir(kDir);
  CHECK(r.loaded.size() == 2);   // test_plugin and old_abi1; every broken_* is refused
  CHECK(r.errors.size() == 7);
  CHECK(reg.find("test_plugin"));
  auto missing = reg.load_dir(kDir + "/nope");
  REQUIRE(missing.errors.size() == 1);
  CHECK(missing.errors[0] == "plugin directory " + kDir + "/nope: No such file or directory");
}

TEST_CASE("rpc functions are registered on load, run through the FunctionRegistry and removed on unload", "[plugin][loader][rpc]") {
  Runtime rt;
  ergod::services::FunctionRegistry fns;
  PluginRegistry reg(rt, &fns);
  REQUIRE(reg.load(module_path("test_plugin")).ok());
  Atom m = Atom::make("test_plugin");
  REQUIRE(fns.find(m, Atom::make("add"), 2));
  REQUIRE(fns.find(m, Atom::make("fail"), 0));
  Inbox in(rt);
  ergod::services::ApplyResult added, failed;
  REQUIRE(in.run([&](Process& self) {
    added = fns.apply(self, A("test_plugin"), A("add"), Term::list({I(2), I(40)}));
    failed = fns.apply(self, A("test_plugin"), A("fail"), Term::nil());
  }));
  CHECK(added.kind == ergod::services::ApplyResult::Kind::return_);
  CHECK(added.value == I(42));
  CHECK(failed.kind == ergod::services::ApplyResult::Kind::error);
  CHECK(failed.value == A("oops"));
  CHECK(reg.unload("test_plugin"));
  CHECK_FALSE(fns.find(m, Atom::make("add"), 2));
  CHECK_FALSE(reg.unload("test_plugin"));
}

TEST_CASE("an rpc function already registered by someone else refuses the load", "[plugin][loader][rpc]") {
  Runtime rt;
  ergod::services::FunctionRegistry fns;
  fns.add(Atom::make("test_plugin"), Atom::make("add"), 2,
          [](Process&, const Term&) { return ergod::services::ApplyResult::ok(A("builtin")); });
  PluginRegistry reg(rt, &fns);
  auto r = reg.load(module_path("test_plugin"));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error() == "plugin " + module_path("test_plugin") + ": function test_plugin:add/2 is already registered");
  CHECK(reg.names().empty());
}

TEST_CASE("loading the same file again replaces the plugin; the same name from another file is refused", "[plugin][loader]") {
  Runtime rt;
  ergod::services::FunctionRegistry fns;
  PluginRegistry reg(rt, &fns);
  TempCopy copy(module_path("test_plugin"), "reload.so");
  auto first = reg.load(copy.path);
  REQUIRE(first.ok());
  auto second = reg.load(copy.path);
  REQUIRE(second.ok());
  CHECK(*first != *second);
  CHECK(reg.find("test_plugin") == *second);
  CHECK(fns.find(Atom::make("test_plugin"), Atom::make("add"), 2));
  auto other = reg.load(module_path("test_plugin"));
  REQUIRE_FALSE(other.ok());
  CHECK(other.error() == "plugin " + module_path("test_plugin") + ": a plugin named \"test_plugin\" is already loaded from " + copy.path);
  // The identity tells the caller when the file changes.
  CHECK_FALSE((*second)->file_changed());
  std::ofstream(copy.path, std::ios::app) << "x";
  CHECK((*second)->file_changed());
}

TEST_CASE("on_unload runs when the registry lets go of the last reference", "[plugin][loader]") {
  Runtime rt;
  Inbox watch(rt);
  REQUIRE(rt.register_name(Atom::make("unload_watch"), watch.pid()));
  PluginRegistry reg(rt, nullptr);
  auto p = reg.load(module_path("test_plugin"));
  REQUIRE(p.ok());
  std::shared_ptr<const ergod::plugin::Plugin> kept = *p;
  p = ergod::make_error("dropped");
  CHECK(reg.unload("test_plugin"));
  CHECK_FALSE(watch.receive(std::chrono::milliseconds(0)).has_value());  // still held here
  kept.reset();
  CHECK(recv(watch) == A("unloaded"));
}
