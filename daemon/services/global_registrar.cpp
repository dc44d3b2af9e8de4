// See global_registrar.h. The steps follow global.erl's trans_all_known / set_lock_known, so
// the two read side by side.
#include "services/global_registrar.h"

#include <algorithm>
#include <random>

#include "base/log.h"
#include "runtime/runtime.h"
#include "services/global.h"
#include "services/global_multi_call.h"

namespace ergod::services {
namespace {

using runtime::CallOutcome;
using runtime::Process;

const Atom kServer = Atom::make("global_name_server");
const Atom kGenCall = Atom::make("$gen_call");

Term atom(const char* s) { return Term::atom(s); }

enum class Check { none, name, name_and_pid };

class Registrar final : public runtime::ProcessBehavior {
 public:
  // request: {register, Name, Pid, Method}, {register_ext, ...} or {unregister, Name}; result:
  // the caller's answer unless the register is refused. The caller gets {ref, Answer}.
  // check: what must hold under the lock (re_register_name takes the name whoever has it).
  Registrar(Term request, Term result, Check check, Term reply_to, Term ref)
      : request_(std::move(request)),
        result_(std::move(result)),
        reply_to_(std::move(reply_to)),
        ref_(std::move(ref)),
        check_(check) {}

  void init(Process& self) override {
    self_node_ = self.runtime().node();
    lock_id_ = Term::tuple({atom("global"), self.self()});
    start(self);
  }

  void handle_message(Process& self, Term m) override {
    if (m.is_atom(Atom::make("retry"))) start(self);
  }

 private:
  // set_lock_known: the boss first, then every known node, then known must not have grown.
  void start(Process& self) {
    get_known(self, [this](Process& p, std::vector<Atom> known) {
      nodes_ = {self_node_};
      nodes_.insert(nodes_.end(), known.begin(), known.end());
      Atom boss = *std::max_element(nodes_.begin(), nodes_.end(), [](Atom a, Atom b) {
        return term::compare(Term::atom(a), Term::atom(b)) < 0;
      });
      known_ = std::move(known);
      multi_call(p, {boss}, Term::tuple({atom("set_lock"), lock_id_}), [this, boss](Process& p2) {
        if (refused()) return retry(p2, {});
        multi_call(p2, nodes_, Term::tuple({atom("set_lock"), lock_id_}), [this, boss](Process& p3) {
          if (refused()) {
            std::vector<Atom> taken{boss};
            for (auto& [n, r] : mc_.replies())
              if (r.is_atom(term::atoms::true_)) taken.push_back(n);
            return retry(p3, taken);
          }
          get_known(p3, [this](Process& p4, std::vector<Atom> now) {
            for (Atom n : now)
              if (std::find(known_.begin(), known_.end(), n) == known_.end()) return retry(p4, nodes_);
            locked(p4);
          });
        });
      });
    });
  }

  // The transaction's body (the Fun of register_name and the others), then the unlock.
  void locked(Process& self) {
    if (check_ != Check::none) {
      // register_name: the name free and the pid without one (check_dupname), under the lock;
      // register_name_external: the name free.
      const Term &name = request_.element(1), &pid = request_.element(2);
      if (global_whereis(self_node_, name)) return finish(self, atom("no"));
      std::vector<Term> others = check_ == Check::name_and_pid ? global_names_of(self_node_, pid) : std::vector<Term>{};
      if (!others.empty()) {
        others.insert(others.begin(), name);
        log_error("global: " + term::to_string(pid) + " registered under several names: " +
                  term::to_string(Term::list(others), 400));
        return finish(self, atom("no"));
      }
    }
    multi_call(self, nodes_, request_, [this](Process& p) { finish(p, result_); });
  }

  void finish(Process& self, Term answer) {
    answer_ = std::move(answer);
    multi_call(self, nodes_, Term::tuple({atom("del_lock"), lock_id_}), [this](Process& p) {
      p.send(reply_to_, Term::tuple({ref_, answer_}));
      p.exit(atom("normal"));
    });
  }

  bool refused() const {
    for (auto& [n, r] : mc_.replies())
      if (r.is_atom(term::atoms::false_)) return true;
    return false;
  }

