// See rex.h.
#include "services/rex.h"

#include <unordered_map>

#include "behaviors/gen_server.h"

namespace ergod::services {
namespace {

using namespace behaviors;

bool is(const Term& t, Atom tag, uint32_t arity) {
  return t.is_tuple() && t.tuple_arity() == arity && t.element(0).is_atom(tag);
}

class Rex final : public GenServer {
 public:
  explicit Rex(const FunctionRegistry& fns) : fns_(fns) {}

  CallResult handle_call(const Term& request, const Term& from) override {
    static const Atom call = Atom::make("call"), block_call = Atom::make("block_call");
    // rpc.erl runs `call` in a helper process and `block_call` inside rex; ours run inside
    // rex either way (registered functions do not block), so both answer at once.
    if (is(request, call, 5) || is(request, block_call, 5)) {
      Result r = run(request);
      if (!r.later()) return Reply{r.value};
      later(r, Term::tuple({Term::atom("gen"), from}));
      return NoReply{};
    }
    return NoReply{};  // rpc.erl: handle_call(_, _To, S) -> {noreply, S}.  % Ignore !
  }

  InfoResult handle_cast(const Term& message) override {
    static const Atom cast = Atom::make("cast");
    if (is(message, cast, 5)) (void)run(message);  // nobody waits for a delayed result
    return NoReply{};
  }

  InfoResult handle_info(const Term& m) override {
    if (m.is_tuple() && (m.tuple_arity() == 2 || m.tuple_arity() == 4) && m.element(0).is_reference()) {
      // {Ref, Value} or {Ref, Class, Reason, Stack}: a later result (later()).
      auto it = waiting_.find(m.element(0));
      services::ApplyResult r;
      if (it != waiting_.end() && services::read_later_message(m, it->first, r)) {
        answer(it->second, to_rex(std::move(r)).value);
        waiting_.erase(it);
      }
      return NoReply{};
    }
    if (!m.is_tuple() || m.tuple_arity() != 2) return NoReply{};
    static const Atom sbcast = Atom::make("sbcast"), send = Atom::make("send"), call = Atom::make("call"),
                      features_request = Atom::make("features_request");
    const Term& from = m.element(0);
    const Term& req = m.element(1);
    if (is(req, sbcast, 3)) {
      bool sent = process().send(req.element(1), req.element(2));
      process().send(from, Term::tuple({rex(), node(), sent ? node() : nonexisting(req.element(1))}));
    } else if (is(req, send, 3)) {
      if (!process().send(req.element(1), Term::tuple({from, req.element(2)})))
        process().send(from, Term::tuple({rex(), node(), nonexisting(req.element(1))}));
    } else if (is(req, call, 5)) {
      Result r = run(req);
      if (!r.later()) answer(Term::tuple({rex(), from}), r.value);
      else later(r, Term::tuple({rex(), from}));
    } else if (req.is_atom(features_request)) {
      process().send(from, Term::tuple({Term::atom("features_reply"), node(), Term::list({Term::atom("erpc")})}));
    }
    return NoReply{};
  }

 private:
  static Term rex() { return Term::atom("rex"); }
  Term node() const { return Term::atom(process().runtime().node()); }
  static Term nonexisting(const Term& name) { return Term::tuple({Term::atom("nonexisting_name"), name}); }

  struct Result {
    Term value;
    int64_t delay_ms = 0;  // ApplyResult::after's delay
    Term later_ref;        // ApplyResult::later's reference
    bool later() const { return delay_ms != 0 || later_ref; }
  };

  // {call|block_call|cast, M, F, A, _GroupLeader}: the value, or what rpc's execute_call
  // answers on failure.
  Result run(const Term& req) {
    return to_rex(fns_.apply(process(), req.element(1), req.element(2), req.element(3)));
  }
  static Result to_rex(services::ApplyResult r) {
    using K = services::ApplyResult::Kind;
    Term exit_tag = Term::atom(term::atoms::EXIT), badrpc = Term::atom(term::atoms::badrpc);
    switch (r.kind) {
      case K::return_: return {r.value, r.delay_ms, r.later_ref};
      case K::throw_: return {r.value, 0, Term()};  // rpc's execute_call gives a thrown value back
      case K::exit: return {Term::tuple({badrpc, Term::tuple({exit_tag, r.value})}), 0, Term()};
      case K::error: return {Term::tuple({badrpc, Term::tuple({exit_tag, Term::tuple({r.value, r.stack})})}), 0, Term()};
    }
    return {Term::atom(term::atoms::ok), 0, Term()};
  }

  // to: {gen, From} (a gen_server reply) or {rex, Pid} (rpc.erl's reply to {rex, From}).
  void answer(const Term& to, const Term& value) {
    if (to.element(0).is_atom(Atom::make("gen"))) gen_server::reply(process(), to.element(1), value);
    else process().send(to.element(1), Term::tuple({rex(), value}));
  }

  // A later result (timer:sleep, disconnect_node): rex goes on serving and answers when the
  // message {Ref, Value} comes (from its timer, or what the function started). rpc.erl runs
  // calls in helper processes, so its rex is not held up by them either.
  void later(const Result& r, Term to) {
    if (r.later_ref) {
      waiting_.emplace(r.later_ref, std::move(to));
      return;
    }
    if (r.delay_ms < 0) return;  // never answered, as a call that never returns
    Term ref = process().make_ref();
    process().send_after(r.delay_ms, self(), Term::tuple({ref, r.value}));
    waiting_.emplace(ref, std::move(to));
  }

  std::unordered_map<Term, Term, term::TermHash> waiting_;  // reference -> whom to answer

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
