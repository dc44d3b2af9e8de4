// Links and exit signals, with Erlang's rules:
//  - exit/2 with kill is untrappable and ends the receiver with killed (so its links see
//    killed); any other reason becomes {'EXIT', From, Reason} for a process trapping exits;
//    normal is ignored by others, but ends a process that sends it to itself.
//  - a linked process's exit signal: ignored when the link is gone (unlink is final); normal
//    is ignored unless trapping; kill from a link is an ordinary reason (the receiver ends
//    with kill, as in OTP: only exit/2 kill is untrappable).
//  - a link to a dead process: {'EXIT', Pid, noproc} when trapping, else the caller ends with
//    noproc; to an unreachable node: noconnection.
// Also the exit path itself (die) and nodedown.
#include <algorithm>

#include "runtime/ids.h"
#include "runtime/process_extras.h"
#include "runtime/runtime.h"
#include "runtime/scheduler.h"

namespace ergod::runtime {

using namespace term::atoms;

namespace {

// Turns s into the {'EXIT', From, Reason} message.
void make_exit_message(Signal* s) {
  s->payload = Term::tuple({Term::atom(EXIT), s->from, std::move(s->payload)});
  s->kind = SignalKind::Message;
  s->from = Term();
}

}  // namespace

void Process::add_link(const Term& pid) {
  auto& x = extras();
  uint64_t k = pid_key(pid);
  if (!x.links.find(k, pid)) x.links.insert(k, pid, LinkEntry{x.seq()});
}

void Process::note_remote(const Term& pid) {
  Atom node = pid_node(pid);
  if (node == rt_->node()) return;
  auto& nodes = extras().remote_nodes;
  if (std::find(nodes.begin(), nodes.end(), node.index()) != nodes.end()) return;
  nodes.push_back(node.index());
  rt_->note_remote_node(node, this);
}

bool Process::link(const Term& pid) {
  if (!pid.is_pid()) return false;
  if (pid == self_) return true;
  auto& x = extras();
  uint64_t k = pid_key(pid);
  if (x.links.find(k, pid)) return true;
  if (rt_->is_local_pid(pid)) {
    Process* p = rt_->acquire(pid);
    if (!p) {
      if (!trap_exit()) {  // Erlang raises noproc
        exit(Term::atom(noproc));
        return false;
      }
      x.links.insert(k, pid, LinkEntry{x.seq()});
      rt_->signal(self_, SignalKind::LinkExit, pid, Term::atom(noproc));
      return true;
    }
    x.links.insert(k, pid, LinkEntry{x.seq()});
    Signal* s = alloc_signal(SignalKind::Link);
    s->from = self_;
    rt_->push(p, s);
    rt_->release(p);
    return true;
  }
  x.links.insert(k, pid, LinkEntry{x.seq()});
  note_remote(pid);
  rt_->signal(pid, SignalKind::Link, self_);  // old creation: noproc; no connection: noconnection
  return true;
}

void Process::unlink(const Term& pid) {
  if (!pid.is_pid() || !extras_) return;
  if (extras_->links.erase(pid_key(pid), pid)) rt_->signal(pid, SignalKind::Unlink, self_);
}

void Process::on_link(Signal* s) {
  if (s->from.is_pid()) {
    add_link(s->from);
    note_remote(s->from);
  }
  free_signal(s);
}

void Process::on_unlink(Signal* s) {
  if (extras_ && s->from.is_pid()) extras_->links.erase(pid_key(s->from), s->from);
  free_signal(s);
}

bool Process::on_link_exit(Signal* s) {
  if (!extras_ || !s->from.is_pid() || !extras_->links.erase(pid_key(s->from), s->from)) {
    free_signal(s);  // not (or no longer) linked: unlink is final
    return true;
  }
  if (trap_exit()) {
    make_exit_message(s);
    messages_.push_back(s);
    return true;
  }
  if (s->payload.is_atom(normal)) {
    free_signal(s);
    return true;
  }
  exit_reason_ = std::move(s->payload);
  free_signal(s);
  return false;
}

bool Process::on_exit_signal(Signal* s) {
  if (s->payload.is_atom(kill)) {
    exit_reason_ = Term::atom(killed);
    free_signal(s);
    return false;
  }
  if (trap_exit()) {
    make_exit_message(s);
    messages_.push_back(s);
    return true;
  }
  if (s->payload.is_atom(normal)) {
    bool from_self = s->from == self_;
    free_signal(s);
    if (!from_self) return true;
    exit_reason_ = Term::atom(normal);
    return false;
  }
  exit_reason_ = std::move(s->payload);
  free_signal(s);
  return false;
}

bool Process::on_node_down(Atom node) {
  if (!extras_) return true;
  auto& x = *extras_;
  auto& nodes = x.remote_nodes;
  nodes.erase(std::remove(nodes.begin(), nodes.end(), node.index()), nodes.end());

  auto on_node = [&](const Term& t) {
    if (t.is_pid()) return pid_node(t) == node;
    return t.is_tuple() && t.tuple_arity() == 2 && t.element(1).is_atom(node);
  };
  std::vector<Term> gone;
  x.in.for_each([&](auto& e) {
    if (on_node(e.value.origin)) gone.push_back(e.term);
  });
  for (auto& ref : gone) x.in.erase(ref_key(ref), ref);

  // As erl: the links' exit signals first, then the monitors' DOWN messages, each in the
  // order they were made (erts walks its per-connection lists).
  std::vector<std::pair<uint32_t, Term>> by_age;
  auto oldest_first = [&] {
    std::sort(by_age.begin(), by_age.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  };
  x.links.for_each([&](auto& e) {
    if (on_node(e.term)) by_age.emplace_back(x.age(e.value.seq), e.term);
  });
  oldest_first();
  for (auto& [age, pid] : by_age) {
    Signal* s = alloc_signal(SignalKind::LinkExit);
    s->from = pid;
    s->payload = Term::atom(noconnection);
    if (!on_link_exit(s)) return false;
  }

  by_age.clear();
  x.out.for_each([&](auto& e) {
    if ((e.value.flags & kOutMonitor) && on_node(e.value.target)) by_age.emplace_back(x.age(e.value.seq), e.term);
  });
  oldest_first();
  for (auto& [age, ref] : by_age) {
    Signal* s = alloc_signal(SignalKind::Down);
    s->ref = ref;
    s->payload = Term::atom(noconnection);
    on_down(s);
  }
  return true;
}

void Process::die() noexcept {
  flags_ |= kExited;
  sched_.fetch_or(kDead, std::memory_order_seq_cst);
  rt_->unregister_process(this);
  Term reason = exit_reason_ ? exit_reason_ : Term::atom(normal);
  try {
    behavior_.reset();
  } catch (...) {
  }
  if (extras_) {
    auto& x = *extras_;
    x.wait = CallWait{};
    x.links.for_each([&](auto& e) { rt_->signal(e.term, SignalKind::LinkExit, self_, reason); });
    x.in.for_each([&](auto& e) {
      // A remote monitor by name is told the name it used (MONITOR_P_EXIT's FromProc).
      Term from = e.value.name_plus1 && !rt_->is_local_pid(e.value.origin)
                      ? Term::atom(Atom::from_index(e.value.name_plus1 - 1))
                      : self_;
      rt_->signal(e.value.origin, SignalKind::Down, from, reason, e.term);
    });
    x.out.for_each([&](auto& e) {
      if (!(e.value.flags & kOutMonitor)) return;
      const Term& t = e.value.target;
      if (t.is_pid()) {
        rt_->signal(t, SignalKind::Demonitor, self_, Term(), e.term);
      } else if (RemoteRouter* r = rt_->router()) {  // {Name, Node}
        r->demonitor(self_, t.element(1).atom_value(), t.element(0), e.term);
      }
    });
    for (uint32_t n : x.remote_nodes) rt_->forget_remote_node(Atom::from_index(n), this);
    extras_.reset();
  }
  if (flags_ & kWatchesNodes) rt_->forget_node_watches(this);
  for (Signal* s = messages_.take_all(); s;) {
    Signal* next = s->next_signal();
    free_signal(s);
    s = next;
  }
  // Signals already here are answered as a dead process would (noproc for links/monitors).
  while (Signal* s = inbox_.pop()) rt_->dead_letter(s, self_);
  rt_->release(this);  // the process's own reference; may delete this
}

}  // namespace ergod::runtime
