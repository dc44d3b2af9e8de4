// TimerService: one timer thread with a 4-ary min-heap of deadlines (O(log n) insert and
// cancel), for erlang:send_after and for call timeouts.
//
// Call timeouts are cheap because they are lazy: a process waiting in a call keeps its
// deadline itself and asks for a TimerCheck signal only when it has none outstanding at or
// before that deadline (ProcessExtras::timer_armed_at). A call that completes cancels nothing;
// the next call with the same timeout reuses the outstanding check, and when a check fires
// early the process re-arms for the rest. So a caller doing millions of 5 s calls costs the
// heap one entry per 5 s, and `infinity` costs nothing at all.
// Threads: every public function from any thread; the heap is behind one mutex that only
// these (rare) operations take.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "term/term.h"

namespace ergod::runtime {

class Runtime;

uint64_t now_ns() noexcept;  // steady clock
// A deadline ms from now that is never early and costs less than now_ns(): a coarse clock
// read plus its resolution (at most a few ms late; the timer fires on the precise clock).
uint64_t deadline_after_ms(int64_t ms) noexcept;

class TimerService {
 public:
  explicit TimerService(Runtime& rt);
  ~TimerService();
  void start();
  void stop();

  // A TimerCheck signal to process (id, serial) at `at` (steady ns).
  void arm_check(uint32_t id, uint32_t serial, uint64_t at);
  // erlang:send_after: dest ! message at `at`; tref is the timer's reference.
  void send_after(uint64_t at, term::Term dest, term::Term message, term::Term tref);
  // ns left, or -1 when it already fired or was cancelled.
  int64_t cancel(const term::Term& tref);
  size_t pending() const;

 private:
  struct Entry {
    uint64_t at;
    uint64_t seq;  // insertion order breaks ties: same deadline, same order
    uint32_t index = 0;
    bool check = false;
    uint32_t id = 0, serial = 0;
    uint64_t key = 0;
    term::Term dest, message, tref;
  };
  static bool before(const Entry* a, const Entry* b) noexcept {
    return a->at < b->at || (a->at == b->at && a->seq < b->seq);
  }
  void push(Entry* e);
  void remove(Entry* e);
  void sift_up(uint32_t i);
  void sift_down(uint32_t i);
  void place(uint32_t i, Entry* e) { heap_[i] = e; e->index = i; }
  void loop();
  void fire(Entry* e);

  Runtime& rt_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Entry*> heap_;
  std::unordered_multimap<uint64_t, Entry*> by_ref_;
  uint64_t seq_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace ergod::runtime
