// RunQueue: a worker's local queue of runnable processes, a fixed ring like Go's runq.
// The owner pushes and pops without locks; other workers steal half of it with one CAS on
// head. When full, the owner moves half of it to the scheduler's global queue.
// Threads: push/pop only by the owning worker; steal_into by any other worker.
#pragma once

#include <atomic>
#include <cstdint>

namespace ergod::runtime {

class Process;

class RunQueue {
 public:
  static constexpr uint32_t kSize = 256;

  RunQueue() {
    for (auto& b : buf_) b.store(nullptr, std::memory_order_relaxed);
  }

  // Owner. False when full.
  bool push(Process* p) noexcept {
    uint32_t h = head_.load(std::memory_order_acquire);
    uint32_t t = tail_.load(std::memory_order_relaxed);
    if (t - h >= kSize) return false;
    buf_[t % kSize].store(p, std::memory_order_relaxed);
    tail_.store(t + 1, std::memory_order_release);
    return true;
  }

  // Owner.
  Process* pop() noexcept {
    for (;;) {
      uint32_t h = head_.load(std::memory_order_acquire);
      uint32_t t = tail_.load(std::memory_order_relaxed);
      if (t == h) return nullptr;
      Process* p = buf_[h % kSize].load(std::memory_order_relaxed);
      if (head_.compare_exchange_weak(h, h + 1, std::memory_order_acq_rel)) return p;
    }
  }

  // Owner: takes up to half of the queue out (into out[], which holds kSize / 2), for moving
  // to the global queue when full. Returns how many.
  uint32_t pop_half(Process** out) noexcept {
    for (;;) {
      uint32_t h = head_.load(std::memory_order_acquire);
      uint32_t t = tail_.load(std::memory_order_relaxed);
      uint32_t n = (t - h) / 2;
      if (n == 0) return 0;
      for (uint32_t i = 0; i < n; ++i) out[i] = buf_[(h + i) % kSize].load(std::memory_order_relaxed);
      if (head_.compare_exchange_weak(h, h + n, std::memory_order_acq_rel)) return n;
    }
  }

  // Thief (dst is the thief's own queue, assumed empty): moves half of this queue into dst
  // and returns one of the stolen processes to run now, or nullptr.
  Process* steal_into(RunQueue& dst) noexcept {
    uint32_t dt = dst.tail_.load(std::memory_order_relaxed);
    uint32_t n;
    for (;;) {
      uint32_t h = head_.load(std::memory_order_acquire);
      uint32_t t = tail_.load(std::memory_order_acquire);
      n = t - h;
      n = n - n / 2;
      if (n == 0) return nullptr;
      if (n > kSize / 2) continue;  // read head and tail at different times; retry
      for (uint32_t i = 0; i < n; ++i)
        dst.buf_[(dt + i) % kSize].store(buf_[(h + i) % kSize].load(std::memory_order_relaxed),
                                         std::memory_order_relaxed);
      if (head_.compare_exchange_weak(h, h + n, std::memory_order_acq_rel)) break;
    }
    --n;
    Process* p = dst.buf_[(dt + n) % kSize].load(std::memory_order_relaxed);
    if (n) dst.tail_.store(dt + n, std::memory_order_release);
    return p;
  }

  // Any thread; approximate.
  uint32_t size() const noexcept {
    return tail_.load(std::memory_order_acquire) - head_.load(std::memory_order_acquire);
  }

 private:
  alignas(64) std::atomic<uint32_t> head_{0};
  alignas(64) std::atomic<uint32_t> tail_{0};
  std::atomic<Process*> buf_[kSize];
};

}  // namespace ergod::runtime
