// Links and exit signals (checked against erl 25: see the rules in daemon/runtime/links.cpp).
#include <stdexcept>

#include "support.h"

using namespace rt_test;
namespace atoms = ergod::term::atoms;

namespace {

// A process that runs init, then forwards every message to the inbox, which monitors it.
template <class Init>
Watched subject(Inbox& in, Init init, bool trap = false) {
  SpawnOptions o;
  o.trap_exit = trap;
  Term to = in.pid();
  return spawn_watched(in, std::move(init), [to](Process& self, Term m) { self.send(to, std::move(m)); }, o);
}

bool is_exit_from(const Term& m, const Term& from) {
  return m.is_tuple() && m.tuple_arity() == 3 && m.element(0).is_atom(atoms::EXIT) && m.element(1) == from;
}

// Spawns, from self, a linked and monitored child that ends with reason (after init) and
// reports {child, Pid} to `to`.
void spawn_linked_ending(Process& self, const Term& to, Term reason) {
  SpawnOptions o;
  o.link = true;
  o.monitor = true;
  auto r = self.spawn(make_behavior([reason](Process& c) { c.exit(reason); }, [](Process&, Term) {}), o);
  self.send(to, T({A("child"), r->pid}));
}

}  // namespace

TEST_CASE("an exit with reason normal does not kill a linked process", "[runtime][links]") {
  Runtime rt;
  Inbox in(rt);
  Term to = in.pid();
  Term a = subject(in, [to](Process& self) { spawn_linked_ending(self, to, A("normal")); }).pid;
  Term child = recv(in).element(1);
  Term down = recv(in);  // the child's DOWN, forwarded: its link signal came before it
  CHECK(is_down_for(down, down.element(1)));
  CHECK(down.element(3) == child);
  rt.send(a, A("still_here"));
  CHECK(recv(in) == A("still_here"));
  CHECK(rt.is_alive(a));
}

TEST_CASE("an abnormal exit kills a linked process that does not trap exits, with the same reason", "[runtime][links]") {
  Runtime rt;
  Inbox in(rt);
  Term to = in.pid();
  Watched a = subject(in, [to](Process& self) { spawn_linked_ending(self, to, A("boom")); });
  CHECK(exit_reason(in, a) == A("boom"));
}

TEST_CASE("a trapped exit arrives as an EXIT message", "[runtime][links]") {
  Runtime rt;
  Inbox in(rt);
  Term to = in.pid();
  Term a = subject(in, [to](Process& self) { spawn_linked_ending(self, to, A("boom")); }, true).pid;
  Term child = recv(in).element(1);
  Term m = recv(in);
  CHECK(is_exit_from(m, child));
  CHECK(m.element(2) == A("boom"));
  CHECK(rt.is_alive(a));
}

TEST_CASE("kill is untrappable and linked processes see killed", "[runtime][links]") {
  Runtime rt;
  Inbox in(rt);
  Term to = in.pid();
  Watched wb = subject(in, [](Process&) {}, true);  // traps exits, still dies
  Term b = wb.pid;
  Term a = subject(in, [b, to](Process& self) {
    self.link(b);
    self.send(to, A("linked"));
  }, true).pid;
  CHECK(recv(in) == A("linked"));
  rt.exit(b, A("kill"));
  Term m = recv_if(in, [&](const Term& t) { return is_exit_from(t, b); });
  CHECK(m.element(2) == A("killed"));
  CHECK(exit_reason(in, wb) == A("killed"));
  CHECK(rt.is_alive(a));
}

TEST_CASE("exit(kill) through a link is an ordinary reason: trapped as kill, or ends others with kill", "[runtime][links]") {
  Runtime rt;
  Inbox in(rt);
  Term to = in.pid();
  Term trapper = subject(in, [to](Process& self) { spawn_linked_ending(self, to, A("kill")); }, true).pid;
  Term child = recv(in).element(1);
  Term m = recv_if(in, [&](const Term& t) { return is_exit_from(t, child); });
  CHECK(m.element(2) == A("kill"));
  CHECK(rt.is_alive(trapper));

  Watched plain = subject(in, [to](Process& self) { spawn_linked_ending(self, to, A("kill")); });
  CHECK(exit_reason(in, plain) == A("kill"));  // kill, not killed
}

