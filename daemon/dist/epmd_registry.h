// The embedded EPMD's table of registered nodes, and how creations are handed out. Pure (no
// sockets, the time comes in as an argument) so that the rules can be tested on their own.
//
// Creations as real epmd (OTP 25) hands them out, checked against it: a name never seen gets
// the current time in seconds plus one; a name registered again gets its last creation plus
// one. 0..3 are skipped (0 means "unknown", 1..3 are the old 2-bit creations). A node that
// registers with highest version < 6 gets ALIVE2_RESP with the 16-bit creation
// (creation % 3) + 1. epmd remembers up to 1000 unregistered names.
//
// Threads: one thread (the server's loop thread).
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "dist/epmd_protocol.h"

namespace ergod::dist::epmd {

class Registry {
 public:
  using Owner = uint64_t;  // who registered: a connection id, or our own node

  static constexpr size_t kMaxUnregistered = 1000;

  // The creation for a new registration, or nullopt when the name is taken. `fd` is the
  // registrant's socket, which DUMP_RESP shows as epmd does.
  std::optional<uint32_t> add(const NodeEntry& entry, Owner owner, uint64_t now_seconds, int fd = -1);
  // Removes the registrations of `owner`; returns the names removed.
  std::vector<std::string> remove_owner(Owner owner);
  // Removes `name` if `owner` registered it.
  bool remove_name(const std::string& name, Owner owner);
  const NodeEntry* find(const std::string& name) const;
  std::optional<uint32_t> creation(const std::string& name) const;
  size_t size() const { return nodes_.size(); }
  bool empty() const { return nodes_.empty(); }

  // Newest registration first, as epmd answers NAMES_RESP and DUMP_RESP.
  std::vector<NamesEntry> names() const;
  // DUMP_RESP text after the port: active names newest first, then old/unused ones in the
  // order they went, each line ending in a NUL, byte for byte as OTP 25's epmd words them.
  std::string dump_text() const;

  // The 16-bit creation an old (version 5) node is told.
  static uint16_t short_creation(uint32_t creation) { return static_cast<uint16_t>(creation % 3 + 1); }

 private:
  struct Node {
    NodeEntry entry;
    Owner owner;
    uint32_t creation;
    uint64_t seq;
    int fd;
  };
  struct Gone {
    std::string name;
    uint32_t creation;
    uint16_t port;
    int fd;
  };
  void forget(const std::string& name, const Node& node);
  static uint32_t next_creation(uint32_t c) {
    ++c;
    return c < 4 ? 4 : c;
  }
  std::unordered_map<std::string, Node> nodes_;
  std::deque<Gone> unregistered_;  // oldest first
  uint64_t seq_ = 0;
};

}  // namespace ergod::dist::epmd
