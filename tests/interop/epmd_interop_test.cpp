// EPMD against the real thing: the `epmd` command line and real `erl` nodes talk to our
// embedded EPMD, and ergod takes over from a real epmd that dies. Every test uses its own
// ports and names, and kills every process it started.
#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <random>

#include "dist/epmd_client.h"
#include "dist_node.h"
#include "dist_support.h"

using namespace ergod;
using namespace ergod::test;

namespace {

std::string epmd_names(uint16_t port) { return run_command({"epmd", "-port", std::to_string(port), "-names"}); }

// A real epmd in the foreground (so that we know its pid), on `port`.
std::unique_ptr<Child> start_real_epmd(uint16_t port) {
  auto c = std::make_unique<Child>(std::vector<std::string>{"epmd", "-port", std::to_string(port)});
  wait_until([&] { return epmd_names(port).find("up and running") != std::string::npos; }, 5s);
  return c;
}

// Sends `bytes` to 127.0.0.1:port and reports whether the server closed the connection
// within `timeout` (it read everything and hung up on us).
bool server_hangs_up(uint16_t port, const std::string& bytes, std::chrono::milliseconds timeout = 3s,
                     bool close_write = false) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return false;
  }
  (void)!write(fd, bytes.data(), bytes.size());
  if (close_write) shutdown(fd, SHUT_WR);
  bool closed = false;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 50) > 0) {
      char buf[256];
      ssize_t n = read(fd, buf, sizeof buf);
      if (n <= 0) {
        closed = true;
        break;
      }
    }
  }
  close(fd);
  return closed;
}

dist::EpmdManagerOptions manager_options(dist::EpmdMode mode, uint16_t port) {
  dist::EpmdManagerOptions o;
  o.mode = mode;
  o.port = port;
  o.retry_ms = 200;
  return o;
}

// Starts an EpmdManager for `name` on the loop; waits for its first registration.
LoopOwned<dist::EpmdManager> register_node(LoopThread& lt, dist::EpmdManagerOptions o, const std::string& name,
                                           uint16_t dist_port, Result<uint32_t>* out) {
  std::promise<Result<uint32_t>> p;
  auto m = lt.run([&] {
    auto mgr = std::make_unique<dist::EpmdManager>(lt.loop(), o);
    dist::epmd::NodeEntry e;
    e.name = name;
    e.port = dist_port;
    mgr->start(e, [&p](Result<uint32_t> r) { p.set_value(std::move(r)); });
    return mgr;
  });
  *out = p.get_future().get();
  return LoopOwned<dist::EpmdManager>(lt, std::move(m));
}

}  // namespace

TEST_CASE("the real epmd client lists the nodes registered with our embedded EPMD", "[interop][epmd]") {
  LogCapture logs;
  LoopThread lt;
  uint16_t port = free_port();
  std::string name = unique_name("ergod");
  Result<uint32_t> creation = make_error("");
  auto m = register_node(lt, manager_options(dist::EpmdMode::embedded, port), name, 40123, &creation);
  REQUIRE(creation.ok());
  CHECK(creation.value() > 3);
  CHECK(lt.run([&] { return m->role(); }) == dist::EpmdManager::Role::serving);
  std::string out = epmd_names(port);
  INFO(out);
  CHECK(out.find("up and running on port " + std::to_string(port)) != std::string::npos);
  CHECK(out.find("name " + name + " at port 40123") != std::string::npos);
  m.reset();
}

TEST_CASE("a real erl node registers with our embedded EPMD and both are listed", "[interop][epmd]") {
  LogCapture logs;
  LoopThread lt;
  uint16_t port = free_port();
  std::string name = unique_name("ergod");
  std::string erl_name = unique_name("erl");
  Result<uint32_t> creation = make_error("");
  auto m = register_node(lt, manager_options(dist::EpmdMode::embedded, port), name, 40124, &creation);
  REQUIRE(creation.ok());
  auto erl = start_erl(erl_name, "c", port, "io:format(\"UP ~p ~p~n\", [node(), erlang:system_info(creation)]), timer:sleep(60000).");
  REQUIRE(erl->wait_for("UP", 20s));
  std::string out = epmd_names(port);
  INFO(out << erl->output());
  CHECK(out.find("name " + name + " at port 40124") != std::string::npos);
  CHECK(out.find("name " + erl_name + " at port") != std::string::npos);
  // The creation erl got from us is a 32-bit one, not 1..3.
  CHECK(erl->output().find(" 1\n") == std::string::npos);

  // Our client finds erl's port through our server, and misses an unknown name.
  std::promise<Result<dist::epmd::Port2Resp>> found, missing;
  lt.run([&] {
    dist::EpmdTarget t;
    t.port = port;
    dist::epmd_port_please(lt.loop(), t, erl_name, [&](Result<dist::epmd::Port2Resp> r) { found.set_value(r); });
    dist::epmd_port_please(lt.loop(), t, "nobody", [&](Result<dist::epmd::Port2Resp> r) { missing.set_value(r); });
  });
  auto f = found.get_future().get();
  REQUIRE(f.ok());
  CHECK(f.value().found);
  CHECK(f.value().entry.port > 0);
  CHECK(f.value().entry.highest_version == 6);
  auto mi = missing.get_future().get();
  REQUIRE(mi.ok());
  CHECK_FALSE(mi.value().found);

  erl->kill_now();  // the registration lives as long as erl's connection
  CHECK(wait_until([&] { return epmd_names(port).find(erl_name) == std::string::npos; }, 5s));
  m.reset();
}

