// A process's two queues:
//  - SignalQueue: the lock-free intrusive MPSC queue (Dmitry Vyukov's) that any thread pushes
//    signals onto. push() is one atomic exchange and one store; there is no lock anywhere.
//  - MessageList: the private FIFO of messages already taken off the SignalQueue, in arrival
//    order, with the "save pointer" that a waiting call scans from (gen.erl's selective
//    receive). Only the thread running the process touches it.
// Threads: SignalQueue::push from any thread; everything else only by the process's consumer
// (the worker running it, or whoever releases its last reference after it died).
#pragma once

#include <atomic>

#include "runtime/signal.h"

namespace ergod::runtime {

class SignalQueue {
 public:
  SignalQueue() noexcept : tail_(&stub_), head_(&stub_) {}
  SignalQueue(const SignalQueue&) = delete;
  SignalQueue& operator=(const SignalQueue&) = delete;

  // Any thread. seq_cst so that the scheduler's "clear SCHEDULED, then check pending()" and
  // the sender's "push, then set SCHEDULED" cannot both miss each other.
  void push(Signal* s) noexcept { push_link(s); }

  // Consumer only. Returns nullptr when empty, or when a producer is between its two steps
  // (then pending() stays true and the caller comes back later).
  Signal* pop() noexcept {
    SignalLink* head = head_;
    SignalLink* next = head->next.load(std::memory_order_acquire);
    if (head == &stub_) {
      if (!next) return nullptr;
      head_ = next;
      head = next;
      next = next->next.load(std::memory_order_acquire);
    }
    if (next) {
      head_ = next;
      return static_cast<Signal*>(head);
    }
    if (head != tail_.load(std::memory_order_acquire)) return nullptr;  // a push in progress
    push_link(&stub_);
    next = head->next.load(std::memory_order_acquire);
    if (next) {
      head_ = next;
      return static_cast<Signal*>(head);
    }
    return nullptr;
  }

  // Consumer only: true when a signal was pushed and not yet popped (including one whose
  // push is still in progress).
  bool pending() const noexcept {
    return head_ != &stub_ || tail_.load(std::memory_order_seq_cst) != &stub_;
  }

 private:
  void push_link(SignalLink* n) noexcept {
    n->next.store(nullptr, std::memory_order_relaxed);
    SignalLink* prev = tail_.exchange(n, std::memory_order_seq_cst);
    prev->next.store(n, std::memory_order_release);
  }

  std::atomic<SignalLink*> tail_;  // producers' end
  SignalLink* head_;               // consumer's end
  SignalLink stub_;
};

class MessageList {
 public:
  bool empty() const noexcept { return head_ == nullptr; }
  size_t size() const noexcept {
    size_t n = 0;
    for (Signal* s = head_; s; s = s->next_signal()) ++n;
    return n;
  }
  Signal* front() const noexcept { return head_; }

  void push_back(Signal* s) noexcept {
    s->next.store(nullptr, std::memory_order_relaxed);
    if (tail_) tail_->next.store(s, std::memory_order_relaxed); else head_ = s;
    tail_ = s;
  }
  Signal* pop_front() noexcept {
    Signal* s = head_;
    if (s) {
      head_ = s->next_signal();
      if (!head_) tail_ = nullptr;
      if (scan_prev_ == s) scan_prev_ = nullptr;
    }
    return s;
  }
  // Removes s, whose predecessor is prev (nullptr when s is the head).
  void remove(Signal* prev, Signal* s) noexcept {
    Signal* next = s->next_signal();
    if (prev) prev->next.store(next, std::memory_order_relaxed); else head_ = next;
    if (tail_ == s) tail_ = prev;
    if (scan_prev_ == s) scan_prev_ = prev;
  }

  // The save pointer: messages after it have not been looked at by the current wait.
  // mark_scanned_all() at the start of a wait (a fresh reference cannot be in older messages).
  void mark_scanned_all() noexcept { scan_prev_ = tail_; }
  Signal* scan_prev() const noexcept { return scan_prev_; }
  Signal* first_unscanned() const noexcept { return scan_prev_ ? scan_prev_->next_signal() : head_; }
  void set_scan_prev(Signal* s) noexcept { scan_prev_ = s; }

  // Removes every message, for freeing.
  Signal* take_all() noexcept {
    Signal* h = head_;
    head_ = tail_ = scan_prev_ = nullptr;
    return h;
  }

 private:
  Signal* head_ = nullptr;
  Signal* tail_ = nullptr;
  Signal* scan_prev_ = nullptr;
};

}  // namespace ergod::runtime
