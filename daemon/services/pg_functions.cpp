// See pg_functions.h.
#include "services/pg_functions.h"

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

}  // namespace

void add_pg_functions(FunctionRegistry& fns) {
  Atom pg = Atom::make("pg");
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
