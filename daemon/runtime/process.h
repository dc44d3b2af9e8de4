// Process: an Erlang-style process (a mailbox and a behavior, not a thread), and the interface
// its behavior uses: send, spawn, link, monitor, exit, aliases, names, timers and gen.erl's
// synchronous call with a continuation.
//
// Threads: a process runs on one worker at a time and handles one message at a time. Every
// member function below (except the few marked "any thread") may only be called by the
// process itself, from inside its own callbacks (ProcessBehavior::init/handle_message, a call
// continuation, or a function run with Runtime::run_in). Code on other threads uses the
// Runtime facade (runtime.h) with the process's pid instead.
//
// Semantics are Erlang's (see daemon/runtime/README.md for what "Erlang's" meant where it
// was not obvious). Differences forced by C++: exit(Reason) takes effect when the current
// callback returns, and a C++ exception escaping a callback ends the process with reason
// {cxx_exception, <<what()>>}.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "runtime/inline_function.h"
#include "runtime/mailbox.h"
#include "term/result.h"
#include "term/term.h"

namespace ergod::runtime {

class Runtime;
class Process;
struct ProcessExtras;

inline constexpr int64_t kInfinity = -1;  // a timeout that never fires (and costs nothing)

// What a process runs. Callbacks run on a worker thread, one at a time for a process; they
// must not block (use Process::call for a synchronous call). The behavior is destroyed when
// the process ends, before its links and monitors are told.
class ProcessBehavior {
 public:
  virtual ~ProcessBehavior() = default;
  // A behavior is made by its spawner and freed on the worker its process ends on: small ones
  // come from block pools (as processes do), not from malloc's cross-thread path.
  static void* operator new(size_t size);
  static void operator delete(void* p, size_t size) noexcept;
  // Runs first, before any message.
  virtual void init(Process& self) { (void)self; }
  // One message: a term sent to the process, {'EXIT', From, Reason} when trapping exits, or
  // {'DOWN', Ref, process, Object, Reason} for a monitor.
  virtual void handle_message(Process& self, Term message) = 0;
};

struct SpawnOptions {
  bool link = false;       // spawn_link (only when spawned by a process)
  bool monitor = false;    // spawn_monitor (only when spawned by a process)
  bool trap_exit = false;  // process_flag(trap_exit, true) before anything else runs
  std::optional<Atom> name;  // registered before the process runs; spawn fails if taken
};

struct Spawned {
  Term pid;
  Term monitor;  // the monitor reference with SpawnOptions::monitor, else none
};

// monitor/3's {alias, _} option.
enum class MonitorAlias : uint8_t {
  none,
  explicit_unalias,  // the alias lives until unalias()
  demonitor,         // ... until the monitor is removed (demonitor or DOWN); gen.erl uses this
  reply_demonitor,   // ... or until one message arrives through it (which also demonitors)
};

// alias/1's option.
enum class AliasMode : uint8_t {
  explicit_unalias,  // alias()
  reply,             // alias([reply]): deactivated by the first message through it
};

// The result of a synchronous call: ok with the reply, or the reason the caller would exit
// with in Erlang: timeout, noproc, {nodedown, Node}, calling_self, or the callee's exit reason.
struct CallOutcome {
  bool ok = false;
  Term value;
};
using CallContinuation = InlineFunction<void(Process&, CallOutcome), 96>;
// A selective receive: which message to take, and what to do with it (nullopt on timeout).
using ReceiveMatcher = InlineFunction<bool(const Term&), 32>;
using ReceiveContinuation = InlineFunction<void(Process&, std::optional<Term>), 48>;

class Process final {
 public:
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  // ---- identity ---------------------------------------------------------------------------
  const Term& self() const noexcept { return self_; }
  Runtime& runtime() const noexcept { return *rt_; }
  ProcessBehavior* behavior() const noexcept { return behavior_.get(); }
  uint32_t id() const noexcept { return id_; }  // any thread: the pid's slot number

  // ---- messages ---------------------------------------------------------------------------
  // dest: a pid, a registered name (atom), {Name, Node}, or an alias reference. Returns false
  // only where Erlang raises badarg: an atom that is not registered, or a dest of another type.
  // A dead pid, an inactive alias or {Name, Node} with no such name: dropped, returns true.
  bool send(const Term& dest, Term message);
  // erlang:send(Dest, Msg, [noconnect]) for a {Name, Node} of another node: dropped when that
  // node is not connected, instead of dialling it. Other dests: as send().
  bool send_noconnect(const Term& dest, Term message);
  Term make_ref();

