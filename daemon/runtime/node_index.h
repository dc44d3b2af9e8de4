// NodeIndex: for each remote node, the local processes that have a link or a monitor (either
// direction) with a process there, so that a nodedown signals just those processes. Each
// process notes a node once, the first time it links or monitors across to it, and removes
// itself when it exits. Threads: any thread; one mutex (only taken on the first remote link
// or monitor of a process with a node, at its exit, and at nodedown).
#pragma once

#include <cstdint>
#include <mutex>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "term/atom.h"

namespace ergod::runtime {

class NodeIndex {
 public:
  // packed: the local process's id | serial << 32
  void add(term::Atom node, uint64_t packed) {
    std::lock_guard lock(mu_);
    by_node_[node.index()].insert(packed);
  }
  void remove(term::Atom node, uint64_t packed) {
    std::lock_guard lock(mu_);
    auto it = by_node_.find(node.index());
    if (it == by_node_.end()) return;
    it->second.erase(packed);
    if (it->second.empty()) by_node_.erase(it);
  }
  // Removes and returns the processes noted for node.
  std::vector<uint64_t> take(term::Atom node) {
    std::lock_guard lock(mu_);
    auto it = by_node_.find(node.index());
    if (it == by_node_.end()) return {};
    std::vector<uint64_t> out(it->second.begin(), it->second.end());
    by_node_.erase(it);
    return out;
  }

 private:
  std::mutex mu_;
  std::unordered_map<uint32_t, std::unordered_set<uint64_t>> by_node_;
};

}  // namespace ergod::runtime
