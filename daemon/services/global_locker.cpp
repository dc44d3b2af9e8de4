// See global_locker.h. Calls go out one at a time (gen_server:multi_call sends them at once;
// the replies, and so the outcome, are the same). While a call or the wait for the end of a
// session is in progress, other messages stay queued, as in global.erl's locker loop.
// global.erl's `receive ... after Timeout` is a {try_lock, Gen} timer: every message handled
// re-arms it with a new Gen, so only the timer of the last one counts.
#include "services/global_locker.h"

#include <algorithm>
#include <functional>
#include <memory>
#include <random>
#include <utility>

#include "base/log.h"
#include "behaviors/gen_server.h"
#include "runtime/ids.h"
#include "services/global_table.h"

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
    if (is(m, "try_lock", 2) && m.element(1).is_integer()) {  // any other: logged as unexpected
      // Only the timer of the last message handled counts; an older one is stale.
      int64_t gen = -1;
      if (m.element(1).to_int64(gen) && gen == gen_) {
        tref_ = Term();
        try_lock(self);
      }
      return;
    }
    handle(self, m);
    if (!self.in_call()) arm(self);
  }

 private:
  void handle(Process& self, const Term& m) {
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
    Term lock_id = lock_id_with(self, his_locker);
    lock_nodes_safely(self, lock_id, {}, [this, him, lock_id](Process& p, bool set) {
      log_debug("global_name_server locker: " + std::string(him.node.name()) + "'s locker asked for our lock: " +
                (set ? "set" : "refused"));
      send_lock_set(p, set, him.locker, him.vsn, him.his_tag);
      if (!set) return arm(p);
      std::vector<Atom> known2{node_};
      known2.insert(known2.end(), known_.begin(), known_.end());
      lock_both_set(p, him, lock_id, std::move(known2));
    });
  }

  // global.erl's timeout of the locker loop: at once after a session, 0.2 s while we know no
  // other node, else 1-3 s by the size of our partition; none while no session waits.
  void arm(Process& self) {
    ++gen_;
    if (!tref_.is_none()) self.cancel_timer(std::exchange(tref_, Term()));
    if (hims_.empty()) return;
    int64_t ms = just_synced_ ? 0 : known_.empty() ? 200 : std::min<int64_t>(1000 + 100 * int64_t(known_.size()), 3000);
    just_synced_ = false;
    tref_ = self.send_after(ms, self.self(), Term::tuple({Term::atom("try_lock"), Term::integer(gen_)}));
  }

  // global.erl's select_node: when no global lock is set here, we lock our partition and his
  // node for a session of our choice (one on this host first) and tell his locker, which
  // then locks his partition (lock_requested on his side) and answers.
  void try_lock(Process& self) {
    Term probe = Term::tuple({Term::atom("global"), self.make_ref()});
    if (!global_can_set_lock(node_, probe)) return arm(self);  // someone's global lock is set
    // Sessions with nodes already in our partition need no lock of ours (exclude_known).
    hims_.erase(std::remove_if(hims_.begin(), hims_.end(),
                               [this](const Him& h) { return std::find(known_.begin(), known_.end(), h.node) != known_.end(); }),
                hims_.end());
    std::vector<const Him*> local, remote;
    for (const Him& h : hims_) (same_host(h.node) ? local : remote).push_back(&h);
    const auto& pool = local.empty() ? remote : local;
    if (pool.empty()) return arm(self);
    static std::mt19937 rng{std::random_device{}()};
    Him him = *pool[std::uniform_int_distribution<size_t>(0, pool.size() - 1)(rng)];
    Term lock_id = lock_id_with(self, him.locker);
    lock_nodes_safely(self, lock_id, {him.node}, [this, him, lock_id](Process& p, bool set) {
      if (!set) return arm(p);
      log_debug("global_name_server locker: our partition is locked for the session with " +
                std::string(him.node.name()));
      std::vector<Atom> known1{node_, him.node};
      known1.insert(known1.end(), known_.begin(), known_.end());
      send_lock_set(p, true, him.locker, him.vsn, him.his_tag);
      wait_his_lock(p, him, lock_id, std::move(known1));
    });
  }

  // global.erl's lock_is_set: his locker answers our lock_set (through his server and ours);
  // only the answer for this session counts. A cancel (his node went, or the session was
  // restarted) ends it too.
  void wait_his_lock(Process& self, Him him, Term lock_id, std::vector<Atom> known1) {
    pending_ = Pending{him, lock_id, std::move(known1)};
    Atom node = him.node;
    Term tag = him.my_tag;
    self.receive(
        [node, tag](const Term& m) {
          if ((is(m, "lock_set", 5) || is(m, "lock_set", 4)) && m.element(1).is_pid())
            return runtime::pid_node(m.element(1)) == node;
          return is_cancel_of(m, node, tag);
        },
        runtime::kInfinity, [this](Process& p, std::optional<Term> m) {
          if (is(*m, "cancel", 4)) return end_session(p, m->element(3), false);
          Pending w = std::move(pending_);
          // An answer for an older session of that node: still waiting for ours.
          if (m->tuple_arity() == 5 && m->element(4) != w.him.my_tag)
            return wait_his_lock(p, w.him, w.lock_id, std::move(w.known2));
          if (!m->element(2).is_atom(term::atoms::true_))
            return delete_global_lock(p, w.lock_id, w.known2, [this](Process& p) { arm(p); });
          lock_both_set(p, w.him, w.lock_id, std::move(w.known2));
        });
  }

  // Both partitions are locked: the server exchanges names; we hold the lock until it ends
  // the session.
  void lock_both_set(Process& self, const Him& him, const Term& lock_id, std::vector<Atom> known) {
    behaviors::gen_server::cast(self, Term::atom(kServer),
                                Term::tuple({Term::atom("lock_is_set"), Term::atom(him.node), him.my_tag, lock_id}));
    wait_cancel(self, him, lock_id, std::move(known));
  }

  Term lock_id_with(Process& self, const Term& his_locker) const {
    Term a = self.self(), b = his_locker;
    if (term::compare(b, a) < 0) std::swap(a, b);
    return Term::tuple({Term::atom("global"), Term::list({a, b})});
  }

  bool same_host(Atom node) const {
    auto host = [](std::string_view n) { return n.substr(n.find('@') + 1); };
    return host(node.name()) == host(node_.name());
  }

  // {cancel, Node, Tag, Casts}: the new_nodes casts of a session, or no_fun.
  void send_casts(Process& self, const Term& casts) {
    for (Term l = casts; l.is_cons(); l = l.tail()) {
      const Term& c = l.head();
      if (c.is_tuple() && c.tuple_arity() == 2 && c.element(0).is_atom())
        behaviors::gen_server::cast(self, server_at(node_, c.element(0).atom_value()), c.element(1));
    }
  }

  // Holds the lock until the server ends this session; other messages wait meanwhile.
  void wait_cancel(Process& self, Him him, Term lock_id, std::vector<Atom> known2) {
    pending_ = Pending{him, lock_id, std::move(known2)};
    Atom node = him.node;
    Term tag = him.my_tag;
    self.receive(
        [node, tag](const Term& m) { return is_cancel_of(m, node, tag); },
        runtime::kInfinity, [this](Process& p, std::optional<Term> m) {
          end_session(p, m->element(3), true);
        });
  }

  // {cancel, Node, Tag, Casts} for this session of that node.
  static bool is_cancel_of(const Term& m, Atom node, const Term& tag) {
    return is(m, "cancel", 4) && m.element(1).is_atom(node) && m.element(2) == tag;
  }

  // The server ended the session (synced: after the name exchange, so the next session is
  // tried at once). The new_nodes casts go before del_lock, so peers see them while the lock
  // holds.
  void end_session(Process& self, const Term& casts, bool synced) {
    auto done = std::move(pending_);
    send_casts(self, casts);
    remove_him(done.him.node, done.him.my_tag);
    delete_global_lock(self, done.lock_id, done.known2, [this, synced](Process& p) {
      if (synced) just_synced_ = true;
      arm(p);
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
  // extra: his node, when we start the session: it is locked too, with the id both lockers
  // share, so his locker can still answer while no third one locks his node (global.erl:
  // prevents deadlock).
  void lock_nodes_safely(Process& self, Term id, std::vector<Atom> extra, Done done) {
    std::vector<Atom> first{boss(known_)};
    // Locking ourselves could stop a node that already holds the boss: only check we could.
    if (first[0] != node_ && !global_can_set_lock(node_, id)) return done(self, false);
    extra.insert(extra.begin(), node_);
    set_lock(self, id, first, [this, id, first, extra, done](Process& p, bool ok) {
      if (!ok) return done(p, false);
      std::vector<Atom> second = minus(extra, first);
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
  int64_t gen_ = 0;           // of the try_lock timer that counts
  Term tref_;                 // that timer, while it runs
  bool just_synced_ = false;  // a session just ended: try the next at once
};

}  // namespace

Term start_global_locker(Process& server, std::vector<Atom> known) {
  runtime::SpawnOptions o;
  o.link = true;
  auto sp = server.spawn(std::make_unique<Locker>(server.self(), std::move(known)), o);
  return sp ? sp->pid : Term();
}

}  // namespace ergod::services
