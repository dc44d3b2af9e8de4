// Which connection owns each peer node: the bookkeeping net_kernel keeps in its sys_dist
// table, reduced to what the handshake needs to resolve simultaneous connects and
// reconnects of a restarted peer. Pure (no sockets): the owner of the connections asks it and
// acts on the answers. Connections are named by an id the owner chooses (never 0).
//
// Threads: one thread (the loop thread of the connections it tracks).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

#include "dist/handshake.h"

namespace ergod::dist {

using ConnId = uint64_t;

class PeerTable {
 public:
  enum class State {
    none,
    pending,     // a handshake (ours or theirs) is running
    up,          // a connection is up
    up_pending,  // up, and a new incoming handshake waits to replace it (peer restarted?)
  };

  struct Accept {
    AcceptVerdict verdict;
    // ok_simultaneous: our own pending attempt, which the owner must now abandon quietly.
    ConnId abandon = 0;
  };

  // Before dialling `node`: true when this attempt now owns the node; false when a
  // connection to it is already pending or up (wait for that one instead).
  bool start_connect(const std::string& node, ConnId id);

  // The acceptor `id` received `peer`'s name (net_kernel's accept_pending). Simultaneous
  // connects are settled as Erlang does: the node whose name is greater keeps its own
  // attempt. For a dynamic-name request, the caller names the peer first.
  Accept accept(const std::string& this_node, const std::string& peer, ConnId id);

  // Initiator `id` got status "alive": is it still the attempt that owns `node`?
  bool is_pending(const std::string& node, ConnId id) const;

  // The handshake of `id` completed.
  void mark_up(const std::string& node, ConnId id);

  // Connection `id` ended (at any stage). Only the connection that owns an entry changes
  // it; when an up connection with a waiting replacement ends, the replacement takes over.
  void remove(const std::string& node, ConnId id);

  State state(const std::string& node) const;
  ConnId owner(const std::string& node) const;          // 0 when none
  ConnId pending_owner(const std::string& node) const;  // the replacement in up_pending
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    State state = State::none;
    ConnId owner = 0;
    ConnId pending_owner = 0;
  };
  std::unordered_map<std::string, Entry> entries_;
};

const char* to_string(PeerTable::State s);

}  // namespace ergod::dist
