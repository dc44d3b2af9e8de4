// Unit tests of the manifest loader (manifest.h): a full valid manifest, the defaults, every
// kind of error with its position, and the checks across files (names, dependencies).
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "cli/manifest.h"
#include "term/term.h"
#include "support.h"

namespace fs = std::filesystem;
using namespace ergod;
using namespace ergod::cli;

namespace {

struct TempDir : test::TempDir {
  TempDir() : test::TempDir("ergod-manifest-test") {}
};

std::vector<std::string> messages(const std::vector<FileError>& errors,
                                  const fs::path& dir = {}) {
  std::vector<std::string> out;
  std::string prefix = dir.empty() ? std::string() : dir.string() + "/";
  for (const auto& e : errors) {
    std::string s = e.to_string();
    if (!prefix.empty() && s.rfind(prefix, 0) == 0) s.erase(0, prefix.size());
    out.push_back(s);
  }
  return out;
}

ManifestResult load(const std::string& text) { return load_manifest_text(text, "m.yaml"); }

const std::string full = R"(application:
  name: shop
  version: "1.0.0"
  description: An example shop
  start_type: permanent
  depends_on: [inventory]
  log_level: debug
  env:
    port: 8080
    :hosts: [a, :b]
  supervisor:
    strategy: one_for_all
    intensity: 3
    period: 10
    name: shop_sup
    children:
      - id: cart
        plugin: shop
        behavior: cart
        args: {max_items: 10}
        restart: transient
        shutdown: brutal_kill
        name: cart
      - id: workers
        strategy: simple_one_for_one
        children:
          - id: worker
            plugin: shop
            behavior: worker
            args: [:x]
            restart: temporary
            shutdown: infinity
      - id: ext_sup
        type: supervisor
        plugin: shop
        behavior: sub
)";

}  // namespace

TEST_CASE("a full manifest is read into the structs", "[cli][manifest]") {
  ManifestResult r = load(full);
  REQUIRE(messages(r.errors).empty());
  const ApplicationManifest& a = r.manifest;
  CHECK(a.name == "shop");
  CHECK(a.pos.line == 2);
  CHECK(a.pos.column == 9);
  CHECK(a.version == "1.0.0");
  CHECK(a.description == "An example shop");
  CHECK(a.start_type == StartType::permanent);
  REQUIRE(a.depends_on.size() == 1);
  CHECK(a.depends_on[0].name == "inventory");
  CHECK(a.depends_on[0].pos.line == 6);
  CHECK(a.log_level == LogLevel::debug);
  REQUIRE(a.env.size() == 2);
  CHECK(a.env[0].first == "port");
  CHECK(term::to_string(a.env[0].second) == "8080");
  CHECK(a.env[1].first == "hosts");
  CHECK(a.env[1].second == term::Term::list({term::Term::binary("a"), term::Term::atom("b")}));
  REQUIRE(a.supervisor);
  const SupervisorManifest& s = *a.supervisor;
  CHECK(s.strategy == Strategy::one_for_all);
  CHECK(s.intensity == 3);
  CHECK(s.period_s == 10);
  CHECK(s.name == "shop_sup");
  REQUIRE(s.children.size() == 3);

  const ChildManifest& cart = s.children[0];
  CHECK(cart.id == "cart");
  CHECK(cart.type == ChildType::worker);
  CHECK(cart.plugin == "shop");
  CHECK(cart.behavior == "cart");
  CHECK(cart.args == term::Term::map({{term::Term::binary("max_items"), term::Term::integer(10)}}));
  CHECK(cart.restart == RestartType::transient);
  CHECK(cart.shutdown_ms == kShutdownBrutalKill);
  CHECK(cart.name == "cart");
  CHECK_FALSE(cart.supervisor);
  CHECK(cart.pos.line == 17);

  const ChildManifest& workers = s.children[1];
  CHECK(workers.type == ChildType::supervisor);
  CHECK(workers.shutdown_ms == kShutdownInfinity);
  CHECK(workers.plugin.empty());
  REQUIRE(workers.supervisor);
  CHECK(workers.supervisor->strategy == Strategy::simple_one_for_one);
  REQUIRE(workers.supervisor->children.size() == 1);
  const ChildManifest& tmpl = workers.supervisor->children[0];
  CHECK(term::to_string(tmpl.args) == "[x]");
  CHECK(tmpl.restart == RestartType::temporary);
  CHECK(tmpl.shutdown_ms == kShutdownInfinity);

  const ChildManifest& ext = s.children[2];
  CHECK(ext.type == ChildType::supervisor);
  CHECK(ext.shutdown_ms == kShutdownInfinity);
  CHECK(ext.plugin == "shop");
  CHECK_FALSE(ext.supervisor);
}

