// pg: the scope answers discover as pg.erl does, keeps its peers' groups as pg.erl's ETS table
// does (read by pg's rpc functions), crashes on what pg.erl crashes on, and kernel_safe_sup
// restarts it.
#include <thread>

#include "../runtime/support.h"
#include "behaviors/gen_server.h"
#include "services/ets_order.h"
#include "services/pg_functions.h"
#include "services/pg_table.h"
#include "services/services.h"

using namespace rt_test;
using namespace ergod::services;
namespace gen_server = ergod::behaviors::gen_server;

namespace {

bool is_ok(const Term& t) { return t.is_tuple() && t.element(0) == A("ok"); }

// Waits until `pg` is registered to a pid other than old.
Term await_new_scope(Runtime& rt, const Term& old) {
  for (int i = 0; i < 500; ++i) {
    Term p = rt.whereis(Atom::make("pg"));
    if (p && p != old) return p;
    std::this_thread::sleep_for(10ms);  // no event to wait on: the restart is the supervisor's
  }
  FAIL("pg was not restarted");
  return Term();
}

void check_discover(Runtime& rt, const Term& scope) {
  Inbox peer(rt);
  rt.send(A("pg"), T({A("discover"), peer.pid()}));
  CHECK(recv(peer) == T({A("$gen_cast"), T({A("sync"), scope, Term::nil()})}));
  CHECK(recv(peer) == T({A("discover"), scope}));
}

Term badarg_in(const char* fn, int arity) {
  return T({A("badarg"), Term::list({T({A("pg"), A(fn), I(arity), Term::nil()})})});
}

}  // namespace

TEST_CASE("the scope answers discover with an empty sync and its own discover", "[pg]") {
  Runtime rt;
  REQUIRE(is_ok(start_kernel_safe_sup(rt, nullptr)));
  Term scope = rt.whereis(Atom::make("pg"));
  REQUIRE(scope.is_pid());
  check_discover(rt, scope);
}

TEST_CASE("a sync from an unknown scope makes it a peer: its discover then gets no discover back", "[pg]") {
  Runtime rt;
  REQUIRE(is_ok(start_kernel_safe_sup(rt, nullptr)));
  Term scope = rt.whereis(Atom::make("pg"));
  Inbox peer(rt);
  gen_server::cast(rt, A("pg"), T({A("sync"), peer.pid(), Term::nil()}));
  rt.send(A("pg"), T({A("discover"), peer.pid()}));
  CHECK(recv(peer) == T({A("$gen_cast"), T({A("sync"), scope, Term::nil()})}));
  CHECK_FALSE(peer.receive(200ms).has_value());
}

TEST_CASE("an unknown call crashes the scope with badarg, and kernel_safe_sup restarts it", "[pg]") {
  Runtime rt;
  REQUIRE(is_ok(start_kernel_safe_sup(rt, nullptr)));
  Term scope = rt.whereis(Atom::make("pg"));
  CallOutcome o = gen_server::call(rt, A("pg"), A("bogus"), 2000);
  CHECK_FALSE(o.ok);
  CHECK(o.value == badarg_in("handle_call", 3));
  Term again = await_new_scope(rt, scope);
  check_discover(rt, again);
}

TEST_CASE("an unknown cast or message crashes the scope too, and it comes back each time", "[pg]") {
  Runtime rt;
  REQUIRE(is_ok(start_kernel_safe_sup(rt, nullptr)));
  Term scope = rt.whereis(Atom::make("pg"));
  Term ref = [&] {
    Inbox w(rt);
    Term r = monitor_from(w, scope);
    gen_server::cast(rt, A("pg"), A("bogus"));
    CHECK(await_down(w, r).element(4) == badarg_in("handle_cast", 2));
    return r;
  }();
  (void)ref;
  Term second = await_new_scope(rt, scope);
  Inbox w(rt);
  Term r = monitor_from(w, second);
  rt.send(A("pg"), A("junk"));
  CHECK(await_down(w, r).element(4) == badarg_in("handle_info", 2));
  check_discover(rt, await_new_scope(rt, second));
}

