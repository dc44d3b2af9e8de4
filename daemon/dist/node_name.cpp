// Node name rules (see node_name.h).
#include "dist/node_name.h"

#include <arpa/inet.h>

#include <algorithm>

namespace ergod::dist {

long utf8_length(std::string_view s) {
  long chars = 0;
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t extra;
    uint32_t cp;
    if (c < 0x80) { extra = 0; cp = c; }
    else if ((c & 0xE0) == 0xC0) { extra = 1; cp = c & 0x1F; }
    else if ((c & 0xF0) == 0xE0) { extra = 2; cp = c & 0x0F; }
    else if ((c & 0xF8) == 0xF0) { extra = 3; cp = c & 0x07; }
    else return -1;
    if (i + extra >= s.size()) return -1;  // truncated sequence
    for (size_t k = 1; k <= extra; ++k) {
      auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) return -1;
      cp = (cp << 6) | (d & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    static constexpr uint32_t min_cp[] = {0, 0x80, 0x800, 0x10000};
    if (cp < min_cp[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return -1;
    i += extra + 1;
    ++chars;
  }
  return chars;
}

namespace {

bool is_ip_address(const std::string& host) {
  unsigned char buf[16];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

// Splits at the only '@'; fails on none or several.
Result<NodeName> split(std::string_view name, std::string_view what) {
  auto at = name.find('@');
  if (at == std::string_view::npos)
    return make_error(std::string(what) + " '" + std::string(name) + "' has no '@'");
  if (name.find('@', at + 1) != std::string_view::npos)
    return make_error(std::string(what) + " '" + std::string(name) + "' has more than one '@'");
  NodeName n{std::string(name.substr(0, at)), std::string(name.substr(at + 1))};
  if (n.alive.empty())
    return make_error(std::string(what) + " '" + std::string(name) + "' has an empty name part");
  if (n.host.empty())
    return make_error(std::string(what) + " '" + std::string(name) + "' has an empty host part");
  return n;
}

}  // namespace

Result<NodeName> parse_own_node_name(std::string_view name, NameDomain domain) {
  auto r = split(name, "node name");
  if (!r) return r;
  NodeName& n = r.value();
  bool alive_ok = std::all_of(n.alive.begin(), n.alive.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           c == '_' || c == '-';
  });
  if (!alive_ok)
    return make_error("node name '" + std::string(name) +
                      "': the part before '@' may only hold letters, digits, '_' and '-'");
  // net_kernel allows the host characters U+0021..U+00FF; we take the ASCII part of that,
  // since a host name outside ASCII cannot be resolved anyway.
  bool host_ok = std::all_of(n.host.begin(), n.host.end(),
                             [](char c) { return c > ' ' && static_cast<unsigned char>(c) < 0x7F; });
  if (!host_ok)
    return make_error("node name '" + std::string(name) + "': the host part has a space or a "
                      "non-printable character");
  if (name.size() > 255) return make_error("node name '" + std::string(name) + "' is longer than 255 characters");
  if (auto s = check_name_domain(n, domain); !s) return make_error(s.error());
  return r;
}

Result<NodeName> parse_peer_node_name(std::string_view name) {
  long chars = utf8_length(name);
  if (chars < 0) return make_error("peer node name is not valid UTF-8");
  if (chars > 255) return make_error("peer node name is longer than 255 characters");
  if (std::any_of(name.begin(), name.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7F; }))
    return make_error("peer node name has a control character");
  return split(name, "peer node name");
}

Status check_dynamic_host(std::string_view host) {
  if (host.empty()) return make_error("dynamic node name request with an empty host");
  if (host.find('@') != std::string_view::npos)
    return make_error("dynamic node name request: host '" + std::string(host) + "' has an '@'");
  long chars = utf8_length(host);
  if (chars < 0 || chars > 200) return make_error("dynamic node name request: bad host");
  return Ok{};
}

Status check_name_domain(const NodeName& n, NameDomain domain) {
  bool dotted = n.host.find('.') != std::string::npos;
  if (domain == NameDomain::shortnames && dotted)
    return make_error("system NOT running to use fully qualified hostnames: host '" + n.host +
                      "' of " + n.full() + " is illegal");
  if (domain == NameDomain::longnames && !dotted && !is_ip_address(n.host))
    return make_error("system running to use fully qualified hostnames: host '" + n.host +
                      "' of " + n.full() + " is illegal");
  return Ok{};
}

NameDomain own_name_domain(std::string_view own_name) {
  auto at = own_name.find('@');
  std::string host(at == std::string_view::npos ? own_name : own_name.substr(at + 1));
  bool dotted = host.find('.') != std::string::npos;
  return dotted || is_ip_address(host) ? NameDomain::longnames : NameDomain::shortnames;
}

}  // namespace ergod::dist