  // ---- processes --------------------------------------------------------------------------
  Result<Spawned> spawn(std::unique_ptr<ProcessBehavior> behavior, const SpawnOptions& opts = {});
  // exit/1: the process ends with reason when the current callback returns.
  void exit(Term reason);
  // exit/2: sends an exit signal (kill is untrappable; normal is ignored by others unless they
  // trap exits, but ends the sender when sent to itself).
  void exit(const Term& pid, Term reason);
  // link/1. A local pid that is dead: with trap_exit an {'EXIT', Pid, noproc} message arrives;
  // without, the process ends with noproc (Erlang raises noproc) and this returns false.
  bool link(const Term& pid);
  void unlink(const Term& pid);
  bool trap_exit() const noexcept;
  bool set_trap_exit(bool on) noexcept;  // returns the previous value
  bool exiting() const noexcept;         // exit/1 was called in this callback

  // ---- monitors and aliases ----------------------------------------------------------------
  // target: a pid, a registered name (atom) or {Name, Node}. A missing process gives
  // {'DOWN', Ref, process, Object, noproc} at once (noconnection for an unreachable node).
  // Object is the pid, or {Name, Node} when monitored by name.
  Term monitor(const Term& target, MonitorAlias alias = MonitorAlias::none);
  // Returns true if the monitor was active (demonitor/2's info). flush removes a DOWN already
  // in the mailbox; a DOWN still in flight is dropped on arrival either way.
  bool demonitor(const Term& ref, bool flush = false);
  Term alias(AliasMode mode = AliasMode::explicit_unalias);
  bool unalias(const Term& alias);

  // ---- other nodes ------------------------------------------------------------------------
  // erlang:monitor_node(Node, true | false). true: {nodedown, Node} arrives when the connection
  // to Node goes down; when there is none, a connection is tried first and a failure gives the
  // nodedown (at once without distribution). Each call counts (n calls, n messages; the
  // monitors end with the nodedown); false removes one. The local node: nothing happens.
  // Returns true, as Erlang does.
  bool monitor_node(Atom node, bool on);
  // net_kernel:monitor_nodes(on): {nodeup, Node} and {nodedown, Node} for every visible node's
  // connection. all_types is the [{node_type, all}] option: hidden nodes too, as
  // {nodeup, Node, [{node_type, visible | hidden}]}. Subscriptions count (each gives its own
  // message); on = false removes every subscription of that kind.
  void monitor_nodes(bool on, bool all_types = false);

  // ---- names ------------------------------------------------------------------------------
  bool register_name(Atom name);  // false (Erlang's badarg) if taken or already named
  std::optional<Atom> registered_name() const noexcept;

  // ---- timers -----------------------------------------------------------------------------
  // erlang:send_after/3 and cancel_timer/1 (ms left, or -1 for false).
  Term send_after(int64_t ms, const Term& dest, Term message);
  int64_t cancel_timer(const Term& tref);

  // ---- synchronous call (gen.erl's do_call) -------------------------------------------------
  // Sends {Label, {self(), Tag}, Request} to dest (pid, name or {Name, Node}) with a monitor,
  // then holds back every other message until the reply {Tag, Reply}, the monitor's DOWN or
  // the timeout; then runs k, then the held-back messages in their original order. Tag is
  // [alias | Mref] (Mref with {alias, demonitor}, so a late reply is dropped), or the plain
  // Mref for a local callee with an infinite timeout, exactly as gen.erl does. One wait at a
  // time: calling again before k has run ends the process with {badarg, already_waiting}.
  void call(const Term& dest, Atom label, Term request, int64_t timeout_ms, CallContinuation k);
  // A general selective receive (`receive Pattern -> ... after Timeout -> ... end`): holds
  // back every message for which match is false until one matches (k gets it) or the
  // timeout passes (k gets nullopt); then the held-back messages follow in their order.
  // Unlike call(), it looks at messages already queued too. DOWN and EXIT messages are
  // matched in their tuple form. One wait (call or receive) at a time, as for call().
  void receive(ReceiveMatcher match, int64_t timeout_ms, ReceiveContinuation k);
  bool in_call() const noexcept;  // waiting in call() or receive()

