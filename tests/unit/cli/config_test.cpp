// Unit tests of the config loader: defaults, every kind of error with its exact position,
// and the cookie file. Each test writes its files into a fresh temporary directory.
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "cli/config.h"
#include "support.h"

namespace fs = std::filesystem;
using namespace ergod;
using namespace ergod::cli;

namespace {

struct TempDir : test::TempDir {
  TempDir() : test::TempDir("ergod-config-test") {}
};

// The messages of a result, as ergod check prints them, with the directory left out so
// that expectations read as they would for a file in the working directory.
std::vector<std::string> messages(const LoadResult& r, const TempDir& dir) {
  std::vector<std::string> out;
  std::string prefix = dir.path().string() + "/";
  for (const auto& e : r.errors) {
    std::string s = e.to_string();
    if (s.rfind(prefix, 0) == 0) s.erase(0, prefix.size());
    out.push_back(s);
  }
  return out;
}

const std::string minimal = "node:\n  name: a@b\n  cookie: secret\n";

LoadResult load(const TempDir& dir, const std::string& text) {
  return load_config(dir.write("c.yaml", text));
}

}  // namespace

TEST_CASE("the shipped default config loads without errors", "[cli][config]") {
  fs::path file = fs::path(ERGOD_SOURCE_ROOT) / "config" / "ergod.yaml";
  LoadResult r = load_config(file);
  for (const auto& e : r.errors) UNSCOPED_INFO(e.to_string());
  REQUIRE(r.ok());
  const Config& c = r.config;
  CHECK(c.node.name == "ergod@localhost");
  CHECK_FALSE(c.node.long_name);
  CHECK_FALSE(c.node.cookie.empty());
  CHECK(c.listen.address == "0.0.0.0");
  CHECK(c.epmd.port == 4369);
  CHECK(c.epmd.mode == EpmdMode::automatic);
  CHECK(c.net_ticktime == 60);
  CHECK(c.log_level == LogLevel::info);
  // $ORIGIN/../../plugins: beside the running binary (here the test's).
  CHECK(c.plugins_dir == (fs::read_symlink("/proc/self/exe").parent_path() / "../../plugins").lexically_normal());
}

TEST_CASE("a file with only the node section gets every default", "[cli][config]") {
  TempDir dir;
  LoadResult r = load(dir, minimal);
  REQUIRE(messages(r, dir).empty());
  const Config& c = r.config;
  CHECK(c.node.name == "a@b");
  CHECK(c.node.cookie == "secret");
  CHECK(c.node.cookie_file.empty());
  CHECK(c.listen.address == "0.0.0.0");
  CHECK(c.listen.port_min == 0);
  CHECK(c.listen.port_max == 0);
  CHECK(c.epmd.port == 4369);
  CHECK(c.epmd.mode == EpmdMode::automatic);
  CHECK(c.net_ticktime == 60);
  CHECK(c.schedulers == 0);
  CHECK(c.effective_schedulers() >= 1);
  CHECK(c.limits.max_message_size == 64u * 1024 * 1024);
  CHECK(c.limits.max_atoms == 1048576);
  CHECK(c.log_level == LogLevel::info);
  CHECK(c.plugins_dir == dir.path() / "plugins");
  CHECK(c.manifests_dir == dir.path() / "manifests");
}

TEST_CASE("every key is read when given", "[cli][config]") {
  TempDir dir;
  LoadResult r = load(dir, minimal +
                               "listen:\n  address: ::1\n  port_range: [9100, 9200]\n"
                               "epmd:\n  port: 4370\n  mode: embedded\n"
                               "net_ticktime: 20\nschedulers: 3\n"
                               "limits:\n  max_message_size: 1024\n  max_atoms: 8192\n"
                               "log:\n  level: warning\n"
                               "plugins:\n  dir: /opt/plugins\nmanifests:\n  dir: ../m\n");
  REQUIRE(messages(r, dir).empty());
  const Config& c = r.config;
  CHECK(c.listen.address == "::1");
  CHECK(c.listen.port_min == 9100);
  CHECK(c.listen.port_max == 9200);
  CHECK(c.epmd.port == 4370);
  CHECK(c.epmd.mode == EpmdMode::embedded);
  CHECK(c.net_ticktime == 20);
  CHECK(c.schedulers == 3);
  CHECK(c.effective_schedulers() == 3);
  CHECK(c.limits.max_message_size == 1024);
  CHECK(c.limits.max_atoms == 8192);
  CHECK(c.log_level == LogLevel::warning);
  CHECK(c.plugins_dir == "/opt/plugins");
  CHECK(c.manifests_dir == (dir.path().parent_path() / "m"));
}

