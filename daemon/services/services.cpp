// See services.h.
#include "services/services.h"

#include "services/global.h"
#include "services/net_kernel.h"
#include "services/pg.h"
#include "services/rex.h"

namespace ergod::services {
namespace {

Term node_list(const std::vector<std::string>& names) {
  std::vector<Term> nodes;
  for (const auto& n : names) nodes.push_back(Term::atom(n));
  return Term::list(nodes);
}

}  // namespace

void Services::install(dist::Distribution& dist, runtime::Runtime& rt) {
  dist_ = &dist;
  Atom erlang = term::atoms::erlang;
  functions_.add(erlang, Atom::make("node"), 0,
                 [](runtime::Process& self, const Term&) { return ApplyResult::ok(Term::atom(self.runtime().node())); });
  functions_.add(erlang, Atom::make("nodes"), 0,
                 [&dist](runtime::Process&, const Term&) { return ApplyResult::ok(node_list(dist.visible_nodes())); });
  // nodes(visible | connected | hidden | known | this | [..]); a connection is hidden when
  // either side is (erl -hidden, or ergod configured hidden).
  functions_.add(erlang, Atom::make("nodes"), 1, [&dist](runtime::Process& self, const Term& args) {
    const Term& arg = args.head();
    std::vector<Term> kinds;
    if (arg.is_atom()) kinds.push_back(arg);
    for (Term l = arg; l.is_cons(); l = l.tail()) kinds.push_back(l.head());
    std::vector<Term> out;
    for (const Term& k : kinds) {
      if (!k.is_atom()) return ApplyResult::error(Term::atom(term::atoms::badarg));
      std::string_view s = k.atom_value().name();
      if (s == "this" || s == "known") out.push_back(Term::atom(self.runtime().node()));
      bool visible = s == "visible" || s == "connected" || s == "known";
      bool hidden = s == "hidden" || s == "connected" || s == "known";
      if (!visible && !hidden && s != "this") return ApplyResult::error(Term::atom(term::atoms::badarg));
      if (visible)
        for (const auto& n : dist.visible_nodes()) out.push_back(Term::atom(n));
      if (hidden)
        for (const auto& n : dist.hidden_nodes()) out.push_back(Term::atom(n));
    }
    return ApplyResult::ok(Term::list(out));
  });
  erpc_ = std::make_unique<ErpcServer>(rt, dist, functions_);
  dist.set_spawn_handler([this](const dist::SpawnRequest& r) { erpc_->handle(r); });
  watch_nodes_for_global(dist, rt);
}

Status Services::start(runtime::Runtime& rt) {
  if (!start_net_kernel(rt)) return make_error("net_kernel did not start");
  if (!start_rex(rt, functions_)) return make_error("rex did not start");
  if (!start_pg(rt, Atom::make("pg"))) return make_error("pg did not start");
  if (!start_global(rt)) return make_error("global_name_server did not start");
  return Ok{};
}

}  // namespace ergod::services
