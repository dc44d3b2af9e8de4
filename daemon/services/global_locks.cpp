// See global_locks.h. The steps follow global.erl's set_lock/4, set_lock_on_nodes,
// check_replies, trans/4 and del_lock/2, so the two read side by side.
#include "services/global_locks.h"

#include <algorithm>
#include <random>

#include "runtime/runtime.h"
#include "services/global.h"
#include "services/global_multi_call.h"

namespace ergod::services {
namespace {

using runtime::CallOutcome;
using runtime::Process;

const Atom kServer = Atom::make("global_name_server");

Term atom(const char* s) { return Term::atom(s); }
Term frame(const char* m, const char* f, Term args_or_arity) {
  return Term::tuple({atom(m), atom(f), std::move(args_or_arity), Term::nil()});
}
Term frames(std::vector<Term> head, const std::vector<Term>& tail) {
  head.insert(head.end(), tail.begin(), tail.end());
  return Term::list(head);
}
bool is_lock_id(const Term& id) { return id.is_tuple() && id.tuple_arity() == 2; }

// What the helper does once it has the lock (or not).
enum class Job { set_lock, trans, del_lock };

class LockClient final : public runtime::ProcessBehavior {
 public:
  // retries: -1 for infinity. callers: the frames below set_lock/4's (for trans's fun too).
  LockClient(const FunctionRegistry& fns, Job job, Term id, std::vector<Atom> nodes, int64_t retries, Term fun,
             std::vector<Term> callers, Term reply_to, Term ref)
      : fns_(fns),
        job_(job),
        id_(std::move(id)),
        nodes_(std::move(nodes)),
        retries_(retries),
        fun_(std::move(fun)),
        callers_(std::move(callers)),
        reply_to_(std::move(reply_to)),
        ref_(std::move(ref)) {}

  void init(Process& self) override {
    node_ = self.runtime().node();
    if (job_ == Job::del_lock) return del_lock(self, nodes_, [this](Process& p) { finish(p, ApplyResult::ok(atom("true"))); });
    attempt(self);
  }

  void handle_message(Process& self, Term m) override {
    if (m.is_atom(Atom::make("retry"))) return attempt(self);
    ApplyResult later;
    if (wake_ && read_later_message(m, wake_, later)) {
      wake_ = Term();
      fun_done(self, std::move(later));
    }
  }

 private:
  using Then = std::function<void(Process&)>;

  // set_lock_on_nodes: our own table first when other nodes are asked too (local_lock_check).
  void attempt(Process& self) {
    if (nodes_.empty()) return locked(self);
    bool here = std::find(nodes_.begin(), nodes_.end(), node_) != nodes_.end();
    if (nodes_.size() != 1 && here && !global_can_set_lock(node_, id_)) return refused(self);
    multi_call(self, nodes_, Term::tuple({atom("set_lock"), id_}), [this](Process& p) {
      std::vector<Atom> granted;
      bool all = true;
      for (auto& [n, r] : mc_.replies()) {
        if (r.is_atom(term::atoms::true_)) granted.push_back(n);
        else all = false;
      }
      if (all) return locked(p);
      if (mc_.replies().size() == 1) return refused(p);
      del_lock(p, granted, [this](Process& p2) { refused(p2); });  // check_replies
    });
  }

  void refused(Process& self) {
    if (retries_ == 0) return finish(self, ApplyResult::ok(atom(job_ == Job::trans ? "aborted" : "false")));
    if (retries_ > 0) --retries_;
    // random_sleep(Times): up to 1/4 s the first time, doubling, at most 8 s.
    ++times_;
    int64_t tmax = times_ > 5 ? 8000 : ((int64_t(1) << times_) * 1000) / 8;
    static thread_local std::mt19937 rng{std::random_device{}()};
    self.send_after(std::uniform_int_distribution<int64_t>(1, tmax)(rng), self.self(), atom("retry"));
  }

  void locked(Process& self) {
    if (job_ == Job::set_lock) return finish(self, ApplyResult::ok(atom("true")));
    ApplyResult r = fns_.apply(self, Term::atom(term::atoms::erlang), atom("apply"), Term::list({fun_, Term::nil()}));
    if (r.is_later()) {  // an export fun of a function that answers later
      wake_ = r.later_ref ? r.later_ref : self.make_ref();
      if (!r.later_ref && r.delay_ms > 0) self.send_after(r.delay_ms, self.self(), Term::tuple({wake_, r.value}));
      return;
    }
    fun_done(self, std::move(r));
  }

