// The process table: chunked slots, reference-counted lookups, per-thread free-id caches.
#include "runtime/process_table.h"

#include "runtime/process.h"

namespace ergod::runtime {
namespace {

constexpr uint64_t kRefMask = 0xffffffffULL;
constexpr size_t kIdCacheMax = 64;
constexpr size_t kIdBatch = 32;

std::atomic<uint64_t> next_table_id{1};

// Free ids of one table, kept by the thread that freed them. A thread that moves to another
// table (tests run several runtimes one after another) drops the ids of the previous one;
// at most kIdCacheMax slots of a table still alive are lost that way.
struct IdCache {
  uint64_t table = 0;
  std::vector<uint32_t> ids;
};
thread_local IdCache id_cache;

}  // namespace

ProcessTable::ProcessTable() : table_id_(next_table_id.fetch_add(1)) {
  for (auto& c : chunks_) c.store(nullptr, std::memory_order_relaxed);
}

ProcessTable::~ProcessTable() {
  for (auto& c : chunks_) delete[] c.load(std::memory_order_relaxed);
  if (id_cache.table == table_id_) id_cache.ids.clear();
}

uint32_t ProcessTable::allocate_id() {
  if (id_cache.table == table_id_ && !id_cache.ids.empty()) {
    uint32_t id = id_cache.ids.back();
    id_cache.ids.pop_back();
    return id;
  }
  {
    std::lock_guard lock(free_mu_);
    if (!free_ids_.empty()) {
      if (id_cache.table != table_id_) {
        id_cache.table = table_id_;
        id_cache.ids.clear();
      }
      size_t take = std::min(kIdBatch, free_ids_.size());
      id_cache.ids.insert(id_cache.ids.end(), free_ids_.end() - take, free_ids_.end());
      free_ids_.resize(free_ids_.size() - take);
      uint32_t id = id_cache.ids.back();
      id_cache.ids.pop_back();
      return id;
    }
  }
  uint32_t id = next_id_.fetch_add(1, std::memory_order_relaxed);
  if (id > kMaxId) return 0;
  if (!chunks_[id >> kChunkBits].load(std::memory_order_acquire)) {
    std::lock_guard lock(grow_mu_);
    if (!chunks_[id >> kChunkBits].load(std::memory_order_relaxed))
      chunks_[id >> kChunkBits].store(new Slot[kChunkSize], std::memory_order_release);
  }
  return id;
}

void ProcessTable::free_id(uint32_t id) noexcept {
  if (id_cache.table != table_id_) {
    id_cache.table = table_id_;
    id_cache.ids.clear();
  }
  id_cache.ids.push_back(id);
  if (id_cache.ids.size() >= kIdCacheMax) {
    std::lock_guard lock(free_mu_);
    free_ids_.insert(free_ids_.end(), id_cache.ids.end() - kIdBatch, id_cache.ids.end());
    id_cache.ids.resize(id_cache.ids.size() - kIdBatch);
  }
}

bool ProcessTable::insert(Process* p, uint32_t& id, uint32_t& serial) {
  id = allocate_id();
  if (id == 0) return false;
  Slot* s = slot(id);
  serial = uint32_t(s->life.load(std::memory_order_relaxed) >> 32);
  s->proc.store(p, std::memory_order_relaxed);
  s->life.store(uint64_t(serial) << 32 | 1, std::memory_order_release);
  count_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

Process* ProcessTable::try_acquire(Slot* s, uint32_t serial, bool any_serial) noexcept {
  uint64_t life = s->life.load(std::memory_order_acquire);
  for (;;) {
    if ((life & kRefMask) == 0) return nullptr;
    if (!any_serial && uint32_t(life >> 32) != serial) return nullptr;
    if (s->life.compare_exchange_weak(life, life + 1, std::memory_order_acquire, std::memory_order_acquire))
      return s->proc.load(std::memory_order_relaxed);
  }
}

Process* ProcessTable::acquire(uint32_t id, uint32_t serial) noexcept {
  if (id == 0 || id > kMaxId) return nullptr;
  Slot* s = slot(id);
  return s ? try_acquire(s, serial, false) : nullptr;
}

Process* ProcessTable::acquire_any(uint32_t id) noexcept {
  if (id == 0 || id > kMaxId) return nullptr;
  Slot* s = slot(id);
  return s ? try_acquire(s, 0, true) : nullptr;
}

void ProcessTable::release(Process* p) noexcept {
  uint32_t id = p->id();
  Slot* s = slot(id);
  uint64_t before = s->life.fetch_sub(1, std::memory_order_acq_rel);
  if ((before & kRefMask) != 1) return;
  // Last reference: nobody can acquire any more (the count is zero).
  Process::finish(p);
  s->proc.store(nullptr, std::memory_order_relaxed);
  s->life.store((before >> 32) + 1 == (uint64_t(1) << 32) ? 0 : ((before >> 32) + 1) << 32,
                std::memory_order_release);
  count_.fetch_sub(1, std::memory_order_relaxed);
  free_id(id);
}

std::vector<Process*> ProcessTable::acquire_all() {
  std::vector<Process*> out;
  uint32_t end = std::min(next_id_.load(), kMaxId + 1);
  for (uint32_t id = 1; id < end; ++id) {
    Slot* s = slot(id);
    if (!s) continue;
    if (Process* p = try_acquire(s, 0, true)) out.push_back(p);
  }
  return out;
}

}  // namespace ergod::runtime
