// The process run loop: take signals off the MPSC queue, handle control signals at once (as
// BEAM does when it moves signals into the message queue), keep messages in order, and hand
// them to the behavior one at a time, or to the waiting call. Also the small Process
// functions that just forward to the Runtime. Links and exits are in links.cpp, monitors and
// aliases in monitors.cpp, the synchronous call in call.cpp.
#include "base/block_pool.h"
#include "runtime/process_extras.h"
#include "runtime/runtime.h"

namespace ergod::runtime {

using term::atoms::normal;

Process::Process(Runtime* rt, std::unique_ptr<ProcessBehavior> behavior)
    : rt_(rt), behavior_(std::move(behavior)) {}

// Size classes for ProcessBehavior (the sized delete gets the dynamic type's size).
void* ProcessBehavior::operator new(size_t size) {
  if (size <= 32) return base::BlockPool<32>::allocate();
  if (size <= 64) return base::BlockPool<64>::allocate();
  if (size <= 128) return base::BlockPool<128>::allocate();
  return ::operator new(size);
}

void ProcessBehavior::operator delete(void* p, size_t size) noexcept {
  if (size <= 32) return base::BlockPool<32>::deallocate(p);
  if (size <= 64) return base::BlockPool<64>::deallocate(p);
  if (size <= 128) return base::BlockPool<128>::deallocate(p);
  ::operator delete(p);
}

void* Process::operator new(size_t size) {
  return size == sizeof(Process) ? base::BlockPool<sizeof(Process)>::allocate() : ::operator new(size);
}

void Process::operator delete(void* p) noexcept { base::BlockPool<sizeof(Process)>::deallocate(p); }

Process::~Process() {
  for (Signal* s = messages_.take_all(); s;) {
    Signal* next = s->next_signal();
    free_signal(s);
    s = next;
  }
}

void Process::finish(Process* p) noexcept {
  // Whoever dropped the last reference: no one can push any more, so this drains everything.
  while (Signal* s = p->inbox_.pop()) p->rt_->dead_letter(s, p->self_);
  delete p;
}

ProcessExtras& Process::extras() {
  if (!extras_) extras_ = std::make_unique<ProcessExtras>();
  return *extras_;
}

Process::RunResult Process::run(uint32_t budget) {
  if (!(flags_ & kStarted)) {
    flags_ |= kStarted;
    guarded([&] { behavior_->init(*this); });
    if (flags_ & kExitPending) {
      die();
      return RunResult::Exited;
    }
  }
  uint32_t drain = 4 * budget;  // a flood of signals cannot keep a worker forever
  for (;;) {
    while (drain > 0) {
      Signal* s = inbox_.pop();
      if (!s) break;
      --drain;
      if (!handle_signal(s)) {
        die();
        return RunResult::Exited;
      }
    }
    bool waiting = extras_ && extras_->wait.active;
    if (waiting) {
      if (!step_call()) break;
    } else {
      Signal* m = messages_.pop_front();
      if (!m) break;
      deliver(m);
    }
    if (flags_ & kExitPending) {
      die();
      return RunResult::Exited;
    }
    if (--budget == 0) {
      bool more = drain == 0 || (extras_ && extras_->wait.active
                                     ? extras_->wait.has_outcome || extras_->wait.timed_out
                                     : !messages_.empty());
      return more ? RunResult::Yield : RunResult::Idle;
    }
  }
  return drain == 0 ? RunResult::Yield : RunResult::Idle;
}

bool Process::handle_signal(Signal* s) {
  switch (s->kind) {
    case SignalKind::Message:
      messages_.push_back(s);
      return true;
    case SignalKind::AliasMessage:
      return on_alias_message(s);
    case SignalKind::Exit:
      return on_exit_signal(s);
    case SignalKind::LinkExit:
      return on_link_exit(s);
    case SignalKind::Link:
      on_link(s);
      return true;
    case SignalKind::Unlink:
      on_unlink(s);
      return true;
    case SignalKind::Monitor:
    case SignalKind::MonitorMessage:
      on_monitor(s);
      return true;
    case SignalKind::Demonitor:
      on_demonitor(s);
      return true;
    case SignalKind::Down:
      return on_down(s);
    case SignalKind::TimerCheck:
      on_timer_check(s);
      return true;
    case SignalKind::NodeDown: {
      Atom node = Atom::from_index(s->aux);
      free_signal(s);
      return on_node_down(node);
    }
    case SignalKind::Run: {
      auto* r = static_cast<RunSignal*>(s);
      guarded([&] { r->fn(*this); });
      free_signal(s);
      return !(flags_ & kExitPending);
    }
  }
  free_signal(s);
  return true;
}

void Process::deliver(Signal* m) {
  Term msg;
  if (m->kind == SignalKind::Down) {
    msg = Term::tuple({Term::atom(term::atoms::DOWN), std::move(m->ref), Term::atom(term::atoms::process),
                       std::move(m->from), std::move(m->payload)});
  } else {
    msg = std::move(m->payload);
  }
  free_signal(m);
  guarded([&] { behavior_->handle_message(*this, std::move(msg)); });
}

// ---- small forwards -------------------------------------------------------------------------

bool Process::send(const Term& dest, Term message) {
  uint8_t flags = extras_ && !extras_->in.empty() ? drop_call_monitor(dest, message) : 0;
  return rt_->send_from(self_, dest, std::move(message), flags);
}

bool Process::send_noconnect(const Term& dest, Term message) {
  if (dest.is_tuple() && dest.tuple_arity() == 2 && dest.element(0).is_atom() && dest.element(1).is_atom() &&
      dest.element(1).atom_value() != rt_->node()) {
    if (RemoteRouter* r = rt_->router())
      r->send_registered_noconnect(self_, dest.element(0).atom_value(), dest.element(1).atom_value(), std::move(message));
    return true;
  }
  return send(dest, std::move(message));
}

Term Process::make_ref() { return rt_->make_ref_in(id_); }

Result<Spawned> Process::spawn(std::unique_ptr<ProcessBehavior> behavior, const SpawnOptions& opts) {
  return rt_->spawn_from(this, std::move(behavior), opts);
}

void Process::exit(Term reason) {
  exit_reason_ = std::move(reason);
  flags_ |= kExitPending;
}

void Process::exit(const Term& pid, Term reason) {
  if (pid.is_pid()) rt_->signal(pid, SignalKind::Exit, self_, std::move(reason));
}

size_t Process::message_queue_len() const noexcept { return messages_.size(); }

bool Process::trap_exit() const noexcept { return flags_ & kTrapExit; }

bool Process::set_trap_exit(bool on) noexcept {
  bool old = flags_ & kTrapExit;
  if (on) flags_ |= kTrapExit; else flags_ &= uint8_t(~kTrapExit);
  return old;
}

bool Process::exiting() const noexcept { return flags_ & kExitPending; }

bool Process::register_name(Atom name) { return rt_->register_name(name, self_); }

std::optional<Atom> Process::registered_name() const noexcept {
  uint32_t v = name_.load(std::memory_order_relaxed);
  if (v == 0) return std::nullopt;
  return Atom::from_index(v - 1);
}

Term Process::send_after(int64_t ms, const Term& dest, Term message) {
  return rt_->send_after(ms, dest, std::move(message));
}

int64_t Process::cancel_timer(const Term& tref) { return rt_->cancel_timer(tref); }

}  // namespace ergod::runtime