namespace {

Term L(std::initializer_list<Term> l) { return Term::list(l); }

Term members(Runtime& rt, const Term& group) {
  auto t = pg_table_find(rt.node(), Atom::make("pg"));
  REQUIRE(t);
  return t->members(group);
}

// Everything peer sent before is handled once its discover is answered.
void round_trip(Runtime& rt, Inbox& peer) {
  rt.send(A("pg"), T({A("discover"), peer.pid()}));
  recv_if(peer, [](const Term& m) { return m.is_tuple() && m.element(0) == A("$gen_cast"); });
}

}  // namespace

TEST_CASE("a peer's sync, joins and leaves make its members, newest first", "[pg]") {
  Runtime rt;
  REQUIRE(is_ok(start_kernel_safe_sup(rt, nullptr)));
  Inbox peer(rt);
  Term p1 = spawn_idle(rt), p2 = spawn_idle(rt), p3 = spawn_idle(rt);
  gen_server::cast(rt, A("pg"), T({A("sync"), peer.pid(), L({T({A("g1"), L({p1})}), T({A("g2"), L({p1, p2})})})}));
  rt.send(A("pg"), T({A("join"), peer.pid(), A("g1"), p2}));
  rt.send(A("pg"), T({A("join"), peer.pid(), A("g1"), L({p3, p3})}));
  round_trip(rt, peer);
  CHECK(members(rt, A("g1")) == L({p3, p3, p2, p1}));
  CHECK(members(rt, A("g2")) == L({p1, p2}));
  rt.send(A("pg"), T({A("leave"), peer.pid(), p3, L({A("g1")})}));
  rt.send(A("pg"), T({A("leave"), peer.pid(), L({p1, p2}), L({A("g2")})}));
  round_trip(rt, peer);
  CHECK(members(rt, A("g1")) == L({p3, p2, p1}));
  CHECK(members(rt, A("g2")) == Term::nil());
  auto t = pg_table_find(rt.node(), Atom::make("pg"));
  CHECK(t->groups() == L({A("g1")}));
  CHECK(t->local_members(A("g1")) == Term::nil());
  // A later sync restates the peer's groups: what it no longer names is gone.
  gen_server::cast(rt, A("pg"), T({A("sync"), peer.pid(), L({T({A("g3"), L({p2})})})}));
  round_trip(rt, peer);
  CHECK(members(rt, A("g1")) == Term::nil());
  CHECK(members(rt, A("g3")) == L({p2}));
}

TEST_CASE("joins from a scope that is not a peer are dropped", "[pg]") {
  Runtime rt;
  REQUIRE(is_ok(start_kernel_safe_sup(rt, nullptr)));
  Inbox stranger(rt);
  rt.send(A("pg"), T({A("join"), stranger.pid(), A("g1"), stranger.pid()}));
  round_trip(rt, stranger);  // the discover makes it a peer only now
  CHECK(members(rt, A("g1")) == Term::nil());
}

TEST_CASE("a peer scope's DOWN drops its members", "[pg]") {
  Runtime rt;
  REQUIRE(is_ok(start_kernel_safe_sup(rt, nullptr)));
  Inbox other(rt);
  Term p1 = spawn_idle(rt);
  {
    Inbox peer(rt);
    gen_server::cast(rt, A("pg"), T({A("sync"), peer.pid(), L({T({A("g1"), L({p1})})})}));
    round_trip(rt, peer);
    CHECK(members(rt, A("g1")) == L({p1}));
  }
  for (int i = 0; i < 500 && members(rt, A("g1")) != Term::nil(); ++i)
    std::this_thread::sleep_for(10ms);  // no event to wait on: the DOWN is the scope's
  CHECK(members(rt, A("g1")) == Term::nil());
}