  // Releases what we took, and tries again after a random sleep (global.erl's random_sleep).
  void retry(Process& self, std::vector<Atom> taken) {
    ++times_;
    multi_call(self, std::move(taken), Term::tuple({atom("del_lock"), lock_id_}), [this](Process& p) {
      static thread_local std::mt19937 rng{std::random_device{}()};
      int64_t ms = std::uniform_int_distribution<int64_t>(0, 250 * std::min<int64_t>(times_, 8))(rng);
      p.send_after(ms, p.self(), atom("retry"));
    });
  }

  using Then = std::function<void(Process&)>;

  void get_known(Process& self, std::function<void(Process&, std::vector<Atom>)> k) {
    multi_call(self, {self_node_}, atom("get_known"), [this, k = std::move(k)](Process& p) {
      std::vector<Atom> known;
      if (!mc_.replies().empty())
        for (Term l = mc_.replies()[0].second; l.is_cons(); l = l.tail()) {
          const Term& n = l.head();
          if (n.is_atom()) known.push_back(n.atom_value());
          else if (n.is_tuple() && n.tuple_arity() == 2 && n.element(0).is_atom()) known.push_back(n.element(0).atom_value());
        }
      k(p, std::move(known));
    });
  }

  // gen_server:multi_call to global_name_server on nodes, one call after the other: the
  // answers in mc_.replies() (nodes that did not answer are left out, as multi_call's bad nodes).
  void multi_call(Process& self, std::vector<Atom> nodes, Term request, Then then) {
    mc_.start(self, self_node_, std::move(nodes), std::move(request), std::move(then));
  }

