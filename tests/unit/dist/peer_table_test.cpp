// Connection ownership per node: the rules net_kernel applies to pending and up connections.
#include <catch2/catch.hpp>

#include "dist/peer_table.h"

using namespace ergod::dist;
using S = PeerTable::State;

TEST_CASE("a node being dialled or up is not dialled twice", "[dist][peers]") {
  PeerTable t;
  CHECK(t.start_connect("b@h", 1));
  CHECK_FALSE(t.start_connect("b@h", 2));
  t.mark_up("b@h", 1);
  CHECK_FALSE(t.start_connect("b@h", 3));
  t.remove("b@h", 1);
  CHECK(t.state("b@h") == S::none);
  CHECK(t.start_connect("b@h", 4));
}

TEST_CASE("an incoming connection from an unknown node is accepted and pending", "[dist][peers]") {
  PeerTable t;
  auto a = t.accept("me@h", "b@h", 5);
  CHECK(a.verdict == AcceptVerdict::ok);
  CHECK(a.abandon == 0);
  CHECK(t.state("b@h") == S::pending);
  CHECK(t.owner("b@h") == 5);
  // A second attempt while one is pending: "me@h" > "b@h", so ours (here the first) stays.
  CHECK(t.accept("me@h", "b@h", 6).verdict == AcceptVerdict::nok);
}

TEST_CASE("a greater local name answers nok to a simultaneous attempt", "[dist][peers]") {
  PeerTable t;
  REQUIRE(t.start_connect("a@h", 1));
  CHECK(t.accept("z@h", "a@h", 2).verdict == AcceptVerdict::nok);
  CHECK(t.owner("a@h") == 1);  // our attempt keeps the node
}

TEST_CASE("only the owning connection's end changes the entry", "[dist][peers]") {
  PeerTable t;
  t.mark_up("b@h", 1);
  t.remove("b@h", 99);
  CHECK(t.state("b@h") == S::up);
  CHECK(t.owner("b@h") == 1);
}

TEST_CASE("a replacement that fails leaves the old connection up", "[dist][peers]") {
  PeerTable t;
  t.mark_up("b@h", 1);
  CHECK(t.accept("me@h", "b@h", 2).verdict == AcceptVerdict::alive);
  CHECK(t.accept("me@h", "b@h", 3).verdict == AcceptVerdict::drop);  // one replacement at a time
  t.remove("b@h", 2);
  CHECK(t.state("b@h") == S::up);
  CHECK(t.owner("b@h") == 1);
  CHECK(t.pending_owner("b@h") == 0);
}

TEST_CASE("an initiator is pending only while it owns the node", "[dist][peers]") {
  PeerTable t;
  REQUIRE(t.start_connect("b@h", 1));
  CHECK(t.is_pending("b@h", 1));
  CHECK_FALSE(t.is_pending("b@h", 2));
  t.mark_up("b@h", 1);
  CHECK_FALSE(t.is_pending("b@h", 1));
}
