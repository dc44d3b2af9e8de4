// See global_overlap.h.
#include "services/global_overlap.h"

namespace ergod::services {

using term::Atom;
using term::Term;

bool LostConnections::is_new(Atom a, Atom b, const Term& xcreation, const Term& op_id) const {
  auto it = entries_.find({a.index(), b.index()});
  if (it == entries_.end()) return true;
  const Entry& e = it->second;
  return !(e.xcreation == xcreation && term::compare(op_id, e.op_id) <= 0);
}

Term LostConnections::save(Atom a, Atom b, Term xcreation, Term op_id, Term timer) {
  Entry& e = entries_[{a.index(), b.index()}];
  Term old = std::move(e.timer);
  e = Entry{std::move(xcreation), std::move(op_id), std::move(timer)};
  return old;
}

void LostConnections::expire(Atom a, Atom b, const Term& timer) {
  auto it = entries_.find({a.index(), b.index()});
  if (it != entries_.end() && it->second.timer == timer) entries_.erase(it);
}

Atom overlap_node_to_drop(Atom self, Atom lost_by, Atom lost) { return lost == self ? lost_by : lost; }

Term overlap_xcreation(uint64_t random, uint32_t creation) {
  // global.erl: ((rand in [0, 2^60)) band bnot (2^32 - 1)) + creation - (-(2^59)).
  uint64_t high = (random & ((uint64_t(1) << 60) - 1)) & ~uint64_t(0xffffffff);
  return Term::unsigned_integer(high + creation + (uint64_t(1) << 59));
}

std::string overlap_warning(Atom self, const char* what, Atom node) {
  return "'global' at node " + term::to_string(Term::atom(self)) + " " + what + " node " +
         term::to_string(Term::atom(node)) + " in order to prevent overlapping partitions";
}

}  // namespace ergod::services
