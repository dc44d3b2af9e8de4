// The timer thread and its heap.
#include "runtime/timer_service.h"

#include <chrono>
#include <ctime>

#include "base/thread_name.h"
#include "runtime/ids.h"
#include "runtime/process_table.h"
#include "runtime/runtime.h"

namespace ergod::runtime {

uint64_t now_ns() noexcept {
  return uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::steady_clock::now().time_since_epoch())
                      .count());
}

uint64_t deadline_after_ms(int64_t ms) noexcept {
  static const uint64_t resolution = [] {
    timespec res{};
    if (clock_getres(CLOCK_MONOTONIC_COARSE, &res) != 0) return uint64_t(0);
    return uint64_t(res.tv_sec) * uint64_t(1000000000) + uint64_t(res.tv_nsec);
  }();
  timespec ts{};
  if (resolution == 0 || resolution > 10000000 || clock_gettime(CLOCK_MONOTONIC_COARSE, &ts) != 0)
    return now_ns() + uint64_t(ms < 0 ? 0 : ms) * 1000000ULL;
  // CLOCK_MONOTONIC_COARSE and steady_clock (CLOCK_MONOTONIC) share their origin on Linux.
  return uint64_t(ts.tv_sec) * 1000000000ULL + uint64_t(ts.tv_nsec) + resolution +
         uint64_t(ms < 0 ? 0 : ms) * 1000000ULL;
}

TimerService::TimerService(Runtime& rt) : rt_(rt) {}

TimerService::~TimerService() {
  stop();
  for (Entry* e : heap_) delete e;
}

void TimerService::start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] {
    base::name_this_thread("ergod-timers");
    loop();
  });
}

void TimerService::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

size_t TimerService::pending() const {
  std::lock_guard lock(mu_);
  return heap_.size();
}

void TimerService::sift_up(uint32_t i) {
  Entry* e = heap_[i];
  while (i > 0) {
    uint32_t parent = (i - 1) / 4;
    if (!before(e, heap_[parent])) break;
    place(i, heap_[parent]);
    i = parent;
  }
  place(i, e);
}

void TimerService::sift_down(uint32_t i) {
  Entry* e = heap_[i];
  uint32_t n = uint32_t(heap_.size());
  for (;;) {
    uint32_t first = 4 * i + 1;
    if (first >= n) break;
    uint32_t best = first;
    for (uint32_t c = first + 1; c < first + 4 && c < n; ++c)
      if (before(heap_[c], heap_[best])) best = c;
    if (!before(heap_[best], e)) break;
    place(i, heap_[best]);
    i = best;
  }
  place(i, e);
}

void TimerService::push(Entry* e) {
  e->seq = seq_++;
  heap_.push_back(e);
  sift_up(uint32_t(heap_.size() - 1));
}

void TimerService::remove(Entry* e) {
  uint32_t i = e->index;
  Entry* last = heap_.back();
  heap_.pop_back();
  if (last == e) return;
  place(i, last);
  sift_down(i);
  sift_up(last->index);
}

void TimerService::arm_check(uint32_t id, uint32_t serial, uint64_t at) {
  auto* e = new Entry();
  e->at = at;
  e->check = true;
  e->id = id;
  e->serial = serial;
  bool earliest;
  {
    std::lock_guard lock(mu_);
    push(e);
    earliest = heap_[0] == e;
  }
  if (earliest) cv_.notify_one();
}

void TimerService::send_after(uint64_t at, term::Term dest, term::Term message, term::Term tref) {
  auto* e = new Entry();
  e->at = at;
  e->key = ref_key(tref);
  e->dest = std::move(dest);
  e->message = std::move(message);
  e->tref = std::move(tref);
  bool earliest;
  {
    std::lock_guard lock(mu_);
    push(e);
    by_ref_.emplace(e->key, e);
    earliest = heap_[0] == e;
  }
  if (earliest) cv_.notify_one();
}

int64_t TimerService::cancel(const term::Term& tref) {
  if (!tref.is_reference()) return -1;
  Entry* found = nullptr;
  {
    std::lock_guard lock(mu_);
    auto [b, e] = by_ref_.equal_range(ref_key(tref));
    for (auto it = b; it != e; ++it) {
      if (it->second->tref == tref) {
        found = it->second;
        by_ref_.erase(it);
        remove(found);
        break;
      }
    }
  }
  if (!found) return -1;
  uint64_t now = now_ns();
  int64_t left = found->at > now ? int64_t(found->at - now) : 0;
  delete found;
  return left;
}

void TimerService::fire(Entry* e) {
  if (e->check) {
    if (Process* p = rt_.table_->acquire(e->id, e->serial)) {
      Signal* s = alloc_signal(SignalKind::TimerCheck);
      s->payload = term::Term::unsigned_integer(e->at);
      rt_.push(p, s);
      rt_.release(p);
    }
  } else {
    rt_.send(e->dest, std::move(e->message));
  }
  delete e;
}

void TimerService::loop() {
  std::unique_lock lock(mu_);
  std::vector<Entry*> due;
  while (!stopping_) {
    if (heap_.empty()) {
      cv_.wait(lock);
      continue;
    }
    uint64_t now = now_ns();
    while (!heap_.empty() && heap_[0]->at <= now) {
      Entry* e = heap_[0];
      remove(e);
      if (!e->check) {
        auto [b, en] = by_ref_.equal_range(e->key);
        for (auto it = b; it != en; ++it)
          if (it->second == e) {
            by_ref_.erase(it);
            break;
          }
      }
      due.push_back(e);
    }
    if (!due.empty()) {
      lock.unlock();
      for (Entry* e : due) fire(e);  // in deadline order, insertion order on ties
      due.clear();
      lock.lock();
      continue;
    }
    uint64_t wait = heap_[0]->at - now;
    cv_.wait_for(lock, std::chrono::nanoseconds(wait));
  }
}

}  // namespace ergod::runtime