  Term request_, result_, reply_to_, ref_, answer_, lock_id_;
  Atom self_node_;
  Check check_;
  int64_t times_ = 0;
  std::vector<Atom> nodes_, known_;
  GlobalMultiCall mc_;
};

// Runs request in a registrar process, which answers self {Ref, Answer}: Ref, or none when
// no process could be spawned.
Term start_transaction(Process& self, Term request, Term result, Check check) {
  Term ref = self.make_ref();
  auto r = self.spawn(std::make_unique<Registrar>(std::move(request), std::move(result), check, self.self(), ref));
  return r.ok() ? ref : Term();
}

// The same for an rpc caller's process, which waits for the answer.
ApplyResult transaction(Process& self, Term request, Term result, Check check = Check::none) {
  Term ref = start_transaction(self, std::move(request), std::move(result), check);
  if (!ref) return ApplyResult::error(atom("system_limit"));
  return ApplyResult::later(ref);
}

// args: the caller's, for the function_clause of a non-pid (global.erl's is_pid guards).
ApplyResult register_name(Process& self, const Term& args, const Term& method, bool re) {
  const Term &name = args.head(), &pid = args.tail().head();
  if (!pid.is_pid()) {
    const char* fn = re ? "re_register_name" : "register_name";
    return ApplyResult::error(atom("function_clause"),
                              Term::list({Term::tuple({atom("global"), atom(fn), args, Term::nil()})}));
  }
  return transaction(self, Term::tuple({atom("register"), name, pid, method}), atom("yes"),
                     re ? Check::none : Check::name_and_pid);
}

// register_name_external/2,3: {register_ext, Name, Pid, Method, node()}, if the name is free.
ApplyResult register_name_external(Process& self, const Term& args, const Term& method) {
  const Term &name = args.head(), &pid = args.tail().head();
  if (!pid.is_pid())
    return ApplyResult::error(atom("function_clause"),
                              Term::list({Term::tuple({atom("global"), atom("register_name_external"), args, Term::nil()})}));
  Term req = Term::tuple({atom("register_ext"), name, pid, method, Term::atom(self.runtime().node())});
  return transaction(self, std::move(req), atom("yes"), Check::name);
}

ApplyResult unregister_name(Process& self, const Term& name) {
  if (!global_whereis(self.runtime().node(), name)) return ApplyResult::ok(Term::atom(term::atoms::ok));
  return transaction(self, Term::tuple({atom("unregister"), name}), Term::atom(term::atoms::ok));
}

// The server's {sync, Nodes} call; its answer {Ref, ok} comes straight to us.
ApplyResult sync_call(Process& self, Term nodes) {
  Term ref = self.make_ref();
  self.send(Term::atom(kServer), Term::tuple({Term::atom(kGenCall), Term::tuple({self.self(), ref}),
                                              Term::tuple({atom("sync"), std::move(nodes)})}));
  return ApplyResult::later(ref);
}

Term default_method() { return Term::export_fun(Atom::make("global"), Atom::make("random_exit_name"), 3); }

}  // namespace

Term start_global_register(Process& self, Term name, Term pid) {
  return start_transaction(self, Term::tuple({atom("register"), std::move(name), std::move(pid), default_method()}),
                           atom("yes"), Check::name_and_pid);
}

Term start_global_unregister(Process& self, Term name) {
  if (global_whereis(self.runtime().node(), name))
    return start_transaction(self, Term::tuple({atom("unregister"), std::move(name)}), Term::atom(term::atoms::ok),
                             Check::none);
  // global.erl answers ok at once when nobody has the name; the answer comes the same way.
  Term ref = self.make_ref();
  self.send(self.self(), Term::tuple({ref, Term::atom(term::atoms::ok)}));
  return ref;
}

void add_global_registrar_functions(FunctionRegistry& fns, std::function<std::vector<std::string>()> visible_nodes) {
  Atom global = Atom::make("global");
  for (bool re : {false, true}) {
    Atom fn = Atom::make(re ? "re_register_name" : "register_name");
    fns.add(global, fn, 2, [re](Process& self, const Term& args) {
      return register_name(self, args, default_method(), re);
    });
    fns.add(global, fn, 3, [re](Process& self, const Term& args) {
      return register_name(self, args, args.tail().tail().head(), re);
    });
  }
  fns.add(global, Atom::make("unregister_name"), 1,
          [](Process& self, const Term& args) { return unregister_name(self, args.head()); });
  fns.add(global, Atom::make("register_name_external"), 2, [](Process& self, const Term& args) {
    return register_name_external(self, args, default_method());
  });
  fns.add(global, Atom::make("register_name_external"), 3, [](Process& self, const Term& args) {
    return register_name_external(self, args, args.tail().tail().head());
  });
  fns.add(global, Atom::make("unregister_name_external"), 1,
          [](Process& self, const Term& args) { return unregister_name(self, args.head()); });
  fns.add(global, Atom::make("sync"), 0, [visible_nodes](Process& self, const Term&) {
    std::vector<Term> nodes;
    if (visible_nodes)
      for (const auto& n : visible_nodes()) nodes.push_back(Term::atom(n));
    return sync_call(self, Term::list(nodes));
  });
  // sync/1: global.erl passes any list on; a list that is not proper crashes OTP's
  // global_name_server in lists:delete/2 (the caller gets that exit, and the server is
  // restarted). Ours answers the same exit and keeps running.
  fns.add(global, Atom::make("sync"), 1, [](Process& self, const Term& args) {
    const Term& nodes = args.head();
    if (term::list_length(nodes) < 0) {
      Term crash = Term::tuple(
          {atom("function_clause"),
           Term::list({Term::tuple({atom("lists"), atom("delete"), Term::list({Term::atom(self.runtime().node()), nodes}),
                                    Term::nil()}),
                       Term::tuple({atom("global"), atom("handle_call"), Term::integer(3), Term::nil()})})});
      return ApplyResult::exit(Term::tuple(
          {crash, Term::tuple({atom("gen_server"), atom("call"),
                               Term::list({Term::atom(kServer), Term::tuple({atom("sync"), nodes}), atom("infinity")})})}));
    }
    return sync_call(self, nodes);
  });
  fns.add(global, Atom::make("send"), 2, [](Process& self, const Term& args) {
    const Term &name = args.head(), &msg = args.tail().head();
    Term pid = global_whereis(self.runtime().node(), name);
    if (!pid) return ApplyResult::exit(Term::tuple({atom("badarg"), Term::tuple({name, msg})}));
    self.send(pid, msg);
    return ApplyResult::ok(pid);
  });
}

}  // namespace ergod::services
