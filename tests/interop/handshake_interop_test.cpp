// The handshake and framing against real erl nodes: erl connects to us, we connect to erl,
// wrong cookies are refused and logged by name on both sides, garbage on the distribution
// port costs only its connection, and ticks keep an idle link up.
#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <random>

#include "dist/wire.h"
#include "dist_node.h"
#include "dist_support.h"

using namespace ergod;
using namespace ergod::test;

namespace {

TestNode::Options node_options(uint16_t epmd_port) {
  TestNode::Options o;
  o.name = unique_name("ergod") + "@" + short_host();
  o.epmd_port = epmd_port;
  o.mode = dist::EpmdMode::embedded;
  return o;
}

// Erlang code that waits until `node` shows up in nodes(), prints SEEN, and stays up.
std::string wait_for_node_code(const std::string& node) {
  return "io:format(\"READY~n\"), "
         "W = fun W(0) -> io:format(\"NOT SEEN ~p~n\", [nodes(connected)]); "
         "W(N) -> case lists:member('" + node + "', nodes()) of "
         "true -> io:format(\"SEEN ~p~n\", [nodes()]); "
         "false -> timer:sleep(50), W(N - 1) end end, "
         "W(400), timer:sleep(60000).";
}

// Connects to 127.0.0.1:port, writes `bytes`, and waits for the server to hang up.
bool server_hangs_up(uint16_t port, const std::string& bytes, std::chrono::milliseconds timeout) {
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
  bool closed = false;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!closed && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 50) > 0) {
      char buf[512];
      if (read(fd, buf, sizeof buf) <= 0) closed = true;
    }
  }
  close(fd);
  return closed;
}

std::string framed16(const std::string& msg) {
  std::string out;
  dist::wire::put_u16(out, static_cast<uint16_t>(msg.size()));
  return out + msg;
}

std::string send_name(const std::string& name) {
  std::string m = "N";
  dist::wire::put_u64(m, dist::kAdvertisedFlags | dist::dflag::published);
  dist::wire::put_u32(m, 1234);
  dist::wire::put_u16(m, static_cast<uint16_t>(name.size()));
  return m + name;
}

}  // namespace

TEST_CASE("a real erl node connects to ergod and the handshake succeeds", "[interop][handshake]") {
  LogCapture logs;
  LoopThread lt;
  uint16_t epmd_port = free_port();
  TestNode node(lt, node_options(epmd_port));
  REQUIRE(node.start().empty());
  std::string erl_name = unique_name("erl");
  std::string erl_full = erl_name + "@" + short_host();
  auto erl = start_erl(erl_name, "interop_cookie", epmd_port,
                       "R = net_kernel:connect_node('" + node.name() + "'), "
                       "io:format(\"CONNECT ~p NODES ~p~n\", [R, nodes()]), timer:sleep(60000).");
  REQUIRE(erl->wait_for("CONNECT", 20s));
  INFO(erl->output() << logs.all());
  CHECK(erl->output().find("CONNECT true NODES [" + node.name() + "]") != std::string::npos);
  CHECK(wait_until([&] { return node.up_with(erl_full); }, 5s));
  auto nodes = node.nodes();
  CHECK(std::find(nodes.begin(), nodes.end(), erl_full) != nodes.end());
  // OTP 25 takes what we offer: the negotiated flags are the mandatory set and our extras.
  uint64_t f = node.flags();
  CHECK((f & dist::kMandatoryFlags25) == dist::kMandatoryFlags25);
  CHECK((f & dist::dflag::dist_hdr_atom_cache) != 0);
  CHECK((f & dist::dflag::fragments) != 0);
  CHECK((f & dist::dflag::spawn) != 0);
  CHECK((f & dist::dflag::alias) != 0);
  // erl talks to us right away (global's and net_kernel's messages): frames arrive whole.
  CHECK(wait_until([&] { return node.frames() > 0; }, 5s));
  // With DIST_HDR_ATOM_CACHE negotiated, OTP sends the 131 68 header form.
  CHECK(node.last_frame_kind() == dist::FrameKind::dist_header);
  erl->kill_now();
  CHECK(wait_until([&] { return node.down_with(erl_full); }, 10s));
  node.stop();
}

