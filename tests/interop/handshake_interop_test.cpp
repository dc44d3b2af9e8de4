// The handshake and framing against real erl nodes: erl connects to us, we connect to erl,
// wrong cookies are refused and logged by name on both sides, garbage on the distribution
// port costs only its connection, and ticks keep an idle link up.
#include <catch2/catch.hpp>


#include <random>

#include "dist/wire.h"
#include "dist_node.h"
#include "dist_support.h"

using namespace ergod;
using namespace ergod::test;

namespace {

// The common start: an erl name to use, and options for ergod nodes on the test's EPMD port.
struct HandshakeTest : InteropTest {
  std::string erl_name = unique_name("erl");
  std::string erl_full = erl_name + "@" + short_host();

  // The first ergod node serves EPMD on the port (embedded).
  TestNode::Options node_options() {
    TestNode::Options o;
    o.name = unique_name("ergod") + "@" + short_host();
    o.epmd_port = epmd_port;
    o.mode = dist::EpmdMode::embedded;
    return o;
  }
  // Any further ergod node uses the first one's EPMD (automatic).
  TestNode::Options second_options() {
    auto o = node_options();
    o.mode = dist::EpmdMode::automatic;
    return o;
  }
  // erl as `erl_name`, talking to the test's EPMD.
  std::unique_ptr<Child> start_erl(const std::string& code, const std::string& cookie = "interop_cookie",
                                   std::vector<std::string> extra_args = {}) {
    return test::start_erl(erl_name, cookie, epmd_port, code, std::move(extra_args));
  }
  dist::DistConfig config(const std::string& node_name) {
    dist::DistConfig cfg;
    cfg.node_name = node_name;
    cfg.cookie = "interop_cookie";
    cfg.epmd_port = epmd_port;
    return cfg;
  }
};

// Two started ergod nodes: `a` serves EPMD, `b` uses it.
struct NodePair {
  TestNode a, b;
  NodePair(LoopThread& lt, TestNode::Options a_opts, TestNode::Options b_opts) : a(lt, a_opts), b(lt, b_opts) {
    REQUIRE(a.start().empty());
    REQUIRE(b.start().empty());
  }
  ~NodePair() {
    b.stop();
    a.stop();
  }
};

// Erlang code that waits until `node` shows up in nodes(), prints SEEN, and stays up.
std::string wait_for_node_code(const std::string& node) {
  return "io:format(\"READY~n\"), "
         "W = fun W(0) -> io:format(\"NOT SEEN ~p~n\", [nodes(connected)]); "
         "W(N) -> case lists:member('" + node + "', nodes()) of "
         "true -> io:format(\"SEEN ~p~n\", [nodes()]); "
         "false -> timer:sleep(50), W(N - 1) end end, "
         "W(400), timer:sleep(60000).";
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

TEST_CASE_METHOD(HandshakeTest, "a real erl node connects to ergod and the handshake succeeds", "[interop][handshake]") {
  TestNode node(lt, node_options());
  REQUIRE(node.start().empty());
  auto erl = start_erl(connect_code(node.name(), "CONNECT ~p NODES ~p~n", "[R, nodes()]"));
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

TEST_CASE_METHOD(HandshakeTest, "ergod connects to a real erl node and erl sees it in nodes()", "[interop][handshake]") {
  TestNode node(lt, node_options());
  REQUIRE(node.start().empty());
  auto erl = start_erl(wait_for_node_code(node.name()));
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

TEST_CASE_METHOD(HandshakeTest, "a wrong cookie from erl is refused and logged with erl's name", "[interop][handshake]") {
  TestNode node(lt, node_options());
  REQUIRE(node.start().empty());
  auto erl = start_erl(connect_code(node.name()), "not_the_cookie");
  REQUIRE(erl->wait_for("CONNECT", 20s));
  INFO(erl->output() << logs.all());
  CHECK(erl->output().find("CONNECT false") != std::string::npos);
  // dist_util's words, as an error (an OTP node in our place logs an error report).
  CHECK(logs.wait_for("** Connection attempt from node " + erl_full + " rejected. Invalid challenge reply. **", 5s));
  CHECK(node.nodes().empty());
  node.stop();
}

TEST_CASE_METHOD(HandshakeTest, "a wrong cookie towards erl is refused and erl logs our name", "[interop][handshake]") {
  TestNode node(lt, node_options());
  REQUIRE(node.start().empty());
  auto erl = start_erl(wait_for_node_code(node.name()), "not_the_cookie");
  REQUIRE(erl->wait_for("READY", 20s));
  std::string err = node.connect(erl_full);
  INFO(err << "\n" << erl->output() << logs.all());
  CHECK_THAT(err, Catch::Contains(erl_full) && Catch::Contains("cookies differ"));
  CHECK(erl->wait_for("Connection attempt from node " + node.name() + " rejected", 5s));
  CHECK(node.nodes().empty());
  node.stop();
}

TEST_CASE_METHOD(HandshakeTest, "garbage on the distribution port costs only that connection", "[interop][handshake]") {
  auto opts = node_options();
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
  auto erl = start_erl(connect_code(node.name()));
  REQUIRE(erl->wait_for("CONNECT", 20s));
  CHECK(erl->output().find("CONNECT true") != std::string::npos);
  node.stop();
}

TEST_CASE_METHOD(HandshakeTest, "a huge frame length after the handshake costs only that connection", "[interop][handshake]") {
  auto a_opts = node_options();
  a_opts.connection.max_frame = 1 << 20;
  NodePair n(lt, a_opts, second_options());
  TestNode &a = n.a, &b = n.b;
  REQUIRE(b.connect(a.name()).empty());
  lt.run([&] { b.manager().connection(a.name())->send_raw(std::string("\x7f\xff\xff\xff" "p", 5)); });
  CHECK(wait_until([&] { return a.down_with(b.name()); }, 5s));
  INFO(logs.all());
  CHECK(logs.contains("exceeds the limit"));
  // Both can connect again.
  CHECK(wait_until([&] { return b.nodes().empty(); }, 5s));
  CHECK(b.connect(a.name()).empty());
}

TEST_CASE_METHOD(HandshakeTest, "ticks keep an idle connection to erl up past net_ticktime", "[interop][handshake]") {
  auto opts = node_options();
  opts.connection.net_ticktime_ms = 4000;
  TestNode node(lt, opts);
  REQUIRE(node.start().empty());
  // erl ticks every second and drops a peer silent for ~4 s.
  auto erl = start_erl(connect_code(node.name(), "CONNECT ~p~n", "[R]",
                                    "timer:sleep(9000), io:format(\"LATER ~p~n\", [nodes()]), timer:sleep(60000)."),
                       "interop_cookie", {"-kernel", "net_ticktime", "4"});
  REQUIRE(erl->wait_for("CONNECT true", 20s));
  REQUIRE(erl->wait_for("LATER", 15s));
  INFO(erl->output() << logs.all());
  CHECK(erl->output().find("LATER [" + node.name() + "]") != std::string::npos);
  CHECK_FALSE(node.down_with(erl_full));
  node.stop();
}

TEST_CASE_METHOD(HandshakeTest, "a peer silent for net_ticktime is declared down", "[interop][handshake]") {
  auto a_opts = node_options();
  a_opts.connection.net_ticktime_ms = 1200;
  auto b_opts = second_options();
  b_opts.connection.send_ticks = false;  // plays a hung peer
  NodePair n(lt, a_opts, b_opts);
  TestNode &a = n.a, &b = n.b;
  REQUIRE(b.connect(a.name()).empty());
  CHECK(wait_until([&] { return a.down_with(b.name()); }, 5s));
  CHECK(logs.contains("** Node " + b.name() + " not responding **, ** Removing (timedout) connection **"));
}

TEST_CASE_METHOD(HandshakeTest, "two ergod nodes dialling each other at once end with one connection", "[interop][handshake]") {
  NodePair n(lt, node_options(), second_options());
  TestNode &a = n.a, &b = n.b;
  std::promise<std::string> ra, rb;
  lt.run([&] {
    a.manager().connect(b.name(), report_to(ra));
    b.manager().connect(a.name(), report_to(rb));
  });
  auto fa = ra.get_future(), fb = rb.get_future();
  REQUIRE(fa.wait_for(15s) == std::future_status::ready);
  REQUIRE(fb.wait_for(15s) == std::future_status::ready);
  INFO(logs.all());
  CHECK(fa.get().empty());
  CHECK(fb.get().empty());
  CHECK(a.nodes() == std::vector<std::string>{b.name()});
  CHECK(b.nodes() == std::vector<std::string>{a.name()});
}

TEST_CASE_METHOD(HandshakeTest, "an erl node that restarts replaces its old connection", "[interop][handshake]") {
  TestNode node(lt, node_options());
  REQUIRE(node.start().empty());
  std::string code = connect_code(node.name());
  auto erl1 = start_erl(code);
  REQUIRE(erl1->wait_for("CONNECT true", 20s));
  // Kill it without a FIN reaching us first is not possible on loopback; the point is that a
  // new incarnation connects whatever state the old connection is in.
  erl1->kill_now();
  auto erl2 = start_erl(code);
  REQUIRE(erl2->wait_for("CONNECT", 20s));
  INFO(erl2->output() << logs.all());
  CHECK(erl2->output().find("CONNECT true") != std::string::npos);
  CHECK(wait_until([&] { return node.nodes() == std::vector<std::string>{erl_full}; }, 5s));
  node.stop();
}

TEST_CASE_METHOD(HandshakeTest, "frames sent in one loop turn leave in one write and arrive whole", "[interop][handshake]") {
  NodePair n(lt, node_options(), second_options());
  TestNode &a = n.a, &b = n.b;
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
}

TEST_CASE_METHOD(HandshakeTest, "an erl node started without a name gets one from ergod", "[interop][handshake]") {
  TestNode node(lt, node_options());
  REQUIRE(node.start().empty());
  auto erl = test::start_erl("undefined", "interop_cookie", epmd_port,
                             connect_code(node.name(), "CONNECT ~p AS ~p~n", "[R, node()]"));
  REQUIRE(erl->wait_for("CONNECT", 20s));
  INFO(erl->output() << logs.all());
  CHECK(erl->output().find("CONNECT true AS ") != std::string::npos);
  CHECK(erl->output().find("@" + short_host()) != std::string::npos);
  CHECK(wait_until([&] { return node.nodes().size() == 1; }, 5s));
  node.stop();
}

TEST_CASE_METHOD(HandshakeTest, "ergod without a name connects to erl and is named by it", "[interop][handshake]") {
  auto epmd_server = start_epmd_server(lt, epmd_port);
  // As in OTP, a node named by its peer is not published: erl lists it in nodes(hidden).
  auto erl = start_erl("io:format(\"READY~n\"), "
                       "W = fun W(0) -> io:format(\"NOT SEEN~n\"); "
                       "W(N) -> case nodes(hidden) of [X] -> io:format(\"SEEN ~p~n\", [X]); "
                       "_ -> timer:sleep(50), W(N - 1) end end, W(400), timer:sleep(60000).");
  REQUIRE(erl->wait_for("READY", 20s));
  auto cm = dial(lt, config(short_host()), erl_full);  // no name: ask for one
  REQUIRE(cm.result.wait_for(20s) == std::future_status::ready);
  CHECK(cm.result.get().empty());
  REQUIRE(erl->wait_for("SEEN", 10s));
  std::string our_name = lt.run([&] { return cm.manager->config().node_name; });
  INFO(erl->output() << logs.all());
  CHECK(our_name.find('@') != std::string::npos);
  // erl's random names are base 36 and may start with a digit, so erl prints them quoted.
  CHECK((erl->output().find("SEEN " + our_name) != std::string::npos ||
         erl->output().find("SEEN '" + our_name + "'") != std::string::npos));
  cm.manager.reset();
  epmd_server.reset();
}

TEST_CASE_METHOD(HandshakeTest, "a node that comes back while its old connection looks up replaces it", "[interop][handshake]") {
  // b2 plays b restarted before a noticed that b went away: a answers "alive", b2 proves its
  // cookie, and only then does a drop the old connection and let b2 in.
  NodePair n(lt, node_options(), second_options());
  TestNode &a = n.a, &b = n.b;
  REQUIRE(b.connect(a.name()).empty());
  REQUIRE(wait_until([&] { return a.up_with(b.name()); }, 5s));

  auto cfg = config(b.name());
  cfg.creation = 77;
  auto b2 = dial(lt, cfg, a.name());
  REQUIRE(b2.result.wait_for(15s) == std::future_status::ready);
  INFO(logs.all());
  CHECK(b2.result.get().empty());
  CHECK(wait_until([&] { return b.nodes().empty(); }, 5s));  // the old connection was dropped
  CHECK(a.nodes() == std::vector<std::string>{b.name()});
  CHECK(lt.run([&] { return a.manager().connection(b.name())->peer_creation(); }) == 77u);
  CHECK(logs.contains("the old connection is replaced"));
  b2.manager.reset();
}