TEST_CASE("a host with a dot makes a long name, one without a short name", "[cli][config]") {
  TempDir dir;
  LoadResult s = load(dir, "node:\n  name: x@localhost\n  cookie: c\n");
  REQUIRE(s.ok());
  CHECK_FALSE(s.config.node.long_name);
  LoadResult l = load(dir, "node:\n  name: x@host.example.com\n  cookie: c\n");
  REQUIRE(l.ok());
  CHECK(l.config.node.long_name);
}

TEST_CASE("a value of the wrong kind is reported at the value's position", "[cli][config]") {
  TempDir dir;
  LoadResult r = load(dir, minimal + "net_ticktime: abc\n");
  CHECK(messages(r, dir) ==
        std::vector<std::string>{"c.yaml:4:15: net_ticktime: expected a positive integer, "
                                 "got \"abc\""});
  CHECK(r.errors.at(0).line == 4);
  CHECK(r.errors.at(0).column == 15);
}

TEST_CASE("numbers out of range name the range", "[cli][config]") {
  TempDir dir;
  LoadResult r = load(dir, minimal +
                               "net_ticktime: 0\n"
                               "schedulers: 2000\n"
                               "limits:\n  max_atoms: 100\n  max_message_size: 99999999999999999999\n"
                               "epmd:\n  port: -1\n");
  CHECK(messages(r, dir) ==
        std::vector<std::string>{
            "c.yaml:4:15: net_ticktime: expected a positive integer, got \"0\"",
            "c.yaml:5:13: schedulers: expected an integer from 0 to 1024 (0 = one per core), "
            "got \"2000\"",
            "c.yaml:7:14: limits.max_atoms: expected an integer from 8192 to 2147483647, got "
            "\"100\"",
            "c.yaml:8:21: limits.max_message_size: expected a positive integer (bytes) up to "
            "18446744073709551615, got \"99999999999999999999\"",
            "c.yaml:10:9: epmd.port: expected a port number from 1 to 65535, got \"-1\""});
}

TEST_CASE("an unknown key is reported at the key with the keys allowed there",
          "[cli][config]") {
  TempDir dir;
  LoadResult r = load(dir, "node:\n  name: a@b\n  cookie: c\n  colour: red\nverbose: true\n");
  CHECK(messages(r, dir) ==
        std::vector<std::string>{
            "c.yaml:4:3: unknown key \"node.colour\" (expected one of: name, cookie, "
            "cookie_file)",
            "c.yaml:5:1: unknown key \"verbose\" (expected one of: node, listen, epmd, "
            "net_ticktime, schedulers, limits, log, plugins, manifests, control)"});
}

TEST_CASE("a key given twice is an error at the second", "[cli][config]") {
  TempDir dir;
  LoadResult r = load(dir, minimal + "schedulers: 1\nschedulers: 2\n");
  CHECK(messages(r, dir) ==
        std::vector<std::string>{
            "c.yaml:5:1: schedulers: duplicate key (first given on line 4)"});
}

TEST_CASE("a node name must have the form name@host", "[cli][config]") {
  TempDir dir;
  for (std::string bad : {"ergod", "@host", "name@", "a@b@c", "sp ace@host", "a@ho/st"}) {
    LoadResult r = load(dir, "node:\n  name: \"" + bad + "\"\n  cookie: c\n");
    INFO(bad);
    CHECK(messages(r, dir) ==
          std::vector<std::string>{"c.yaml:2:9: node.name: expected name@host (e.g. "
                                   "ergod@localhost), got \"" +
                                   bad + "\""});
  }
}

