// supervisor: child specs in Erlang's words, for get_childspec (a ChildSpec as OTP 25's map).
#include "behaviors/supervisor_detail.h"

namespace ergod::behaviors::detail {

using namespace term::atoms;

namespace {

Term atom(const char* name) { return Term::atom(name); }

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

}  // namespace ergod::behaviors::detail
