// Messages, pids, references and signal ordering.
#include <mutex>
#include <thread>
#include <vector>

#include "base/log.h"
#include "support.h"

using namespace rt_test;
namespace atoms = ergod::term::atoms;

TEST_CASE("a message sent to a pid arrives in the receiver's mailbox", "[runtime][messages]") {
  Runtime rt;
  Inbox in(rt);
  Term fwd = spawn_forwarder(rt, in.pid());
  REQUIRE(rt.send(fwd, T({A("hello"), I(42)})));
  CHECK(str(recv(in)) == "{hello,42}");
}

TEST_CASE("messages from each sender arrive in the order they were sent, across threads", "[runtime][messages]") {
  Runtime rt;  // one worker per core
  Inbox in(rt);
  constexpr int kSenders = 4, kEach = 250000;  // 1,000,000 messages
  struct State {
    int64_t last[kSenders];
    int64_t count = 0, errors = 0;
  };
  auto st = std::make_shared<State>();
  for (auto& l : st->last) l = -1;
  Term report = in.pid();
  Term receiver = spawn_fn(rt, [st, report](Process& self, Term m) {
    int64_t s = m.element(0).small_value(), seq = m.element(1).small_value();
    if (seq != st->last[s] + 1) ++st->errors;
    st->last[s] = seq;
    if (++st->count == int64_t(kSenders) * kEach) self.send(report, T({A("done"), I(st->errors)}));
  });
  // Two senders are processes (on workers), two are plain threads.
  for (int s = 0; s < 2; ++s)
    spawn_fn2(rt, [receiver, s](Process& self) {
      for (int i = 0; i < kEach; ++i) self.send(receiver, T({I(s), I(i)}));
    }, [](Process&, Term) {});
  std::vector<std::thread> threads;
  for (int s = 2; s < kSenders; ++s)
    threads.emplace_back([&rt, receiver, s] {
      for (int i = 0; i < kEach; ++i) rt.send(receiver, T({I(s), I(i)}));
    });
  for (auto& t : threads) t.join();
  Term done = recv(in, 60s);
  CHECK(str(done) == "{done,0}");
}

TEST_CASE("signals from one process to another keep their order whatever their kind", "[runtime][messages]") {
  Runtime rt;
  Inbox in(rt);
  SpawnOptions trap;
  trap.trap_exit = true;
  Term r = spawn_forwarder(rt, in.pid(), trap);
  spawn_fn2(rt, [r](Process& self) {
    for (int i = 0; i < 100; ++i) {
      self.send(r, I(i));
      self.exit(r, T({A("reason"), I(i)}));
    }
  }, [](Process&, Term) {});
  for (int i = 0; i < 100; ++i) {
    CHECK(recv(in) == I(i));
    Term e = recv(in);
    REQUIRE(e.is_tuple());
    CHECK(e.element(0).is_atom(atoms::EXIT));
    CHECK(e.element(2) == T({A("reason"), I(i)}));
  }
}

TEST_CASE("a send to a dead pid is dropped", "[runtime][messages]") {
  Runtime rt;
  Inbox in(rt);
  Watched w = spawn_watched(in, [](Process& self) { self.exit(A("normal")); }, [](Process&, Term) {});
  Term p = w.pid;
  CHECK(exit_reason(in, w) == A("normal"));
  CHECK(rt.send(p, A("lost")));  // Erlang's send to a dead pid succeeds and drops
  CHECK_FALSE(rt.is_alive(p));
}

TEST_CASE("a send to an unregistered name fails like badarg, {Name, Node} is dropped", "[runtime][messages]") {
  Runtime rt;
  CHECK_FALSE(rt.send(A("no_such_name"), A("x")));
  CHECK(rt.send(T({A("no_such_name"), Term::atom(rt.node())}), A("x")));
  CHECK_FALSE(rt.send(I(3), A("x")));
}

