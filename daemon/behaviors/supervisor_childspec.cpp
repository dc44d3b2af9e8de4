// supervisor: child specs in Erlang's words, for get_childspec (a ChildSpec as OTP 25's map)
// and start_child (an Erlang spec checked as supervisor.erl's check_childspec checks it, so
// that the error is OTP's own before ergod says it cannot start such a child).
#include "behaviors/supervisor_detail.h"

namespace ergod::behaviors::detail {

using namespace term::atoms;

namespace {

Term atom(const char* name) { return Term::atom(name); }

// What validX's throw: an exception only to leave the checks in order, as OTP's throw does.
struct Invalid {
  Term what;
};
[[noreturn]] void invalid(const char* tag, const Term& value) { throw Invalid{Term::tuple({atom(tag), value})}; }

Term shutdown_term(int64_t ms) {
  if (ms == kBrutalKill) return atom("brutal_kill");
  if (ms == runtime::kInfinity) return Term::atom(infinity);
  return Term::integer(ms);
}

const char* restart_name(RestartType r) {
  switch (r) {
    case RestartType::permanent: return "permanent";
    case RestartType::transient: return "transient";
    case RestartType::temporary: return "temporary";
  }
  return "permanent";
}

Term check_map(const Term& spec) {
  // maps:merge(?default_child_spec, Spec)
  Term restart = spec.map_get(atom("restart"));
  if (!restart) restart = atom("permanent");
  Term type = spec.map_get(atom("type"));
  if (!type) type = atom("worker");
  Term id = spec.map_get(atom("id"));
  if (!id) throw Invalid{atom("missing_id")};
  Term start = spec.map_get(atom("start"));
  if (!start) throw Invalid{atom("missing_start")};
  if (!(start.is_tuple() && start.tuple_arity() == 3 && start.element(0).is_atom() && start.element(1).is_atom() &&
        start.element(2).is_list()))
    invalid("invalid_mfa", start);
  if (!(restart == atom("permanent") || restart == atom("temporary") || restart == atom("transient")))
    invalid("invalid_restart_type", restart);
  Term significant = spec.map_get(atom("significant"));
  if (significant) {
    // ergod's supervisors have auto_shutdown never: OTP refuses significant children there.
    if (significant.is_atom(term::atoms::true_))
      throw Invalid{Term::tuple({atom("bad_combination"),
                                 Term::list({Term::tuple({atom("auto_shutdown"), atom("never")}),
                                             Term::tuple({atom("significant"), Term::atom(term::atoms::true_)})})})};
    if (!significant.is_atom(term::atoms::false_)) invalid("invalid_significant", significant);
  }
  if (!(type == atom("worker") || type == atom("supervisor"))) invalid("invalid_child_type", type);
  Term shutdown = spec.map_get(atom("shutdown"));
  if (!shutdown) shutdown = type == atom("worker") ? Term::integer(5000) : Term::atom(infinity);
  bool valid_shutdown = (shutdown.is_integer() && term::compare(shutdown, Term::integer(0)) >= 0) ||
                        shutdown.is_atom(infinity) || shutdown == atom("brutal_kill");
  if (!valid_shutdown) invalid("invalid_shutdown", shutdown);
  Term mods = spec.map_get(atom("modules"));
  if (mods && !(mods == atom("dynamic"))) {
    if (!mods.is_list()) invalid("invalid_modules", mods);
    Term t = mods;
    for (; t.is_cons(); t = t.tail())
      if (!t.head().is_atom()) invalid("invalid_module", t.head());
    if (!t.is_nil()) invalid("invalid_modules", mods);  // lists:foreach's badarg, in spirit
  }
  return id;
}

}  // namespace

Term child_modules(const ChildSpec& c) { return c.id.is_atom() ? Term::list({c.id}) : atom("dynamic"); }

Term child_start(const ChildSpec& c) {
  if (c.start) return c.start;
  return Term::tuple({atom("ergod_cxx"), atom("start_link"), Term::list({c.args ? c.args : Term::nil()})});
}

Term child_spec_map(const ChildSpec& c) {
  return Term::map({
      {atom("id"), c.id},
      {atom("start"), child_start(c)},
      {atom("restart"), atom(restart_name(c.restart))},
      {atom("significant"), Term::atom(term::atoms::false_)},
      {atom("shutdown"), shutdown_term(c.shutdown_ms)},
      {atom("type"), atom(c.type == ChildType::worker ? "worker" : "supervisor")},
      {atom("modules"), child_modules(c)},
  });
}

Term check_erlang_child_spec(const Term& spec, Term& id) {
  try {
    if (spec.is_map()) {
      id = check_map(spec);
      return Term();
    }
    if (spec.is_tuple() && spec.tuple_arity() == 6) {
      Term m = Term::map({{atom("id"), spec.element(0)},
                          {atom("start"), spec.element(1)},
                          {atom("restart"), spec.element(2)},
                          {atom("significant"), Term::atom(term::atoms::false_)},
                          {atom("shutdown"), spec.element(3)},
                          {atom("type"), spec.element(4)},
                          {atom("modules"), spec.element(5)}});
      id = check_map(m);
      return Term();
    }
  } catch (const Invalid& e) {
    return e.what;
  }
  return Term::tuple({atom("invalid_child_spec"), spec});
}

}  // namespace ergod::behaviors::detail
