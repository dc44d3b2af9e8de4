// Registered names: lock-free lookup words, one mutex for changes.
#include "runtime/registry.h"

#include "runtime/process.h"
#include "runtime/scheduler.h"

namespace ergod::runtime {

Registry::Registry() {
  for (auto& c : chunks_) c.store(nullptr, std::memory_order_relaxed);
}

Registry::~Registry() {
  for (auto& c : chunks_) delete[] c.load(std::memory_order_relaxed);
}

std::atomic<uint64_t>* Registry::word(uint32_t index, bool create) {
  uint32_t ci = index >> kChunkBits;
  if (ci >= kMaxChunks) return nullptr;
  std::atomic<uint64_t>* c = chunks_[ci].load(std::memory_order_acquire);
  if (!c) {
    if (!create) return nullptr;  // create is only passed with mu_ held
    c = new std::atomic<uint64_t>[kChunkSize];
    for (uint32_t i = 0; i < kChunkSize; ++i) c[i].store(0, std::memory_order_relaxed);
    chunks_[ci].store(c, std::memory_order_release);
  }
  return &c[index & (kChunkSize - 1)];
}

uint64_t Registry::lookup(term::Atom name) const noexcept {
  uint32_t ci = name.index() >> kChunkBits;
  if (ci >= kMaxChunks) return 0;
  std::atomic<uint64_t>* c = chunks_[ci].load(std::memory_order_acquire);
  return c ? c[name.index() & (kChunkSize - 1)].load(std::memory_order_acquire) : 0;
}

void Registry::set_name(Process* p, uint32_t v) noexcept { p->name_.store(v, std::memory_order_relaxed); }
uint32_t Registry::get_name(Process* p) const noexcept { return p->name_.load(std::memory_order_relaxed); }

bool Registry::add(term::Atom name, Process* p, uint32_t serial) {
  std::lock_guard lock(mu_);
  if (get_name(p) != 0) return false;
  std::atomic<uint64_t>* w = word(name.index(), true);
  if (!w || w->load(std::memory_order_relaxed) != 0) return false;
  w->store(uint64_t(p->id()) | uint64_t(serial) << 32, std::memory_order_release);
  p->name_.store(name.index() + 1, std::memory_order_seq_cst);
  // Pairs with Process::die (sets kDead, then reads name_ without the lock): one of the two
  // sees the other, so a dying process never keeps a name.
  if (p->sched_.load(std::memory_order_seq_cst) & kDead) {
    w->store(0, std::memory_order_release);
    set_name(p, 0);
    return false;
  }
  return true;
}

void Registry::remove_process(Process* p) noexcept {
  if (p->name_.load(std::memory_order_seq_cst) == 0) return;  // see add()
  std::lock_guard lock(mu_);
  uint32_t v = get_name(p);
  if (v == 0) return;
  if (std::atomic<uint64_t>* w = word(v - 1, false)) w->store(0, std::memory_order_release);
  set_name(p, 0);
}

std::vector<term::Atom> Registry::names() const {
  std::lock_guard lock(mu_);
  std::vector<term::Atom> out;
  for (uint32_t ci = 0; ci < kMaxChunks; ++ci) {
    std::atomic<uint64_t>* c = chunks_[ci].load(std::memory_order_acquire);
    if (!c) continue;
    for (uint32_t i = 0; i < kChunkSize; ++i)
      if (c[i].load(std::memory_order_relaxed) != 0) out.push_back(term::Atom::from_index((ci << kChunkBits) | i));
  }
  return out;
}

}  // namespace ergod::runtime
