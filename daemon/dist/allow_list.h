// AllowList: net_kernel:allow/1's list of the nodes this node may talk to. Empty: every node.
// Incoming connections match dist_util's is_allowed: an entry is a whole node name
// (Name@Host), a host (Host, or @Host... as split at '@': only a host part) or a name
// (Name@); outgoing ones need the node itself in the list, as net_kernel's setup_check.
// Not here: refusing the handshake (connection_manager.cpp) and net_kernel's calls.
// Threads: the owner's (the dist loop thread).
#pragma once

#include <string>
#include <vector>

namespace ergod::dist {

class AllowList {
 public:
  void add(const std::vector<std::string>& nodes) { nodes_.insert(nodes_.end(), nodes.begin(), nodes.end()); }
  bool empty() const { return nodes_.empty(); }
  bool accepts(const std::string& peer) const;  // an incoming connection from peer
  bool dials(const std::string& node) const;    // an outgoing one to node

 private:
  std::vector<std::string> nodes_;
};

}  // namespace ergod::dist
