// See pg.h.
#include "services/pg.h"

#include <algorithm>
#include <map>
#include <unordered_map>

#include "services/pg_table.h"

namespace ergod::services {
namespace {

using namespace behaviors;
using term::Atom;
using term::Term;

// A peer's groups as it told us: Group -> its pids there (pg.erl's remote map).
using RemoteGroups = std::map<Term, Term, term::ExactLess>;

std::vector<Term> elements(const Term& list) { return term::list_elements(list); }
Term subtract(const Term& a, const Term& b) {
  std::vector<Term> v = elements(a);
  for (const Term& x : elements(b))
    if (auto it = std::find(v.begin(), v.end(), x); it != v.end()) v.erase(it);
  return Term::list(v);
}
Term pid_list(const Term& pid_or_pids) { return pid_or_pids.is_list() ? pid_or_pids : Term::list({pid_or_pids}); }

bool is(const Term& t, Atom tag, uint32_t arity) {
  return t.is_tuple() && t.tuple_arity() == arity && t.element(0).is_atom(tag);
}

// pg.erl's catch-all clauses: erlang:error(badarg), so the scope ends with badarg and the
// frame of the callback (ergod runs no pg.erl: no file and line).
Stop crash(const char* callback, int arity) {
  Term frame = Term::tuple({Term::atom("pg"), Term::atom(callback), Term::integer(arity), Term::nil()});
  return Stop{Term::tuple({Term::atom(term::atoms::badarg), Term::list({frame})}), Term()};
}

class PgScope final : public GenServer {
 public:
  PgScope(Atom scope, VisibleNodes visible_nodes) : scope_(scope), visible_nodes_(std::move(visible_nodes)) {}

  ~PgScope() override {
    if (table_) pg_table_close(node_, scope_, table_);
  }

  InitResult init(const Term&) override {
    // The scope's table, new and empty as the ETS table pg.erl's init creates.
    node_ = process().runtime().node();
    table_ = pg_table_open(node_, scope_);
    // pg.erl's init: watch nodes, and discover the scope on every node already there (after
    // a restart the peers have forgotten us with our old pid's DOWN).
    process().monitor_nodes(true);
    if (visible_nodes_)
      for (const auto& n : visible_nodes_()) discover(Atom::make(n));
    return InitOk{};
  }

  CallResult handle_call(const Term& r, const Term& from) override {
    static const Atom join_local = Atom::make("join_local"), leave_local = Atom::make("leave_local"),
                      monitor_ = Atom::make("monitor"), demonitor_ = Atom::make("demonitor");
    // {join_local, Group, PidOrPids}: ergod's own processes (pg:join over rpc, plugins).
    if (is(r, join_local, 3) && pids_ok(r.element(2))) {
      const Term &group = r.element(1), &pids = r.element(2);
      for (const Term& p : elements(pid_list(pids))) join_one(p, group);
      table_->join_local(group, pids);
      notify(join_, group, pid_list(pids));
      broadcast(Term::tuple({Term::atom(join_), self(), group, pids}));
      return Reply{Term::atom(term::atoms::ok)};
    }
    // {leave_local, Group, PidOrPids}: not_joined when none of them was in the group.
    if (is(r, leave_local, 3) && pids_ok(r.element(2))) {
      const Term &group = r.element(1), &pids = r.element(2);
      bool changed = false;
      for (const Term& p : elements(pid_list(pids))) changed |= leave_one(p, group);
      if (!changed) return Reply{Term::atom("not_joined")};
      if (table_->leave_local(group, pids)) notify(leave_, group, pid_list(pids));
      broadcast(Term::tuple({Term::atom(leave_), self(), pids, Term::list({group})}));
      return Reply{Term::atom(term::atoms::ok)};
    }
    // monitor (pg:monitor_scope): every group with its members; later changes go to the caller
    // as {Ref, join | leave, Group, Pids} until demonitor or its exit.
    if (r.is_atom(monitor_) && caller(from).is_pid()) {
      Term ref = process().monitor(caller(from));
      scope_monitors_.emplace(ref, caller(from));
      return Reply{Term::tuple({ref, table_->snapshot()})};
    }
    // {monitor, Group} (pg:monitor/1,2): the same for one group.
    if (is(r, monitor_, 2) && caller(from).is_pid()) {
      Term ref = process().monitor(caller(from));
      group_monitors_.emplace(ref, GroupMonitor{caller(from), r.element(1)});
      return Reply{Term::tuple({ref, table_->members(r.element(1))})};
    }
    if (is(r, demonitor_, 2)) {
      bool had = drop_monitor(r.element(1));
      if (had) process().demonitor(r.element(1));
      return Reply{Term::atom(had ? term::atoms::ok : term::atoms::false_)};
    }
    return crash("handle_call", 3);
  }

