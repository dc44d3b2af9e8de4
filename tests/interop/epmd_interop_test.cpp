// EPMD against the real thing: the `epmd` command line and real `erl` nodes talk to our
// embedded EPMD, and ergod takes over from a real epmd that dies. Every test uses its own
// ports and names, and kills every process it started.
#include <catch2/catch.hpp>


#include <random>

#include "dist/epmd_client.h"
#include "dist_node.h"
#include "dist_support.h"

using namespace ergod;
using namespace ergod::test;

namespace {

std::string epmd_command(uint16_t port, const std::string& flag) {
  return run_command({"epmd", "-port", std::to_string(port), flag});
}
std::string epmd_names(uint16_t port) { return epmd_command(port, "-names"); }

// A real epmd in the foreground (so that we know its pid), on `port`.
std::unique_ptr<Child> start_real_epmd(uint16_t port) {
  auto c = std::make_unique<Child>(std::vector<std::string>{"epmd", "-port", std::to_string(port)});
  wait_until([&] { return epmd_names(port).find("up and running") != std::string::npos; }, 5s);
  return c;
}

// An EpmdManager's registration of a node, and the result of its first registration.
struct Registration {
  LoopOwned<dist::EpmdManager> manager;
  Result<uint32_t> creation;
};

struct EpmdTest : InteropTest {
  // Starts an EpmdManager for `name` on the loop; waits for its first registration.
  Registration register_node(dist::EpmdMode mode, const std::string& name, uint16_t dist_port) {
    dist::EpmdManagerOptions o;
    o.mode = mode;
    o.port = epmd_port;
    o.retry_ms = 200;
    std::promise<Result<uint32_t>> p;
    auto m = lt.run([&] {
      auto mgr = std::make_unique<dist::EpmdManager>(lt.loop(), o);
      dist::epmd::NodeEntry e;
      e.name = name;
      e.port = dist_port;
      mgr->start(e, [&p](Result<uint32_t> r) { p.set_value(std::move(r)); });
      return mgr;
    });
    auto r = p.get_future().get();
    return Registration{LoopOwned<dist::EpmdManager>(lt, std::move(m)), std::move(r)};
  }
  dist::EpmdManager::Role role(Registration& r) { return lt.run([&] { return r.manager->role(); }); }
  bool becomes(Registration& r, dist::EpmdManager::Role want, std::chrono::milliseconds timeout = 5s) {
    return wait_until([&] { return role(r) == want; }, timeout);
  }
  std::string names() { return epmd_names(epmd_port); }
};

using Role = dist::EpmdManager::Role;

}  // namespace

TEST_CASE_METHOD(EpmdTest, "the real epmd client lists the nodes registered with our embedded EPMD", "[interop][epmd]") {
  std::string name = unique_name("ergod");
  auto m = register_node(dist::EpmdMode::embedded, name, 40123);
  REQUIRE(m.creation.ok());
  CHECK(m.creation.value() > 3);
  CHECK(role(m) == Role::serving);
  std::string out = names();
  INFO(out);
  CHECK(out.find("up and running on port " + std::to_string(epmd_port)) != std::string::npos);
  CHECK(out.find("name " + name + " at port 40123") != std::string::npos);
  m.manager.reset();
}

