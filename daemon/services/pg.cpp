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

  CallResult handle_call(const Term&, const Term&) override { return crash("handle_call", 3); }

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
      gen_server::cast(process(), peer, Term::tuple({Term::atom("sync"), self(), Term::nil()}));
      if (peer.is_pid() && !peers_.count(peer)) {
        Term mref = process().monitor(peer);
        process().send(peer, Term::tuple({Term::atom("discover"), self()}));
        peers_.emplace(peer, Peer{mref, {}});
      }
      return NoReply{};
    }
    if (is(m, term::atoms::DOWN, 5)) {
      auto it = peers_.find(m.element(3));
      if (it != peers_.end() && it->second.mref == m.element(1)) {
        // The peer's scope or its node is gone: so are its members.
        for (const auto& [group, pids] : it->second.groups) table_->leave(pids, {group});
        peers_.erase(it);
      }
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
      Term& mine = it->second.groups[group];
      mine = Term::list(elements(pid_list(pids)), mine.is_list() ? mine : Term::nil());
      return NoReply{};
    }
    // {leave, Peer, PidOrPids, Groups}
    if (is(m, leave, 4)) {
      auto it = peers_.find(m.element(1));
      if (it == peers_.end()) return NoReply{};
      std::vector<Term> groups = elements(m.element(3));
      table_->leave(m.element(2), groups);
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
      } else {
        if (!(it->second == pids)) table_->replace(group, it->second, pids);
        old.erase(it);
      }
      peer.groups[group] = pids;
    }
    for (const auto& [group, pids] : old) table_->leave(pids, {group});
  }

  Atom scope_, node_;
  std::shared_ptr<PgTable> table_;
  VisibleNodes visible_nodes_;
  std::unordered_map<Term, Peer, term::TermHash> peers_;
};

}  // namespace

std::unique_ptr<GenServer> make_pg_scope(Atom scope, VisibleNodes visible_nodes) {
  return std::make_unique<PgScope>(scope, std::move(visible_nodes));
}

}  // namespace ergod::services
