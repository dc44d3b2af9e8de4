// The Runtime facade: construction and shutdown, spawn, routing of messages and signals to
// local processes or to the RemoteRouter, dead letters, names, timers, and the blocking
// helpers. The entry points for signals from other nodes are in runtime_remote.cpp.
#include "runtime/runtime.h"

#include <cassert>
#include <future>

#include "base/log.h"
#include "runtime/ids.h"
#include "runtime/node_index.h"
#include "runtime/node_watch.h"
#include "runtime/process_extras.h"
#include "runtime/process_table.h"
#include "runtime/registry.h"
#include "runtime/scheduler.h"
#include "runtime/timer_service.h"

namespace ergod::runtime {

using namespace term::atoms;

// ---- reference numbers ------------------------------------------------------------------------

namespace {
std::atomic<uint64_t> ref_counter{1};
constexpr uint64_t kRefBlock = 1024;
struct RefBlock {
  uint64_t next = 0, end = 0;
};
thread_local RefBlock ref_block;
}  // namespace

uint64_t next_ref_number() noexcept {
  if (ref_block.next == ref_block.end) {
    ref_block.next = ref_counter.fetch_add(kRefBlock, std::memory_order_relaxed);
    ref_block.end = ref_block.next + kRefBlock;
  }
  return ref_block.next++;
}

// ---- lifecycle --------------------------------------------------------------------------------

Runtime::Runtime(RuntimeConfig config)
    : node_(Atom::make(config.node_name)),
      creation_(config.creation),
      outside_pid_(Term::pid(node_, 0, 0, creation_)),
      table_(std::make_unique<ProcessTable>()),
      registry_(std::make_unique<Registry>()),
      nodes_(std::make_unique<NodeIndex>()),
      node_watch_(std::make_unique<NodeWatch>()),
      timers_(std::make_unique<TimerService>(*this)),
      scheduler_(std::make_unique<Scheduler>(*this, config.workers)) {
  timers_->start();
  scheduler_->start();
}

Runtime::~Runtime() {
  router_.store(nullptr);
  scheduler_->stop();
  timers_->stop();
  // No thread runs processes any more: end the rest without callbacks or exit signals.
  std::vector<Process*> all = table_->acquire_all();
  for (Process* p : all) {
    p->sched_.fetch_or(kDead);
    bool alive = !(p->flags_ & Process::kExited);
    p->flags_ |= Process::kExited;
    registry_->remove_process(p);
    p->behavior_.reset();
    p->extras_.reset();
    if (alive) table_->release(p);  // its own reference
  }
  for (Process* p : all) table_->release(p);
}

unsigned Runtime::worker_count() const noexcept { return scheduler_->worker_count(); }
bool Runtime::on_worker_thread() const noexcept { return scheduler_->on_worker(); }
uint64_t Runtime::worker_wakeups() const noexcept { return scheduler_->wakeups(); }
size_t Runtime::process_count() const noexcept { return table_->count(); }

// ---- ids --------------------------------------------------------------------------------------

bool Runtime::is_local_pid(const Term& pid) const noexcept {
  auto* p = pid.as<term::PidBox>();
  return p->node == node_ && p->creation == creation_;
}

bool Runtime::is_local_ref(const Term& ref) const noexcept {
  auto* r = ref.as<term::RefBox>();
  return r->node == node_ && r->creation == creation_;
}

Term Runtime::make_pid(uint32_t id, uint32_t serial) const { return Term::pid(node_, id, serial, creation_); }

Term Runtime::make_ref_in(uint32_t slot) {
  uint64_t n = next_ref_number();
  uint32_t ids[3] = {slot, uint32_t(n), uint32_t(n >> 32)};
  return Term::reference(node_, creation_, ids);
}

Term Runtime::make_ref() { return make_ref_in(kNoSlot); }

// ---- process access ----------------------------------------------------------------------------

Process* Runtime::acquire(const Term& local_pid) noexcept {
  auto* p = local_pid.as<term::PidBox>();
  return table_->acquire(p->id, p->serial);
}

void Runtime::release(Process* p) noexcept { table_->release(p); }

void Runtime::push(Process* p, Signal* s) noexcept {
  p->inbox_.push(s);
  if (p->sched_.fetch_or(kNotified, std::memory_order_acq_rel) == 0) scheduler_->schedule(p);
}

bool Runtime::is_alive(const Term& pid) {
  if (!pid.is_pid() || !is_local_pid(pid)) return false;
  Process* p = acquire(pid);
  if (!p) return false;
  bool alive = !(p->sched_.load(std::memory_order_acquire) & kDead);
  release(p);
  return alive;
}

bool Runtime::run_in(const Term& pid, RunFunction fn) {
  if (!pid.is_pid() || !is_local_pid(pid)) return false;
  Process* p = acquire(pid);
  if (!p) return false;
  bool alive = !(p->sched_.load(std::memory_order_acquire) & kDead);
  if (alive) push(p, alloc_run_signal(std::move(fn)));
  release(p);
  return alive;
}

// ---- spawn ------------------------------------------------------------------------------------

Result<Spawned> Runtime::spawn(std::unique_ptr<ProcessBehavior> behavior, const SpawnOptions& opts) {
  if (opts.link || opts.monitor) return make_error("spawn: link and monitor need a spawning process");
  return spawn_from(nullptr, std::move(behavior), opts);
}

Result<Spawned> Runtime::spawn_from(Process* parent, std::unique_ptr<ProcessBehavior> behavior,
                                    const SpawnOptions& opts) {
  auto* p = new Process(this, std::move(behavior));
  p->sched_.store(kNotified, std::memory_order_relaxed);  // ours until scheduled below
  if (opts.trap_exit) p->flags_ |= Process::kTrapExit;
  uint32_t id, serial;
  if (!table_->insert(p, id, serial)) {
    delete p;
    return make_error("spawn: system_limit (process table full)");
  }
  p->id_ = id;
  p->self_ = make_pid(id, serial);
  if (opts.name && (opts.name->index() == undefined_index || !registry_->add(*opts.name, p, serial))) {
    p->flags_ |= Process::kExited | Process::kStarted;
    p->sched_.store(kNotified | kDead, std::memory_order_release);
    p->behavior_.reset();
    table_->release(p);
    return make_error("spawn: badarg (name already registered)");
  }
  Spawned out{p->self_, Term()};
  if (parent) {
    if (opts.link) {
      parent->add_link(p->self_);
      p->add_link(parent->self_);
    }
    if (opts.monitor) {
      out.monitor = parent->make_ref();
      parent->add_monitor_out(out.monitor, p->self_, Term(), MonitorAlias::none);
      p->add_monitor_in(out.monitor, parent->self_, 0);
    }
  }
  scheduler_->schedule(p, /*spawned=*/true);
  return out;
}

// ---- sending ----------------------------------------------------------------------------------

bool Runtime::send(const Term& dest, Term message) { return send_from(outside_pid_, dest, std::move(message)); }

bool Runtime::send_from(const Term& from, const Term& dest, Term message, uint8_t flags) {
  Process* p = nullptr;
  if (dest.is_pid()) {
    if (!is_local_pid(dest)) {
      if (pid_node(dest) == node_) {  // a pid of an earlier incarnation: dead
        log_old_incarnation(from, dest, message);
        return true;
      }
      if (RemoteRouter* r = router()) r->send(from, dest, std::move(message));
      return true;
    }
    p = acquire(dest);
  } else if (dest.is_atom()) {
    uint64_t packed = registry_->lookup(dest.atom_value());
    if (!packed) return false;  // badarg
    p = table_->acquire(uint32_t(packed), uint32_t(packed >> 32));
  } else if (dest.is_reference()) {
    send_alias(from, dest, std::move(message), flags);
    return true;
  } else if (dest.is_tuple() && dest.tuple_arity() == 2 && dest.element(0).is_atom() && dest.element(1).is_atom()) {
    Atom name = dest.element(0).atom_value(), node = dest.element(1).atom_value();
    if (node != node_) {
      if (RemoteRouter* r = router()) r->send_registered(from, name, node, std::move(message));
      return true;
    }
    uint64_t packed = registry_->lookup(name);
    if (packed) p = table_->acquire(uint32_t(packed), uint32_t(packed >> 32));
  } else {
    return false;
  }
  if (p) {
    Signal* s = alloc_signal(SignalKind::Message);
    s->payload = std::move(message);
    s->flags = flags;
    push(p, s);
    release(p);
  }
  return true;
}

namespace {
// A pid of this node as erts prints it in its own log: <0.Id.Serial>, whatever its creation.
std::string local_form(const Term& pid) {
  const auto* b = pid.as<term::PidBox>();
  return "<0." + std::to_string(b->id) + "." + std::to_string(b->serial) + ">";
}
}  // namespace

// erts logs a local send to an earlier incarnation's pid as an error, in these words (a send
// from another node to such a pid is dropped without a word, by both).
void Runtime::log_old_incarnation(const Term& from, const Term& to, const Term& message) const {
  std::string sender = from.is_pid() && pid_node(from) == node_ ? local_form(from) : term::to_string(from, 256);
  log_error("Discarding message " + term::to_string(message, 1024, term::PrintStyle::w, &node_) + " from " + sender + " to " + local_form(to) +
            " in an old incarnation (" + std::to_string(to.as<term::PidBox>()->creation) + ") of this node (" +
            std::to_string(creation_) + ")");
}

void Runtime::send_alias(const Term& from, const Term& alias, Term message, uint8_t flags) {
  if (!is_local_ref(alias)) {
    if (alias.as<term::RefBox>()->node != node_)
      if (RemoteRouter* r = router()) r->send_alias(from, alias, std::move(message));
    return;
  }
  uint32_t slot = ref_slot(alias);
  if (slot == kNoSlot) return;
  Process* p = table_->acquire_any(slot);
  if (!p) return;
  Signal* s = alloc_signal(SignalKind::AliasMessage);
  s->payload = std::move(message);
  s->ref = alias;
  s->flags = flags;
  push(p, s);
  release(p);
}

void Runtime::exit(const Term& pid, Term reason) {
  if (pid.is_pid()) signal(pid, SignalKind::Exit, outside_pid_, std::move(reason));
}

void Runtime::signal(const Term& to, SignalKind kind, const Term& from, Term payload, const Term& ref,
                     uint8_t flags, uint32_t aux) {
  if (!to.is_pid()) return;
  if (pid_node(to) == node_) {
    Signal* s = alloc_signal(kind);
    s->from = from;
    s->payload = std::move(payload);
    s->ref = ref;
    s->flags = flags;
    s->aux = aux;
    Process* p = is_local_pid(to) ? acquire(to) : nullptr;  // another creation: dead
    if (p) {
      push(p, s);
      release(p);
    } else {
      dead_letter(s, to);
    }
    return;
  }
  RemoteRouter* r = router();
  switch (kind) {
    case SignalKind::Message:
      if (r) r->send(from, to, std::move(payload));
      return;
    case SignalKind::Exit:
      if (r) r->exit(from, to, std::move(payload));
      return;
    case SignalKind::LinkExit:
      if (r) r->link_exit(from, to, std::move(payload));
      return;
    case SignalKind::Link:
      if (!r || !r->link(from, to)) signal(from, SignalKind::LinkExit, to, Term::atom(noconnection));
      return;
    case SignalKind::Unlink:
      if (r) r->unlink(from, to);
      return;
    case SignalKind::Monitor:
      if (!r || !r->monitor(from, pid_node(to), to, ref))
        signal(from, SignalKind::Down, to, Term::atom(noconnection), ref);
      return;
    case SignalKind::Demonitor:
      if (r) r->demonitor(from, pid_node(to), to, ref);
      return;
    case SignalKind::Down:
      if (r) r->down(from, to, ref, std::move(payload));
      return;
    default:
      return;
  }
}

void Runtime::dead_letter(Signal* s, const Term& dead_pid) noexcept {
  switch (s->kind) {
    case SignalKind::Link:
      signal(s->from, SignalKind::LinkExit, dead_pid, Term::atom(noproc));
      break;
    case SignalKind::Monitor:
    case SignalKind::MonitorMessage: {
      Term from = (s->flags & kSigByName) ? Term::atom(Atom::from_index(s->aux - 1)) : dead_pid;
      signal(s->from, SignalKind::Down, from, Term::atom(noproc), s->ref);
      break;
    }
    default:
      break;
  }
  free_signal(s);
}

// ---- names ------------------------------------------------------------------------------------

uint64_t Runtime::registered_lookup(Atom name) const noexcept { return registry_->lookup(name); }

bool Runtime::register_name(Atom name, const Term& pid) {
  if (name.index() == undefined_index || !pid.is_pid() || !is_local_pid(pid)) return false;
  Process* p = acquire(pid);
  if (!p) return false;
  bool ok = registry_->add(name, p, pid.as<term::PidBox>()->serial);
  release(p);
  return ok;
}

bool Runtime::unregister_name(Atom name) {
  return registry_->remove(
      name, [&](uint64_t packed) { return table_->acquire(uint32_t(packed), uint32_t(packed >> 32)); },
      [&](Process* p) { table_->release(p); });
}

Term Runtime::whereis(Atom name) {
  uint64_t packed = registry_->lookup(name);
  if (!packed) return Term();
  Process* p = table_->acquire(uint32_t(packed), uint32_t(packed >> 32));
  if (!p) return Term();
  Term pid = p->self_;
  release(p);
  return pid;
}

std::vector<Atom> Runtime::registered() { return registry_->names(); }

void Runtime::unregister_process(Process* p) noexcept { registry_->remove_process(p); }

// ---- timers -----------------------------------------------------------------------------------

Term Runtime::send_after(int64_t ms, const Term& dest, Term message) {
  Term ref = make_ref();
  timers_->send_after(now_ns() + uint64_t(ms < 0 ? 0 : ms) * 1000000ULL, dest, std::move(message), ref);
  return ref;
}

int64_t Runtime::cancel_timer(const Term& tref) {
  int64_t ns = timers_->cancel(tref);
  return ns < 0 ? -1 : (ns + 999999) / 1000000;
}

// ---- blocking helper --------------------------------------------------------------------------

CallOutcome Runtime::call(const Term& dest, Atom label, Term request, int64_t timeout_ms) {
  // Blocking a worker could deadlock the runtime (the callee may need this very worker).
  if (on_worker_thread()) return CallOutcome{false, Term::atom("blocking_call_on_worker")};
  auto done = std::make_shared<std::promise<CallOutcome>>();
  auto result = done->get_future();
  auto spawned = spawn(make_behavior(
      [dest, label, request = std::move(request), timeout_ms, done](Process& self) mutable {
        self.call(dest, label, std::move(request), timeout_ms, [done](Process& self, CallOutcome out) {
          done->set_value(std::move(out));
          self.exit(Term::atom(normal));
        });
      },
      [](Process&, Term) {}));
  if (!spawned) return CallOutcome{false, Term::atom(system_limit)};
  return result.get();
}

}  // namespace ergod::runtime
