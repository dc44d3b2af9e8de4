// Monitors and aliases.
#include <functional>
#include <memory>
#include <vector>

#include "support.h"

using namespace rt_test;
namespace atoms = ergod::term::atoms;

TEST_CASE("a monitor of a missing process fires at once with noproc", "[runtime][monitors]") {
  Runtime rt;
  Inbox in(rt);
  Term dead = spawn_fn2(rt, [](Process& self) { self.exit(A("normal")); }, [](Process&, Term) {});
  await_exit(rt, dead);
  Term ref = monitor_from(in, dead);
  Term down = await_down(in, ref);
  CHECK(down == T({A("DOWN"), ref, A("process"), dead, A("noproc")}));

  Term by_name = monitor_from(in, A("rt_test_nobody"));
  CHECK(await_down(in, by_name) ==
        T({A("DOWN"), by_name, A("process"), T({A("rt_test_nobody"), Term::atom(rt.node())}), A("noproc")}));
}

TEST_CASE("a DOWN message names the monitor, the process and its exit reason", "[runtime][monitors]") {
  Runtime rt;
  Inbox in(rt);
  Term p = spawn_fn(rt, [](Process& self, Term m) { self.exit(std::move(m)); });
  Term ref = monitor_from(in, p);
  rt.send(p, T({A("shutdown"), A("because")}));
  CHECK(await_down(in, ref) == T({A("DOWN"), ref, A("process"), p, T({A("shutdown"), A("because")})}));
}

TEST_CASE("a monitor by registered name names {Name, Node} in its DOWN", "[runtime][monitors]") {
  Runtime rt;
  Inbox in(rt);
  Term p = spawn_fn(rt, [](Process& self, Term) { self.exit(A("bye")); });
  Atom name = Atom::make("rt_test_monitored");
  REQUIRE(rt.register_name(name, p));
  Term ref = monitor_from(in, Term::atom(name));
  Term ref2 = monitor_from(in, T({Term::atom(name), Term::atom(rt.node())}));
  rt.send(p, A("go"));
  Term object = T({Term::atom(name), Term::atom(rt.node())});
  CHECK(await_down(in, ref) == T({A("DOWN"), ref, A("process"), object, A("bye")}));
  CHECK(await_down(in, ref2) == T({A("DOWN"), ref2, A("process"), object, A("bye")}));
}

namespace {

// A server that answers each '$gen_call' only when sent {release, Reply}.
Term spawn_gate(Runtime& rt) {
  auto pending = std::make_shared<std::vector<Term>>();
  return spawn_fn(rt, [pending](Process& self, Term m) {
    if (m.is_tuple() && m.tuple_arity() == 3 && m.element(0).is_atom(atoms::gen_call)) {
      pending->push_back(m.element(1));
    } else if (m.is_tuple() && m.tuple_arity() == 2 && m.element(0) == A("release")) {
      for (auto& from : *pending) {
        const Term& tag = from.element(1);
        self.send(tag.is_cons() ? tag.tail() : from.element(0), T({tag, m.element(1)}));
      }
      pending->clear();
    }
  });
}

// Runs fn in pid and returns what it sends back.
Term ask(Runtime& rt, Inbox& in, const Term& pid, std::function<Term(Process&)> fn) {
  Term to = in.pid();
  Term tag = rt.make_ref();
  REQUIRE(rt.run_in(pid, [fn, to, tag](Process& self) { self.send(to, T({tag, fn(self)})); }));
  return recv_if(in, [&](const Term& m) { return m.is_tuple() && m.tuple_arity() == 2 && m.element(0) == tag; })
      .element(1);
}

}  // namespace

TEST_CASE("demonitor with flush removes a DOWN already in the mailbox", "[runtime][monitors]") {
  Runtime rt;
  Inbox in(rt);
  Term to = in.pid();
  Term victim = spawn_idle(rt);
  Term gate = spawn_gate(rt);
  // x monitors the victim, then waits in a call, so the DOWN stays in its mailbox.
  Term x = spawn_fn2(rt, [victim, gate, to](Process& self) {
    self.send(to, T({A("ref"), self.monitor(victim)}));
    self.call(gate, atoms::gen_call, A("wait"), kInfinity,
              [to](Process& self, CallOutcome) { self.send(to, A("call_done")); });
  }, [to](Process& self, Term m) { self.send(to, std::move(m)); });
  Term ref = recv(in).element(1);
  rt.exit(victim, A("kill"));
  // Wait (on events, not time) until the DOWN is queued in x.
  for (int i = 0; i < 100000; ++i)
    if (ask(rt, in, x, [](Process& self) { return I(int64_t(self.message_queue_len())); }) == I(1)) break;
  REQUIRE(ask(rt, in, x, [](Process& self) { return I(int64_t(self.message_queue_len())); }) == I(1));
  // The monitor already fired, so demonitor reports it inactive, and flush drops the DOWN.
  CHECK(ask(rt, in, x, [ref](Process& self) { return A(self.demonitor(ref, true) ? "true" : "false"); }) ==
        A("false"));
  CHECK(ask(rt, in, x, [](Process& self) { return I(int64_t(self.message_queue_len())); }) == I(0));
  rt.send(gate, T({A("release"), A("ok")}));
  CHECK(recv(in) == A("call_done"));
  rt.send(x, A("marker"));
  CHECK(recv(in) == A("marker"));  // no DOWN before it
}

