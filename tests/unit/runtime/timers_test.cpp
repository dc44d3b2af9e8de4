// Timers: send_after and cancel_timer.
#include "support.h"

using namespace rt_test;

TEST_CASE("send_after delivers in deadline order, and same-deadline timers in the order they were set", "[runtime][timers]") {
  Runtime rt;
  Inbox in(rt);
  Term to = in.pid();
  spawn_fn2(rt, [to](Process& self) {
    self.send_after(30, to, I(3));
    self.send_after(10, to, I(1));
    self.send_after(20, to, I(2));
    for (int i = 0; i < 5; ++i) self.send_after(40, to, T({A("same"), I(i)}));
    self.send_after(0, to, I(0));
  }, [](Process&, Term) {});
  auto start = std::chrono::steady_clock::now();
  CHECK(recv(in) == I(0));
  CHECK(recv(in) == I(1));
  CHECK(recv(in) == I(2));
  CHECK(recv(in) == I(3));
  for (int i = 0; i < 5; ++i) CHECK(recv(in) == T({A("same"), I(i)}));
  CHECK(std::chrono::steady_clock::now() - start >= 35ms);  // never early
}

TEST_CASE("cancel_timer stops a pending timer and returns the time left, -1 once it fired", "[runtime][timers]") {
  Runtime rt;
  Inbox in(rt);
  Term to = in.pid();
  Term t1 = rt.send_after(10000, to, A("never"));
  int64_t left = rt.cancel_timer(t1);
  CHECK(left > 9000);
  CHECK(left <= 10000);
  CHECK(rt.cancel_timer(t1) == -1);
  Term t2 = rt.send_after(1, to, A("fired"));
  CHECK(recv(in) == A("fired"));
  CHECK(rt.cancel_timer(t2) == -1);
  CHECK(rt.cancel_timer(A("not_a_ref")) == -1);
  // The cancelled one never comes: a later timer arrives alone.
  rt.send_after(20, to, A("marker"));
  CHECK(recv(in) == A("marker"));
  CHECK(in.size() == 0);
}

TEST_CASE("send_after to a registered name resolves the name when it fires", "[runtime][timers]") {
  Runtime rt;
  Inbox in(rt);
  Atom name = Atom::make("rt_test_timer_target");
  rt.send_after(30, Term::atom(name), A("by_name"));
  REQUIRE(rt.register_name(name, spawn_forwarder(rt, in.pid())));
  CHECK(recv(in) == A("by_name"));
}
