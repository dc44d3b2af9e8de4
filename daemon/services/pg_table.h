// PgTable: the groups of one pg scope, as pg.erl keeps them in its named ETS table
// ({Group, AllPids, LocalPids}), and the node-wide directory of those tables, so that
// pg:get_members/1,2, get_local_members/1,2, which_groups/0,1 and which_local_groups/0,1 over
// rpc read them without asking the scope process (as OTP's read the ETS table).
// Lists keep pg.erl's order: a join puts its pids in front, a leave removes one occurrence of
// each pid (lists:delete / --), a group whose last member leaves is gone. The groups are
// listed in the order of OTP's ETS table (ets_order.h).
// Local joins (ergod's own processes, pg:join over rpc) go in both lists, as pg.erl's do.
// Not here: the scope process (pg.h) and the rpc functions (pg_functions.h).
// Threads: the scope process writes; any thread reads (one mutex per table, rarely contended).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "term/term.h"

namespace ergod::services {

class PgTable {
 public:
  // A remote join: {join, Peer, Group, PidOrPids}, or a group new in a peer's sync.
  void join(const term::Term& group, const term::Term& pid_or_pids);
  // A local join: the pids go in front of both lists.
  void join_local(const term::Term& group, const term::Term& pid_or_pids);
  // A local leave (pg.erl's leave_local_update_ets): one occurrence of each pid goes from both
  // lists; the group goes when no member is left. False when there was no such group.
  bool leave_local(const term::Term& group, const term::Term& pid_or_pids);
  // A remote leave of pid_or_pids from each of groups (a peer's leave, its DOWN, a sync that
  // no longer names a group).
  void leave(const term::Term& pid_or_pids, const std::vector<term::Term>& groups);
  // A sync that names a group with other pids than before: New ++ (All -- Old).
  void replace(const term::Term& group, const term::Term& old_pids, const term::Term& new_pids);

  bool has(const term::Term& group) const;
  term::Term members(const term::Term& group) const;        // [] when no such group
  term::Term local_members(const term::Term& group) const;  // idem
  term::Term groups() const;
  term::Term local_groups() const;
  // #{Group => AllPids}: what pg:monitor_scope/0,1 answers.
  term::Term snapshot() const;

 private:
  struct Entry {
    std::vector<term::Term> all, local;
    uint64_t seq = 0;   // when the key went into the table (newest first within a bucket)
    uint32_t hash = 0;  // ets_key_hash
  };
  Entry& entry(const term::Term& group);  // the group's entry, new at the end if missing
  std::vector<term::Term> ets_order(bool local_only) const;
  struct Less {
    bool operator()(const term::Term& a, const term::Term& b) const { return term::exact_compare(a, b) < 0; }
  };
  mutable std::mutex mu_;
  std::map<term::Term, Entry, Less> groups_;
  uint64_t next_seq_ = 0;
  size_t most_groups_ = 0;  // the table's buckets grow with it and are kept
};

// The table of scope on node, created empty (replacing any older one, as a restarted scope
// creates its ETS table anew).
std::shared_ptr<PgTable> pg_table_open(term::Atom node, term::Atom scope);
// Drops the table, if it is still this one (the scope ended: its ETS table goes with it).
void pg_table_close(term::Atom node, term::Atom scope, const std::shared_ptr<PgTable>& table);
// Null when scope has no table on node (no such scope, or it is being restarted).
std::shared_ptr<const PgTable> pg_table_find(term::Atom node, term::Atom scope);

}  // namespace ergod::services
