// The control channel: request parsing, response formatting and parsing, the default socket
// place, and the server end to end over a real unix socket in a temporary directory.
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <filesystem>
#include <string>

#include <catch2/catch.hpp>

#include "cli/config.h"
#include "cli/control.h"
#include "cli/control_client.h"
#include "support.h"

using namespace ergod;
using namespace ergod::cli;
namespace fs = std::filesystem;

namespace {

// Short: a unix socket path has room for 107 bytes only.
struct TempDir : test::TempDir {
  TempDir() : test::TempDir("ergod-ctl", "/tmp") {}
};

struct FakeHandler : ControlHandler {
  Result<std::string> status() override { return std::string("node: a@b\nprocesses: 3"); }
  Result<std::string> processes() override { return std::string(); }
  Result<std::string> connections() override { return make_error("no\nroute"); }
  Result<std::string> start_app(const std::string& name) override {
    if (name == "boom") throw std::runtime_error("exploded");
    return "started " + name + "\n";
  }
};

ControlRequest req(ControlCommand c, std::string app = {}) { return ControlRequest{c, std::move(app)}; }

// The address of a unix socket at path (the TempDir's paths fit its 108 bytes).
sockaddr_un unix_address(const fs::path& path) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strcpy(a.sun_path, path.c_str());
  return a;
}

}  // namespace

TEST_CASE("every command parses, with an application name where it takes one", "[cli][control]") {
  auto r = parse_request("status\n");
  REQUIRE(r.ok());
  CHECK(r.value().command == ControlCommand::status);
  CHECK(r.value().app.empty());
  for (auto [line, cmd] : {std::pair{"applications", ControlCommand::applications},
                           std::pair{"processes", ControlCommand::processes},
                           std::pair{"connections", ControlCommand::connections},
                           std::pair{"reload\r\n", ControlCommand::reload}}) {
    auto p = parse_request(line);
    REQUIRE(p.ok());
    CHECK(p.value().command == cmd);
  }
  for (auto [line, cmd] : {std::pair{"start shop", ControlCommand::start},
                           std::pair{"stop  shop ", ControlCommand::stop},
                           std::pair{"restart shop\n", ControlCommand::restart}}) {
    auto p = parse_request(line);
    REQUIRE(p.ok());
    CHECK(p.value().command == cmd);
    CHECK(p.value().app == "shop");
  }
}

TEST_CASE("a bad request is refused with what was expected", "[cli][control]") {
  CHECK(parse_request("").error() ==
        "empty request (expected one of: status, applications, processes, connections, "
        "start APP, stop APP, restart APP, reload)");
  CHECK(parse_request("halt").error().rfind("unknown command \"halt\" (expected one of: ", 0) == 0);
  CHECK(parse_request("start").error() == "start takes one application name (start APP)");
  CHECK(parse_request("stop a b").error() == "stop takes one application name (stop APP)");
  CHECK(parse_request("status now").error() == "status takes no argument");
  CHECK(parse_request("start a\tb").error() == "control character in request");
  CHECK(parse_request(std::string(2000, 'x')).error() == "request longer than 1024 bytes");
  CHECK(parse_request("start " + std::string(256, 'a')).error() ==
        "application name longer than 255 bytes");
}

TEST_CASE("format_request gives back a line that parses to the same request", "[cli][control]") {
  CHECK(format_request(req(ControlCommand::status)) == "status\n");
  CHECK(format_request(req(ControlCommand::restart, "shop")) == "restart shop\n");
  auto p = parse_request(format_request(req(ControlCommand::stop, "shop")));
  REQUIRE(p.ok());
  CHECK(p.value().command == ControlCommand::stop);
  CHECK(p.value().app == "shop");
}

TEST_CASE("a response is ok and its body, or one error line", "[cli][control]") {
  CHECK(format_response(std::string("a\nb")) == "ok\na\nb\n");
  CHECK(format_response(std::string("a\n")) == "ok\na\n");
  CHECK(format_response(std::string()) == "ok\n");
  CHECK(format_response(make_error("two\nlines")) == "error: two lines\n");

  auto ok = parse_response("ok\na\nb\n");
  REQUIRE(ok.ok());
  CHECK(ok.value() == "a\nb\n");
  CHECK(parse_response("ok\n").value().empty());
  CHECK(parse_response("error: no such app\n").error() == "no such app");
  CHECK(parse_response("hello\n").error() == "bad response from the daemon: \"hello\"");
}

TEST_CASE("the socket defaults to the runtime directory, else /tmp by node name",
          "[cli][control]") {
  Config cfg;
  cfg.node.name = "shop@host";
  CHECK(default_control_socket(cfg, nullptr) == "/tmp/ergod-shop@host.sock");
  CHECK(default_control_socket(cfg, "") == "/tmp/ergod-shop@host.sock");
  CHECK(default_control_socket(cfg, "/run/ergod") == "/run/ergod/ergod.sock");
  CHECK(default_control_socket(cfg, "/run/ergod:/run/other") == "/run/ergod/ergod.sock");
  cfg.control_socket = "/srv/ctl.sock";
  CHECK(default_control_socket(cfg, "/run/ergod") == "/srv/ctl.sock");
}