TEST_CASE("a manifest with only a name gets OTP's defaults", "[cli][manifest]") {
  ManifestResult r = load("application:\n  name: lib\n");
  REQUIRE(messages(r.errors).empty());
  CHECK(r.manifest.start_type == StartType::temporary);
  CHECK(r.manifest.version.empty());
  CHECK(r.manifest.depends_on.empty());
  CHECK_FALSE(r.manifest.log_level);
  CHECK_FALSE(r.manifest.supervisor);

  ManifestResult s = load(
      "application:\n  name: a\n  supervisor:\n    children:\n"
      "      - {id: w, plugin: p, behavior: b}\n");
  REQUIRE(messages(s.errors).empty());
  const SupervisorManifest& sup = *s.manifest.supervisor;
  CHECK(sup.strategy == Strategy::one_for_one);
  CHECK(sup.intensity == 1);
  CHECK(sup.period_s == 5);
  const ChildManifest& w = sup.children.at(0);
  CHECK(w.restart == RestartType::permanent);
  CHECK(w.shutdown_ms == 5000);
  CHECK(w.type == ChildType::worker);
  CHECK(w.args.is_nil());
}

TEST_CASE("every error of a manifest is reported with its position", "[cli][manifest]") {
  ManifestResult r = load(R"(application:
  name: Shop
  colour: red
  start_type: forever
  depends_on: [a, 1x, a]
  log_level: loud
  env:
    port: .inf
  supervisor:
    strategy: one_for_none
    intensity: -1
    period: 0
    children:
      - id: c
        plugin: p
        behavior: b
        shutdown: soon
        restart: always
      - id: c
        plugin: p
      - id: n
        children: []
        plugin: p
        type: worker
      - plugin: p
        behavior: b
        extra: 1
)");
  CHECK(messages(r.errors) ==
        std::vector<std::string>{
            "m.yaml:2:9: application.name: expected a name (a lowercase letter, then "
            "letters, digits or _), got \"Shop\"",
            "m.yaml:3:3: unknown key \"application.colour\" (expected one of: name, version, "
            "description, start_type, depends_on, log_level, env, supervisor)",
            "m.yaml:4:15: application.start_type: expected permanent, transient or "
            "temporary, got \"forever\"",
            "m.yaml:5:19: application.depends_on[1]: expected a name (a lowercase letter, "
            "then letters, digits or _), got \"1x\"",
            "m.yaml:5:23: application.depends_on[2]: \"a\" is listed twice (first on line 5)",
            "m.yaml:6:14: application.log_level: expected one of trace, debug, info, notice, "
            "warning, error, got \"loud\"",
            "m.yaml:8:11: application.env.port: expected a finite float (Erlang has no "
            "infinity or NaN), got \".inf\"",
            "m.yaml:10:15: application.supervisor.strategy: expected one_for_one, "
            "one_for_all, rest_for_one or simple_one_for_one, got \"one_for_none\"",
            "m.yaml:11:16: application.supervisor.intensity: expected a number of restarts "
            "(0 or more), got \"-1\"",
            "m.yaml:12:13: application.supervisor.period: expected a positive number of "
            "seconds, got \"0\"",
            "m.yaml:17:19: application.supervisor.children[0].shutdown: expected a time in "
            "milliseconds, brutal_kill or infinity, got \"soon\"",
            "m.yaml:18:18: application.supervisor.children[0].restart: expected permanent, "
            "transient or temporary, got \"always\"",
            "m.yaml:19:9: application.supervisor.children[1].behavior: missing (expected a "
            "name (a lowercase letter, then letters, digits or _); a nested supervisor has "
            "strategy or children instead)",
            "m.yaml:19:13: application.supervisor.children[1].id: \"c\" is already the id of "
            "a sibling (line 14)",
            "m.yaml:23:9: application.supervisor.children[2].plugin: a nested supervisor (a "
            "child with strategy or children) takes no plugin",
            "m.yaml:24:15: application.supervisor.children[2].type: a child with strategy or "
            "children is a supervisor, got \"worker\"",
            "m.yaml:25:9: application.supervisor.children[3].id: missing (expected a name (a "
            "lowercase letter, then letters, digits or _))",
            "m.yaml:27:9: unknown key \"application.supervisor.children[3].extra\" (expected "
            "one of: id, plugin, behavior, args, restart, shutdown, type, name, strategy, "
            "intensity, period, children)"});
}

