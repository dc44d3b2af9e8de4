#include "cli/application_functions.h"

#include <algorithm>
#include <string>
#include <vector>

#include "term/utf8.h"

namespace ergod::cli {

using services::ApplyResult;
using term::Atom;
using term::Term;

namespace {

Atom application() { return Atom::make("application"); }

Term entry(const behaviors::ApplicationInfo& a) {
  return Term::tuple({Term::atom(a.name), term::chars(a.description), term::chars(a.version)});
}

// Running applications, the last started first (application_controller's order).
Term which(const behaviors::ApplicationController& apps) {
  auto infos = apps.which_applications();
  std::vector<Term> out;
  for (const auto& name : apps.start_order()) {
    auto it = std::find_if(infos.begin(), infos.end(), [&](auto& i) { return i.name == name; });
    if (it != infos.end() && it->running) out.push_back(entry(*it));
  }
  std::reverse(out.begin(), out.end());
  return Term::list(out);
}

// which_applications/1's guard: a timeout (an integer >= 0, or infinity).
bool is_timeout(const Term& t) {
  return (t.is_integer() && term::compare(t, Term::integer(0)) >= 0) || t == Term::atom("infinity");
}

}  // namespace

void add_application_functions(services::FunctionRegistry& fns, const behaviors::ApplicationController& apps) {
  const auto* a = &apps;
  fns.add(application(), Atom::make("which_applications"), 0,
          [a](runtime::Process&, const Term&) { return ApplyResult::ok(which(*a)); });
  fns.add(application(), Atom::make("which_applications"), 1, [a](runtime::Process&, const Term& args) {
    if (!is_timeout(args.head()))
      return ApplyResult::error(Term::atom("function_clause"),
                                Term::list({Term::tuple({Term::atom(application()), Term::atom("which_applications"), args,
                                                         Term::nil()})}));
    return ApplyResult::ok(which(*a));
  });
  fns.add(application(), Atom::make("loaded_applications"), 0, [a](runtime::Process&, const Term&) {
    std::vector<Term> out;
    for (const auto& info : a->which_applications()) out.push_back(entry(info));
    return ApplyResult::ok(Term::list(out));
  });
}

void remove_application_functions(services::FunctionRegistry& fns) {
  fns.remove(application(), Atom::make("which_applications"), 0);
  fns.remove(application(), Atom::make("which_applications"), 1);
  fns.remove(application(), Atom::make("loaded_applications"), 0);
}

}  // namespace ergod::cli