TEST_CASE("ergod takes over EPMD when the external epmd dies and erl re-registers with it", "[interop][epmd]") {
  LogCapture logs;
  LoopThread lt;
  uint16_t port = free_port();
  auto real = start_real_epmd(port);
  std::string name = unique_name("ergod");
  std::string erl_name = unique_name("erl");
  auto erl = start_erl(erl_name, "c", port, "io:format(\"UP~n\"), timer:sleep(60000).");
  REQUIRE(erl->wait_for("UP", 20s));

  Result<uint32_t> creation = make_error("");
  auto m = register_node(lt, manager_options(dist::EpmdMode::automatic, port), name, 40125, &creation);
  REQUIRE(creation.ok());
  CHECK(lt.run([&] { return m->role(); }) == dist::EpmdManager::Role::client);
  CHECK(epmd_names(port).find("name " + name + " at port 40125") != std::string::npos);

  real->kill_now();
  CHECK(wait_until([&] { return lt.run([&] { return m->role(); }) == dist::EpmdManager::Role::serving; }, 5s));
  CHECK(lt.run([&] { return m->creation(); }) == creation.value());  // the creation stays
  // The real epmd client now talks to us; erl's own EPMD client reconnects within a second.
  CHECK(wait_until([&] {
    std::string out = epmd_names(port);
    return out.find("name " + name + " at port 40125") != std::string::npos &&
           out.find("name " + erl_name + " at port") != std::string::npos;
  }, 10s));
  INFO(epmd_names(port) << logs.all());
  CHECK(logs.contains("lost our registration of " + name));
  m.reset();
}

TEST_CASE("of two ergod nodes in auto mode one serves and when it stops the other takes over", "[interop][epmd]") {
  LogCapture logs;
  LoopThread lt;
  uint16_t port = free_port();
  std::string a_name = unique_name("ergod_a"), b_name = unique_name("ergod_b");
  Result<uint32_t> ca = make_error(""), cb = make_error("");
  auto a = register_node(lt, manager_options(dist::EpmdMode::automatic, port), a_name, 40126, &ca);
  auto b = register_node(lt, manager_options(dist::EpmdMode::automatic, port), b_name, 40127, &cb);
  REQUIRE(ca.ok());
  REQUIRE(cb.ok());
  CHECK(lt.run([&] { return a->role(); }) == dist::EpmdManager::Role::serving);
  CHECK(lt.run([&] { return b->role(); }) == dist::EpmdManager::Role::client);
  std::string out = epmd_names(port);
  CHECK(out.find(a_name) != std::string::npos);
  CHECK(out.find(b_name) != std::string::npos);

  a.reset();
  CHECK(wait_until([&] { return lt.run([&] { return b->role(); }) == dist::EpmdManager::Role::serving; }, 5s));
  out = epmd_names(port);
  CHECK(out.find(b_name) != std::string::npos);
  CHECK(out.find(a_name) == std::string::npos);
  b.reset();
}

TEST_CASE("embedded mode fails clearly when the EPMD port is taken", "[interop][epmd]") {
  LogCapture logs;
  LoopThread lt;
  uint16_t port = free_port();
  auto real = start_real_epmd(port);
  Result<uint32_t> c = make_error("");
  auto m = register_node(lt, manager_options(dist::EpmdMode::embedded, port), unique_name("ergod"), 40128, &c);
  REQUIRE_FALSE(c.ok());
  CHECK_THAT(c.error(), Catch::Contains("EADDRINUSE"));
  m.reset();
}