  InfoResult handle_cast(const Term& m) override {
    static const Atom sync = Atom::make("sync");
    // {sync, Peer, Groups}: the peer's full membership, replacing what we knew.
    if (is(m, sync, 3)) {
      const Term& peer = m.element(1);
      auto it = peers_.find(peer);
      // pg.erl's handle_sync: a scope we did not know yet becomes a peer (monitored).
      if (it == peers_.end() && peer.is_pid()) it = peers_.emplace(peer, Peer{process().monitor(peer), {}}).first;
      if (it != peers_.end()) apply_sync(it->second, m.element(2));
      return NoReply{};
    }
    return crash("handle_cast", 2);
  }

  InfoResult handle_info(const Term& m) override {
    static const Atom discover_ = Atom::make("discover"), join = Atom::make("join"), leave = Atom::make("leave");
    if (is(m, discover_, 2)) {
      const Term& peer = m.element(1);
      gen_server::cast(process(), peer, Term::tuple({Term::atom("sync"), self(), local_groups()}));
      if (peer.is_pid() && !peers_.count(peer)) {
        Term mref = process().monitor(peer);
        process().send(peer, Term::tuple({Term::atom("discover"), self()}));
        peers_.emplace(peer, Peer{mref, {}});
      }
      return NoReply{};
    }
    if (is(m, term::atoms::DOWN, 5)) {
      const Term &mref = m.element(1), &pid = m.element(3);
      if (auto lt = local_.find(pid); lt != local_.end() && lt->second.mref == mref) {
        // A member of ours ended: it leaves each of its groups, and the peers hear it.
        std::vector<Term> groups = std::move(lt->second.groups);
        local_.erase(lt);
        for (const Term& g : groups)
          if (table_->leave_local(g, pid)) notify(leave_, g, Term::list({pid}));
        broadcast(Term::tuple({Term::atom(leave_), self(), pid, Term::list(groups)}));
        return NoReply{};
      }
      auto it = peers_.find(pid);
      if (it != peers_.end() && it->second.mref == mref) {
        // The peer's scope or its node is gone: so are its members.
        for (const auto& [group, pids] : it->second.groups) remote_leave(pids, {group});
        peers_.erase(it);
        return NoReply{};
      }
      drop_monitor(mref);  // a monitoring caller ended
      return NoReply{};
    }
    if (is(m, term::atoms::nodeup, 2) && m.element(1).is_atom()) {
      if (m.element(1).atom_value() != process().runtime().node()) discover(m.element(1).atom_value());
      return NoReply{};
    }
    // {join, Peer, Group, PidOrPids}; from a scope that is not our peer (it left, or never
    // joined the overlay) it is dropped, as pg.erl does.
    if (is(m, join, 4)) {
      auto it = peers_.find(m.element(1));
      if (it == peers_.end()) return NoReply{};
      const Term &group = m.element(2), &pids = m.element(3);
      table_->join(group, pids);
      notify(join_, group, pid_list(pids));
      Term& mine = it->second.groups[group];
      mine = Term::list(elements(pid_list(pids)), mine.is_list() ? mine : Term::nil());
      return NoReply{};
    }
    // {leave, Peer, PidOrPids, Groups}
    if (is(m, leave, 4)) {
      auto it = peers_.find(m.element(1));
      if (it == peers_.end()) return NoReply{};
      std::vector<Term> groups = elements(m.element(3));
      remote_leave(m.element(2), groups);
      for (const Term& g : groups) {
        auto gi = it->second.groups.find(g);
        if (gi == it->second.groups.end()) continue;
        gi->second = subtract(gi->second, pid_list(m.element(2)));
        if (gi->second.is_nil()) it->second.groups.erase(gi);
      }
      return NoReply{};
    }
    // nodedown: the DOWN of the peer's scope does the work.
    if (is(m, term::atoms::nodedown, 2)) return NoReply{};
    return crash("handle_info", 2);
  }

 private:
  static inline const Atom join_ = Atom::make("join"), leave_ = Atom::make("leave");

  static Term caller(const Term& from) { return from.is_tuple() && from.tuple_arity() == 2 ? from.element(0) : Term(); }
  static bool pids_ok(const Term& pid_or_pids) {
    if (pid_or_pids.is_pid()) return true;
    Term l = pid_or_pids;
    for (; l.is_cons(); l = l.tail())
      if (!l.head().is_pid()) return false;
    return l.is_nil();
  }

