// supervisor: OTP's supervisor (supervisor.erl, OTP 25) as a GenServer subclass: child specs,
// the four strategies, restart types, restart intensity, shutdown timeouts, dynamic children,
// and supervisor.erl's call protocol, so an Erlang node can run supervisor:which_children/1,
// count_children/1, terminate_child/2, restart_child/2, delete_child/2 and start_child/2
// ({start_child, ExtraArgs} for simple_one_for_one) against an ergod supervisor through dist.
//
// The supervisor never blocks its worker: starting a child waits for its init, and stopping
// one waits for its DOWN, through Process::receive with continuations. While it works through
// such a sequence (start-up, a restart, a shutdown) other messages wait in its mailbox, as they
// would while an OTP supervisor runs a callback.
//
// Differences from OTP, forced by C++:
// - Children are C++ GenServers made by ChildSpec::make; a child spec sent from Erlang names
//   no C++ code. {start_child, Spec} from Erlang is checked as OTP checks it first (an invalid
//   spec: {error, {invalid_child_spec, X}}, {error, {invalid_mfa, F}}, ...; a taken id:
//   {error, {already_started, Pid}} or {error, already_present}), and a valid one is then
//   refused with {error, {cxx_child_spec_required, Spec}} (extra args for simple_one_for_one
//   work from Erlang; extra args that are not a list fail as OTP's apply does:
//   {error, {'EXIT', {badarg, [{erlang, apply, [M, F, Args], []}]}}}).
// - get_childspec's map has OTP 25's keys (id, start, restart, significant = false, shutdown,
//   type, modules); start is ChildSpec::start, modules what which_children shows.
// - which_children's Modules is [Id] when the child's id is an atom (it names the child, as
//   the module does in OTP), else `dynamic` (OTP's value for "ask the process").
// - Start with supervisor::start_link/start. The children start after the server's own init
//   (GenServer::init cannot wait): these functions wait for that too and report
//   {error, {shutdown, {failed_to_start_child, Id, Reason}}} as OTP does. Started with
//   gen_server::start_link(make_supervisor(...)) it still works, but the start result cannot
//   report a child's failure (the supervisor exits with it), and the parent's exit or a
//   gen_server::stop reach terminate(), which cannot wait: children are sent their exit
//   signals in reverse order without waiting for each. With supervisor::start_link the parent's
//   EXIT is handled by the supervisor itself, which waits for each child in reverse order
//   (supervisor::start_link also takes any GenServer, for code that may start either).
//   The clean way to stop a supervisor is to have its parent exit (or exit(Sup, shutdown)
//   from the parent), as OTP's application master does.
// - An unknown call is answered {error, {unknown_call, Request}} instead of crashing.
//
// Threads: make_supervisor from any thread. The supervisor:: functions taking a Process& run
// inside that process (non-blocking, with a continuation; like OTP they call with an infinite
// timeout and the caller exits if the supervisor dies meanwhile); those taking a Runtime&
// block the calling thread and refuse on a worker thread ({error, blocking_call_on_worker},
// or that reason in the CallOutcome). ChildSpec::make runs on the supervisor's process.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "behaviors/gen_server.h"

