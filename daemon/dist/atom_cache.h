// The distribution header's atom cache, both directions of one connection (erl_dist_protocol,
// "Distribution Header"). Each direction is a table of 2048 slots (8 segments of 256) that the
// sender fills by putting "new entry" atoms in a message's header; later headers refer to a
// slot by index only. The two tables are independent: what we receive says nothing about what
// we send.
//
// ReceiveAtomCache is updated by parse_dist_header (dist_header.h). SendAtomCache is asked by
// the encoder (through a term::AtomCacheHook) which atoms of one message go in its header; it can roll a
// message back, because a message whose frame is refused after encoding must leave the table
// as the peer will see it.
//
// Threads: one connection's caches are used only on the loop thread that owns it.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "term/atom.h"

namespace ergod::dist {

constexpr uint32_t kAtomCacheSize = 2048;
// A header refers to at most 255 atoms (ERTS_MAX_INTERNAL_ATOM_CACHE_ENTRIES).
constexpr uint32_t kMaxHeaderAtoms = 255;

class ReceiveAtomCache {
 public:
  bool get(uint32_t slot, term::Atom& out) const {
    if (slot >= kAtomCacheSize || !set_[slot]) return false;
    out = slots_[slot];
    return true;
  }
  void put(uint32_t slot, term::Atom a) {
    slots_[slot] = a;
    set_[slot] = true;
  }

 private:
  std::array<term::Atom, kAtomCacheSize> slots_{};
  std::array<bool, kAtomCacheSize> set_{};
};

// One message's atom references, in header order, as the header writer needs them.
struct HeaderAtomRef {
  uint16_t slot;     // 0..2047
  bool is_new;       // the atom's text goes in the header
  term::Atom atom;
};

class SendAtomCache {
 public:
  // Starts a message: forgets the previous message's references (its table updates stay).
  void begin_message();
  // The ATOM_CACHE_REF index of `a` in this message, adding it to the header when needed; -1
  // when the header is full (255 atoms) or the slot is taken by another atom of this message:
  // the encoder then writes the atom in full.
  int index_of(term::Atom a);
  const std::vector<HeaderAtomRef>& refs() const { return refs_; }
  // Undoes the table updates of the current message (its frame was not sent).
  void rollback_message();
  // For term::AtomCacheHook{&SendAtomCache::hook_index_of, cache}.
  static int hook_index_of(void* cache, term::Atom a) { return static_cast<SendAtomCache*>(cache)->index_of(a); }

  static uint32_t slot_of(term::Atom a);

 private:
  struct Undo {
    uint16_t slot;
    bool was_set;
    term::Atom old;
  };
  std::array<term::Atom, kAtomCacheSize> slots_{};
  std::array<bool, kAtomCacheSize> set_{};
  // The ref index of each slot in the current message, valid when stamp_ matches.
  std::array<uint8_t, kAtomCacheSize> ref_index_{};
  std::array<uint32_t, kAtomCacheSize> ref_stamp_{};
  uint32_t stamp_ = 1;
  std::vector<HeaderAtomRef> refs_;
  std::vector<Undo> undo_;
};

}  // namespace ergod::dist