  // A local member joins one more group (newest first); its first join monitors it.
  void join_one(const Term& pid, const Term& group) {
    auto it = local_.find(pid);
    if (it == local_.end()) it = local_.emplace(pid, Local{process().monitor(pid), {}}).first;
    it->second.groups.insert(it->second.groups.begin(), group);
  }
  // False when pid was not in group; its last group ends the monitor.
  bool leave_one(const Term& pid, const Term& group) {
    auto it = local_.find(pid);
    if (it == local_.end()) return false;
    auto& gs = it->second.groups;
    auto g = std::find(gs.begin(), gs.end(), group);
    if (g == gs.end()) return false;
    gs.erase(g);
    if (gs.empty()) {
      process().demonitor(it->second.mref);
      local_.erase(it);
    }
    return true;
  }

  // pg.erl's all_local_pids: [{Group, Pids}], what a sync carries.
  Term local_groups() const {
    std::map<Term, std::vector<Term>, term::ExactLess> by_group;
    for (const auto& [pid, l] : local_)
      for (const Term& g : l.groups) {
        auto& v = by_group[g];
        v.insert(v.begin(), pid);
      }
    std::vector<Term> out;
    for (auto& [g, pids] : by_group) out.push_back(Term::tuple({g, Term::list(pids)}));
    return Term::list(out);
  }

  void broadcast(const Term& msg) {
    for (const auto& [peer, p] : peers_) process().send(peer, msg);
  }

  // A peer's members leave: the table changes, and monitors hear of each group still there.
  void remote_leave(const Term& pid_or_pids, const std::vector<Term>& groups) {
    for (const Term& g : groups) {
      if (!table_->has(g)) continue;
      table_->leave(pid_or_pids, {g});
      notify(leave_, g, pid_list(pid_or_pids));
    }
  }

  // {Ref, join | leave, Group, Pids} to the scope's monitors and the group's.
  void notify(Atom action, const Term& group, const Term& pids) {
    for (const auto& [ref, pid] : scope_monitors_)
      process().send(pid, Term::tuple({ref, Term::atom(action), group, pids}));
    for (const auto& [ref, gm] : group_monitors_)
      if (gm.group == group) process().send(gm.pid, Term::tuple({ref, Term::atom(action), group, pids}));
  }

  bool drop_monitor(const Term& ref) { return scope_monitors_.erase(ref) + group_monitors_.erase(ref) > 0; }

  void discover(Atom node) {
    process().send(Term::tuple({Term::atom(scope_), Term::atom(node)}), Term::tuple({Term::atom("discover"), self()}));
  }

  struct Peer {
    Term mref;
    RemoteGroups groups;
  };

  // {sync, Peer, Groups}: the peer's full membership replaces what we knew of it; the table
  // changes only where the two differ (pg.erl's sync_groups).
  void apply_sync(Peer& peer, const Term& groups) {
    RemoteGroups old = std::move(peer.groups);
    peer.groups.clear();
    for (const Term& g : elements(groups)) {
      if (!g.is_tuple() || g.tuple_arity() != 2 || !g.element(1).is_list()) continue;
      const Term &group = g.element(0), &pids = g.element(1);
      auto it = old.find(group);
      if (it == old.end()) {
        table_->join(group, pids);
        notify(join_, group, pids);
      } else {
        if (!(it->second == pids)) table_->replace(group, it->second, pids);
        old.erase(it);
      }
      peer.groups[group] = pids;
    }
    for (const auto& [group, pids] : old) remote_leave(pids, {group});
  }

  Atom scope_, node_;
  std::shared_ptr<PgTable> table_;
  VisibleNodes visible_nodes_;
  std::unordered_map<Term, Peer, term::TermHash> peers_;
  struct Local {
    Term mref;
    std::vector<Term> groups;  // newest first, once per join
  };
  std::map<Term, Local, term::ExactLess> local_;  // ordered: a sync lists them as pg.erl's map does
  struct GroupMonitor {
    Term pid, group;
  };
  std::unordered_map<Term, Term, term::TermHash> scope_monitors_;  // ref -> monitoring pid
  std::unordered_map<Term, GroupMonitor, term::TermHash> group_monitors_;
};

}  // namespace

std::unique_ptr<GenServer> make_pg_scope(Atom scope, VisibleNodes visible_nodes) {
  return std::make_unique<PgScope>(scope, std::move(visible_nodes));
}

}  // namespace ergod::services
