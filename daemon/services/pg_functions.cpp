// See pg_functions.h.
#include "services/pg_functions.h"

#include <optional>

#include "runtime/ids.h"
#include "runtime/runtime.h"
#include "services/pg_table.h"

namespace ergod::services {
namespace {

Term atom(const char* s) { return Term::atom(s); }
const Atom kDefaultScope = Atom::make("pg");

std::shared_ptr<const PgTable> table(runtime::Process& self, const Term& scope) {
  if (!scope.is_atom()) return nullptr;
  return pg_table_find(self.runtime().node(), scope.atom_value());
}

// What the ets call under pg:F/1 raises for a scope without a table.
ApplyResult no_table(const char* ets_fn, const Term& scope, const Term& pattern, const char* pg_fn) {
  Term info = Term::map({{atom("cause"), atom("id")}, {atom("module"), atom("erl_stdlib_errors")}});
  Term ets = Term::tuple({atom("ets"), atom(ets_fn), Term::list({scope, pattern}),
                          Term::list({Term::tuple({atom("error_info"), info})})});
  Term pg = Term::tuple({atom("pg"), atom(pg_fn), Term::integer(1), Term::nil()});
  return ApplyResult::error(atom("badarg"), Term::list({ets, pg}));
}

ApplyResult which_groups(runtime::Process& self, const Term& scope) {
  if (!scope.is_atom())
    return ApplyResult::error(atom("function_clause"),
                              Term::list({Term::tuple({atom("pg"), atom("which_groups"), Term::list({scope}), Term::nil()})}));
  auto t = table(self, scope);
  if (!t) return no_table("match", scope, Term::tuple({atom("$1"), atom("_"), atom("_")}), "which_groups");
  return ApplyResult::ok(t->groups());
}

ApplyResult which_local_groups(runtime::Process& self, const Term& scope) {
  if (!scope.is_atom())
    return ApplyResult::error(
        atom("function_clause"),
        Term::list({Term::tuple({atom("pg"), atom("which_local_groups"), Term::list({scope}), Term::nil()})}));
  auto t = table(self, scope);
  if (!t) {
    // [{{'$1', '_', '$2'}, [{'=/=', '$2', []}], ['$1']}]
    Term ms = Term::list({Term::tuple({Term::tuple({atom("$1"), atom("_"), atom("$2")}),
                                       Term::list({Term::tuple({atom("=/="), atom("$2"), Term::nil()})}),
                                       Term::list({atom("$1")})})});
    return no_table("select", scope, ms, "which_local_groups");
  }
  return ApplyResult::ok(t->local_groups());
}

Term frame(const char* m, const char* f, Term arity_or_args) {
  return Term::tuple({atom(m), atom(f), std::move(arity_or_args), Term::nil()});
}

// The frame erpc's apply adds when the called function (arity) tail-called the failing one.
Term below(Term stack, const char* fn, unsigned called_arity, unsigned arity) {
  if (called_arity == arity) return stack;
  std::vector<Term> v = term::list_elements(stack);
  v.push_back(frame("pg", fn, Term::integer(called_arity)));
  return Term::list(v);
}

// pg.erl's ensure_local: every pid of this node, else error {nolocal, Bad} (a list is walked
// by lists:foreach, whose frames show).
std::optional<ApplyResult> not_local(runtime::Process& self, const Term& pids, const char* fn, unsigned called_arity) {
  Atom me = self.runtime().node();
  auto local = [me](const Term& p) { return p.is_pid() && runtime::pid_node(p) == me; };
  auto fail = [&](const Term& bad, std::vector<Term> frames) {
    frames.push_back(frame("pg", fn, Term::integer(3)));
    return ApplyResult::error(Term::tuple({atom("nolocal"), bad}), below(Term::list(frames), fn, called_arity, 3));
  };
  if (pids.is_pid()) {
    if (local(pids)) return std::nullopt;
    return fail(pids, {frame("pg", "ensure_local", Term::integer(1))});
  }
  Term l = pids;
  for (; l.is_cons(); l = l.tail())
    if (!local(l.head()))
      return fail(l.head(), {frame("pg", "-ensure_local/1-fun-0-", Term::integer(1)), frame("lists", "foreach_1", Term::integer(2))});
  if (!l.is_nil())
    return ApplyResult::error(atom("function_clause"),
                              below(Term::list({frame("lists", "foreach_1", Term::integer(2)), frame("pg", fn, Term::integer(3))}),
                                    fn, called_arity, 3));
  return std::nullopt;
}

// gen_server:call(Scope, Request, infinity) from the process running the rpc: the reply
// {Ref, Value} is the function's value. No scope: exit {noproc, {gen_server, call, ...}}.
ApplyResult call_scope(runtime::Process& self, const Term& scope, Term request) {
  Term pid = scope.is_atom() ? self.runtime().whereis(scope.atom_value()) : Term();
  if (!pid)
    return ApplyResult::exit(Term::tuple(
        {atom("noproc"), Term::tuple({atom("gen_server"), atom("call"), Term::list({scope, request, atom("infinity")})})}));
  Term ref = self.make_ref();
  self.send(pid, Term::tuple({atom("$gen_call"), Term::tuple({self.self(), ref}), std::move(request)}));
  return ApplyResult::later(ref);
}

// pg:join/2,3 and leave/2,3 (called_arity says which was called).
ApplyResult join_or_leave(runtime::Process& self, bool join, unsigned called_arity, const Term& scope, const Term& group,
                          const Term& pids) {
  const char* fn = join ? "join" : "leave";
  if (!pids.is_pid() && !pids.is_list())  // pg.erl's guard
    return ApplyResult::error(
        atom("function_clause"),
        below(Term::list({frame("pg", fn, Term::list({scope, group, pids}))}), fn, called_arity, 3));
  if (auto bad = not_local(self, pids, fn, called_arity)) return *bad;
  return call_scope(self, scope, Term::tuple({atom(join ? "join_local" : "leave_local"), group, pids}));
}

}  // namespace

void add_pg_functions(FunctionRegistry& fns) {
  Atom pg = Atom::make("pg");
  for (bool join : {true, false}) {
    Atom name = Atom::make(join ? "join" : "leave");
    fns.add(pg, name, 2, [join](runtime::Process& self, const Term& args) {
      return join_or_leave(self, join, 2, Term::atom(kDefaultScope), args.head(), args.tail().head());
    });
    fns.add(pg, name, 3, [join](runtime::Process& self, const Term& args) {
      return join_or_leave(self, join, 3, args.head(), args.tail().head(), args.tail().tail().head());
    });
  }
  fns.add(pg, Atom::make("monitor_scope"), 0,
          [](runtime::Process& self, const Term&) { return call_scope(self, Term::atom(kDefaultScope), atom("monitor")); });
  fns.add(pg, Atom::make("monitor_scope"), 1,
          [](runtime::Process& self, const Term& args) { return call_scope(self, args.head(), atom("monitor")); });
  fns.add(pg, Atom::make("monitor"), 1, [](runtime::Process& self, const Term& args) {
    return call_scope(self, Term::atom(kDefaultScope), Term::tuple({atom("monitor"), args.head()}));
  });
  fns.add(pg, Atom::make("monitor"), 2, [](runtime::Process& self, const Term& args) {
    return call_scope(self, args.head(), Term::tuple({atom("monitor"), args.tail().head()}));
  });
  // ok, or false for a reference that is no monitor of the scope (the call's own answer;
  // pg.erl's flush of notifications returns ok).
  fns.add(pg, Atom::make("demonitor"), 1, [](runtime::Process& self, const Term& args) {
    return call_scope(self, Term::atom(kDefaultScope), Term::tuple({atom("demonitor"), args.head()}));
  });
  fns.add(pg, Atom::make("demonitor"), 2, [](runtime::Process& self, const Term& args) {
    return call_scope(self, args.head(), Term::tuple({atom("demonitor"), args.tail().head()}));
  });
  auto members = [](bool local) {
    return [local](runtime::Process& self, const Term& scope, const Term& group) {
      auto t = table(self, scope);
      if (!t) return ApplyResult::ok(Term::nil());
      return ApplyResult::ok(local ? t->local_members(group) : t->members(group));
    };
  };
  for (bool local : {false, true}) {
    Atom name = Atom::make(local ? "get_local_members" : "get_members");
    fns.add(pg, name, 1, [m = members(local)](runtime::Process& self, const Term& args) {
      return m(self, Term::atom(kDefaultScope), args.head());
    });
    fns.add(pg, name, 2, [m = members(local)](runtime::Process& self, const Term& args) {
      return m(self, args.head(), args.tail().head());
    });
  }
  fns.add(pg, Atom::make("which_groups"), 0,
          [](runtime::Process& self, const Term&) { return which_groups(self, Term::atom(kDefaultScope)); });
  fns.add(pg, Atom::make("which_groups"), 1,
          [](runtime::Process& self, const Term& args) { return which_groups(self, args.head()); });
  fns.add(pg, Atom::make("which_local_groups"), 0,
          [](runtime::Process& self, const Term&) { return which_local_groups(self, Term::atom(kDefaultScope)); });
  fns.add(pg, Atom::make("which_local_groups"), 1,
          [](runtime::Process& self, const Term& args) { return which_local_groups(self, args.head()); });
}

}  // namespace ergod::services
