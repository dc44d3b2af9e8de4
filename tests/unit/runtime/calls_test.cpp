// The synchronous call (gen.erl's do_call) with a continuation.
#include <functional>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "support.h"

using namespace rt_test;
namespace atoms = ergod::term::atoms;

namespace {

// Answers each '$gen_call' only when sent {release, Reply}; {send_to, Dest, Msg} sends Msg.
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
    } else if (m.is_tuple() && m.tuple_arity() == 3 && m.element(0) == A("send_to")) {
      self.send(m.element(1), m.element(2));
    }
  });
}

Term outcome_term(const CallOutcome& o) { return T({A(o.ok ? "ok" : "error"), o.value}); }

// A caller that calls dest in init and reports {outcome, ...}; forwards other messages.
Term spawn_caller(Runtime& rt, const Term& to, Term dest, int64_t timeout, SpawnOptions o = {}) {
  return spawn_fn2(rt, [to, dest, timeout](Process& self) {
    self.call(dest, atoms::gen_call, A("request"), timeout, [to](Process& self, CallOutcome out) {
      self.send(to, T({A("outcome"), outcome_term(out)}));
    });
  }, [to](Process& self, Term m) { self.send(to, std::move(m)); }, o);
}

Term ask(Runtime& rt, Inbox& in, const Term& pid, std::function<Term(Process&)> fn) {
  Term to = in.pid();
  Term tag = rt.make_ref();
  REQUIRE(rt.run_in(pid, [fn, to, tag](Process& self) { self.send(to, T({tag, fn(self)})); }));
  return recv_if(in, [&](const Term& m) { return m.is_tuple() && m.tuple_arity() == 2 && m.element(0) == tag; })
      .element(1);
}

void await_queued(Runtime& rt, Inbox& in, const Term& pid, int64_t n) {
  for (int i = 0; i < 100000; ++i)
    if (ask(rt, in, pid, [](Process& self) { return I(int64_t(self.message_queue_len())); }) == I(n)) return;
  FAIL("the messages never queued up");
}

}  // namespace

TEST_CASE("a call's reply goes to the continuation, then the held-back messages in their order", "[runtime][calls]") {
  Runtime rt;
  Inbox in(rt);
  Term gate = spawn_gate(rt);
  Term x = spawn_caller(rt, in.pid(), gate, 5000);
  for (int i = 1; i <= 3; ++i) rt.send(x, I(i));
  await_queued(rt, in, x, 3);  // held back while the call waits
  rt.send(gate, T({A("release"), A("the_reply")}));
  CHECK(recv(in) == T({A("outcome"), T({A("ok"), A("the_reply")})}));
  CHECK(recv(in) == I(1));
  CHECK(recv(in) == I(2));
  CHECK(recv(in) == I(3));
}

TEST_CASE("a call times out with timeout, and the late reply is dropped (its alias is gone)", "[runtime][calls]") {
  Runtime rt;
  Inbox in(rt);
  Term gate = spawn_gate(rt);
  Term x = spawn_caller(rt, in.pid(), gate, 30);
  CHECK(recv(in) == T({A("outcome"), T({A("error"), A("timeout")})}));
  rt.send(gate, T({A("release"), A("late")}));
  rt.send(gate, T({A("send_to"), x, A("marker")}));  // from the gate, so after its reply
  CHECK(recv(in) == A("marker"));
  CHECK(rt.is_alive(x));
}

TEST_CASE("calling a dead process or a missing name gives noproc", "[runtime][calls]") {
  Runtime rt;
  Inbox in(rt);
  Term dead = spawn_fn2(rt, [](Process& self) { self.exit(A("normal")); }, [](Process&, Term) {});
  await_exit(rt, dead);
  spawn_caller(rt, in.pid(), dead, 5000);
  CHECK(recv(in) == T({A("outcome"), T({A("error"), A("noproc")})}));
  spawn_caller(rt, in.pid(), dead, kInfinity);
  CHECK(recv(in) == T({A("outcome"), T({A("error"), A("noproc")})}));
  spawn_caller(rt, in.pid(), A("rt_test_no_such_server"), 5000);
  CHECK(recv(in) == T({A("outcome"), T({A("error"), A("noproc")})}));
  CHECK_FALSE(rt.call(dead, atoms::gen_call, A("x"), 1000).ok);
}

TEST_CASE("calling self gives calling_self", "[runtime][calls]") {
  Runtime rt;
  Inbox in(rt);
  Term to = in.pid();
  spawn_fn2(rt, [to](Process& self) {
    self.call(self.self(), atoms::gen_call, A("x"), 5000, [to](Process& self, CallOutcome out) {
      self.send(to, outcome_term(out));
    });
  }, [](Process&, Term) {});
  CHECK(recv(in) == T({A("error"), A("calling_self")}));
}