TEST_CASE("ergod connects to a real erl node and erl sees it in nodes()", "[interop][handshake]") {
  LogCapture logs;
  LoopThread lt;
  uint16_t epmd_port = free_port();
  TestNode node(lt, node_options(epmd_port));
  REQUIRE(node.start().empty());
  std::string erl_name = unique_name("erl");
  std::string erl_full = erl_name + "@" + short_host();
  auto erl = start_erl(erl_name, "interop_cookie", epmd_port, wait_for_node_code(node.name()));
  REQUIRE(erl->wait_for("READY", 20s));
  CHECK(node.connect(erl_full).empty());
  CHECK(erl->wait_for("SEEN", 10s));
  INFO(erl->output() << logs.all());
  CHECK(erl->output().find("SEEN [" + node.name() + "]") != std::string::npos);
  // A second connect finds the connection up.
  CHECK(node.connect(erl_full).empty());
  CHECK(node.nodes().size() == 1);
  node.stop();
}

TEST_CASE("a wrong cookie from erl is refused and logged with erl's name", "[interop][handshake]") {
  LogCapture logs;
  LoopThread lt;
  uint16_t epmd_port = free_port();
  TestNode node(lt, node_options(epmd_port));
  REQUIRE(node.start().empty());
  std::string erl_name = unique_name("erl");
  auto erl = start_erl(erl_name, "not_the_cookie", epmd_port,
                       "R = net_kernel:connect_node('" + node.name() + "'), "
                       "io:format(\"CONNECT ~p~n\", [R]), timer:sleep(60000).");
  REQUIRE(erl->wait_for("CONNECT", 20s));
  INFO(erl->output() << logs.all());
  CHECK(erl->output().find("CONNECT false") != std::string::npos);
  CHECK(logs.wait_for("connection attempt from node " + erl_name + "@" + short_host() +
                          " rejected: invalid challenge reply",
                      5s));
  CHECK(node.nodes().empty());
  node.stop();
}

TEST_CASE("a wrong cookie towards erl is refused and erl logs our name", "[interop][handshake]") {
  LogCapture logs;
  LoopThread lt;
  uint16_t epmd_port = free_port();
  TestNode node(lt, node_options(epmd_port));
  REQUIRE(node.start().empty());
  std::string erl_name = unique_name("erl");
  std::string erl_full = erl_name + "@" + short_host();
  auto erl = start_erl(erl_name, "not_the_cookie", epmd_port, wait_for_node_code(node.name()));
  REQUIRE(erl->wait_for("READY", 20s));
  std::string err = node.connect(erl_full);
  INFO(err << "\n" << erl->output() << logs.all());
  CHECK_THAT(err, Catch::Contains(erl_full) && Catch::Contains("cookies differ"));
  CHECK(erl->wait_for("Connection attempt from node " + node.name() + " rejected", 5s));
  CHECK(node.nodes().empty());
  node.stop();
}

TEST_CASE("garbage on the distribution port costs only that connection", "[interop][handshake]") {
  LogCapture logs;
  LoopThread lt;
  uint16_t epmd_port = free_port();
  auto opts = node_options(epmd_port);
  opts.connection.setup_timeout_ms = 1500;
  TestNode node(lt, opts);
  REQUIRE(node.start().empty());
  uint16_t port = node.port();

  std::mt19937 rng(7);
  std::string noise;
  for (int i = 0; i < 300; ++i) noise += static_cast<char>(rng());
  noise[0] = 0x00;
  noise[1] = 0x40;  // a 64-byte "message" of noise
  CHECK(server_hangs_up(port, noise, 5s));
  // A truncated send_name, then silence: the setup timer ends it.
  std::string partial = framed16(send_name("intruder@" + short_host()));
  CHECK(server_hangs_up(port, partial.substr(0, partial.size() / 2), 5s));
  // A huge length prefix: 64 KiB announced, a few bytes sent.
  CHECK(server_hangs_up(port, std::string("\xff\xffNabc", 6), 5s));
  // A maximal message of junk that happens to start like send_name.
  CHECK(server_hangs_up(port, std::string("\xff\xff") + std::string(200000, 'N'), 5s));
  // A 32-byte message cut after its first byte.
  CHECK(server_hangs_up(port, std::string("\x00\x20N", 3), 5s));
  INFO(logs.all());
  CHECK(logs.contains("malformed send_name"));
  CHECK(logs.contains("timed out"));
  CHECK(logs.contains("dynamic node name request"));

  // A real node still gets in.
  std::string erl_name = unique_name("erl");
  auto erl = start_erl(erl_name, "interop_cookie", epmd_port,
                       "R = net_kernel:connect_node('" + node.name() + "'), "
                       "io:format(\"CONNECT ~p~n\", [R]), timer:sleep(60000).");
  REQUIRE(erl->wait_for("CONNECT", 20s));
  CHECK(erl->output().find("CONNECT true") != std::string::npos);
  node.stop();
}