TEST_CASE("pg's rpc functions read the scope's table; an unknown scope answers as pg.erl", "[pg]") {
  Runtime rt;
  REQUIRE(is_ok(start_kernel_safe_sup(rt, nullptr)));
  FunctionRegistry fns;
  add_pg_functions(fns);
  Inbox peer(rt);
  Term p1 = spawn_idle(rt);
  gen_server::cast(rt, A("pg"), T({A("sync"), peer.pid(), L({T({A("g1"), L({p1})})})}));
  round_trip(rt, peer);
  auto apply = [&](const char* f, Term args) {
    ApplyResult r;
    REQUIRE(peer.run([&](Process& p) { r = fns.apply(p, A("pg"), A(f), args); }));
    return r;
  };
  CHECK(apply("get_members", L({A("g1")})).value == L({p1}));
  CHECK(apply("get_members", L({A("pg"), A("g1")})).value == L({p1}));
  CHECK(apply("get_members", L({A("nosuch"), A("g1")})).value == Term::nil());
  CHECK(apply("get_local_members", L({A("g1")})).value == Term::nil());
  CHECK(apply("which_groups", Term::nil()).value == L({A("g1")}));
  CHECK(apply("which_local_groups", L({A("pg")})).value == Term::nil());
  ApplyResult bad = apply("which_groups", L({A("nosuch")}));
  CHECK(bad.kind == ApplyResult::Kind::error);
  CHECK(bad.value == A("badarg"));
  CHECK(bad.stack.head().element(0) == A("ets"));
  ApplyResult fc = apply("which_groups", L({I(1)}));
  CHECK(fc.value == A("function_clause"));
  CHECK(fc.stack == L({T({A("pg"), A("which_groups"), L({I(1)}), Term::nil()})}));
}

TEST_CASE("a local join is in both lists, reaches the peers, and ends with the member", "[pg]") {
  Runtime rt;
  REQUIRE(is_ok(start_kernel_safe_sup(rt, nullptr)));
  Term scope = rt.whereis(Atom::make("pg"));
  Inbox peer(rt);
  gen_server::cast(rt, A("pg"), T({A("sync"), peer.pid(), Term::nil()}));
  round_trip(rt, peer);
  Term p = spawn_fn(rt, [](Process& self, Term) { self.exit(A("done")); });
  CHECK(gen_server::call(rt, A("pg"), T({A("join_local"), A("g1"), L({p, p})})).value == A("ok"));
  CHECK(recv(peer) == T({A("join"), scope, A("g1"), L({p, p})}));
  auto t = pg_table_find(rt.node(), Atom::make("pg"));
  CHECK(t->members(A("g1")) == L({p, p}));
  CHECK(t->local_members(A("g1")) == L({p, p}));
  CHECK(gen_server::call(rt, A("pg"), T({A("leave_local"), A("g1"), p})).value == A("ok"));
  CHECK(recv(peer) == T({A("leave"), scope, p, L({A("g1")})}));
  CHECK(gen_server::call(rt, A("pg"), T({A("leave_local"), A("g2"), p})).value == A("not_joined"));
  // a new peer's discover is answered with the local groups
  Inbox late(rt);
  rt.send(A("pg"), T({A("discover"), late.pid()}));
  CHECK(recv(late) == T({A("$gen_cast"), T({A("sync"), scope, L({T({A("g1"), L({p})})})})}));
  rt.send(p, A("stop"));
  CHECK(recv(peer) == T({A("leave"), scope, p, L({A("g1")})}));
  CHECK(t->members(A("g1")) == Term::nil());
}

