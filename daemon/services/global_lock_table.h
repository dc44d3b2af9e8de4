// global_name_server's lock table (global.erl's global_locks): ResourceId -> the one
// LockRequesterId that holds it and the pids that share it, each monitored so that its DOWN
// releases its share; the last share gone frees the resource. Kept also in global_table.h
// for readers on other threads.
// Threads: the server's process only (the Process& passed in).
#pragma once

#include <map>
#include <unordered_map>
#include <utility>
#include <vector>

#include "runtime/process.h"
#include "term/term.h"

namespace ergod::services {

class GlobalLockTable {
 public:
  struct Lock {
    term::Term requester;                                  // LockRequesterId
    std::vector<std::pair<term::Term, term::Term>> holders;  // {Pid, Mref}
  };

  explicit GlobalLockTable(term::Atom node) : node_(node) {}

  // {set_lock, {ResourceId, LockRequesterId}} from pid: false when another requester holds it.
  bool set(runtime::Process& self, const term::Term& id, const term::Term& pid);
  // {del_lock, Id} from pid: its share goes, if that requester holds the resource.
  void del(runtime::Process& self, const term::Term& id, const term::Term& pid);
  // A DOWN of ours: the share it monitored goes (false if mref is not a lock's).
  bool down(runtime::Process& self, const term::Term& mref);

  const Lock* find(const term::Term& resource) const;
  // The global lock was last removed by a holder's DOWN (global.erl's global_lock_down).
  bool global_lock_down() const { return global_lock_down_; }

 private:
  void remove(runtime::Process& self, std::map<term::Term, Lock, term::ExactLess>::iterator it, const term::Term& pid,
              bool down);

  term::Atom node_;
  std::map<term::Term, Lock, term::ExactLess> locks_;             // ResourceId -> lock
  std::unordered_map<term::Term, term::Term, term::TermHash> refs_;  // mref -> ResourceId
  bool global_lock_down_ = false;
};

}  // namespace ergod::services
