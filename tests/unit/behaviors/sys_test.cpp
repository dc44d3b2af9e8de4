// sys: the system messages of sys.erl on ergod's gen_servers and supervisors (get_state,
// get_status, suspend/resume, change_code, debug options, terminate), with the answers OTP 25
// gives (see sys.h for what C++ changes).
#include <memory>

#include "../runtime/support.h"
#include "behaviors/supervisor.h"

using namespace rt_test;
using namespace ergod::behaviors;

namespace {

// Counts casts; replies to `get` with the count.
class Counter : public GenServer {
 public:
  CallResult handle_call(const Term& req, const Term&) override {
    if (req == A("get")) return Reply{I(n_)};
    return Reply{A("what")};
  }
  InfoResult handle_cast(const Term&) override {
    ++n_;
    return NoReply{};
  }
  Term sys_state() override { return T({A("count"), I(n_)}); }
  Term sys_module() const override { return A("counter"); }

 private:
  int64_t n_ = 0;
};

ergod::term::Atom system_label() { return ergod::term::Atom::make("system"); }

Term sys(Runtime& rt, const Term& pid, Term req) {
  CallOutcome o = rt.call(pid, system_label(), std::move(req), 5000);
  REQUIRE(o.ok);
  return o.value;
}

Term chars(std::string_view s) {
  std::vector<Term> v;
  for (unsigned char c : s) v.push_back(I(c));
  return Term::list(std::span<const Term>(v));
}

Term start_counter(Runtime& rt) {
  Term r = gen_server::start(rt, std::make_unique<Counter>(), Term::nil());
  REQUIRE(r.element(0) == A("ok"));
  return r.element(1);
}

}  // namespace

TEST_CASE("sys:get_state and get_status answer with OTP's shapes", "[sys]") {
  Runtime rt;
  Term pid = start_counter(rt);
  gen_server::cast(rt, pid, A("tick"));
  CHECK(sys(rt, pid, A("get_state")) == T({A("count"), I(1)}));
  Term st = sys(rt, pid, A("get_status"));
  REQUIRE(st.tuple_arity() == 4);
  CHECK(st.element(0) == A("status"));
  CHECK(st.element(1) == pid);
  CHECK(st.element(2) == T({A("module"), A("gen_server")}));
  Term items = st.element(3);
  REQUIRE(ergod::term::list_length(items) == 5);
  Term pdict = items.head();
  CHECK(pdict.tail().head() == T({A("$initial_call"), T({A("counter"), A("init"), I(1)})}));
  CHECK(items.tail().head() == A("running"));
  CHECK(items.tail().tail().head() == pid);  // no parent: the process itself, as OTP's start/3
  CHECK(items.tail().tail().tail().head() == Term::nil());
  Term misc = items.tail().tail().tail().tail().head();
  auto* box = pid.as<ergod::term::PidBox>();
  CHECK(misc.head() == T({A("header"), chars("Status for generic server <0." + std::to_string(box->id) + "." +
                                             std::to_string(box->serial) + ">")}));
  CHECK(misc.tail().tail().head() == T({A("data"), Term::list({T({chars("State"), T({A("count"), I(1)})})})}));
  gen_server::stop(rt, pid);
}

TEST_CASE("a suspended server answers only system messages until it is resumed", "[sys]") {
  Runtime rt;
  Term pid = start_counter(rt);
  CHECK(sys(rt, pid, A("suspend")) == A("ok"));
  gen_server::cast(rt, pid, A("tick"));
  CHECK(!gen_server::call(rt, pid, A("get"), 200).ok);  // held back: timeout
  CHECK(sys(rt, pid, A("get_state")) == T({A("count"), I(0)}));
  Term st = sys(rt, pid, A("get_status"));
  CHECK(st.element(3).tail().head() == A("suspended"));
  CHECK(sys(rt, pid, A("resume")) == A("ok"));
  CHECK(gen_server::call(rt, pid, A("get"), 5000).value == I(1));
  gen_server::stop(rt, pid);
}

