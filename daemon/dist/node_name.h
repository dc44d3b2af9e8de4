// Node names ("alive@host"): parsing and the rules Erlang applies to them. Our own name is
// checked as strictly as net_kernel checks a -sname/-name; a peer's name as leniently as
// dist_util does in the handshake (one '@', both parts non-empty), plus the bounds we need to
// make an atom of it later. Pure functions: any thread.
#pragma once

#include <string>
#include <string_view>

#include "term/result.h"

namespace ergod::dist {

// Short names (-sname: host without dots) or long names (-name: a dotted host or an IP
// address). Nodes of different domains cannot talk to each other.
enum class NameDomain { shortnames, longnames };

struct NodeName {
  std::string alive;  // the part before '@', which is what EPMD registers
  std::string host;
  std::string full() const { return alive + "@" + host; }
};

// Our own node name. alive: [0-9A-Za-z_-]+; host: printable without spaces, without dots for
// short names, dotted (or an IP address) for long names.
Result<NodeName> parse_own_node_name(std::string_view name, NameDomain domain);

// A name a peer sent in the handshake: exactly one '@', non-empty parts, valid UTF-8 of at
// most 255 characters (an atom), no control characters.
Result<NodeName> parse_peer_node_name(std::string_view name);

// The host part a peer asking for a dynamic name (NAME_ME) sent: non-empty, no '@'.
Status check_dynamic_host(std::string_view host);

// Whether a peer's host fits our name domain, with the message Erlang logs when it does not.
Status check_name_domain(const NodeName& peer, NameDomain domain);

// The domain of our own name ("alive@host", or a host alone while it waits for NAME_ME): long
// when the host is dotted or an IP address, as a name -name accepts and -sname does not.
NameDomain own_name_domain(std::string_view own_name);

// Number of UTF-8 characters, or -1 when the bytes are not valid UTF-8.
long utf8_length(std::string_view bytes);

}  // namespace ergod::dist
