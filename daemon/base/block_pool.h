// BlockPool<Size>: fixed-size blocks from per-thread free lists that trade whole batches
// through one global list. Processes and signals are often allocated on one thread and freed
// on another (a spawner and the workers its children die on; a sender and a receiver): with
// per-thread caches alone the freeing side's cache overflows while the allocating side's stays
// empty, and malloc's cross-thread slow path is what the profile showed. Here the freeing side
// hands back full batches (one lock per kBatch blocks) that the allocating side picks up.
// Blocks are never returned to the system (a pool's size is its peak use).
// Threads: allocate and deallocate from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <new>
#include <vector>

namespace ergod::runtime {

template <size_t Size>
class BlockPool {
  static_assert(Size >= sizeof(void*));

 public:
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  // Under sanitizers, plain allocations: a pool would hide use-after-free from ASan.
  static void* allocate() { return ::operator new(Size); }
  static void deallocate(void* p) noexcept { ::operator delete(p); }
#else
  static void* allocate() {
    Local& l = local();
    if (!l.head) refill(l);
    if (!l.head) return ::operator new(Size);
    Node* n = l.head;
    l.head = n->next;
    --l.count;
    return n;
  }

  static void deallocate(void* p) noexcept {
    Local& l = local();
    auto* n = static_cast<Node*>(p);
    n->next = l.head;
    l.head = n;
    if (++l.count >= 2 * kBatch) spill(l);
  }
#endif

 private:
  static constexpr uint32_t kBatch = 128;
  struct Node {
    Node* next;
  };
  struct Local {
    Node* head = nullptr;
    uint32_t count = 0;
    ~Local() {  // the thread ends: its blocks go back for others
      while (count >= kBatch) spill_one(*this);
      if (head) {
        std::lock_guard lock(global().mu);
        global().batches.push_back(Batch{head, count});
      }
    }
  };
  struct Batch {
    Node* head;
    uint32_t count;
  };
  struct Global {
    std::mutex mu;
    std::vector<Batch> batches;
  };

  static Global& global() {
    static Global* g = new Global();  // never destroyed: thread exits may run after main
    return *g;
  }
  static Local& local() {
    thread_local Local l;
    return l;
  }

  static void refill(Local& l) {
    Global& g = global();
    std::lock_guard lock(g.mu);
    if (g.batches.empty()) return;
    l.head = g.batches.back().head;
    l.count = g.batches.back().count;
    g.batches.pop_back();
  }

  static void spill_one(Local& l) noexcept {
    Node* batch = l.head;
    Node* last = batch;
    for (uint32_t i = 1; i < kBatch; ++i) last = last->next;
    l.head = last->next;
    last->next = nullptr;
    l.count -= kBatch;
    try {
      std::lock_guard lock(global().mu);
      global().batches.push_back(Batch{batch, kBatch});
    } catch (...) {  // no memory for the batch list: keep the blocks here
      last->next = l.head;
      l.head = batch;
      l.count += kBatch;
    }
  }

  static void spill(Local& l) noexcept { spill_one(l); }
};

}  // namespace ergod::runtime
