// AllowList: net_kernel:allow/1's list as dist_util (incoming) and net_kernel (outgoing) read it.
#include <catch2/catch.hpp>

#include "dist/allow_list.h"

using ergod::dist::AllowList;

TEST_CASE("an empty allow list lets every node in and out", "[allow]") {
  AllowList a;
  CHECK(a.accepts("x@h"));
  CHECK(a.dials("x@h"));
}

TEST_CASE("incoming nodes match a node, a host or a name entry; outgoing ones only the node", "[allow]") {
  AllowList a;
  a.add({"a@h1", "h2", "c@"});
  CHECK(a.accepts("a@h1"));
  CHECK_FALSE(a.accepts("a@h3"));
  CHECK(a.accepts("b@h2"));
  CHECK(a.accepts("c@h9"));
  CHECK_FALSE(a.accepts("d@h9"));
  CHECK(a.dials("a@h1"));
  CHECK_FALSE(a.dials("b@h2"));
  CHECK_FALSE(a.dials("c@h9"));
}