TEST_CASE("ctl also looks where the systemd unit puts the socket, unless the config names one",
          "[cli][control]") {
  Config cfg;
  cfg.node.name = "n@h";
  CHECK(control_socket_candidates(&cfg, nullptr) ==
        std::vector<fs::path>{"/tmp/ergod-n@h.sock", "/run/ergod/ergod.sock"});
  CHECK(control_socket_candidates(nullptr, nullptr) ==
        std::vector<fs::path>{"/run/ergod/ergod.sock"});
  CHECK(control_socket_candidates(nullptr, "/run/x") ==
        std::vector<fs::path>{"/run/x/ergod.sock", "/run/ergod/ergod.sock"});
  cfg.control_socket = "/srv/ctl.sock";
  CHECK(control_socket_candidates(&cfg, "/run/x") == std::vector<fs::path>{"/srv/ctl.sock"});
}

TEST_CASE("the server answers each command through the handler, over a 0600 socket",
          "[cli][control]") {
  TempDir dir;
  fs::path sock = dir.path() / "c.sock";
  FakeHandler handler;
  {
    ControlServer server;
    REQUIRE(server.open(sock).ok());
    struct stat st {};
    REQUIRE(::stat(sock.c_str(), &st) == 0);
    CHECK(S_ISSOCK(st.st_mode));
    CHECK((st.st_mode & 0777) == 0600);
    server.serve(handler);

    auto status = control_request(sock, req(ControlCommand::status));
    REQUIRE(status.ok());
    CHECK(status.value() == "node: a@b\nprocesses: 3\n");
    CHECK(control_request(sock, req(ControlCommand::processes)).value().empty());
    CHECK(control_request(sock, req(ControlCommand::connections)).error() == "no route");
    CHECK(control_request(sock, req(ControlCommand::start, "shop")).value() == "started shop\n");
    CHECK(control_request(sock, req(ControlCommand::start, "boom")).error() ==
          "internal error: exploded");
    CHECK(control_request(sock, req(ControlCommand::applications)).error() ==
          "no application controller yet");
    CHECK(control_request(sock, req(ControlCommand::reload)).error() ==
          "no application controller yet");
  }
  // The server removed its file when it went.
  CHECK_FALSE(fs::exists(sock));
}

TEST_CASE("a raw request line that does not parse is answered with the reason",
          "[cli][control]") {
  TempDir dir;
  fs::path sock = dir.path() / "c.sock";
  FakeHandler handler;
  ControlServer server;
  REQUIRE(server.open(sock).ok());
  server.serve(handler);
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un a = unix_address(sock);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  std::string line = "frobnicate\n";
  REQUIRE(::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()));
  std::string got;
  char buf[512];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) got.append(buf, static_cast<size_t>(n));
  ::close(fd);
  CHECK(got.rfind("error: unknown command \"frobnicate\"", 0) == 0);
  CHECK(got.back() == '\n');
}

TEST_CASE("a stale socket file is replaced, a live one refuses the second server",
          "[cli][control]") {
  TempDir dir;
  fs::path sock = dir.path() / "c.sock";
  {
    // A bound socket nobody listens on: what a killed daemon leaves behind.
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un a = unix_address(sock);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    ::close(fd);
  }
  REQUIRE(fs::exists(sock));
  CHECK(control_request(sock, req(ControlCommand::status)).error() ==
        "ergod is not running: nothing accepts on " + sock.string() + " (a stale socket file)");

  FakeHandler handler;
  ControlServer first;
  REQUIRE(first.open(sock).ok());
  first.serve(handler);
  CHECK(control_request(sock, req(ControlCommand::status)).ok());

  {
    ControlServer second;
    auto s = second.open(sock);
    REQUIRE_FALSE(s.ok());
    CHECK(s.error() == "control socket " + sock.string() + ": another ergod is running there");
  }
  // The refused server did not take the live one's file away when it went.
  CHECK(fs::exists(sock));
  CHECK(control_request(sock, req(ControlCommand::status)).ok());
}

TEST_CASE("a path that is not a socket is left alone", "[cli][control]") {
  TempDir dir;
  fs::path file = dir.path() / "plain";
  { std::FILE* f = std::fopen(file.c_str(), "w"); std::fclose(f); }
  ControlServer server;
  auto s = server.open(file);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error() == "control socket " + file.string() + ": exists and is not a socket");
  CHECK(fs::exists(file));
}

TEST_CASE("ctl says the daemon is not running when there is no socket", "[cli][control]") {
  TempDir dir;
  fs::path sock = dir.path() / "none.sock";
  CHECK(control_request(sock, req(ControlCommand::status)).error() ==
        "ergod is not running: no control socket at " + sock.string());
}

TEST_CASE("control.socket is taken relative to the config file and must fit a socket address",
          "[cli][control][config]") {
  const std::string node = "node:\n  name: a@b\n  cookie: c\n";
  auto r = load_config_text(node + "control:\n  socket: run/ctl.sock\n", "/etc/ergod/e.yaml");
  REQUIRE(r.ok());
  CHECK(r.config.control_socket == "/etc/ergod/run/ctl.sock");

  r = load_config_text(node + "control:\n", "/etc/ergod/e.yaml");
  REQUIRE(r.ok());
  CHECK(r.config.control_socket.empty());

  r = load_config_text(node + "control:\n  socket: /" + std::string(120, 'x') + "\n",
                       "/etc/ergod/e.yaml");
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].to_string() ==
        "/etc/ergod/e.yaml:5:11: control.socket: \"/" + std::string(120, 'x') +
            "\" is longer than 107 bytes (the limit of a unix socket path)");

  r = load_config_text(node + "control:\n  path: x\n", "/etc/ergod/e.yaml");
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].to_string() ==
        "/etc/ergod/e.yaml:5:3: unknown key \"control.path\" (expected one of: socket)");
}
