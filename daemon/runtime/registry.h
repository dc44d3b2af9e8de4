// Registry: registered names (erlang:register/unregister/whereis/registered).
//
// Lookups (every send to a name) read one atomic word per atom index: id | serial << 32 of the
// registered process, 0 when none; no lock. Changes (register, unregister, a named process
// exiting) take one mutex, which also guards each process's own name_ field, so "one name per
// process, one process per name" holds. Chunks of words are allocated on first use of an atom
// range and never freed. Threads: any thread may call anything here.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>

#include "term/atom.h"

namespace ergod::runtime {

class Process;

class Registry {
 public:
  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  uint64_t lookup(term::Atom name) const noexcept;  // id | serial << 32, or 0
  // p is acquired by the caller and alive. False if name is taken or p already has a name.
  bool add(term::Atom name, Process* p, uint32_t serial);
  // Removes name if registered; `process_for` gives the acquired process for a packed value
  // (or nullptr) so its name_ can be cleared.
  template <class Acquire, class Release>
  bool remove(term::Atom name, Acquire&& acquire_packed, Release&& release);
  // The process is exiting: drop its name if it has one.
  void remove_process(Process* p) noexcept;
  std::vector<term::Atom> names() const;

 private:
  static constexpr uint32_t kChunkBits = 12, kChunkSize = 1u << kChunkBits, kMaxChunks = 4096;
  std::atomic<uint64_t>* word(uint32_t index, bool create);
  void set_name(Process* p, uint32_t v) noexcept;
  uint32_t get_name(Process* p) const noexcept;

  mutable std::mutex mu_;
  std::atomic<std::atomic<uint64_t>*> chunks_[kMaxChunks];
};

template <class Acquire, class Release>
bool Registry::remove(term::Atom name, Acquire&& acquire_packed, Release&& release) {
  std::lock_guard lock(mu_);
  std::atomic<uint64_t>* w = word(name.index(), false);
  if (!w) return false;
  uint64_t packed = w->load(std::memory_order_relaxed);
  if (packed == 0) return false;
  w->store(0, std::memory_order_release);
  if (Process* p = acquire_packed(packed)) {
    set_name(p, 0);
    release(p);
  }
  return true;
}

}  // namespace ergod::runtime
