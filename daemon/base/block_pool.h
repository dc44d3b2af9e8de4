// BlockPool<Size, MaxBatches>: fixed-size blocks from per-thread free lists that trade whole
// batches through one global list. Processes, signals and small term boxes are often
// allocated on one thread and freed on another (a spawner and the workers its children die
// on; a sender and a receiver; the callers of one server and that server): with per-thread
// caches alone the freeing side's cache overflows while the allocating side's stays empty, and
// malloc's cross-thread slow path is what the profile showed. Here the freeing side hands back
// full batches (one lock per kBatch blocks) that the allocating side picks up.
// The global list keeps at most MaxBatches batches; blocks beyond go back to malloc. Without a
// bound (the default), a pool's size is its peak use.
// Threads: allocate and deallocate from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <new>
#include <vector>

namespace ergod::base {

template <size_t Size, size_t MaxBatches = SIZE_MAX>
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
    // The thread ends: its blocks go back for others. A block freed later on this thread (by a
    // static destructor) starts a fresh list that is not handed back: a leak at exit only.
    ~Local() {
      while (count >= kBatch) spill_one(*this);
      if (head) {
        std::unique_lock lock(global().mu);
        if (global().batches.size() < MaxBatches) {
          global().batches.push_back(Batch{head, count});
        } else {
          lock.unlock();
          free_list(head);
        }
      }
      head = nullptr;
      count = 0;
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
      std::unique_lock lock(global().mu);
      if (global().batches.size() < MaxBatches) {
        global().batches.push_back(Batch{batch, kBatch});
        return;
      }
      lock.unlock();
      free_list(batch);
    } catch (...) {  // no memory for the batch list: keep the blocks here
      last->next = l.head;
      l.head = batch;
      l.count += kBatch;
    }
  }

  static void spill(Local& l) noexcept { spill_one(l); }

  static void free_list(Node* n) noexcept {
    while (n) {
      Node* next = n->next;
      ::operator delete(n);
      n = next;
    }
  }
};

}  // namespace ergod::base
