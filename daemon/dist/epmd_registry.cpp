// The embedded EPMD's node table (see epmd_registry.h).
#include "dist/epmd_registry.h"

#include <algorithm>

namespace ergod::dist::epmd {

std::optional<uint32_t> Registry::add(const NodeEntry& entry, Owner owner, uint64_t now_seconds, int fd) {
  if (nodes_.count(entry.name)) return std::nullopt;
  uint32_t creation;
  auto old = std::find_if(unregistered_.begin(), unregistered_.end(),
                          [&](const Gone& g) { return g.name == entry.name; });
  if (old != unregistered_.end()) {
    creation = next_creation(old->creation);
    unregistered_.erase(old);
  } else {
    creation = next_creation(static_cast<uint32_t>(now_seconds));
  }
  nodes_.emplace(entry.name, Node{entry, owner, creation, seq_++, fd});
  return creation;
}

std::vector<std::string> Registry::remove_owner(Owner owner) {
  std::vector<std::string> removed;
  for (auto it = nodes_.begin(); it != nodes_.end();) {
    if (it->second.owner == owner) {
      removed.push_back(it->first);
      forget(it->first, it->second);
      it = nodes_.erase(it);
    } else {
      ++it;
    }
  }
  return removed;
}

bool Registry::remove_name(const std::string& name, Owner owner) {
  auto it = nodes_.find(name);
  if (it == nodes_.end() || it->second.owner != owner) return false;
  forget(name, it->second);
  nodes_.erase(it);
  return true;
}

void Registry::forget(const std::string& name, const Node& node) {
  unregistered_.push_back({name, node.creation, node.entry.port, node.fd});
  if (unregistered_.size() > kMaxUnregistered) unregistered_.pop_front();
}

const NodeEntry* Registry::find(const std::string& name) const {
  auto it = nodes_.find(name);
  return it == nodes_.end() ? nullptr : &it->second.entry;
}

std::optional<uint32_t> Registry::creation(const std::string& name) const {
  auto it = nodes_.find(name);
  if (it == nodes_.end()) return std::nullopt;
  return it->second.creation;
}

std::vector<NamesEntry> Registry::names() const {
  std::vector<const Node*> in_order;
  for (const auto& [name, node] : nodes_) in_order.push_back(&node);
  // Newest first: epmd links a registration in at the head of its list (checked with OTP 25's
  // epmd -names; net_adm:names() turns that into oldest first).
  std::sort(in_order.begin(), in_order.end(), [](const Node* a, const Node* b) { return a->seq > b->seq; });
  std::vector<NamesEntry> out;
  for (const Node* n : in_order) out.push_back({n->entry.name, n->entry.port});
  return out;
}

std::string Registry::dump_text() const {
  std::vector<const Node*> active;
  for (const auto& [name, node] : nodes_) active.push_back(&node);
  std::sort(active.begin(), active.end(), [](const Node* a, const Node* b) { return a->seq > b->seq; });
  // epmd sends each line with its C string's terminating NUL (the epmd client prints it), and
  // an old/unused line has a space before its newline.
  std::string out;
  for (const Node* n : active) {
    out += "active name     <" + n->entry.name + "> at port " + std::to_string(n->entry.port) +
           ", fd = " + std::to_string(n->fd) + "\n";
    out += '\0';
  }
  for (const Gone& g : unregistered_) {
    out += "old/unused name <" + g.name + ">, port = " + std::to_string(g.port) + ", fd = " + std::to_string(g.fd) +
           " \n";
    out += '\0';
  }
  return out;
}

}  // namespace ergod::dist::epmd
