// See echo.h. Each clause mirrors one of echo_ref.erl's.
#include "services/echo.h"

#include <vector>

#include "services/restarter.h"

namespace ergod::services {
namespace {

using namespace behaviors;
using runtime::Process;

Atom A(const char* s) { return Atom::make(s); }

bool is(const Term& t, Atom tag, uint32_t arity) {
  return t.is_tuple() && t.tuple_arity() == arity && t.element(0).is_atom(tag);
}

class Echo final : public GenServer {
 public:
  InitResult init(const Term&) override {
    process().set_trap_exit(true);
    return InitOk{};
  }

  CallResult handle_call(const Term& r, const Term& from) override {
    static const Atom ping = A("ping"), echo = A("echo"), self_ = A("self"), call = A("call"), send = A("send"),
                      link = A("link"), unlink = A("unlink"), monitor = A("monitor"), demonitor = A("demonitor"),
                      exit = A("exit"), events = A("events"), stop = A("stop");
    Term ok = Term::atom(term::atoms::ok);
    if (r.is_atom(ping)) return Reply{Term::atom("pong")};
    if (is(r, echo, 2)) return Reply{r.element(1)};
    if (r.is_atom(self_)) return Reply{self()};
    if (is(r, call, 4)) {
      int64_t timeout = runtime::kInfinity;
      if (!r.element(3).is_atom(term::atoms::infinity) && !r.element(3).to_int64(timeout))
        return Stop{Term::atom(term::atoms::badarg), Term()};
      // Answered when the inner call ends; other messages wait, as in gen_server:call.
      gen_server::try_call(process(), r.element(1), r.element(2), timeout,
                           [from](Process& p, runtime::CallOutcome o) {
                             Term tag = Term::atom(o.ok ? term::atoms::ok : term::atoms::error);
                             gen_server::reply(p, from, Term::tuple({tag, o.value}));
                           });
      return NoReply{};
    }
    if (is(r, send, 3)) {
      if (!process().send(r.element(1), r.element(2))) return Stop{Term::atom(term::atoms::badarg), Term()};
      return Reply{ok};
    }
    if (is(r, link, 2)) {
      process().link(r.element(1));
      return Reply{ok};
    }
    if (is(r, unlink, 2)) {
      process().unlink(r.element(1));
      return Reply{ok};
    }
    if (is(r, monitor, 2)) return Reply{process().monitor(r.element(1))};
    if (is(r, demonitor, 2)) {
      process().demonitor(r.element(1), true);
      return Reply{ok};
    }
    if (is(r, exit, 3)) {
      process().exit(r.element(1), r.element(2));
      return Reply{ok};
    }
    if (r.is_atom(events)) {
      Term list = Term::list(events_);
      events_.clear();
      return Reply{list};
    }
    if (is(r, stop, 2)) return Stop{r.element(1), ok};
    // echo_ref has no clause for it: the server crashes with function_clause.
    return Stop{Term::atom("function_clause"), Term()};
  }

  InfoResult handle_cast(const Term& m) override {
    static const Atom send = A("send");
    if (is(m, send, 3) && process().send(m.element(1), m.element(2))) return NoReply{};
    return Stop{Term::atom(is(m, send, 3) ? "badarg" : "function_clause"), Term()};
  }

  InfoResult handle_info(const Term& m) override {
    static const Atom echo = A("echo");
    if (is(m, echo, 3)) {
      if (!process().send(m.element(1), m.element(2))) return Stop{Term::atom(term::atoms::badarg), Term()};
      return NoReply{};
    }
    events_.push_back(m);
    return NoReply{};
  }

 private:
  std::vector<Term> events_;  // oldest first
};

}  // namespace

std::unique_ptr<GenServer> make_echo_server() { return std::make_unique<Echo>(); }

Term start_echo(runtime::Runtime& rt) {
  RestarterSpec spec;
  spec.make_child = make_echo_server;
  spec.child_options.name = Atom::make("echo");
  spec.name = Atom::make("echo_sup");
  return start_restarter(rt, std::move(spec));
}

}  // namespace ergod::services
