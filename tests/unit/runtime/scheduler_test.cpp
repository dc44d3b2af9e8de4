// The scheduler: one message at a time per process, fairness, every worker used, cleanup.
#include <atomic>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "runtime/scheduler.h"
#include "support.h"

using namespace rt_test;

TEST_CASE("a process handles one message at a time, even with several workers and senders", "[runtime][scheduler]") {
  Runtime rt;
  Inbox in(rt);
  struct State {
    std::atomic<bool> inside{false};
    std::atomic<int64_t> overlaps{0};
    int64_t count = 0;
  };
  auto st = std::make_shared<State>();
  constexpr int kThreads = 3, kProcs = 3, kEach = 20000;
  Term to = in.pid();
  Term p = spawn_fn(rt, [st, to](Process& self, Term) {
    if (st->inside.exchange(true)) st->overlaps.fetch_add(1);
    volatile int spin = 0;
    for (int i = 0; i < 50; ++i) spin = spin + i;
    st->inside.store(false);
    if (++st->count == int64_t(kThreads + kProcs) * kEach) self.send(to, I(st->overlaps.load()));
  });
  for (int i = 0; i < kProcs; ++i)
    spawn_fn2(rt, [p](Process& self) { for (int j = 0; j < kEach; ++j) self.send(p, I(j)); }, [](Process&, Term) {});
  std::vector<std::thread> ts;
  for (int i = 0; i < kThreads; ++i)
    ts.emplace_back([&rt, p] { for (int j = 0; j < kEach; ++j) rt.send(p, I(j)); });
  for (auto& t : ts) t.join();
  CHECK(recv(in, 60s) == I(0));
}

TEST_CASE("a busy process yields after a batch so others on its worker still run", "[runtime][scheduler]") {
  RuntimeConfig cfg;
  cfg.workers = 1;
  Runtime rt(cfg);
  Inbox in(rt);
  // It always has a message waiting: it sends itself one for each it handles.
  Term busy = spawn_fn2(rt, [](Process& self) { self.send(self.self(), A("spin")); },
                        [](Process& self, Term) { self.send(self.self(), A("spin")); });
  Term echo = spawn_forwarder(rt, in.pid());
  for (int i = 0; i < 50; ++i) {
    rt.send(echo, I(i));
    CHECK(recv(in) == I(i));
  }
  Term ref = monitor_from(in, busy);
  rt.exit(busy, A("kill"));
  CHECK(await_down(in, ref).element(4) == A("killed"));
}

TEST_CASE("every worker thread runs processes", "[runtime][scheduler]") {
  RuntimeConfig cfg;
  cfg.workers = 2;
  Runtime rt(cfg);
  Inbox in(rt);
  // Two processes wait for each other inside a callback: both must run at once.
  auto arrived = std::make_shared<std::atomic<int>>(0);
  Term to = in.pid();
  for (int i = 0; i < 2; ++i)
    spawn_fn2(rt, [arrived, to](Process& self) {
      arrived->fetch_add(1);
      auto until = std::chrono::steady_clock::now() + 20s;
      while (arrived->load() < 2 && std::chrono::steady_clock::now() < until) std::this_thread::yield();
      std::ostringstream id;
      id << std::this_thread::get_id();
      self.send(to, T({A(arrived->load() == 2 ? "met" : "alone"), Term::binary(id.str())}));
    }, [](Process&, Term) {});
  Term a = recv(in, 30s), b = recv(in, 30s);
  CHECK(a.element(0) == A("met"));
  CHECK(b.element(0) == A("met"));
  CHECK(a.element(1) != b.element(1));
}

TEST_CASE("processes that spawn and exit leave nothing behind", "[runtime][scheduler]") {
  Runtime rt;
  size_t before = rt.process_count();
  Inbox in(rt);
  Term to = in.pid();
  constexpr int kN = 20000;
  spawn_fn2(rt, [to](Process& self) {
    for (int i = 0; i < kN; ++i) {
      auto r = self.spawn(make_behavior([](Process& c) { c.exit(A("normal")); }, [](Process&, Term) {}));
      if (!r.ok()) break;
    }
    self.send(to, A("spawned"));
    self.exit(A("normal"));
  }, [](Process&, Term) {});
  CHECK(recv(in, 60s) == A("spawned"));
  auto until = std::chrono::steady_clock::now() + 60s;
  while (rt.process_count() > before + 1 && std::chrono::steady_clock::now() < until) std::this_thread::yield();
  CHECK(rt.process_count() == before + 1);  // the inbox
}

TEST_CASE("a process is small: no links, monitors or timers cost nothing until used", "[runtime][scheduler]") {
  CHECK(sizeof(Process) <= 128);
}

// A stand-in for the distribution's WorkerPoll: a poll 20 us (a loopback round trip) after
// the request "reads" the reply for the caller, as NodeLink::poll_thread delivers one.
namespace {
std::atomic<Runtime*> poll_runtime{nullptr};
std::atomic<int64_t> poll_due{0};  // steady_clock ns when the reply is there; 0: none pending
Term poll_target;

int64_t steady_ns() { return std::chrono::steady_clock::now().time_since_epoch() / 1ns; }

bool poll_one_message() {
  int64_t due = poll_due.load();
  if (!due || steady_ns() < due || !poll_due.compare_exchange_strong(due, 0)) return false;
  poll_runtime.load()->send(poll_target, A("reply"));
  return true;
}
}  // namespace

TEST_CASE("a worker that runs what its own poll woke leaves the other worker asleep", "[runtime][scheduler]") {
  RuntimeConfig cfg;
  cfg.workers = 2;
  Runtime rt(cfg);
  Inbox in(rt);
  constexpr int kRounds = 1000;
  auto count = std::make_shared<int>(0);
  Term to = in.pid();
  // A lone remote caller: it handles a reply, "sends" the next request and waits again.
  poll_target = spawn_fn(rt, [count, to](Process& self, Term) {
    if (++*count == kRounds) return void(self.send(to, A("done")));
    poll_due.store(steady_ns() + 20'000);
  });
  poll_runtime.store(&rt);
  set_worker_poll(&poll_one_message);
  std::this_thread::sleep_for(20ms);  // both workers spin out and sleep
  uint64_t before = rt.worker_wakeups();
  // What the loop thread does when no worker polls (both slept: a slow machine): a reply not
  // polled 1 ms after it was due comes from outside, and wakes a worker, as it should.
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> from_outside{0};
  std::thread loop([&] {
    while (!stop.load()) {
      int64_t due = poll_due.load();
      if (due && steady_ns() > due + 1'000'000 && poll_due.compare_exchange_strong(due, 0)) {
        from_outside.fetch_add(1);
        rt.send(poll_target, A("reply"));
      }
      std::this_thread::sleep_for(100us);
    }
  });
  rt.send(poll_target, A("first"));  // wakes one worker; from then on its polls bring the replies
  CHECK(recv(in, 60s) == A("done"));
  stop.store(true);
  loop.join();
  uint64_t woken = rt.worker_wakeups() - before;
  set_worker_poll(nullptr);
  // Waking the second worker for each reply (about one round in six here) cost a lone remote
  // caller a quarter of its calls.
  CHECK(woken <= from_outside.load() + 20);
}
