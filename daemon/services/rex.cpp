// See rex.h.
#include "services/rex.h"

#include "behaviors/gen_server.h"

namespace ergod::services {
namespace {

using namespace behaviors;

class Rex final : public GenServer {
 public:
  explicit Rex(const FunctionRegistry& fns) : fns_(fns) {}

  CallResult handle_call(const Term& request, const Term&) override {
    static const Atom call = Atom::make("call");
    if (request.is_tuple() && request.tuple_arity() == 5 && request.element(0).is_atom(call))
      return Reply{run(request)};
    // rpc.erl's rex answers requests it does not know with {badrpc, badarg}... it has no
    // catch-all; we answer rather than leave the caller waiting.
    return Reply{Term::tuple({Term::atom(term::atoms::badrpc), Term::atom(term::atoms::badarg)})};
  }

  InfoResult handle_cast(const Term& message) override {
    static const Atom cast = Atom::make("cast");
    if (message.is_tuple() && message.tuple_arity() == 5 && message.element(0).is_atom(cast)) (void)run(message);
    return NoReply{};
  }

 private:
  // {call|cast, M, F, A, _GroupLeader}: the value, or what rpc's worker answers on failure.
  Term run(const Term& req) {
    services::ApplyResult r = fns_.apply(process(), req.element(1), req.element(2), req.element(3));
    using K = services::ApplyResult::Kind;
    Term exit_tag = Term::atom(term::atoms::EXIT), badrpc = Term::atom(term::atoms::badrpc);
    switch (r.kind) {
      case K::return_:
      case K::throw_: return r.value;  // catch apply(...) gives a thrown value back
      case K::exit: return Term::tuple({badrpc, Term::tuple({exit_tag, r.value})});
      case K::error: return Term::tuple({badrpc, Term::tuple({exit_tag, Term::tuple({r.value, r.stack})})});
    }
    return Term::atom(term::atoms::ok);
  }

  const FunctionRegistry& fns_;
};

}  // namespace

Term start_rex(runtime::Runtime& rt, const FunctionRegistry& fns) {
  StartOptions o;
  o.name = Atom::make("rex");
  Term r = gen_server::start(rt, std::make_unique<Rex>(fns), Term::nil(), o);
  if (r.is_tuple() && r.tuple_arity() == 2 && r.element(0).is_atom(term::atoms::ok)) return r.element(1);
  return Term();
}

}  // namespace ergod::services
