// echo: the interop example gen_server (/work/shared/interop/README.md, after echo_ref.erl)
// as a plugin written with the C++ layer of the SDK. It speaks the same protocol as the
// daemon's built-in echo (daemon/services/echo.cpp), which it replaces once applications
// load plugins. echo.yaml, its application's manifest, registers it as `echo` under a one_for_one
// supervisor (permanent), as echo_ref's supervisor does.
//
// Threads: as every behavior (callbacks on the server's process, one at a time).
#include <ergod/ergod.hpp>

#include <vector>

namespace {

namespace sdk = ergod::sdk;
using sdk::Atom;
using sdk::atom;
using sdk::Term;

class Echo final : public sdk::GenServer {
 public:
  sdk::Task<sdk::InitResult> init(const Term&) override {
    trap_exit(true);
    return sdk::Ok{};
  }

  sdk::Task<sdk::CallResult> handle_call(const Term& r, const sdk::From& from) override {
    using sdk::Reply;
    const Term ok = atom("ok");
    if (r.is_atom("ping")) return Reply{atom("pong")};
    if (r.is_record("echo", 2)) return Reply{r[1]};
    if (r.is_atom("self")) return Reply{self()};
    if (r.is_record("call", 4)) return relay(r[1], r[2], r[3]);
    if (r.is_record("send", 3)) {
      send(r[1], r[2]);  // an unregistered name: badarg, as Dest ! T
      return Reply{ok};
    }
    if (r.is_record("link", 2)) {
      link(r[1]);
      return Reply{ok};
    }
    if (r.is_record("unlink", 2)) {
      unlink(r[1]);
      return Reply{ok};
    }
    if (r.is_record("monitor", 2)) return Reply{monitor(r[1])};
    if (r.is_record("demonitor", 2)) {
      demonitor(r[1], true);
      return Reply{ok};
    }
    if (r.is_record("exit", 3)) {
      exit(r[1], r[2]);
      return Reply{ok};
    }
    if (r.is_atom("events")) return Reply{std::exchange(events_, {})};
    if (r.is_record("stop", 2)) return sdk::Stop{r[1], ok};
    // echo_ref has no clause for it: the server crashes with function_clause.
    return sdk::Stop{no_clause("handle_call", sdk::list(r, from.term, sys_state()))};
  }

  sdk::Task<sdk::CastResult> handle_cast(const Term& m) override {
    if (!m.is_record("send", 3)) return sdk::Stop{no_clause("handle_cast", sdk::list(m, sys_state()))};
    send(m[1], m[2]);
    return sdk::NoReply{};
  }

  sdk::Task<sdk::InfoResult> handle_info(const Term& m) override {
    if (m.is_record("echo", 3)) {
      send(m[1], m[2]);
      return sdk::NoReply{};
    }
    events_.push_back(m);
    return sdk::NoReply{};
  }

 private:
  // {call, Dest, Req, Timeout}: the answer comes when the inner call ends; meanwhile the
  // server's other messages wait, as in gen_server:call. A timeout gen.erl refuses, or one past
  // what a receive can wait (2^32-1 ms, timeout_value; the request has gone out by then, so its
  // answer arrives later as a message), is an {error, Reason} as echo_ref's catch makes it.
  sdk::Task<sdk::CallResult> relay(Term dest, Term request, Term timeout) {
    int64_t ms = sdk::infinity;
    if (!timeout.is_atom("infinity")) {
      if (!timeout.is_integer() || timeout < sdk::integer(0))
        co_return sdk::Reply{sdk::tuple(atom("error"), sdk::bad_call_timeout(dest, request, timeout))};
      if (timeout > sdk::integer(kMaxReceiveTimeout)) {
        try_send(dest, sdk::tuple(atom("$gen_call"), sdk::tuple(self(), make_ref()), request));
        Term where = sdk::list(sdk::tuple(atom("gen"), atom("do_call"), sdk::integer(4), sdk::nil()),
                               sdk::tuple(atom("gen_server"), atom("call"), sdk::integer(3), sdk::nil()));
        co_return sdk::Reply{sdk::tuple(atom("error"), sdk::tuple(atom("timeout_value"), where))};
      }
      ms = timeout.as<int64_t>();
    }
    sdk::CallOutcome out = co_await try_call(dest, request, ms);
    co_return sdk::Reply{sdk::tuple(Atom(out.ok ? "ok" : "error"), out.value)};
  }

  // The exit reason of a function without a clause for its arguments, as echo_ref's would be.
  static Term no_clause(const char* function, Term args) {
    return sdk::tuple(atom("function_clause"),
                      sdk::list(sdk::tuple(atom("echo"), atom(function), std::move(args), sdk::nil())));
  }
  // echo_ref's state: the events, newest first.
  Term sys_state() const override { return sdk::list_of(std::vector<Term>(events_.rbegin(), events_.rend())); }

  static constexpr int64_t kMaxReceiveTimeout = 4294967295;  // erlang's receive ... after limit
  std::vector<Term> events_;  // oldest first
};

}  // namespace

ERGOD_PLUGIN("echo", "1.0.0", ERGOD_BEHAVIOR("echo", Echo))
