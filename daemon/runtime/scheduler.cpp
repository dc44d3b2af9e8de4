// The worker threads: finding work (run-next slot, local queue, global queue, stealing),
// running a process's batch, and sleeping/waking without losing a wake-up.
#include "runtime/scheduler.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "base/thread_name.h"
#include "runtime/process.h"

namespace ergod::runtime {

struct Scheduler::Worker {
  Scheduler* sched = nullptr;
  unsigned index = 0;
  RunQueue local;
  Process* run_next = nullptr;
  uint32_t hops = 0;
  bool in_run = false;
  bool spinning = false;
  bool polled = false;  // its last spin read the network (WorkerPoll) and woke what it runs next
  uint64_t busy_polled_at = 0;  // ns: its last poll between two runs (busy_poll)
  uint64_t tick = 0;
  uint32_t rng = 1;
  // Steal backoff (see worker_main): when what this worker stole kept it busy only briefly,
  // it was callers of a busy server on the victim, which that server's replies bring straight
  // back: stealing again soon would only move the same processes between two caches.
  uint64_t stole_at = 0;       // ns: start of a busy spell that began with a steal, 0 if none
  uint64_t backoff = 0;        // ns; 0 when the last steal was worth it
  uint64_t no_steal_until = 0;  // ns
  std::atomic<uint32_t> wake{0};
  std::thread thread;
};

namespace {
thread_local void* current_worker = nullptr;  // Scheduler::Worker* of this thread, if any
std::atomic<WorkerFlush> worker_flush{nullptr};
std::atomic<WorkerPoll> worker_poll{nullptr};

void flush_worker() {
  if (WorkerFlush f = worker_flush.load(std::memory_order_acquire)) f();
}
constexpr auto kSpinTime = std::chrono::microseconds(50);
// A steal is worth it when what it brought kept the thief busy this long; otherwise the thief
// waits kMinBackoff before it steals again, doubling up to kMaxBackoff while steals stay brief.
// 64 callers of one server: 1.6 M calls/s when the second worker kept stealing them, 2.6 M
// with no stealing at all (every call then stays in one core's cache).
constexpr uint64_t kUsefulSteal = 50'000, kMinBackoff = 50'000, kMaxBackoff = 1'000'000;

uint64_t now_ns() {
  return uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::steady_clock::now().time_since_epoch())
                      .count());
}
}  // namespace

void set_worker_flush(WorkerFlush flush) noexcept { worker_flush.store(flush, std::memory_order_release); }
void set_worker_poll(WorkerPoll poll) noexcept { worker_poll.store(poll, std::memory_order_release); }

bool on_worker_thread() noexcept { return current_worker != nullptr; }

Scheduler::Scheduler(Runtime& rt, unsigned workers) : rt_(rt) {
  if (workers == 0) workers = std::max(1u, std::thread::hardware_concurrency());
  for (unsigned i = 0; i < workers; ++i) {
    auto w = std::make_unique<Worker>();
    w->sched = this;
    w->index = i;
    w->rng = 0x9E3779B9u * (i + 1);
    workers_.push_back(std::move(w));
  }
}

Scheduler::~Scheduler() { stop(); }

void Scheduler::start() {
  if (started_) return;
  started_ = true;
  for (auto& w : workers_) {
    Worker* wp = w.get();
    wp->thread = std::thread([this, wp] {
      base::name_this_thread("ergod-w" + std::to_string(wp->index));
      worker_main(*wp);
    });
  }
}

void Scheduler::stop() {
  if (!started_) return;
  stopping_.store(true, std::memory_order_seq_cst);
  {
    std::lock_guard lock(idle_mu_);
    for (Worker* w : idle_) {
      w->wake.store(1, std::memory_order_release);
      w->wake.notify_one();
    }
    idle_.clear();
  }
  for (auto& w : workers_) {
    w->wake.store(1, std::memory_order_release);
    w->wake.notify_one();
    if (w->thread.joinable()) w->thread.join();
  }
  started_ = false;
}