TEST_CASE("a huge frame length after the handshake costs only that connection", "[interop][handshake]") {
  LogCapture logs;
  LoopThread lt;
  uint16_t epmd_port = free_port();
  auto a_opts = node_options(epmd_port);
  a_opts.connection.max_frame = 1 << 20;
  TestNode a(lt, a_opts);
  REQUIRE(a.start().empty());
  auto second = node_options(epmd_port);
  second.mode = dist::EpmdMode::automatic;  // the first node serves EPMD on the port
  TestNode b(lt, second);
  REQUIRE(b.start().empty());
  REQUIRE(b.connect(a.name()).empty());
  lt.run([&] { b.manager().connection(a.name())->send_raw(std::string("\x7f\xff\xff\xff" "p", 5)); });
  CHECK(wait_until([&] { return a.down_with(b.name()); }, 5s));
  INFO(logs.all());
  CHECK(logs.contains("exceeds the limit"));
  // Both can connect again.
  CHECK(wait_until([&] { return b.nodes().empty(); }, 5s));
  CHECK(b.connect(a.name()).empty());
  b.stop();
  a.stop();
}

TEST_CASE("ticks keep an idle connection to erl up past net_ticktime", "[interop][handshake]") {
  LogCapture logs;
  LoopThread lt;
  uint16_t epmd_port = free_port();
  auto opts = node_options(epmd_port);
  opts.connection.net_ticktime_ms = 4000;
  TestNode node(lt, opts);
  REQUIRE(node.start().empty());
  std::string erl_name = unique_name("erl");
  std::string erl_full = erl_name + "@" + short_host();
  // erl ticks every second and drops a peer silent for ~4 s.
  auto erl = start_erl(erl_name, "interop_cookie", epmd_port,
                       "R = net_kernel:connect_node('" + node.name() + "'), "
                       "io:format(\"CONNECT ~p~n\", [R]), timer:sleep(9000), "
                       "io:format(\"LATER ~p~n\", [nodes()]), timer:sleep(60000).",
                       {"-kernel", "net_ticktime", "4"});
  REQUIRE(erl->wait_for("CONNECT true", 20s));
  REQUIRE(erl->wait_for("LATER", 15s));
  INFO(erl->output() << logs.all());
  CHECK(erl->output().find("LATER [" + node.name() + "]") != std::string::npos);
  CHECK_FALSE(node.down_with(erl_full));
  node.stop();
}

TEST_CASE("a peer silent for net_ticktime is declared down", "[interop][handshake]") {
  LogCapture logs;
  LoopThread lt;
  uint16_t epmd_port = free_port();
  auto a_opts = node_options(epmd_port);
  a_opts.connection.net_ticktime_ms = 1200;
  TestNode a(lt, a_opts);
  REQUIRE(a.start().empty());
  auto b_opts = node_options(epmd_port);
  b_opts.connection.send_ticks = false;
  b_opts.mode = dist::EpmdMode::automatic;  // plays a hung peer
  TestNode b(lt, b_opts);
  REQUIRE(b.start().empty());
  REQUIRE(b.connect(a.name()).empty());
  CHECK(wait_until([&] { return a.down_with(b.name()); }, 5s));
  CHECK(logs.contains("node " + b.name() + " not responding"));
  b.stop();
  a.stop();
}

