// See functions.h.
#include "services/functions.h"

#include <mutex>

namespace ergod::services {

void FunctionRegistry::add(Atom module, Atom function, unsigned arity, Function fn) {
  std::unique_lock l(mu_);
  fns_[{module.index(), function.index(), arity}] = std::move(fn);
}

bool FunctionRegistry::remove(Atom module, Atom function, unsigned arity) {
  std::unique_lock l(mu_);
  return fns_.erase({module.index(), function.index(), arity}) > 0;
}

std::optional<Function> FunctionRegistry::find(Atom module, Atom function, unsigned arity) const {
  std::shared_lock l(mu_);
  auto it = fns_.find({module.index(), function.index(), arity});
  if (it == fns_.end()) return std::nullopt;
  return it->second;
}

ApplyResult FunctionRegistry::apply(runtime::Process& self, const Term& module, const Term& function,
                                   const Term& args) const {
  int64_t arity = term::list_length(args);
  if (!module.is_atom() || !function.is_atom() || arity < 0) return ApplyResult::error(Term::atom(term::atoms::badarg));
  if (auto fn = find(module.atom_value(), function.atom_value(), unsigned(arity))) {
    try {
      return (*fn)(self, args);
    } catch (const std::exception& e) {
      return ApplyResult::error(Term::tuple({Term::atom("cxx_exception"), Term::binary(std::string_view(e.what()))}));
    }
  }
  // What BEAM's apply/3 raises for a function that does not exist, with the stack that
  // erpc keeps after trimming its own frames.
  Term frame = Term::tuple({module, function, args, Term::nil()});
  return ApplyResult::error(Term::atom("undef"), Term::list({frame}));
}

}  // namespace ergod::services