bool Scheduler::on_worker() const noexcept {
  auto* w = static_cast<Worker*>(current_worker);
  return w && w->sched == this;
}

void Scheduler::schedule(Process* p, bool spawned) noexcept {
  auto* w = static_cast<Worker*>(current_worker);
  if (w && w->sched == this) {
    if (w->in_run && !spawned) {
      Process* displaced = w->run_next;
      w->run_next = p;
      if (displaced) push_local(*w, displaced);
      return;
    }
    push_local(*w, p);
    return;
  }
  push_global(p);
}

void Scheduler::push_local(Worker& w, Process* p) noexcept {
  if (!w.local.push(p)) {
    Process* batch[RunQueue::kSize / 2 + 1];
    uint32_t n = w.local.pop_half(batch);
    batch[n++] = p;
    push_global_batch(batch, n);
    return;
  }
  wake_if_needed();
}

void Scheduler::push_global(Process* p) noexcept { push_global_batch(&p, 1); }

void Scheduler::push_global_batch(Process** ps, uint32_t n) noexcept {
  {
    std::lock_guard lock(global_mu_);
    global_.insert(global_.end(), ps, ps + n);
    global_size_.store(uint32_t(global_.size()), std::memory_order_relaxed);
  }
  wake_if_needed();
}

Process* Scheduler::pop_global(Worker* w) noexcept {
  Process* batch[RunQueue::kSize / 2];
  uint32_t n = 0;
  {
    std::lock_guard lock(global_mu_);
    if (global_.empty()) return nullptr;
    uint32_t size = uint32_t(global_.size());
    uint32_t take = w ? std::min<uint32_t>(size / uint32_t(workers_.size()) + 1, RunQueue::kSize / 2) : 1;
    if (w) take = std::min(take, RunQueue::kSize - w->local.size());  // room in the ring
    take = std::max<uint32_t>(std::min(take, size), 1);
    for (; n < take; ++n) {
      batch[n] = global_.front();
      global_.pop_front();
    }
    global_size_.store(uint32_t(global_.size()), std::memory_order_relaxed);
  }
  for (uint32_t i = 1; i < n; ++i) w->local.push(batch[i]);  // fits: checked above
  return batch[0];
}

bool Scheduler::work_visible(const Worker* self) const noexcept {
  if (global_size_.load(std::memory_order_relaxed) > 0) return true;
  if (self && self->no_steal_until) return self->local.size() > 0;  // it may not steal now
  for (auto& w : workers_)
    if (w->local.size() > 0) return true;
  return false;
}

bool Scheduler::all_idle() const noexcept {
  return spinning_.load(std::memory_order_relaxed) + sleeping_.load(std::memory_order_relaxed) >=
         int(workers_.size());
}

void Scheduler::wake_if_needed() noexcept {
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (sleeping_.load(std::memory_order_relaxed) == 0) return;
  int expected = 0;
  // One spinning worker at a time looks for work; it wakes the next one if it finds some.
  if (!spinning_.compare_exchange_strong(expected, 1, std::memory_order_acq_rel)) return;
  Worker* target = nullptr;
  {
    std::lock_guard lock(idle_mu_);
    if (!idle_.empty()) {
      target = idle_.back();
      idle_.pop_back();
    }
  }
  if (!target) {
    spinning_.fetch_sub(1, std::memory_order_acq_rel);
    return;
  }
  wakeups_.fetch_add(1, std::memory_order_relaxed);
  target->wake.store(1, std::memory_order_release);
  target->wake.notify_one();
}

