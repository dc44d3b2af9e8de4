// FunctionRegistry: the Erlang functions (Module:Function/Arity) that other nodes may call on
// ergod through erpc (rpc:call, erpc:call, spawn_request) and rex (rpc:cast, old-style calls).
// ergod runs no Erlang code, so "calling erlang:node/0" means running the C++ function
// registered under that name; anything not registered fails as a missing function does on
// BEAM (error:undef). Plugins add theirs with add() when loaded and remove() when unloaded.
//
// Not here: the erpc and rex protocols (erpc.h, rex.h).
// Threads: add(), remove() and find() from any thread (a shared mutex; add is rare, find per call).
// A function runs on a worker, inside the process that serves the call, and must not block
// (to wait, it returns ApplyResult::after or ApplyResult::later).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <tuple>

#include "runtime/process.h"
#include "term/term.h"

namespace ergod::services {

using term::Atom;
using term::Term;

// How an Erlang call ended: as erpc:execute_call sees it.
struct ApplyResult {
  enum class Kind { return_, throw_, exit, error } kind = Kind::return_;
  Term value;  // the value, or the thrown/exit/error reason
  Term stack;  // error only: the stack trace list ([] when unknown)
  // return_ only: the value is returned this many ms later (runtime::kInfinity: never). The
  // process running the call waits on a timer, not a worker: how timer:sleep/1 is done.
  int64_t delay_ms = 0;
  // return_ only: the value comes later, as the message {Ref, Value} to the process running
  // the call, sent by whatever the function started (a callback on another thread): how
  // erlang:disconnect_node/1 waits for the connection to be gone.
  Term later_ref;

  static ApplyResult ok(Term v) { return make(Kind::return_, std::move(v), Term::nil()); }
  static ApplyResult error(Term reason, Term stack = Term::nil()) { return make(Kind::error, std::move(reason), std::move(stack)); }
  // An error raised by a BIF (badarg...): apply() adds erts' frame
  // {M, F, Args, [{error_info, #{module => erl_erts_errors}}]} as the stack.
  static ApplyResult bif_error(Term reason) { return make(Kind::error, std::move(reason), Term()); }
  // error:undef, as if M:F/A were not there (apply() adds the frame {M, F, Args, []}).
  static ApplyResult undef() { return make(Kind::error, Term::atom("undef"), Term()); }
  static ApplyResult exit(Term reason) { return make(Kind::exit, std::move(reason), Term::nil()); }
  static ApplyResult after(int64_t ms, Term v) { return make(Kind::return_, std::move(v), Term::nil(), ms); }
  static ApplyResult later(Term ref) { return make(Kind::return_, Term(), Term::nil(), 0, std::move(ref)); }
  bool is_later() const { return kind == Kind::return_ && (delay_ms != 0 || later_ref); }

 private:
  static ApplyResult make(Kind k, Term v, Term stack, int64_t delay_ms = 0, Term later_ref = Term()) {
    ApplyResult r;
    r.kind = k, r.value = std::move(v), r.stack = std::move(stack);
    r.delay_ms = delay_ms, r.later_ref = std::move(later_ref);
    return r;
  }
};

// A later result (ApplyResult::later) that raises instead of returning: the message
// {Ref, Class, Reason, Stack} (Class: throw, exit or error) to the process running the call.
Term later_raise_message(const Term& ref, const ApplyResult& raised);
// The later message m for ref ({Ref, Value} or the above) as an ApplyResult; false when m is
// not one for ref.
bool read_later_message(const Term& m, const Term& ref, ApplyResult& out);

// args: the argument list (a proper list of the registered arity).
using Function = std::function<ApplyResult(runtime::Process& self, const Term& args)>;

class FunctionRegistry {
 public:
  void add(Atom module, Atom function, unsigned arity, Function fn);
  // False when M:F/A was not registered. A call already running keeps its copy of the function.
  bool remove(Atom module, Atom function, unsigned arity);
  // nullopt when M:F/A is not registered.
  std::optional<Function> find(Atom module, Atom function, unsigned arity) const;
  // Runs M:F(Args): the registered function, or error:undef with OTP's stack [{M, F, Args, []}]
  // when there is none (M and F not atoms, or Args not a list: badarg).
  // erlang:apply/2 with a fun is run here too, with the stack erpc leaves of BEAM's: an export
  // fun runs its registered M:F/A; a local fun (ergod has no code for it), a missing export fun
  // and a wrong arity fail as on a node lacking the fun's module:
  //   undef, [{Fun, Args, []}, {erlang, apply, 2, []}]   ({M, F, Args, []} for an export fun)
  //   {badarity, {Fun, Args}}, [{erlang, apply, 2, []}];  {badfun, X}, [{erlang, apply, 2, []}]
  // erlang:apply/3 runs M:F(A) with {erlang, apply, 3, []} below its frames.
  ApplyResult apply(runtime::Process& self, const Term& module, const Term& function, const Term& args) const;

 private:
  ApplyResult apply_fun(runtime::Process& self, const Term& fun, const Term& args) const;

  mutable std::shared_mutex mu_;
  std::map<std::tuple<uint32_t, uint32_t, unsigned>, Function> fns_;
};

}  // namespace ergod::services