TEST_CASE("exit(self, normal) ends a process; exit(other, normal) is ignored unless it traps exits", "[runtime][links]") {
  Runtime rt;
  Inbox in(rt);
  Term to = in.pid();
  Watched selfish = spawn_watched(in, [](Process& self) { self.exit(self.self(), A("normal")); },
                                  [](Process&, Term) {});
  CHECK(exit_reason(in, selfish) == A("normal"));

  Term plain = spawn_forwarder(rt, to);
  rt.exit(plain, A("normal"));
  rt.send(plain, A("after"));  // same sender, so it arrives after the exit signal
  CHECK(recv(in) == A("after"));
  CHECK(rt.is_alive(plain));

  SpawnOptions trap;
  trap.trap_exit = true;
  Term trapper = spawn_forwarder(rt, to, trap);
  rt.exit(trapper, A("normal"));
  Term m = recv(in);
  CHECK(is_exit_from(m, rt.outside_pid()));
  CHECK(m.element(2) == A("normal"));

  rt.exit(trapper, A("shutdown"));
  CHECK(recv(in) == T({Term::atom(atoms::EXIT), rt.outside_pid(), A("shutdown")}));
  Term pref = monitor_from(in, plain);
  rt.exit(plain, A("shutdown"));
  CHECK(await_down(in, pref).element(4) == A("shutdown"));
}

TEST_CASE("linking to a dead process gives noproc: an EXIT when trapping, else the linker ends", "[runtime][links]") {
  Runtime rt;
  Inbox in(rt);
  Term to = in.pid();
  Term dead = spawn_fn2(rt, [](Process& self) { self.exit(A("normal")); }, [](Process&, Term) {});
  await_exit(rt, dead);
  Term trapper = subject(in, [dead, to](Process& self) {
    bool ok = self.link(dead);
    self.send(to, A(ok ? "link_true" : "link_false"));
  }, true).pid;
  CHECK(recv(in) == A("link_true"));
  Term m = recv(in);
  CHECK(is_exit_from(m, dead));
  CHECK(m.element(2) == A("noproc"));
  CHECK(rt.is_alive(trapper));

  Watched plain = subject(in, [dead, to](Process& self) {
    bool ok = self.link(dead);
    self.send(to, A(ok ? "link_true" : "link_false"));
  });
  CHECK(recv(in) == A("link_false"));
  CHECK(exit_reason(in, plain) == A("noproc"));
}

TEST_CASE("unlink is final: no exit signal arrives through a removed link", "[runtime][links]") {
  Runtime rt;
  Inbox in(rt);
  Term to = in.pid();
  Term b = spawn_fn(rt, [](Process& self, Term m) { if (m == A("die")) self.exit(A("boom")); });
  Term a = subject(in, [b](Process& self) {
    self.link(b);
    self.monitor(b);
    self.unlink(b);
    self.send(b, A("die"));
  }, true).pid;
  Term first = recv(in);
  CHECK(first.element(0).is_atom(atoms::DOWN));  // and no EXIT before it
  CHECK(first.element(4) == A("boom"));
  CHECK(rt.is_alive(a));
}

TEST_CASE("spawn_link links both ways before the child runs", "[runtime][links]") {
  Runtime rt;
  Inbox in(rt);
  Term to = in.pid();
  // The child ends in its very first callback: the parent must already be linked.
  Watched parent = subject(in, [to](Process& self) { spawn_linked_ending(self, to, A("early")); });
  CHECK(exit_reason(in, parent) == A("early"));
  recv_if(in, [](const Term& m) { return m.is_tuple() && m.element(0) == A("child"); });

  // And the other way: the parent ends, the child (not trapping) follows.
  Term parent2 = subject(in, [to](Process& self) {
    SpawnOptions o;
    o.link = true;
    auto c = self.spawn(make_behavior([](Process&, Term) {}), o);
    self.send(to, T({A("child"), c->pid}));
  }).pid;
  Term child = recv_if(in, [](const Term& m) { return m.is_tuple() && m.element(0) == A("child"); }).element(1);
  Term cref = monitor_from(in, child);
  rt.exit(parent2, A("stop_now"));
  CHECK(await_down(in, cref).element(4) == A("stop_now"));
}

TEST_CASE("a C++ exception escaping a callback ends the process with cxx_exception", "[runtime][links]") {
  Runtime rt;
  Term p = spawn_fn(rt, [](Process&, Term) { throw std::runtime_error("bad thing"); });
  Inbox in(rt);
  Term ref = monitor_from(in, p);
  rt.send(p, A("go"));
  CHECK(await_down(in, ref).element(4) == T({A("cxx_exception"), Term::binary(std::string_view("bad thing"))}));
}
