// The pure rules of global's overlapping-partition prevention (global_overlap.h); the whole
// protocol against erl is tests/interop/services/global_pop_checks.erl.
#include <catch2/catch.hpp>

#include "services/global_overlap.h"

using ergod::term::Atom;
using ergod::term::Term;
using namespace ergod::services;

namespace {
Atom at(const char* s) { return Atom::make(s); }
}  // namespace

TEST_CASE("a lost_connection report is acted on once per incarnation and operation",
          "[global_overlap]") {
  LostConnections lc;
  Atom a = at("a@h"), b = at("b@h");
  Term x1 = Term::integer(1000), x2 = Term::integer(2000);
  CHECK(lc.is_new(a, b, x1, Term::integer(5)));
  CHECK(lc.save(a, b, x1, Term::integer(5), Term::integer(77)).is_none());
  CHECK_FALSE(lc.is_new(a, b, x1, Term::integer(5)));
  CHECK_FALSE(lc.is_new(a, b, x1, Term::integer(4)));
  CHECK(lc.is_new(a, b, x1, Term::integer(6)));   // a later loss by the same node
  CHECK(lc.is_new(a, b, x2, Term::integer(1)));   // a restarted a counts again
  CHECK(lc.is_new(b, a, x1, Term::integer(5)));   // the other direction is another report
  CHECK(lc.save(a, b, x1, Term::integer(6), Term::integer(78)) == Term::integer(77));
}

TEST_CASE("a lost_connection entry is forgotten only by its own timer", "[global_overlap]") {
  LostConnections lc;
  Atom a = at("a@h"), b = at("b@h");
  lc.save(a, b, Term::integer(1), Term::integer(1), Term::integer(10));
  lc.save(a, b, Term::integer(1), Term::integer(2), Term::integer(11));
  lc.expire(a, b, Term::integer(10));  // the replaced entry's timer
  CHECK(lc.size() == 1);
  lc.expire(a, b, Term::integer(11));
  CHECK(lc.size() == 0);
}

TEST_CASE("the node to drop is the lost one, or the reporter when we are the lost one", "[global_overlap]") {
  CHECK(overlap_node_to_drop(at("c@h"), at("a@h"), at("b@h")) == at("b@h"));
  CHECK(overlap_node_to_drop(at("b@h"), at("a@h"), at("b@h")) == at("a@h"));
}

TEST_CASE("the xcreation keeps the creation in its low bits and is a positive bignum", "[global_overlap]") {
  Term x = overlap_xcreation(~uint64_t(0), 7);
  uint64_t v = 0;
  REQUIRE(x.to_uint64(v));
  CHECK((v & 0xffffffff) == 7);
  CHECK(v >= (uint64_t(1) << 59));
  CHECK(v < (uint64_t(1) << 61));
}

TEST_CASE("the overlap warning reads as global.erl's", "[global_overlap]") {
  CHECK(overlap_warning(at("c@h"), "requested disconnect from", at("peer-1@h")) ==
        "'global' at node c@h requested disconnect from node 'peer-1@h' in order to prevent overlapping partitions");
}