TEST_CASE("external mode registers with the real epmd and re-registers when it comes back", "[interop][epmd]") {
  LogCapture logs;
  LoopThread lt;
  uint16_t port = free_port();
  auto real = start_real_epmd(port);
  std::string name = unique_name("ergod");
  Result<uint32_t> c = make_error("");
  auto m = register_node(lt, manager_options(dist::EpmdMode::external, port), name, 40129, &c);
  REQUIRE(c.ok());
  real->kill_now();
  CHECK(wait_until([&] { return lt.run([&] { return m->role(); }) == dist::EpmdManager::Role::none; }, 5s));
  real = start_real_epmd(port);
  CHECK(wait_until([&] { return epmd_names(port).find("name " + name + " at port 40129") != std::string::npos; }, 10s));
  CHECK(lt.run([&] { return m->role(); }) == dist::EpmdManager::Role::client);
  m.reset();
}

TEST_CASE("malformed requests cost our EPMD only that connection", "[interop][epmd]") {
  LogCapture logs;
  LoopThread lt;
  uint16_t port = free_port();
  std::string name = unique_name("ergod");
  Result<uint32_t> c = make_error("");
  auto m = register_node(lt, manager_options(dist::EpmdMode::embedded, port), name, 40130, &c);
  REQUIRE(c.ok());

  std::mt19937 rng(42);
  std::string random_bytes;
  for (int i = 0; i < 500; ++i) random_bytes += static_cast<char>(rng());
  random_bytes[0] = 0x00;  // a plausible length...
  random_bytes[1] = 0x20;  // ...of 32 bytes
  random_bytes[2] = 0x01;  // with an unknown tag
  CHECK(server_hangs_up(port, random_bytes));
  CHECK(server_hangs_up(port, std::string("\x00\x32\x7a" "abc", 6), 3s, true));  // truncated, then EOF
  CHECK(server_hangs_up(port, std::string("\xff\xff") + std::string(100, 'x')));   // huge length
  CHECK(server_hangs_up(port, std::string("\x00\x00", 2)));                        // empty request
  std::string bad_alive = dist::epmd::encode_request(dist::epmd::Alive2Req{{1, 77, 0, 6, 6, "x", ""}});
  bad_alive[11] = 0x40;  // name length far past the end
  CHECK(server_hangs_up(port, bad_alive));
  CHECK(server_hangs_up(port, std::string("\x00\x01" "s", 3)));  // STOP_REQ without a name

  std::string out = epmd_names(port);
  INFO(out << logs.all());
  CHECK(out.find("name " + name + " at port 40130") != std::string::npos);
  CHECK(logs.contains("unknown request tag 1"));
  CHECK(logs.contains("bytes of an incomplete request"));
  CHECK(logs.contains("request length 65535 exceeds the limit"));
  CHECK(logs.contains("empty request"));
  CHECK(logs.contains("name length"));
  // The real epmd client's kill is refused while a node is registered.
  std::string kill = run_command({"epmd", "-port", std::to_string(port), "-kill"});
  CHECK_THAT(kill, Catch::Contains("not allowed") || Catch::Contains("NO"));
  CHECK(epmd_names(port).find(name) != std::string::npos);
  m.reset();
}

TEST_CASE("our EPMD answers epmd -dump and honours epmd -kill only when nobody is registered", "[interop][epmd]") {
  LogCapture logs;
  LoopThread lt;
  uint16_t port = free_port();
  std::string name = unique_name("ergod");
  Result<uint32_t> c = make_error("");
  auto m = register_node(lt, manager_options(dist::EpmdMode::embedded, port), name, 40131, &c);
  REQUIRE(c.ok());
  std::string dump = run_command({"epmd", "-port", std::to_string(port), "-dump"});
  INFO(dump);
  CHECK(dump.find("active name     <" + name + "> at port 40131") != std::string::npos);
  m.reset();

  // A bare server with no registration: KILL_REQ stops it, as it stops a real epmd.
  bool killed = false;
  LoopOwned<dist::EpmdServer> server(lt, lt.run([&] {
    auto s = std::make_unique<dist::EpmdServer>(lt.loop());
    s->listen(port);
    s->on_killed = [&killed] { killed = true; };
    return s;
  }));
  REQUIRE(lt.run([&] { return server->listening(); }));
  std::string kill = run_command({"epmd", "-port", std::to_string(port), "-kill"});
  CHECK_THAT(kill, Catch::Contains("Killed"));
  CHECK(wait_until([&] { return lt.run([&] { return killed && !server->listening(); }); }, 5s));
  server.reset();
}
