// See pg.h.
#include "services/pg.h"

#include <unordered_map>

#include "behaviors/gen_server.h"

namespace ergod::services {
namespace {

using namespace behaviors;

bool is(const Term& t, Atom tag, uint32_t arity) {
  return t.is_tuple() && t.tuple_arity() == arity && t.element(0).is_atom(tag);
}

class PgScope final : public GenServer {
 public:
  CallResult handle_call(const Term&, const Term&) override {
    // pg.erl's clauses are for local callers only; anything else is badarg there too.
    return Stop{Term::atom(term::atoms::badarg), Term()};
  }

  InfoResult handle_cast(const Term& m) override {
    static const Atom sync = Atom::make("sync");
    // {sync, Peer, Groups}: the peer's full membership, replacing what we knew.
    if (is(m, sync, 3) && m.element(1).is_pid()) {
      auto it = peers_.find(m.element(1));
      if (it != peers_.end()) it->second.groups = m.element(2);
    }
    return NoReply{};
  }

  InfoResult handle_info(const Term& m) override {
    static const Atom discover = Atom::make("discover"), join = Atom::make("join"), leave = Atom::make("leave");
    if (is(m, discover, 2) && m.element(1).is_pid()) {
      const Term& peer = m.element(1);
      gen_server::cast(process(), peer, Term::tuple({Term::atom("sync"), self(), Term::nil()}));
      if (!peers_.count(peer)) {
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
    // join / leave from peers: membership changes that a later sync restates in full. We keep
    // no per-group index yet, so these are accepted and not applied.
    (void)join;
    (void)leave;
    return NoReply{};
  }

 private:
  struct Peer {
    Term mref;
    Term groups;  // [{Group, [Pid]}] as of the last sync
  };
  std::unordered_map<Term, Peer, term::TermHash> peers_;
};

}  // namespace

Term start_pg(runtime::Runtime& rt, Atom scope) {
  StartOptions o;
  o.name = scope;
  Term r = gen_server::start(rt, std::make_unique<PgScope>(), Term::nil(), o);
  if (r.is_tuple() && r.tuple_arity() == 2 && r.element(0).is_atom(term::atoms::ok)) return r.element(1);
  return Term();
}

}  // namespace ergod::services
