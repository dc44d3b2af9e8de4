// gen_server: OTP's generic server on the runtime's public interface.
//
// Derive from GenServer and override the callbacks; their results mirror OTP's tuples:
//   init(Args)                 -> InitOk{} | Stop{Reason} | Ignore{}
//   handle_call(Request, From) -> Reply{R} | NoReply{} | Stop{Reason, Reply} | Stop{Reason}
//   handle_cast(Msg)           -> NoReply{} | Stop{Reason}
//   handle_info(Msg)           -> NoReply{} | Stop{Reason}
//   terminate(Reason)          (on Stop, on a trapped EXIT from the parent, on a system
//                              terminate, or when a callback throws)
// The server's state is the object itself. A callback that throws ends the server (after
// terminate) with {cxx_exception, <<What>>}.
//
// The wire format is Erlang's (gen.erl, OTP 25), so Erlang callers work unchanged through
// dist: a call is {'$gen_call', {CallerPid, Tag}, Request} with Tag = [alias | Mref] or a plain
// reference; the reply {Tag, Reply} goes to the alias for [alias | Alias] tags, to CallerPid
// otherwise; a cast is {'$gen_cast', Msg}; a stop is the system message {terminate, Reason}.
// The other system messages (sys:get_state, get_status, suspend, resume, ...) are answered as
// OTP's sys does (sys.h).
//
// Threads: callbacks run on the server's process (one at a time). The gen_server:: functions
// taking a Process& run inside that process (non-blocking, with a continuation); those taking
// a Runtime& block the calling thread, so on a worker thread they refuse at once with
// {error, blocking_call_on_worker} (or that reason in the CallOutcome).
#pragma once

#include <memory>
#include <optional>
#include <variant>
#include <vector>

#include "runtime/process.h"
#include "runtime/runtime.h"

namespace ergod::behaviors {

using runtime::CallOutcome;
using runtime::Process;
using runtime::Runtime;
using term::Atom;
using term::Term;

struct InitOk {};
struct Ignore {};
struct Reply {
  Term value;
};
struct NoReply {};
struct Stop {
  Term reason;
  Term reply;  // none: {stop, Reason, State}; set: {stop, Reason, Reply, State} (calls only)
};

using InitResult = std::variant<InitOk, Stop, Ignore>;
using CallResult = std::variant<Reply, NoReply, Stop>;
using InfoResult = std::variant<NoReply, Stop>;  // handle_cast and handle_info

class GenServer {
 public:
  virtual ~GenServer() = default;

  virtual InitResult init(const Term& args);
  // from is {CallerPid, Tag}: keep it to answer later with reply(from, value).
  virtual CallResult handle_call(const Term& request, const Term& from);
  virtual InfoResult handle_cast(const Term& message);
  virtual InfoResult handle_info(const Term& message);
  virtual void terminate(const Term& reason);

  // ---- what sys:get_state and sys:get_status show (sys.h); called on the server's process --
  // The state: the C++ object is not a term, so by default {cxx_state, Module}; override to
  // show what the server holds.
  virtual Term sys_state();
  // The atom that stands for the callback module (ergod_cxx by default).
  virtual Term sys_module() const;
  // '$initial_call': {Module, init, 1} (a supervisor: {supervisor, Module, 1}, as OTP).
  virtual Term sys_initial_call() const;
  // get_status's sections after the state (a supervisor: {supervisor, [{"Callback", Module}]}).
  virtual std::vector<Term> sys_status_extra() const;
  // The parent when the server handles its parent's EXIT itself (a supervisor), else none.
  virtual Term sys_parent() const;

 protected:
  // The server's process, for sending, spawning, monitoring, calling other servers...
  // Valid inside callbacks.
  Process& process() const noexcept { return *process_; }
  const Term& self() const noexcept { return process_->self(); }
  // gen_server:reply/2, from inside a callback.
  void reply(const Term& from, Term value);

 private:
  friend class GenServerProcess;
  Process* process_ = nullptr;
};

struct StartOptions {
  std::optional<Atom> name;             // {local, Name}
  int64_t timeout = runtime::kInfinity;  // for init to finish
};

namespace gen_server {

using StartContinuation = runtime::InlineFunction<void(Process&, Term), 48>;
using ReplyContinuation = runtime::InlineFunction<void(Process&, Term), 48>;

inline constexpr int64_t kDefaultTimeout = 5000;

// ---- starting: the result is {ok, Pid}, {error, Reason} or ignore ---------------------------
// {error, {already_started, Pid}} when the name is taken. start_link links the server to the
// calling process (which, as in OTP, then gets the server's exit signal if init fails).
void start(Process& self, std::unique_ptr<GenServer> server, Term args, const StartOptions& opts,
           StartContinuation k);
void start_link(Process& self, std::unique_ptr<GenServer> server, Term args, const StartOptions& opts,
                StartContinuation k);
Term start(Runtime& rt, std::unique_ptr<GenServer> server, Term args, const StartOptions& opts = {});
// proc_lib:spawn of a server: returns the new process at once; init runs after this returns
// and nobody is told its result (an init that fails just ends the process with its reason).
// opts.link makes self the server's parent (its EXIT stops the server, as with start_link);
// opts.name is registered before init runs (spawn fails when it is taken).
Result<runtime::Spawned> spawn(Process& self, std::unique_ptr<GenServer> server, Term args,
                               const runtime::SpawnOptions& opts = {});

// ---- calls -------------------------------------------------------------------------------
// OTP's gen_server:call: on failure the caller exits with
// {Reason, {gen_server, call, [Dest, Request, Timeout]}} (Reason: timeout, noproc,
// {nodedown, Node}, calling_self, or the server's exit reason); k only sees replies.
void call(Process& self, const Term& dest, Term request, int64_t timeout_ms, ReplyContinuation k);
// The same call without crashing: k gets the outcome (ok + reply, or the bare Reason).
void try_call(Process& self, const Term& dest, Term request, int64_t timeout_ms,
              runtime::CallContinuation k);
// From a non-runtime thread: blocks until the outcome.
CallOutcome call(Runtime& rt, const Term& dest, Term request, int64_t timeout_ms = kDefaultTimeout);

// ---- casts and replies ---------------------------------------------------------------------
void cast(Process& self, const Term& dest, Term message);  // never fails, like OTP
void cast(Runtime& rt, const Term& dest, Term message);
// gen:reply: to the alias when the tag is [alias | Alias], else to the caller's pid.
void reply(Process& self, const Term& from, Term value);
void reply(Runtime& rt, const Term& from, Term value);

// ---- stopping ----------------------------------------------------------------------------
// gen_server:stop: the server runs terminate(Reason) and exits with Reason; k (or the return)
// gets ok once it has exited, or the reason it could not be stopped (noproc, timeout, or the
// exit reason when it ended with another one).
void stop(Process& self, const Term& dest, Term reason, int64_t timeout_ms, StartContinuation k);
Term stop(Runtime& rt, const Term& dest, Term reason = Term::atom(term::atoms::normal),
          int64_t timeout_ms = runtime::kInfinity);

}  // namespace gen_server
}  // namespace ergod::behaviors
