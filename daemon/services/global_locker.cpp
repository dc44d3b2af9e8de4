// See global_locker.h. Calls go out one at a time (gen_server:multi_call sends them at once;
// the replies, and so the outcome, are the same). While a call or the wait for the end of a
// session is in progress, other messages stay queued, as in global.erl's locker loop.
#include "services/global_locker.h"

#include <algorithm>
#include <functional>
#include <memory>

#include "base/log.h"
#include "behaviors/gen_server.h"
#include "runtime/ids.h"

namespace ergod::services {
namespace {

using runtime::Process;
using term::Atom;
using term::Term;

const Atom kServer = Atom::make("global_name_server");

bool is(const Term& t, const char* tag, uint32_t arity) {
  return t.is_tuple() && t.tuple_arity() == arity && t.element(0).is_atom(Atom::make(tag));
}

bool atom_less(Atom a, Atom b) { return term::compare(Term::atom(a), Term::atom(b)) < 0; }

// The node's global_name_server: the registered name for ours, {Name, Node} for others.
Term server_at(Atom self_node, Atom node) {
  if (node == self_node) return Term::atom(kServer);
  return Term::tuple({Term::atom(kServer), Term::atom(node)});
}

class Locker final : public runtime::ProcessBehavior {
 public:
  Locker(Term server, std::vector<Atom> known) : server_(std::move(server)), known_(std::move(known)) {}

  void init(Process& self) override { node_ = self.runtime().node(); }

  void handle_message(Process& self, Term m) override {
    if (is(m, "his_the_locker", 5) && m.element(1).is_pid() && m.element(2).is_tuple() &&
        m.element(2).tuple_arity() >= 1) {
      int64_t vsn = 0;
      m.element(2).element(0).to_int64(vsn);
      Him h{runtime::pid_node(m.element(1)), m.element(1), vsn, m.element(4), m.element(3)};
      hims_.push_back(std::move(h));
    } else if (is(m, "cancel", 4) && m.element(1).is_atom()) {
      // A cancel with tag undefined may belong to an old nodedown: ignored, as global.erl does.
      if (!m.element(2).is_atom(term::atoms::undefined)) remove_him(m.element(1).atom_value(), m.element(2));
    } else if ((is(m, "lock_set", 5) || is(m, "lock_set", 4)) && m.element(1).is_pid()) {
      if (m.element(2).is_atom(term::atoms::true_)) lock_requested(self, m);
    } else if (is(m, "add_to_known", 2)) {
      for (Term l = m.element(1); l.is_cons(); l = l.tail())
        if (l.head().is_atom()) known_.push_back(l.head().atom_value());
    } else if (is(m, "remove_from_known", 2) && m.element(1).is_atom()) {
      auto it = std::find(known_.begin(), known_.end(), m.element(1).atom_value());
      if (it != known_.end()) known_.erase(it);
    } else if (!is(m, "EXIT", 3)) {
      log_warning("global_name_server locker: unexpected message " + term::to_string(m, 400));
    }
  }

 private:
  struct Him {
    Atom node;
    Term locker;
    int64_t vsn;
    Term my_tag, his_tag;
  };
  using Done = std::function<void(Process&, bool)>;
  using Replies = std::vector<std::pair<Atom, Term>>;

  Him* find_him(Atom node) {
    for (auto& h : hims_)
      if (h.node == node) return &h;
    return nullptr;
  }
  void remove_him(Atom node, const Term& tag) {
    for (auto it = hims_.begin(); it != hims_.end(); ++it)
      if (it->node == node && it->my_tag == tag) {
        hims_.erase(it);
        return;
      }
  }
  Term known_list() const {
    std::vector<Term> v;
    for (Atom n : known_) v.push_back(Term::atom(n));
    return Term::list(v);
  }
  Atom boss(const std::vector<Atom>& nodes) const {
    Atom b = node_;
    for (Atom n : nodes)
      if (atom_less(b, n)) b = n;
    return b;
  }
  static std::vector<Atom> minus(std::vector<Atom> a, const std::vector<Atom>& b) {
    for (Atom x : b) {
      auto it = std::find(a.begin(), a.end(), x);
      if (it != a.end()) a.erase(it);
    }
    return a;
  }

  // The other locker holds his partition and asks us for ours ("spontaneous" lock_set).
  void lock_requested(Process& self, const Term& m) {
    const Term& his_locker = m.element(1);
    Him* h = find_him(runtime::pid_node(his_locker));
    if (!h) {  // no session with that node: refuse straight to his locker, as global.erl does
      send_lock_set(self, false, his_locker, 5, Term::integer(0));
      return;
    }
    // A 5-tuple names the session; one for an older session of that node is stale.
    if (m.tuple_arity() == 5 && m.element(4) != h->my_tag) return;
    Him him = *h;
    Term a = self.self(), b = his_locker;
    if (term::compare(b, a) < 0) std::swap(a, b);
    Term lock_id = Term::tuple({Term::atom("global"), Term::list({a, b})});
    lock_nodes_safely(self, lock_id, [this, him, lock_id](Process& p, bool set) {
      send_lock_set(p, set, him.locker, him.vsn, him.his_tag);
      if (!set) return;
      std::vector<Atom> known2{node_};
      known2.insert(known2.end(), known_.begin(), known_.end());
      behaviors::gen_server::cast(p, Term::atom(kServer),
                                  Term::tuple({Term::atom("lock_is_set"), Term::atom(him.node), him.my_tag, lock_id}));
      wait_cancel(p, him, lock_id, std::move(known2));
    });
  }

