// The pure parts of global's "prevent overlapping partitions" (global.erl, protocol vsn 7 and
// on, on by default in OTP 25): when node A reports {lost_connection, A, XCreationA, OpIdA, B},
// every other node of the cluster drops B (or A, if it is B itself), so that no node stays
// connected to both sides of a broken connection. global_name_server (global.h) does the
// sending and disconnecting; here: which report is new, which node to drop, what to log.
// Not here: messages and processes.
// Threads: a LostConnections belongs to one process.
#pragma once

#include <map>
#include <string>
#include <utility>

#include "term/term.h"

namespace ergod::services {

// Reports already acted on, per {A, B}: a report is new unless it comes from the same
// incarnation of A (XCreation) with an OpId not above the last one seen. global.erl forgets
// an entry an hour after it was saved (the caller's timer, whose reference is kept here).
class LostConnections {
 public:
  bool is_new(term::Atom a, term::Atom b, const term::Term& xcreation, const term::Term& op_id) const;
  // Saves the report; returns the timer of the entry it replaces (none Term if there was none).
  term::Term save(term::Atom a, term::Atom b, term::Term xcreation, term::Term op_id, term::Term timer);
  // The timer with that reference fired: the entry goes, unless a newer report replaced it.
  void expire(term::Atom a, term::Atom b, const term::Term& timer);
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    term::Term xcreation, op_id, timer;
  };
  std::map<std::pair<uint32_t, uint32_t>, Entry> entries_;  // atom indexes of {A, B}
};

// The node that `self` must drop when `lost_by` reports losing `lost`: `lost`, unless that is
// ourselves, then the reporter (the others drop us; we need not make them drop it too).
term::Atom overlap_node_to_drop(term::Atom self, term::Atom lost_by, term::Atom lost);

// Our incarnation's XCreation: random high bits (bits 32..59 of `random`) plus the node's
// creation, shifted to be non-negative as global.erl's is (its creation_extension).
term::Term overlap_xcreation(uint64_t random, uint32_t creation);

// The warning global.erl logs, e.g. "'global' at node a@h requested disconnect from node b@h
// in order to prevent overlapping partitions". what: "disconnected", "disconnected old",
// "requested disconnect from".
std::string overlap_warning(term::Atom self, const char* what, term::Atom node);

}  // namespace ergod::services