namespace ergod::behaviors {

enum class Strategy { one_for_one, one_for_all, rest_for_one, simple_one_for_one };
enum class RestartType { permanent, transient, temporary };
enum class ChildType { worker, supervisor };
inline constexpr int64_t kBrutalKill = -2;  // shutdown value; runtime::kInfinity (-1) = infinity

struct ChildSpec {
  Term id;                                            // unique within the supervisor
  std::function<std::unique_ptr<GenServer>()> make;   // called for every (re)start
  Term args;                                          // init's argument
  std::optional<Atom> name;                           // registered name ({local, Name})
  RestartType restart = RestartType::permanent;
  int64_t shutdown_ms = 5000;                         // or kBrutalKill or runtime::kInfinity
  ChildType type = ChildType::worker;                 // supervisors default to infinity in OTP;
                                                      //   the caller sets shutdown_ms itself
  // What get_childspec shows as the start MFA: how this child is started, in Erlang's words
  // (the daemon's applications: {ergod_plugin, start_link, [Plugin, Behavior, Args]}). None:
  // {ergod_cxx, start_link, [Args]} (a C++ factory no Erlang name stands for).
  Term start;
};

struct SupervisorSpec {
  Strategy strategy = Strategy::one_for_one;
  uint32_t intensity = 1;    // OTP defaults
  uint32_t period_s = 5;
  std::vector<ChildSpec> children;  // simple_one_for_one: exactly one, the template
  std::string log_source;           // e.g. the application name, for log lines
};

// The supervisor as a GenServer (see the notes above on starting it with gen_server::).
std::unique_ptr<GenServer> make_supervisor(SupervisorSpec spec);

// A ChildSpec for a nested supervisor: type supervisor, shutdown infinity (OTP's default).
ChildSpec supervisor_child(Term id, std::function<SupervisorSpec()> make_spec);

namespace supervisor {

using StartContinuation = gen_server::StartContinuation;  // gets the result term
using ReplyContinuation = gen_server::ReplyContinuation;  // gets the supervisor's reply

// ---- starting: {ok, Pid} once every child has started, or {error, Reason} ------------------
// Reason: {shutdown, {failed_to_start_child, Id, R}}, {bad_start_spec, _}, {start_spec, _},
// {already_started, Pid}. start_link links the supervisor to the caller (which, as in OTP, also
// gets its exit signal when it fails to start).
void start_link(Process& self, SupervisorSpec spec, const StartOptions& opts, StartContinuation k);
void start(Process& self, SupervisorSpec spec, const StartOptions& opts, StartContinuation k);
Term start(Runtime& rt, SupervisorSpec spec, const StartOptions& opts = {});
// Any server as gen_server::start_link would start it, except that a server from
// make_supervisor is started the supervisor's way (its result waits for its children, and it
// waits for them when its parent exits). Use it wherever the server may be a supervisor.
void start_link(Process& self, std::unique_ptr<GenServer> server, Term args, const StartOptions& opts,
                StartContinuation k);

// ---- supervisor.erl's API; sup is a pid, a registered name or {Name, Node} -----------------
// start_child: {ok, Pid} | {ok, undefined} (init returned ignore) | {error, Reason}
//   (already_present, {already_started, Pid}, {Reason, Id} when its init failed).
void start_child(Process& self, const Term& sup, ChildSpec spec, ReplyContinuation k);
CallOutcome start_child(Runtime& rt, const Term& sup, ChildSpec spec, int64_t timeout_ms = runtime::kInfinity);
// simple_one_for_one: the template's init gets Args ++ ExtraArgs (both lists).
void start_child(Process& self, const Term& sup, Term extra_args, ReplyContinuation k);
CallOutcome start_child(Runtime& rt, const Term& sup, Term extra_args, int64_t timeout_ms = runtime::kInfinity);
// ok | {error, not_found | simple_one_for_one}. simple_one_for_one takes the child's pid.
void terminate_child(Process& self, const Term& sup, Term id_or_pid, ReplyContinuation k);
CallOutcome terminate_child(Runtime& rt, const Term& sup, Term id_or_pid, int64_t timeout_ms = runtime::kInfinity);
// {ok, Pid} | {ok, undefined} | {error, running | restarting | not_found | simple_one_for_one | R}
void restart_child(Process& self, const Term& sup, Term id, ReplyContinuation k);
CallOutcome restart_child(Runtime& rt, const Term& sup, Term id, int64_t timeout_ms = runtime::kInfinity);
// ok | {error, running | restarting | not_found | simple_one_for_one}
void delete_child(Process& self, const Term& sup, Term id, ReplyContinuation k);
CallOutcome delete_child(Runtime& rt, const Term& sup, Term id, int64_t timeout_ms = runtime::kInfinity);
// [{Id, Pid | undefined | restarting, worker | supervisor, Modules}], last started first (OTP).
void which_children(Process& self, const Term& sup, ReplyContinuation k);
CallOutcome which_children(Runtime& rt, const Term& sup, int64_t timeout_ms = runtime::kInfinity);
// {ok, #{id, start, restart, significant, shutdown, type, modules}} | {error, not_found};
// simple_one_for_one takes a child's pid (or the template's id), as OTP.
void get_childspec(Process& self, const Term& sup, Term id_or_pid, ReplyContinuation k);
CallOutcome get_childspec(Runtime& rt, const Term& sup, Term id_or_pid, int64_t timeout_ms = runtime::kInfinity);
// [{specs, N}, {active, N}, {supervisors, N}, {workers, N}]
void count_children(Process& self, const Term& sup, ReplyContinuation k);
CallOutcome count_children(Runtime& rt, const Term& sup, int64_t timeout_ms = runtime::kInfinity);

}  // namespace supervisor
}  // namespace ergod::behaviors
