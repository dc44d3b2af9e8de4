// Spawn request options, accepted and refused as an OTP 25.2 node answers them (every case
// below was sent to erl with erlang:spawn_request/5).
#include "../runtime/support.h"
#include "services/spawn_options.h"

using namespace rt_test;
using namespace ergod::services;

namespace {
Term L(std::initializer_list<Term> l) { return Term::list(l); }
SpawnOptionsCheck check(std::initializer_list<Term> l) { return check_spawn_options(Term::list(l)); }
}  // namespace

TEST_CASE("spawn_opt's options with valid values are accepted", "[spawn_options]") {
  for (const Term& o : {A("link"), A("monitor"), T({A("monitor"), Term::nil()}),
                        T({A("monitor"), L({T({A("alias"), A("demonitor")}), T({A("tag"), I(1)})})}),
                        T({A("priority"), A("low")}), T({A("priority"), A("max")}), T({A("fullsweep_after"), I(0)}),
                        T({A("min_heap_size"), I(100)}), T({A("min_bin_vheap_size"), I(100)}),
                        T({A("max_heap_size"), I(0)}), T({A("max_heap_size"), Term::map({{A("size"), I(1000)}})}),
                        T({A("max_heap_size"), Term::map({{A("size"), I(1000)}, {A("kill"), A("false")},
                                                          {A("error_logger"), A("true")}})}),
                        T({A("message_queue_data"), A("off_heap")}), T({A("message_queue_data"), A("on_heap")}),
                        T({A("scheduler"), I(1)}), T({A("reply"), A("yes")})}) {
    INFO(str(o));
    CHECK(check({o}) == SpawnOptionsCheck::ok);
  }
  CHECK(check({}) == SpawnOptionsCheck::ok);
}

TEST_CASE("an unknown option or a bad value is badopt", "[spawn_options]") {
  Term huge = Term::integer(int64_t(1) << 62);
  for (const Term& o : {A("bogus"), T({A("priority"), A("bogus")}), T({A("monitor"), L({A("bogus")})}),
                        T({A("monitor"), A("x")}), T({A("fullsweep_after"), I(-1)}), T({A("fullsweep_after"), A("x")}),
                        T({A("min_heap_size"), I(-1)}), T({A("min_bin_vheap_size"), A("x")}),
                        T({A("max_heap_size"), Term::map({{A("bogus"), I(1)}})}), T({A("max_heap_size"), Term::map({})}),
                        T({A("max_heap_size"), A("x")}), T({A("max_heap_size"), I(-1)}),
                        T({A("message_queue_data"), A("bogus")}), T({A("async_dist"), A("true")}),
                        T({A("link"), A("true")}), T({A("reply"), A("bogus")}), T({A("fullsweep_after"), huge})}) {
    INFO(str(o));
    CHECK(check({o}) == SpawnOptionsCheck::badopt);
  }
  CHECK(check({T({A("priority"), A("high")}), A("bogus")}) == SpawnOptionsCheck::badopt);
}

TEST_CASE("options that are not a proper list are badarg", "[spawn_options]") {
  CHECK(check_spawn_options(Term::cons(A("link"), A("x"))) == SpawnOptionsCheck::badarg);
  CHECK(check_spawn_options(A("link")) == SpawnOptionsCheck::badarg);
}