  // trans/4's `after del_lock(Id, Nodes)`, whatever the fun did.
  void fun_done(Process& self, ApplyResult r) {
    if (r.kind == ApplyResult::Kind::error) r.stack = trans_stack(r.stack);
    result_ = std::move(r);
    del_lock(self, nodes_, [this](Process& p) { finish(p, std::move(result_)); });
  }

  // erlang:apply/2's frame gives way to trans/4's: Fun() is called there (twice over, for a
  // failure of the call itself: badfun, badarity).
  Term trans_stack(const Term& stack) const {
    std::vector<Term> fs = term::list_elements(stack);
    if (!fs.empty()) {
      const Term& last = fs.back();
      if (last.is_tuple() && last.tuple_arity() == 4 && last.element(0).is_atom(term::atoms::erlang) &&
          last.element(1).is_atom(Atom::make("apply")))
        fs.pop_back();
    }
    if (fs.empty()) fs.push_back(frame("global", "trans", Term::integer(4)));
    return frames(std::move(fs), callers_);
  }

  void finish(Process& self, ApplyResult r) {
    if (r.kind == ApplyResult::Kind::return_) self.send(reply_to_, Term::tuple({ref_, r.value}));
    else self.send(reply_to_, later_raise_message(ref_, r));
    self.exit(atom("normal"));
  }

  void del_lock(Process& self, std::vector<Atom> nodes, Then then) {
    if (nodes.empty()) return then(self);
    multi_call(self, std::move(nodes), Term::tuple({atom("del_lock"), id_}), std::move(then));
  }

  // gen_server:multi_call to global_name_server on nodes, one after the other: the answers in
  // mc_.replies() (nodes that did not answer are left out, as multi_call's bad nodes).
  void multi_call(Process& self, std::vector<Atom> nodes, Term request, Then then) {
    mc_.start(self, node_, std::move(nodes), std::move(request), std::move(then));
  }

