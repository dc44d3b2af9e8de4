// See pg.h.
#include "services/pg.h"

#include <unordered_map>

namespace ergod::services {
namespace {

using namespace behaviors;
using term::Atom;
using term::Term;

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

  InitResult init(const Term&) override {
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
      if (it == peers_.end() && peer.is_pid()) it = peers_.emplace(peer, Peer{process().monitor(peer), Term::nil()}).first;
      if (it != peers_.end()) it->second.groups = m.element(2);
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
        peers_.emplace(peer, Peer{mref, Term::nil()});
      }
      return NoReply{};
    }
    if (is(m, term::atoms::DOWN, 5)) {
      auto it = peers_.find(m.element(3));
      if (it != peers_.end() && it->second.mref == m.element(1)) peers_.erase(it);
      return NoReply{};
    }
    if (is(m, term::atoms::nodeup, 2) && m.element(1).is_atom()) {
      if (m.element(1).atom_value() != process().runtime().node()) discover(m.element(1).atom_value());
      return NoReply{};
    }
    // join / leave from peers: membership changes that a later sync restates in full. We keep
    // no per-group index yet, so these are accepted and not applied.
    if (is(m, term::atoms::nodedown, 2) || is(m, join, 4) || is(m, leave, 4)) return NoReply{};
    return crash("handle_info", 2);
  }

 private:
  void discover(Atom node) {
    process().send(Term::tuple({Term::atom(scope_), Term::atom(node)}), Term::tuple({Term::atom("discover"), self()}));
  }

  struct Peer {
    Term mref;
    Term groups;  // [{Group, [Pid]}] as of the last sync
  };
  Atom scope_;
  VisibleNodes visible_nodes_;
  std::unordered_map<Term, Peer, term::TermHash> peers_;
};

}  // namespace

std::unique_ptr<GenServer> make_pg_scope(Atom scope, VisibleNodes visible_nodes) {
  return std::make_unique<PgScope>(scope, std::move(visible_nodes));
}

}  // namespace ergod::services