TEST_CASE("change_code, replace_state, debug options and unknown requests answer as OTP's sys", "[sys]") {
  Runtime rt;
  Term pid = start_counter(rt);
  Term cc = T({A("change_code"), A("counter"), I(1), A("x")});
  CHECK(sys(rt, pid, cc) == T({A("error"), T({A("unknown_system_msg"), cc})}));
  CHECK(sys(rt, pid, A("suspend")) == A("ok"));
  Term undef = T({A("counter"), A("code_change"), Term::list({I(1), T({A("count"), I(0)}), A("x")}), Term::nil()});
  CHECK(sys(rt, pid, cc) == T({A("error"), T({A("EXIT"), T({A("undef"), Term::list({undef})})})}));
  CHECK(sys(rt, pid, A("resume")) == A("ok"));
  CHECK(sys(rt, pid, T({A("debug"), T({A("trace"), A("true")})})) == A("unknown_debug"));
  CHECK(sys(rt, pid, T({A("debug"), T({A("trace"), A("false")})})) == A("ok"));
  CHECK(sys(rt, pid, T({A("debug"), T({A("log"), A("get")})})) == T({A("ok"), Term::nil()}));
  CHECK(sys(rt, pid, T({A("debug"), T({A("statistics"), A("get")})})) == T({A("ok"), A("no_statistics")}));
  CHECK(sys(rt, pid, T({A("debug"), A("no_debug")})) == A("ok"));
  CHECK(sys(rt, pid, A("foo")) == T({A("error"), T({A("unknown_system_msg"), A("foo")})}));
  Term rs = sys(rt, pid, T({A("replace_state"), A("fun")}));
  CHECK(rs.element(0) == A("error"));
  CHECK(rs.element(1).element(0) == A("callback_failed"));
  CHECK(gen_server::call(rt, pid, A("get"), 5000).value == I(0));
  gen_server::stop(rt, pid);
}

TEST_CASE("a supervisor's sys:get_state is shaped as OTP's #state record and its status names the callback",
          "[sys]") {
  Runtime rt;
  SupervisorSpec spec;
  spec.intensity = 3;
  spec.period_s = 7;
  ChildSpec c;
  c.id = A("w");
  c.make = [] { return std::make_unique<Counter>(); };
  c.args = Term::nil();
  spec.children.push_back(c);
  StartOptions opts;
  opts.name = ergod::term::Atom::make("sys_test_sup");
  Term r = supervisor::start(rt, std::move(spec), opts);
  REQUIRE(r.element(0) == A("ok"));
  Term sup = r.element(1);
  Term state = sys(rt, sup, A("get_state"));
  REQUIRE(state.tuple_arity() == 12);
  CHECK(state.element(0) == A("state"));
  CHECK(state.element(1) == T({A("local"), A("sys_test_sup")}));
  CHECK(state.element(2) == A("one_for_one"));
  CHECK(state.element(3).element(0) == Term::list({A("w")}));
  Term child = state.element(3).element(1).map_get(A("w"));
  REQUIRE(child.tuple_arity() == 9);
  CHECK(child.element(0) == A("child"));
  CHECK(child.element(1).is_pid());
  CHECK(child.element(2) == A("w"));
  CHECK(child.element(4) == A("permanent"));
  CHECK(child.element(6) == I(5000));
  CHECK(child.element(7) == A("worker"));
  CHECK(state.element(4) == A("undefined"));
  CHECK(state.element(5) == I(3));
  CHECK(state.element(6) == I(7));
  CHECK(state.element(9) == A("never"));
  Term st = sys(rt, sup, A("get_status"));
  Term misc = st.element(3).tail().tail().tail().tail().head();
  CHECK(misc.head() == T({A("header"), chars("Status for generic server sys_test_sup")}));
  CHECK(misc.tail().tail().tail().head() ==
        T({A("supervisor"), Term::list({T({chars("Callback"), A("ergod_supervisor")})})}));
  CHECK(st.element(3).head().tail().head() ==
        T({A("$initial_call"), T({A("supervisor"), A("ergod_supervisor"), I(1)})}));
  CHECK(gen_server::stop(rt, sup, A("shutdown")) == A("ok"));
}