  // ---- introspection ----------------------------------------------------------------------
  // erlang:process_info(self(), message_queue_len): messages taken in and not yet handled
  // (held back by a call, or behind the current one). O(n).
  size_t message_queue_len() const noexcept;
  // process_info(self(), monitored_by): the processes monitoring this one.
  std::vector<Term> monitored_by() const;
  // The monitors this process holds (their references).
  std::vector<Term> monitors() const;

 private:
  friend class Runtime;
  friend class Scheduler;
  friend class ProcessTable;
  friend class Inbox;
  friend class Registry;
  friend class TimerService;

  enum class RunResult : uint8_t { Idle, Yield, Exited };

  Process(Runtime* rt, std::unique_ptr<ProcessBehavior> behavior);
  ~Process();
  static void* operator new(size_t size);  // from a BlockPool: spawners and reapers differ
  static void operator delete(void* p) noexcept;
  static void finish(Process* p) noexcept;  // the last reference is gone: answer, then delete

  // process.cpp: the run loop
  RunResult run(uint32_t budget);
  bool handle_signal(Signal* s);  // false: the process must end (exit_reason_ is set)
  void deliver(Signal* s);
  template <class F> void guarded(F&& f);
  ProcessExtras& extras();

  // links.cpp: links and exit signals
  bool on_exit_signal(Signal* s);
  bool on_link_exit(Signal* s);
  void on_link(Signal* s);
  void on_unlink(Signal* s);
  void die() noexcept;
  void add_link(const Term& pid);
  void note_remote(const Term& pid_or_ref);
  bool on_node_down(Atom node);

  // monitors.cpp: monitors, DOWN, aliases
  void on_monitor(Signal* s);
  void on_demonitor(Signal* s);
  bool on_down(Signal* s);
  bool on_alias_message(Signal* s);
  // object: what a DOWN names, when it is not the target itself (none).
  void add_monitor_out(Term ref, Term target, Term object, MonitorAlias alias);
  void add_monitor_in(Term ref, Term origin, uint32_t name_plus1, bool call = false);
  void send_down_self(const Term& ref, const Term& from, Term reason);
  uint8_t drop_call_monitor(const Term& dest, const Term& message);

  // call.cpp: the one synchronous call
  Term request_message(Atom label, bool alias, const Term& mref, Term request) const;
  bool step_call();  // false when still waiting
  bool step_receive();
  void start_wait(int64_t timeout_ms);
  void already_waiting();
  void on_timer_check(Signal* s);
  void complete_call(CallOutcome outcome);
  bool matches_reply(const Signal* s) const noexcept;

  static constexpr uint8_t kTrapExit = 1, kStarted = 2, kExitPending = 4, kExited = 8;
  static constexpr uint8_t kWatchesNodes = 16;  // monitor_node or monitor_nodes was used

  // Scheduling state (scheduler.h): kNotified | kRunning | kDead.
  SignalQueue inbox_;
  std::atomic<uint32_t> sched_{0};
  std::atomic<uint32_t> name_{0};  // registered name's atom index + 1, 0 for none
  uint32_t id_ = 0;
  uint8_t flags_ = 0;
  Runtime* rt_;
  Term self_;
  std::unique_ptr<ProcessBehavior> behavior_;
  std::unique_ptr<ProcessExtras> extras_;  // links, monitors, aliases, call state: lazily
  MessageList messages_;
  Term exit_reason_;
};

// A behavior from two callables, for small processes and tests.
template <class Init, class Handle>
class FunctionBehavior : public ProcessBehavior {
 public:
  FunctionBehavior(Init i, Handle h) : init_(std::move(i)), handle_(std::move(h)) {}
  void init(Process& self) override { init_(self); }
  void handle_message(Process& self, Term message) override { handle_(self, std::move(message)); }

 private:
  Init init_;
  Handle handle_;
};

template <class Init, class Handle>
std::unique_ptr<ProcessBehavior> make_behavior(Init init, Handle handle) {
  return std::make_unique<FunctionBehavior<Init, Handle>>(std::move(init), std::move(handle));
}
template <class Handle>
std::unique_ptr<ProcessBehavior> make_behavior(Handle handle) {
  return make_behavior([](Process&) {}, std::move(handle));
}

}  // namespace ergod::runtime