  const FunctionRegistry& fns_;
  Job job_;
  Term id_;
  std::vector<Atom> nodes_;
  int64_t retries_;
  int64_t times_ = 0;
  Term fun_;
  std::vector<Term> callers_;
  Term reply_to_, ref_, wake_;
  ApplyResult result_;
  Atom node_;
  GlobalMultiCall mc_;
};

struct Env {
  const FunctionRegistry* fns;
  std::function<std::vector<std::string>()> visible;
};

// [node() | nodes()]
Term all_nodes(Process& self, const Env& env) {
  std::vector<Term> v{Term::atom(self.runtime().node())};
  if (env.visible)
    for (const auto& n : env.visible()) v.push_back(Term::atom(n));
  return Term::list(v);
}

// A proper list of atoms into nodes; false otherwise.
bool node_list(const Term& list, std::vector<Atom>& nodes) {
  Term l = list;
  for (; l.is_cons(); l = l.tail()) {
    if (!l.head().is_atom()) return false;
    nodes.push_back(l.head().atom_value());
  }
  return l.is_nil();
}

// set_lock/4 (and trans/4, which calls it): Retries checked by the caller. callers: the frames
// below set_lock/4's in a stack trace. fun: trans's, or none for set_lock.
ApplyResult run_lock(Process& self, const Env& env, Job job, const Term& id, const Term& nodes, const Term& retries,
                     Term fun, std::vector<Term> callers) {
  if (!is_lock_id(id))
    return ApplyResult::error(atom("function_clause"),
                              frames({frame("global", "set_lock", Term::list({id, nodes, retries, Term::integer(1)}))},
                                     callers));
  std::vector<Atom> ns;
  if (!node_list(nodes, ns)) {
    std::vector<Term> fs;
    if (!nodes.is_cons()) {  // local_lock_check's lists:member(node(), Nodes)
      Term info = Term::list({Term::tuple({atom("error_info"), Term::map({{atom("module"), atom("erl_stdlib_errors")}})})});
      fs.push_back(Term::tuple({atom("lists"), atom("member"), Term::list({Term::atom(self.runtime().node()), nodes}), info}));
      fs.push_back(frame("global", "local_lock_check", Term::integer(2)));
    }
    fs.push_back(frame("global", "set_lock_on_nodes", Term::integer(2)));
    fs.push_back(frame("global", "set_lock", Term::integer(4)));
    return ApplyResult::error(atom(nodes.is_cons() ? "function_clause" : "badarg"), frames(fs, callers));
  }
  int64_t r = -1;
  if (!retries.is_atom(Atom::make("infinity"))) retries.to_int64(r);
  Term ref = self.make_ref();
  auto sp = self.spawn(std::make_unique<LockClient>(*env.fns, job, id, std::move(ns), r, std::move(fun),
                                                    std::move(callers), self.self(), ref));
  if (!sp.ok()) return ApplyResult::error(atom("system_limit"));
  return ApplyResult::later(ref);
}

bool retries_ok(const Term& r) {
  int64_t n = 0;
  return r.is_atom(Atom::make("infinity")) || (r.is_integer() && r.to_int64(n) && n >= 0);
}

// trans(Id, Fun, Nodes, Retries) applied as trans/K.
ApplyResult trans(Process& self, const Env& env, const Term& id, const Term& fun, const Term& nodes,
                  const Term& retries, int arity) {
  std::vector<Term> callers{frame("global", "trans", Term::integer(4))};
  if (arity != 4) callers.push_back(frame("global", "trans", Term::integer(arity)));
  if (!retries_ok(retries))
    return ApplyResult::error(atom("function_clause"),
                              frames({frame("global", "set_lock", Term::list({id, nodes, retries}))}, callers));
  return run_lock(self, env, Job::trans, id, nodes, retries, fun, callers);
}

}  // namespace

void add_global_lock_functions(FunctionRegistry& fns, std::function<std::vector<std::string>()> visible_nodes) {
  auto env = std::make_shared<Env>(Env{&fns, std::move(visible_nodes)});
  Atom global = Atom::make("global");
  Term infinity = atom("infinity");
  auto arg = [](const Term& args, int i) {
    Term l = args;
    while (i-- > 0) l = l.tail();
    return l.head();
  };

  fns.add(global, Atom::make("set_lock"), 1, [env, infinity, arg](Process& self, const Term& a) {
    return run_lock(self, *env, Job::set_lock, arg(a, 0), all_nodes(self, *env), infinity, Term(),
                    {frame("global", "set_lock", Term::integer(1))});
  });
  fns.add(global, Atom::make("set_lock"), 2, [env, infinity, arg](Process& self, const Term& a) {
    return run_lock(self, *env, Job::set_lock, arg(a, 0), arg(a, 1), infinity, Term(),
                    {frame("global", "set_lock", Term::integer(2))});
  });
  fns.add(global, Atom::make("set_lock"), 3, [env, arg](Process& self, const Term& a) {
    if (!retries_ok(arg(a, 2)))
      return ApplyResult::error(atom("function_clause"), Term::list({frame("global", "set_lock", a)}));
    return run_lock(self, *env, Job::set_lock, arg(a, 0), arg(a, 1), arg(a, 2), Term(),
                    {frame("global", "set_lock", Term::integer(3))});
  });

  // del_lock/2: {del_lock, Id} to every node; only a holder's pid loses its share, so from a
  // fresh process it changes nothing, and answers true.
  auto del = [env](Process& self, const Term& id, const Term& nodes, std::vector<Term> callers, Term args) {
    if (!is_lock_id(id)) return ApplyResult::error(atom("function_clause"), frames({frame("global", "del_lock", args)}, callers));
    std::vector<Atom> ns;
    if (!node_list(nodes, ns))
      return ApplyResult::error(
          atom("function_clause"),
          Term::list({frame("gen_server", "multi_call",
                            Term::list({nodes, Term::atom(kServer), Term::tuple({atom("del_lock"), id})})),
                      frame("global", "del_lock", Term::integer(2))}));
    Term ref = self.make_ref();
    auto sp = self.spawn(std::make_unique<LockClient>(*env->fns, Job::del_lock, id, std::move(ns), 0, Term(),
                                                      std::vector<Term>{}, self.self(), ref));
    if (!sp.ok()) return ApplyResult::error(atom("system_limit"));
    return ApplyResult::later(ref);
  };
  fns.add(global, Atom::make("del_lock"), 1, [env, del, arg](Process& self, const Term& a) {
    Term nodes = all_nodes(self, *env);
    return del(self, arg(a, 0), nodes, {frame("global", "del_lock", Term::integer(1))}, Term::list({arg(a, 0), nodes}));
  });
  fns.add(global, Atom::make("del_lock"), 2, [del, arg](Process& self, const Term& a) {
    return del(self, arg(a, 0), arg(a, 1), {}, a);
  });

  fns.add(global, Atom::make("trans"), 2, [env, infinity, arg](Process& self, const Term& a) {
    return trans(self, *env, arg(a, 0), arg(a, 1), all_nodes(self, *env), infinity, 2);
  });
  fns.add(global, Atom::make("trans"), 3, [env, infinity, arg](Process& self, const Term& a) {
    return trans(self, *env, arg(a, 0), arg(a, 1), arg(a, 2), infinity, 3);
  });
  fns.add(global, Atom::make("trans"), 4, [env, arg](Process& self, const Term& a) {
    return trans(self, *env, arg(a, 0), arg(a, 1), arg(a, 2), arg(a, 3), 4);
  });
}

}  // namespace ergod::services