TEST_CASE("after demonitor no DOWN arrives for that monitor", "[runtime][monitors]") {
  Runtime rt;
  Inbox in(rt);
  Term to = in.pid();
  Term victim = spawn_fn(rt, [](Process& self, Term) { self.exit(A("bye")); });
  spawn_fn2(rt, [victim, to](Process& self) {
    Term r1 = self.monitor(victim);
    bool active = self.demonitor(r1);
    Term r2 = self.monitor(victim);
    self.send(to, T({A("refs"), r1, r2, A(active ? "true" : "false")}));
    self.send(victim, A("die"));
  }, [to](Process& self, Term m) { self.send(to, std::move(m)); });
  Term refs = recv(in);
  CHECK(refs.element(3) == A("true"));
  Term down = recv(in);
  CHECK(is_down_for(down, refs.element(2)));
  CHECK(down.element(4) == A("bye"));
  rt.send(in.pid(), A("marker"));
  CHECK(recv(in) == A("marker"));
}

TEST_CASE("spawn_monitor monitors the child before it runs", "[runtime][monitors]") {
  Runtime rt;
  Inbox in(rt);
  Term to = in.pid();
  spawn_fn2(rt, [to](Process& self) {
    SpawnOptions o;
    o.monitor = true;
    auto c = self.spawn(make_behavior([](Process& c) { c.exit(A("at_once")); }, [](Process&, Term) {}), o);
    self.send(to, T({A("spawned"), c->pid, c->monitor}));
  }, [to](Process& self, Term m) { self.send(to, std::move(m)); });
  Term sp = recv(in);
  REQUIRE(sp.element(2).is_reference());
  Term down = recv(in);
  CHECK(down == T({A("DOWN"), sp.element(2), A("process"), sp.element(1), A("at_once")}));
}

TEST_CASE("every monitor of a process gets its DOWN, and a monitor of self never fires", "[runtime][monitors]") {
  Runtime rt;
  Inbox in(rt);
  Term victim = spawn_fn(rt, [](Process& self, Term) { self.exit(A("done")); });
  std::vector<Term> refs;
  for (int i = 0; i < 5; ++i) refs.push_back(monitor_from(in, victim));
  Term self_ref = monitor_from(in, in.pid());
  CHECK(self_ref.is_reference());
  rt.send(victim, A("go"));
  for (auto& r : refs) CHECK(await_down(in, r).element(4) == A("done"));
}

// ---- aliases ----------------------------------------------------------------------------------

TEST_CASE("a message sent to an active alias arrives", "[runtime][aliases]") {
  Runtime rt;
  Inbox in(rt);
  Term alias;
  REQUIRE(in.run([&](Process& p) { alias = p.alias(); }));
  Term sender = spawn_fn(rt, [](Process& self, Term m) { self.send(m.element(0), m.element(1)); });
  rt.send(sender, T({alias, A("via_alias")}));
  CHECK(recv(in) == A("via_alias"));
  rt.send(alias, A("again"));  // an alias stays active until unalias
  CHECK(recv(in) == A("again"));
}

TEST_CASE("unalias deactivates an alias: later messages through it are dropped", "[runtime][aliases]") {
  Runtime rt;
  Inbox in(rt);
  Term alias;
  bool removed = false, again = true;
  REQUIRE(in.run([&](Process& p) {
    alias = p.alias();
    removed = p.unalias(alias);
    again = p.unalias(alias);
  }));
  CHECK(removed);
  CHECK_FALSE(again);
  rt.send(alias, A("dropped"));
  rt.send(in.pid(), A("marker"));  // same sender, same receiver: it would come second
  CHECK(recv(in) == A("marker"));
}

TEST_CASE("an alias made with reply is deactivated by the first message", "[runtime][aliases]") {
  Runtime rt;
  Inbox in(rt);
  Term alias;
  REQUIRE(in.run([&](Process& p) { alias = p.alias(AliasMode::reply); }));
  rt.send(alias, A("one"));
  rt.send(alias, A("two"));
  rt.send(in.pid(), A("marker"));
  CHECK(recv(in) == A("one"));
  CHECK(recv(in) == A("marker"));
}

TEST_CASE("an {alias, demonitor} alias ends with its monitor", "[runtime][aliases]") {
  Runtime rt;
  Inbox in(rt);
  Term to = in.pid();
  // The target replies through the alias it is given, then exits.
  Term target = spawn_fn(rt, [](Process& self, Term m) {
    self.send(m, A("via_alias"));
    self.exit(A("normal"));
  });
  Term ref;
  REQUIRE(in.run([&](Process& p) {
    ref = p.monitor(target, MonitorAlias::demonitor);
    p.send(target, ref);
  }));
  CHECK(recv(in) == A("via_alias"));
  CHECK(await_down(in, ref).element(4) == A("normal"));
  rt.send(ref, A("after_down"));
  rt.send(to, A("marker"));
  CHECK(recv(in) == A("marker"));

  // And demonitor ends it too.
  Term idle = spawn_idle(rt);
  REQUIRE(in.run([&](Process& p) {
    ref = p.monitor(idle, MonitorAlias::demonitor);
    p.demonitor(ref);
  }));
  rt.send(ref, A("after_demonitor"));
  rt.send(to, A("marker2"));
  CHECK(recv(in) == A("marker2"));
}

TEST_CASE("an explicit_unalias monitor alias outlives its monitor", "[runtime][aliases]") {
  Runtime rt;
  Inbox in(rt);
  Term idle = spawn_idle(rt);
  Term ref;
  REQUIRE(in.run([&](Process& p) {
    ref = p.monitor(idle, MonitorAlias::explicit_unalias);
    p.demonitor(ref);
  }));
  rt.send(ref, A("still_active"));
  CHECK(recv(in) == A("still_active"));
}
