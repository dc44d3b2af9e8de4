// The ergod side of tests/bench/compare.sh: the same local workloads as erlang_local.erl,
// printed as "name value" lines (calls/s, spawns+exits/s, bytes per idle process).
//   call_1, call_8, call_64: N caller processes each calling its own gen_server in a loop
//   call_64to1:              64 callers, one gen_server
//   spawn_exit:              a process spawns 500,000 processes that exit at once; the rate
//                            counts until the last has exited
//   idle_process_bytes:      heap bytes per idle process (100,000 of them, mallinfo2 delta,
//                            measured first, before the block pools hold recycled memory)
// Usage: ergod_bench_local [SECONDS_PER_CALL_WORKLOAD] [WORKERS]
// ERGOD_BENCH_ONLY=NAME runs one workload (for profiling).
#include <malloc.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "behaviors/gen_server.h"
#include "runtime/inbox.h"
#include "runtime/runtime.h"

using namespace ergod;
using namespace ergod::runtime;
using ergod::behaviors::GenServer;
using term::Term;
namespace atoms = term::atoms;

namespace {

uint64_t now_ms() {
  return uint64_t(std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now().time_since_epoch())
                      .count());
}

// handle_call(Req, _From, S) -> {reply, Req, S}.
class EchoServer : public GenServer {
 public:
  behaviors::CallResult handle_call(const Term& request, const Term&) override { return behaviors::Reply{request}; }
};

// Calls its server in a loop until the deadline (checked every 1024 calls, as the Erlang
// side does), then reports its count.
class Caller : public ProcessBehavior {
 public:
  Caller(Term server, Term report, uint64_t deadline)
      : server_(std::move(server)), report_(std::move(report)), deadline_(deadline) {}
  void init(Process& self) override { next(self); }
  void handle_message(Process&, Term) override {}

 private:
  void next(Process& self) {
    if ((n_ & 1023) == 0 && now_ms() >= deadline_) {
      self.send(report_, Term::integer(int64_t(n_)));
      self.exit(Term::atom(atoms::normal));
      return;
    }
    behaviors::gen_server::call(self, server_, ping_, behaviors::gen_server::kDefaultTimeout,
                                [this](Process& self, Term) {
                                  ++n_;
                                  next(self);
                                });
  }
  Term server_, report_;
  Term ping_ = Term::atom("ping");
  uint64_t deadline_;
  uint64_t n_ = 0;
};

// Polls gently: this thread must not take a core from the workers (Erlang's side polls
// from a process, on its schedulers).
void wait_for_count(Runtime& rt, size_t target) {
  while (rt.process_count() > target) std::this_thread::sleep_for(std::chrono::microseconds(100));
}

double run_calls(Runtime& rt, int callers, int servers, double secs) {
  std::vector<Term> pids;
  for (int i = 0; i < servers; ++i) {
    Term r = behaviors::gen_server::start(rt, std::make_unique<EchoServer>(), Term::nil());
    pids.push_back(r.element(1));
  }
  Inbox inbox(rt);
  uint64_t deadline = now_ms() + uint64_t(secs * 1000);
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < callers; ++i)
    if (!rt.spawn(std::make_unique<Caller>(pids[size_t(i % servers)], inbox.pid(), deadline)).ok()) std::abort();
  uint64_t total = 0;
  for (int i = 0; i < callers; ++i) {
    auto m = inbox.receive(std::chrono::seconds(60));
    if (!m) std::abort();
    total += uint64_t(m->small_value());
  }
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (auto& p : pids) (void)behaviors::gen_server::stop(rt, p);
  return double(total) / elapsed;
}

double calls(Runtime& rt, int callers, int servers, double secs) {
  size_t base = rt.process_count();
  double rate = run_calls(rt, callers, servers, secs);
  wait_for_count(rt, base);  // callers and the inbox gone: the next workload starts clean
  return rate;
}

double spawn_exit(Runtime& rt, int n) {
  size_t before = rt.process_count();
  auto start = std::chrono::steady_clock::now();
  auto spawner = rt.spawn(make_behavior(
      [n](Process& self) {
        for (int i = 0; i < n; ++i)
          if (!self.spawn(make_behavior([](Process& p) { p.exit(Term::atom(atoms::normal)); }, [](Process&, Term) {}))
                   .ok())
            std::abort();
        self.exit(Term::atom(atoms::normal));
      },
      [](Process&, Term) {}));
  if (!spawner.ok()) std::abort();
  wait_for_count(rt, before);
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return n / elapsed;
}

size_t heap_in_use() {
  struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

double idle_process_bytes(Runtime& rt, int n) {
  std::vector<Term> pids;
  pids.reserve(size_t(n));
  size_t before = heap_in_use();
  for (int i = 0; i < n; ++i) pids.push_back(rt.spawn(make_behavior([](Process&, Term) {}))->pid);
  size_t after = heap_in_use();
  size_t base = rt.process_count() - size_t(n);
  for (auto& p : pids) rt.send(p, Term::atom("stop")), rt.exit(p, Term::atom(atoms::kill));
  pids.clear();
  wait_for_count(rt, base);
  return double(after - before) / n;
}

}  // namespace

int main(int argc, char** argv) {
  double secs = argc > 1 ? std::atof(argv[1]) : 2.0;
  RuntimeConfig cfg;
  if (argc > 2) cfg.workers = unsigned(std::atoi(argv[2]));
  Runtime rt(cfg);
  const char* only = std::getenv("ERGOD_BENCH_ONLY");
  auto wanted = [only](const char* name) { return !only || std::string(only) == name; };
  auto report = [&](const char* name, auto measure) {
    if (!wanted(name)) return;
    std::printf("%s %.0f\n", name, measure());
    std::fflush(stdout);
  };
  // First, while the runtime's block pools are empty: later their recycled blocks would
  // not show in mallinfo2 and the figure would flatter us. Always, so that a workload run
  // alone starts from the state it has in a full run.
  double idle_bytes = idle_process_bytes(rt, 100000);
  report("call_1", [&] { return calls(rt, 1, 1, secs); });
  report("call_8", [&] { return calls(rt, 8, 8, secs); });
  report("call_64", [&] { return calls(rt, 64, 64, secs); });
  report("call_64to1", [&] { return calls(rt, 64, 1, secs); });
  report("spawn_exit", [&] { return spawn_exit(rt, 500000); });
  report("idle_process_bytes", [&] { return idle_bytes; });
  return 0;
}
