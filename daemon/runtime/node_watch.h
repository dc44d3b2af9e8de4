// NodeWatch: who wants to hear about other nodes' connections coming and going, and which
// nodes are up. Two kinds of watcher, as in Erlang:
//   - erlang:monitor_node(Node, true): one {nodedown, Node} when the connection goes down, then
//     the monitor is gone. Counted: n calls give n messages; monitor_node(Node, false) removes one.
//   - net_kernel:monitor_nodes(true [, [{node_type, all}]]): {nodeup, Node} / {nodedown, Node}
//     for every connection (visible ones only, or all with their type). Counted too, but
//     monitor_nodes(false) removes every subscription of that kind at once (checked with erl 25).
// An event costs the watchers it concerns (the node's monitors, the subscribers), never a scan
// of processes. Watchers are packed pids (id | serial << 32); a dead one is skipped by the
// runtime and removed when its process ends (forget).
// Threads: any thread; one mutex, held only to copy out the watchers of an event.
#pragma once

#include <array>
#include <cstdint>
#include <iterator>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "term/atom.h"

namespace ergod::runtime {

struct NodeWatcher {
  uint64_t packed;
  uint32_t count;  // messages to send
  bool all;        // a {node_type, all} subscriber: the message carries the node type
};

class NodeWatch {
 public:
  using Watcher = NodeWatcher;

  // monitor_node(node, true). Returns whether the node is up now (if not, the caller connects).
  bool add_monitor(term::Atom node, uint64_t packed) {
    std::lock_guard lock(mu_);
    ++monitors_[node.index()][packed];
    return up_.count(node.index()) != 0;
  }
  // monitor_node(node, false): removes one.
  void remove_monitor(term::Atom node, uint64_t packed) {
    std::lock_guard lock(mu_);
    auto it = monitors_.find(node.index());
    if (it == monitors_.end()) return;
    auto w = it->second.find(packed);
    if (w == it->second.end()) return;
    if (--w->second == 0) it->second.erase(w);
    if (it->second.empty()) monitors_.erase(it);
  }
  // monitor_nodes(true, all?) adds one subscription; monitor_nodes(false, all?) removes them all.
  void subscribe(uint64_t packed, bool all, bool on) {
    std::lock_guard lock(mu_);
    if (on) {
      ++subscribers_[packed][all];
      return;
    }
    auto it = subscribers_.find(packed);
    if (it == subscribers_.end()) return;
    it->second[all] = 0;
    if (it->second[0] == 0 && it->second[1] == 0) subscribers_.erase(it);
  }
  // The process ended: drop everything it held. Costs the nodes with monitors (few).
  void forget(uint64_t packed) {
    std::lock_guard lock(mu_);
    subscribers_.erase(packed);
    for (auto it = monitors_.begin(); it != monitors_.end();) {
      it->second.erase(packed);
      it = it->second.empty() ? monitors_.erase(it) : std::next(it);
    }
  }

  // The connection to node is up: the subscribers to tell (a hidden node: only `all` ones).
  std::vector<Watcher> up(term::Atom node, bool hidden) {
    std::lock_guard lock(mu_);
    up_[node.index()] = hidden;
    return subscribers_for(hidden);
  }
  // The connection to node is gone (or could not be made): its monitors, which end here, and
  // the subscribers when it had been up.
  struct Gone {
    std::vector<Watcher> monitors;
    std::vector<Watcher> subscribers;
    bool hidden = false;
  };
  Gone down(term::Atom node) {
    std::lock_guard lock(mu_);
    Gone g;
    if (auto it = monitors_.find(node.index()); it != monitors_.end()) {
      for (auto& [packed, count] : it->second) g.monitors.push_back(Watcher{packed, count, false});
      monitors_.erase(it);
    }
    if (auto it = up_.find(node.index()); it != up_.end()) {
      g.hidden = it->second;
      up_.erase(it);
      g.subscribers = subscribers_for(g.hidden);
    }
    return g;
  }

 private:
  std::vector<Watcher> subscribers_for(bool hidden) const {
    std::vector<Watcher> out;
    for (auto& [packed, counts] : subscribers_) {
      if (counts[0] && !hidden) out.push_back(Watcher{packed, counts[0], false});
      if (counts[1]) out.push_back(Watcher{packed, counts[1], true});
    }
    return out;
  }

  std::mutex mu_;
  std::unordered_map<uint32_t, std::unordered_map<uint64_t, uint32_t>> monitors_;  // node -> pid -> n
  std::unordered_map<uint64_t, std::array<uint32_t, 2>> subscribers_;  // pid -> [visible, all]
  std::unordered_map<uint32_t, bool> up_;                               // node -> hidden
};

}  // namespace ergod::runtime