TEST_CASE("two ergod nodes dialling each other at once end with one connection", "[interop][handshake]") {
  LogCapture logs;
  LoopThread lt;
  uint16_t epmd_port = free_port();
  TestNode a(lt, node_options(epmd_port));
  REQUIRE(a.start().empty());
  auto second = node_options(epmd_port);
  second.mode = dist::EpmdMode::automatic;  // the first node serves EPMD on the port
  TestNode b(lt, second);
  REQUIRE(b.start().empty());
  std::promise<std::string> ra, rb;
  lt.run([&] {
    a.manager().connect(b.name(), [&](Status s) { ra.set_value(s ? "" : s.error()); });
    b.manager().connect(a.name(), [&](Status s) { rb.set_value(s ? "" : s.error()); });
  });
  auto fa = ra.get_future(), fb = rb.get_future();
  REQUIRE(fa.wait_for(15s) == std::future_status::ready);
  REQUIRE(fb.wait_for(15s) == std::future_status::ready);
  INFO(logs.all());
  CHECK(fa.get().empty());
  CHECK(fb.get().empty());
  CHECK(a.nodes() == std::vector<std::string>{b.name()});
  CHECK(b.nodes() == std::vector<std::string>{a.name()});
  b.stop();
  a.stop();
}

TEST_CASE("an erl node that restarts replaces its old connection", "[interop][handshake]") {
  LogCapture logs;
  LoopThread lt;
  uint16_t epmd_port = free_port();
  TestNode node(lt, node_options(epmd_port));
  REQUIRE(node.start().empty());
  std::string erl_name = unique_name("erl");
  std::string erl_full = erl_name + "@" + short_host();
  std::string code = "R = net_kernel:connect_node('" + node.name() + "'), "
                     "io:format(\"CONNECT ~p~n\", [R]), timer:sleep(60000).";
  auto erl1 = start_erl(erl_name, "interop_cookie", epmd_port, code);
  REQUIRE(erl1->wait_for("CONNECT true", 20s));
  // Kill it without a FIN reaching us first is not possible on loopback; the point is that a
  // new incarnation connects whatever state the old connection is in.
  erl1->kill_now();
  auto erl2 = start_erl(erl_name, "interop_cookie", epmd_port, code);
  REQUIRE(erl2->wait_for("CONNECT", 20s));
  INFO(erl2->output() << logs.all());
  CHECK(erl2->output().find("CONNECT true") != std::string::npos);
  CHECK(wait_until([&] { return node.nodes() == std::vector<std::string>{erl_full}; }, 5s));
  node.stop();
}

TEST_CASE("frames sent in one loop turn leave in one write and arrive whole", "[interop][handshake]") {
  LogCapture logs;
  LoopThread lt;
  uint16_t epmd_port = free_port();
  TestNode a(lt, node_options(epmd_port));
  REQUIRE(a.start().empty());
  auto second = node_options(epmd_port);
  second.mode = dist::EpmdMode::automatic;
  TestNode b(lt, second);
  REQUIRE(b.start().empty());
  REQUIRE(b.connect(a.name()).empty());
  int before = a.frames();
  int refused = 0;
  uint64_t writes = lt.run([&] {
    dist::Connection* c = b.manager().connection(a.name());
    uint64_t w0 = c->write_calls();
    for (int i = 0; i < 100; ++i) {
      std::string frame(static_cast<size_t>(i) + 1, 'x');
      frame[0] = 'p';  // the pass-through form
      if (!c->send_frame(frame).ok()) ++refused;
    }
    return w0;
  });
  CHECK(refused == 0);
  CHECK(wait_until([&] { return a.frames() == before + 100; }, 5s));
  uint64_t w1 = lt.run([&] { return b.manager().connection(a.name())->write_calls(); });
  CHECK(w1 - writes <= 2);  // one write, or two if a tick slipped in first
  b.stop();
  a.stop();
}

TEST_CASE("an erl node started without a name gets one from ergod", "[interop][handshake]") {
  LogCapture logs;
  LoopThread lt;
  uint16_t epmd_port = free_port();
  TestNode node(lt, node_options(epmd_port));
  REQUIRE(node.start().empty());
  auto erl = start_erl("undefined", "interop_cookie", epmd_port,
                       "R = net_kernel:connect_node('" + node.name() + "'), "
                       "io:format(\"CONNECT ~p AS ~p~n\", [R, node()]), timer:sleep(60000).");
  REQUIRE(erl->wait_for("CONNECT", 20s));
  INFO(erl->output() << logs.all());
  CHECK(erl->output().find("CONNECT true AS ") != std::string::npos);
  CHECK(erl->output().find("@" + short_host()) != std::string::npos);
  CHECK(wait_until([&] { return node.nodes().size() == 1; }, 5s));
  node.stop();
}

