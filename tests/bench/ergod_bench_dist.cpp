// The ergod client of tests/bench/compare.sh's distributed workloads: a node of its own
// (Runtime + Distribution) that drives the `echo` server of another node (ergod or erl; the
// protocol is shared/interop/README.md) and prints "name value" lines, as erlang_dist.erl does:
//   dist_call_1, dist_call_64: 1 / 64 caller processes each calling {echo, Server} with
//                              {echo, bench} in a loop for SECONDS (calls/s, all callers)
//   dist_send_64B, _1KiB:      one-way messages/s: one process sends batches of 1000 plain
//                              messages {echo, Dead, Bin} to {echo, Server} (echo sends Bin to
//                              Dead, a dead pid on the server's own node: dropped there, so
//                              nothing comes back), each batch followed by a `ping` call, which
//                              returns only after echo handled the whole batch
//   dist_echo_1MiB_us:         microseconds per call of {echo, <<1 MiB>>} (one caller)
// Every wait is Process::call's continuation (gen_server::call): no worker thread blocks.
// Usage: ergod_bench_dist SERVER_NODE COOKIE EPMD_PORT [SECONDS] [OWN_NODE_NAME]
// (the EPMD at 127.0.0.1:EPMD_PORT must already run: the server's, or erl's).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "behaviors/gen_server.h"
#include "dist/distribution.h"
#include "base/log.h"
#include "runtime/inbox.h"
#include "runtime/runtime.h"

using namespace ergod;
using namespace ergod::runtime;
using term::Atom;
using term::Term;
namespace atoms = term::atoms;
namespace gs = ergod::behaviors::gen_server;

namespace {

constexpr int kBatch = 1000;

uint64_t now_us() {
  return uint64_t(std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::steady_clock::now().time_since_epoch())
                      .count());
}

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "ergod_bench_dist: %s\n", what.c_str());
  std::exit(1);
}

// Calls dest with request until the deadline (checked before every call: with remote calls
// a coarser check would overshoot by seconds), then reports its count.
class Caller : public ProcessBehavior {
 public:
  Caller(Term dest, Term request, Term report, uint64_t deadline_us)
      : dest_(std::move(dest)), request_(std::move(request)), report_(std::move(report)), deadline_(deadline_us) {}
  void init(Process& self) override { next(self); }
  void handle_message(Process&, Term) override {}

 private:
  void next(Process& self) {
    if (now_us() >= deadline_) {
      self.send(report_, Term::integer(int64_t(n_)));
      self.exit(Term::atom(atoms::normal));
      return;
    }
    gs::call(self, dest_, request_, 30000, [this](Process& self, Term) {
      ++n_;
      next(self);
    });
  }
  Term dest_, request_, report_;
  uint64_t deadline_;
  uint64_t n_ = 0;
};

// Sends batches of kBatch messages, each batch followed by a ping call, until the deadline.
class Sender : public ProcessBehavior {
 public:
  Sender(Term dest, Term message, Term report, uint64_t deadline_us)
      : dest_(std::move(dest)), message_(std::move(message)), report_(std::move(report)), deadline_(deadline_us) {}
  void init(Process& self) override { next(self); }
  void handle_message(Process&, Term) override {}

 private:
  void next(Process& self) {
    if (now_us() >= deadline_) {
      self.send(report_, Term::integer(int64_t(n_)));
      self.exit(Term::atom(atoms::normal));
      return;
    }
    for (int i = 0; i < kBatch; ++i) self.send(dest_, message_);
    gs::call(self, dest_, ping_, 30000, [this](Process& self, Term) {
      n_ += kBatch;
      next(self);
    });
  }
  Term dest_, message_, report_;
  Term ping_ = Term::atom("ping");
  uint64_t deadline_;
  uint64_t n_ = 0;
};

struct Bench {
  Runtime& rt;
  Term echo;  // {echo, ServerNode}
  double secs;

  // Spawns n processes made by make(report, deadline), waits for their counts; returns the
  // total count and the elapsed seconds.
  template <class Make>
  std::pair<uint64_t, double> run(int n, Make make) {
    Inbox inbox(rt);
    uint64_t start = now_us();
    uint64_t deadline = start + uint64_t(secs * 1e6);
    for (int i = 0; i < n; ++i)
      if (!rt.spawn(make(inbox.pid(), deadline)).ok()) die("spawn failed");
    uint64_t total = 0;
    for (int i = 0; i < n; ++i) {
      auto m = inbox.receive(std::chrono::milliseconds(uint64_t(secs * 1000) + 120000));
      if (!m) die("a client process did not report (server gone?)");
      total += uint64_t(m->small_value());
    }
    return {total, double(now_us() - start) / 1e6};
  }

