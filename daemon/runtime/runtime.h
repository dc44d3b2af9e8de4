// Runtime: the public facade of the process runtime. It owns the process table, the scheduler
// (worker threads), the timer thread, the name registry and the node index, and it is where
// code outside processes (the daemon, dist, tests, benchmark drivers) meets processes.
//
// Threads: every public function may be called from any thread, including workers, except
// call(), which blocks and so refuses to run on a worker. Inside a process use the
// Process interface (process.h) instead: it knows the sender and can wait without blocking.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "runtime/process.h"
#include "runtime/remote_router.h"
#include "runtime/signal.h"

namespace ergod::runtime {

class ProcessTable;
class Scheduler;
class TimerService;
class Registry;
class NodeIndex;
class NodeWatch;
struct NodeWatcher;

struct RuntimeConfig {
  std::string node_name = "nonode@nohost";
  uint32_t creation = 0;  // the node's creation (from EPMD); pids of other creations are dead
  unsigned workers = 0;   // worker threads; 0 = one per core
};

class Runtime {
 public:
  explicit Runtime(RuntimeConfig config = {});
  // Stops the workers and the timer thread, then ends every remaining process without
  // running any more callbacks (their behaviors are destroyed).
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // ---- identity ------------------------------------------------------------------------------
  Atom node() const noexcept { return node_; }
  uint32_t creation() const noexcept { return creation_; }
  unsigned worker_count() const noexcept;
  bool on_worker_thread() const noexcept;  // true on one of this runtime's workers
  // How many times a worker has been woken from sleep so far (what the wake rules cost).
  uint64_t worker_wakeups() const noexcept;
  // <0.0.0>: the sender of exit signals that come from outside any process.
  const Term& outside_pid() const noexcept { return outside_pid_; }

  // ---- processes -----------------------------------------------------------------------------
  // SpawnOptions::link/monitor need a spawning process: use Process::spawn for those.
  Result<Spawned> spawn(std::unique_ptr<ProcessBehavior> behavior, const SpawnOptions& opts = {});
  // As Process::send, from no process.
  bool send(const Term& dest, Term message);
  // erlang:exit(Pid, Reason) from <0.0.0>.
  void exit(const Term& pid, Term reason);
  bool is_alive(const Term& pid);
  size_t process_count() const noexcept;
  Term make_ref();
  // Runs fn inside the process, as a signal: after the signals sent to it before (from this
  // thread), and ahead of messages already queued but not yet handled (like a link or an exit
  // signal would be). Returns false, without running fn, when the process is dead.
  bool run_in(const Term& pid, RunFunction fn);

  // ---- registered names ---------------------------------------------------------------------
  bool register_name(Atom name, const Term& pid);  // false: taken, pid dead or already named
  bool unregister_name(Atom name);
  Term whereis(Atom name);                         // the pid, or none
  std::vector<Atom> registered();

  // ---- timers --------------------------------------------------------------------------------
  Term send_after(int64_t ms, const Term& dest, Term message);
  int64_t cancel_timer(const Term& tref);  // ms left, or -1 when it fired or was cancelled

  // ---- blocking helpers (not on a worker thread) --------------------------------------------
  // gen:call from a temporary process; blocks until the outcome. On a worker thread it
  // refuses at once with blocking_call_on_worker (use Process::call there).
  CallOutcome call(const Term& dest, Atom label, Term request, int64_t timeout_ms);

