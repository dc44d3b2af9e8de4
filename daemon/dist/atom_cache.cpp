// The send direction of the atom cache (see atom_cache.h). The receive direction is inline.
#include "dist/atom_cache.h"

namespace ergod::dist {

uint32_t SendAtomCache::slot_of(term::Atom a) {
  // Atom indices are dense and assigned in creation order; a multiplicative hash spreads
  // neighbours (atoms interned together are often used together) over different slots.
  return (a.index() * 2654435761u) >> 21;  // top 11 bits: 0..2047
}

void SendAtomCache::begin_message() {
  refs_.clear();
  undo_.clear();
  if (++stamp_ == 0) {  // wrapped: no slot may look as if it belonged to this message
    ref_stamp_.fill(0);
    stamp_ = 1;
  }
}

int SendAtomCache::index_of(term::Atom a) {
  uint32_t slot = slot_of(a);
  if (ref_stamp_[slot] == stamp_) {
    // Already in this header: the same atom is referenced again; a different one that hashes
    // to the same slot cannot share it within one message.
    return refs_[ref_index_[slot]].atom == a ? ref_index_[slot] : -1;
  }
  if (refs_.size() >= kMaxHeaderAtoms) return -1;
  bool hit = set_[slot] && slots_[slot] == a;
  if (!hit) {
    undo_.push_back({static_cast<uint16_t>(slot), set_[slot], slots_[slot]});
    slots_[slot] = a;
    set_[slot] = true;
  }
  ref_stamp_[slot] = stamp_;
  ref_index_[slot] = static_cast<uint8_t>(refs_.size());
  refs_.push_back({static_cast<uint16_t>(slot), !hit, a});
  return static_cast<int>(refs_.size() - 1);
}

void SendAtomCache::rollback_message() {
  for (auto it = undo_.rbegin(); it != undo_.rend(); ++it) {
    slots_[it->slot] = it->old;
    set_[it->slot] = it->was_set;
  }
  undo_.clear();
  refs_.clear();
  if (++stamp_ == 0) {
    ref_stamp_.fill(0);
    stamp_ = 1;
  }
}

}  // namespace ergod::dist