TEST_CASE("the node section needs a name and exactly one of cookie and cookie_file",
          "[cli][config]") {
  TempDir dir;
  SECTION("neither cookie nor cookie_file") {
    LoadResult r = load(dir, "node:\n  name: a@b\n");
    CHECK(messages(r, dir) ==
          std::vector<std::string>{
              "c.yaml:1:1: node: missing cookie or cookie_file (one of them is required)"});
  }
  SECTION("both") {
    dir.write("cookie", "x\n", 0600);
    LoadResult r = load(dir, "node:\n  name: a@b\n  cookie: c\n  cookie_file: cookie\n");
    CHECK(messages(r, dir) ==
          std::vector<std::string>{
              "c.yaml:4:3: node: give either cookie or cookie_file, not both"});
  }
  SECTION("no name") {
    LoadResult r = load(dir, "log:\n  level: info\nnode:\n  cookie: c\n");
    CHECK(messages(r, dir) ==
          std::vector<std::string>{
              "c.yaml:3:1: node.name: missing (expected name@host, e.g. ergod@localhost)"});
  }
  SECTION("no node section") {
    LoadResult r = load(dir, "log:\n  level: info\n");
    CHECK(messages(r, dir) ==
          std::vector<std::string>{"c.yaml:1:1: node: missing (expected a map with name and "
                                   "cookie or cookie_file)"});
  }
}

TEST_CASE("cookie_file is read at load, trimmed, and resolved next to the config",
          "[cli][config]") {
  TempDir dir;
  dir.write("secrets/cookie", "  MYCOOKIE\n\n", 0400);
  LoadResult r = load(dir, "node:\n  name: a@b\n  cookie_file: secrets/cookie\n");
  REQUIRE(messages(r, dir).empty());
  CHECK(r.config.node.cookie == "MYCOOKIE");
  CHECK(r.config.node.cookie_file == (dir.path() / "secrets/cookie").string());
}

TEST_CASE("cookie_file must exist, be private, and hold one line", "[cli][config]") {
  TempDir dir;
  std::string where = (dir.path() / "cookie").string();
  SECTION("missing") {
    LoadResult r = load(dir, "node:\n  name: a@b\n  cookie_file: cookie\n");
    CHECK(messages(r, dir) ==
          std::vector<std::string>{"c.yaml:3:16: node.cookie_file: cannot read \"" + where +
                                   "\": No such file or directory"});
  }
  SECTION("readable by others") {
    dir.write("cookie", "x\n", 0644);
    LoadResult r = load(dir, "node:\n  name: a@b\n  cookie_file: cookie\n");
    CHECK(messages(r, dir) ==
          std::vector<std::string>{"c.yaml:3:16: node.cookie_file: \"" + where +
                                   "\" must be accessible by its owner only (chmod 400), "
                                   "mode is 0644"});
  }
  SECTION("empty") {
    dir.write("cookie", "\n", 0600);
    LoadResult r = load(dir, "node:\n  name: a@b\n  cookie_file: cookie\n");
    CHECK(messages(r, dir) ==
          std::vector<std::string>{"c.yaml:3:16: node.cookie_file: \"" + where +
                                   "\" must hold one line of 1 to 255 characters (the "
                                   "cookie)"});
  }
}

TEST_CASE("choices list the values allowed", "[cli][config]") {
  TempDir dir;
  LoadResult r = load(dir, minimal + "epmd:\n  mode: sometimes\nlog:\n  level: loud\n");
  CHECK(messages(r, dir) ==
        std::vector<std::string>{
            "c.yaml:5:9: epmd.mode: expected embedded, external or auto, got \"sometimes\"",
            "c.yaml:7:10: log.level: expected one of trace, debug, info, notice, warning, "
            "error, got \"loud\""});
}

TEST_CASE("listen takes an IP address and an ordered port range", "[cli][config]") {
  TempDir dir;
  const std::string range = "[min, max] with 1 <= min <= max <= 65535, or [0, 0] for any port";
  LoadResult r = load(dir, minimal + "listen:\n  address: example.com\n  port_range: [9, 2]\n");
  CHECK(messages(r, dir) ==
        std::vector<std::string>{
            "c.yaml:5:12: listen.address: expected an IPv4 or IPv6 address, got "
            "\"example.com\"",
            "c.yaml:6:15: listen.port_range: expected " + range + ", got [9, 2]"});
  r = load(dir, minimal + "listen:\n  port_range: 9100\n");
  CHECK(messages(r, dir) == std::vector<std::string>{"c.yaml:5:15: listen.port_range: "
                                                     "expected " + range + ", got \"9100\""});
  r = load(dir, minimal + "listen:\n  port_range: [0, 10]\n");
  CHECK(messages(r, dir) == std::vector<std::string>{"c.yaml:5:15: listen.port_range: "
                                                     "expected " + range + ", got [0, 10]"});
  r = load(dir, minimal + "listen:\n  port_range: [1, x]\n");
  CHECK(messages(r, dir) ==
        std::vector<std::string>{"c.yaml:5:19: listen.port_range: expected a port number "
                                 "from 0 to 65535, got \"x\""});
}