  double calls(int callers, const Term& request) {
    auto [n, elapsed] = run(callers, [&](Term report, uint64_t deadline) {
      return std::make_unique<Caller>(echo, request, report, deadline);
    });
    return double(n) / elapsed;
  }

  double sends(const Term& message) {
    auto [n, elapsed] = run(1, [&](Term report, uint64_t deadline) {
      return std::make_unique<Sender>(echo, message, report, deadline);
    });
    return double(n) / elapsed;
  }

  double echo_us(const Term& request) {
    auto [n, elapsed] = run(1, [&](Term report, uint64_t deadline) {
      return std::make_unique<Caller>(echo, request, report, deadline);
    });
    return n ? elapsed * 1e6 / double(n) : 0;
  }

  CallOutcome call(const Term& request, int64_t timeout = 10000) { return gs::call(rt, echo, request, timeout); }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: ergod_bench_dist SERVER_NODE COOKIE EPMD_PORT [SECONDS] [OWN_NODE_NAME]\n");
    return 2;
  }
  std::string server = argv[1];
  double secs = argc > 4 ? std::atof(argv[4]) : 2.0;
  std::string own = argc > 5 ? argv[5] : "benchcli" + std::to_string(getpid()) + "@localhost";

  // Only warnings and errors: the report on stdout stays the only output of a normal run.
  set_log_sink([](LogLevel l, std::string_view m) {
    if (l >= LogLevel::warning) std::fprintf(stderr, "ergod_bench_dist: %.*s\n", int(m.size()), m.data());
  });
  dist::DistributionOptions o;
  o.dist.node_name = own;
  o.dist.cookie = argv[2];
  o.dist.listen_address = "127.0.0.1";
  o.dist.epmd_port = uint16_t(std::atoi(argv[3]));
  o.epmd.port = o.dist.epmd_port;
  o.epmd.mode = dist::EpmdMode::external;
  auto d = std::make_unique<dist::Distribution>(o);
  auto creation = d->start();
  if (!creation) die("cannot start distribution: " + creation.error());
  RuntimeConfig rc;
  rc.node_name = own;
  rc.creation = creation.value();
  if (const char* w = std::getenv("ERGOD_BENCH_WORKERS")) rc.workers = unsigned(std::atoi(w));
  auto rt = std::make_unique<Runtime>(rc);
  d->attach(*rt);

  Bench b{*rt, Term::tuple({Term::atom("echo"), Term::atom(server)}), secs};
  // The server may still be starting: retry ping for up to 15 s.
  for (int i = 0;; ++i) {
    auto r = b.call(Term::atom("ping"), 2000);
    if (r.ok) break;
    if (i >= 75) die("no answer from {echo, " + server + "}");
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  // A dead pid on the server's node for the one-way workloads: echo's pid before a restart.
  auto old = b.call(Term::atom("self"));
  if (!old.ok) die("self call failed");
  (void)b.call(Term::tuple({Term::atom("stop"), Term::atom(atoms::normal)}));
  for (int i = 0;; ++i) {
    auto r = b.call(Term::atom("self"), 2000);
    if (r.ok && r.value != old.value) break;
    if (i >= 75) die("echo did not come back after {stop, normal}");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  Term dead = old.value;

  // ERGOD_BENCH_ONLY=NAME runs one workload (for profiling).
  const char* only = std::getenv("ERGOD_BENCH_ONLY");
  auto report = [only, &d](const char* name, auto measure) {
    if (only && std::string(only) != name) return;
    uint64_t in = d->messages_in(), by_workers = d->messages_read_by_workers();
    std::printf("%s %.0f\n", name, measure());
    std::fflush(stdout);
    // Profiling a single workload: also who read the replies (the loop thread or idle workers).
    if (only)
      std::fprintf(stderr, "%s: %llu messages in, %llu read by workers\n", name,
                   (unsigned long long)(d->messages_in() - in),
                   (unsigned long long)(d->messages_read_by_workers() - by_workers));
  };
  Term small = Term::tuple({Term::atom("echo"), Term::atom("bench")});
  std::string b64(64, 'x'), b1k(1024, 'x'), b1m(1 << 20, 'x');
  report("dist_call_1", [&] { return b.calls(1, small); });
  report("dist_call_64", [&] { return b.calls(64, small); });
  report("dist_send_64B", [&] { return b.sends(Term::tuple({Term::atom("echo"), dead, Term::binary(b64)})); });
  report("dist_send_1KiB", [&] { return b.sends(Term::tuple({Term::atom("echo"), dead, Term::binary(b1k)})); });
  report("dist_echo_1MiB_us", [&] { return b.echo_us(Term::tuple({Term::atom("echo"), Term::binary(b1m)})); });
  // echo stores no events for these workloads; nothing to clear.

  d->stop();
  rt.reset();
  d.reset();
  set_log_sink(nullptr);
  return 0;
}