TEST_CASE("ergod without a name connects to erl and is named by it", "[interop][handshake]") {
  LogCapture logs;
  LoopThread lt;
  uint16_t epmd_port = free_port();
  LoopOwned<dist::EpmdServer> epmd_server(lt, lt.run([&] {
    auto s = std::make_unique<dist::EpmdServer>(lt.loop());
    s->listen(epmd_port);
    return s;
  }));
  std::string erl_name = unique_name("erl");
  std::string erl_full = erl_name + "@" + short_host();
  // As in OTP, a node named by its peer is not published: erl lists it in nodes(hidden).
  auto erl = start_erl(erl_name, "interop_cookie", epmd_port,
                       "io:format(\"READY~n\"), "
                       "W = fun W(0) -> io:format(\"NOT SEEN~n\"); "
                       "W(N) -> case nodes(hidden) of [X] -> io:format(\"SEEN ~p~n\", [X]); "
                       "_ -> timer:sleep(50), W(N - 1) end end, W(400), timer:sleep(60000).");
  REQUIRE(erl->wait_for("READY", 20s));
  LoopOwned<dist::ConnectionManager> cm(lt, nullptr);
  std::promise<std::string> done;
  lt.run([&] {
    dist::DistConfig cfg;
    cfg.node_name = short_host();  // no name: ask for one
    cfg.cookie = "interop_cookie";
    cfg.epmd_port = epmd_port;
    cm.adopt(std::make_unique<dist::ConnectionManager>(lt.loop(), cfg));
    cm->connect(erl_full, [&done](Status s) { done.set_value(s ? "" : s.error()); });
  });
  auto f = done.get_future();
  REQUIRE(f.wait_for(20s) == std::future_status::ready);
  CHECK(f.get().empty());
  REQUIRE(erl->wait_for("SEEN", 10s));
  std::string our_name = lt.run([&] { return cm->config().node_name; });
  INFO(erl->output() << logs.all());
  CHECK(our_name.find('@') != std::string::npos);
  // erl's random names are base 36 and may start with a digit, so erl prints them quoted.
  CHECK((erl->output().find("SEEN " + our_name) != std::string::npos ||
         erl->output().find("SEEN '" + our_name + "'") != std::string::npos));
  cm.reset();
  epmd_server.reset();
}

TEST_CASE("a node that comes back while its old connection looks up replaces it", "[interop][handshake]") {
  // b2 plays b restarted before a noticed that b went away: a answers "alive", b2 proves its
  // cookie, and only then does a drop the old connection and let b2 in.
  LogCapture logs;
  LoopThread lt;
  uint16_t epmd_port = free_port();
  TestNode a(lt, node_options(epmd_port));
  REQUIRE(a.start().empty());
  auto b_opts = node_options(epmd_port);
  b_opts.mode = dist::EpmdMode::automatic;
  TestNode b(lt, b_opts);
  REQUIRE(b.start().empty());
  REQUIRE(b.connect(a.name()).empty());
  REQUIRE(wait_until([&] { return a.up_with(b.name()); }, 5s));

  LoopOwned<dist::ConnectionManager> b2(lt, nullptr);
  std::promise<std::string> done;
  lt.run([&] {
    dist::DistConfig cfg;
    cfg.node_name = b.name();
    cfg.cookie = "interop_cookie";
    cfg.creation = 77;
    cfg.epmd_port = epmd_port;
    b2.adopt(std::make_unique<dist::ConnectionManager>(lt.loop(), cfg));
    b2->connect(a.name(), [&done](Status s) { done.set_value(s ? "" : s.error()); });
  });
  auto f = done.get_future();
  REQUIRE(f.wait_for(15s) == std::future_status::ready);
  INFO(logs.all());
  CHECK(f.get().empty());
  CHECK(wait_until([&] { return b.nodes().empty(); }, 5s));  // the old connection was dropped
  CHECK(a.nodes() == std::vector<std::string>{b.name()});
  CHECK(lt.run([&] { return a.manager().connection(b.name())->peer_creation(); }) == 77u);
  CHECK(logs.contains("the old connection is replaced"));
  b2.reset();
  b.stop();
  a.stop();
}
