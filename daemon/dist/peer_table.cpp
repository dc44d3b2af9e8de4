// Connection ownership per peer node (see peer_table.h). The rules mirror net_kernel.erl's
// handling of accept_pending, is_pending and connection exits in OTP 25.
#include "dist/peer_table.h"

namespace ergod::dist {

const char* to_string(PeerTable::State s) {
  switch (s) {
    case PeerTable::State::none: return "none";
    case PeerTable::State::pending: return "pending";
    case PeerTable::State::up: return "up";
    case PeerTable::State::up_pending: return "up_pending";
  }
  return "?";
}

bool PeerTable::start_connect(const std::string& node, ConnId id) {
  auto [it, inserted] = entries_.try_emplace(node);
  if (!inserted && it->second.state != State::none) return false;
  it->second = Entry{State::pending, id, 0};
  return true;
}

PeerTable::Accept PeerTable::accept(const std::string& this_node, const std::string& peer, ConnId id) {
  auto [it, inserted] = entries_.try_emplace(peer);
  Entry& e = it->second;
  switch (e.state) {
    case State::none:
      e = Entry{State::pending, id, 0};
      return {AcceptVerdict::ok};
    case State::pending: {
      // Both sides are dialling each other. Byte order of the names is Erlang's atom order.
      if (this_node > peer) return {AcceptVerdict::nok};
      ConnId ours = e.owner;
      e.owner = id;
      return {AcceptVerdict::ok_simultaneous, ours == id ? 0 : ours};
    }
    case State::up:
      e.state = State::up_pending;
      e.pending_owner = id;
      return {AcceptVerdict::alive};
    case State::up_pending:
      return {AcceptVerdict::drop};
  }
  return {AcceptVerdict::drop};
}

bool PeerTable::is_pending(const std::string& node, ConnId id) const {
  auto it = entries_.find(node);
  return it != entries_.end() && it->second.state == State::pending && it->second.owner == id;
}

void PeerTable::mark_up(const std::string& node, ConnId id) {
  auto it = entries_.find(node);
  if (it == entries_.end()) {
    entries_[node] = Entry{State::up, id, 0};
    return;
  }
  Entry& e = it->second;
  if (e.owner == id || e.state == State::none) {
    e = Entry{State::up, id, 0};
  } else if (e.state == State::up_pending && e.pending_owner == id) {
    // The replacement finished before the old connection was seen to end; it wins.
    e = Entry{State::up, id, 0};
  }
}

void PeerTable::remove(const std::string& node, ConnId id) {
  auto it = entries_.find(node);
  if (it == entries_.end()) return;
  Entry& e = it->second;
  if (e.state == State::up_pending) {
    if (e.owner == id) {
      // The old connection is gone: the waiting replacement now owns the node.
      e = Entry{State::pending, e.pending_owner, 0};
    } else if (e.pending_owner == id) {
      e.state = State::up;  // the replacement failed; the old connection stays
      e.pending_owner = 0;
    }
    return;
  }
  if (e.owner == id) entries_.erase(it);
}

PeerTable::State PeerTable::state(const std::string& node) const {
  auto it = entries_.find(node);
  return it == entries_.end() ? State::none : it->second.state;
}

ConnId PeerTable::owner(const std::string& node) const {
  auto it = entries_.find(node);
  return it == entries_.end() ? 0 : it->second.owner;
}

ConnId PeerTable::pending_owner(const std::string& node) const {
  auto it = entries_.find(node);
  return it == entries_.end() ? 0 : it->second.pending_owner;
}

}  // namespace ergod::dist