TEST_CASE("a monitor of the scope or a group hears every change until demonitor", "[pg]") {
  Runtime rt;
  REQUIRE(is_ok(start_kernel_safe_sup(rt, nullptr)));
  Inbox watcher(rt);
  Term p = spawn_idle(rt);
  CHECK(gen_server::call(rt, A("pg"), T({A("join_local"), A("g1"), p})).value == A("ok"));
  // The calls as the watcher makes them (a plain reference tag: the reply comes to its pid).
  auto call = [&](Term req) {
    Term tag;
    REQUIRE(watcher.run([&](Process& self) { tag = self.make_ref(); }));
    rt.send(A("pg"), T({A("$gen_call"), T({watcher.pid(), tag}), std::move(req)}));
    return recv_if(watcher, [&](const Term& m) { return m.is_tuple() && m.element(0) == tag; }).element(1);
  };
  Term scope_reply = call(A("monitor"));
  CHECK(scope_reply.element(1) == Term::map({{A("g1"), L({p})}}));
  Term sref = scope_reply.element(0);
  Term group_reply = call(T({A("monitor"), A("g2")}));
  CHECK(group_reply.element(1) == Term::nil());
  Term gref = group_reply.element(0);
  CHECK(gen_server::call(rt, A("pg"), T({A("join_local"), A("g2"), L({p})})).value == A("ok"));
  // the scope's monitors first, then the group's, as pg.erl's notify_group
  CHECK(recv(watcher) == T({sref, A("join"), A("g2"), L({p})}));
  CHECK(recv(watcher) == T({gref, A("join"), A("g2"), L({p})}));
  CHECK(call(T({A("demonitor"), gref})) == A("ok"));
  CHECK(call(T({A("demonitor"), gref})) == A("false"));
  CHECK(gen_server::call(rt, A("pg"), T({A("leave_local"), A("g2"), p})).value == A("ok"));
  CHECK(recv(watcher) == T({sref, A("leave"), A("g2"), L({p})}));
  CHECK(call(T({A("demonitor"), sref})) == A("ok"));
  CHECK_FALSE(watcher.receive(100ms).has_value());
}

TEST_CASE("atom groups are listed in the order of OTP 25's ETS table", "[pg]") {
  // The atom table's hashpjw, as erts computes it (values worked out from erts' algorithm).
  CHECK(ets_key_hash(A("g1")) == 1697);
  CHECK(ets_key_hash(A("x_y_z")) == 8286058);
  CHECK(ets_key_hash(A("Elixir.Foo")) == 251785311);
  CHECK(ets_bucket(1697, 256) == 161);
  CHECK(ets_bucket(0x1FF, 300) == 255);  // bucket 511 is not split yet at 300 buckets
  CHECK(ets_bucket(0x12B, 300) == 299);
  // What erl 25.2 listed for these groups (pg:which_groups/0 after joins in this order).
  Runtime rt;
  auto t = pg_table_open(rt.node(), Atom::make("order_test"));
  Term p = spawn_idle(rt);
  for (const char* g : {"g1", "g2", "g3", "a", "b", "c", "z", "x_y_z", "Elixir.Foo"}) t->join(A(g), p);
  CHECK(t->groups() == L({A("g3"), A("g2"), A("g1"), A("z"), A("x_y_z"), A("c"), A("b"), A("a"), A("Elixir.Foo")}));
  // 300 keys grow the table past its first 256 buckets; erl 25.2 listed these first.
  auto big = pg_table_open(rt.node(), Atom::make("order_test2"));
  for (int i = 1; i <= 300; ++i) big->join(A(("k" + std::to_string(i)).c_str()), p);
  std::vector<Term> first = ergod::term::list_elements(big->groups());
  first.resize(15);
  CHECK(Term::list(first) == L({A("k9"), A("k8"), A("k7"), A("k6"), A("k5"), A("k4"), A("k3"), A("k2"), A("k1"),
                                A("k299"), A("k199"), A("k99"), A("k298"), A("k198"), A("k98")}));
  pg_table_close(rt.node(), Atom::make("order_test"), t);
  pg_table_close(rt.node(), Atom::make("order_test2"), big);
}