TEST_CASE("pids carry node, id, serial and creation, and a reused slot gets a new serial", "[runtime][messages]") {
  RuntimeConfig cfg;
  cfg.node_name = "ergod_test@localhost";
  cfg.creation = 7;
  Runtime rt(cfg);
  Term p1 = spawn_fn2(rt, [](Process& self) { self.exit(A("normal")); }, [](Process&, Term) {});
  auto* b = p1.as<ergod::term::PidBox>();
  CHECK(b->node.name() == "ergod_test@localhost");
  CHECK(b->creation == 7);
  CHECK(b->id != 0);
  await_exit(rt, p1);
  // Freed slots are reused (through per-thread caches, so churn a few thousand first).
  std::vector<Term> first, second;
  for (int i = 0; i < 3000; ++i) first.push_back(spawn_idle(rt));
  for (auto& p : first) rt.exit(p, A("kill"));
  for (auto& p : first) await_exit(rt, p);
  bool reused = false;
  for (int i = 0; i < 3000; ++i) second.push_back(spawn_idle(rt));
  for (auto& p : second) {
    auto* pb = p.as<ergod::term::PidBox>();
    for (auto& q : first) {
      auto* qb = q.as<ergod::term::PidBox>();
      if (pb->id == qb->id) {
        reused = true;
        CHECK(pb->serial != qb->serial);
        CHECK(p != q);
        CHECK_FALSE(rt.is_alive(q));
      }
    }
    if (reused) break;
  }
  CHECK(reused);
  CHECK_FALSE(rt.is_alive(p1));
  for (auto& p : second) rt.exit(p, A("kill"));
}

TEST_CASE("a pid of an old creation of this node is dead", "[runtime][messages]") {
  RuntimeConfig cfg;
  cfg.node_name = "ergod_test@localhost";
  cfg.creation = 2;
  Runtime rt(cfg);
  Inbox in(rt, /*trap_exit=*/true);
  Term live = spawn_forwarder(rt, in.pid());
  auto* b = live.as<ergod::term::PidBox>();
  Term old = Term::pid(b->node, b->id, b->serial, 1);  // same slot, previous creation
  CHECK_FALSE(rt.is_alive(old));
  rt.send(old, A("lost"));
  Term ref = monitor_from(in, old);
  CHECK(str(await_down(in, ref).element(4)) == "noproc");
  REQUIRE(in.run([&](Process& p) { p.link(old); }));
  Term e = recv(in);
  CHECK(e.element(0).is_atom(atoms::EXIT));
  CHECK(e.element(2).is_atom(atoms::noproc));
  CHECK(in.size() == 0);  // the forwarder got nothing
}

TEST_CASE("make_ref gives unique references with node, creation and 3 id words", "[runtime][messages]") {
  RuntimeConfig cfg;
  cfg.node_name = "ergod_test@localhost";
  cfg.creation = 3;
  Runtime rt(cfg);
  Term a = rt.make_ref(), b = rt.make_ref();
  REQUIRE(a.is_reference());
  auto* r = a.as<ergod::term::RefBox>();
  CHECK(r->len == 3);
  CHECK(r->node.name() == "ergod_test@localhost");
  CHECK(r->creation == 3);
  CHECK(a != b);
  Inbox in(rt);
  Term c;
  REQUIRE(in.run([&](Process& p) { c = p.make_ref(); }));
  CHECK(c != a);
  CHECK(c.as<ergod::term::RefBox>()->ids[0] == in.pid().as<ergod::term::PidBox>()->id);
}

TEST_CASE("run_in executes a function inside the process, and refuses a dead one", "[runtime][messages]") {
  Runtime rt;
  Inbox in(rt);
  Term fwd = spawn_forwarder(rt, in.pid());
  Term report = in.pid();
  REQUIRE(rt.run_in(fwd, [report](Process& self) { self.send(report, T({A("inside"), self.self()})); }));
  CHECK(recv(in) == T({A("inside"), fwd}));
  Term ref = monitor_from(in, fwd);
  rt.exit(fwd, A("kill"));
  await_down(in, ref);
  CHECK_FALSE(rt.run_in(fwd, [](Process&) {}));
}

TEST_CASE("a local send to a pid of an old creation is logged as erts logs it; a remote one is not", "[runtime][messages]") {
  std::mutex mu;
  std::vector<std::pair<ergod::LogLevel, std::string>> lines;
  ergod::set_log_sink([&](ergod::LogLevel l, std::string_view m) {
    std::lock_guard lock(mu);
    lines.emplace_back(l, std::string(m));
  });
  RuntimeConfig cfg;
  cfg.node_name = "ergod_test@localhost";
  cfg.creation = 2;
  Runtime rt(cfg);
  Inbox in(rt);
  auto* b = in.pid().as<ergod::term::PidBox>();
  Term old = Term::pid(b->node, 53, 0, 1);
  rt.deliver_send(old, A("from_afar"));  // another node's send: dropped without a word
  REQUIRE(in.run([&](Process& p) { p.send(old, T({A("hello"), in.pid()})); }));
  ergod::set_log_sink({});
  std::lock_guard lock(mu);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].first == ergod::LogLevel::error);
  std::string me = "<0." + std::to_string(b->id) + "." + std::to_string(b->serial) + ">";
  CHECK(lines[0].second == "Discarding message {hello," + me + "} from " + me +
                               " to <0.53.0> in an old incarnation (1) of this node (2)");
}
