// global's lock functions on a node alone (global_locks.h): the answers and exceptions of
// global.erl; the erl side is tests/interop/services/global_checks.erl (rpc_locks, against
// ergod and an OTP node).
#include <thread>

#include "../runtime/support.h"
#include "services/global.h"
#include "services/global_locks.h"

using namespace rt_test;
using namespace ergod::services;

namespace {

Term L(std::initializer_list<Term> l) { return Term::list(l); }

// Runs global:F(Args) in inbox's process as erpc does, and waits for a later answer.
ApplyResult run(Inbox& in, FunctionRegistry& fns, const char* f, Term args) {
  ApplyResult r;
  REQUIRE(in.run([&](Process& p) { r = fns.apply(p, A("global"), A(f), args); }));
  if (!r.is_later()) return r;
  Term m = recv_if(in, [&](const Term& t) { return t.is_tuple() && t.tuple_arity() >= 2 && t.element(0) == r.later_ref; });
  ApplyResult out;
  REQUIRE(read_later_message(m, r.later_ref, out));
  return out;
}

struct Node {
  Runtime rt;
  FunctionRegistry fns;
  Term me;
  Node() {
    REQUIRE(start_global(rt).is_pid());
    add_global_lock_functions(fns, {});
    fns.add(Atom::make("t"), Atom::make("ok"), 0, [](Process&, const Term&) { return ApplyResult::ok(A("done")); });
    me = Term::atom(rt.node());
  }
  // Holds {Resource, holder} from the process of in, as a locker of another node would.
  void hold(Inbox& in, const Term& resource) {
    Term tag;
    REQUIRE(in.run([&](Process& p) {
      tag = p.make_ref();
      p.send(A("global_name_server"),
             T({A("$gen_call"), T({p.self(), tag}), T({A("set_lock"), T({resource, A("holder")})})}));
    }));
    Term m = recv_if(in, [&](const Term& t) { return t.is_tuple() && t.tuple_arity() == 2 && t.element(0) == tag; });
    REQUIRE(m.element(1) == A("true"));
  }
};

}  // namespace

TEST_CASE("set_lock answers true, or false against another requester when no retries are left", "[global_locks]") {
  Node n;
  Inbox caller(n.rt), holder(n.rt);
  CHECK(run(caller, n.fns, "set_lock", L({T({A("r"), A("me")}), L({n.me})})).value == A("true"));
  CHECK(run(caller, n.fns, "set_lock", L({T({A("r"), A("me")}), Term::nil()})).value == A("true"));
  n.hold(holder, A("held"));
  CHECK(run(caller, n.fns, "set_lock", L({T({A("held"), A("me")}), L({n.me}), Term::integer(0)})).value == A("false"));
  CHECK(run(caller, n.fns, "set_lock", L({T({A("held"), A("holder")}), L({n.me}), Term::integer(0)})).value ==
        A("true"));
  CHECK(run(caller, n.fns, "del_lock", L({T({A("held"), A("me")}), L({n.me})})).value == A("true"));
  CHECK_FALSE(global_can_set_lock(n.rt.node(), T({A("held"), A("me")})));  // still the holder's
}

TEST_CASE("trans runs its fun under the lock, and is aborted when the lock is taken", "[global_locks]") {
  Node n;
  Inbox caller(n.rt), holder(n.rt);
  Term ok_fun = Term::export_fun(Atom::make("t"), Atom::make("ok"), 0);
  CHECK(run(caller, n.fns, "trans", L({T({A("x"), A("me")}), ok_fun, L({n.me})})).value == A("done"));
  n.hold(holder, A("x"));
  CHECK(run(caller, n.fns, "trans", L({T({A("x"), A("me")}), ok_fun, L({n.me}), Term::integer(0)})).value ==
        A("aborted"));
}

TEST_CASE("a bad lock id, retry count or fun fails with global.erl's exception and frames", "[global_locks]") {
  Node n;
  Inbox caller(n.rt);
  ApplyResult r = run(caller, n.fns, "set_lock", L({A("foo"), L({n.me})}));
  CHECK(r.kind == ApplyResult::Kind::error);
  CHECK(r.value == A("function_clause"));
  CHECK(r.stack == L({T({A("global"), A("set_lock"), L({A("foo"), L({n.me}), A("infinity"), Term::integer(1)}),
                         Term::nil()}),
                      T({A("global"), A("set_lock"), Term::integer(2), Term::nil()})}));
  r = run(caller, n.fns, "set_lock", L({T({A("a"), A("b")}), L({n.me}), Term::integer(-1)}));
  CHECK(r.stack == L({T({A("global"), A("set_lock"), L({T({A("a"), A("b")}), L({n.me}), Term::integer(-1)}),
                         Term::nil()})}));
  r = run(caller, n.fns, "trans", L({T({A("a"), A("b")}), Term::integer(42), L({n.me}), Term::integer(0)}));
  CHECK(r.value == T({A("badfun"), Term::integer(42)}));
  CHECK(r.stack == L({T({A("global"), A("trans"), Term::integer(4), Term::nil()}),
                      T({A("global"), A("trans"), Term::integer(4), Term::nil()})}));
  r = run(caller, n.fns, "del_lock", L({T({A("a"), A("b")}), A("foo")}));
  CHECK(r.value == A("function_clause"));
}
