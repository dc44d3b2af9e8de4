// See functions.h.
#include "services/functions.h"

#include <mutex>
#include <vector>

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

namespace {

Term apply2_frame() { return Term::tuple({Term::atom(term::atoms::erlang), Term::atom("apply"), Term::integer(2), Term::nil()}); }

// erts' frame of a BIF that raised: what erl_erts_errors formats the error from.
Term bif_frame(const Term& m, const Term& f, const Term& args) {
  Term info = Term::tuple({Term::atom("error_info"), Term::map({{Term::atom("module"), Term::atom("erl_erts_errors")}})});
  return Term::tuple({m, f, args, Term::list({info})});
}

// BEAM's stack goes on below the function that failed: the apply that called it.
ApplyResult below(ApplyResult r, const Term& caller) {
  if (r.kind == ApplyResult::Kind::error && r.stack.is_list()) {
    std::vector<Term> frames;
    for (Term l = r.stack; l.is_cons(); l = l.tail()) frames.push_back(l.head());
    frames.push_back(caller);
    r.stack = Term::list(frames);
  }
  return r;
}

}  // namespace

ApplyResult FunctionRegistry::apply(runtime::Process& self, const Term& module, const Term& function,
                                   const Term& args) const {
  int64_t arity = term::list_length(args);
  if (!module.is_atom() || !function.is_atom() || arity < 0) return ApplyResult::error(Term::atom(term::atoms::badarg));
  static const Atom apply_ = Atom::make("apply");
  if (module.is_atom(term::atoms::erlang) && function.is_atom(apply_) && arity == 2)
    return apply_fun(self, args.head(), args.tail().head());
  if (module.is_atom(term::atoms::erlang) && function.is_atom(apply_) && arity == 3) {
    const Term &m = args.head(), &f = args.tail().head(), &a = args.tail().tail().head();
    if (!m.is_atom() || !f.is_atom() || term::list_length(a) < 0)
      return ApplyResult::error(Term::atom(term::atoms::badarg), Term::list({bif_frame(module, function, args)}));
    return below(apply(self, m, f, a), Term::tuple({module, function, Term::integer(3), Term::nil()}));
  }
  if (auto fn = find(module.atom_value(), function.atom_value(), unsigned(arity))) {
    ApplyResult r;
    try {
      r = (*fn)(self, args);
    } catch (const std::exception& e) {
      return ApplyResult::error(Term::tuple({Term::atom("cxx_exception"), Term::binary(std::string_view(e.what()))}));
    }
    if (r.kind == ApplyResult::Kind::error && !r.stack) {
      bool undef = r.value.is_atom(Atom::make("undef"));
      r.stack = Term::list({undef ? Term::tuple({module, function, args, Term::nil()}) : bif_frame(module, function, args)});
    }
    return r;
  }
  // What BEAM's apply/3 raises for a function that does not exist, with the stack that
  // erpc keeps after trimming its own frames.
  Term frame = Term::tuple({module, function, args, Term::nil()});
  return ApplyResult::error(Term::atom("undef"), Term::list({frame}));
}

ApplyResult FunctionRegistry::apply_fun(runtime::Process& self, const Term& fun, const Term& args) const {
  if (!fun.is_fun())
    return ApplyResult::error(Term::tuple({Term::atom("badfun"), fun}), Term::list({apply2_frame()}));
  int64_t n = term::list_length(args);
  if (n < 0)
    return ApplyResult::error(Term::atom(term::atoms::badarg),
                              Term::list({bif_frame(Term::atom(term::atoms::erlang), Term::atom("apply"),
                                                    Term::list({fun, args})),
                                          apply2_frame()}));
  bool exported = fun.box()->kind == term::BoxKind::ExportFun;
  int64_t arity = exported ? fun.as<term::ExportFunBox>()->arity : fun.as<term::LocalFunBox>()->arity;
  if (n != arity)
    return ApplyResult::error(Term::tuple({Term::atom("badarity"), Term::tuple({fun, args})}), Term::list({apply2_frame()}));
  if (exported) {
    const auto* e = fun.as<term::ExportFunBox>();
    return below(apply(self, Term::atom(e->module), Term::atom(e->function), args), apply2_frame());
  }
  // A local fun's code is its module's, which ergod never has.
  return ApplyResult::error(Term::atom("undef"), Term::list({Term::tuple({fun, args, Term::nil()}), apply2_frame()}));
}

Term later_raise_message(const Term& ref, const ApplyResult& r) {
  using K = ApplyResult::Kind;
  const char* cls = r.kind == K::throw_ ? "throw" : r.kind == K::exit ? "exit" : "error";
  return Term::tuple({ref, Term::atom(cls), r.value, r.stack ? r.stack : Term::nil()});
}

bool read_later_message(const Term& m, const Term& ref, ApplyResult& out) {
  if (!m.is_tuple() || m.tuple_arity() < 2 || m.element(0) != ref) return false;
  if (m.tuple_arity() == 2) {
    out = ApplyResult::ok(m.element(1));
    return true;
  }
  if (m.tuple_arity() != 4 || !m.element(1).is_atom()) return false;
  const Term &cls = m.element(1), &reason = m.element(2);
  if (cls.is_atom(Atom::make("throw"))) {
    out = ApplyResult::ok(reason);
    out.kind = ApplyResult::Kind::throw_;
  } else if (cls.is_atom(Atom::make("exit"))) {
    out = ApplyResult::exit(reason);
  } else if (cls.is_atom(Atom::make("error"))) {
    out = ApplyResult::error(reason, m.element(3));
  } else {
    return false;
  }
  return true;
}

}  // namespace ergod::services