void Scheduler::sleep(Worker& w) {
  {
    std::lock_guard lock(idle_mu_);
    w.wake.store(0, std::memory_order_relaxed);
    idle_.push_back(&w);
  }
  sleeping_.fetch_add(1, std::memory_order_seq_cst);
  // Pairs with the fence in wake_if_needed: either the waker sees us sleeping, or we see its work.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (work_visible() || stopping_.load(std::memory_order_seq_cst)) {
    std::lock_guard lock(idle_mu_);
    auto it = std::find(idle_.begin(), idle_.end(), &w);
    if (it != idle_.end()) {
      idle_.erase(it);
      sleeping_.fetch_sub(1, std::memory_order_acq_rel);
      return;
    }
    // A waker took us off the list: it has set (or is about to set) wake; wait for it.
  }
  while (w.wake.load(std::memory_order_acquire) == 0) w.wake.wait(0, std::memory_order_acquire);
  sleeping_.fetch_sub(1, std::memory_order_acq_rel);
  // A waker counted us as spinning before waking us (stop() does not; then it no longer matters).
  if (!stopping_.load(std::memory_order_relaxed)) w.spinning = true;
}

Process* Scheduler::steal(Worker& w) {
  unsigned n = unsigned(workers_.size());
  if (n < 2) return nullptr;
  w.rng = w.rng * 1664525u + 1013904223u;
  unsigned start = w.rng % n;
  for (unsigned i = 0; i < n; ++i) {
    Worker& v = *workers_[(start + i) % n];
    if (&v == &w) continue;
    if (Process* p = v.local.steal_into(w.local)) return p;
  }
  return nullptr;
}

Process* Scheduler::find_work(Worker& w) {
  ++w.tick;
  if (w.tick % 61 == 0 && global_size_.load(std::memory_order_relaxed) > 0) {
    if (Process* p = pop_global(&w)) return p;
  }
  if (Process* p = w.run_next) {
    w.run_next = nullptr;
    if (++w.hops < kRunNextHops) return p;
    w.hops = 0;
    // The pair has had its slice: to the back of the queue, if anything else is waiting
    // (requeueing it onto an empty queue would only invite a thief to split the pair).
    if (w.local.size() == 0 && global_size_.load(std::memory_order_relaxed) == 0) return p;
    push_local(w, p);
  }
  w.hops = 0;
  if (Process* p = w.local.pop()) return p;
  if (global_size_.load(std::memory_order_relaxed) > 0)
    if (Process* p = pop_global(&w)) return p;
  if (w.no_steal_until) {
    if (now_ns() < w.no_steal_until) return nullptr;
    w.no_steal_until = 0;
  }
  Process* p = steal(w);
  if (p && !w.stole_at) w.stole_at = now_ns();
  return p;
}

void Scheduler::note_idle(Worker& w) noexcept {
  if (!w.stole_at) return;
  uint64_t now = now_ns();
  if (now - w.stole_at >= kUsefulSteal) {
    w.backoff = 0;
  } else {
    w.backoff = w.backoff ? std::min(2 * w.backoff, kMaxBackoff) : kMinBackoff;
    w.no_steal_until = now + w.backoff;
  }
  w.stole_at = 0;
}

void Scheduler::run_one(Worker& w, Process* p) {
  p->sched_.exchange(kRunning, std::memory_order_acq_rel);
  w.in_run = true;
  Process::RunResult r = p->run(kBudget);
  w.in_run = false;
  switch (r) {
    case Process::RunResult::Exited:
      return;  // p may be gone
    case Process::RunResult::Yield:
      p->sched_.store(kNotified, std::memory_order_release);
      push_local(w, p);
      return;
    case Process::RunResult::Idle: {
      uint32_t expected = kRunning;
      if (p->sched_.compare_exchange_strong(expected, 0, std::memory_order_acq_rel)) return;
      // Signals arrived while it ran: it stays notified and goes round again.
      p->sched_.store(kNotified, std::memory_order_release);
      push_local(w, p);
      return;
    }
  }
}