TEST_CASE_METHOD(EpmdTest, "a real erl node registers with our embedded EPMD and both are listed", "[interop][epmd]") {
  std::string name = unique_name("ergod");
  std::string erl_name = unique_name("erl");
  auto m = register_node(dist::EpmdMode::embedded, name, 40124);
  REQUIRE(m.creation.ok());
  auto erl = start_erl(erl_name, "c", epmd_port, "io:format(\"UP ~p ~p~n\", [node(), erlang:system_info(creation)]), timer:sleep(60000).");
  REQUIRE(erl->wait_for("UP", 20s));
  std::string out = names();
  INFO(out << erl->output());
  CHECK(out.find("name " + name + " at port 40124") != std::string::npos);
  CHECK(out.find("name " + erl_name + " at port") != std::string::npos);
  // Newest first, as epmd lists them; so net_adm:names() gives the oldest first.
  CHECK(out.find("name " + erl_name + " at port") < out.find("name " + name + " at port"));
  // The creation erl got from us is a 32-bit one, not 1..3.
  CHECK(erl->output().find(" 1\n") == std::string::npos);

  // Our client finds erl's port through our server, and misses an unknown name.
  std::promise<Result<dist::epmd::Port2Resp>> found, missing;
  lt.run([&] {
    dist::EpmdTarget t;
    t.port = epmd_port;
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
  CHECK(wait_until([&] { return names().find(erl_name) == std::string::npos; }, 5s));
  m.manager.reset();
}

TEST_CASE_METHOD(EpmdTest, "ergod takes over EPMD when the external epmd dies and erl re-registers with it", "[interop][epmd]") {
  auto real = start_real_epmd(epmd_port);
  std::string name = unique_name("ergod");
  std::string erl_name = unique_name("erl");
  auto erl = start_erl(erl_name, "c", epmd_port, "io:format(\"UP~n\"), timer:sleep(60000).");
  REQUIRE(erl->wait_for("UP", 20s));

  auto m = register_node(dist::EpmdMode::automatic, name, 40125);
  REQUIRE(m.creation.ok());
  CHECK(role(m) == Role::client);
  CHECK(names().find("name " + name + " at port 40125") != std::string::npos);

  real->kill_now();
  CHECK(becomes(m, Role::serving));
  CHECK(lt.run([&] { return m.manager->creation(); }) == m.creation.value());  // the creation stays
  // The real epmd client now talks to us; erl's own EPMD client reconnects within a second.
  CHECK(wait_until([&] {
    std::string out = names();
    return out.find("name " + name + " at port 40125") != std::string::npos &&
           out.find("name " + erl_name + " at port") != std::string::npos;
  }, 10s));
  INFO(names() << logs.all());
  CHECK(logs.contains("lost our registration of " + name));
  m.manager.reset();
}

TEST_CASE_METHOD(EpmdTest, "of two ergod nodes in auto mode one serves and when it stops the other takes over", "[interop][epmd]") {
  std::string a_name = unique_name("ergod_a"), b_name = unique_name("ergod_b");
  auto a = register_node(dist::EpmdMode::automatic, a_name, 40126);
  auto b = register_node(dist::EpmdMode::automatic, b_name, 40127);
  REQUIRE(a.creation.ok());
  REQUIRE(b.creation.ok());
  CHECK(role(a) == Role::serving);
  CHECK(role(b) == Role::client);
  std::string out = names();
  CHECK(out.find(a_name) != std::string::npos);
  CHECK(out.find(b_name) != std::string::npos);

  a.manager.reset();
  CHECK(becomes(b, Role::serving));
  out = names();
  CHECK(out.find(b_name) != std::string::npos);
  CHECK(out.find(a_name) == std::string::npos);
  b.manager.reset();
}

TEST_CASE_METHOD(EpmdTest, "embedded mode fails clearly when the EPMD port is taken", "[interop][epmd]") {
  auto real = start_real_epmd(epmd_port);
  auto m = register_node(dist::EpmdMode::embedded, unique_name("ergod"), 40128);
  REQUIRE_FALSE(m.creation.ok());
  CHECK_THAT(m.creation.error(), Catch::Contains("EADDRINUSE"));
  m.manager.reset();
}

TEST_CASE_METHOD(EpmdTest, "external mode registers with the real epmd and re-registers when it comes back", "[interop][epmd]") {
  auto real = start_real_epmd(epmd_port);
  std::string name = unique_name("ergod");
  auto m = register_node(dist::EpmdMode::external, name, 40129);
  REQUIRE(m.creation.ok());
  real->kill_now();
  CHECK(becomes(m, Role::none));
  real = start_real_epmd(epmd_port);
  CHECK(wait_until([&] { return names().find("name " + name + " at port 40129") != std::string::npos; }, 10s));
  CHECK(role(m) == Role::client);
  m.manager.reset();
}

TEST_CASE_METHOD(EpmdTest, "malformed requests cost our EPMD only that connection", "[interop][epmd]") {
  std::string name = unique_name("ergod");
  auto m = register_node(dist::EpmdMode::embedded, name, 40130);
  REQUIRE(m.creation.ok());

  std::mt19937 rng(42);
  std::string random_bytes;
  for (int i = 0; i < 500; ++i) random_bytes += static_cast<char>(rng());
  random_bytes[0] = 0x00;  // a plausible length...
  random_bytes[1] = 0x20;  // ...of 32 bytes
  random_bytes[2] = 0x01;  // with an unknown tag
  CHECK(server_hangs_up(epmd_port, random_bytes));
  CHECK(server_hangs_up(epmd_port, std::string("\x00\x32\x7a" "abc", 6), 3s, true));  // truncated, then EOF
  CHECK(server_hangs_up(epmd_port, std::string("\xff\xff") + std::string(100, 'x')));   // huge length
  CHECK(server_hangs_up(epmd_port, std::string("\x00\x00", 2)));                        // empty request
  std::string bad_alive = dist::epmd::encode_request(dist::epmd::Alive2Req{{1, 77, 0, 6, 6, "x", ""}});
  bad_alive[11] = 0x40;  // name length far past the end
  CHECK(server_hangs_up(epmd_port, bad_alive));
  CHECK(server_hangs_up(epmd_port, std::string("\x00\x01" "s", 3)));  // STOP_REQ without a name

  std::string out = names();
  INFO(out << logs.all());
  CHECK(out.find("name " + name + " at port 40130") != std::string::npos);
  CHECK(logs.contains("unknown request tag 1"));
  CHECK(logs.contains("bytes of an incomplete request"));
  CHECK(logs.contains("request length 65535 exceeds the limit"));
  CHECK(logs.contains("empty request"));
  CHECK(logs.contains("name length"));
  // The real epmd client's kill is refused while a node is registered.
  std::string kill = epmd_command(epmd_port, "-kill");
  CHECK_THAT(kill, Catch::Contains("not allowed") || Catch::Contains("NO"));
  CHECK(names().find(name) != std::string::npos);
  m.manager.reset();
}

TEST_CASE_METHOD(EpmdTest, "our EPMD answers epmd -dump and honours epmd -kill only when nobody is registered", "[interop][epmd]") {
  std::string name = unique_name("ergod");
  auto m = register_node(dist::EpmdMode::embedded, name, 40131);
  REQUIRE(m.creation.ok());
  std::string dump = epmd_command(epmd_port, "-dump");
  INFO(dump);
  CHECK(dump.find("active name     <" + name + "> at port 40131") != std::string::npos);
  m.manager.reset();

  // A bare server with no registration: KILL_REQ stops it, as it stops a real epmd.
  bool killed = false;
  auto server = start_epmd_server(lt, epmd_port, [&killed] { killed = true; });
  REQUIRE(lt.run([&] { return server->listening(); }));
  std::string kill = epmd_command(epmd_port, "-kill");
  CHECK_THAT(kill, Catch::Contains("Killed"));
  CHECK(wait_until([&] { return lt.run([&] { return killed && !server->listening(); }); }, 5s));
  server.reset();
}
