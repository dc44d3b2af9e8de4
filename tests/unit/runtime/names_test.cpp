// Registered names.
#include <algorithm>

#include "support.h"

using namespace rt_test;

TEST_CASE("register makes a name that whereis resolves, registered lists and sends reach", "[runtime][names]") {
  Runtime rt;
  Inbox in(rt);
  Term fwd = spawn_forwarder(rt, in.pid());
  Atom name = Atom::make("rt_test_server");
  REQUIRE(rt.register_name(name, fwd));
  CHECK(rt.whereis(name) == fwd);
  auto names = rt.registered();
  CHECK(std::find(names.begin(), names.end(), name) != names.end());
  CHECK(rt.send(Term::atom(name), A("by_name")));
  CHECK(recv(in) == A("by_name"));
  CHECK(rt.send(T({Term::atom(name), Term::atom(rt.node())}), A("by_name_node")));
  CHECK(recv(in) == A("by_name_node"));
}

TEST_CASE("a duplicate register fails like badarg", "[runtime][names]") {
  Runtime rt;
  Term a = spawn_idle(rt), b = spawn_idle(rt);
  Atom name = Atom::make("rt_test_dup");
  REQUIRE(rt.register_name(name, a));
  CHECK_FALSE(rt.register_name(name, b));                           // name taken
  CHECK_FALSE(rt.register_name(Atom::make("rt_test_other"), a));    // a already has a name
  CHECK_FALSE(rt.register_name(Atom::make("undefined"), b));        // Erlang refuses undefined
  CHECK(rt.whereis(name) == a);
  rt.exit(b, A("kill"));
  await_exit(rt, b);
  CHECK_FALSE(rt.register_name(Atom::make("rt_test_dead"), b));     // dead pid
  CHECK_FALSE(rt.whereis(Atom::make("rt_test_dead")));
}

TEST_CASE("a process registers itself and its name goes when it exits", "[runtime][names]") {
  Runtime rt;
  Inbox in(rt);
  Atom name = Atom::make("rt_test_self");
  Term report = in.pid();
  Term p = spawn_fn2(rt, [name, report](Process& self) {
    bool ok = self.register_name(name);
    self.send(report, T({A("registered"), A(ok ? "true" : "false"),
                         self.registered_name() ? Term::atom(*self.registered_name()) : A("none")}));
  }, [](Process& self, Term m) { if (m == A("stop")) self.exit(A("normal")); });
  CHECK(str(recv(in)) == "{registered,true,rt_test_self}");
  CHECK(rt.whereis(name) == p);
  rt.send(Term::atom(name), A("stop"));
  await_exit(rt, p);
  CHECK_FALSE(rt.whereis(name));
  Term q = spawn_idle(rt);
  CHECK(rt.register_name(name, q));  // free again
}

TEST_CASE("unregister removes a name", "[runtime][names]") {
  Runtime rt;
  Term p = spawn_idle(rt);
  Atom name = Atom::make("rt_test_unreg");
  REQUIRE(rt.register_name(name, p));
  CHECK(rt.unregister_name(name));
  CHECK_FALSE(rt.whereis(name));
  CHECK_FALSE(rt.unregister_name(name));
  CHECK(rt.register_name(Atom::make("rt_test_unreg2"), p));  // p may take another name now
}

TEST_CASE("spawn with a name registers it before the process runs and fails if taken", "[runtime][names]") {
  Runtime rt;
  Inbox in(rt);
  Atom name = Atom::make("rt_test_spawn_named");
  SpawnOptions o;
  o.name = name;
  Term report = in.pid();
  auto r = rt.spawn(make_behavior([name, report](Process& self) {
    self.send(report, T({A("whereis_in_init"), self.runtime().whereis(name)}));
  }, [](Process&, Term) {}), o);
  REQUIRE(r.ok());
  CHECK(recv(in) == T({A("whereis_in_init"), r->pid}));
  auto again = rt.spawn(make_behavior([](Process&, Term) {}), o);
  CHECK_FALSE(again.ok());
  CHECK(rt.whereis(name) == r->pid);
}
