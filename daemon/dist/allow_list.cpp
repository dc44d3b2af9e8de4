// See allow_list.h.
#include "dist/allow_list.h"

#include <algorithm>

namespace ergod::dist {
namespace {

// dist_util's split_node: {node, Name, Host}, {name, Name}, {host, Host}, or nothing usable.
struct Split {
  enum class Kind { none, node, name, host } kind = Kind::none;
  std::string name, host;
};

Split split(const std::string& s) {
  Split r;
  size_t at = s.find('@');
  if (at == std::string::npos) {
    if (!s.empty()) r.kind = Split::Kind::host, r.host = s;
    return r;
  }
  if (s.find('@', at + 1) != std::string::npos) return r;
  std::string name = s.substr(0, at), host = s.substr(at + 1);
  if (name.empty()) return r;
  if (host.empty()) {
    r.kind = Split::Kind::name, r.name = name;
  } else {
    r.kind = Split::Kind::node, r.name = name, r.host = host;
  }
  return r;
}

}  // namespace

bool AllowList::accepts(const std::string& peer) const {
  if (nodes_.empty()) return true;
  Split p = split(peer);
  for (const auto& entry : nodes_) {
    if (entry == peer) return true;
    Split a = split(entry);
    switch (a.kind) {
      case Split::Kind::node:
        if (p.kind == Split::Kind::node && p.name == a.name && p.host == a.host) return true;
        break;
      case Split::Kind::host:
        if ((p.kind == Split::Kind::node || p.kind == Split::Kind::host) && p.host == a.host) return true;
        break;
      case Split::Kind::name:
        if ((p.kind == Split::Kind::node || p.kind == Split::Kind::name) && p.name == a.name) return true;
        break;
      case Split::Kind::none:
        break;
    }
  }
  return false;
}

bool AllowList::dials(const std::string& node) const {
  return nodes_.empty() || std::find(nodes_.begin(), nodes_.end(), node) != nodes_.end();
}

}  // namespace ergod::dist
