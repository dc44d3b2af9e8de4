// monitor_node and monitor_nodes: nodeup/nodedown messages driven by Runtime::node_up and
// Runtime::node_down (what dist calls), with Erlang 25's counting rules.
#include <atomic>
#include <vector>

#include "support.h"

using namespace rt_test;

namespace {

// A router that accepts everything and records connect_node calls.
class ConnectRouter : public RemoteRouter {
 public:
  bool can_connect = true;
  std::atomic<int> connects{0};

  bool send(const Term&, const Term&, Term) override { return true; }
  bool send_registered(const Term&, Atom, Atom, Term) override { return true; }
  bool send_alias(const Term&, const Term&, Term) override { return true; }
  bool link(const Term&, const Term&) override { return true; }
  bool unlink(const Term&, const Term&) override { return true; }
  bool link_exit(const Term&, const Term&, Term) override { return true; }
  bool exit(const Term&, const Term&, Term) override { return true; }
  bool monitor(const Term&, Atom, const Term&, const Term&) override { return true; }
  bool demonitor(const Term&, Atom, const Term&, const Term&) override { return true; }
  bool down(const Term&, const Term&, const Term&, Term) override { return true; }
  bool connect_node(Atom) override {
    ++connects;
    return can_connect;
  }
};

RuntimeConfig local_node() {
  RuntimeConfig cfg;
  cfg.node_name = "local@host";
  cfg.creation = 5;
  return cfg;
}

const Atom kRemote = Atom::make("remote@host");

// Everything queued for the inbox before now (node_up/node_down push synchronously).
std::vector<Term> drain(Runtime& rt, Inbox& in) {
  rt.send(in.pid(), A("marker"));
  std::vector<Term> got;
  for (Term m = recv(in); m != A("marker"); m = recv(in)) got.push_back(m);
  return got;
}

}  // namespace

TEST_CASE("monitor_node counts: n calls give n nodedowns, false removes one, then they are gone", "[runtime][nodes]") {
  Runtime rt(local_node());
  ConnectRouter router;
  rt.set_remote_router(&router);
  Inbox in(rt);
  rt.node_up(kRemote);
  REQUIRE(in.run([&](Process& p) {
    CHECK(p.monitor_node(kRemote, true));
    p.monitor_node(kRemote, true);
    p.monitor_node(kRemote, true);
    CHECK(p.monitor_node(kRemote, false));
  }));
  CHECK(router.connects == 0);  // up already: no connect
  rt.node_down(kRemote);
  Term down = T({A("nodedown"), A("remote@host")});
  CHECK(drain(rt, in) == std::vector<Term>{down, down});
  // The monitors ended with the nodedown.
  rt.node_up(kRemote);
  rt.node_down(kRemote);
  CHECK(drain(rt, in).empty());
  rt.set_remote_router(nullptr);
}

TEST_CASE("monitor_node on a node that is not up connects first; a failed connect gives nodedown", "[runtime][nodes]") {
  Runtime rt(local_node());
  ConnectRouter router;
  rt.set_remote_router(&router);
  Inbox in(rt);
  REQUIRE(in.run([&](Process& p) { p.monitor_node(kRemote, true); }));
  CHECK(router.connects == 1);
  CHECK(drain(rt, in).empty());
  rt.node_down(kRemote);  // what dist does when the connect fails
  CHECK(drain(rt, in) == std::vector<Term>{T({A("nodedown"), A("remote@host")})});

  // The connect succeeds: the monitor waits for the connection to go down.
  REQUIRE(in.run([&](Process& p) { p.monitor_node(kRemote, true); }));
  rt.node_up(kRemote);
  CHECK(drain(rt, in).empty());
  rt.node_down(kRemote);
  CHECK(drain(rt, in) == std::vector<Term>{T({A("nodedown"), A("remote@host")})});

  // No connection can be tried: nodedown at once.
  router.can_connect = false;
  REQUIRE(in.run([&](Process& p) { p.monitor_node(kRemote, true); }));
  CHECK(drain(rt, in) == std::vector<Term>{T({A("nodedown"), A("remote@host")})});
  rt.node_down(kRemote);
  CHECK(drain(rt, in).empty());
  rt.set_remote_router(nullptr);
}

TEST_CASE("monitor_node without distribution gives nodedown at once; the local node never", "[runtime][nodes]") {
  Runtime rt(local_node());
  Inbox in(rt);
  REQUIRE(in.run([&](Process& p) {
    p.monitor_node(kRemote, true);
    p.monitor_node(rt.node(), true);
  }));
  CHECK(drain(rt, in) == std::vector<Term>{T({A("nodedown"), A("remote@host")})});
  rt.node_down(rt.node());
  CHECK(drain(rt, in).empty());
}

TEST_CASE("monitor_nodes: nodeup and nodedown per subscription, hidden nodes only with node_type all", "[runtime][nodes]") {
  Runtime rt(local_node());
  Inbox visible(rt), all(rt);
  REQUIRE(visible.run([&](Process& p) {
    p.monitor_nodes(true);
    p.monitor_nodes(true);
  }));
  REQUIRE(all.run([&](Process& p) { p.monitor_nodes(true, true); }));
  Atom hidden = Atom::make("hidden@host");
  rt.node_up(kRemote);
  rt.node_up(hidden, /*hidden=*/true);
  rt.node_down(hidden);
  rt.node_down(kRemote);
  rt.node_down(Atom::make("never@host"));  // a failed connect: it was never up
  Term up = T({A("nodeup"), A("remote@host")}), down = T({A("nodedown"), A("remote@host")});
  CHECK(drain(rt, visible) == std::vector<Term>{up, up, down, down});
  auto typed = [](const char* tag, const char* node, const char* type) {
    return T({A(tag), A(node), Term::list({T({A("node_type"), A(type)})})});
  };
  CHECK(drain(rt, all) == std::vector<Term>{typed("nodeup", "remote@host", "visible"),
                                            typed("nodeup", "hidden@host", "hidden"),
                                            typed("nodedown", "hidden@host", "hidden"),
                                            typed("nodedown", "remote@host", "visible")});
  // false removes every subscription of that kind, and only that kind.
  REQUIRE(visible.run([&](Process& p) {
    p.monitor_nodes(true, true);
    p.monitor_nodes(false);
  }));
  rt.node_up(kRemote);
  CHECK(drain(rt, visible) == std::vector<Term>{typed("nodeup", "remote@host", "visible")});
  rt.node_down(kRemote);
}

TEST_CASE("a process that ends drops its node monitors and subscriptions", "[runtime][nodes]") {
  Runtime rt(local_node());
  ConnectRouter router;
  rt.set_remote_router(&router);
  rt.node_up(kRemote);
  Inbox in(rt);
  auto w = spawn_watched(in, [](Process& self) {
    self.monitor_node(Atom::make("remote@host"), true);
    self.monitor_nodes(true);
    self.exit(A("done"));
  }, [](Process&, Term) {});
  CHECK(exit_reason(in, w) == A("done"));
  // Its slot may be reused: a new process there must not get the old watches' messages.
  Inbox reuse(rt);
  rt.node_down(kRemote);
  CHECK(drain(rt, reuse).empty());
  CHECK(drain(rt, in).empty());
  rt.set_remote_router(nullptr);
}
