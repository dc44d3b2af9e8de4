// Identifiers: how pids and references are laid out, and the keys the runtime hashes them by.
//
// A local pid is <node, id, serial, creation>: id is the process-table slot, serial counts
// the slot's reuses, so an old pid of a reused slot never reaches the new process.
// A reference has 3 id words like Erlang's: ids[0] is the table slot of the process that made
// it (so that a message sent to an alias finds its process without a lookup table), ids[1..2]
// a 64-bit number unique for the life of this OS process. Erlang nodes accept any 32-bit
// values in these words (checked with binary_to_term on OTP 25).
// Any thread may call anything here.
#pragma once

#include <cstdint>

#include "term/term.h"

namespace ergod::runtime {

inline constexpr uint32_t kNoSlot = 0xffffffffu;  // ids[0] of a reference made outside a process

// A 64-bit number never returned twice in this OS process (per-thread blocks of a global counter).
uint64_t next_ref_number() noexcept;

inline uint64_t pid_key(const term::Term& pid) noexcept {
  auto* p = pid.as<term::PidBox>();
  return (uint64_t(p->id) | uint64_t(p->serial) << 32) ^
         (uint64_t(p->node.index()) * 0x9E3779B97F4A7C15ULL) ^ (uint64_t(p->creation) << 17);
}

inline uint64_t ref_key(const term::Term& ref) noexcept {
  auto* r = ref.as<term::RefBox>();
  uint64_t k = uint64_t(r->ids[1]) | uint64_t(r->ids[2]) << 32;
  return k ^ (uint64_t(r->ids[0]) * 0x9E3779B97F4A7C15ULL) ^ (uint64_t(r->node.index()) << 7) ^
         (uint64_t(r->len) << 3) ^ uint64_t(r->creation);
}

// The slot a local reference names (its maker), or kNoSlot.
inline uint32_t ref_slot(const term::Term& ref) noexcept {
  auto* r = ref.as<term::RefBox>();
  return r->len == 3 ? r->ids[0] : kNoSlot;
}

inline term::Atom pid_node(const term::Term& pid) noexcept { return pid.as<term::PidBox>()->node; }

}  // namespace ergod::runtime