// A busy worker reads what came meanwhile on its own thread: the processes it wakes run here
// next, with no hand-off from the loop thread, which otherwise reads every message while the
// workers are never idle. 64 remote callers, ergod to ergod on 2 cores: 230-290 k calls/s when
// the loop thread read the replies (most runs; any run with one worker a node), 510 k (335-590 k)
// with these polls. The gap bounds what a node with connections but local work pays for them.
void Scheduler::busy_poll(Worker& w) {
  WorkerPoll poll = worker_poll.load(std::memory_order_acquire);
  if (!poll) return;
  uint64_t now = now_ns();
  if (now - w.busy_polled_at < kBusyPollGapNs) return;
  w.busy_polled_at = now;
  if (poll()) flush_worker();  // what reading sent (an unlink ack, a spawn reply)
}

void Scheduler::worker_main(Worker& w) {
  current_worker = &w;
  uint32_t runs = 0;
  while (!stopping_.load(std::memory_order_relaxed)) {
    Process* p = find_work(w);
    bool polled = std::exchange(w.polled, false);
    if (p) {
      if (w.spinning) {
        w.spinning = false;
        // The last spinner found work: there may be more, so let another worker look. Not when
        // it found what its own read of the network woke and nothing else waits: that is a
        // remote reply for the process it runs now, and waking a second worker for each one
        // (futex wake, a core's spin) cost a lone remote caller a quarter of its calls on 2
        // cores (ergod to ergod: 73-79 k calls/s, 97-103 k without). Work queued later wakes
        // a worker as it is queued.
        if (spinning_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
          std::atomic_thread_fence(std::memory_order_seq_cst);  // pairs with wake_if_needed's
          if (!polled || work_visible()) wake_if_needed();
        }
      }
      run_one(w, p);
      if (++runs == kFlushRuns) {
        runs = 0;
        flush_worker();
        busy_poll(w);
      }
      continue;
    }
    // Nothing left to run here: what this thread deferred goes out before it looks further.
    runs = 0;
    flush_worker();
    note_idle(w);
    if (!w.spinning) {
      w.spinning = true;
      spinning_.fetch_add(1, std::memory_order_acq_rel);
    }
    // Spin on idle CPU only: yield between looks, so that a runnable thread on this core (the
    // distribution's loop thread, a worker of another node on the same machine) runs at once
    // instead of waiting for the spin to end. With pause-only spinning, a 1-caller remote call
    // loop on 2 cores ran at 3.5-4.5k calls/s (the loop threads waited behind spinners); with
    // yields 13-16k.
    auto until = std::chrono::steady_clock::now() + kSpinTime;
    bool found = false;
    WorkerPoll poll = worker_poll.load(std::memory_order_acquire);
    while (!stopping_.load(std::memory_order_relaxed)) {
      if (work_visible(&w)) {
        found = true;
        break;
      }
      // Messages read here wake their processes onto this worker's queue (seen just above);
      // what reading sent (an unlink ack, a spawn reply) goes out now. Only while no worker
      // runs anything (the node waits for the network, as a lone remote caller does): with
      // work going on, the loop thread reads, in bigger batches than a worker that looks in
      // between two processes.
      if (poll && all_idle() && poll()) {
        w.polled = true;
        flush_worker();
        continue;
      }
      std::this_thread::yield();
      if (std::chrono::steady_clock::now() > until) break;
    }
    if (found) continue;
    w.spinning = false;
    spinning_.fetch_sub(1, std::memory_order_acq_rel);
    if (stopping_.load(std::memory_order_relaxed)) break;
    if (w.no_steal_until) {
      // Backing off from stealing: nap until it may steal again, unregistered, so that the
      // busy worker queueing processes does not pay a futex wake for each one.
      uint64_t now = now_ns();
      if (now < w.no_steal_until)
        std::this_thread::sleep_for(std::chrono::nanoseconds(w.no_steal_until - now));
      continue;
    }
    sleep(w);
  }
  if (w.spinning) {
    w.spinning = false;
    spinning_.fetch_sub(1, std::memory_order_acq_rel);
  }
  flush_worker();
  current_worker = nullptr;
}

}  // namespace ergod::runtime
