// blocking: run_blocking, how the behaviors' Runtime& functions (gen_server::start, stop,
// supervisor::start*) wait on a non-worker thread for work done inside a temporary process.
// Internal to daemon/behaviors; not for other layers.
// Threads: run_blocking blocks the calling thread; on a worker thread it refuses at once
// (blocking a worker could deadlock the runtime) with {error, blocking_call_on_worker}.
#pragma once

#include <future>
#include <memory>

#include "runtime/process.h"
#include "runtime/runtime.h"

namespace ergod::behaviors::detail {

// Runs f(self, done) in a temporary process and blocks until done(self, result) is called;
// done ends the temporary process. {error, system_limit} when it cannot be spawned.
template <class F>
term::Term run_blocking(runtime::Runtime& rt, F f) {
  using term::Term;
  if (rt.on_worker_thread()) return Term::tuple({Term::atom(term::atoms::error), Term::atom("blocking_call_on_worker")});
  auto promise = std::make_shared<std::promise<Term>>();
  auto result = promise->get_future();
  auto spawned = rt.spawn(runtime::make_behavior(
      [f = std::move(f), promise](runtime::Process& self) mutable {
        f(self, [promise](runtime::Process& self, Term t) {
          promise->set_value(std::move(t));
          self.exit(Term::atom(term::atoms::normal));
        });
      },
      [](runtime::Process&, Term) {}));
  if (!spawned) return Term::tuple({Term::atom(term::atoms::error), Term::atom(term::atoms::system_limit)});
  return result.get();
}

}  // namespace ergod::behaviors::detail
