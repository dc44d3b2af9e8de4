// Scheduler: N worker threads that run processes which have signals.
//
// A process's sched_ word decides who may queue it: a sender that pushes a signal sets
// kNotified; only the one that found the word 0 (idle, not running) queues the process, so a
// process is queued at most once and runs on one thread at a time. A worker takes a process,
// swaps kNotified for kRunning, runs a batch (Process::run), then swaps kRunning back to 0;
// if a sender set kNotified meanwhile, that swap fails and the worker queues it again.
//
// Where a runnable process goes: onto the current worker's "run next" slot when a process on
// that worker woke it (so a caller/server pair ping-pongs on one thread without waking
// anyone; the slot inherits the time slice, bounded by kRunNextHops), else onto the worker's
// local RunQueue, or the global queue when woken from a non-worker thread. Idle workers steal
// half of another worker's queue; with nothing to steal they spin briefly (yielding the core
// to any other runnable thread between looks), then sleep on a futex (std::atomic::wait) until
// work is queued and no other worker is already spinning. A thief whose stolen work kept it
// busy only briefly backs off from stealing for a while (see scheduler.cpp).
//
// Threads: schedule() from any thread; the rest is internal to the workers.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "runtime/run_queue.h"

namespace ergod::runtime {

class Process;
class Runtime;

inline constexpr uint32_t kNotified = 1;  // has signals and is queued (or about to be)
inline constexpr uint32_t kRunning = 2;   // a worker is running it
inline constexpr uint32_t kDead = 4;      // ended: never queued again

// Work a worker thread defers to do once for many processes: the distribution appends the
// frames its processes send and writes them with one syscall. Every worker calls the flush
// function when it has run what it had (before it looks further for work or waits), every
// Scheduler::kFlushRuns runs, and before it ends. Process-wide, set once; it must be cheap
// when the thread deferred nothing. Any thread.
using WorkerFlush = void (*)();
void set_worker_flush(WorkerFlush flush) noexcept;
// What an idle worker does between its looks for work while it spins: the distribution reads
// its sockets (NodeLink::poll_thread), so that a message that arrives while a worker waits is
// read, delivered and run on that worker with no thread hand-off. A busy worker calls it too,
// after each flush (every kFlushRuns runs) when kBusyPollGapNs have passed since its last
// poll, as BEAM's schedulers check I/O between processes. Returns whether it found anything.
// Process-wide, set once; any thread.
using WorkerPoll = bool (*)();
void set_worker_poll(WorkerPoll poll) noexcept;
// Whether this thread is a worker of some Scheduler (so that work deferred on it will be flushed).
bool on_worker_thread() noexcept;

class Scheduler {
 public:
  static constexpr uint32_t kBudget = 64;       // messages a process handles before yielding
  static constexpr uint32_t kRunNextHops = 64;  // run-next hand-offs before a fair requeue
  static constexpr uint32_t kFlushRuns = 32;    // runs between two flushes (and busy polls)
  static constexpr uint64_t kBusyPollGapNs = 20'000;  // a busy worker's polls, at most one per

  Scheduler(Runtime& rt, unsigned workers);
  ~Scheduler();  // stops and joins
  void start();
  void stop();

  // p's sched_ was just moved from 0 to kNotified by the caller: queue it. Any thread.
  // A woken process may take the run-next slot; a new one (spawned) queues behind the rest.
  void schedule(Process* p, bool spawned = false) noexcept;
  bool on_worker() const noexcept;
  unsigned worker_count() const noexcept { return unsigned(workers_.size()); }
  uint64_t wakeups() const noexcept { return wakeups_.load(std::memory_order_relaxed); }

 private:
  struct Worker;
  void worker_main(Worker& w);
  Process* find_work(Worker& w);
  Process* steal(Worker& w);
  void run_one(Worker& w, Process* p);
  void busy_poll(Worker& w);
  void push_local(Worker& w, Process* p) noexcept;
  void push_global(Process* p) noexcept;
  void push_global_batch(Process** ps, uint32_t n) noexcept;
  Process* pop_global(Worker* w) noexcept;  // moves a batch into w's queue when w is given
  bool work_visible(const Worker* self = nullptr) const noexcept;  // self: as self may see it
  void note_idle(Worker& w) noexcept;
  void wake_if_needed() noexcept;
  bool all_idle() const noexcept;  // every worker spins or sleeps: none runs a process
  void sleep(Worker& w);

  Runtime& rt_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::atomic<bool> stopping_{false};
  bool started_ = false;

  // Pointers, not an intrusive list: taking a batch must not touch each (cold) process.
  std::mutex global_mu_;
  std::deque<Process*> global_;
  std::atomic<uint32_t> global_size_{0};

  std::atomic<int> spinning_{0};
  std::atomic<uint64_t> wakeups_{0};  // sleepers woken by wake_if_needed
  std::atomic<int> sleeping_{0};
  std::mutex idle_mu_;
  std::vector<Worker*> idle_;
};

}  // namespace ergod::runtime
