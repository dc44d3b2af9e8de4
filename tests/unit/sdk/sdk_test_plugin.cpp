// sdk_test: a plugin written with the C++ layer (ergod.hpp) for the sdk unit tests. Its
// behaviors exercise what the layer adds over the C ABI: coroutine calls (plain, nested,
// failing), replies after a wait, exceptions ending the process, struct conversions and rpc
// functions made from plain C++ functions.
//
// Threads: as every behavior (callbacks on the server's process, one at a time).
#include <ergod/ergod.hpp>

#include <stdexcept>
#include <string>
#include <vector>

namespace sdk = ergod::sdk;
using sdk::atom;
using sdk::Term;

namespace sdk_test {

struct Point {
  int64_t x = 0;
  int64_t y = 0;
};
ERGOD_STRUCT(Point, x, y)

// relay: answers requests by calling other servers.
//   {call, Dest, Req, Timeout}      -> {ok, Reply}; a failed call exits the server (CallFailed)
//   {try_call, Dest, Req, Timeout}  -> {ok, Reply} | {error, Reason}
//   {twice, Dest, Req1, Req2}       -> [Reply1, Reply2] (a helper coroutine awaited twice)
//   {call_then_throw, Dest, Req}    -> throws std::runtime_error after the call
//   {call_then_stop, Dest, Req}     -> {stop, relayed, Reply} after the call
//   {throw, What}                   -> throws std::runtime_error(What) at once
//   {as_int32, T}                   -> T as int32_t (a BadTerm ends the server)
//   {exit, Reason}                  -> exit(Reason)
//   {mirror, Point}                 -> the Point with x and y swapped (ERGOD_STRUCT)
//   {later, Value}                  -> NoReply now, then Value from handle_info(answer)
//   ping                            -> pong (a plain reply)
class Relay final : public sdk::GenServer {
 public:
  sdk::Task<sdk::InitResult> init(const Term& args) override {
    if (args.is_atom("crash")) throw std::runtime_error("init crashed");
    return sdk::Ok{};
  }

  sdk::Task<sdk::CallResult> handle_call(const Term& r, const sdk::From& from) override {
    if (r.is_atom("ping")) co_return sdk::Reply{atom("pong")};
    if (r.is_record("call", 4)) {
      Term reply = co_await call(r[1], r[2], r[3].as<int64_t>());
      co_return sdk::Reply{sdk::tuple(atom("ok"), reply)};
    }
    if (r.is_record("try_call", 4)) {
      sdk::CallOutcome o = co_await try_call(r[1], r[2], r[3].as<int64_t>());
      co_return sdk::Reply{sdk::tuple(atom(o ? "ok" : "error"), o.value)};
    }
    if (r.is_record("twice", 4)) {
      Term a = co_await ask(r[1], r[2]);
      Term b = co_await ask(r[1], r[3]);
      co_return sdk::Reply{sdk::list(a, b)};
    }
    if (r.is_record("call_then_throw", 3)) {
      co_await call(r[1], r[2]);
      throw std::runtime_error("thrown after a call");
    }
    if (r.is_record("call_then_stop", 3)) {
      Term reply = co_await call(r[1], r[2]);
      co_return sdk::Stop{atom("relayed"), reply};
    }
    if (r.is_record("throw", 2)) throw std::runtime_error(r[1].as<std::string>());
    if (r.is_record("as_int32", 2)) co_return sdk::Reply{r[1].as<int32_t>()};
    if (r.is_record("exit", 2)) exit(r[1]);
    if (r.is_record("mirror", 2)) {
      Point p = r[1].as<Point>();
      co_return sdk::Reply{Point{p.y, p.x}};
    }
    if (r.is_record("later", 2)) {
      later_ = from;
      later_value_ = r[1];
      send(self(), atom("answer"));
      co_return sdk::NoReply{};
    }
    co_return sdk::Stop{atom("function_clause")};
  }

  sdk::Task<sdk::InfoResult> handle_info(const Term& m) override {
    if (m.is_atom("answer")) reply(later_, later_value_);
    return sdk::NoReply{};
  }

 private:
  // A helper coroutine: callbacks await it like a call.
  sdk::Task<Term> ask(Term dest, Term request) {
    Term reply = co_await call(dest, request);
    co_return sdk::tuple(atom("got"), reply);
  }

  sdk::From later_;
  Term later_value_;
};

// silent: answers nothing (a call to it times out); {reply, V} is answered.
class Silent final : public sdk::GenServer {
  sdk::Task<sdk::CallResult> handle_call(const Term& r, const sdk::From&) override {
    if (r.is_record("reply", 2)) return sdk::Reply{r[1]};
    return sdk::NoReply{};
  }
};

// named: pg and global names through the C++ layer. {join, G} / {leave, G} -> ok;
// {members, G} -> pg::get_members; {register, N} -> true | false; {unregister, N} -> true;
// {whereis, N} -> the pid or undefined.
class Named final : public sdk::GenServer {
  sdk::Task<sdk::CallResult> handle_call(const Term& r, const sdk::From&) override {
    if (r.is_record("join", 2)) pg_join(r[1]);
    else if (r.is_record("leave", 2)) pg_leave(r[1]);
    else if (r.is_record("members", 2)) co_return sdk::Reply{sdk::pg::get_members(r[1])};
    else if (r.is_record("register", 2)) co_return sdk::Reply{co_await register_global(r[1])};
    else if (r.is_record("unregister", 2)) co_return sdk::Reply{co_await unregister_global(r[1])};
    else if (r.is_record("whereis", 2)) {
      Term pid = sdk::global::whereis_name(r[1]);
      co_return sdk::Reply{pid.empty() ? atom("undefined") : pid};
    }
    co_return sdk::Reply{atom("ok")};
  }
};

int64_t add(int64_t a, int64_t b) { return a + b; }
Point origin() { return {}; }
std::string greet(const std::string& name) {
  if (name.empty()) throw std::invalid_argument("nobody to greet");
  return "hello " + name;
}

}  // namespace sdk_test

ERGOD_PLUGIN("sdk_test", "0.1.0",
             ERGOD_BEHAVIOR("relay", sdk_test::Relay),
             ERGOD_BEHAVIOR("silent", sdk_test::Silent),
             ERGOD_BEHAVIOR("named", sdk_test::Named),
             ERGOD_FUNCTION("sdk_test", "add", sdk_test::add),
             ERGOD_FUNCTION("sdk_test", "origin", sdk_test::origin),
             ERGOD_FUNCTION("sdk_test", "greet", sdk_test::greet))