  // Holds the lock until the server ends this session; other messages wait meanwhile.
  void wait_cancel(Process& self, Him him, Term lock_id, std::vector<Atom> known2) {
    pending_ = Pending{him, lock_id, std::move(known2)};
    Atom node = him.node;
    Term tag = him.my_tag;
    self.receive(
        [node, tag](const Term& m) {
          return is(m, "cancel", 4) && m.element(1).is_atom(node) && m.element(2) == tag;
        },
        runtime::kInfinity, [this](Process& p, std::optional<Term> m) {
          Pending done = std::move(pending_);
          // The new_nodes casts go before del_lock, so peers see them while the lock holds.
          for (Term l = m->element(3); l.is_cons(); l = l.tail()) {
            const Term& c = l.head();
            if (c.is_tuple() && c.tuple_arity() == 2 && c.element(0).is_atom())
              behaviors::gen_server::cast(p, server_at(node_, c.element(0).atom_value()), c.element(1));
          }
          remove_him(done.him.node, done.him.my_tag);
          delete_global_lock(p, done.lock_id, done.known2, [](Process&) {});
        });
  }

  void send_lock_set(Process& self, bool set, const Term& his_locker, int64_t vsn, const Term& his_tag) {
    Term flag = Term::atom(set ? term::atoms::true_ : term::atoms::false_);
    Term msg = vsn < 8 ? Term::tuple({Term::atom("lock_set"), self.self(), flag, known_list()})
                       : Term::tuple({Term::atom("lock_set"), self.self(), flag, known_list(), his_tag});
    if (vsn < 6)
      self.send(his_locker, msg);
    else
      behaviors::gen_server::cast(self, server_at(node_, runtime::pid_node(his_locker)), msg);
  }

  // global.erl's lock_nodes_safely: the boss first, then us, then the rest of the partition;
  // what was set is removed again when a later step fails.
  void lock_nodes_safely(Process& self, Term id, Done done) {
    std::vector<Atom> first{boss(known_)};
    set_lock(self, id, first, [this, id, first, done](Process& p, bool ok) {
      if (!ok) return done(p, false);
      std::vector<Atom> second = minus({node_}, first);
      set_lock(p, id, second, [this, id, first, second, done](Process& p, bool ok) {
        if (!ok) return del_lock(p, id, first, [done](Process& p) { done(p, false); });
        set_lock(p, id, minus(known_, first), [this, id, first, second, done](Process& p, bool ok) {
          if (ok) return done(p, true);
          std::vector<Atom> so_far = first;
          so_far.insert(so_far.end(), second.begin(), second.end());
          del_lock(p, id, so_far, [done](Process& p) { done(p, false); });
        });
      });
    });
  }

  void set_lock(Process& self, Term id, std::vector<Atom> nodes, Done done) {
    if (nodes.empty()) return done(self, true);
    Term req = Term::tuple({Term::atom("set_lock"), id});
    multi_call(self, std::move(nodes), req, [this, id, done](Process& p, Replies replies) {
      std::vector<Atom> granted;
      bool all = true;
      for (auto& [n, r] : replies) {
        if (r.is_atom(term::atoms::true_))
          granted.push_back(n);
        else
          all = false;
      }
      if (all) return done(p, true);
      if (replies.size() == 1) return done(p, false);
      del_lock(p, id, granted, [done](Process& p) { done(p, false); });
    });
  }

  void del_lock(Process& self, Term id, std::vector<Atom> nodes, std::function<void(Process&)> done) {
    if (nodes.empty()) return done(self);
    multi_call(self, std::move(nodes), Term::tuple({Term::atom("del_lock"), id}),
               [done](Process& p, Replies) { done(p); });
  }

  // The boss's lock goes last (global.erl: fewer failed attempts by others meanwhile).
  void delete_global_lock(Process& self, Term id, std::vector<Atom> nodes, std::function<void(Process&)> done) {
    Atom b = boss(nodes);
    del_lock(self, id, minus(nodes, {b}), [this, id, b, done](Process& p) { del_lock(p, id, {b}, done); });
  }

  // gen_server:multi_call to global_name_server on nodes: the replies of those that answered.
  struct MultiCall {
    std::vector<Atom> nodes;
    size_t next = 0;
    Term request;
    Replies replies;
    std::function<void(Process&, Replies)> done;
  };
  void multi_call(Process& self, std::vector<Atom> nodes, Term request, std::function<void(Process&, Replies)> done) {
    auto mc = std::make_shared<MultiCall>();
    mc->nodes = std::move(nodes);
    mc->request = std::move(request);
    mc->done = std::move(done);
    step(self, std::move(mc));
  }
  void step(Process& self, std::shared_ptr<MultiCall> mc) {
    if (mc->next == mc->nodes.size()) {
      auto done = std::move(mc->done);
      return done(self, std::move(mc->replies));
    }
    Atom n = mc->nodes[mc->next++];
    behaviors::gen_server::try_call(self, server_at(node_, n), mc->request, runtime::kInfinity,
                                    [this, mc, n](Process& p, runtime::CallOutcome out) {
                                      if (out.ok) mc->replies.emplace_back(n, out.value);
                                      step(p, mc);
                                    });
  }

  struct Pending {
    Him him;
    Term lock_id;
    std::vector<Atom> known2;
  };

  Term server_;
  Atom node_;
  std::vector<Atom> known_;
  std::vector<Him> hims_;
  Pending pending_;
};

}  // namespace

Term start_global_locker(Process& server, std::vector<Atom> known) {
  runtime::SpawnOptions o;
  o.link = true;
  auto sp = server.spawn(std::make_unique<Locker>(server.self(), std::move(known)), o);
  return sp ? sp->pid : Term();
}

}  // namespace ergod::services
