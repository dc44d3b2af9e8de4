// See global_resolve.h. The steps follow global.erl's resolver, exchange_names and
// resolve_it, so the two read side by side.
#include "services/global_resolve.h"

#include "base/log.h"
#include "runtime/ids.h"
#include "runtime/runtime.h"

namespace ergod::services {

using runtime::Process;
using term::Atom;
using term::Term;

namespace {

Term atom(const char* s) { return Term::atom(s); }
Term global_fun(const char* f) { return Term::export_fun(Atom::make("global"), Atom::make(f), 3); }

// global.erl's minmax: the pid of the smaller node first.
std::pair<Term, Term> minmax(const Term& p1, const Term& p2) {
  if (term::compare(Term::atom(runtime::pid_node(p1)), Term::atom(runtime::pid_node(p2))) < 0) return {p1, p2};
  return {p2, p1};
}

class Resolver final : public runtime::ProcessBehavior {
 public:
  Resolver(Atom node, Term tag, std::vector<NameClash> clashes, std::vector<Term> ops, std::vector<Term> res)
      : node_(node), tag_(std::move(tag)), clashes_(std::move(clashes)), ops_(std::move(ops)), res_(std::move(res)) {}

  void init(Process& self) override { next(self); }
  void handle_message(Process&, Term) override {}  // garbage, as global.erl's resolver ignores

 private:
  void next(Process& self) {
    if (i_ == clashes_.size()) {
      Term msg = Term::tuple({atom("exchange_ops"), Term::atom(node_), tag_, Term::list(ops_), Term::list(res_)});
      self.send(atom("global_name_server"), Term::tuple({atom("$gen_cast"), msg}));
      self.exit(atom("normal"));
      return;
    }
    const NameClash& c = clashes_[i_];
    Atom where = runtime::pid_node(c.our_pid);
    if (where == self.runtime().node()) return decided(self, run_resolve_method(self, c.our_method, c.name, c.his_pid, c.our_pid));
    // rpc:call(Node2, global, resolve_it, [Method2, Name, Pid, Pid2]), through rex.
    Term args = Term::list({c.our_method, c.name, c.his_pid, c.our_pid});
    Term req = Term::tuple({atom("call"), atom("global"), atom("resolve_it"), args, self.self()});
    self.call(Term::tuple({atom("rex"), Term::atom(where)}), Atom::make("$gen_call"), req, runtime::kInfinity,
              [this](Process& p, runtime::CallOutcome o) {
                decided(p, o.ok ? o.value : Term::tuple({atom("badrpc"), atom("nodedown")}));
              });
  }

  void decided(Process& self, const Term& winner) {
    const NameClash& c = clashes_[i_++];
    Term del = Term::tuple({atom("delete"), c.name});
    if (winner == c.his_pid) {
      ops_.push_back(Term::tuple({atom("insert"), Term::tuple({c.name, c.his_pid, c.his_method})}));
    } else if (winner == c.our_pid) {
      res_.push_back(Term::tuple({atom("insert"), Term::tuple({c.name, c.our_pid, c.our_method})}));
    } else if (winner.is_atom(Atom::make("none"))) {
      ops_.push_back(del);
      res_.push_back(del);
    } else if (winner.is_tuple() && winner.tuple_arity() == 2 && winner.element(0).is_atom(Atom::make("badrpc"))) {
      log_info("global: badrpc " + term::to_string(winner.element(1), 400) + " received when conflicting name " +
               term::to_string(c.name, 400) + " was found");
      ops_.push_back(Term::tuple({atom("insert"), Term::tuple({c.name, c.his_pid, c.his_method})}));
    } else {
      log_info("global: Resolve method " + term::to_string(c.his_method, 400) + " for conflicting name " +
               term::to_string(c.name, 400) + " returned " + term::to_string(winner, 400));
      ops_.push_back(del);
      res_.push_back(del);
    }
    next(self);
  }

  Atom node_;
  Term tag_;
  std::vector<NameClash> clashes_;
  std::vector<Term> ops_, res_;
  size_t i_ = 0;
};

}  // namespace

void start_global_resolver(Process& server, Atom node, Term tag, std::vector<NameClash> clashes, std::vector<Term> ops,
                           std::vector<Term> resolved) {
  auto r = server.spawn(
      std::make_unique<Resolver>(node, std::move(tag), std::move(clashes), std::move(ops), std::move(resolved)));
  if (!r.ok()) log_error("global_name_server: cannot start a resolver for node " + std::string(node.name()));
}

Term run_resolve_method(Process& self, const Term& method, const Term& name, const Term& pid1, const Term& pid2) {
  if (!pid1.is_pid() || !pid2.is_pid())  // node/1 or ! of a non-pid, under resolve_it's catch
    return Term::tuple({atom("EXIT"), Term::tuple({atom("badarg"), Term::list({Term::tuple(
                                                      {atom("global"), atom("resolve_it"), Term::integer(4), Term::nil()})})})});
  auto [min, max] = minmax(pid1, pid2);
  if (method == global_fun("random_exit_name")) {
    log_info("global: Name conflict terminating " + term::to_string(Term::tuple({name, max}), 400));
    self.exit(max, atom("kill"));
    return min;
  }
  if (method == global_fun("random_notify_name")) {
    self.send(max, Term::tuple({atom("global_name_conflict"), name}));
    return min;
  }
  if (method == global_fun("notify_all_name")) {
    self.send(pid1, Term::tuple({atom("global_name_conflict"), name, pid2}));
    self.send(pid2, Term::tuple({atom("global_name_conflict"), name, pid1}));
    return atom("none");
  }
  // Any other method: ergod has no code for it (resolve_it's catch of the undef).
  Term args = Term::list({name, pid1, pid2});
  Term frame = method.is_fun() ? Term::tuple({method, args, Term::nil()})
                               : Term::tuple({atom("global"), atom("resolve_it"), Term::integer(4), Term::nil()});
  Term reason = method.is_fun() ? atom("undef") : Term::tuple({atom("badfun"), method});
  return Term::tuple({atom("EXIT"), Term::tuple({reason, Term::list({frame})})});
}

void add_global_resolve_functions(FunctionRegistry& fns) {
  Atom global = Atom::make("global");
  auto arg = [](const Term& args, int i) {
    Term l = args;
    while (i-- > 0) l = l.tail();
    return l.head();
  };
  fns.add(global, Atom::make("resolve_it"), 4, [arg](Process& self, const Term& a) {
    return ApplyResult::ok(run_resolve_method(self, arg(a, 0), arg(a, 1), arg(a, 2), arg(a, 3)));
  });
  for (const char* f : {"random_exit_name", "random_notify_name", "notify_all_name"}) {
    fns.add(global, Atom::make(f), 3, [arg, f](Process& self, const Term& a) {
      // minmax's node/1 of a non-pid is badarg in global.erl.
      if (!arg(a, 1).is_pid() || !arg(a, 2).is_pid()) return ApplyResult::bif_error(atom("badarg"));
      return ApplyResult::ok(run_resolve_method(self, global_fun(f), arg(a, 0), arg(a, 1), arg(a, 2)));
    });
  }
}

}  // namespace ergod::services
