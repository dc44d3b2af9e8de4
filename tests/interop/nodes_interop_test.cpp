// monitor_node, monitor_nodes and hidden nodes against real erl nodes: the runtime's
// nodeup/nodedown messages follow the connections that Distribution makes and loses, and a
// connection is hidden exactly when OTP says so (either side hidden).
#include <catch2/catch.hpp>

#include "runtime_node.h"

using namespace ergod;
using namespace ergod::test;
using term::Atom;
using term::Term;

namespace {

Term atom(const std::string& s) { return Term::atom(s); }
Term tup(std::initializer_list<Term> t) { return Term::tuple(t); }
Term typed(const char* tag, const std::string& node, const char* type) {
  return tup({atom(tag), atom(node), Term::list({tup({atom("node_type"), atom(type)})})});
}
std::function<bool(const Term&)> is(Term want) {
  return [want](const Term& t) { return t == want; };
}

// testproc subscribes to monitor_nodes twice: plain and {node_type, all}.
void subscribe(RuntimeNode& node) {
  REQUIRE(node.rt().run_in(node.testproc(), [](runtime::Process& self) {
    self.monitor_nodes(true);
    self.monitor_nodes(true, /*all_types=*/true);
  }));
}

// erl code: registers `probe`, prints READY, and answers the first message by printing what
// it sees (and sending it back to testproc on the sender's node).
const char* kProbe =
    "register(probe, self()), io:format(\"READY~n\"), "
    "receive {From, M} -> io:format(\"GOT ~p ~p ~p~n\", [M, nodes(), nodes(hidden)]), "
    "From ! {seen, nodes(), nodes(hidden)} end, timer:sleep(60000).";

// What each test starts from: logs captured, an ergod node on a free EPMD port, and the
// name of the erl node the test starts.
struct ErlTestNode {
  LogCapture logs;
  uint16_t epmd_port = free_port();
  RuntimeNode node{epmd_port};
  std::string erl_name = unique_name("erl"), erl_full = erl_name + "@" + short_host();

  ErlTestNode() { REQUIRE(node.error().empty()); }
};

// The same with testproc subscribed to monitor_nodes.
struct SubscribedNode : ErlTestNode {
  SubscribedNode() { subscribe(node); }
};

}  // namespace

TEST_CASE_METHOD(SubscribedNode, "monitor_node and monitor_nodes follow a real erl node up and down", "[interop][nodes]") {
  auto erl = start_erl(erl_name, "interop_cookie", epmd_port, connect_code(node.name()));
  INFO(logs.all() << node.pending());
  REQUIRE(erl->wait_for("CONNECT true", 20s));
  CHECK(node.expect(is(tup({atom("nodeup"), atom(erl_full)}))));
  CHECK(node.expect(is(typed("nodeup", erl_full, "visible"))));
  CHECK(node.dist().visible_nodes() == std::vector<std::string>{erl_full});
  CHECK(node.dist().hidden_nodes().empty());

  // Two monitors of the erl node, and one of a node that does not exist (the connect fails).
  std::string ghost = "ghost@" + short_host();
  REQUIRE(node.rt().run_in(node.testproc(), [erl_full = erl_full, ghost](runtime::Process& self) {
    self.monitor_node(Atom::make(erl_full), true);
    self.monitor_node(Atom::make(erl_full), true);
    self.monitor_node(Atom::make(ghost), true);
  }));
  CHECK(node.expect(is(tup({atom("nodedown"), atom(ghost)}))));

  erl->kill_now();
  Term down = tup({atom("nodedown"), atom(erl_full)});
  for (int i = 0; i < 3; ++i) CHECK(node.expect(is(down)));  // two monitors, one subscription
  CHECK(node.expect(is(typed("nodedown", erl_full, "visible"))));
  // That was the last message of the event: no fourth nodedown.
  CHECK_FALSE(node.expect(is(down), 0ms));
}

TEST_CASE_METHOD(SubscribedNode, "a hidden erl node that connects to ergod is listed as hidden and not visible", "[interop][nodes]") {
  auto erl = start_erl(erl_name, "interop_cookie", epmd_port,
                       connect_code(node.name(), "CONNECT ~p ~p ~p~n", "[R, nodes(), nodes(hidden)]"), {"-hidden"});
  INFO(erl->output() << logs.all() << node.pending());
  REQUIRE(erl->wait_for("CONNECT true [] [", 20s));  // visible: none; hidden: ergod
  CHECK(erl->output().find(node.name() + "]") != std::string::npos);
  CHECK(node.expect(is(typed("nodeup", erl_full, "hidden"))));
  CHECK(node.dist().hidden_nodes() == std::vector<std::string>{erl_full});
  CHECK(node.dist().visible_nodes().empty());
  CHECK(node.dist().nodes() == std::vector<std::string>{erl_full});
  erl->kill_now();
  CHECK(node.expect(is(typed("nodedown", erl_full, "hidden"))));
  // The plain subscription heard of neither (its messages would have come first).
  CHECK_FALSE(node.expect(is(tup({atom("nodeup"), atom(erl_full)})), 0ms));
  CHECK_FALSE(node.expect(is(tup({atom("nodedown"), atom(erl_full)})), 0ms));
}

TEST_CASE_METHOD(SubscribedNode, "ergod connecting to a hidden erl node sees it hidden and erl sees ergod hidden", "[interop][nodes]") {
  auto erl = start_erl(erl_name, "interop_cookie", epmd_port, kProbe, {"-hidden"});
  REQUIRE(erl->wait_for("READY", 20s));
  REQUIRE(node.rt().send(tup({atom("probe"), atom(erl_full)}), tup({node.testproc(), atom("hello")})));
  Term seen = node.expect_tagged("seen");
  INFO(erl->output() << logs.all() << node.pending());
  REQUIRE(seen);
  CHECK(seen.element(1) == Term::nil());
  CHECK(seen.element(2) == Term::list({atom(node.name())}));
  CHECK(node.expect(is(typed("nodeup", erl_full, "hidden"))));
  CHECK(node.dist().hidden_nodes() == std::vector<std::string>{erl_full});
  CHECK(node.dist().visible_nodes().empty());
}

TEST_CASE_METHOD(ErlTestNode, "ergod connecting to a visible erl node publishes itself as visible", "[interop][nodes]") {
  auto erl = start_erl(erl_name, "interop_cookie", epmd_port, kProbe);
  REQUIRE(erl->wait_for("READY", 20s));
  REQUIRE(node.rt().send(tup({atom("probe"), atom(erl_full)}), tup({node.testproc(), atom("hello")})));
  Term seen = node.expect_tagged("seen");
  INFO(erl->output() << logs.all() << node.pending());
  REQUIRE(seen);
  CHECK(seen.element(1) == Term::list({atom(node.name())}));
  CHECK(seen.element(2) == Term::nil());
  CHECK(node.dist().visible_nodes() == std::vector<std::string>{erl_full});
}