TEST_CASE("simple_one_for_one takes exactly one child whose args are a list",
          "[cli][manifest]") {
  ManifestResult none = load(
      "application:\n  name: a\n  supervisor:\n    strategy: simple_one_for_one\n"
      "    children: []\n");
  CHECK(messages(none.errors) ==
        std::vector<std::string>{
            "m.yaml:5:5: application.supervisor.children: a simple_one_for_one supervisor has "
            "exactly one child (the template), got 0"});
  ManifestResult two = load(
      "application:\n  name: a\n  supervisor:\n    strategy: simple_one_for_one\n"
      "    children:\n      - {id: a, plugin: p, behavior: b}\n"
      "      - {id: b, plugin: p, behavior: b}\n");
  CHECK(messages(two.errors) ==
        std::vector<std::string>{
            "m.yaml:5:5: application.supervisor.children: a simple_one_for_one supervisor has "
            "exactly one child (the template), got 2"});
  ManifestResult args = load(
      "application:\n  name: a\n  supervisor:\n    strategy: simple_one_for_one\n"
      "    children:\n      - {id: a, plugin: p, behavior: b, args: {x: 1}}\n");
  CHECK(messages(args.errors) ==
        std::vector<std::string>{
            "m.yaml:6:47: application.supervisor.children[0].args: expected a list "
            "(simple_one_for_one appends start_child's arguments to it), got a map"});
}

TEST_CASE("a manifest that is not a map of application is one error at its start",
          "[cli][manifest]") {
  CHECK(messages(load("").errors) ==
        std::vector<std::string>{"m.yaml:1:1: expected a map with the key application, got "
                                 "nothing"});
  CHECK(messages(load("app:\n  name: a\n").errors) ==
        std::vector<std::string>{"m.yaml:1:1: unknown key \"app\" (expected one of: "
                                 "application)"});
  CHECK(messages(load("application:\n  version: 1\n").errors) ==
        std::vector<std::string>{"m.yaml:1:1: application.name: missing (expected a name (a "
                                 "lowercase letter, then letters, digits or _))"});
  CHECK(messages(load("application: [\n").errors).at(0).rfind("m.yaml:", 0) == 0);
}

TEST_CASE("dependencies across files: unknown names and cycles are errors at the dependency",
          "[cli][manifest]") {
  TempDir dir;
  dir.write("a.yaml", "application:\n  name: a\n  depends_on: [b]\n");
  dir.write("b.yaml", "application:\n  name: b\n  depends_on: [c, ghost]\n");
  dir.write("c.yml", "application:\n  name: c\n  depends_on: [a]\n");
  dir.write("d.yaml", "application:\n  name: d\n  depends_on: [d]\n");
  dir.write("notes.txt", "not a manifest");
  ManifestSet set = load_manifests(dir.path());
  CHECK_FALSE(set.dir_missing);
  CHECK(messages(set.errors, dir.path()) ==
        std::vector<std::string>{
            "b.yaml:3:19: application.depends_on[1]: unknown application \"ghost\" (no "
            "manifest names it)",
            "c.yml:3:16: application.depends_on[0]: dependency cycle: a -> b -> c -> a",
            "d.yaml:3:16: application.depends_on[0]: dependency cycle: d -> d"});
}

TEST_CASE("applications come after those they depend on", "[cli][manifest]") {
  TempDir dir;
  dir.write("1.yaml", "application:\n  name: web\n  depends_on: [db, log]\n");
  dir.write("2.yaml", "application:\n  name: db\n  depends_on: [log]\n");
  dir.write("3.yaml", "application:\n  name: log\n");
  dir.write("4.yaml", "application:\n  name: other\n");
  ManifestSet set = load_manifests(dir.path());
  REQUIRE(messages(set.errors).empty());
  std::vector<std::string> order;
  for (const auto& a : set.applications) order.push_back(a.name);
  CHECK(order == std::vector<std::string>{"log", "db", "web", "other"});
}

TEST_CASE("two manifests of one name are an error at the second", "[cli][manifest]") {
  TempDir dir;
  dir.write("a.yaml", "application:\n  name: shop\n");
  dir.write("b.yaml", "# again\napplication:\n  name: shop\n");
  ManifestSet set = load_manifests(dir.path());
  CHECK(messages(set.errors, dir.path()) ==
        std::vector<std::string>{"b.yaml:3:9: application.name: \"shop\" is already the name "
                                 "of the application in " +
                                 (dir.path() / "a.yaml").string() + ":2:9"});
}

TEST_CASE("a missing manifests directory is no applications, not an error",
          "[cli][manifest]") {
  TempDir dir;
  ManifestSet set = load_manifests(dir.path() / "none");
  CHECK(set.ok());
  CHECK(set.dir_missing);
  CHECK(set.applications.empty());
  ManifestSet empty = load_manifests(dir.path());
  CHECK(empty.ok());
  CHECK_FALSE(empty.dir_missing);
}
