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

  sdk::Task<sdk::CallResult> handle_call(const Term& r, const sdk::From&) override {
    using sdk::Reply;
    const Term ok = atom("ok");
    if (r.is_atom("ping")) return Reply{atom("pong")};
    if (r.is_record("echo", 2)) return Reply{r[1]};
    if (r.is_atom("self")) return Reply{self()};
    if (r.is_record("call", 4)) {
      int64_t timeout = sdk::infinity;
      if (!r[3].is_atom("infinity")) {
        if (!r[3].is_integer()) return sdk::Stop{atom("badarg")};
        timeout = r[3].as<int64_t>();
      }
      return relay(r[1], r[2], timeout);
    }
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
    return sdk::Stop{atom("function_clause")};
  }

  sdk::Task<sdk::CastResult> handle_cast(const Term& m) override {
    if (!m.is_record("send", 3)) return sdk::Stop{atom("function_clause")};
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
  // server's other messages wait, as in gen_server:call.
  sdk::Task<sdk::CallResult> relay(Term dest, Term request, int64_t timeout) {
    sdk::CallOutcome out = co_await try_call(dest, request, timeout);
    co_return sdk::Reply{sdk::tuple(Atom(out.ok ? "ok" : "error"), out.value)};
  }

  std::vector<Term> events_;  // oldest first
};

}  // namespace

ERGOD_PLUGIN("echo", "1.0.0", ERGOD_BEHAVIOR("echo", Echo))
