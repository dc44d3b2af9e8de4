// Signals arriving from other nodes (Runtime::deliver_*, called by dist on its own threads)
// and nodedown. They take the same path as local signals from here on: the target's MPSC
// queue, in the order dist calls them, or a dead-letter answer through the router.
#include "runtime/ids.h"
#include "runtime/node_index.h"
#include "runtime/node_watch.h"
#include "runtime/process_table.h"
#include "runtime/registry.h"
#include "runtime/runtime.h"

namespace ergod::runtime {

using namespace term::atoms;

void Runtime::deliver_send(const Term& to, Term message) {
  if (to.is_pid() && is_local_pid(to)) send_from(Term(), to, std::move(message));
}

void Runtime::deliver_reg_send(const Term& from, Atom to_name, Term message) {
  uint64_t packed = registry_->lookup(to_name);
  if (!packed) return;
  send_from(from, Term::atom(to_name), std::move(message));
}

void Runtime::deliver_alias_send(const Term& from, const Term& alias, Term message) {
  if (alias.is_reference() && is_local_ref(alias)) send_alias(from, alias, std::move(message));
}

namespace {
uint64_t packed_pid(const Term& local_pid) {
  auto* b = local_pid.as<term::PidBox>();
  return uint64_t(b->id) | uint64_t(b->serial) << 32;
}
}  // namespace

// A link or monitor from a remote process puts the local target in the node index now, not
// when the target gets to the signal: a nodedown right after must still reach it (and then
// arrives behind the LINK / MONITOR_P in its queue). An entry for a target that turns out
// dead is skipped at nodedown.
void Runtime::deliver_link(const Term& from, const Term& to) {
  if (from.is_pid() && to.is_pid() && is_local_pid(to)) nodes_->add(pid_node(from), packed_pid(to));
  signal(to, SignalKind::Link, from);
}

void Runtime::deliver_unlink(const Term& from, const Term& to) { signal(to, SignalKind::Unlink, from); }

void Runtime::deliver_link_exit(const Term& from, const Term& to, Term reason) {
  signal(to, SignalKind::LinkExit, from, std::move(reason));
}

void Runtime::deliver_exit(const Term& from, const Term& to, Term reason) {
  signal(to, SignalKind::Exit, from, std::move(reason));
}

void Runtime::deliver_monitor(const Term& from, const Term& to, const Term& ref) {
  if (to.is_pid()) {
    if (from.is_pid() && is_local_pid(to)) nodes_->add(pid_node(from), packed_pid(to));
    signal(to, SignalKind::Monitor, from, Term(), ref);
    return;
  }
  if (!to.is_atom()) return;
  Atom name = to.atom_value();
  uint64_t packed = registry_->lookup(name);
  Process* p = packed ? table_->acquire(uint32_t(packed), uint32_t(packed >> 32)) : nullptr;
  if (!p) {
    if (RemoteRouter* r = router()) r->down(to, from, ref, Term::atom(noproc));
    return;
  }
  if (from.is_pid()) nodes_->add(pid_node(from), packed);
  Signal* s = alloc_signal(SignalKind::Monitor);
  s->from = from;
  s->ref = ref;
  s->flags = kSigByName;
  s->aux = name.index() + 1;
  push(p, s);
  release(p);
}

void Runtime::deliver_demonitor(const Term& from, const Term& to, const Term& ref) {
  Term pid = to.is_atom() ? whereis(to.atom_value()) : to;
  if (pid.is_pid()) signal(pid, SignalKind::Demonitor, from, Term(), ref);
}

void Runtime::deliver_down(const Term& from, const Term& to, const Term& ref, Term reason) {
  signal(to, SignalKind::Down, from, std::move(reason), ref);
}

void Runtime::node_down(Atom node) {
  for (uint64_t packed : nodes_->take(node)) {
    Process* p = table_->acquire(uint32_t(packed), uint32_t(packed >> 32));
    if (!p) continue;
    Signal* s = alloc_signal(SignalKind::NodeDown);
    s->aux = node.index();
    push(p, s);
    release(p);
  }
  NodeWatch::Gone gone = node_watch_->down(node);
  tell_watchers(gone.monitors, node, false, gone.hidden);
  tell_watchers(gone.subscribers, node, false, gone.hidden);
}

void Runtime::note_remote_node(Atom node, Process* p) {
  nodes_->add(node, uint64_t(p->id()) | uint64_t(p->self().as<term::PidBox>()->serial) << 32);
}

void Runtime::forget_remote_node(Atom node, Process* p) noexcept {
  try {
    nodes_->remove(node, uint64_t(p->id()) | uint64_t(p->self().as<term::PidBox>()->serial) << 32);
  } catch (...) {
  }
}

}  // namespace ergod::runtime
