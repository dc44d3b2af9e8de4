// ProcessTable: pid id -> process, without a lock on lookup.
//
// Slots live in chunks that are allocated once and never freed, so a slot can be read at any
// time. Each slot has one atomic "life" word, serial << 32 | references: acquire() succeeds
// only while the serial matches and the count is non-zero, and holds the process alive (not
// necessarily running) until release(). The process itself holds one reference until it has
// exited; whoever drops the last reference finishes the process (Process::finish, which
// answers signals that arrived too late) and frees the slot with serial + 1, so an old pid
// never reaches the slot's next process. Free ids go through a per-thread cache in front of a
// global list. Threads: every function may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>

namespace ergod::runtime {

class Process;

class ProcessTable {
 public:
  static constexpr uint32_t kChunkBits = 12;
  static constexpr uint32_t kChunkSize = 1u << kChunkBits;
  static constexpr uint32_t kMaxChunks = 4096;  // 16M slots
  static constexpr uint32_t kMaxId = kChunkSize * kMaxChunks - 1;

  ProcessTable();
  ~ProcessTable();
  ProcessTable(const ProcessTable&) = delete;
  ProcessTable& operator=(const ProcessTable&) = delete;

  // Puts p in a free slot with one reference (the process's own). Returns false when full.
  bool insert(Process* p, uint32_t& id, uint32_t& serial);

  // One reference to the process in slot id if its serial matches, else nullptr.
  Process* acquire(uint32_t id, uint32_t serial) noexcept;
  // Same, whatever the serial (for aliases, which name a slot; the alias check does the rest).
  Process* acquire_any(uint32_t id) noexcept;
  // Drops a reference; the last one calls Process::finish and frees the slot.
  void release(Process* p) noexcept;

  uint32_t count() const noexcept { return count_.load(std::memory_order_relaxed); }

  // Every live process (holding a reference to each); for shutdown and introspection.
  std::vector<Process*> acquire_all();

 private:
  struct Slot {
    std::atomic<uint64_t> life{0};
    std::atomic<Process*> proc{nullptr};
  };
  Slot* slot(uint32_t id) const noexcept {
    Slot* c = chunks_[id >> kChunkBits].load(std::memory_order_acquire);
    return c ? &c[id & (kChunkSize - 1)] : nullptr;
  }
  Process* try_acquire(Slot* s, uint32_t serial, bool any_serial) noexcept;
  uint32_t allocate_id();
  void free_id(uint32_t id) noexcept;

  std::atomic<Slot*> chunks_[kMaxChunks];
  std::atomic<uint32_t> next_id_{1};  // id 0 is never used: <0.0.0> stands for "outside"
  std::atomic<uint32_t> count_{0};
  std::mutex free_mu_;
  std::vector<uint32_t> free_ids_;
  std::mutex grow_mu_;
  uint64_t table_id_;
};

}  // namespace ergod::runtime