TEST_CASE("a key with no value is reported at the key", "[cli][config]") {
  TempDir dir;
  LoadResult r = load(dir, minimal + "net_ticktime:\nmanifests:\n  dir:\n");
  CHECK(messages(r, dir) ==
        std::vector<std::string>{
            "c.yaml:4:1: net_ticktime: expected a positive integer, got nothing",
            "c.yaml:6:3: manifests.dir: expected a directory path, got nothing"});
}

TEST_CASE("a section of the wrong kind is reported with the keys it takes", "[cli][config]") {
  TempDir dir;
  LoadResult r = load(dir, minimal + "plugins: [a, b]\nlimits: 5\n");
  CHECK(messages(r, dir) ==
        std::vector<std::string>{
            "c.yaml:4:10: plugins: expected a map with keys dir, got a list",
            "c.yaml:5:9: limits: expected a map with keys max_message_size, max_atoms, got "
            "\"5\""});
}

TEST_CASE("a section whose keys are all commented out takes the defaults", "[cli][config]") {
  TempDir dir;
  LoadResult r = load(dir, minimal + "listen:\n  # address: ::\nlimits:\n");
  REQUIRE(messages(r, dir).empty());
  CHECK(r.config.listen.address == "0.0.0.0");
}

TEST_CASE("every error in a file is reported, in file order", "[cli][config]") {
  TempDir dir;
  LoadResult r = load(dir,
                      "log:\n  level: loud\n"
                      "node:\n  name: nope\n  cookie: c\n"
                      "schedulers: many\n"
                      "surprise: 1\n");
  CHECK(messages(r, dir) ==
        std::vector<std::string>{
            "c.yaml:2:10: log.level: expected one of trace, debug, info, notice, warning, "
            "error, got \"loud\"",
            "c.yaml:4:9: node.name: expected name@host (e.g. ergod@localhost), got \"nope\"",
            "c.yaml:6:13: schedulers: expected an integer from 0 to 1024 (0 = one per core), "
            "got \"many\"",
            "c.yaml:7:1: unknown key \"surprise\" (expected one of: node, listen, epmd, "
            "net_ticktime, schedulers, limits, log, plugins, manifests, control)"});
}

TEST_CASE("a YAML syntax error is reported with its position", "[cli][config]") {
  TempDir dir;
  LoadResult r = load(dir, minimal + "log: {level: info\n");
  CHECK(messages(r, dir) ==
        std::vector<std::string>{"c.yaml:5:1: YAML syntax error: end of map flow not found"});
  r = load(dir, minimal + "\tlog: 1\n");
  CHECK(messages(r, dir) ==
        std::vector<std::string>{
            "c.yaml:4:1: YAML syntax error: illegal tab when looking for indentation"});
  r = load(dir, "node:\n  name: a@b\n   cookie: c\n");
  CHECK(messages(r, dir) ==
        std::vector<std::string>{"c.yaml:3:10: YAML syntax error: illegal map value"});
}

TEST_CASE("a file that is empty or not a map is one error at its start", "[cli][config]") {
  TempDir dir;
  CHECK(messages(load(dir, ""), dir) ==
        std::vector<std::string>{"c.yaml:1:1: expected a map of settings (node, listen, "
                                 "epmd, ...), got nothing"});
  CHECK(messages(load(dir, "- a\n- b\n"), dir) ==
        std::vector<std::string>{"c.yaml:1:1: expected a map of settings (node, listen, "
                                 "epmd, ...), got a list"});
}

TEST_CASE("a file that cannot be opened is one error without a position", "[cli][config]") {
  TempDir dir;
  LoadResult r = load_config(dir.path() / "absent.yaml");
  CHECK(messages(r, dir) ==
        std::vector<std::string>{"absent.yaml: cannot open: No such file or directory"});
  CHECK(r.errors.at(0).line == 0);
}

