// monitor_node and monitor_nodes (node_watch.h), and the nodeup/nodedown messages they give.
// The messages are ordinary messages from no one, sent to the watchers' queues.
#include "runtime/node_watch.h"

#include "runtime/process_table.h"
#include "runtime/runtime.h"

namespace ergod::runtime {

namespace {
uint64_t packed_of(Process* p) { return uint64_t(p->id()) | uint64_t(p->self().as<term::PidBox>()->serial) << 32; }
}  // namespace

bool Process::monitor_node(Atom node, bool on) {
  if (node == rt_->node()) return true;
  flags_ |= kWatchesNodes;
  rt_->watch_node(this, node, on);
  return true;
}

void Process::monitor_nodes(bool on, bool all_types) {
  flags_ |= kWatchesNodes;
  rt_->watch_nodes(this, all_types, on);
}

void Runtime::watch_node(Process* p, Atom node, bool on) {
  uint64_t packed = packed_of(p);
  if (!on) {
    node_watch_->remove_monitor(node, packed);
    return;
  }
  if (node_watch_->add_monitor(node, packed)) return;  // up: the nodedown comes with node_down
  RemoteRouter* r = router();
  if (r && r->connect_node(node)) return;  // a failed connect calls node_down
  node_watch_->remove_monitor(node, packed);
  send_from(Term(), p->self(), Term::tuple({Term::atom("nodedown"), Term::atom(node)}));
}

void Runtime::watch_nodes(Process* p, bool all_types, bool on) { node_watch_->subscribe(packed_of(p), all_types, on); }

void Runtime::forget_node_watches(Process* p) noexcept {
  try {
    node_watch_->forget(packed_of(p));
  } catch (...) {
  }
}

void Runtime::node_up(Atom node, bool hidden) {
  tell_watchers(node_watch_->up(node, hidden), node, true, hidden);
}

void Runtime::tell_watchers(const std::vector<NodeWatcher>& watchers, Atom node, bool up, bool hidden) {
  if (watchers.empty()) return;
  Term tag = Term::atom(up ? "nodeup" : "nodedown");
  Term plain = Term::tuple({tag, Term::atom(node)});
  Term typed;
  for (const NodeWatcher& w : watchers) {
    if (w.all && !typed) {
      Term type = Term::tuple({Term::atom("node_type"), Term::atom(hidden ? "hidden" : "visible")});
      typed = Term::tuple({tag, Term::atom(node), Term::list({type})});
    }
    Process* p = table_->acquire(uint32_t(w.packed), uint32_t(w.packed >> 32));
    if (!p) continue;
    for (uint32_t i = 0; i < w.count; ++i) {
      Signal* s = alloc_signal(SignalKind::Message);
      s->payload = w.all ? typed : plain;
      push(p, s);
    }
    release(p);
  }
}

}  // namespace ergod::runtime