TEST_CASE("the callee's exit reason is the call's error", "[runtime][calls]") {
  Runtime rt;
  Inbox in(rt);
  Term gate = spawn_gate(rt);
  Term x = spawn_caller(rt, in.pid(), gate, 5000);
  await_queued(rt, in, gate, 0);
  REQUIRE(ask(rt, in, x, [](Process& self) { return A(self.in_call() ? "waiting" : "no"); }) == A("waiting"));
  rt.exit(gate, A("crashed"));
  CHECK(recv(in) == T({A("outcome"), T({A("error"), A("crashed")})}));
}

TEST_CASE("a call sends gen.erl's message: [alias|Mref] with a timeout, plain Mref with infinity", "[runtime][calls]") {
  Runtime rt;
  Inbox in(rt);
  Term server = spawn_forwarder(rt, in.pid());
  Term x = spawn_caller(rt, in.pid(), server, 5000);
  Term m = recv(in);
  REQUIRE(m.is_tuple());
  REQUIRE(m.tuple_arity() == 3);
  CHECK(m.element(0).is_atom(atoms::gen_call));
  CHECK(m.element(2) == A("request"));
  Term from = m.element(1);
  CHECK(from.element(0) == x);
  Term tag = from.element(1);
  REQUIRE(tag.is_cons());
  CHECK(tag.head() == A("alias"));
  CHECK(tag.tail().is_reference());
  rt.send(tag.tail(), T({tag, A("answer")}));  // reply to the alias, as gen:reply does
  CHECK(recv(in) == T({A("outcome"), T({A("ok"), A("answer")})}));

  Term y = spawn_caller(rt, in.pid(), server, kInfinity);
  m = recv(in);
  from = m.element(1);
  CHECK(from.element(0) == y);
  REQUIRE(from.element(1).is_reference());
  rt.send(y, T({from.element(1), A("plain")}));  // reply to the pid
  CHECK(recv(in) == T({A("outcome"), T({A("ok"), A("plain")})}));
}

TEST_CASE("a call from a non-runtime thread blocks until the outcome", "[runtime][calls]") {
  Runtime rt;
  Term echo = spawn_fn(rt, [](Process& self, Term m) {
    const Term& from = m.element(1);
    const Term& tag = from.element(1);
    self.send(tag.is_cons() ? tag.tail() : from.element(0), T({tag, m.element(2)}));
  });
  CallOutcome out = rt.call(echo, atoms::gen_call, A("ping"), 5000);
  CHECK(out.ok);
  CHECK(out.value == A("ping"));
  out = rt.call(echo, atoms::gen_call, A("pong"), kInfinity);
  CHECK(out.ok);
  CHECK(out.value == A("pong"));
  Term gate = spawn_gate(rt);
  out = rt.call(gate, atoms::gen_call, A("x"), 20);
  CHECK_FALSE(out.ok);
  CHECK(out.value == A("timeout"));
}

TEST_CASE("an exit signal still ends a process waiting in a call", "[runtime][calls]") {
  Runtime rt;
  Inbox in(rt);
  Term gate = spawn_gate(rt);
  Term x = spawn_caller(rt, in.pid(), gate, kInfinity);
  REQUIRE(ask(rt, in, x, [](Process& self) { return A(self.in_call() ? "waiting" : "no"); }) == A("waiting"));
  Term ref = monitor_from(in, x);
  rt.exit(x, A("stop"));
  CHECK(await_down(in, ref).element(4) == A("stop"));
}

TEST_CASE("a process waiting in a call does not hold its worker", "[runtime][calls]") {
  RuntimeConfig cfg;
  cfg.workers = 1;
  Runtime rt(cfg);
  Inbox in(rt);
  Term gate = spawn_gate(rt);
  Term x = spawn_caller(rt, in.pid(), gate, kInfinity);
  Term echo = spawn_forwarder(rt, in.pid());
  for (int i = 0; i < 100; ++i) {
    rt.send(echo, I(i));
    CHECK(recv(in) == I(i));
  }
  rt.send(gate, T({A("release"), A("fine")}));
  CHECK(recv(in) == T({A("outcome"), T({A("ok"), A("fine")})}));
  (void)x;
}

TEST_CASE("a selective receive takes the first matching message and the others follow in order", "[runtime][calls]") {
  Runtime rt;
  Inbox in(rt);
  Term to = in.pid();
  Term x = spawn_fn2(rt, [to](Process& self) {
    self.receive([](const Term& m) { return m.is_tuple() && m.element(0) == A("wanted"); }, 5000,
                 [to](Process& self, std::optional<Term> m) { self.send(to, T({A("took"), *m})); });
  }, [to](Process& self, Term m) { self.send(to, std::move(m)); });
  rt.send(x, I(1));
  rt.send(x, I(2));
  await_queued(rt, in, x, 2);
  rt.send(x, T({A("wanted"), I(3)}));
  rt.send(x, I(4));
  CHECK(recv(in) == T({A("took"), T({A("wanted"), I(3)})}));
  CHECK(recv(in) == I(1));
  CHECK(recv(in) == I(2));
  CHECK(recv(in) == I(4));
}

