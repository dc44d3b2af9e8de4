// global's registrar functions on a node alone: register_name takes the lock, registers on
// every known node (here ours) and answers as global.erl's do; the erl side is
// tests/interop/services (global_register_rpc, against ergod and an OTP node).
#include <thread>

#include "../runtime/support.h"
#include "services/global.h"
#include "services/global_registrar.h"

using namespace rt_test;
using namespace ergod::services;

namespace {

Term L(std::initializer_list<Term> l) { return Term::list(l); }

// Runs global:F(Args) in inbox's process as erpc does, and waits for a later answer.
Term run(Inbox& in, FunctionRegistry& fns, const char* f, Term args) {
  ApplyResult r;
  REQUIRE(in.run([&](Process& p) { r = fns.apply(p, A("global"), A(f), args); }));
  if (!r.is_later()) {
    REQUIRE(r.kind == ApplyResult::Kind::return_);
    return r.value;
  }
  Term m = recv_if(in, [&](const Term& t) { return t.is_tuple() && t.tuple_arity() == 2 && t.element(0) == r.later_ref; });
  return m.element(1);
}

}  // namespace

TEST_CASE("register_name registers once, takes no second pid or name, and unregister_name frees it",
          "[global_registrar]") {
  Runtime rt;
  REQUIRE(start_global(rt).is_pid());
  FunctionRegistry fns;
  add_global_registrar_functions(fns, {});
  Inbox caller(rt);
  Term p1 = spawn_idle(rt), p2 = spawn_idle(rt);
  CHECK(run(caller, fns, "register_name", L({A("n"), p1})) == A("yes"));
  CHECK(global_whereis(rt.node(), A("n")) == p1);
  CHECK(run(caller, fns, "register_name", L({A("n"), p2})) == A("no"));
  CHECK(run(caller, fns, "re_register_name", L({A("n"), p2})) == A("yes"));
  CHECK(global_whereis(rt.node(), A("n")) == p2);
  CHECK(run(caller, fns, "send", L({A("n"), A("hi")})) == p2);
  CHECK(run(caller, fns, "unregister_name", L({A("n")})) == A("ok"));
  CHECK_FALSE(global_whereis(rt.node(), A("n")));
  CHECK(run(caller, fns, "unregister_name", L({A("n")})) == A("ok"));
  CHECK(run(caller, fns, "sync", Term::nil()) == A("ok"));
}

TEST_CASE("a name's pid that ends takes the name with it", "[global_registrar]") {
  Runtime rt;
  REQUIRE(start_global(rt).is_pid());
  FunctionRegistry fns;
  add_global_registrar_functions(fns, {});
  Inbox caller(rt);
  {
    Inbox named(rt);
    CHECK(run(caller, fns, "register_name", L({A("m"), named.pid()})) == A("yes"));
  }
  for (int i = 0; i < 500 && global_whereis(rt.node(), A("m")); ++i)
    std::this_thread::sleep_for(10ms);  // no event to wait on: the DOWN is global's
  CHECK_FALSE(global_whereis(rt.node(), A("m")));
}