  // ---- distribution --------------------------------------------------------------------------
  // The router for pids, references and names of other nodes. Set it before remote traffic;
  // it must outlive the runtime's use of it. nullptr: remote sends are dropped and remote
  // links/monitors fire noconnection at once.
  void set_remote_router(RemoteRouter* router) noexcept { router_.store(router, std::memory_order_release); }
  // Signals from remote processes (from) to local ones (to), as decoded by dist. Unknown or
  // dead local targets are answered as Erlang does (noproc for LINK and MONITOR_P).
  void deliver_send(const Term& to, Term message);                      // SEND, SEND_SENDER
  void deliver_reg_send(const Term& from, Atom to_name, Term message);  // REG_SEND
  void deliver_alias_send(const Term& from, const Term& alias, Term message);
  void deliver_link(const Term& from, const Term& to);
  void deliver_unlink(const Term& from, const Term& to);
  void deliver_link_exit(const Term& from, const Term& to, Term reason);  // EXIT
  void deliver_exit(const Term& from, const Term& to, Term reason);       // EXIT2
  // MONITOR_P / DEMONITOR_P: to is a local pid or a registered name (atom).
  void deliver_monitor(const Term& from, const Term& to, const Term& ref);
  void deliver_demonitor(const Term& from, const Term& to, const Term& ref);
  void deliver_down(const Term& from, const Term& to, const Term& ref, Term reason);  // MONITOR_P_EXIT
  // The connection to node is gone: every local link with a process there gets an exit
  // signal with reason noconnection, every monitor of a process there a DOWN with
  // noconnection, and monitors from there are dropped. Costs one signal per local process
  // that has links or monitors with that node (the node index), not a scan of all processes.
  // Then the node's monitor_node watchers get {nodedown, Node} (also when the node never came
  // up: a failed connect), and monitor_nodes subscribers too if it had been up.
  void node_down(Atom node);
  // The connection to node is up: monitor_nodes subscribers get {nodeup, Node} (a hidden node:
  // only {node_type, all} subscribers). Call it before delivering anything from that node.
  void node_up(Atom node, bool hidden = false);

 private:
  friend class Process;
  friend class Scheduler;
  friend class TimerService;
  friend class NodeIndex;
  friend class Inbox;

  bool is_local_pid(const Term& pid) const noexcept;
  bool is_local_ref(const Term& ref) const noexcept;
  Term make_pid(uint32_t id, uint32_t serial) const;
  Term make_ref_in(uint32_t slot);
  RemoteRouter* router() const noexcept { return router_.load(std::memory_order_acquire); }

  // Acquires the local process a pid names (its slot and serial), or nullptr.
  Process* acquire(const Term& local_pid) noexcept;
  void release(Process* p) noexcept;
  // Pushes s and makes p runnable if it was idle (p acquired by the caller).
  void push(Process* p, Signal* s) noexcept;
  // Sends a signal to any pid: local (pushed, or answered as a dead letter) or remote
  // (through the router, with Erlang's no-connection behavior when that fails).
  void signal(const Term& to, SignalKind kind, const Term& from, Term payload = Term(),
              const Term& ref = Term(), uint8_t flags = 0, uint32_t aux = 0);
  // A signal that reached a process that no longer exists (dead_pid).
  void dead_letter(Signal* s, const Term& dead_pid) noexcept;
  bool send_from(const Term& from, const Term& dest, Term message, uint8_t flags = 0);
  void send_alias(const Term& from, const Term& alias, Term message, uint8_t flags = 0);
  // A local send to a pid of an earlier incarnation of this node: erts' error line.
  void log_old_incarnation(const Term& from, const Term& to, const Term& message) const;
  Result<Spawned> spawn_from(Process* parent, std::unique_ptr<ProcessBehavior> behavior,
                             const SpawnOptions& opts);
  uint64_t registered_lookup(Atom name) const noexcept;  // packed id | serial << 32, or 0
  void unregister_process(Process* p) noexcept;
  void note_remote_node(Atom node, Process* p);
  void forget_remote_node(Atom node, Process* p) noexcept;
  // node_watch.cpp: monitor_node and monitor_nodes
  void watch_node(Process* p, Atom node, bool on);
  void watch_nodes(Process* p, bool all_types, bool on);
  void forget_node_watches(Process* p) noexcept;
  void tell_watchers(const std::vector<NodeWatcher>& watchers, Atom node, bool up, bool hidden);

  Atom node_;
  uint32_t creation_;
  Term outside_pid_;
  std::atomic<RemoteRouter*> router_{nullptr};
  std::unique_ptr<ProcessTable> table_;
  std::unique_ptr<Registry> registry_;
  std::unique_ptr<NodeIndex> nodes_;
  std::unique_ptr<NodeWatch> node_watch_;
  std::unique_ptr<TimerService> timers_;
  std::unique_ptr<Scheduler> scheduler_;
};

}  // namespace ergod::runtime