TEST_CASE("a selective receive sees messages already queued, DOWNs in tuple form, and times out", "[runtime][calls]") {
  Runtime rt;
  Inbox in(rt);
  Term to = in.pid();
  Term victim = spawn_idle(rt);
  Term x = spawn_fn2(rt, [to, victim](Process& self) {
    Term ref = self.monitor(victim);
    self.send(self.self(), A("early"));
    self.send(to, A("ready"));
    self.receive([](const Term& m) { return m == A("early"); }, 5000, [to, ref](Process& self, std::optional<Term> m) {
      self.send(to, T({A("first"), *m}));
      self.receive([ref](const Term& m) { return is_down_for(m, ref); }, 5000,
                   [to](Process& self, std::optional<Term> m) {
                     self.send(to, T({A("down"), m->element(4)}));
                     self.receive([](const Term&) { return false; }, 20, [to](Process& self, std::optional<Term> m) {
                       self.send(to, A(m ? "got" : "timeout"));
                     });
                   });
    });
  }, [](Process&, Term) {});
  CHECK(recv(in) == A("ready"));
  CHECK(recv(in) == T({A("first"), A("early")}));
  rt.exit(victim, A("kill"));
  CHECK(recv(in) == T({A("down"), A("killed")}));
  CHECK(recv(in) == A("timeout"));
  (void)x;
}

TEST_CASE("the blocking call refuses to run on a worker thread", "[runtime][calls]") {
  Runtime rt;
  Inbox in(rt);
  Term to = in.pid();
  Term echo = spawn_idle(rt);
  spawn_fn2(rt, [to, echo](Process& self) {
    CallOutcome o = self.runtime().call(echo, atoms::gen_call, A("x"), 1000);
    self.send(to, T({A(o.ok ? "ok" : "error"), o.value}));
  }, [](Process&, Term) {});
  CHECK(recv(in) == T({A("error"), A("blocking_call_on_worker")}));
}

TEST_CASE("a completed call leaves no monitor behind on either side", "[runtime][calls]") {
  Runtime rt;
  Inbox in(rt);
  Term echo = spawn_fn(rt, [](Process& self, Term m) {
    const Term& from = m.element(1);
    const Term& tag = from.element(1);
    self.send(tag.is_cons() ? tag.tail() : from.element(0), T({tag, m.element(2)}));
  });
  Term to = in.pid();
  // Calls with a timeout ([alias|Mref] tags) and without (plain Mref), many of each.
  struct Looper : ProcessBehavior {
    Term echo, to;
    int n = 0;
    Looper(Term e, Term t) : echo(std::move(e)), to(std::move(t)) {}
    void init(Process& self) override { step(self); }
    void handle_message(Process&, Term) override {}
    void step(Process& self) {
      if (n == 200) {
        self.send(to, T({A("done"), I(int64_t(self.monitors().size()))}));
        return;
      }
      int64_t timeout = (n++ % 2) ? 5000 : kInfinity;
      self.call(echo, atoms::gen_call, A("x"), timeout, [this](Process& self, CallOutcome) { step(self); });
    }
  };
  REQUIRE(rt.spawn(std::make_unique<Looper>(echo, to)).ok());
  CHECK(recv(in) == T({A("done"), I(0)}));
  CHECK(ask(rt, in, echo, [](Process& self) { return I(int64_t(self.monitored_by().size())); }) == I(0));
}

TEST_CASE("a reply-shaped message through a plain monitor's alias does not end the monitor", "[runtime][calls]") {
  Runtime rt;
  Inbox in(rt);
  // y sends {[alias|A], hello} to the alias A it is given, then exits: only a call's monitor
  // ends with its reply, so the watcher still gets y's DOWN.
  Term y = spawn_fn(rt, [](Process& self, Term alias) {
    self.send(alias, T({Term::cons(A("alias"), alias), A("hello")}));
    self.exit(A("after_reply"));
  });
  Term ref;
  REQUIRE(in.run([&](Process& p) {
    ref = p.monitor(y, MonitorAlias::demonitor);
    p.send(y, ref);
  }));
  CHECK(recv(in) == T({Term::cons(A("alias"), ref), A("hello")}));
  CHECK(await_down(in, ref).element(4) == A("after_reply"));
}

TEST_CASE("a second wait before the first one's continuation ran ends the process with already_waiting", "[runtime][calls]") {
  Runtime rt;
  Inbox in(rt);
  Term silent = spawn_idle(rt);
  Watched w = spawn_watched(in, [silent](Process& self) {
    self.call(silent, atoms::gen_call, A("one"), kInfinity, [](Process&, CallOutcome) {});
    self.call(silent, atoms::gen_call, A("two"), kInfinity, [](Process&, CallOutcome) {});
  }, [](Process&, Term) {});
  CHECK(exit_reason(in, w) == T({A("badarg"), A("already_waiting")}));
}
